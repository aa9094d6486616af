// The desired network hardening, computed purely from the config and the discovered facts.
//
// Docker's packet path decides where each rule lives (docs/NETWORK.md):
//   container -> this host (any of its addresses)   : INPUT   -> HARDEND-INPUT
//   container -> anywhere else (metadata, LAN, web)  : FORWARD -> DOCKER-USER -> HARDEND-USER
// hardend owns exactly these two chains; it never edits rules of chains it does not own, it only
// keeps one jump into each of its chains (see restore_payload.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "config/config.h"
#include "net/cidr.h"
#include "net/facts.h"

namespace hardend::net {

inline constexpr std::string_view kInputChain = "HARDEND-INPUT";  // jumped from INPUT
inline constexpr std::string_view kUserChain = "HARDEND-USER";    // jumped from DOCKER-USER
inline constexpr std::string_view kDockerUserChain = "DOCKER-USER";
inline constexpr std::string_view kDefaultBridge = "docker0";
inline constexpr std::string_view kMetadataCidr = "169.254.169.254/32";
inline constexpr std::string_view kInternalCidrs[] = {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"};

enum class Target { Drop, Return };

// One iptables rule of an owned chain. spec() renders it in iptables-save's canonical form so that
// the desired and the live rule compare equal token by token.
struct Rule {
  std::string chain;
  std::optional<Ipv4Cidr> source;
  std::optional<Ipv4Cidr> destination;
  std::string in_interface;
  bool established = false;  // -m conntrack --ctstate RELATED,ESTABLISHED
  std::string comment;       // why the rule exists; rendered as -m comment --comment "..."
  Target target = Target::Drop;

  // "-s 172.16.0.0/12 -d 10.99.0.1/32 -m comment --comment \"hardend: ...\" -j DROP"
  std::string spec() const;
  // "-A HARDEND-INPUT " + spec()
  std::string append_line() const;
  bool operator==(const Rule&) const = default;
};

// A source range that containers may use, with every place it was found ("network.container.ranges",
// "docker network bridge", "/etc/docker/daemon.json bip", ...). A range inside another one needs no
// rules of its own: covered_by names the wider range.
struct ContainerRange {
  Ipv4Cidr range;
  std::vector<std::string> origins;
  std::optional<Ipv4Cidr> covered_by;
};

// The policy of one bridge: the default bridge (name "bridge") or a declared network.
struct NetworkPolicy {
  std::string name;    // Docker network name: "bridge" for the default one
  std::string bridge;  // Linux bridge interface: "docker0", "docker-external"
  bool is_default = false;
  bool block_host = false;
  bool block_metadata = false;
  bool block_internal = false;
  std::vector<Ipv4Cidr> block_cidrs;
  std::vector<Ipv4Cidr> allow_cidrs;
  std::string key;  // the config key it came from: "network.default.block", "network.networks.external"
};

struct Ruleset {
  std::vector<ContainerRange> container_ranges;  // in order of discovery, covered ones included
  std::vector<HostAddress> host_addresses;       // sorted by address, no duplicates
  std::vector<NetworkPolicy> networks;           // default bridge first, then config order
  std::vector<Rule> input_rules;                 // HARDEND-INPUT, in order
  std::vector<Rule> user_rules;                  // HARDEND-USER, in order
  std::vector<std::string> notes;                // things worth telling in `net plan` (skipped IPv6 ...)
};

// Pure. Errors name the config key: "network.networks.external.block: unknown member \"hots\" (did you
// mean \"host\"?)", "network.networks.external.block.cidrs: \"10.0.0.0/33\" is not an IPv4 CIDR: ...".
//
// Rule order per chain: established/related RETURN first (return traffic of allowed connections),
// then every allow.cidrs RETURN, then the drops. Identical rules are emitted once.
Result<Ruleset> build_ruleset(const config::Config& config, const NetFacts& facts);

// Linux interface name rules plus iptables' wildcard: 1-15 characters, no '/', ':', '+', whitespace.
Status validate_bridge_name(std::string_view name);

}  // namespace hardend::net
