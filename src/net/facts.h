// What the ruleset is computed from besides the config: this host's addresses, the daemon's networks
// and the address pools of /etc/docker/daemon.json. They are plain data so that build_ruleset() stays
// pure; discover.h gathers them from the live system, tests write them by hand.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace hardend::net {

// One IPv4 address of this host and the interface that carries it.
struct HostAddress {
  uint32_t address = 0;  // host byte order
  std::string interface;
  bool operator==(const HostAddress&) const = default;
};

// One network as the Docker daemon reports it (GET /networks).
struct DockerNetworkFacts {
  std::string name;
  std::string driver;  // "bridge", "overlay", ...
  std::string bridge;  // Linux bridge of a bridge network ("docker0", "br-0123456789ab"), else ""
  std::vector<std::string> subnets;   // IPAM subnets as reported (IPv6 ones are skipped by build_ruleset)
  std::vector<std::string> gateways;  // IPAM gateways: addresses of this host on that bridge
};

// The address settings of /etc/docker/daemon.json that decide which ranges containers get.
struct DaemonJsonFacts {
  std::string path;                        // for origins in `net plan`; empty when there is no file
  std::optional<std::string> bip;          // "bip": the default bridge's gateway address with prefix
  std::optional<std::string> bridge;       // "bridge": the default bridge's name when not docker0
  std::vector<std::string> address_pools;  // "default-address-pools": each pool's "base"
};

struct NetFacts {
  std::vector<HostAddress> host_addresses;  // every non-loopback IPv4 address of this host
  std::vector<DockerNetworkFacts> docker_networks;
  DaemonJsonFacts daemon;
};

// Pure. `path` is used in messages and as the origin of the ranges it yields.
// An empty or whitespace-only text is an empty configuration (the daemon accepts it too).
Result<DaemonJsonFacts> parse_daemon_json(std::string_view text, const std::string& path);

// Pure: the body of GET /networks (a JSON array) -> facts. Networks of driver host/null are skipped.
Result<std::vector<DockerNetworkFacts>> docker_networks_from_json(const nlohmann::json& networks);

}  // namespace hardend::net
