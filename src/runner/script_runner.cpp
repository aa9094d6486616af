#include "runner/script_runner.h"

#include <filesystem>
#include <utility>
#include <vector>

#include "runner/oneshot.h"

namespace hardend::runner {
namespace {

// Turns the container's byte streams into one run's result while they arrive. Memory stays bounded whatever
// the container writes: the parser never holds more than one line of at most max_line_bytes_for(limit)
// (longer lines are dropped as they stream by), and the aggregator keeps at most `limit` bytes of text and of
// entries (the rest is dropped and the result marked truncated). Nothing is collected first and cut
// afterwards.
class StreamingScriptOutput {
 public:
  explicit StreamingScriptOutput(std::size_t output_limit)
      : parser_(FrameParser::max_line_bytes_for(output_limit)), aggregator_(output_limit) {}

  void on_stdout(std::string_view bytes) {
    stdout_bytes_ += bytes.size();
    frames_.clear();
    parser_.feed(bytes, frames_);
    aggregator_.add_frames(frames_);
  }

  void on_stderr(std::string_view bytes) { aggregator_.add_container_stderr(bytes); }

  ScriptResult finish(const RunOutcome& outcome) {
    frames_.clear();
    parser_.finish(frames_);
    aggregator_.add_frames(frames_);
    return aggregator_.finish(outcome);
  }

  std::size_t stdout_bytes() const { return stdout_bytes_; }

 private:
  FrameParser parser_;
  ResultAggregator aggregator_;
  std::vector<Frame> frames_;  // scratch, reused for every chunk
  std::size_t stdout_bytes_ = 0;
};

}  // namespace

Result<ScriptRun> run_script(docker::Client& client, const policy::ContainerSpec& spec,
                             const ScriptRequest& request, const ScriptRunOptions& options) {
  ScriptRequest sent = request;
  sent.output_limit = options.output_limit;
  auto request_line = build_request_line(sent);
  if (!request_line.ok()) return request_line.take_error().context("script request");

  RunRequest run;
  run.spec = spec;
  run.kind = kScriptKind;
  run.cmd = executor_command();
  // [""] clears the image's entrypoint (Docker 20.10 stores it as null); the executor must be PID 1's
  // program.
  run.entrypoint = {""};
  run.timeout = options.timeout;
  run.labels = options.labels;
  // Both lines in one write: the bootstrap hands its buffered reader, which may hold the request, to the
  // executor.
  run.stdin_data = build_bootstrap_line(ExecutorMode::once) + *request_line;

  StreamingScriptOutput output(options.output_limit);
  OutputSink sink{[&output](std::string_view bytes) { output.on_stdout(bytes); },
                  [&output](std::string_view bytes) { output.on_stderr(bytes); }};
  auto ran = run_container(client, run, sink, options.cancel);
  if (!ran.ok()) return ran.take_error();

  RunOutcome outcome;
  outcome.timed_out = ran->timed_out;
  outcome.oom_killed = ran->oom_killed;
  outcome.duration_ms = ran->duration.count();
  outcome.container_exit_code = ran->exit_code;
  if (options.timeout) outcome.timeout_seconds = static_cast<double>(options.timeout->count()) / 1000.0;
  outcome.memory_limit = ran->memory_limit;

  ScriptRun result;
  result.result = output.finish(outcome);
  result.interrupted = ran->interrupted;
  result.container_id = ran->container_id;
  result.container_exit_code = ran->exit_code;
  result.stdout_bytes = output.stdout_bytes();
  return result;
}

std::string script_name_from_path(const std::string& path) {
  std::string name = std::filesystem::path(path).stem().string();
  return name.empty() ? std::string("script") : name;
}

}  // namespace hardend::runner
