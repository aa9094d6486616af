#include "cli/context.h"

#include <unistd.h>

namespace hardend::cli {
namespace {

bool stderr_is_terminal() { return isatty(STDERR_FILENO) == 1; }

}  // namespace

void print_error(const std::string& message) {
  if (stderr_is_terminal())
    std::cerr << "\033[31merror:\033[0m " << message << "\n";
  else
    std::cerr << "error: " << message << "\n";
}

void print_warning(const std::string& message) {
  if (stderr_is_terminal())
    std::cerr << "\033[33mwarning:\033[0m " << message << "\n";
  else
    std::cerr << "warning: " << message << "\n";
}

std::optional<config::Config> load_config_or_report(const GlobalOptions& options) {
  auto source = config::choose_config_source(options.config_path);
  auto outcome = config::load_config(source, {.strict = options.strict});
  for (const auto& diagnostic : outcome.diagnostics) {
    if (diagnostic.severity == config::Severity::Error)
      print_error(diagnostic.str());
    else
      print_warning(diagnostic.str());
  }
  if (!outcome.ok()) return std::nullopt;
  // Flag errors in python.pass.extra.keys* are config errors too, whichever image is asked about.
  bool policy_ok = true;
  for (const auto& diagnostic : policy::validate_policy_keys(*outcome.config)) {
    if (diagnostic.severity == config::Severity::Error) {
      print_error(diagnostic.str());
      policy_ok = false;
    } else {
      print_warning(diagnostic.str());
    }
  }
  if (!policy_ok) return std::nullopt;
  return std::move(outcome.config);
}

Result<docker::Client> make_client() {
  auto endpoint = docker::Endpoint::from_environment();
  if (!endpoint.ok()) return endpoint.take_error().context("DOCKER_HOST");
  return docker::Client(*endpoint);
}

Result<policy::RuntimeFacts> runtime_facts(docker::Client& client, const std::string& runtime, bool require_daemon) {
  policy::RuntimeFacts facts;
  facts.runtime = runtime;
  auto info = client.info();
  if (!info.ok()) {
    if (require_daemon) return info.take_error();
    print_warning(info.error().message + " (swap-limit support assumed; policy shown without asking the daemon)");
    return facts;
  }
  facts.swap_limit_supported = info->value("SwapLimit", false);
  return facts;
}

}  // namespace hardend::cli
