#include "runner/executor_protocol.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "runner/assets.h"

namespace hardend::runner {
namespace {

using nlohmann::json;

std::string read_source_file(const std::string& relative) {
  std::ifstream in(std::string(HARDEND_SOURCE_DIR) + "/" + relative, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<Frame> parse_all(std::string_view bytes, std::size_t max_line = 1 << 20) {
  FrameParser parser(max_line);
  std::vector<Frame> frames;
  parser.feed(bytes, frames);
  parser.finish(frames);
  return frames;
}

Frame frame_of(const json& value) {
  return parse_frame_line(value.dump());
}

// ---- assets and request lines

TEST(Assets, AreTheAssetFilesByteForByte) {
  EXPECT_EQ(bootstrap_source(), read_source_file("assets/bootstrap.py"));
  EXPECT_EQ(executor_source(), read_source_file("assets/executor.py"));
  EXPECT_EQ(common_server_source(), read_source_file("assets/CommonServerPython.py"));
  EXPECT_NE(executor_source().find("def serve_request"), std::string_view::npos);
}

TEST(ExecutorCommand, RunsTheBootstrapUnbuffered) {
  auto command = executor_command();
  ASSERT_EQ(command.size(), 4u);
  EXPECT_EQ(command[0], "python3");
  EXPECT_EQ(command[1], "-u");
  EXPECT_EQ(command[2], "-c");
  EXPECT_EQ(command[3], bootstrap_source());
}

TEST(BootstrapLine, IsOneJsonLineCarryingTheExecutorAndTheShim) {
  for (auto mode : {ExecutorMode::once, ExecutorMode::loop}) {
    std::string line = build_bootstrap_line(mode);
    ASSERT_FALSE(line.empty());
    EXPECT_EQ(line.back(), '\n');
    EXPECT_EQ(line.find('\n'), line.size() - 1) << "a raw newline inside would end the line early";
    json value = json::parse(line);
    EXPECT_EQ(value["executor"], std::string(executor_source()));
    EXPECT_EQ(value["modules"]["CommonServerPython"], std::string(common_server_source()));
    EXPECT_EQ(value["mode"], mode == ExecutorMode::loop ? "loop" : "once");
    EXPECT_EQ(value["scratch"], json::array());
    EXPECT_EQ(value["scratch_sysv_ipc"], false);
  }
  json value = json::parse(build_bootstrap_line(ExecutorMode::loop, {{"/dev/shm", "/tmp"}, true}));
  EXPECT_EQ(value["scratch"], json::array({"/dev/shm", "/tmp"}));
  EXPECT_EQ(value["scratch_sysv_ipc"], true);
}

TEST(RequestLine, CarriesScriptNameArgsAndLimit) {
  ScriptRequest request;
  request.source = "print('hé')\nreturn_error('x')\n";
  request.name = "TestMemory";
  request.args = {{"size", 5}, {"flag", true}, {"list", {1, "two"}}};
  request.output_limit = 1234;
  request.id = "run-7";
  auto line = build_request_line(request);
  ASSERT_TRUE(line.ok()) << line.error().message;
  EXPECT_EQ(line->find('\n'), line->size() - 1);
  json value = json::parse(*line);
  EXPECT_EQ(value["script"], request.source);
  EXPECT_EQ(value["name"], "TestMemory");
  EXPECT_EQ(value["args"], request.args);
  EXPECT_EQ(value["params"], json::object());
  EXPECT_EQ(value["command"], "");
  EXPECT_EQ(value["output_limit"], 1234);
  EXPECT_EQ(value["id"], "run-7");
  EXPECT_FALSE(value.contains("last")) << "only said when true";
  request.last = true;
  EXPECT_EQ(json::parse(*build_request_line(request))["last"], true);
}

TEST(RequestLine, RejectsNonObjectArgsAndZeroLimit) {
  ScriptRequest request;
  request.args = json::array({1, 2});
  auto line = build_request_line(request);
  ASSERT_FALSE(line.ok());
  EXPECT_NE(line.error().message.find("arguments must be a JSON object"), std::string::npos);
  request.args = json::object();
  request.params = "x";
  EXPECT_FALSE(build_request_line(request).ok());
  request.params = json::object();
  request.output_limit = 0;
  EXPECT_FALSE(build_request_line(request).ok());
}

TEST(RequestLine, ReplacesInvalidUtf8InsteadOfThrowing) {
  ScriptRequest request;
  request.source = "print('caf\xE9')";  // Latin-1 file
  auto line = build_request_line(request);
  ASSERT_TRUE(line.ok());
  EXPECT_EQ(json::parse(*line)["script"], "print('caf\xEF\xBF\xBD')");
}

// ---- frames

TEST(ParseFrameLine, KnowsEveryFrameType) {
  Frame out = frame_of({{"t", "stdout"}, {"data", "hi\n"}});
  EXPECT_EQ(out.kind, FrameKind::stdout_text);
  EXPECT_EQ(out.text, "hi\n");
  EXPECT_EQ(frame_of({{"t", "stderr"}, {"data", "oops"}}).kind, FrameKind::stderr_text);

  Frame entry = frame_of({{"t", "entry"}, {"entry", {{"Type", 1}, {"Contents", "x"}}}});
  EXPECT_EQ(entry.kind, FrameKind::entry);
  EXPECT_EQ(entry.entry["Contents"], "x");

  Frame log = frame_of({{"t", "log"}, {"level", "debug"}, {"msg", "m"}});
  EXPECT_EQ(log.kind, FrameKind::log);
  EXPECT_EQ(log.level, "debug");
  EXPECT_EQ(log.text, "m");

  Frame error = frame_of({{"t", "error"}, {"message", "ValueError: v"}, {"traceback", "Traceback...\n"}});
  EXPECT_EQ(error.kind, FrameKind::error);
  EXPECT_EQ(error.text, "ValueError: v");
  EXPECT_EQ(error.traceback, "Traceback...\n");

  Frame done = frame_of({{"t", "done"}, {"exit_code", 137}, {"signal", 9}});
  EXPECT_EQ(done.kind, FrameKind::done);
  EXPECT_EQ(done.exit_code, 137);
  EXPECT_EQ(done.signal, 9);
  EXPECT_EQ(frame_of({{"t", "done"}, {"exit_code", 0}}).signal, std::nullopt);

  EXPECT_EQ(frame_of({{"t", "truncated"}, {"limit", 10}}).kind, FrameKind::truncated);
  EXPECT_EQ(frame_of({{"t", "ready"}, {"protocol", 1}}).kind, FrameKind::ready);
  EXPECT_EQ(frame_of({{"t", "progress"}}).kind, FrameKind::unknown);
}

TEST(ParseFrameLine, ReadyFrameSaysWhetherTheExecutorIsExposed) {
  EXPECT_FALSE(frame_of({{"t", "ready"}, {"dumpable", false}}).executor_dumpable);
  EXPECT_TRUE(frame_of({{"t", "ready"}, {"dumpable", true}}).executor_dumpable);
  // Anything but an explicit false is a doubt, and a doubt means exposed.
  for (json odd : {json(nullptr), json(0), json("false")})
    EXPECT_TRUE(frame_of({{"t", "ready"}, {"dumpable", odd}}).executor_dumpable) << odd;
  EXPECT_TRUE(frame_of({{"t", "ready"}, {"protocol", 1}}).executor_dumpable) << "the field is missing";
}

TEST(ParseFrameLine, DoneFrameCarriesTheRunsLeftoverProcessesAndFiles) {
  Frame clean = frame_of({{"t", "done"}, {"exit_code", 0}});
  EXPECT_EQ(clean.leftover_processes, Leftovers{});
  EXPECT_EQ(clean.scratch_left, Leftovers{});

  Frame tainted = frame_of({{"t", "done"},
                            {"exit_code", 0},
                            {"leftover", 2},
                            {"leftover_processes", json::array({"17 sleep", "18 sh"})},
                            {"scratch_left", 3},
                            {"scratch_left_paths", json::array({"/tmp/a", "/tmp/b"})}});
  EXPECT_EQ(tainted.kind, FrameKind::done);
  EXPECT_EQ(tainted.leftover_processes, (Leftovers{2, {"17 sleep", "18 sh"}}));
  EXPECT_EQ(tainted.scratch_left, (Leftovers{3, {"/tmp/a", "/tmp/b"}}));

  // A count that is not a count still says something was left: never read as "clean".
  for (json odd : {json(-1), json("3"), json(true), json(1.5)}) {
    EXPECT_EQ(frame_of({{"t", "done"}, {"exit_code", 0}, {"leftover", odd}}).leftover_processes.count, 1U)
        << odd;
    EXPECT_EQ(frame_of({{"t", "done"}, {"exit_code", 0}, {"scratch_left", odd}}).scratch_left.count, 1U)
        << odd;
  }
  // Names are only for the log: bounded in number and length, never a reason to drop the frame.
  json many = json::array();
  for (int i = 0; i < 50; ++i) many.push_back(std::string(1000, 'x'));
  many.push_back(5);
  Frame long_names =
      frame_of({{"t", "done"}, {"exit_code", 0}, {"leftover", 51}, {"leftover_processes", many}});
  EXPECT_EQ(long_names.kind, FrameKind::done);
  EXPECT_EQ(long_names.leftover_processes.count, 51U);
  EXPECT_EQ(long_names.leftover_processes.names.size(), 8U);
  EXPECT_EQ(long_names.leftover_processes.names[0].size(), 256U);
}

TEST(ResultAggregator, KeepsTheLeftoverReportOutOfTheResultJson) {
  ResultAggregator aggregator;
  aggregator.add(frame_of({{"t", "done"},
                           {"exit_code", 0},
                           {"leftover", 1},
                           {"leftover_processes", json::array({"9 sleep"})},
                           {"scratch_left", 1},
                           {"scratch_left_paths", json::array({"/tmp/x"})}}));
  ScriptResult result = aggregator.finish({});
  EXPECT_EQ(result.exit_code, kExitSuccess) << "the script itself succeeded";
  EXPECT_EQ(result.leftover_processes, (Leftovers{1, {"9 sleep"}}));
  EXPECT_EQ(result.scratch_left, (Leftovers{1, {"/tmp/x"}}));
  EXPECT_FALSE(result.to_json().contains("leftover"));
  EXPECT_FALSE(result.to_json().contains("scratch_left"));
}

TEST(ParseFrameLine, TreatsAnythingElseAsPrintedText) {
  for (std::string line :
       {"plain text", "{not json", "[1,2]", "{\"no_type\":1}", "{\"t\":5}", "{\"t\":\"stdout\",\"data\":5}",
        "{\"t\":\"entry\",\"entry\":\"x\"}", "{\"t\":\"done\",\"exit_code\":\"0\"}"}) {
    Frame frame = parse_frame_line(line);
    EXPECT_EQ(frame.kind, FrameKind::stdout_text) << line;
    EXPECT_EQ(frame.text, line + "\n") << line;
  }
}

TEST(FrameParser, ReassemblesLinesSplitAcrossReads) {
  std::string stream = json({{"t", "stdout"}, {"data", "héllo"}}).dump() + "\n" +
                       json({{"t", "done"}, {"exit_code", 3}}).dump() + "\r\n";
  FrameParser parser(1 << 16);
  std::vector<Frame> frames;
  for (char c : stream) parser.feed(std::string_view(&c, 1), frames);
  parser.finish(frames);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].text, "héllo");
  EXPECT_EQ(frames[1].kind, FrameKind::done);
  EXPECT_EQ(frames[1].exit_code, 3);
}

TEST(FrameParser, DropsOverlongLinesAndRecovers) {
  std::string big(1000, 'x');
  std::string stream = big + "\n" + json({{"t", "stdout"}, {"data", "after"}}).dump() + "\n";
  FrameParser parser(100);
  std::vector<Frame> frames;
  parser.feed(stream.substr(0, 50), frames);
  parser.feed(stream.substr(50), frames);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].kind, FrameKind::oversized);
  EXPECT_EQ(frames[0].wire_bytes, 1001u);
  EXPECT_EQ(frames[1].text, "after");
}

