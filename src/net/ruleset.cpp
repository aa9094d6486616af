#include "net/ruleset.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "common/strings.h"

namespace hardend::net {
namespace {

const std::vector<std::string> kBlockMembers = {"host", "metadata", "internal"};
const std::vector<std::string> kReservedNetworkNames = {"bridge", "host", "none"};

// Comments are generated, but network names end up in them: keep only characters that need no
// escaping in iptables-save output, so rendering and the live rules stay byte-identical.
std::string safe_comment(std::string_view text) {
  std::string out;
  for (char c : text) {
    bool plain = std::isalnum(static_cast<unsigned char>(c)) ||
                 std::string_view(" ._:/,=-+()>").find(c) != std::string_view::npos;
    out += plain ? c : '_';
  }
  if (out.size() > 250) out.resize(250);  // xt_comment holds 256 bytes
  return out;
}

std::string display_name(const NetworkPolicy& network) {
  return network.is_default ? "default bridge" : "network " + network.name;
}

// Rules that match the same packets and do the same thing are duplicates even when their comments differ.
bool same_effect(const Rule& a, const Rule& b) {
  return a.chain == b.chain && a.source == b.source && a.destination == b.destination &&
         a.in_interface == b.in_interface && a.established == b.established && a.target == b.target;
}

void add_rule(std::vector<Rule>& rules, Rule rule) {
  rule.comment = safe_comment(rule.comment);
  for (const Rule& existing : rules)
    if (same_effect(existing, rule)) return;
  rules.push_back(std::move(rule));
}

Result<std::vector<Ipv4Cidr>> parse_cidrs(const std::vector<std::string>& texts, const std::string& key) {
  std::vector<Ipv4Cidr> out;
  for (const std::string& text : texts) {
    Result<Ipv4Cidr> cidr = Ipv4Cidr::parse(text);
    if (!cidr) return cidr.take_error().context(key);
    if (std::find(out.begin(), out.end(), *cidr) == out.end()) out.push_back(*cidr);
  }
  return out;
}

Status apply_block_members(const std::vector<std::string>& members, const std::string& key,
                           NetworkPolicy& network) {
  for (const std::string& raw : members) {
    std::string member = to_lower(trim(raw));
    if (member == "host") {
      network.block_host = true;
    } else if (member == "metadata") {
      network.block_metadata = true;
    } else if (member == "internal") {
      network.block_internal = true;
    } else {
      std::string message = "unknown member \"" + raw + "\"";
      if (auto suggestion = closest_match(member, kBlockMembers))
        message += " (did you mean \"" + *suggestion + "\"?)";
      return make_error(key + ": " + message + "; expected host, metadata or internal");
    }
  }
  return {};
}

Result<std::vector<NetworkPolicy>> network_policies(const config::Config& config, const NetFacts& facts) {
  std::vector<NetworkPolicy> networks;
  std::string default_bridge = facts.daemon.bridge.value_or(std::string(kDefaultBridge));
  if (default_bridge != "none") {
    if (Status valid = validate_bridge_name(default_bridge); !valid)
      return valid.take_error().context((facts.daemon.path.empty() ? "daemon.json" : facts.daemon.path) +
                                        ": bridge");
    NetworkPolicy network;
    network.name = "bridge";
    network.bridge = default_bridge;
    network.is_default = true;
    network.key = "network.default.block";
    HARDEND_TRY_VOID(apply_block_members(config.default_block.value, network.key, network));
    networks.push_back(std::move(network));
  }
  std::set<std::string> bridges_in_use = {default_bridge};
  std::set<std::string> names_in_use;
  for (const config::NetworkDecl& decl : config.networks) {
    NetworkPolicy network;
    network.name = decl.name;
    network.key = "network.networks." + decl.name;
    if (decl.name.empty()) return make_error("network.networks: a network needs a name");
    if (std::find(kReservedNetworkNames.begin(), kReservedNetworkNames.end(), decl.name) !=
        kReservedNetworkNames.end())
      return make_error(network.key + ": \"" + decl.name +
                        "\" is one of Docker's own networks; choose another name");
    if (!names_in_use.insert(decl.name).second) return make_error(network.key + ": declared twice");
    network.bridge = decl.bridge;
    if (Status valid = validate_bridge_name(decl.bridge); !valid)
      return valid.take_error().context(network.key + ".bridge");
    if (!bridges_in_use.insert(decl.bridge).second)
      return make_error(network.key + ".bridge: bridge \"" + decl.bridge +
                        "\" is already used by another network");
    HARDEND_TRY_VOID(apply_block_members(decl.block, network.key + ".block", network));
    Result<std::vector<Ipv4Cidr>> block_cidrs = parse_cidrs(decl.block_cidrs, network.key + ".block.cidrs");
    if (!block_cidrs) return block_cidrs.take_error();
    network.block_cidrs = std::move(*block_cidrs);
    Result<std::vector<Ipv4Cidr>> allow_cidrs = parse_cidrs(decl.allow_cidrs, network.key + ".allow.cidrs");
    if (!allow_cidrs) return allow_cidrs.take_error();
    network.allow_cidrs = std::move(*allow_cidrs);
    networks.push_back(std::move(network));
  }
  return networks;
}

void add_range(std::vector<ContainerRange>& ranges, const Ipv4Cidr& range, const std::string& origin) {
  for (ContainerRange& existing : ranges) {
    if (existing.range == range) {
      if (std::find(existing.origins.begin(), existing.origins.end(), origin) == existing.origins.end())
        existing.origins.push_back(origin);
      return;
    }
  }
  ranges.push_back(ContainerRange{range, {origin}, std::nullopt});
}

Result<std::vector<ContainerRange>> container_ranges(const config::Config& config, const NetFacts& facts,
                                                     std::vector<std::string>& notes) {
  std::vector<ContainerRange> ranges;
  std::string config_origin =
      config.container_ranges.is_default() ? "default network.container.ranges" : "network.container.ranges";
  for (const std::string& text : config.container_ranges.value) {
    Result<Ipv4Cidr> range = Ipv4Cidr::parse(text);
    if (!range) return range.take_error().context("network.container.ranges");
    add_range(ranges, *range, config_origin);
  }
  for (const DockerNetworkFacts& network : facts.docker_networks) {
    for (const std::string& subnet : network.subnets) {
      Result<Ipv4Cidr> range = Ipv4Cidr::parse(subnet);
      if (!range) {
        notes.push_back("docker network " + network.name + ": subnet " + subnet + " skipped (" +
                        range.error().message + ")");
        continue;
      }
      add_range(ranges, *range, "docker network " + network.name);
    }
  }
  const DaemonJsonFacts& daemon = facts.daemon;
  std::string daemon_path = daemon.path.empty() ? "daemon.json" : daemon.path;
  if (daemon.bip) {
    Result<Ipv4Cidr> range = Ipv4Cidr::parse(*daemon.bip);
    if (!range) return range.take_error().context(daemon_path + ": bip");
    add_range(ranges, *range, daemon_path + " bip");
  }
  for (const std::string& pool : daemon.address_pools) {
    Result<Ipv4Cidr> range = Ipv4Cidr::parse(pool);
    if (!range) {
      notes.push_back(daemon_path + ": default-address-pools base " + pool + " skipped (" +
                      range.error().message + ")");
      continue;
    }
    add_range(ranges, *range, daemon_path + " default-address-pools");
  }
  // A range inside a wider one is already blocked by the wider one's rules; name the widest.
  for (ContainerRange& inner : ranges) {
    for (const ContainerRange& outer : ranges) {
      if (outer.range.prefix < inner.range.prefix && outer.range.contains(inner.range) &&
          (!inner.covered_by || outer.range.prefix < inner.covered_by->prefix))
        inner.covered_by = outer.range;
    }
  }
  return ranges;
}

std::vector<HostAddress> host_addresses(const NetFacts& facts, std::vector<std::string>& notes) {
  std::vector<HostAddress> addresses;
  auto add = [&](HostAddress address) {
    for (const HostAddress& existing : addresses)
      if (existing.address == address.address) return;
    addresses.push_back(std::move(address));
  };
  for (const HostAddress& address : facts.host_addresses) {
    if ((address.address >> 24) == 127) continue;  // loopback is not reachable from a container
    add(address);
  }
  // A network's gateway is this host's address on its bridge, even when the bridge is not up yet.
  for (const DockerNetworkFacts& network : facts.docker_networks) {
    for (const std::string& gateway : network.gateways) {
      Result<Ipv4Cidr> parsed = Ipv4Cidr::parse(gateway);
      if (!parsed) {
        notes.push_back("docker network " + network.name + ": gateway " + gateway + " skipped (" +
                        parsed.error().message + ")");
        continue;
      }
      add(HostAddress{parsed->network, network.bridge.empty() ? network.name : network.bridge});
    }
  }
  std::sort(addresses.begin(), addresses.end(),
            [](const HostAddress& a, const HostAddress& b) { return a.address < b.address; });
  return addresses;
}

Rule established_rule(std::string_view chain) {
  Rule rule;
  rule.chain = std::string(chain);
  rule.established = true;
  rule.comment = "hardend: return traffic of allowed connections";
  rule.target = Target::Return;
  return rule;
}

void add_allow_rules(std::vector<Rule>& rules, std::string_view chain,
                     const std::vector<NetworkPolicy>& networks) {
  for (const NetworkPolicy& network : networks) {
    for (const Ipv4Cidr& allowed : network.allow_cidrs) {
      add_rule(rules, Rule{std::string(chain), std::nullopt, allowed, network.bridge, false,
                           "hardend: " + display_name(network) + " allow.cidrs exception", Target::Return});
    }
  }
}

std::vector<Rule> input_rules(const config::Config& config, const std::vector<ContainerRange>& ranges,
                              const std::vector<HostAddress>& hosts,
                              const std::vector<NetworkPolicy>& networks) {
  std::vector<Rule> rules;
  std::string chain(kInputChain);
  add_rule(rules, established_rule(kInputChain));
  add_allow_rules(rules, kInputChain, networks);
  for (const NetworkPolicy& network : networks) {
    if (!network.block_host) continue;
    for (const HostAddress& host : hosts) {
      add_rule(rules, Rule{chain, std::nullopt, Ipv4Cidr::host(host.address), network.bridge, false,
                           "hardend: " + display_name(network) + " blocks host address on " + host.interface,
                           Target::Drop});
    }
  }
  if (config.net_block_host.value) {
    for (const ContainerRange& range : ranges) {
      if (range.covered_by) continue;
      for (const HostAddress& host : hosts) {
        add_rule(rules, Rule{chain, range.range, Ipv4Cidr::host(host.address), "", false,
                             "hardend: network.block.host: containers to host address on " + host.interface,
                             Target::Drop});
      }
    }
  }
  return rules;
}

std::vector<Rule> user_rules(const std::vector<NetworkPolicy>& networks) {
  std::vector<Rule> rules;
  std::string chain(kUserChain);
  add_rule(rules, established_rule(kUserChain));
  add_allow_rules(rules, kUserChain, networks);
  Ipv4Cidr metadata = *Ipv4Cidr::parse(kMetadataCidr);
  for (const NetworkPolicy& network : networks) {
    std::string who = "hardend: " + display_name(network);
    if (network.block_metadata)
      add_rule(rules, Rule{chain, std::nullopt, metadata, network.bridge, false, who + " blocks metadata",
                           Target::Drop});
    if (network.block_internal) {
      for (std::string_view internal : kInternalCidrs)
        add_rule(rules, Rule{chain, std::nullopt, *Ipv4Cidr::parse(internal), network.bridge, false,
                             who + " blocks internal", Target::Drop});
    }
    for (const Ipv4Cidr& blocked : network.block_cidrs)
      add_rule(rules,
               Rule{chain, std::nullopt, blocked, network.bridge, false, who + " block.cidrs", Target::Drop});
  }
  return rules;
}

}  // namespace

std::string Rule::spec() const {
  std::vector<std::string> parts;
  if (source) parts.push_back("-s " + source->str());
  if (destination) parts.push_back("-d " + destination->str());
  if (!in_interface.empty()) parts.push_back("-i " + in_interface);
  if (established) parts.push_back("-m conntrack --ctstate RELATED,ESTABLISHED");
  if (!comment.empty()) {
    // iptables-save quotes a comment only when it contains a space.
    bool quote = comment.find(' ') != std::string::npos;
    parts.push_back("-m comment --comment " + (quote ? "\"" + comment + "\"" : comment));
  }
  parts.push_back(target == Target::Drop ? "-j DROP" : "-j RETURN");
  return join(parts, " ");
}

std::string Rule::append_line() const {
  return "-A " + chain + " " + spec();
}

Status validate_bridge_name(std::string_view name) {
  if (name.empty()) return make_error("a bridge name is required");
  if (name.size() > 15)
    return make_error("bridge name \"" + std::string(name) + "\" is longer than 15 characters");
  if (name == "." || name == "..")
    return make_error("\"" + std::string(name) + "\" is not a valid interface name");
  for (char c : name) {
    if (c == '/' || c == ':' || std::isspace(static_cast<unsigned char>(c)) ||
        !std::isprint(static_cast<unsigned char>(c)))
      return make_error("bridge name \"" + std::string(name) + "\" contains an invalid character");
    if (c == '+')
      return make_error("bridge name \"" + std::string(name) +
                        "\" contains '+', which iptables reads as a wildcard");
    if (c == '"' || c == '\\' || c == '\'')
      return make_error("bridge name \"" + std::string(name) + "\" contains a quote or backslash");
  }
  return {};
}

Result<Ruleset> build_ruleset(const config::Config& config, const NetFacts& facts) {
  Ruleset ruleset;
  Result<std::vector<NetworkPolicy>> networks = network_policies(config, facts);
  if (!networks) return networks.take_error();
  ruleset.networks = std::move(*networks);
  Result<std::vector<ContainerRange>> ranges = container_ranges(config, facts, ruleset.notes);
  if (!ranges) return ranges.take_error();
  ruleset.container_ranges = std::move(*ranges);
  ruleset.host_addresses = host_addresses(facts, ruleset.notes);
  if (ruleset.host_addresses.empty())
    ruleset.notes.push_back("no IPv4 address of this host was found: no host rules are needed");
  ruleset.input_rules =
      input_rules(config, ruleset.container_ranges, ruleset.host_addresses, ruleset.networks);
  ruleset.user_rules = user_rules(ruleset.networks);
  return ruleset;
}

}  // namespace hardend::net
