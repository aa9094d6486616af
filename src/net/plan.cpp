#include "net/plan.h"

namespace hardend::net {
namespace {

std::vector<std::string> block_members(const NetworkPolicy& network) {
  std::vector<std::string> members;
  if (network.block_host) members.push_back("host");
  if (network.block_metadata) members.push_back("metadata");
  if (network.block_internal) members.push_back("internal");
  return members;
}

std::vector<std::string> cidr_strings(const std::vector<Ipv4Cidr>& cidrs) {
  std::vector<std::string> out;
  for (const Ipv4Cidr& cidr : cidrs) out.push_back(cidr.str());
  return out;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out.empty() ? "-" : out;
}

nlohmann::json rules_json(const std::vector<Rule>& rules) {
  nlohmann::json out = nlohmann::json::array();
  for (const Rule& rule : rules) out.push_back(rule.append_line());
  return out;
}

}  // namespace

std::string describe_plan(const Ruleset& ruleset, const std::string& payload) {
  std::string out = "Container ranges (sources blocked from this host's addresses by network.block.host):\n";
  for (const ContainerRange& range : ruleset.container_ranges) {
    out += "  " + range.range.str() + "  from " + joined(range.origins);
    if (range.covered_by) out += "  (covered by " + range.covered_by->str() + ")";
    out += "\n";
  }
  out += "Host addresses:\n";
  for (const HostAddress& host : ruleset.host_addresses)
    out += "  " + format_ipv4(host.address) + "  on " + host.interface + "\n";
  out += "Networks:\n";
  for (const NetworkPolicy& network : ruleset.networks) {
    out += "  " + network.name + "  bridge " + network.bridge + "  block " + joined(block_members(network));
    if (!network.block_cidrs.empty()) out += "  block.cidrs " + joined(cidr_strings(network.block_cidrs));
    if (!network.allow_cidrs.empty()) out += "  allow.cidrs " + joined(cidr_strings(network.allow_cidrs));
    out += network.is_default ? "  (Docker's default bridge)\n" : "\n";
  }
  if (!ruleset.notes.empty()) {
    out += "Notes:\n";
    for (const std::string& note : ruleset.notes) out += "  " + note + "\n";
  }
  out += "iptables-restore --noflush payload:\n" + payload;
  return out;
}

nlohmann::json plan_to_json(const Ruleset& ruleset, const std::string& payload) {
  nlohmann::json ranges = nlohmann::json::array();
  for (const ContainerRange& range : ruleset.container_ranges) {
    ranges.push_back(
        {{"range", range.range.str()},
         {"origins", range.origins},
         {"covered_by", range.covered_by ? nlohmann::json(range.covered_by->str()) : nlohmann::json()}});
  }
  nlohmann::json hosts = nlohmann::json::array();
  for (const HostAddress& host : ruleset.host_addresses)
    hosts.push_back({{"address", format_ipv4(host.address)}, {"interface", host.interface}});
  nlohmann::json networks = nlohmann::json::array();
  for (const NetworkPolicy& network : ruleset.networks) {
    networks.push_back({{"name", network.name},
                        {"bridge", network.bridge},
                        {"default", network.is_default},
                        {"block", block_members(network)},
                        {"block_cidrs", cidr_strings(network.block_cidrs)},
                        {"allow_cidrs", cidr_strings(network.allow_cidrs)},
                        {"key", network.key}});
  }
  return {{"container_ranges", ranges},
          {"host_addresses", hosts},
          {"networks", networks},
          {"rules",
           {{std::string(kInputChain), rules_json(ruleset.input_rules)},
            {std::string(kUserChain), rules_json(ruleset.user_rules)}}},
          {"notes", ruleset.notes},
          {"payload", payload}};
}

nlohmann::json network_create_body(const NetworkPolicy& network) {
  return {{"Name", network.name},
          {"Driver", "bridge"},
          {"CheckDuplicate", true},
          {"Options", {{"com.docker.network.bridge.name", network.bridge}}},
          {"Labels", {{"io.hardend.network", network.name}}}};
}

std::vector<std::string> network_problems(const NetworkPolicy& declared, const DockerNetworkFacts* live) {
  if (live == nullptr) return {"network " + declared.name + " does not exist"};
  std::vector<std::string> problems;
  if (live->driver != "bridge")
    problems.push_back("network " + declared.name + " has driver " + live->driver + ", expected bridge");
  if (live->bridge != declared.bridge)
    problems.push_back("network " + declared.name + " uses bridge " +
                       (live->bridge.empty() ? "(none)" : live->bridge) + ", expected " + declared.bridge +
                       " (the rules match -i " + declared.bridge + ")");
  return problems;
}

}  // namespace hardend::net
