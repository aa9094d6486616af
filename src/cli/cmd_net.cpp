// `hardend net plan|apply|status|remove|persist`: network hardening (docs/NETWORK.md). Thin: the steps live in
// net/orchestrate.h, the file rendering in net/persist.h.
#include <unistd.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "cli/context.h"
#include "common/subprocess.h"
#include "net/orchestrate.h"
#include "net/persist.h"

namespace hardend::cli {
namespace {

struct NetCommonOptions {
  std::string daemon_json = net::kDaemonJsonPath;
  bool json = false;
};

struct NetApplyOptions {
  NetCommonOptions common;
  std::vector<std::string> labels;  // KEY=VALUE
};

struct NetRemoveOptions {
  bool networks = false;
  bool json = false;
};

struct NetPersistOptions {
  NetCommonOptions common;
  std::string directory;  // --path: both files into this directory, for review
};

void print_json(const nlohmann::json& value) {
  std::cout << value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

void print_warnings(const std::vector<std::string>& warnings) {
  for (const std::string& warning : warnings) print_warning(warning);
}

net::FactsOptions facts_options(const NetCommonOptions& options) {
  net::FactsOptions facts;
  facts.daemon_json_path = options.daemon_json;
  return facts;
}

// Config and client, or the exit code to return.
struct Prepared {
  std::optional<config::Config> config;
  std::optional<docker::Client> client;
};
std::optional<Prepared> prepare(const GlobalOptions& global, bool need_config) {
  Prepared prepared;
  if (need_config) {
    prepared.config = load_config_or_report(global);
    if (!prepared.config) return std::nullopt;
  }
  auto client = make_client();
  if (!client.ok()) {
    print_error(client.error().message);
    return std::nullopt;
  }
  prepared.client.emplace(std::move(*client));
  return prepared;
}

int run_plan(const GlobalOptions& global, const NetCommonOptions& options) {
  auto prepared = prepare(global, /*need_config=*/true);
  if (!prepared) return kUsageError;
  auto report = net::plan_network_hardening(*prepared->config, *prepared->client, facts_options(options), {});
  if (!report.ok()) {
    print_error(report.error().message);
    return kUsageError;
  }
  print_warnings(report->view.warnings);
  if (options.json)
    print_json(net::plan_report_to_json(*report));
  else
    std::cout << net::describe_plan_report(*report);
  return kOk;
}

int run_apply(const GlobalOptions& global, const NetApplyOptions& options) {
  net::ApplyOptions apply;
  apply.facts = facts_options(options.common);
  for (const std::string& label : options.labels) {
    size_t equals = label.find('=');
    if (equals == std::string::npos || equals == 0) {
      print_error("--label " + label + ": expected KEY=VALUE");
      return kUsageError;
    }
    apply.extra_network_labels[label.substr(0, equals)] = label.substr(equals + 1);
  }
  auto prepared = prepare(global, /*need_config=*/true);
  if (!prepared) return kUsageError;
  auto report = net::apply_network_hardening(*prepared->config, *prepared->client, apply);
  if (!report.ok()) {
    print_error(report.error().message);
    return kUsageError;
  }
  print_warnings(report->warnings);
  if (options.common.json)
    print_json(net::apply_report_to_json(*report));
  else
    std::cout << net::describe_apply_report(*report);
  return report->rules.after.clean() ? kOk : kFailed;
}

int run_status(const GlobalOptions& global, const NetCommonOptions& options) {
  auto prepared = prepare(global, /*need_config=*/true);
  if (!prepared) return kUsageError;
  auto report = net::network_hardening_status(*prepared->config, *prepared->client, facts_options(options), {});
  if (!report.ok()) {
    print_error(report.error().message);
    return kUsageError;
  }
  print_warnings(report->warnings);
  if (options.json)
    print_json(net::status_report_to_json(*report));
  else
    std::cout << net::describe_status_report(*report);
  return report->clean() ? kOk : kFailed;
}

int run_remove(const GlobalOptions& global, const NetRemoveOptions& options) {
  auto prepared = prepare(global, /*need_config=*/false);
  if (!prepared) return kUsageError;
  auto report = net::remove_network_hardening(*prepared->client, options.networks, {});
  if (!report.ok()) {
    print_error(report.error().message);
    return kUsageError;
  }
  if (options.json) {
    print_json({{"rules_changed", report->rules.changed()},
                {"payload", report->rules.payload},
                {"removed_networks", report->removed_networks}});
    return kOk;
  }
  std::cout << (report->rules.changed() ? "removed hardend's rules and chains\n" : "no hardend rules to remove\n");
  for (const std::string& name : report->removed_networks) std::cout << "removed Docker network " << name << "\n";
  return kOk;
}

std::string absolute(const std::string& path) {
  std::error_code ignored;
  std::filesystem::path absolute_path = std::filesystem::absolute(path, ignored);
  return absolute_path.empty() ? path : absolute_path.lexically_normal().string();
}

int run_persist(const GlobalOptions& global, const NetPersistOptions& options) {
  auto prepared = prepare(global, /*need_config=*/true);
  if (!prepared) return kUsageError;
  auto view = net::compute_view(*prepared->config, *prepared->client, /*require_daemon=*/false,
                                facts_options(options.common));
  if (!view.ok()) {
    print_error(view.error().message);
    return kUsageError;
  }
  print_warnings(view->warnings);
  for (const net::NetworkCheck& check : view->networks)
    if (check.state == net::NetworkState::Missing)
      print_warning("network " + check.name + " does not exist yet: the saved rules lack its gateway address " +
                    "(run `hardend net apply` first, or rely on the unit, which runs it)");

  net::PersistSettings settings;
  std::error_code ignored;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ignored);
  if (!self.empty()) settings.hardend_binary = self.string();
  auto source = config::choose_config_source(global.config_path);
  if (source.explicit_path) settings.config_path = absolute(source.path);
  if (auto restore = find_executable("iptables-restore")) settings.iptables_restore = *restore;

  std::string rules_path = net::kDefaultRulesPath, unit_path = net::kDefaultUnitPath;
  if (!options.directory.empty()) {
    rules_path = (std::filesystem::path(options.directory) / net::kRulesFileName).string();
    unit_path = (std::filesystem::path(options.directory) / net::kUnitName).string();
  }
  std::string rules = net::render_persisted_rules(view->ruleset, "`hardend net persist`");
  std::string unit = net::render_systemd_unit(settings);
  for (const auto& [path, text] : {std::pair{rules_path, rules}, std::pair{unit_path, unit}}) {
    if (auto written = net::write_file_atomically(path, text, 0644); !written.ok()) {
      print_error(written.error().message +
                  (geteuid() != 0 ? " (writing under /etc needs root; --path DIR writes elsewhere)" : ""));
      return kUsageError;
    }
  }
  if (options.common.json) {
    print_json({{"rules_path", rules_path}, {"unit_path", unit_path}, {"unit", unit}, {"rules", rules}});
    return kOk;
  }
  std::cout << "wrote " << rules_path << " (the rules for iptables-restore --noflush)\n"
            << "wrote " << unit_path << " (runs `hardend net apply` after docker.service)\n";
  if (!options.directory.empty())
    std::cout << "review them, then install: cp " << unit_path << " " << net::kDefaultUnitPath << "; cp "
              << rules_path << " " << net::kDefaultRulesPath << "\n";
  std::cout << "enable: systemctl daemon-reload && systemctl enable " << net::kUnitName << "\n";
  return kOk;
}

void add_common_options(CLI::App* command, NetCommonOptions& options, const char* json_help) {
  command->add_flag("--json", options.json, json_help);
  command->add_option("--daemon-json", options.daemon_json,
                      "Docker daemon config whose bip/default-address-pools add container ranges")
      ->capture_default_str();
}

}  // namespace

void add_net_command(CLI::App& app, GlobalOptions& global, int& exit_code) {
  auto* net = app.add_subcommand(
      "net",
      "Network hardening (docs/NETWORK.md): Docker networks with fixed bridge names and iptables rules in\n"
      "chains hardend owns (HARDEND-INPUT from INPUT, HARDEND-USER from DOCKER-USER), from the network.* keys.\n"
      "Exit codes: 0 ok/clean; 1 drift (status) or rules still differing after apply; 2 errors (config,\n"
      "daemon, no iptables, no permission) - in which case nothing was changed unless the message says so.");
  net->require_subcommand(1);

  auto plan_options = std::make_shared<NetCommonOptions>();
  auto* plan = net->add_subcommand(
      "plan",
      "Show what `net apply` would do: the networks it would create, the container ranges (and where each\n"
      "came from), this host's addresses, every rule and the exact iptables-restore payload. Changes nothing;\n"
      "without root the payload is rendered for a Docker host without hardend's rules.");
  add_common_options(plan, *plan_options, "print the plan as one JSON object");
  plan->callback([&global, &exit_code, plan_options] { exit_code = run_plan(global, *plan_options); });

  auto apply_options = std::make_shared<NetApplyOptions>();
  auto* apply = net->add_subcommand(
      "apply",
      "Create the declared networks that are missing (bridge name com.docker.network.bridge.name, label\n"
      "io.hardend.managed=1), then apply all rules in ONE iptables-restore --noflush transaction. Idempotent:\n"
      "nothing changes when everything is in place. A declared network that exists with another bridge is an\n"
      "error (Docker cannot rename a bridge). Needs root.");
  add_common_options(apply, apply_options->common, "print what changed as one JSON object");
  apply->add_option("--label", apply_options->labels, "extra KEY=VALUE label on the networks it creates");
  apply->callback([&global, &exit_code, apply_options] { exit_code = run_apply(global, *apply_options); });

  auto status_options = std::make_shared<NetCommonOptions>();
  auto* status = net->add_subcommand(
      "status",
      "Compare the live system with the config: each declared network (exists? right bridge?) and the rules\n"
      "(missing/extra rules, order, jumps). Exit 0 when clean, 1 on any drift, 2 on errors. Needs root.");
  add_common_options(status, *status_options, "print the comparison as one JSON object");
  status->callback([&global, &exit_code, status_options] { exit_code = run_status(global, *status_options); });

  auto remove_options = std::make_shared<NetRemoveOptions>();
  auto* remove = net->add_subcommand(
      "remove",
      "Remove hardend's rules and chains (nothing else; DOCKER-USER stays). With --networks also the Docker\n"
      "networks hardend created (label io.hardend.managed=1); if any has containers attached, nothing is\n"
      "removed and the containers are named. Needs root.");
  remove->add_flag("--networks", remove_options->networks, "also remove the networks hardend created");
  remove->add_flag("--json", remove_options->json, "print what was removed as one JSON object");
  remove->callback([&global, &exit_code, remove_options] { exit_code = run_remove(global, *remove_options); });

  auto persist_options = std::make_shared<NetPersistOptions>();
  auto* persist = net->add_subcommand(
      "persist",
      "Make the hardening survive a reboot: write a systemd unit that runs `hardend net apply` after\n"
      "docker.service (" + std::string(net::kDefaultUnitPath) + ") and the current rules as an iptables-restore\n"
      "file (" + std::string(net::kDefaultRulesPath) + ", the unit's commented alternative). Does not enable\n"
      "the unit; prints how to.");
  add_common_options(persist, persist_options->common, "print the written files as one JSON object");
  persist->add_option("--path", persist_options->directory,
                      "write both files into DIR instead (for review before installing them)");
  persist->callback([&global, &exit_code, persist_options] { exit_code = run_persist(global, *persist_options); });
}

}  // namespace hardend::cli
