// `hardend config validate|docs`.
#include <nlohmann/json.hpp>

#include "cli/context.h"
#include "config/keys.h"
#include "policy/resolver.h"

namespace hardend::cli {
namespace {

int validate(const GlobalOptions& global, bool as_json) {
  auto source = config::choose_config_source(global.config_path);
  auto outcome = config::load_config(source, {.strict = global.strict});
  std::vector<config::Diagnostic> diagnostics = outcome.diagnostics;
  if (outcome.ok()) {
    auto policy_diagnostics = policy::validate_policy_keys(*outcome.config);
    diagnostics.insert(diagnostics.end(), policy_diagnostics.begin(), policy_diagnostics.end());
  }
  size_t errors = 0;
  for (const auto& d : diagnostics) errors += d.severity == config::Severity::Error;
  std::string shown_path = outcome.config && outcome.config->path.empty() ? "(built-in defaults)" : source.path;

  if (as_json) {
    nlohmann::json out{{"path", shown_path}, {"valid", errors == 0}, {"diagnostics", nlohmann::json::array()}};
    for (const auto& d : diagnostics) {
      out["diagnostics"].push_back({{"severity", d.severity == config::Severity::Error ? "error" : "warning"},
                                    {"file", d.location.file},
                                    {"line", d.location.line},
                                    {"column", d.location.column},
                                    {"key", d.key},
                                    {"message", d.message},
                                    {"text", d.str()}});
    }
    std::cout << out.dump(2) << "\n";
  } else {
    for (const auto& d : diagnostics) {
      if (d.severity == config::Severity::Error)
        print_error(d.str());
      else
        print_warning(d.str());
    }
    if (errors == 0)
      std::cout << shown_path << ": valid" << (diagnostics.empty() ? "" : " (with warnings)") << "\n";
    else
      std::cout << shown_path << ": " << errors << " error" << (errors == 1 ? "" : "s") << "\n";
  }
  return errors == 0 ? kOk : kFailed;
}

}  // namespace

void add_config_command(CLI::App& app, GlobalOptions& global, int& exit_code) {
  auto* config = app.add_subcommand("config", "Check and document the configuration");
  config->require_subcommand(1);

  auto* validate_cmd = config->add_subcommand(
      "validate",
      "Validate the config: exit 0 when valid, 1 with every error as file:line:col: key: problem.\n"
      "Unknown keys are warnings (errors with --strict).");
  auto as_json = std::make_shared<bool>(false);  // owned by the callback, which CLI11 keeps alive
  validate_cmd->add_flag("--strict", global.strict, "unknown keys are errors");
  validate_cmd->add_flag("--json", *as_json, "machine-readable result");
  validate_cmd->callback([&global, &exit_code, as_json] { exit_code = validate(global, *as_json); });

  auto* docs = config->add_subcommand("docs", "Print the reference of every config key (docs/CONFIG.md)");
  docs->callback([&exit_code] {
    std::cout << config::render_config_markdown();
    exit_code = kOk;
  });
}

}  // namespace hardend::cli
