// Issue 5 on the real daemon: the scripts in tests/integration/scripts/ run in hardened containers through
// runner::run_script and through `hardend script`, each with its expected result; the guide's TestMemory.py
// unchanged under the default 1g limit and without a limit; timeout, output cap (with the engine's own memory
// measured) and OOM; nothing left behind.
#include "script_test.h"

namespace hardend::script_test {
namespace {

using nlohmann::json;
using runner::ScriptResult;

const json& only_entry(const ScriptResult& result, int type) {
  static const json none;
  for (const auto& entry : result.entries)
    if (entry.value("Type", 0) == type) return entry;
  ADD_FAILURE() << "no entry of type " << type << " in " << result.entries.dump();
  return none;
}

// --- the guide's memory test, unchanged --------------------------------------------------------------------

TEST(TestMemoryCopy, IsByteIdenticalToTheSharedExample) {
  std::filesystem::path shared = std::filesystem::path(HARDEND_SHARED_EXAMPLES) / "TestMemory.py";
  if (!std::filesystem::exists(shared))
    GTEST_SKIP() << shared << " is not there (no shared dir next to the clone)";
  EXPECT_EQ(read_file(script_path("TestMemory.py")), read_file(shared));
}

TEST_F(ScriptTest, TestMemoryFailsUnderTheDefaultOneGigabyteLimit) {
  auto ran = run_path(test_memory_path(), {});
  const ScriptResult& result = ran.result;
  EXPECT_EQ(result.exit_code, 1) << result.to_json().dump();
  ASSERT_TRUE(result.error.has_value());
  EXPECT_EQ(*result.error, "Return code from sub process indicates failure: -9");
  EXPECT_EQ(only_entry(result, 4)["Contents"], "Return code from sub process indicates failure: -9");
  EXPECT_FALSE(result.timed_out);

  // The same through the binary, as an operator runs it.
  auto cli_run = cli({"script", test_memory_path().string(), "--json"});
  EXPECT_EQ(cli_run.exit_code, 1) << cli_run.err;
  auto out = cli_run.json();
  EXPECT_EQ(out["error"], "Return code from sub process indicates failure: -9");
  EXPECT_EQ(out["exit_code"], 1);
}

TEST_F(ScriptTest, TestMemorySucceedsWithoutAMemoryLimit) {
  auto ran = run_path(test_memory_path(), {.config = R"({"limit.docker.memory": false})"});
  EXPECT_EQ(ran.result.exit_code, 0) << ran.result.to_json().dump();
  EXPECT_NE(printed(ran.result).find("Success allocating memory of size: 1073741824"), std::string::npos)
      << ran.result.to_json().dump();
  EXPECT_FALSE(ran.result.oom_killed);

  auto cli_run = cli({"script", test_memory_path().string()}, R"({"limit.docker.memory": "false"})");
  EXPECT_EQ(cli_run.exit_code, 0) << cli_run.err;
  EXPECT_NE(cli_run.out.find("Success allocating memory of size: 1073741824"), std::string::npos)
      << cli_run.out;
}

// --- the API surface --------------------------------------------------------------------------------------

TEST_F(ScriptTest, ArgumentsKeepTheirJsonTypes) {
  json args = {{"s", "text"},       {"n", 5},          {"f", 1.5},
               {"b", true},         {"l", {1, "two"}}, {"d", {{"k", nullptr}}},
               {"u", "日本 🙂"}};
  auto ran = run("ArgsTypes.py", {.args = args});
  ASSERT_EQ(ran.result.exit_code, 0) << ran.result.to_json().dump();
  EXPECT_EQ(ran.result.entries[0]["Contents"], json({{"s", {"str", "text"}},
                                                     {"n", {"int", 5}},
                                                     {"f", {"float", 1.5}},
                                                     {"b", {"bool", true}},
                                                     {"l", {"list", {1, "two"}}},
                                                     {"d", {"dict", {{"k", nullptr}}}},
                                                     {"u", {"str", "日本 🙂"}}}));
}

TEST_F(ScriptTest, CliMergesArgsJsonWithStringArgs) {
  auto cli_run = cli({"script", script_path("ArgsTypes.py").string(), "--args-json",
                      R"({"n": 5, "s": "json"})", "--arg", "s=from-arg", "--arg", "eq=a=b", "--json"});
  ASSERT_EQ(cli_run.exit_code, 0) << cli_run.err;
  EXPECT_EQ(cli_run.json()["entries"][0]["Contents"],
            json({{"n", {"int", 5}}, {"s", {"str", "from-arg"}}, {"eq", {"str", "a=b"}}}));
}

TEST_F(ScriptTest, ArgumentHelpers) {
  auto ran = run("ArgHelpers.py", {.args = {{"ids", "a, b ,c"}, {"verbose", "yes"}, {"limit", "1.9"}}});
  EXPECT_EQ(ran.result.exit_code, 0);
  EXPECT_EQ(printed(ran.result), "ids=['a', 'b', 'c'] verbose=True limit=1\n");

  auto missing = run("ArgHelpers.py", {.args = {{"ids", "x"}}});
  EXPECT_EQ(missing.result.exit_code, 1);
  ASSERT_TRUE(missing.result.error.has_value());
  EXPECT_NE(missing.result.error->find("ValueError: Missing \"limit\""), std::string::npos)
      << *missing.result.error;
}

TEST_F(ScriptTest, UnicodeSurvivesTheRoundTrip) {
  auto ran = run("Unicode.py");
  const ScriptResult& result = ran.result;
  ASSERT_EQ(result.exit_code, 0) << result.to_json().dump();
  EXPECT_EQ(result.entries[0]["Contents"], "héllo 日本 🙂");
  EXPECT_EQ(result.entries[1]["Contents"], "résumé ✓");
  EXPECT_EQ(result.entries[2]["EntryContext"],
            json({{"Ünï(val.ключ && val.ключ == obj.ключ)", {{{"emoji", "🙂"}, {"ключ", "значение"}}}}}));
  EXPECT_NE(result.entries[2]["HumanReadable"].get<std::string>().find("| значение |"), std::string::npos);
  EXPECT_TRUE(has_log(result, "stderr", "ошибка"));
}

TEST_F(ScriptTest, LargeTable) {
  auto ran = run("LargeTable.py");
  ASSERT_EQ(ran.result.exit_code, 0) << ran.result.error.value_or("");
  const json& entry = ran.result.entries.at(0);
  std::string markdown = entry["HumanReadable"];
  EXPECT_EQ(std::count(markdown.begin(), markdown.end(), '\n'), 5003);
  EXPECT_TRUE(markdown.starts_with("### Big\n|id|name|tags|\n|---|---|---|\n| 0 | row-0 | t0 |\n"));
  EXPECT_TRUE(markdown.ends_with("| 4999 | row-4999 | t1 |\n"));
  EXPECT_EQ(entry["EntryContext"]["Big(val.id && val.id == obj.id)"].size(), 5000u);
  EXPECT_FALSE(ran.result.truncated);
}

TEST_F(ScriptTest, UncaughtExceptionHasTheScriptsLineNumbers) {
  auto ran = run("Exception.py");
  EXPECT_EQ(ran.result.exit_code, 1);
  ASSERT_TRUE(ran.result.error.has_value());
  const std::string& traceback = *ran.result.error;
  EXPECT_NE(traceback.find("File \"Exception.py\", line 10, in <module>"), std::string::npos) << traceback;
  EXPECT_NE(traceback.find("File \"Exception.py\", line 7, in main"), std::string::npos) << traceback;
  EXPECT_NE(traceback.find("File \"Exception.py\", line 2, in parse\n    return int(value)"),
            std::string::npos);
  EXPECT_NE(traceback.find("ValueError: invalid literal for int() with base 10: 'not a number'"),
            std::string::npos);
  EXPECT_EQ(traceback.find("hardend_executor"), std::string::npos)
      << "executor frames leak into the traceback";
  EXPECT_EQ(printed(ran.result), "parsing\n");
}

TEST_F(ScriptTest, SyntaxErrorHasTheScriptsLineNumber) {
  auto ran = run("SyntaxError.py");
  EXPECT_EQ(ran.result.exit_code, 1);
  ASSERT_TRUE(ran.result.error.has_value());
  EXPECT_NE(ran.result.error->find("File \"SyntaxError.py\", line 4"), std::string::npos)
      << *ran.result.error;
  EXPECT_NE(ran.result.error->find("if True print('bad')"), std::string::npos);
  EXPECT_NE(ran.result.error->find("SyntaxError"), std::string::npos);
  EXPECT_EQ(printed(ran.result), "") << "nothing of a script that does not compile may run";
}

TEST_F(ScriptTest, SysExitCodes) {
  for (int code : {0, 3}) {
    auto ran = run("SysExit.py", {.args = {{"code", std::to_string(code)}}});
    EXPECT_EQ(ran.result.script_exit_code, code);
    EXPECT_EQ(ran.result.exit_code, code == 0 ? 0 : 1);
    EXPECT_EQ(printed(ran.result), "exiting with " + std::to_string(code) + "\n");
    if (code != 0) {
      EXPECT_EQ(ran.result.error, "the script exited with code 3");
    }
  }
  auto cli_run = cli({"script", script_path("SysExit.py").string(), "--arg", "code=3", "--json"});
  EXPECT_EQ(cli_run.exit_code, 1);
  EXPECT_EQ(cli_run.json()["error"], "the script exited with code 3");
}

TEST_F(ScriptTest, ReturnErrorFailsTheRun) {
  auto ran = run("ReturnError.py", {.args = {{"why", "disk full"}}});
  EXPECT_EQ(ran.result.exit_code, 1);
  EXPECT_EQ(ran.result.error, "it broke: disk full");
  EXPECT_EQ(printed(ran.result), "before\n");
  EXPECT_EQ(only_entry(ran.result, 4)["Contents"], "it broke: disk full");
}

TEST_F(ScriptTest, CommandResultsWriteContext) {
  auto ran = run("CommandResultsContext.py");
  ASSERT_EQ(ran.result.exit_code, 0);
  ASSERT_EQ(ran.result.entries.size(), 2u);
  const json& entry = ran.result.entries[0];
  EXPECT_EQ(entry["EntryContext"], json({{"Test.Item(val.ID && val.ID == obj.ID)",
                                          {{{"ID", 1}, {"Name", "a"}}, {{"ID", 2}, {"Name", "b"}}}}}));
  EXPECT_EQ(entry["HumanReadable"], "### Results\n|ID|Name|\n|---|---|\n| 1 | a |\n| 2 | b |\n");
  EXPECT_EQ(entry["ContentsFormat"], "json");
  EXPECT_EQ(ran.result.entries[1]["Contents"], "a string");
}

TEST_F(ScriptTest, ReturnOutputs) {
  auto ran = run("ReturnOutputs.py");
  ASSERT_EQ(ran.result.exit_code, 0);
  const json& entry = ran.result.entries.at(0);
  EXPECT_EQ(entry["HumanReadable"], "## with outputs");
  EXPECT_EQ(entry["EntryContext"], json({{"Ctx.Value", 1}}));
  EXPECT_EQ(entry["Contents"], json({{"raw", true}}));
}

TEST_F(ScriptTest, ReturnWarningIsNotAFailure) {
  auto ran = run("ReturnWarning.py");
  EXPECT_EQ(ran.result.exit_code, 0);
  std::vector<std::pair<int, std::string>> seen;
  for (const auto& entry : ran.result.entries) seen.emplace_back(entry["Type"], entry["Contents"]);
  EXPECT_EQ(seen,
            (std::vector<std::pair<int, std::string>>{{11, "careful"}, {1, "still running"}, {11, "last"}}));
}

TEST_F(ScriptTest, ResultsOfEachKind) {
  auto ran = run("ResultsKinds.py");
  ASSERT_EQ(ran.result.exit_code, 0);
  ASSERT_EQ(ran.result.entries.size(), 4u) << ran.result.entries.dump();
  EXPECT_EQ(ran.result.entries[0]["Contents"], "plain text");
  EXPECT_EQ(ran.result.entries[1]["Contents"], json({{"a", 1}}));
  EXPECT_EQ(ran.result.entries[1]["ContentsFormat"], "json");
  EXPECT_EQ(ran.result.entries[2]["Contents"], "x");
  EXPECT_EQ(ran.result.entries[3]["ContentsFormat"], "markdown");
}

TEST_F(ScriptTest, LogsAreSeparateFromEntries) {
  auto ran = run("Logging.py");
  ASSERT_EQ(ran.result.exit_code, 0);
  EXPECT_TRUE(has_log(ran.result, "debug", "debug 1"));
  EXPECT_TRUE(has_log(ran.result, "info", "info"));
  EXPECT_TRUE(has_log(ran.result, "error", "error"));
  EXPECT_TRUE(has_log(ran.result, "debug", "via LOG"));
  EXPECT_EQ(printed(ran.result), "done\n");
  EXPECT_FALSE(ran.result.error.has_value()) << "demisto.error is a log line, not a failure";
}

TEST_F(ScriptTest, PlatformGlobalsWithoutImports) {
  auto ran = run("Globals.py");
  ASSERT_EQ(ran.result.exit_code, 0) << ran.result.error.value_or("");
  EXPECT_EQ(
      printed(ran.result),
      "sys,os,json,re,time,traceback,datetime,timedelta,demisto,tableToMarkdown,EntryType,DemistoException\n"
      "{\"now_is_datetime\": true}\nname=__main__\n");
}

TEST_F(ScriptTest, MultiprocessingRunsAsTheNonRootUser) {
  auto ran = run("Multiprocessing.py");
  ASSERT_EQ(ran.result.exit_code, 0) << ran.result.to_json().dump();
  std::string out = printed(ran.result);
  EXPECT_NE(out.find("squares [0, 1, 4, 9, 16, 25, 36, 49]"), std::string::npos) << out;
  EXPECT_NE(out.find("child uid 4000"), std::string::npos) << out;
  EXPECT_NE(out.find("exitcode 0 uid 4000 gid 4000"), std::string::npos) << out;
}

TEST_F(ScriptTest, PidsLimitStopsAForkStorm) {
  auto ran = run("PidsLimit.py");
  ASSERT_EQ(ran.result.exit_code, 0) << ran.result.to_json().dump();
  std::string out = printed(ran.result);
  int started = 0;
  ASSERT_EQ(std::sscanf(out.c_str(), "started %d then BlockingIOError", &started), 1) << out;
  EXPECT_GT(started, 100);
  EXPECT_LT(started, 256) << "the default --pids-limit=256 counts every process of the container";
  EXPECT_NE(out.find("then BlockingIOError"), std::string::npos) << out;
}

// --- escape attempts --------------------------------------------------------------------------------------

TEST_F(ScriptTest, ReadOnlyRootAllowsOnlyTmp) {
  auto ran = run("EscapeWrite.py");
  ASSERT_EQ(ran.result.exit_code, 0) << ran.result.to_json().dump();
  // EROFS (30) on the read-only root and /proc/sys; the cgroup fs is root's (EACCES before EROFS); only the
  // tmpfs mounts (/tmp, Docker's /dev/shm that multiprocessing needs) are writable, and /tmp is noexec.
  EXPECT_EQ(
      printed(ran.result),
      "/dev/shm/allowed written\n/etc/hardend-escape OSError:30\n/hardend-escape OSError:30\n"
      "/home/hardend-escape OSError:30\n/proc/sys/kernel/hostname OSError:30\n"
      "/sys/fs/cgroup/hardend-escape PermissionError:13\n/tmp/allowed written\n"
      "/usr/hardend-escape OSError:30\n/var/hardend-escape OSError:30\nexec from /tmp PermissionError:13\n");
}

TEST_F(ScriptTest, ProcShowsOnlyTheContainersOwnProcesses) {
  auto ran = run("EscapeProc.py");
  ASSERT_EQ(ran.result.exit_code, 0) << ran.result.to_json().dump();
  std::string out = printed(ran.result);
  int count = 0, max_pid = 0;
  ASSERT_EQ(std::sscanf(out.c_str(), "pids %d max %d", &count, &max_pid), 2) << out;
  EXPECT_LE(count, 5) << out;
  EXPECT_LT(max_pid, 100) << "a PID namespace of its own starts at 1";
  EXPECT_NE(out.find("commands ['python3']"), std::string::npos) << out;
  // The executor is not dumpable: each line fails when the executor skips set_dumpable(False).
  EXPECT_NE(out.find("pid1 environ PermissionError\n"), std::string::npos) << out;
  EXPECT_NE(out.find("pid1 mem PermissionError\n"), std::string::npos) << out;
  EXPECT_NE(out.find("pid1 fds PermissionError\n"), std::string::npos) << out;
  EXPECT_NE(out.find("pid1 ptrace Operation not permitted\n"), std::string::npos) << out;
  EXPECT_NE(out.find("host daemons []"), std::string::npos) << out;
}

TEST_F(ScriptTest, LimitsAndPrivilegesCannotBeRaised) {
  auto ran = run("EscapeLimits.py");
  ASSERT_EQ(ran.result.exit_code, 0) << ran.result.to_json().dump();
  EXPECT_EQ(printed(ran.result),
            "nofile 1024 8192\n"
            "setrlimit above hard failed ValueError\n"
            "setrlimit nproc unlimited failed ValueError\n"
            "setuid 0 failed PermissionError\n"
            "setgid 0 failed PermissionError\n"
            "chroot failed PermissionError\n"
            "CapPrm: 0000000000000000\nCapEff: 0000000000000000\nNoNewPrivs: 1\n"
            "uid 4000\n");
}

// --- timeout, output cap, OOM ------------------------------------------------------------------------------

TEST_F(ScriptTest, TimeoutKillsAndRemovesTheContainer) {
  auto ran = run("Sleep.py", {.timeout = std::chrono::seconds(3)});
  EXPECT_TRUE(ran.result.timed_out);
  EXPECT_EQ(ran.result.exit_code, 124);
  EXPECT_EQ(ran.result.error, "timed out after 3s");
  EXPECT_EQ(printed(ran.result), "going to sleep\n");
  EXPECT_LT(ran.result.duration_ms, 30000);
  auto gone = client_->inspect_container(ran.container_id);
  ASSERT_FALSE(gone.ok());
  EXPECT_TRUE(docker::is_not_found(gone.error()));

  auto cli_run = cli({"script", script_path("Sleep.py").string(), "--timeout", "2", "--json"});
  EXPECT_EQ(cli_run.exit_code, 124) << cli_run.err;
  auto out = cli_run.json();
  EXPECT_EQ(out["timed_out"], true);
  EXPECT_EQ(out["exit_code"], 124);
  EXPECT_EQ(out["error"], "timed out after 2s");
}

TEST_F(ScriptTest, PrintFloodIsCutAtTheOutputCapWithoutGrowingTheEngine) {
  auto cli_run = cli({"script", script_path("OutputFlood.py").string(), "--json"});
  EXPECT_EQ(cli_run.exit_code, 0) << cli_run.err;
  auto out = cli_run.json();
  EXPECT_EQ(out["truncated"], true);
  EXPECT_EQ(out["exit_code"], 0);
  std::size_t text = 0;
  for (const auto& entry : out["entries"]) text += entry["Contents"].get<std::string>().size();
  EXPECT_GT(text, 9u << 20);
  EXPECT_LE(text, 10u << 20);
  if (!sanitized_build()) {
    EXPECT_LT(cli_run.max_rss_kib, 100 * 1024) << "hardend's peak RSS for 200 MB of script output";
  }
  std::cerr << "[ info ] hardend peak RSS for a 200 MB print flood: " << cli_run.max_rss_kib << " KiB\n";
}

TEST_F(ScriptTest, RawFloodAroundTheExecutorIsCutByTheEngine) {
  // The script writes to PID 1's stdout itself: the executor cannot cap this, the engine must, while
  // streaming. With the hardened policy the script cannot open PID 1's descriptors at all (the executor is
  // not dumpable, ProcShowsOnlyTheContainersOwnProcesses); an operator who runs scripts as root with
  // SYS_PTRACE opens that door again, and the engine's cap must still hold behind it.
  const std::string ptrace_allowed = R"({"docker.run.internal.asuser": false,
      "python.pass.extra.keys": "--cap-add=SYS_PTRACE", "docker.run.allow.unsafe": ["--cap-add=SYS_PTRACE"]})";
  auto ran = run("OutputFloodRaw.py", {.config = ptrace_allowed, .output_limit = 1 << 20});
  EXPECT_EQ(ran.result.exit_code, 0) << ran.result.error.value_or("");
  EXPECT_TRUE(ran.result.truncated);
  EXPECT_GT(ran.stdout_bytes, 200u << 20) << "the engine counts what it dropped";
  EXPECT_LE(ran.result.to_json().dump().size(), 2u << 20);
  EXPECT_NE(printed(ran.result).find("raw flood done"), std::string::npos)
      << "frames after the flood still arrive (entries have their own budget)";

