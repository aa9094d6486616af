// Lab proof of the network hardening (issue 4): rules applied with the code path of `hardend net apply`
// (apply_ruleset through `ip netns exec`) inside an engine-host namespace, and the allow/deny matrix
// asserted with TCP connects from container namespaces. Needs root; touches nothing outside the
// namespaces it creates (see lab_network.h).
#include <gtest/gtest.h>
#include <unistd.h>

#include <map>

#include "common/strings.h"
#include "common/subprocess.h"
#include "config/config.h"
#include "lab_network.h"
#include "net/discover.h"
#include "net/iptables.h"
#include "net/restore_payload.h"
#include "net/ruleset.h"

namespace hardend::lab {
namespace {

constexpr auto kProbeTimeout = std::chrono::milliseconds(400);

config::NetworkDecl declare(std::string name, std::string bridge, std::vector<std::string> block,
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

// The example config, plus one allow exception on "external" to prove allow-before-drop.
config::Config lab_config() {
  config::Config config = config::default_config();
  config.networks.push_back(declare("aws-metadata", "docker-metadata", {"host"}));
  config.networks.push_back(declare("external", "docker-external", {"host", "metadata", "internal"},
                                    {"100.64.0.0/10"}, {"192.168.88.0/24"}));
  return config;
}

// What `hardend net apply` does before applying: discover the host's addresses (here: of the engine
// namespace), take the daemon's networks (here: what Docker would report for the lab bridges).
net::Ruleset lab_ruleset(const std::string& engine) {
  net::NetFacts facts;
  Result<std::vector<net::HostAddress>> addresses = net::discover_host_addresses(engine);
  EXPECT_TRUE(addresses.ok()) << (addresses.ok() ? "" : addresses.error().message);
  if (addresses.ok()) facts.host_addresses = *addresses;
  facts.docker_networks = {{"bridge", "bridge", "docker0", {"172.17.0.0/16"}, {"172.17.0.1"}},
                           {"aws-metadata", "bridge", "docker-metadata", {"172.18.0.0/16"}, {"172.18.0.1"}},
                           {"external", "bridge", "docker-external", {"172.19.0.0/16"}, {"172.19.0.1"}}};
  Result<net::Ruleset> ruleset = net::build_ruleset(lab_config(), facts);
  EXPECT_TRUE(ruleset.ok()) << (ruleset.ok() ? "" : ruleset.error().message);
  return ruleset.ok() ? *ruleset : net::Ruleset{};
}

// iptables-save without its timestamped comment lines.
std::string saved_rules(const net::IptablesOptions& options) {
  Result<std::string> text = net::save_filter_table(options);
  EXPECT_TRUE(text.ok()) << (text.ok() ? "" : text.error().message);
  std::string out;
  if (!text.ok()) return out;
  for (const std::string& line : split(*text, "\n"))
    if (!line.empty() && line.front() != '#') out += line + "\n";
  return out;
}

class NetLab : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0) GTEST_SKIP() << "the network lab needs root (network namespaces, iptables)";
    if (!find_executable("ip") || !find_executable("iptables-restore"))
      GTEST_SKIP() << "the network lab needs iproute2 and iptables";
    remove_stale_namespaces();
    Result<std::unique_ptr<Lab>> built = Lab::build();
    ASSERT_TRUE(built.ok()) << built.error().message;
    lab_ = std::move(*built).release();
    // What dockerd creates on a real host: DOCKER-USER, jumped from FORWARD, ending in RETURN.
    net::IptablesOptions options{.netns = lab_->engine};
    Status docker_chains = net::restore_payload(
        "*filter\n:DOCKER-USER - [0:0]\n-A FORWARD -j DOCKER-USER\n-A DOCKER-USER -j RETURN\nCOMMIT\n",
        options);
    ASSERT_TRUE(docker_chains.ok()) << docker_chains.error().message;
  }
  static void TearDownTestSuite() {
    delete lab_;
    lab_ = nullptr;
  }

  void SetUp() override {
    if (lab_ == nullptr) GTEST_SKIP() << "lab not built";
    options_.netns = lab_->engine;
    ruleset_ = lab_ruleset(lab_->engine);
    Result<net::RemoveOutcome> clean = net::remove_rules(options_);  // each test starts without hardend
    ASSERT_TRUE(clean.ok()) << clean.error().message;
  }

