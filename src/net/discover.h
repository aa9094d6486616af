// Gathering NetFacts from the live system (I/O). The Docker daemon's networks come from the caller
// (it owns the Engine API client): facts.docker_networks = docker_networks_from_json(client.list_networks()).
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "net/facts.h"

namespace hardend::net {

inline constexpr const char* kDaemonJsonPath = "/etc/docker/daemon.json";

// Every non-loopback IPv4 address of this host (getifaddrs), in the namespace `netns` when given.
// Interfaces that are down are included: their addresses come back as soon as they are up.
Result<std::vector<HostAddress>> discover_host_addresses(const std::string& netns = "");

// Reads and parses daemon.json; a missing file means "no pools configured" (path left empty).
Result<DaemonJsonFacts> read_daemon_json(const std::string& path = kDaemonJsonPath);

}  // namespace hardend::net
