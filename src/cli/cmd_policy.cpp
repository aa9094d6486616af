// `hardend policy IMAGE[:TAG]`: the resolved ContainerSpec, each field with the key it came from.
#include <iomanip>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/client_mode.h"
#include "cli/context.h"
#include "common/strings.h"
#include "policy/image_ref.h"
#include "policy/resolver.h"
#include "policy/runtime_facts.h"

namespace hardend::cli {
namespace {

struct PolicyOptions {
  std::string image;
  bool json = false;
  bool no_daemon = false;
  std::string server;  // --server: ask a running `hardend serve`
};

// One row per field: the value as a person reads it (JSON for lists), and its source.
void print_table(const policy::ContainerSpec& spec) {
  nlohmann::json fields = policy::to_json(spec);
  std::cout << "Policy for " << spec.image << " (runtime " << spec.runtime << ")\n\n";
  std::cout << std::left << std::setw(14) << "FIELD" << std::setw(44) << "VALUE" << "SOURCE\n";
  for (const auto& [name, field] : fields.items()) {
    if (!field.is_object() || !field.contains("source")) continue;
    const auto& value = field["value"];
    std::string shown = value.is_null() ? "(unlimited/unset)" : value.is_string() ? value.get<std::string>() : value.dump();
    std::cout << std::left << std::setw(14) << name << std::setw(44) << shown << field["source"].get<std::string>()
              << "\n";
  }
  if (!spec.notes.empty()) {
    std::cout << "\nNotes:\n";
    for (const auto& note : spec.notes) std::cout << "  - " << note << "\n";
  }
  std::cout << "\nEquivalent: docker run " << join(policy::to_docker_run_args(spec), " ") << " " << spec.image
            << "\n";
}

int show_policy(const GlobalOptions& global, const PolicyOptions& options) {
#ifdef HARDEND_SERVER_ENABLED
  if (auto server = chosen_server(options.server)) return policy_via_server(*server, options.image, options.json);
#endif
  auto config = load_config_or_report(global);
  if (!config) return kUsageError;
  auto image = policy::parse_image_ref(options.image);
  if (!image.ok()) {
    print_error(image.error().message);
    return kUsageError;
  }
  const std::string& runtime = config->runtime.value;  // --runtime already applied by load_config_or_report
  policy::RuntimeFacts facts;
  facts.runtime = runtime;
  if (runtime == "podman") facts = policy::facts_from_info(runtime, nlohmann::json::object(), policy::read_host_limits());
  facts.swap_limit_supported = true;
  if (!options.no_daemon) {
    auto client = make_client(*config);
    if (!client.ok()) {
      print_error(client.error().message);
      return kUsageError;
    }
    auto asked = runtime_facts(*client, runtime, /*require_daemon=*/false);
    if (asked.ok()) facts = *asked;
  }
  auto spec = policy::resolve_policy(*config, *image, facts);
  if (!spec.ok()) {
    print_error(spec.error().message);
    return kUsageError;
  }
  if (options.json) {
    nlohmann::json out{{"image", spec->image},
                       {"runtime", spec->runtime},
                       {"config", config->path.empty() ? "(built-in defaults)" : config->path},
                       {"extra_keys_source", policy::extra_keys_source(*config, *image)},
                       {"spec", policy::to_json(*spec)},
                       {"docker_run_args", policy::to_docker_run_args(*spec)},
                       {"notes", spec->notes}};
    std::cout << out.dump(2) << "\n";
  } else {
    print_table(*spec);
  }
  return kOk;
}

}  // namespace

void add_policy_command(CLI::App& app, GlobalOptions& global, int& exit_code) {
  auto options = std::make_shared<PolicyOptions>();
  auto* cmd = app.add_subcommand(
      "policy",
      "Show the hardened container policy for an image: every field with the config key (or default) it came\n"
      "from, and the equivalent `docker run` arguments. Exit 2 on config errors.");
  cmd->add_option("image", options->image, "image reference, e.g. demisto/dl:1.4 (no tag = :latest)")->required();
  cmd->add_flag("--json", options->json, "machine-readable output");
  cmd->add_flag("--no-daemon", options->no_daemon, "do not ask the daemon about swap-limit support");
#ifdef HARDEND_SERVER_ENABLED
  add_server_option(cmd, options->server);
#endif
  cmd->callback([&global, &exit_code, options] { exit_code = show_policy(global, *options); });
}

}  // namespace hardend::cli
