// The pure half of orchestrate.h: the daemon's networks against the declared ones, the create body.
#include "net/orchestrate.h"
#include "net/plan.h"

namespace hardend::net {
namespace {

const LiveNetwork* find_by_name(const std::vector<LiveNetwork>& live, const std::string& name) {
  for (const LiveNetwork& network : live)
    if (network.facts.name == name) return &network;
  return nullptr;
}

std::string bridge_fix(const NetworkPolicy& declared, const LiveNetwork& live) {
  std::string containers = live.containers.empty() ? "" : "disconnect its containers, then ";
  return "Docker cannot change the bridge of an existing network: " + containers +
         "remove it (`docker network rm " + declared.name +
         "`) and run `hardend net apply` to create it with bridge " + declared.bridge +
         ", or declare another network name";
}

}  // namespace

Result<std::vector<LiveNetwork>> live_networks_from_json(const nlohmann::json& networks) {
  Result<std::vector<DockerNetworkFacts>> facts = docker_networks_from_json(networks);
  if (!facts) return facts.take_error();
  std::vector<LiveNetwork> out;
  for (DockerNetworkFacts& network_facts : *facts) {
    LiveNetwork live;
    for (const nlohmann::json& network : networks) {
      if (!network.is_object() || network.value("Name", "") != network_facts.name) continue;
      if (auto labels = network.find("Labels"); labels != network.end() && labels->is_object())
        live.managed = labels->value(kManagedLabel, "") == "1";
      if (auto containers = network.find("Containers");
          containers != network.end() && containers->is_object()) {
        for (const auto& [id, container] : containers->items())
          live.containers.push_back(container.is_object() ? container.value("Name", id) : id);
      }
    }
    live.facts = std::move(network_facts);
    out.push_back(std::move(live));
  }
  return out;
}

std::string network_state_name(NetworkState state) {
  switch (state) {
    case NetworkState::Ok:
      return "ok";
    case NetworkState::Missing:
      return "missing";
    case NetworkState::Conflict:
      return "conflict";
    case NetworkState::Unknown:
      return "unknown";
  }
  return "unknown";
}

std::vector<NetworkCheck> check_networks(const Ruleset& ruleset, const std::vector<LiveNetwork>& live) {
  std::vector<NetworkCheck> checks;
  for (const NetworkPolicy& declared : ruleset.networks) {
    if (declared.is_default) continue;
    NetworkCheck check{declared.name, declared.bridge, NetworkState::Ok, {}, false};
    const LiveNetwork* existing = find_by_name(live, declared.name);
    if (existing == nullptr) {
      check.state = NetworkState::Missing;
      check.problems.push_back("network " + declared.name + " does not exist");
      // Creating it would fail in the daemon with a less helpful message.
      for (const LiveNetwork& other : live) {
        if (other.facts.bridge != declared.bridge) continue;
        check.state = NetworkState::Conflict;
        check.problems.push_back("bridge " + declared.bridge + " is already used by Docker network " +
                                 other.facts.name + ": remove that network or choose another bridge in " +
                                 declared.key + ".bridge");
      }
    } else {
      check.managed = existing->managed;
      check.problems = network_problems(declared, &existing->facts);
      if (!check.problems.empty()) {
        check.state = NetworkState::Conflict;
        check.problems.push_back(bridge_fix(declared, *existing));
      }
    }
    checks.push_back(std::move(check));
  }
  return checks;
}

std::vector<NetworkCheck> unknown_networks(const Ruleset& ruleset) {
  std::vector<NetworkCheck> checks;
  for (const NetworkPolicy& declared : ruleset.networks)
    if (!declared.is_default)
      checks.push_back({declared.name, declared.bridge, NetworkState::Unknown, {}, false});
  return checks;
}

nlohmann::json managed_network_create_body(const NetworkPolicy& network,
                                           const std::map<std::string, std::string>& extra_labels) {
  nlohmann::json body = network_create_body(network);
  for (const auto& [key, value] : extra_labels) body["Labels"][key] = value;
  body["Labels"][kManagedLabel] = "1";
  body["Labels"][kNetworkNameLabel] = network.name;
  return body;
}

}  // namespace hardend::net