  void apply() {
    Result<net::ApplyOutcome> applied = net::apply_ruleset(ruleset_, options_);
    ASSERT_TRUE(applied.ok()) << applied.error().message;
    EXPECT_TRUE(applied->after.clean()) << applied->after.str();
  }

  net::DriftReport status() {
    Result<net::DriftReport> report = net::ruleset_status(ruleset_, options_);
    EXPECT_TRUE(report.ok()) << (report.ok() ? "" : report.error().message);
    return report.ok() ? *report : net::DriftReport{};
  }

  // label -> connected, for every (container, target) pair plus the inbound connections whose return
  // traffic must survive the rules.
  std::map<std::string, bool> matrix() {
    struct Target {
      const char* name;
      const char* address;
    };
    const Target targets[] = {
        {"host", "10.99.0.1"},         {"uplink-address", "192.0.2.1"},   {"metadata", "169.254.169.254"},
        {"internal-10", "10.77.0.10"}, {"internal-192", "192.168.77.10"}, {"allowed-192", "192.168.88.10"},
        {"cgnat", "100.64.0.10"},      {"external", "198.51.100.10"}};
    const std::pair<const char*, std::string> containers[] = {
        {"bridge", lab_->container0}, {"aws-metadata", lab_->container1}, {"external", lab_->container2}};
    const char* gateways[] = {"172.17.0.1", "172.18.0.1", "172.19.0.1"};
    std::vector<Probe> probes;
    for (size_t c = 0; c < 3; ++c) {
      for (const Target& target : targets)
        probes.push_back({std::string(containers[c].first) + " -> " + target.name, containers[c].second,
                          std::nullopt, target.address, kLabPort});
      probes.push_back({std::string(containers[c].first) + " -> own-gateway", containers[c].second,
                        std::nullopt, gateways[c], kLabPort});
    }
    // Connections INTO the external container: their replies go through INPUT / FORWARD with
    // -i docker-external towards a host address / an internal address.
    probes.push_back(
        {"engine host -> external container", lab_->engine, std::nullopt, "172.19.0.2", kLabPort});
    probes.push_back({"internal host -> external container", lab_->world, std::string("10.77.0.10"),
                      "172.19.0.2", kLabPort});
    std::vector<bool> connected = run_probes(probes, kProbeTimeout);
    std::map<std::string, bool> out;
    for (size_t i = 0; i < probes.size(); ++i) out[probes[i].label] = connected[i];
    return out;
  }

  static std::map<std::string, bool> all_open(const std::map<std::string, bool>& like) {
    std::map<std::string, bool> out = like;
    for (auto& [label, open] : out) open = true;
    return out;
  }

  static std::map<std::string, bool> expected_hardened() {
    std::map<std::string, bool> open;
    auto row = [&](const std::string& network, std::initializer_list<std::pair<const char*, bool>> cells) {
      for (const auto& [target, reachable] : cells) open[network + " -> " + target] = reachable;
    };
    // network.block.host: every container range -> every address of the engine host is dropped.
    row("bridge", {{"host", false},
                   {"uplink-address", false},
                   {"own-gateway", false},
                   {"metadata", false},
                   {"internal-10", true},
                   {"internal-192", true},
                   {"allowed-192", true},
                   {"cgnat", true},
                   {"external", true}});
    row("aws-metadata", {{"host", false},
                         {"uplink-address", false},
                         {"own-gateway", false},
                         {"metadata", true},
                         {"internal-10", true},
                         {"internal-192", true},
                         {"allowed-192", true},
                         {"cgnat", true},
                         {"external", true}});
    row("external", {{"host", false},
                     {"uplink-address", false},
                     {"own-gateway", false},
                     {"metadata", false},
                     {"internal-10", false},
                     {"internal-192", false},
                     {"allowed-192", true},
                     {"cgnat", false},
                     {"external", true}});
    open["engine host -> external container"] = true;
    open["internal host -> external container"] = true;
    return open;
  }

  static Lab* lab_;
  net::IptablesOptions options_;
  net::Ruleset ruleset_;
};

Lab* NetLab::lab_ = nullptr;

