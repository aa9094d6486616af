#include "net/ruleset.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "net/restore_payload.h"
#include "net_test_support.h"

namespace hardend::net {
namespace {

using testing::docker_network;
using testing::expect_golden;
using testing::host_address;
using testing::issue_example_config;
using testing::network_decl;
using testing::typical_host_facts;

Ruleset build_ok(const config::Config& config, const NetFacts& facts) {
  Result<Ruleset> ruleset = build_ruleset(config, facts);
  EXPECT_TRUE(ruleset.ok()) << (ruleset.ok() ? "" : ruleset.error().message);
  return ruleset.ok() ? *ruleset : Ruleset{};
}

std::vector<std::string> specs(const std::vector<Rule>& rules) {
  std::vector<std::string> out;
  for (const Rule& rule : rules) out.push_back(rule.spec());
  return out;
}

size_t index_of(const std::vector<Rule>& rules, const std::string& needle) {
  for (size_t i = 0; i < rules.size(); ++i)
    if (rules[i].spec().find(needle) != std::string::npos) return i;
  ADD_FAILURE() << "no rule contains " << needle;
  return rules.size();
}

TEST(RulesetGolden, IssueExampleConfig) {
  Ruleset ruleset = build_ok(issue_example_config(), typical_host_facts());
  expect_golden("issue_example.rules", render_apply_payload(ruleset, assumed_docker_table()));
}

TEST(RulesetGolden, DefaultConfig) {
  Ruleset ruleset = build_ok(config::default_config(), typical_host_facts());
  expect_golden("default.rules", render_apply_payload(ruleset, assumed_docker_table()));
}

TEST(RulesetGolden, DaemonJsonPoolsAndAllowExceptions) {
  config::Config config = issue_example_config();
  config.networks[1].allow_cidrs = {"10.20.30.40/32", "192.168.88.0/24"};
  NetFacts facts = typical_host_facts();
  facts.daemon.path = "/etc/docker/daemon.json";
  facts.daemon.bip = "192.168.200.1/24";
  facts.daemon.address_pools = {"10.10.0.0/16", "172.80.0.0/16"};
  Ruleset ruleset = build_ok(config, facts);
  expect_golden("daemon_pools_allow.rules", render_apply_payload(ruleset, assumed_docker_table()));
}

TEST(Ruleset, EveryChainStartsWithEstablishedReturn) {
  Ruleset ruleset = build_ok(issue_example_config(), typical_host_facts());
  ASSERT_FALSE(ruleset.input_rules.empty());
  ASSERT_FALSE(ruleset.user_rules.empty());
  for (const std::vector<Rule>* rules : {&ruleset.input_rules, &ruleset.user_rules}) {
    EXPECT_TRUE(rules->front().established);
    EXPECT_EQ(rules->front().target, Target::Return);
    EXPECT_EQ(std::count_if(rules->begin(), rules->end(), [](const Rule& r) { return r.established; }), 1);
  }
}

TEST(Ruleset, AllowExceptionsComeBeforeEveryDrop) {
  config::Config config = issue_example_config();
  config.networks[1].allow_cidrs = {"10.1.2.0/24"};
  Ruleset ruleset = build_ok(config, typical_host_facts());
  for (const std::vector<Rule>* rules : {&ruleset.input_rules, &ruleset.user_rules}) {
    size_t allow = index_of(*rules, "-d 10.1.2.0/24 -i docker-external");
    ASSERT_LT(allow, rules->size());
    EXPECT_EQ((*rules)[allow].target, Target::Return);
    for (size_t i = 0; i < allow; ++i) EXPECT_NE((*rules)[i].target, Target::Drop) << (*rules)[i].spec();
  }
}

TEST(Ruleset, BlockHostDropsEveryRangeToEveryHostAddress) {
  Ruleset ruleset = build_ok(issue_example_config(), typical_host_facts());
  for (const char* host :
       {"198.51.100.7/32", "10.18.18.246/32", "172.17.0.1/32", "172.18.0.1/32", "172.19.0.1/32"})
    index_of(ruleset.input_rules, std::string("-s 172.16.0.0/12 -d ") + host);
  // Docker's 172.17/16 ... subnets lie inside 172.16.0.0/12: no rules of their own.
  EXPECT_EQ(ruleset.input_rules.end(),
            std::find_if(ruleset.input_rules.begin(), ruleset.input_rules.end(),
                         [](const Rule& r) { return r.spec().find("-s 172.17.") == 0; }));
  auto covered = std::find_if(ruleset.container_ranges.begin(), ruleset.container_ranges.end(),
                              [](const ContainerRange& r) { return r.range.str() == "172.17.0.0/16"; });
  ASSERT_NE(covered, ruleset.container_ranges.end());
  ASSERT_TRUE(covered->covered_by.has_value());
  EXPECT_EQ(covered->covered_by->str(), "172.16.0.0/12");
  EXPECT_EQ(covered->origins, std::vector<std::string>{"docker network bridge"});
}

TEST(Ruleset, BlockHostOffKeepsPerNetworkHostRules) {
  config::Config config = issue_example_config();
  config.net_block_host.value = false;
  Ruleset ruleset = build_ok(config, typical_host_facts());
  for (const Rule& rule : ruleset.input_rules) EXPECT_FALSE(rule.source.has_value()) << rule.spec();
  index_of(ruleset.input_rules, "-d 10.18.18.246/32 -i docker-external");
  index_of(ruleset.input_rules, "-d 10.18.18.246/32 -i docker-metadata");
  for (const Rule& rule : ruleset.input_rules) EXPECT_NE(rule.in_interface, "docker0") << rule.spec();
}

TEST(Ruleset, DirectionOfEachBlockMember) {
  Ruleset ruleset = build_ok(issue_example_config(), typical_host_facts());
  // metadata and internal are forwarded destinations: DOCKER-USER, never INPUT.
  for (const Rule& rule : ruleset.input_rules) {
    EXPECT_EQ(rule.chain, "HARDEND-INPUT");
    EXPECT_FALSE(rule.destination && rule.destination->str() == "169.254.169.254/32") << rule.spec();
  }
  for (const Rule& rule : ruleset.user_rules) EXPECT_EQ(rule.chain, "HARDEND-USER");
  index_of(ruleset.user_rules, "-d 169.254.169.254/32 -i docker0");
  index_of(ruleset.user_rules, "-d 169.254.169.254/32 -i docker-external");
  index_of(ruleset.user_rules, "-d 10.0.0.0/8 -i docker-external");
  index_of(ruleset.user_rules, "-d 172.16.0.0/12 -i docker-external");
  index_of(ruleset.user_rules, "-d 192.168.0.0/16 -i docker-external");
  index_of(ruleset.user_rules, "-d 100.64.0.0/10 -i docker-external");
  for (const Rule& rule : ruleset.user_rules) EXPECT_NE(rule.in_interface, "docker-metadata") << rule.spec();
}

TEST(Ruleset, CidrsAreNormalizedAndDuplicatesDropped) {
  config::Config config = issue_example_config();
  config.container_ranges.value = {"172.16.5.9/12", "172.16.0.0/12", "10.200.0.0/16"};
  config.networks[1].block_cidrs = {"100.64.1.1/10", "100.64.0.0/10", "10.0.0.0/8", " 203.0.113.9 "};
  Ruleset ruleset = build_ok(config, typical_host_facts());
  std::vector<std::string> all = specs(ruleset.user_rules);
  EXPECT_EQ(std::count_if(all.begin(), all.end(),
                          [](const std::string& s) { return s.find("-d 100.64.0.0/10 ") == 0; }),
            1);
  EXPECT_EQ(std::count_if(all.begin(), all.end(),
                          [](const std::string& s) { return s.find("-d 10.0.0.0/8 ") == 0; }),
            1);
  index_of(ruleset.user_rules, "-d 203.0.113.9/32 -i docker-external");
  ASSERT_GE(ruleset.container_ranges.size(), 2u);
  EXPECT_EQ(ruleset.container_ranges[0].range.str(), "172.16.0.0/12");
  EXPECT_EQ(ruleset.container_ranges[1].range.str(), "10.200.0.0/16");
  index_of(ruleset.input_rules, "-s 10.200.0.0/16 -d 10.18.18.246/32");
  // Every rule is unique.
  for (const std::vector<Rule>* rules : {&ruleset.input_rules, &ruleset.user_rules}) {
    std::vector<std::string> rendered = specs(*rules);
    std::sort(rendered.begin(), rendered.end());
    EXPECT_EQ(std::adjacent_find(rendered.begin(), rendered.end()), rendered.end());
  }
}

TEST(Ruleset, HostAddressesSortedDedupedAndWithoutLoopback) {
  NetFacts facts = typical_host_facts();
  facts.host_addresses.push_back(host_address("127.0.0.1", "lo"));
  facts.host_addresses.push_back(host_address("10.18.18.246", "eth1"));
  Ruleset ruleset = build_ok(issue_example_config(), facts);
  std::vector<std::string> addresses;
  for (const HostAddress& host : ruleset.host_addresses) addresses.push_back(format_ipv4(host.address));
  EXPECT_EQ(addresses, (std::vector<std::string>{"10.18.18.246", "172.17.0.1", "172.18.0.1", "172.19.0.1",
                                                 "198.51.100.7"}));
}

TEST(Ruleset, InterfaceNamesComeFromTheConfig) {
  config::Config config = config::default_config();
  config.networks.push_back(network_decl("sandbox", "br-sandbox", {"metadata", "host"}));
  NetFacts facts;
  facts.host_addresses = {host_address("192.0.2.5", "eth0")};
  facts.daemon.bridge = "docker1";
  Ruleset ruleset = build_ok(config, facts);
  index_of(ruleset.user_rules, "-d 169.254.169.254/32 -i docker1");
  index_of(ruleset.user_rules, "-d 169.254.169.254/32 -i br-sandbox");
  index_of(ruleset.input_rules, "-d 192.0.2.5/32 -i br-sandbox");
  for (const Rule& rule : ruleset.user_rules) EXPECT_NE(rule.in_interface, "docker0");
}

TEST(Ruleset, DefaultBridgeHostMemberBlocksViaInput) {
  config::Config config = config::default_config();
  config.net_block_host.value = false;
  config.default_block.value = {"metadata", "host"};
  NetFacts facts;
  facts.host_addresses = {host_address("192.0.2.5", "eth0")};
  Ruleset ruleset = build_ok(config, facts);
  index_of(ruleset.input_rules, "-d 192.0.2.5/32 -i docker0");
}

TEST(Ruleset, Ipv6SubnetsAreNotedNotFatal) {
  NetFacts facts = typical_host_facts();
  facts.docker_networks.push_back(
      DockerNetworkFacts{"v6", "bridge", "br-v6", {"fd00:1::/64"}, {"fd00:1::1"}});
  Ruleset ruleset = build_ok(issue_example_config(), facts);
  ASSERT_EQ(ruleset.notes.size(), 2u);
  EXPECT_NE(ruleset.notes[0].find("fd00:1::/64 skipped"), std::string::npos) << ruleset.notes[0];
}

TEST(RulesetErrors, UnknownBlockMemberSuggests) {
  config::Config config = issue_example_config();
  config.networks[1].block = {"hots"};
  Result<Ruleset> ruleset = build_ruleset(config, typical_host_facts());
  ASSERT_FALSE(ruleset.ok());
  EXPECT_EQ(
      ruleset.error().message,
      "network.networks.external.block: unknown member \"hots\" (did you mean \"host\"?); expected host, "
      "metadata or internal");
}

TEST(RulesetErrors, CidrTypoNamesTheKey) {
  config::Config config = issue_example_config();
  config.networks[1].block_cidrs = {"100.64.0.0/33"};
  Result<Ruleset> ruleset = build_ruleset(config, typical_host_facts());
  ASSERT_FALSE(ruleset.ok());
  EXPECT_EQ(
      ruleset.error().message,
      "network.networks.external.block.cidrs: \"100.64.0.0/33\" is not an IPv4 CIDR: prefix must be 0-32");

  config = issue_example_config();
  config.container_ranges.value = {"172.16.0/12"};
  ruleset = build_ruleset(config, typical_host_facts());
  ASSERT_FALSE(ruleset.ok());
  EXPECT_EQ(ruleset.error().message.rfind("network.container.ranges: \"172.16.0/12\"", 0), 0u)
      << ruleset.error().message;
}

TEST(RulesetErrors, BadDefaultBlockMember) {
  config::Config config = config::default_config();
  config.default_block.value = {"metdata"};
  Result<Ruleset> ruleset = build_ruleset(config, typical_host_facts());
  ASSERT_FALSE(ruleset.ok());
  EXPECT_NE(ruleset.error().message.find(
                "network.default.block: unknown member \"metdata\" (did you mean \"metadata\"?)"),
            std::string::npos)
      << ruleset.error().message;
}

TEST(RulesetErrors, BridgeNames) {
  struct Case {
    std::string bridge;
    std::string expected;
  };
  for (const Case& c : std::vector<Case>{{"", "a bridge name is required"},
                                         {"docker-external-long", "longer than 15 characters"},
                                         {"docker+", "wildcard"},
                                         {"dock er", "invalid character"},
                                         {"docker0", "already used"}}) {
    config::Config config = config::default_config();
    config.networks.push_back(network_decl("n1", c.bridge, {"metadata"}));
    Result<Ruleset> ruleset = build_ruleset(config, typical_host_facts());
    ASSERT_FALSE(ruleset.ok()) << c.bridge;
    EXPECT_NE(ruleset.error().message.find(c.expected), std::string::npos) << ruleset.error().message;
    EXPECT_EQ(ruleset.error().message.rfind("network.networks.n1.bridge: ", 0), 0u)
        << ruleset.error().message;
  }
}

TEST(RulesetErrors, ReservedAndDuplicateNetworkNames) {
  config::Config config = config::default_config();
  config.networks.push_back(network_decl("bridge", "br-x", {}));
  EXPECT_FALSE(build_ruleset(config, typical_host_facts()).ok());
  config = config::default_config();
  config.networks.push_back(network_decl("a", "br-a", {}));
  config.networks.push_back(network_decl("a", "br-b", {}));
  Result<Ruleset> ruleset = build_ruleset(config, typical_host_facts());
  ASSERT_FALSE(ruleset.ok());
  EXPECT_EQ(ruleset.error().message, "network.networks.a: declared twice");
}

TEST(Rule, SpecIsIptablesSaveCanonicalForm) {
  Rule rule{"HARDEND-INPUT",
            *Ipv4Cidr::parse("172.16.0.0/12"),
            *Ipv4Cidr::parse("10.0.0.1"),
            "docker0",
            false,
            "hardend: why",
            Target::Drop};
  EXPECT_EQ(rule.append_line(),
            "-A HARDEND-INPUT -s 172.16.0.0/12 -d 10.0.0.1/32 -i docker0 -m comment --comment \"hardend: "
            "why\" -j DROP");
  Rule established{"HARDEND-USER", std::nullopt, std::nullopt, "", true, "nospace", Target::Return};
  EXPECT_EQ(established.spec(),
            "-m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment nospace -j RETURN");
}

}  // namespace
}  // namespace hardend::net