  auto cli_run = cli({"script", script_path("OutputFloodRaw.py").string(), "--json"}, ptrace_allowed);
  EXPECT_EQ(cli_run.exit_code, 0) << cli_run.err;
  EXPECT_EQ(cli_run.json()["truncated"], true);
  if (!sanitized_build()) {
    EXPECT_LT(cli_run.max_rss_kib, 100 * 1024) << "hardend's peak RSS for 200 MB written around the executor";
  }
  std::cerr << "[ info ] hardend peak RSS for a 200 MB raw flood: " << cli_run.max_rss_kib << " KiB\n";
}

TEST_F(ScriptTest, OomOfTheScriptItself) {
  auto ran = run("OomSelf.py", {.config = R"({"docker.memory.limit": "256m"})"});
  EXPECT_TRUE(ran.result.oom_killed);
  EXPECT_EQ(ran.result.exit_code, 137);
  EXPECT_EQ(ran.result.error, "out of memory: the script was killed at the memory limit of 256m");

  auto cli_run =
      cli({"script", script_path("OomSelf.py").string(), "--json"}, R"({"docker.memory.limit": "256m"})");
  EXPECT_EQ(cli_run.exit_code, 137) << cli_run.err;
  EXPECT_EQ(cli_run.json()["oom_killed"], true);
}

