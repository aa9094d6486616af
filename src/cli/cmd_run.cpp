// `hardend run IMAGE -- CMD...`: run a command in a container hardened by the image's policy.
#include <csignal>
#include <mutex>

#include <nlohmann/json.hpp>

#include "cli/context.h"
#include "common/units.h"
#include "policy/image_ref.h"
#include "runner/oneshot.h"

namespace hardend::cli {
namespace {

// Set from the signal handler (which may only touch lock-free atomics); the run's watchdog polls it.
std::atomic<bool> interrupt_requested{false};
extern "C" void on_interrupt(int) { interrupt_requested.store(true); }

struct RunOptions {
  std::string image;
  std::vector<std::string> command;
  double timeout_seconds = 0;
  bool json = false;
};

std::string describe_limit(const std::optional<int64_t>& memory) {
  return memory ? format_size(*memory) : std::string("(none set)");
}

int run(const GlobalOptions& global, const RunOptions& options) {
  auto config = load_config_or_report(global);
  if (!config) return kUsageError;
  // Parsed before the daemon is asked: a mistyped image is a usage error even when no daemon answers.
  if (auto image = policy::parse_image_ref(options.image); !image.ok()) {
    print_error(image.error().message);
    return kUsageError;
  }
  auto runtime = connect_runtime(*config);
  if (!runtime) return kRunError;
  auto spec = resolve_image_policy(*config, options.image, runtime->facts);
  if (!spec) return kUsageError;
  if (!options.json)
    for (const auto& note : spec->notes) print_warning(note);

  runner::RunRequest request;
  request.spec = *spec;
  request.cmd = options.command;
  if (options.timeout_seconds > 0)
    request.timeout = std::chrono::milliseconds(static_cast<int64_t>(options.timeout_seconds * 1000));

  const size_t output_limit = static_cast<size_t>(config->output_limit.value);
  std::mutex output_mutex;
  runner::CappedBuffer captured_stdout, captured_stderr;
  runner::OutputSink sink;
  if (options.json) {
    sink.on_stdout = [&](std::string_view b) {
      std::lock_guard lock(output_mutex);
      captured_stdout.append(b, output_limit);
    };
    sink.on_stderr = [&](std::string_view b) {
      std::lock_guard lock(output_mutex);
      captured_stderr.append(b, output_limit);
    };
  } else {
    sink.on_stdout = [](std::string_view b) { std::cout.write(b.data(), static_cast<std::streamsize>(b.size())).flush(); };
    sink.on_stderr = [](std::string_view b) { std::cerr.write(b.data(), static_cast<std::streamsize>(b.size())).flush(); };
  }

  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  auto result = runner::run_container(runtime->client, request, sink, &interrupt_requested);
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  if (!result.ok()) {
    print_error(explain_runtime_error(result.error().message, config->runtime.value));
    return kRunError;
  }

  int code = static_cast<int>(result->exit_code);
  std::string message;
  if (result->timed_out) {
    code = kTimeout;
    message = "killed after the " + std::to_string(options.timeout_seconds) + " s timeout (--timeout)";
  } else if (result->oom_killed) {
    code = kOomKilled;
    message = "killed for exceeding the memory limit of " + describe_limit(result->memory_limit) + " (OOM)";
  } else if (result->interrupted) {
    code = 130;
    message = "interrupted; the container was killed and removed";
  }

  if (options.json) {
    nlohmann::json out = runner::run_result_json(spec->image, options.command, *result, captured_stdout,
                                                 captured_stderr, output_limit, message);
    // Bytes that are not valid UTF-8 are replaced rather than failing the whole result.
    std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else if (!message.empty()) {
    std::cerr << "hardend: " << message << "\n";
  }
  return code;
}

}  // namespace

void add_run_command(CLI::App& app, GlobalOptions& global, int& exit_code) {
  auto options = std::make_shared<RunOptions>();
  auto* cmd = app.add_subcommand(
      "run",
      "Run CMD in a container hardened by the image's policy (see `hardend policy IMAGE`).\n"
      "Output streams live; the container is removed afterwards, also on timeout and Ctrl-C.\n"
      "Exit code: the command's; 124 on timeout; 137 when OOM-killed; 125 when hardend could not run it.");
  cmd->add_option("image", options->image, "image reference (no tag = :latest)")->required();
  cmd->add_option("command", options->command, "command and arguments, after --")->required()->expected(-1);
  cmd->add_option("--timeout", options->timeout_seconds, "kill the container after SECONDS (at most 86400)")
      ->check(CLI::Range(0.001, 86400.0));
  cmd->add_flag("--json", options->json,
                "print one result object (exit code, timed_out, oom_killed, duration, stdout/stderr up to "
                "run.output.limit with truncation flags)");
  cmd->callback([&global, &exit_code, options] { exit_code = run(global, *options); });
}

}  // namespace hardend::cli
