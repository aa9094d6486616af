#include "net/plan.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "net/iptables.h"
#include "net/restore_payload.h"
#include "net_test_support.h"

namespace hardend::net {
namespace {

using testing::issue_example_config;
using testing::typical_host_facts;

Ruleset issue_ruleset() {
  return *build_ruleset(issue_example_config(), typical_host_facts());
}

TEST(Plan, TextNamesOriginsAndEndsWithThePayload) {
  Ruleset ruleset = issue_ruleset();
  std::string payload = render_apply_payload(ruleset, assumed_docker_table());
  std::string text = describe_plan(ruleset, payload);
  EXPECT_NE(text.find("  172.16.0.0/12  from network.container.ranges\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  172.18.0.0/16  from docker network aws-metadata  (covered by 172.16.0.0/12)\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  10.18.18.246  on eth1\n"), std::string::npos) << text;
  EXPECT_NE(
      text.find(
          "  external  bridge docker-external  block host, metadata, internal  block.cidrs 100.64.0.0/10\n"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("  bridge  bridge docker0  block metadata  (Docker's default bridge)\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.substr(text.size() - payload.size()), payload);
}

TEST(Plan, Json) {
  Ruleset ruleset = issue_ruleset();
  nlohmann::json json = plan_to_json(ruleset, "P");
  EXPECT_EQ(json["payload"], "P");
  EXPECT_EQ(json["container_ranges"][0]["range"], "172.16.0.0/12");
  EXPECT_TRUE(json["container_ranges"][0]["covered_by"].is_null());
  EXPECT_EQ(json["networks"][2]["block"], (std::vector<std::string>{"host", "metadata", "internal"}));
  EXPECT_EQ(json["rules"]["HARDEND-USER"].size(), ruleset.user_rules.size());
  EXPECT_EQ(json["rules"]["HARDEND-INPUT"][0], ruleset.input_rules[0].append_line());
}

TEST(Networks, CreateBodyAndProblems) {
  Ruleset ruleset = issue_ruleset();
  const NetworkPolicy& external = ruleset.networks[2];
  nlohmann::json body = network_create_body(external);
  EXPECT_EQ(body["Name"], "external");
  EXPECT_EQ(body["Driver"], "bridge");
  EXPECT_EQ(body["Options"]["com.docker.network.bridge.name"], "docker-external");

  EXPECT_EQ(network_problems(external, nullptr), std::vector<std::string>{"network external does not exist"});
  DockerNetworkFacts good{"external", "bridge", "docker-external", {"172.19.0.0/16"}, {"172.19.0.1"}};
  EXPECT_TRUE(network_problems(external, &good).empty());
  DockerNetworkFacts wrong{"external", "bridge", "br-0123456789ab", {}, {}};
  std::vector<std::string> problems = network_problems(external, &wrong);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("uses bridge br-0123456789ab, expected docker-external"), std::string::npos);
}

// Without the iptables binaries the error says what to install (PATH is restored afterwards).
TEST(IptablesErrors, MissingBinaryIsExplained) {
  std::string saved_path = std::getenv("PATH") != nullptr ? std::getenv("PATH") : "";
  ::setenv("PATH", "/nonexistent-hardend-test", 1);
  Result<SavedTable> live = read_live_table(IptablesOptions{});
  Status restored = restore_payload("*filter\nCOMMIT\n", IptablesOptions{});
  ::setenv("PATH", saved_path.c_str(), 1);
  ASSERT_FALSE(live.ok());
  EXPECT_EQ(live.error().message, "iptables-save not found: install the iptables package");
  ASSERT_FALSE(restored.ok());
  EXPECT_EQ(restored.error().message, "iptables-restore not found: install the iptables package");
}

}  // namespace
}  // namespace hardend::net

namespace hardend::net {
namespace {

// The issue's example, through the real config parser: the same payload as the hand-built config.
TEST(RulesetFromParsedConfig, IssueExampleMatchesGolden) {
  const char* text = R"({
    "network.block.host": true,
    "network.container.ranges": "172.16.0.0/12",
    "network.default.block": ["metadata"],
    "network.networks": {
      "aws-metadata": {"bridge": "docker-metadata", "block": ["host"]},
      "external":     {"bridge": "docker-external", "block": ["host", "metadata", "internal"],
                       "block.cidrs": ["100.64.0.0/10"], "allow.cidrs": []}
    }
  })";
  config::ParseOutcome parsed = config::parse_config(text, "d1.conf");
  ASSERT_TRUE(parsed.ok()) << (parsed.diagnostics.empty() ? "" : parsed.diagnostics[0].str());
  Result<Ruleset> ruleset = build_ruleset(*parsed.config, testing::typical_host_facts());
  ASSERT_TRUE(ruleset.ok()) << ruleset.error().message;
  EXPECT_EQ(render_apply_payload(*ruleset, assumed_docker_table()),
            testing::read_data("issue_example.rules"));
  EXPECT_EQ(ruleset->container_ranges[0].origins, std::vector<std::string>{"network.container.ranges"});
}

}  // namespace
}  // namespace hardend::net