// --- the CLI ----------------------------------------------------------------------------------------------

TEST_F(ScriptTest, CliJsonHasEveryField) {
  auto cli_run = cli({"script", script_path("ReturnError.py").string(), "--json"});
  EXPECT_EQ(cli_run.exit_code, 1);
  auto out = cli_run.json();
  for (const char* field :
       {"entries", "logs", "error", "timed_out", "oom_killed", "duration_ms", "exit_code", "truncated"})
    EXPECT_TRUE(out.contains(field)) << field;
  EXPECT_EQ(out["entries"][1]["Type"], 4);
  for (const char* field : {"Type", "ContentsFormat", "Contents", "HumanReadable", "EntryContext"})
    EXPECT_TRUE(out["entries"][1].contains(field)) << field;
  EXPECT_EQ(out["error"], "it broke: no reason");
  EXPECT_GT(out["duration_ms"].get<int>(), 0);
}

TEST_F(ScriptTest, CliHumanOutputShowsTablesAndErrors) {
  auto table = cli({"script", script_path("Table.py").string()});
  EXPECT_EQ(table.exit_code, 0) << table.err;
  EXPECT_EQ(table.out,
            "### People\n"
            "| name         | role     |\n"
            "|--------------|----------|\n"
            "| Ada          | engineer |\n"
            "| Grace Hopper | admiral  |\n");

  auto error = cli({"script", script_path("ReturnError.py").string()});
  EXPECT_EQ(error.exit_code, 1);
  EXPECT_EQ(error.out, "before\nError: it broke: no reason\n")
      << "no colour codes when stdout is not a terminal";

  auto traceback = cli({"script", script_path("Exception.py").string()});
  EXPECT_EQ(traceback.exit_code, 1);
  EXPECT_EQ(traceback.out, "parsing\n");
  EXPECT_NE(traceback.err.find("File \"Exception.py\", line 2, in parse"), std::string::npos)
      << traceback.err;

  auto logs = cli({"script", script_path("Logging.py").string()});
  EXPECT_EQ(logs.out, "done\n");
  EXPECT_NE(logs.err.find("[debug] via LOG"), std::string::npos) << logs.err;
}