TEST(FrameParser, AcceptsALineOfExactlyTheMaximum) {
  std::string line = json({{"t", "stdout"}, {"data", std::string(50, 'a')}}).dump();
  auto frames = parse_all(line + "\n", line.size());
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].kind, FrameKind::stdout_text);
  frames = parse_all(line + "\n", line.size() - 1);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].kind, FrameKind::oversized);
}

TEST(FrameParser, TrailingPartialLineAndBadBytesBecomeText) {
  auto frames = parse_all("garbage \xFF\xFE\nno newline at end");
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].kind, FrameKind::stdout_text);
  EXPECT_EQ(frames[0].text, "garbage \xEF\xBF\xBD\xEF\xBF\xBD\n");
  EXPECT_EQ(frames[1].text, "no newline at end");
  EXPECT_TRUE(parse_all("\n\n\r\n").empty());
}

TEST(SanitizeUtf8, KeepsValidAndReplacesInvalidSequences) {
  EXPECT_EQ(sanitize_utf8("ascii é 日本 🙂"), "ascii é 日本 🙂");
  EXPECT_EQ(sanitize_utf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong
  EXPECT_EQ(sanitize_utf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(sanitize_utf8("a\xE6\x97"), "a\xEF\xBF\xBD\xEF\xBF\xBD");                // cut short
}

// ---- aggregation

Frame stdout_frame(std::string text) {
  return frame_of({{"t", "stdout"}, {"data", std::move(text)}});
}
Frame done_frame(int code) {
  return frame_of({{"t", "done"}, {"exit_code", code}});
}
Frame entry_frame(json entry) {
  return frame_of({{"t", "entry"}, {"entry", std::move(entry)}});
}

TEST(ResultAggregator, PrintedTextBecomesNoteEntriesInOrder) {
  ResultAggregator aggregator;
  aggregator.add(stdout_frame("one\n"));
  aggregator.add(stdout_frame("two\n"));
  aggregator.add(entry_frame({{"Type", 1}, {"ContentsFormat", "markdown"}, {"Contents", "| a |"}}));
  aggregator.add(stdout_frame("three\n"));
  aggregator.add(done_frame(0));
  ScriptResult result = aggregator.finish({});
  ASSERT_EQ(result.entries.size(), 3u);
  EXPECT_EQ(result.entries[0]["Contents"], "one\ntwo");
  EXPECT_EQ(result.entries[0]["Type"], 1);
  EXPECT_EQ(result.entries[0]["ContentsFormat"], "text");
  EXPECT_EQ(result.entries[1]["ContentsFormat"], "markdown");
  EXPECT_EQ(result.entries[2]["Contents"], "three");
  EXPECT_EQ(result.exit_code, kExitSuccess);
  EXPECT_EQ(result.error, std::nullopt);
  EXPECT_EQ(result.script_exit_code, 0);
}

TEST(ResultAggregator, StderrAndLogsBecomeLogs) {
  ResultAggregator aggregator;
  aggregator.add(frame_of({{"t", "stderr"}, {"data", "Traceback\n"}}));
  aggregator.add(frame_of({{"t", "stderr"}, {"data", "  line\n"}}));
  aggregator.add(frame_of({{"t", "log"}, {"level", "debug"}, {"msg", "dbg"}}));
  aggregator.add_container_stderr("executor crashed\n");
  aggregator.add(done_frame(0));
  json logs = aggregator.finish({}).logs;
  ASSERT_EQ(logs.size(), 3u);
  EXPECT_EQ(logs[0], json({{"level", "stderr"}, {"message", "Traceback\n  line"}}));
  EXPECT_EQ(logs[1], json({{"level", "debug"}, {"message", "dbg"}}));
  EXPECT_EQ(logs[2]["message"], "executor crashed");
}

TEST(ResultAggregator, ErrorEntryFailsTheRunEvenWithExitZero) {
  // return_error: error entry, then sys.exit(0) as on the platform
  ResultAggregator aggregator;
  aggregator.add(entry_frame({{"Type", 4},
                              {"ContentsFormat", "text"},
                              {"Contents", "Return code from sub process indicates failure: -9"}}));
  aggregator.add(done_frame(0));
  EXPECT_TRUE(aggregator.done());
  RunOutcome outcome;
  outcome.oom_killed = true;  // the child died of OOM; the script itself survived and reported it
  ScriptResult result = aggregator.finish(outcome);
  EXPECT_EQ(result.exit_code, kExitScriptError);
  EXPECT_EQ(result.error, "Return code from sub process indicates failure: -9");
  EXPECT_TRUE(result.oom_killed);
  ASSERT_EQ(result.entries.size(), 1u);
}

TEST(ResultAggregator, UncaughtExceptionReportsTheTraceback) {
  ResultAggregator aggregator;
  aggregator.add(frame_of({{"t", "error"},
                           {"message", "ZeroDivisionError: division by zero"},
                           {"traceback", "Traceback (most recent call last):\n  File \"s.py\", line 3\n"}}));
  aggregator.add(done_frame(1));
  ScriptResult result = aggregator.finish({});
  EXPECT_EQ(result.exit_code, kExitScriptError);
  ASSERT_TRUE(result.error);
  EXPECT_NE(result.error->find("line 3"), std::string::npos);
}

TEST(ResultAggregator, NonZeroExitSignalAndMissingDoneAreErrors) {
  ResultAggregator exited;
  exited.add(done_frame(3));
  ScriptResult result = exited.finish({});
  EXPECT_EQ(result.exit_code, kExitScriptError);
  EXPECT_EQ(result.error, "the script exited with code 3");
  EXPECT_EQ(result.script_exit_code, 3);

  ResultAggregator killed;
  killed.add(frame_of({{"t", "done"}, {"exit_code", 143}, {"signal", 15}}));
  EXPECT_EQ(killed.finish({}).error, "the script was killed by signal 15");

  ResultAggregator silent;
  RunOutcome outcome;
  outcome.container_exit_code = 70;
  result = silent.finish(outcome);
  EXPECT_EQ(result.exit_code, kExitScriptError);
  EXPECT_EQ(result.error, "the executor ended without reporting a result (container exit code 70)");

  ResultAggregator killed_container;
  outcome.container_exit_code = 137;
  EXPECT_EQ(
      killed_container.finish(outcome).error,
      "the executor ended without reporting a result (container exit code 137: its PID 1 was ended by signal "
      "9, from inside the run or from outside it (docker kill or stop, a runtime restart))");

  ResultAggregator runtime_down;
  RunOutcome unknown;
  unknown.runtime_error =
      "cannot connect to the Docker daemon at unix:///var/run/docker.sock: Connection refused";
  result = runtime_down.finish(unknown);
  EXPECT_EQ(result.exit_code, kExitScriptError);
  EXPECT_EQ(
      result.error,
      "the executor ended without reporting a result; the container runtime could not say how it ended: "
      "cannot connect to the Docker daemon at unix:///var/run/docker.sock: Connection refused");
}

TEST(ResultAggregator, TimeoutWinsOverEverything) {
  ResultAggregator aggregator;
  aggregator.add(stdout_frame("working...\n"));
  RunOutcome outcome;
  outcome.timed_out = true;
  outcome.timeout_seconds = 2;
  outcome.duration_ms = 2010;
  ScriptResult result = aggregator.finish(outcome);
  EXPECT_EQ(result.exit_code, kExitTimeout);
  EXPECT_EQ(result.error, "timed out after 2s");
  EXPECT_EQ(result.duration_ms, 2010);
  EXPECT_EQ(result.entries.size(), 1u);  // what it printed before is kept
}

TEST(ResultAggregator, OomOfTheScriptProcessIsExit137) {
  RunOutcome outcome;
  outcome.oom_killed = true;
  outcome.memory_limit = int64_t{1} << 30;

  ResultAggregator no_done;
  ScriptResult result = no_done.finish(outcome);
  EXPECT_EQ(result.exit_code, kExitOom);
  EXPECT_EQ(result.error, "out of memory: the script was killed at the memory limit of 1g");

  ResultAggregator sigkilled;
  sigkilled.add(frame_of({{"t", "done"}, {"exit_code", 137}, {"signal", 9}}));
  EXPECT_EQ(sigkilled.finish(outcome).exit_code, kExitOom);

  ResultAggregator exited;  // the script survived: OOM is informational
  exited.add(done_frame(0));
  result = exited.finish(outcome);
  EXPECT_EQ(result.exit_code, kExitSuccess);
  EXPECT_TRUE(result.oom_killed);
}

TEST(ResultAggregator, CutsTextAtTheLimitOnACharacterBoundary) {
  ResultAggregator aggregator(10);
  aggregator.add(stdout_frame("12345678é9"));  // 11 bytes (é is 2): the cut keeps the first 10
  aggregator.add(stdout_frame("more"));
  aggregator.add(done_frame(0));
  ScriptResult result = aggregator.finish({});
  EXPECT_TRUE(result.truncated);
  ASSERT_EQ(result.entries.size(), 1u);
  EXPECT_EQ(result.entries[0]["Contents"], "12345678é");
  ASSERT_EQ(result.logs.size(), 1u);
  EXPECT_EQ(result.logs[0]["level"], "warning");

  ResultAggregator split_char(9);
  split_char.add(stdout_frame("12345678é"));
  EXPECT_EQ(split_char.finish({}).entries[0]["Contents"], "12345678");
}

TEST(ResultAggregator, EntriesHaveTheirOwnBudget) {
  ResultAggregator aggregator(100);
  aggregator.add(entry_frame({{"Type", 1}, {"Contents", "small"}}));
  aggregator.add(entry_frame({{"Type", 1}, {"Contents", std::string(200, 'x')}}));
  aggregator.add(stdout_frame("text still fits\n"));
  aggregator.add(done_frame(0));
  ScriptResult result = aggregator.finish({});
  EXPECT_TRUE(result.truncated);
  ASSERT_EQ(result.entries.size(), 2u);
  EXPECT_EQ(result.entries[0]["Contents"], "small");
  EXPECT_EQ(result.entries[1]["Contents"], "text still fits");
}

TEST(ResultAggregator, ExecutorTruncationAndOversizedFramesMarkTheResult) {
  ResultAggregator truncated;
  truncated.add(frame_of({{"t", "truncated"}, {"limit", 10}}));
  EXPECT_TRUE(truncated.finish({}).truncated);
  ResultAggregator oversized;
  Frame dropped;
  dropped.kind = FrameKind::oversized;
  dropped.wire_bytes = 99999;
  oversized.add(dropped);
  ScriptResult result = oversized.finish({});
  EXPECT_TRUE(result.truncated);
  EXPECT_NE(result.logs[0]["message"].get<std::string>().find("99999"), std::string::npos);
}

TEST(ScriptResult, JsonHasExactlyTheDocumentedFields) {
  ResultAggregator aggregator;
  aggregator.add(done_frame(0));
  RunOutcome outcome;
  outcome.duration_ms = 42;
  json value = aggregator.finish(outcome).to_json();
  std::vector<std::string> keys;
  for (auto& [key, _] : value.items()) keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"duration_ms", "entries", "error", "exit_code", "logs",
                                            "oom_killed", "timed_out", "truncated"}));
  EXPECT_TRUE(value["error"].is_null());
  EXPECT_EQ(value["duration_ms"], 42);
  EXPECT_EQ(value["exit_code"], 0);
}

