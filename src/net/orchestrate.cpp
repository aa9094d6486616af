// The I/O half of orchestrate.h: `net plan/apply/status/remove` as lists of steps.
#include "net/orchestrate.h"

#include "common/strings.h"
#include "common/subprocess.h"
#include "net/restore_payload.h"

namespace hardend::net {
namespace {

std::vector<std::string> names_of(const std::vector<NetworkCheck>& checks, NetworkState state) {
  std::vector<std::string> names;
  for (const NetworkCheck& check : checks)
    if (check.state == state) names.push_back(check.name);
  return names;
}

const NetworkPolicy* policy_named(const Ruleset& ruleset, const std::string& name) {
  for (const NetworkPolicy& network : ruleset.networks)
    if (!network.is_default && network.name == name) return &network;
  return nullptr;
}

// Both iptables programs are needed for an apply; finding that out after creating networks would leave a
// half-done apply behind.
Status require_iptables_programs() {
  for (const char* program : {"iptables-save", "iptables-restore"})
    if (!find_executable(program))
      return make_error(std::string(program) + " not found: install the iptables package");
  return {};
}

// "created Docker network(s) a, b" for messages about a partly done apply.
std::string created_phrase(const std::vector<std::string>& created) {
  return "created Docker network" + std::string(created.size() == 1 ? " " : "s ") + join(created, ", ");
}

}  // namespace

Result<LiveFacts> gather_live_facts(docker::Client& client, bool require_daemon, const FactsOptions& options) {
  LiveFacts live;
  Result<std::vector<HostAddress>> addresses = discover_host_addresses(options.netns);
  if (!addresses) return addresses.take_error().context("discovering this host's addresses");
  live.facts.host_addresses = std::move(*addresses);
  Result<DaemonJsonFacts> daemon = read_daemon_json(options.daemon_json_path);
  if (!daemon) return daemon.take_error();
  live.facts.daemon = std::move(*daemon);

  Result<nlohmann::json> listed = client.list_networks();
  if (!listed) {
    if (require_daemon) return listed.take_error().context("listing Docker networks");
    live.daemon_error = listed.error().message;
    return live;
  }
  Result<std::vector<LiveNetwork>> networks = live_networks_from_json(*listed);
  if (!networks) return networks.take_error();
  live.networks = std::move(*networks);
  for (const LiveNetwork& network : live.networks) live.facts.docker_networks.push_back(network.facts);
  live.daemon_reachable = true;
  return live;
}

Result<NetView> compute_view(const config::Config& config, docker::Client& client, bool require_daemon,
                             const FactsOptions& options) {
  NetView view;
  Result<LiveFacts> live = gather_live_facts(client, require_daemon, options);
  if (!live) return live.take_error();
  view.live = std::move(*live);
  Result<Ruleset> ruleset = build_ruleset(config, view.live.facts);
  if (!ruleset) return ruleset.take_error();
  view.ruleset = std::move(*ruleset);
  if (view.live.daemon_reachable) {
    view.networks = check_networks(view.ruleset, view.live.networks);
  } else {
    view.networks = unknown_networks(view.ruleset);
    view.warnings.push_back("the Docker daemon could not be asked (" + view.live.daemon_error +
                            "): this plan lacks the daemon's networks (their ranges and gateway addresses) and "
                            "cannot tell which declared networks exist");
  }
  return view;
}

Result<PlanReport> plan_network_hardening(const config::Config& config, docker::Client& client,
                                          const FactsOptions& facts_options, const IptablesOptions& iptables) {
  PlanReport report;
  Result<NetView> view = compute_view(config, client, /*require_daemon=*/false, facts_options);
  if (!view) return view.take_error();
  report.view = std::move(*view);
  // Without root (or without iptables) the plan is still useful: render against a Docker host without hardend.
  Result<SavedTable> live = read_live_table(iptables);
  if (live) {
    report.live_table = true;
    report.drift = compare_with_live(report.view.ruleset, *live);
    report.payload = render_apply_payload(report.view.ruleset, *live);
  } else {
    report.table_note = "the live iptables rules could not be read (" + live.error().message +
                        "); the payload is rendered for a Docker host without hardend's rules";
    report.payload = render_apply_payload(report.view.ruleset, assumed_docker_table());
  }
  return report;
}

Result<ApplyReport> apply_network_hardening(const config::Config& config, docker::Client& client,
                                            const ApplyOptions& options) {
  ApplyReport report;
  // 1. Everything that can fail without changing anything: config, facts, iptables access, network conflicts.
  Result<NetView> view = compute_view(config, client, /*require_daemon=*/true, options.facts);
  if (!view) return view.take_error().context("nothing was changed");
  HARDEND_TRY_VOID(require_iptables_programs());
  if (Result<SavedTable> readable = read_live_table(options.iptables); !readable)
    return readable.take_error().context("nothing was changed");
  std::vector<std::string> conflicts;
  for (const NetworkCheck& check : view->networks)
    if (check.state == NetworkState::Conflict) conflicts.push_back(join(check.problems, "; "));
  if (!conflicts.empty())
    return make_error("cannot use the declared networks as they are (nothing was changed):\n  " +
                      join(conflicts, "\n  "));

  // 2. Networks first: the rules need their gateway addresses, and the bridges must exist for -i to matter.
  for (const std::string& name : names_of(view->networks, NetworkState::Missing)) {
    const NetworkPolicy* policy = policy_named(view->ruleset, name);
    Result<std::string> created =
        client.create_network(managed_network_create_body(*policy, options.extra_network_labels));
    if (!created) {
      std::string done = report.created_networks.empty()
                             ? "nothing was changed"
                             : created_phrase(report.created_networks) + "; the rules were not changed";
      return created.take_error().context("creating Docker network " + name + " (" + done + ")");
    }
    report.created_networks.push_back(name);
  }

  // 3. The rules, computed again when networks were created (new gateways and subnets), in ONE transaction.
  if (!report.created_networks.empty()) {
    view = compute_view(config, client, /*require_daemon=*/true, options.facts);
    if (!view)
      return view.take_error().context(created_phrase(report.created_networks) +
                                       ", but re-reading the facts failed; the rules were not changed");
  }
  report.networks = view->networks;
  report.warnings = view->warnings;
  Result<ApplyOutcome> rules = apply_ruleset(view->ruleset, options.iptables);
  if (!rules) {
    if (report.created_networks.empty()) return rules.take_error();
    return rules.take_error().context(created_phrase(report.created_networks) +
                                      " (they stay), but applying the rules failed, so containers on them are "
                                      "NOT restricted until `hardend net apply` succeeds");
  }
  report.rules = std::move(*rules);
  return report;
}

bool StatusReport::clean() const {
  for (const NetworkCheck& network : networks)
    if (network.state != NetworkState::Ok) return false;
  return rules.clean();
}

Result<StatusReport> network_hardening_status(const config::Config& config, docker::Client& client,
                                              const FactsOptions& facts_options,
                                              const IptablesOptions& iptables) {
  StatusReport report;
  Result<NetView> view = compute_view(config, client, /*require_daemon=*/true, facts_options);
  if (!view) return view.take_error();
  report.networks = view->networks;
  report.warnings = view->warnings;
  Result<DriftReport> drift = ruleset_status(view->ruleset, iptables);
  if (!drift) return drift.take_error();
  report.rules = std::move(*drift);
  return report;
}

Result<RemoveReport> remove_network_hardening(docker::Client& client, bool remove_networks,
                                              const IptablesOptions& iptables) {
  RemoveReport report;
  std::vector<std::string> managed;
  if (remove_networks) {
    // Refuse before changing anything: a network in use cannot be removed, and half a removal helps nobody.
    Result<nlohmann::json> listed = client.list_networks();
    if (!listed) return listed.take_error().context("listing Docker networks (nothing was changed)");
    Result<std::vector<LiveNetwork>> networks = live_networks_from_json(*listed);
    if (!networks) return networks.take_error();
    std::vector<std::string> in_use;
    for (const LiveNetwork& network : *networks) {
      if (!network.managed) continue;
      Result<nlohmann::json> inspected = client.inspect_network(network.facts.name);
      if (!inspected) return inspected.take_error().context("nothing was changed");
      Result<std::vector<LiveNetwork>> detailed = live_networks_from_json(nlohmann::json::array({*inspected}));
      if (!detailed) return detailed.take_error();
      if (!detailed->empty() && !detailed->front().containers.empty())
        in_use.push_back("network " + network.facts.name + " has containers attached: " +
                         join(detailed->front().containers, ", ") + " (stop them, or `docker network disconnect " +
                         network.facts.name + " CONTAINER`)");
      managed.push_back(network.facts.name);
    }
    if (!in_use.empty())
      return make_error("refusing to remove hardend's networks (nothing was changed):\n  " + join(in_use, "\n  "));
  }

  Result<RemoveOutcome> rules = remove_rules(iptables);
  if (!rules) {
    if (remove_networks) return rules.take_error().context("no network was removed");
    return rules.take_error();
  }
  report.rules = std::move(*rules);
  for (const std::string& name : managed) {
    Status removed = client.remove_network(name);
    if (!removed && !docker::is_not_found(removed.error())) {
      std::string done = std::string(report.rules.changed() ? "hardend's rules were removed" : "no rules to remove");
      if (!report.removed_networks.empty()) done += ", networks removed: " + join(report.removed_networks, ", ");
      return removed.take_error().context("removing Docker network " + name + " (" + done + ")");
    }
    report.removed_networks.push_back(name);
  }
  return report;
}

}  // namespace hardend::net