TEST_F(ScriptTest, CliUsageErrorsExitTwo) {
  EXPECT_EQ(cli({"script", (work_dir_ / "missing.py").string()}).exit_code, 2);
  EXPECT_EQ(cli({"script", script_path("ArgsTypes.py").string(), "--args-json", "[1]"}).exit_code, 2);
  EXPECT_EQ(cli({"script", script_path("ArgsTypes.py").string(), "--args-json", "{bad"}).exit_code, 2);
  EXPECT_EQ(cli({"script", script_path("ArgsTypes.py").string(), "--arg", "novalue"}).exit_code, 2);
  auto no_image = cli({"script", script_path("ArgsTypes.py").string(), "--image", "hardend-test/no-such:1"});
  EXPECT_EQ(no_image.exit_code, 2);
  EXPECT_NE(no_image.err.find("no-such"), std::string::npos) << no_image.err;
  EXPECT_EQ(cli({"script", script_path("ArgsTypes.py").string()}, "{not json").exit_code, 2);
}

TEST_F(ScriptTest, ImageEntrypointIsCleared) {
  // An image whose entrypoint would swallow the command: the executor must still be what runs.
  auto created =
      client_->create_container({{"Image", kBaseImage}, {"Cmd", {"true"}}, {"Labels", {{kTestLabel, "1"}}}});
  ASSERT_TRUE(created.ok()) << created.error().message;
  std::string changes = docker::query_escape("ENTRYPOINT [\"/bin/echo\", \"ENTRYPOINT-RAN\"]");
  auto committed = client_->call(
      "POST", "/commit?container=" + *created + "&repo=" + image_repo_ + "&tag=3.11&changes=" + changes);
  (void)client_->remove_container(*created, true);
  ASSERT_TRUE(committed.ok()) << committed.error().message;
  auto ran = run("ResultsKinds.py");
  EXPECT_EQ(ran.result.exit_code, 0) << ran.result.to_json().dump();
  EXPECT_EQ(ran.result.entries.size(), 4u);
  (void)client_->remove_image(image_, /*force=*/true);  // the committed image, not the base
}

}  // namespace
}  // namespace hardend::script_test