TEST_F(NetLab, MatrixIsOpenWithoutRulesThenHardenedThenOpenAfterRemove) {
  std::map<std::string, bool> before = matrix();
  EXPECT_EQ(before, all_open(before)) << "the lab itself must not block anything";

  apply();
  EXPECT_TRUE(status().clean()) << status().str();
  EXPECT_EQ(matrix(), expected_hardened());

  Result<net::RemoveOutcome> removed = net::remove_rules(options_);
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  EXPECT_TRUE(removed->changed());
  std::string after_remove = saved_rules(options_);
  EXPECT_EQ(after_remove.find("HARDEND"), std::string::npos) << after_remove;
  EXPECT_NE(after_remove.find("-A DOCKER-USER -j RETURN"), std::string::npos) << "Docker's chain must stay";
  std::map<std::string, bool> after = matrix();
  EXPECT_EQ(after, all_open(after));

  Result<net::RemoveOutcome> again = net::remove_rules(options_);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_FALSE(again->changed());
}

TEST_F(NetLab, ApplyingTwiceChangesNothing) {
  apply();
  std::string first = saved_rules(options_);
  Result<net::ApplyOutcome> second = net::apply_ruleset(ruleset_, options_);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_FALSE(second->changed()) << second->payload;
  EXPECT_EQ(saved_rules(options_), first);

  // Even forcing the full payload through iptables-restore again leaves the table byte-identical:
  // the chains are re-declared (emptied) and the jumps are not added a second time.
  Result<net::SavedTable> live = net::read_live_table(options_);
  ASSERT_TRUE(live.ok()) << live.error().message;
  Status forced = net::restore_payload(net::render_apply_payload(ruleset_, *live), options_);
  ASSERT_TRUE(forced.ok()) << forced.error().message;
  EXPECT_EQ(saved_rules(options_), first);
  EXPECT_NE(first.find("-A INPUT -j HARDEND-INPUT"), std::string::npos) << first;
  EXPECT_NE(first.find("-A DOCKER-USER -j HARDEND-USER\n-A DOCKER-USER -j RETURN"), std::string::npos)
      << first;
}

TEST_F(NetLab, StatusDetectsDriftAndApplyRepairsIt) {
  apply();
  std::string applied = saved_rules(options_);
  const std::string engine = lab_->engine;
  auto iptables = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {"ip", "netns", "exec", engine, "iptables"};
    argv.insert(argv.end(), args.begin(), args.end());
    Result<SubprocessResult> run = run_subprocess(argv);
    ASSERT_TRUE(run.ok() && run->success())
        << format_command(argv) << ": " << (run.ok() ? run->stderr_data : "");
  };

  // A deleted rule: the external network's metadata drop. The container reaches metadata again.
  iptables({"-D", "HARDEND-USER", "-d", "169.254.169.254/32", "-i", "docker-external", "-m", "comment",
            "--comment", "hardend: network external blocks metadata", "-j", "DROP"});
  net::DriftReport drift = status();
  ASSERT_EQ(drift.items.size(), 1u) << drift.str();
  EXPECT_EQ(drift.items[0].kind, net::DriftKind::MissingRule);
  EXPECT_NE(drift.items[0].detail.find("-d 169.254.169.254/32 -i docker-external"), std::string::npos);
  EXPECT_TRUE(matrix()["external -> metadata"]);
  apply();
  EXPECT_TRUE(status().clean());
  EXPECT_FALSE(matrix()["external -> metadata"]);
  EXPECT_EQ(saved_rules(options_), applied);

  // A deleted jump: nothing of HARDEND-INPUT applies any more.
  iptables({"-D", "INPUT", "-j", "HARDEND-INPUT"});
  drift = status();
  ASSERT_EQ(drift.items.size(), 1u) << drift.str();
  EXPECT_EQ(drift.items[0].kind, net::DriftKind::MissingJump);
  EXPECT_TRUE(matrix()["external -> host"]);
  apply();
  EXPECT_TRUE(status().clean());
  EXPECT_FALSE(matrix()["external -> host"]);

  // A duplicated jump and a rule someone added by hand to hardend's chain.
  iptables({"-I", "DOCKER-USER", "-j", "HARDEND-USER"});
  iptables({"-A", "HARDEND-INPUT", "-s", "172.16.0.0/12", "-d", "10.1.1.1/32", "-j", "DROP"});
  drift = status();
  ASSERT_EQ(drift.items.size(), 2u) << drift.str();
  EXPECT_EQ(drift.items[0].kind, net::DriftKind::ExtraRule);
  EXPECT_EQ(drift.items[1].kind, net::DriftKind::DuplicateJump);
  apply();
  EXPECT_TRUE(status().clean());
  EXPECT_EQ(saved_rules(options_), applied);
}