TEST(EndToEnd, ParserAndAggregatorOnARealTranscript) {
  // Recorded from the executor running a script that prints, returns a table and fails.
  std::string transcript =
      "{\"t\":\"ready\",\"protocol\":1,\"mode\":\"once\",\"pid\":7,\"python\":\"3.11.2\"}\n"
      "{\"t\":\"stdout\",\"data\":\"hello {'a': 1}\\n\"}\n"
      "{\"t\":\"entry\",\"entry\":{\"Type\":1,\"ContentsFormat\":\"json\",\"Contents\":[{\"id\":1}],"
      "\"HumanReadable\":\"### Results\\n|id|\\n|---|\\n| 1 |\\n\",\"EntryContext\":{\"A(val.id && val.id == "
      "obj.id)\":[{\"id\":1}]}}}\n"
      "{\"t\":\"log\",\"level\":\"debug\",\"msg\":\"dbg 5\"}\n"
      "{\"t\":\"error\",\"message\":\"ZeroDivisionError: division by zero\",\"type\":\"ZeroDivisionError\","
      "\"traceback\":\"Traceback (most recent call last):\\n  File \\\"s1.py\\\", line 8, in "
      "<module>\\n\",\"line\":8}\n"
      "{\"t\":\"done\",\"duration_ms\":92,\"exit_code\":1}\n";
  FrameParser parser(FrameParser::max_line_bytes_for(kDefaultOutputLimit));
  std::vector<Frame> frames;
  parser.feed(transcript, frames);
  ResultAggregator aggregator;
  aggregator.add_frames(frames);
  EXPECT_TRUE(aggregator.done());
  ScriptResult result = aggregator.finish({});
  ASSERT_EQ(result.entries.size(), 2u);
  EXPECT_EQ(result.entries[0]["Contents"], "hello {'a': 1}");
  EXPECT_EQ(result.entries[1]["EntryContext"]["A(val.id && val.id == obj.id)"][0]["id"], 1);
  EXPECT_EQ(result.exit_code, kExitScriptError);
  EXPECT_NE(result.error->find("line 8"), std::string::npos);
  EXPECT_EQ(result.logs.size(), 1u);
}

}  // namespace
}  // namespace hardend::runner
