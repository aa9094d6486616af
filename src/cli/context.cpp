#include "cli/context.h"

#include "policy/image_ref.h"

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "common/strings.h"
#include "policy/runtime_facts.h"

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
  if (!options.runtime.empty()) {
    outcome.config->runtime.value = options.runtime;
    outcome.config->runtime.source = "--runtime";
    outcome.config->runtime.location = {};
  }
  return std::move(outcome.config);
}

Result<docker::Client> make_client() {
  return make_client_for("docker");
}

Result<docker::Client> make_client(const config::Config& config) {
  return make_client_for(config.runtime.value);
}

std::optional<RuntimeContext> connect_runtime(const config::Config& config) {
  auto client = make_client(config);
  if (!client.ok()) {
    print_error(client.error().message);
    return std::nullopt;
  }
  auto facts = runtime_facts(*client, config.runtime.value, /*require_daemon=*/true);
  if (!facts.ok()) {
    print_error(facts.error().message);
    return std::nullopt;
  }
  return RuntimeContext{std::move(*client), std::move(*facts)};
}

std::optional<policy::ContainerSpec> resolve_image_policy(const config::Config& config, const std::string& image,
                                                          const policy::RuntimeFacts& facts) {
  auto ref = policy::parse_image_ref(image);
  if (!ref.ok()) {
    print_error(ref.error().message);
    return std::nullopt;
  }
  auto spec = policy::resolve_policy(config, *ref, facts);
  if (!spec.ok()) {
    print_error(spec.error().message);
    return std::nullopt;
  }
  return std::move(*spec);
}

Result<docker::Client> make_client_for(const std::string& runtime) {
  auto endpoint = docker::Endpoint::for_runtime(runtime);
  if (!endpoint.ok()) return endpoint.take_error();
  return docker::Client(*endpoint);
}

Result<policy::RuntimeFacts> runtime_facts(docker::Client& client, const std::string& runtime, bool require_daemon) {
  auto info = client.info();
  if (!info.ok()) {
    Error error = info.take_error();
    std::string message = (runtime == "podman" ? "Podman at " : "Docker at ") + client.endpoint().str() +
                          " does not answer: " + error.message + "; " +
                          docker::start_service_hint(runtime, client.endpoint());
    if (require_daemon) return make_error(message);
    print_warning(message + " (swap-limit support assumed; policy shown without asking the daemon)");
    policy::RuntimeFacts facts;
    facts.runtime = runtime;
    if (runtime == "podman") {
      auto host = policy::read_host_limits();
      facts = policy::facts_from_info(runtime, nlohmann::json::object(), host);
      facts.swap_limit_supported = true;
    }
    return facts;
  }
  return policy::facts_from_info(runtime, *info, policy::read_host_limits());
}

std::string explain_runtime_error(const std::string& message, const std::string& runtime) {
  static constexpr std::string_view kRlimit = "error setting rlimit type ";
  size_t at = message.find(kRlimit);
  if (at == std::string::npos) return message;
  size_t digits_at = at + kRlimit.size();
  size_t digits_end = message.find_first_not_of("0123456789", digits_at);
  auto type = parse_int(std::string_view(message).substr(digits_at, digits_end - digits_at));
  std::string name = !type ? "an rlimit" : *type == 6 ? "RLIMIT_NPROC (nproc)" : *type == 7 ? "RLIMIT_NOFILE (nofile)"
                                                                                       : "rlimit " + std::to_string(*type);
  return message + "\n  the OCI runtime could not set " + name + ": the container asks for more than the hard limit of the " +
         runtime +
         " service, and without CAP_SYS_RESOURCE a hard limit cannot be raised. Keep --ulimit values in the extra "
         "keys within this host's hard limits (ulimit -Hn, ulimit -Hu; `hardend policy IMAGE` shows what hardend "
         "sends)" +
         (runtime == "podman" ? "; on Podman hardend sets nofile and nproc to at most this host's hard limits, so "
                                "the Podman service itself runs with lower limits than hardend (check "
                                "/proc/$(pidof podman)/limits)"
                              : "");
}

}  // namespace hardend::cli
