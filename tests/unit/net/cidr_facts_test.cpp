#include <gtest/gtest.h>

#include "net/cidr.h"
#include "net/facts.h"

namespace hardend::net {
namespace {

TEST(Cidr, ParsesAndNormalizes) {
  EXPECT_EQ(Ipv4Cidr::parse("10.0.0.0/8")->str(), "10.0.0.0/8");
  EXPECT_EQ(Ipv4Cidr::parse("10.1.2.3/8")->str(), "10.0.0.0/8");
  EXPECT_EQ(Ipv4Cidr::parse("169.254.169.254")->str(), "169.254.169.254/32");
  EXPECT_EQ(Ipv4Cidr::parse(" 192.168.1.77/16 ")->str(), "192.168.0.0/16");
  EXPECT_EQ(Ipv4Cidr::parse("0.0.0.0/0")->str(), "0.0.0.0/0");
  EXPECT_EQ(Ipv4Cidr::parse("255.255.255.255/31")->str(), "255.255.255.254/31");
}

TEST(Cidr, RejectsTypos) {
  for (const char* bad : {"", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0/8", "10.0.0.256",
                          "10.0.0.0.0", "10..0.0", "a.b.c.d", "10.0.0.0/8x", "fd00::/64", "10.0.0.0/+8"}) {
    Result<Ipv4Cidr> parsed = Ipv4Cidr::parse(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    if (!parsed.ok()) {
      EXPECT_NE(parsed.error().message.find(std::string("\"") + bad + "\""), std::string::npos);
    }
  }
  EXPECT_NE(Ipv4Cidr::parse("fd00::/64").error().message.find("IPv6"), std::string::npos);
}

TEST(Cidr, Containment) {
  Ipv4Cidr wide = *Ipv4Cidr::parse("172.16.0.0/12");
  EXPECT_TRUE(wide.contains(*Ipv4Cidr::parse("172.17.0.0/16")));
  EXPECT_TRUE(wide.contains(*Ipv4Cidr::parse("172.31.255.255")));
  EXPECT_FALSE(wide.contains(*Ipv4Cidr::parse("172.32.0.0/16")));
  EXPECT_FALSE(Ipv4Cidr::parse("172.17.0.0/16")->contains(wide));
  EXPECT_TRUE(Ipv4Cidr::parse("0.0.0.0/0")->contains(wide));
}

TEST(DaemonJson, BipBridgeAndPools) {
  Result<DaemonJsonFacts> facts = parse_daemon_json(
      R"({"bip": "192.168.200.1/24", "bridge": "docker1",
          "default-address-pools": [{"base": "10.10.0.0/16", "size": 24}, {"base": "172.80.0.0/16", "size": 24}],
          "log-driver": "json-file"})",
      "/etc/docker/daemon.json");
  ASSERT_TRUE(facts.ok()) << facts.error().message;
  EXPECT_EQ(facts->bip, "192.168.200.1/24");
  EXPECT_EQ(facts->bridge, "docker1");
  EXPECT_EQ(facts->address_pools, (std::vector<std::string>{"10.10.0.0/16", "172.80.0.0/16"}));
  EXPECT_EQ(facts->path, "/etc/docker/daemon.json");
}

TEST(DaemonJson, EmptyAndErrors) {
  EXPECT_TRUE(parse_daemon_json("", "d.json").ok());
  EXPECT_TRUE(parse_daemon_json("{}", "d.json")->address_pools.empty());
  EXPECT_EQ(parse_daemon_json("{", "d.json").error().message, "d.json: not valid JSON");
  EXPECT_NE(parse_daemon_json(R"({"bip": 5})", "d.json").error().message.find("\"bip\" must be a string"),
            std::string::npos);
  EXPECT_NE(
      parse_daemon_json(R"({"default-address-pools": [{"size": 24}]})", "d.json").error().message.find("[0]"),
      std::string::npos);
}

TEST(DockerNetworks, FromEngineApiList) {
  nlohmann::json list = nlohmann::json::parse(R"([
    {"Name": "bridge", "Id": "aaaa", "Driver": "bridge",
     "IPAM": {"Config": [{"Subnet": "172.17.0.0/16", "Gateway": "172.17.0.1"}]},
     "Options": {"com.docker.network.bridge.name": "docker0"}},
    {"Name": "host", "Id": "bbbb", "Driver": "host", "IPAM": {"Config": []}},
    {"Name": "none", "Id": "cccc", "Driver": "null", "IPAM": {"Config": []}},
    {"Name": "mynet", "Id": "0123456789abcdef0123", "Driver": "bridge",
     "IPAM": {"Config": [{"Subnet": "172.20.0.0/16", "Gateway": "172.20.0.1"}, {"Subnet": "fd00:1::/64"}]},
     "Options": {}}
  ])");
  Result<std::vector<DockerNetworkFacts>> networks = docker_networks_from_json(list);
  ASSERT_TRUE(networks.ok()) << networks.error().message;
  ASSERT_EQ(networks->size(), 2u);
  EXPECT_EQ((*networks)[0].bridge, "docker0");
  EXPECT_EQ((*networks)[0].subnets, std::vector<std::string>{"172.17.0.0/16"});
  EXPECT_EQ((*networks)[0].gateways, std::vector<std::string>{"172.17.0.1"});
  EXPECT_EQ((*networks)[1].name, "mynet");
  EXPECT_EQ((*networks)[1].bridge, "br-0123456789ab");
  EXPECT_EQ((*networks)[1].subnets, (std::vector<std::string>{"172.20.0.0/16", "fd00:1::/64"}));
  EXPECT_FALSE(docker_networks_from_json(nlohmann::json::object()).ok());
}

}  // namespace
}  // namespace hardend::net
