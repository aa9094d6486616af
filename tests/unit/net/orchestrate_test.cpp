// The pure parts of `hardend net`: the daemon's networks against the declared ones, the create body, and the
// plan/apply/status reports.
#include <gtest/gtest.h>

#include "common/strings.h"
#include "net/orchestrate.h"
#include "net/restore_payload.h"
#include "net_test_support.h"

namespace hardend::net {
namespace {

using testing::issue_example_config;
using testing::typical_host_facts;

Ruleset issue_ruleset() {
  Result<Ruleset> ruleset = build_ruleset(issue_example_config(), typical_host_facts());
  EXPECT_TRUE(ruleset.ok()) << ruleset.error().message;
  return ruleset.ok() ? *ruleset : Ruleset{};
}

// GET /networks as dockerd 20.10 answers it (trimmed to the fields that matter).
nlohmann::json daemon_networks() {
  return nlohmann::json::parse(R"([
    {"Name": "bridge", "Id": "1f4f3a02e085aaaa", "Driver": "bridge",
     "Options": {"com.docker.network.bridge.name": "docker0"},
     "IPAM": {"Config": [{"Subnet": "172.17.0.0/16", "Gateway": "172.17.0.1"}]}, "Labels": {}},
    {"Name": "host", "Id": "a0c70028181b", "Driver": "host", "Options": {}, "IPAM": {"Config": []}},
    {"Name": "external", "Id": "0123456789abcdef", "Driver": "bridge",
     "Options": {"com.docker.network.bridge.name": "docker-external"},
     "IPAM": {"Config": [{"Subnet": "172.19.0.0/16", "Gateway": "172.19.0.1"}]},
     "Labels": {"io.hardend.managed": "1", "io.hardend.network": "external"},
     "Containers": {"c0ffee": {"Name": "script-1"}}},
    {"Name": "aws-metadata", "Id": "fedcba9876543210", "Driver": "bridge", "Options": {},
     "IPAM": {"Config": [{"Subnet": "172.18.0.0/16", "Gateway": "172.18.0.1"}]}, "Labels": {}}
  ])");
}

TEST(LiveNetworks, LabelsContainersAndBridgesFromTheDaemonsAnswer) {
  Result<std::vector<LiveNetwork>> live = live_networks_from_json(daemon_networks());
  ASSERT_TRUE(live.ok()) << live.error().message;
  ASSERT_EQ(live->size(), 3u);  // host is skipped
  EXPECT_EQ((*live)[0].facts.bridge, "docker0");
  EXPECT_FALSE((*live)[0].managed);
  EXPECT_TRUE((*live)[1].managed);
  EXPECT_EQ((*live)[1].containers, std::vector<std::string>{"script-1"});
  // Created without the bridge-name option: Docker's br-<id> bridge.
  EXPECT_EQ((*live)[2].facts.bridge, "br-fedcba987654");
  EXPECT_FALSE(live_networks_from_json(nlohmann::json::object()).ok());
}

TEST(CheckNetworks, OkMissingAndWrongBridge) {
  Ruleset ruleset = issue_ruleset();
  std::vector<LiveNetwork> live = *live_networks_from_json(daemon_networks());
  std::vector<NetworkCheck> checks = check_networks(ruleset, live);
  ASSERT_EQ(checks.size(), 2u);  // the default bridge is not a network hardend creates
  EXPECT_EQ(checks[0].name, "aws-metadata");
  EXPECT_EQ(checks[0].state, NetworkState::Conflict);
  std::string problems = join(checks[0].problems, "\n");
  EXPECT_NE(problems.find("uses bridge br-fedcba987654, expected docker-metadata"), std::string::npos) << problems;
  EXPECT_NE(problems.find("docker network rm aws-metadata"), std::string::npos) << problems;
  EXPECT_EQ(checks[1].name, "external");
  EXPECT_EQ(checks[1].state, NetworkState::Ok);
  EXPECT_TRUE(checks[1].managed);

  live.erase(live.begin() + 2);  // aws-metadata gone: apply creates it
  checks = check_networks(ruleset, live);
  EXPECT_EQ(checks[0].state, NetworkState::Missing);
  EXPECT_EQ(network_state_name(checks[0].state), "missing");
}

TEST(CheckNetworks, BridgeTakenByAnotherNetworkIsAConflict) {
  Ruleset ruleset = issue_ruleset();
  std::vector<LiveNetwork> live = *live_networks_from_json(daemon_networks());
  live[2].facts.name = "someone-elses";
  live[2].facts.bridge = "docker-metadata";
  std::vector<NetworkCheck> checks = check_networks(ruleset, live);
  EXPECT_EQ(checks[0].state, NetworkState::Conflict);
  EXPECT_NE(join(checks[0].problems, "\n").find("bridge docker-metadata is already used by Docker network "
                                                "someone-elses"),
            std::string::npos);
}

TEST(CheckNetworks, UnknownWithoutDaemon) {
  std::vector<NetworkCheck> checks = unknown_networks(issue_ruleset());
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_EQ(checks[1].state, NetworkState::Unknown);
  EXPECT_EQ(checks[1].bridge, "docker-external");
}

TEST(CreateBody, ManagedLabelBridgeNameAndExtraLabels) {
  Ruleset ruleset = issue_ruleset();
  nlohmann::json body = managed_network_create_body(ruleset.networks[2], {{"io.hardend.test", "1"}});
  EXPECT_EQ(body["Name"], "external");
  EXPECT_EQ(body["Driver"], "bridge");
  EXPECT_EQ(body["Options"]["com.docker.network.bridge.name"], "docker-external");
  EXPECT_EQ(body["Labels"]["io.hardend.managed"], "1");
  EXPECT_EQ(body["Labels"]["io.hardend.network"], "external");
  EXPECT_EQ(body["Labels"]["io.hardend.test"], "1");
  // An extra label cannot forge the managed label away.
  body = managed_network_create_body(ruleset.networks[2], {{"io.hardend.managed", "0"}});
  EXPECT_EQ(body["Labels"]["io.hardend.managed"], "1");
}

TEST(Reports, PlanJsonHasNetworksPayloadAndTableSource) {
  PlanReport report;
  report.view.ruleset = issue_ruleset();
  report.view.networks = unknown_networks(report.view.ruleset);
  report.view.warnings = {"daemon not asked"};
  report.payload = render_apply_payload(report.view.ruleset, assumed_docker_table());
  report.table_note = "no root";
  nlohmann::json json = plan_report_to_json(report);
  EXPECT_EQ(json["payload"], report.payload);
  EXPECT_EQ(json["docker_networks"][0]["name"], "aws-metadata");
  EXPECT_EQ(json["docker_networks"][0]["state"], "unknown");
  EXPECT_EQ(json["live_table"], false);
  EXPECT_TRUE(json["live_rules"].is_null());
  EXPECT_EQ(json["warnings"][0], "daemon not asked");
  EXPECT_EQ(json["container_ranges"][0]["origins"][0], "network.container.ranges");

  std::string text = describe_plan_report(report);
  EXPECT_NE(text.find("Live rules: not read: no root"), std::string::npos) << text;
  EXPECT_NE(text.find("-I INPUT -j HARDEND-INPUT"), std::string::npos) << text;
  EXPECT_NE(text.find("external  bridge docker-external  unknown"), std::string::npos) << text;
}

TEST(Reports, StatusIsCleanOnlyWithEveryNetworkAndRule) {
  StatusReport report;
  report.networks = {{"external", "docker-external", NetworkState::Ok, {}, true}};
  EXPECT_TRUE(report.clean());
  EXPECT_EQ(status_report_to_json(report)["clean"], true);
  EXPECT_NE(describe_status_report(report).find("status: clean"), std::string::npos);

  report.networks[0].state = NetworkState::Missing;
  report.networks[0].problems = {"network external does not exist"};
  EXPECT_FALSE(report.clean());
  nlohmann::json json = status_report_to_json(report);
  EXPECT_EQ(json["clean"], false);
  EXPECT_EQ(json["networks"][0]["state"], "missing");
  EXPECT_NE(describe_status_report(report).find("external  bridge docker-external  MISSING"), std::string::npos);

  report.networks[0].state = NetworkState::Ok;
  report.rules.items.push_back({DriftKind::MissingJump, "INPUT", "-j HARDEND-INPUT"});
  EXPECT_FALSE(report.clean());
  EXPECT_EQ(status_report_to_json(report)["rules"]["drift"][0]["kind"], "missing-jump");
  EXPECT_NE(describe_status_report(report).find("`hardend net apply` repairs it"), std::string::npos);
}

TEST(Reports, ApplySaysWhatChanged) {
  ApplyReport report;
  EXPECT_FALSE(report.changed());
  EXPECT_NE(describe_apply_report(report).find("nothing changed"), std::string::npos);
  report.created_networks = {"external"};
  report.rules.payload = "*filter\nCOMMIT\n";
  report.rules.before.items.push_back({DriftKind::MissingChain, "HARDEND-USER", "chain HARDEND-USER does not exist"});
  EXPECT_TRUE(report.changed());
  std::string text = describe_apply_report(report);
  EXPECT_NE(text.find("created Docker network external"), std::string::npos) << text;
  EXPECT_NE(text.find("chain HARDEND-USER does not exist"), std::string::npos) << text;
  nlohmann::json json = apply_report_to_json(report);
  EXPECT_EQ(json["created_networks"][0], "external");
  EXPECT_EQ(json["rules_changed"], true);
  EXPECT_EQ(json["after"]["clean"], true);
}

}  // namespace
}  // namespace hardend::net