TEST_F(NetLab, FailedApplyLeavesThePreviousStateIntact) {
  apply();
  std::string before = saved_rules(options_);

  // A rule iptables rejects, in the middle of the payload: an interface name longer than IFNAMSIZ.
  net::Ruleset broken = ruleset_;
  net::Rule bad = broken.user_rules.back();
  bad.in_interface = "docker-external-too-long";
  bad.comment = "hardend: test rule rejected by iptables";
  broken.user_rules.insert(broken.user_rules.begin() + 2, bad);
  broken.user_rules.push_back(broken.user_rules[1]);
  broken.user_rules.back().in_interface = "br-new";
  Result<net::ApplyOutcome> failed = net::apply_ruleset(broken, options_);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().message.find("iptables-restore failed at payload line "), std::string::npos)
      << failed.error().message;
  EXPECT_NE(failed.error().message.find("docker-external-too-long"), std::string::npos)
      << failed.error().message;
  EXPECT_NE(failed.error().message.find("nothing was changed"), std::string::npos) << failed.error().message;
  EXPECT_EQ(saved_rules(options_), before);
  EXPECT_EQ(matrix(), expected_hardened());

  // The same from an empty state: nothing of hardend appears.
  ASSERT_TRUE(net::remove_rules(options_).ok());
  std::string empty = saved_rules(options_);
  ASSERT_FALSE(net::apply_ruleset(broken, options_).ok());
  EXPECT_EQ(saved_rules(options_), empty);
}

TEST_F(NetLab, EstablishedRuleIsWhatKeepsReturnTrafficWorking) {
  // Without the RELATED,ESTABLISHED RETURN, the replies of connections INTO the external container
  // (to the engine host's gateway address, to an internal address) hit the drops.
  net::Ruleset without = ruleset_;
  std::erase_if(without.input_rules, [](const net::Rule& rule) { return rule.established; });
  std::erase_if(without.user_rules, [](const net::Rule& rule) { return rule.established; });
  Result<net::ApplyOutcome> applied = net::apply_ruleset(without, options_);
  ASSERT_TRUE(applied.ok()) << applied.error().message;
  std::map<std::string, bool> broken = matrix();
  EXPECT_FALSE(broken["engine host -> external container"]);
  EXPECT_FALSE(broken["internal host -> external container"]);

  apply();
  std::map<std::string, bool> fixed = matrix();
  EXPECT_TRUE(fixed["engine host -> external container"]);
  EXPECT_TRUE(fixed["internal host -> external container"]);
}

TEST_F(NetLab, HostWithoutDockerGetsDockerUserCreatedLikeDockerDoes) {
  Result<Namespace> bare = Namespace::create("hdl" + std::to_string(::getpid()) + "-bare");
  ASSERT_TRUE(bare.ok()) << bare.error().message;
  net::IptablesOptions options{.netns = bare->name()};
  Result<net::ApplyOutcome> applied = net::apply_ruleset(ruleset_, options);
  ASSERT_TRUE(applied.ok()) << applied.error().message;
  EXPECT_TRUE(applied->after.clean()) << applied->after.str();
  std::string saved = saved_rules(options);
  EXPECT_NE(saved.find("-A FORWARD -j DOCKER-USER\n"), std::string::npos) << saved;
  EXPECT_NE(saved.find("-A DOCKER-USER -j HARDEND-USER\n-A DOCKER-USER -j RETURN\n"), std::string::npos)
      << saved;
  Result<net::ApplyOutcome> again = net::apply_ruleset(ruleset_, options);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->changed());
}

TEST_F(NetLab, ErrorsForAMissingNamespaceAreClear) {
  net::IptablesOptions options{.netns = "hdl" + std::to_string(::getpid()) + "-missing"};
  Result<net::ApplyOutcome> applied = net::apply_ruleset(ruleset_, options);
  ASSERT_FALSE(applied.ok());
  EXPECT_NE(applied.error().message.find("hdl"), std::string::npos) << applied.error().message;
}

}  // namespace
}  // namespace hardend::lab
