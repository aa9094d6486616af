#include "net/facts.h"

#include "common/strings.h"

namespace hardend::net {
namespace {

// Docker names a user-defined bridge "br-" + the first 12 characters of the network id unless the
// network sets com.docker.network.bridge.name.
constexpr std::string_view kBridgeNameOption = "com.docker.network.bridge.name";

std::string string_field(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

}  // namespace

Result<DaemonJsonFacts> parse_daemon_json(std::string_view text, const std::string& path) {
  DaemonJsonFacts facts;
  facts.path = path;
  if (trim(text).empty()) return facts;
  nlohmann::json document = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return make_error(path + ": not valid JSON");
  if (!document.is_object()) return make_error(path + ": expected a JSON object");

  if (auto bip = document.find("bip"); bip != document.end()) {
    if (!bip->is_string()) return make_error(path + ": \"bip\" must be a string like \"172.26.0.1/16\"");
    facts.bip = bip->get<std::string>();
  }
  if (auto bridge = document.find("bridge"); bridge != document.end()) {
    if (!bridge->is_string()) return make_error(path + ": \"bridge\" must be a string");
    // "none" disables the default bridge (build_ruleset then emits no default-bridge rules).
    if (!bridge->get<std::string>().empty()) facts.bridge = bridge->get<std::string>();
  }
  if (auto pools = document.find("default-address-pools"); pools != document.end()) {
    if (!pools->is_array())
      return make_error(path +
                        ": \"default-address-pools\" must be an array of {\"base\": ..., \"size\": ...}");
    for (size_t i = 0; i < pools->size(); ++i) {
      const nlohmann::json& pool = (*pools)[i];
      if (!pool.is_object() || !pool.contains("base") || !pool["base"].is_string())
        return make_error(path + ": \"default-address-pools\"[" + std::to_string(i) +
                          "] must be an object with a string \"base\"");
      facts.address_pools.push_back(pool["base"].get<std::string>());
    }
  }
  return facts;
}

Result<std::vector<DockerNetworkFacts>> docker_networks_from_json(const nlohmann::json& networks) {
  if (!networks.is_array()) return make_error("GET /networks: expected a JSON array");
  std::vector<DockerNetworkFacts> out;
  for (const nlohmann::json& network : networks) {
    if (!network.is_object()) return make_error("GET /networks: expected an array of objects");
    DockerNetworkFacts facts;
    facts.name = string_field(network, "Name");
    facts.driver = string_field(network, "Driver");
    if (facts.driver == "host" || facts.driver == "null") continue;
    if (facts.driver == "bridge") {
      if (auto options = network.find("Options"); options != network.end() && options->is_object())
        facts.bridge = string_field(*options, std::string(kBridgeNameOption).c_str());
      std::string id = string_field(network, "Id");
      if (facts.bridge.empty() && !id.empty()) facts.bridge = "br-" + id.substr(0, 12);
    }
    auto ipam = network.find("IPAM");
    if (ipam != network.end() && ipam->is_object()) {
      auto configs = ipam->find("Config");
      if (configs != ipam->end() && configs->is_array()) {
        for (const nlohmann::json& config : *configs) {
          if (!config.is_object()) continue;
          if (std::string subnet = string_field(config, "Subnet"); !subnet.empty())
            facts.subnets.push_back(subnet);
          if (std::string gateway = string_field(config, "Gateway"); !gateway.empty())
            facts.gateways.push_back(gateway);
        }
      }
    }
    out.push_back(std::move(facts));
  }
  return out;
}

}  // namespace hardend::net
