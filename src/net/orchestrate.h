// `hardend net` against the live system: gathers the facts (this host's addresses, the daemon's networks,
// daemon.json), checks and creates the declared Docker networks through the Engine API, and applies,
// checks or removes the rules (iptables.h). Each top-level function is a list of steps in the order that
// keeps a failure harmless: everything that can be checked is checked before the first change, networks
// are created before the rules (the rules need their gateways), and the rules change in ONE transaction.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "config/config.h"
#include "docker/client.h"
#include "net/discover.h"
#include "net/drift.h"
#include "net/facts.h"
#include "net/iptables.h"
#include "net/ruleset.h"

namespace hardend::net {

// Labels of the networks hardend creates. `net remove --networks` removes only networks with kManagedLabel=1.
inline constexpr const char* kManagedLabel = "io.hardend.managed";
inline constexpr const char* kNetworkNameLabel = "io.hardend.network";

// A Docker network as `net` needs it: the facts the ruleset uses, plus who made it and who is on it.
struct LiveNetwork {
  DockerNetworkFacts facts;
  bool managed = false;                // carries io.hardend.managed=1
  std::vector<std::string> containers;  // names (or ids) of attached containers, when known
};

// Pure: the body of GET /networks -> live networks (host/null drivers skipped, as for the ruleset).
Result<std::vector<LiveNetwork>> live_networks_from_json(const nlohmann::json& networks);

enum class NetworkState {
  Ok,        // exists with the configured bridge
  Missing,   // `net apply` creates it
  Conflict,  // exists but cannot be used as declared (wrong bridge or driver, bridge taken): an error
  Unknown,   // the daemon could not be asked (`net plan` without access to the socket)
};
std::string network_state_name(NetworkState state);  // "ok", "missing", "conflict", "unknown"

struct NetworkCheck {
  std::string name;
  std::string bridge;       // the configured bridge
  NetworkState state = NetworkState::Unknown;
  std::vector<std::string> problems;  // for Conflict (and Missing): what is wrong and how to fix it
  bool managed = false;     // exists and was created by hardend
};

// Pure: every declared (non-default) network of the ruleset against the daemon's networks. A network that
// exists with another bridge cannot be fixed in place (Docker cannot rename a bridge): the problem says so.
std::vector<NetworkCheck> check_networks(const Ruleset& ruleset, const std::vector<LiveNetwork>& live);
// Pure: the same without a daemon: every network Unknown.
std::vector<NetworkCheck> unknown_networks(const Ruleset& ruleset);

// Pure: POST /networks/create body for a declared network, labelled as hardend's (kManagedLabel=1,
// kNetworkNameLabel=name) plus `extra_labels` (e.g. io.hardend.test=1 from `net apply --label`).
nlohmann::json managed_network_create_body(const NetworkPolicy& network,
                                           const std::map<std::string, std::string>& extra_labels);

struct FactsOptions {
  std::string daemon_json_path = kDaemonJsonPath;
  std::string netns;  // where to discover host addresses ("" = here)
};

// Everything the ruleset is computed from, read from the live system.
struct LiveFacts {
  NetFacts facts;
  std::vector<LiveNetwork> networks;
  bool daemon_reachable = false;
  std::string daemon_error;  // why the daemon could not be asked (when !daemon_reachable)
};

// Reads host addresses and daemon.json, and asks the daemon for its networks. A daemon that cannot be asked is
// an error when `require_daemon`, else recorded in daemon_error (the ruleset then lacks its ranges/gateways).
Result<LiveFacts> gather_live_facts(docker::Client& client, bool require_daemon, const FactsOptions& options);

// The ruleset for the config and live facts, with the network checks. Errors are config errors (they name the
// key) or facts the daemon reported that cannot be used.
struct NetView {
  LiveFacts live;
  Ruleset ruleset;
  std::vector<NetworkCheck> networks;
  std::vector<std::string> warnings;
};
Result<NetView> compute_view(const config::Config& config, docker::Client& client, bool require_daemon,
                             const FactsOptions& options);

// ---- net plan --------------------------------------------------------------------------------------------
struct PlanReport {
  NetView view;
  std::string payload;
  bool live_table = false;  // false: rendered against assumed_docker_table() (no root, no iptables ...)
  std::string table_note;   // why the live table was not used
  std::optional<DriftReport> drift;  // live vs desired, when the live table was read
};
Result<PlanReport> plan_network_hardening(const config::Config& config, docker::Client& client,
                                          const FactsOptions& facts_options, const IptablesOptions& iptables);
std::string describe_plan_report(const PlanReport& report);
nlohmann::json plan_report_to_json(const PlanReport& report);

// ---- net apply -------------------------------------------------------------------------------------------
struct ApplyOptions {
  FactsOptions facts;
  IptablesOptions iptables;
  std::map<std::string, std::string> extra_network_labels;
};
struct ApplyReport {
  std::vector<std::string> created_networks;  // names, in creation order
  std::vector<NetworkCheck> networks;          // after creation
  ApplyOutcome rules;
  std::vector<std::string> warnings;
  bool changed() const { return !created_networks.empty() || rules.changed(); }
};
// Errors before any change say "nothing was changed"; a rule failure after networks were created names them.
Result<ApplyReport> apply_network_hardening(const config::Config& config, docker::Client& client,
                                            const ApplyOptions& options);
std::string describe_apply_report(const ApplyReport& report);
nlohmann::json apply_report_to_json(const ApplyReport& report);

// ---- net status ------------------------------------------------------------------------------------------
struct StatusReport {
  std::vector<NetworkCheck> networks;
  DriftReport rules;
  std::vector<std::string> warnings;
  bool clean() const;
};
Result<StatusReport> network_hardening_status(const config::Config& config, docker::Client& client,
                                              const FactsOptions& facts_options,
                                              const IptablesOptions& iptables);
std::string describe_status_report(const StatusReport& report);
nlohmann::json status_report_to_json(const StatusReport& report);

// ---- net remove ------------------------------------------------------------------------------------------
struct RemoveReport {
  RemoveOutcome rules;
  std::vector<std::string> removed_networks;
};
// With `remove_networks`, every network labelled kManagedLabel=1 is removed too; one with containers attached
// is refused before anything changes (the message names the containers). `client` is only used then.
Result<RemoveReport> remove_network_hardening(docker::Client& client, bool remove_networks,
                                              const IptablesOptions& iptables);

}  // namespace hardend::net
