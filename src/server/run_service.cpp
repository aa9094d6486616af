#include "server/run_service.h"

#include <mutex>

#include "policy/image_ref.h"
#include "runner/oneshot.h"
#include "server/pool_settings.h"

namespace hardend::server {
namespace {

using nlohmann::json;
constexpr int kAcquireAttempts = 3;  // a pool retired by a reload between lookup and acquire: look again

std::string dump(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace) + "\n"; }

}  // namespace

RunOutcomeKind classify(int exit_code) {
  switch (exit_code) {
    case runner::kExitSuccess:
      return RunOutcomeKind::success;
    case runner::kExitTimeout:
      return RunOutcomeKind::timeout;
    case runner::kExitOom:
      return RunOutcomeKind::oom;
    default:
      return RunOutcomeKind::script_error;
  }
}

Result<RunSubmission> parse_run_submission(const std::string& body) {
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return Error{"the request body is not valid JSON"};
  if (!parsed.is_object()) return Error{"the request body must be a JSON object with \"script\" or \"argv\""};
  RunSubmission submission;
  auto string_field = [&](const char* name, std::string& out) -> Status {
    if (!parsed.contains(name) || parsed[name].is_null()) return {};
    if (!parsed[name].is_string()) return Error{std::string("\"") + name + "\" must be a string"};
    out = parsed[name].get<std::string>();
    return {};
  };
  HARDEND_TRY_VOID(string_field("image", submission.image));
  double timeout_seconds = kDefaultRunTimeoutSeconds;
  if (parsed.contains("timeout") && !parsed["timeout"].is_null()) {
    if (!parsed["timeout"].is_number() || !(parsed["timeout"].get<double>() >= 0) ||
        parsed["timeout"].get<double>() > kMaxRunTimeoutSeconds)
      return Error{"\"timeout\" must be a number of seconds from 0 (none) to " +
                   std::to_string(static_cast<int64_t>(kMaxRunTimeoutSeconds)) + " (one day)"};
    timeout_seconds = parsed["timeout"].get<double>();
  }
  if (timeout_seconds > 0)
    submission.timeout = std::chrono::milliseconds(static_cast<int64_t>(timeout_seconds * 1000));

  bool has_script = parsed.contains("script"), has_argv = parsed.contains("argv");
  if (has_script == has_argv) return Error{"give exactly one of \"script\" (Python source) and \"argv\" (a command)"};
  if (has_argv) {
    if (!parsed["argv"].is_array() || parsed["argv"].empty())
      return Error{"\"argv\" must be a non-empty array of strings"};
    for (const auto& item : parsed["argv"]) {
      if (!item.is_string()) return Error{"\"argv\" must be a non-empty array of strings"};
      submission.argv.push_back(item.get<std::string>());
    }
    return submission;
  }
  runner::ScriptRequest script;
  HARDEND_TRY_VOID(string_field("script", script.source));
  script.name = "script";
  HARDEND_TRY_VOID(string_field("name", script.name));
  HARDEND_TRY_VOID(string_field("command", script.command));
  for (const char* name : {"args", "params"}) {
    if (!parsed.contains(name) || parsed[name].is_null()) continue;
    if (!parsed[name].is_object()) return Error{std::string("\"") + name + "\" must be a JSON object"};
    (std::string(name) == "args" ? script.args : script.params) = parsed[name];
  }
  submission.script = std::move(script);
  return submission;
}

std::variant<PreparedRun, RunAnswer> RunService::prepare(const config::Config& config,
                                                         const policy::RuntimeFacts& facts,
                                                         const std::string& body) const {
  auto rejected = [](const Error& error) {
    return RunAnswer{error_answer(400, error.message), RunOutcomeKind::rejected};
  };
  auto submission = parse_run_submission(body);
  if (!submission.ok()) return rejected(submission.error());
  std::string image_text = submission->image.empty() ? config.python_default_image.value : submission->image;
  auto image = policy::parse_image_ref(image_text);
  if (!image.ok()) return rejected(image.error());
  auto spec = policy::resolve_policy(config, *image, facts);
  if (!spec.ok()) return rejected(spec.error());
  return PreparedRun{std::move(*submission), std::move(*image), std::move(*spec)};
}

RunAnswer RunService::execute(const config::Config& config, const PreparedRun& run) {
  if (run.submission.script) return run_script(config, run.image, run.spec, run.submission);
  return run_command(config, run.spec, run.submission);
}

RunAnswer RunService::run_script(const config::Config& config, const policy::ImageRef& image,
                                 const policy::ContainerSpec& spec, const RunSubmission& submission) {
  PoolSettings settings = pool_settings_for(config, image);
  auto output_limit = static_cast<std::size_t>(config.output_limit.value);
  for (int attempt = 1;; ++attempt) {
    auto pool = pools_.pool_for(image, spec, settings, output_limit);
    auto container = pool->acquire();
    if (!container.ok()) {
      if (pool->retired() && attempt < kAcquireAttempts && !cancel_all_.load()) continue;
      return {error_answer(502, "could not get a container: " + container.error().message), RunOutcomeKind::failed};
    }
    runner::ScriptRequest request = *submission.script;
    request.last = settings.isolation == Isolation::fresh;  // a `fresh` container serves exactly one run
    auto run = (*container)->run(request, submission.timeout, &cancel_all_);
    if (!run.ok()) {
      pool->release(std::move(*container), nullptr);
      return {error_answer(400, run.error().message), RunOutcomeKind::rejected};
    }
    pool->release(std::move(*container), &*run);
    if (run->interrupted) return {error_answer(503, "the daemon is stopping: the run was interrupted"),
                                  RunOutcomeKind::failed};
    return {HttpAnswer{200, dump(run->result.to_json())}, classify(run->result.exit_code)};
  }
}

RunAnswer RunService::run_command(const config::Config& config, const policy::ContainerSpec& spec,
                                  const RunSubmission& submission) {
  runner::RunRequest request;
  request.spec = spec;
  request.cmd = submission.argv;
  request.timeout = submission.timeout;
  request.labels = labels_;
  const auto output_limit = static_cast<std::size_t>(config.output_limit.value);
  std::mutex output_mutex;
  runner::CappedBuffer captured_stdout, captured_stderr;
  runner::OutputSink sink{[&](std::string_view bytes) {
                            std::lock_guard lock(output_mutex);
                            captured_stdout.append(bytes, output_limit);
                          },
                          [&](std::string_view bytes) {
                            std::lock_guard lock(output_mutex);
                            captured_stderr.append(bytes, output_limit);
                          }};
  auto result = runner::run_container(client_, request, sink, &cancel_all_);
  if (!result.ok()) return {error_answer(502, result.error().message), RunOutcomeKind::failed};
  std::string message;
  RunOutcomeKind outcome = result->exit_code == 0 ? RunOutcomeKind::success : RunOutcomeKind::script_error;
  double timeout_seconds = submission.timeout ? static_cast<double>(submission.timeout->count()) / 1000.0 : 0;
  if (result->timed_out) {
    outcome = RunOutcomeKind::timeout;
    message = "killed after the " + std::to_string(timeout_seconds) + " s timeout (--timeout)";
  } else if (result->oom_killed) {
    outcome = RunOutcomeKind::oom;
    message = "killed for exceeding the memory limit (OOM)";
  } else if (result->interrupted) {
    outcome = RunOutcomeKind::failed;
    message = "interrupted; the container was killed and removed";
  }
  json out = runner::run_result_json(spec.image, submission.argv, *result, captured_stdout, captured_stderr,
                                     output_limit, message);
  return {HttpAnswer{200, dump(out)}, outcome};
}

}  // namespace hardend::server
