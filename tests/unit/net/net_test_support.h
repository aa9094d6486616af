// Shared fixtures of the net unit tests: the issue's example config and the facts of a typical host.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "config/config.h"
#include "net/cidr.h"
#include "net/facts.h"

namespace hardend::net::testing {

inline config::NetworkDecl network_decl(std::string name, std::string bridge, std::vector<std::string> block,
                                        std::vector<std::string> block_cidrs = {},
                                        std::vector<std::string> allow_cidrs = {}) {
  config::NetworkDecl decl;
  decl.name = std::move(name);
  decl.bridge = std::move(bridge);
  decl.block = std::move(block);
  decl.block_cidrs = std::move(block_cidrs);
  decl.allow_cidrs = std::move(allow_cidrs);
  return decl;
}

// The example of issue 4, field by field.
inline config::Config issue_example_config() {
  config::Config config = config::default_config();
  config.net_block_host.value = true;
  config.net_block_host.source = "network.block.host";
  config.container_ranges.value = {"172.16.0.0/12"};
  config.container_ranges.source = "network.container.ranges";
  config.default_block.value = {"metadata"};
  config.default_block.source = "network.default.block";
  config.networks.push_back(network_decl("aws-metadata", "docker-metadata", {"host"}));
  config.networks.push_back(
      network_decl("external", "docker-external", {"host", "metadata", "internal"}, {"100.64.0.0/10"}, {}));
  return config;
}

inline HostAddress host_address(const char* address, const char* interface) {
  return HostAddress{*parse_ipv4(address), interface};
}

inline DockerNetworkFacts docker_network(const char* name, const char* bridge, const char* subnet,
                                         const char* gateway) {
  return DockerNetworkFacts{name, "bridge", bridge, {subnet}, {gateway}};
}

// A host like the ones this runs on: a TEST-NET primary address, a private one, Docker's networks.
inline NetFacts typical_host_facts() {
  NetFacts facts;
  facts.host_addresses = {host_address("198.51.100.7", "eth0"), host_address("10.18.18.246", "eth1"),
                          host_address("172.17.0.1", "docker0")};
  facts.docker_networks = {docker_network("bridge", "docker0", "172.17.0.0/16", "172.17.0.1"),
                           docker_network("aws-metadata", "docker-metadata", "172.18.0.0/16", "172.18.0.1"),
                           docker_network("external", "docker-external", "172.19.0.0/16", "172.19.0.1")};
  return facts;
}

inline std::string data_path(const std::string& name) {
  return std::string(HARDEND_TEST_DATA) + "/net/" + name;
}

inline std::string read_data(const std::string& name) {
  std::ifstream file(data_path(name));
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// Compares with a golden file; HARDEND_UPDATE_GOLDEN=1 rewrites it instead (review the diff!).
inline void expect_golden(const std::string& name, const std::string& actual) {
  if (const char* update = std::getenv("HARDEND_UPDATE_GOLDEN");
      update != nullptr && std::string(update) == "1") {
    std::ofstream(data_path(name)) << actual;
    return;
  }
  std::string expected = read_data(name);
  ASSERT_FALSE(expected.empty()) << "missing golden file " << data_path(name);
  EXPECT_EQ(expected, actual) << "golden file " << data_path(name) << " differs";
}

}  // namespace hardend::net::testing
