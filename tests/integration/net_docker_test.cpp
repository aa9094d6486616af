// Issue 4, requirements 4-6 on the real daemon and THIS host's iptables (root namespace), through the CLI:
// `hardend net apply` creates the networks with the configured bridge names, a container that `hardend run`
// puts on the restricted network cannot reach this machine's own primary address while one on an
// unrestricted network can, status sees drift, apply repairs it, remove leaves nothing behind.
//
// Safety (DESIGN.md section 6): the only destination is this machine's own address. The test config blocks
// nothing on the default bridge and sets network.block.host=false, so every rule matches `-i <test bridge>`
// and affects only this test's containers. hardend's chains are removed at the end, also on failure; the
// test refuses to run when hardend's chains already exist (they would be someone's real rules).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/strings.h"
#include "common/subprocess.h"
#include "docker/client.h"
#include "net/iptables_save.h"

namespace hardend {
namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kBaseImage = "hardend/python:3.11";

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
  double seconds = 0;
  std::string str() const { return "exit " + std::to_string(exit_code) + "\nstdout:\n" + out + "\nstderr:\n" + err; }
};

std::string filter_table() {
  auto run = run_subprocess({"iptables-save", "-t", "filter"});
  return run.ok() && run->success() ? run->stdout_data : std::string("iptables-save failed");
}

// The lines of hardend's chains and of every rule that jumps into them, in iptables-save order.
std::string hardend_lines(const std::string& table) {
  std::string out;
  for (const std::string& line : split(table, "\n"))
    if (line.find("HARDEND-") != std::string::npos) out += line + "\n";
  return out;
}

// This machine's primary IPv4 address: the first non-loopback one that is not on a Docker or test bridge.
std::optional<std::string> primary_address() {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return std::nullopt;
  std::optional<std::string> found;
  for (ifaddrs* entry = list; entry != nullptr && !found; entry = entry->ifa_next) {
    if (entry->ifa_addr == nullptr || entry->ifa_addr->sa_family != AF_INET) continue;
    if ((entry->ifa_flags & IFF_LOOPBACK) != 0) continue;
    std::string name = entry->ifa_name;
    if (name.starts_with("docker") || name.starts_with("br-") || name.starts_with("veth") || name.starts_with("hdt"))
      continue;
    char text[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(entry->ifa_addr)->sin_addr, text, sizeof text);
    found = text;
  }
  ::freeifaddrs(list);
  return found;
}

// A TCP listener on every address of this host, random port. The kernel completes the handshake from the
// backlog, so nothing needs to accept.
class Listener {
 public:
  Listener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_ANY);
    socklen_t length = sizeof address;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(fd_, 16) != 0 || ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0)
      return;
    port_ = ntohs(address.sin_port);
  }
  ~Listener() {
    if (fd_ >= 0) ::close(fd_);
  }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

class NetDockerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto endpoint = docker::Endpoint::from_environment();
    ASSERT_TRUE(endpoint.ok()) << endpoint.error().message;
    client_.emplace(*endpoint);
    if (auto info = client_->info(); !info.ok()) {
      if (std::getenv("CI") == nullptr) GTEST_SKIP() << "no Docker daemon (" << info.error().message << ")";
      FAIL() << "CI needs the Docker daemon: " << info.error().message;
    }
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (iptables)";
    if (!hardend_lines(filter_table()).empty())
      GTEST_SKIP() << "hardend's chains already exist on this host; not touching someone's real rules";
    ASSERT_TRUE(client_->inspect_image(kBaseImage).ok()) << kBaseImage << " missing: run scripts/setup.sh";

    std::string pid = std::to_string(::getpid());
    std::string short_id = std::to_string(::getpid() % 10000);
    ext_network_ = "hardend-test-ext-" + pid;
    ext_bridge_ = "hdt-ext-" + short_id;
    open_network_ = "hardend-test-open-" + pid;
    open_bridge_ = "hdt-opn-" + short_id;
    ext_image_ = "hardend-test/ext-" + pid;
    open_image_ = "hardend-test/open-" + pid;
    run_label_ = "io.hardend.test.net=" + pid;
    armed_ = true;  // from here on TearDown cleans up, whatever happens
    ASSERT_TRUE(client_->tag_image(kBaseImage, ext_image_, "1").ok());
    ASSERT_TRUE(client_->tag_image(kBaseImage, open_image_, "1").ok());

    directory_ = std::filesystem::temp_directory_path() / ("hardend-net-test-" + pid);
    std::filesystem::create_directories(directory_);
    config_path_ = (directory_ / "d1.conf").string();
    std::string labels = "##-l io.hardend.test=1##-l " + run_label_;
    nlohmann::json config = {
        {"network.block.host", false},
        {"network.default.block", nlohmann::json::array()},
        {"network.networks",
         {{ext_network_, {{"bridge", ext_bridge_}, {"block", {"host", "metadata", "internal"}}}},
          {open_network_, {{"bridge", open_bridge_}, {"block", nlohmann::json::array()}}}}},
        {"python.pass.extra.keys." + ext_image_, "--network=" + ext_network_ + labels},
        {"python.pass.extra.keys." + open_image_, "--network=" + open_network_ + labels}};
    std::ofstream(config_path_) << config.dump(2) << "\n";
  }

  void TearDown() override {
    if (!armed_) return;
    CliResult removed = cli({"net", "remove", "--networks"});
    EXPECT_EQ(removed.exit_code, 0) << removed.str();
    if (auto left = client_->list_containers({run_label_}, /*all=*/true); left.ok()) {
      for (const auto& container : *left) (void)client_->remove_container(container.value("Id", ""), true);
      EXPECT_TRUE(left->empty()) << "containers left behind: " << left->dump();
    }
    for (const std::string& network : {ext_network_, open_network_}) (void)client_->remove_network(network);
    (void)client_->remove_image(ext_image_ + ":1");
    (void)client_->remove_image(open_image_ + ":1");
    std::filesystem::remove_all(directory_);
    // Nothing of hardend may remain: no chains, no jumps from INPUT or DOCKER-USER.
    EXPECT_EQ(hardend_lines(filter_table()), "");
    EXPECT_FALSE(client_->inspect_network(ext_network_).ok());
    EXPECT_FALSE(client_->inspect_network(open_network_).ok());
  }

  CliResult cli(std::vector<std::string> args, std::vector<std::string> env_prefix = {}) {
    std::vector<std::string> argv = env_prefix;
    argv.push_back(HARDEND_BINARY);
    argv.push_back("--config");
    argv.push_back(config_path_);
    argv.insert(argv.end(), args.begin(), args.end());
    SubprocessOptions options;
    options.timeout = std::chrono::seconds(120);
    Clock::time_point start = Clock::now();
    auto run = run_subprocess(argv, options);
    CliResult result;
    result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (!run.ok()) {
      result.err = run.error().message;
      return result;
    }
    result.exit_code = run->timed_out || run->term_signal != 0 ? -1 : run->exit_code;
    result.out = run->stdout_data;
    result.err = run->stderr_data;
    return result;
  }

  struct Attempt {
    CliResult run;
    nlohmann::json networks;  // NetworkSettings.Networks of the container, inspected while it ran
  };

  // `hardend run IMAGE -- python3 -c ...`: connects to address:port (3 s timeout), prints "connected" or
  // "blocked", and stays up for a moment so that the container can be inspected while it runs.
  Attempt connect_from(const std::string& image, const std::string& address, int port) {
    std::string script = "import socket, time\n"
                         "try:\n"
                         "    socket.create_connection(('" + address + "', " + std::to_string(port) +
                         "), timeout=3).close()\n"
                         "    print('connected', flush=True)\n"
                         "except OSError as error:\n"
                         "    print('blocked', repr(error), flush=True)\n"
                         "time.sleep(2)\n";
    auto running = std::async(std::launch::async,
                              [this, image, script] { return cli({"run", image + ":1", "--", "python3", "-c", script}); });
    Attempt attempt;
    for (Clock::time_point deadline = Clock::now() + std::chrono::seconds(30);
         attempt.networks.is_null() && Clock::now() < deadline;
         std::this_thread::sleep_for(std::chrono::milliseconds(200))) {
      auto listed = client_->list_containers({run_label_}, /*all=*/false);
      if (!listed.ok() || listed->empty()) continue;
      auto inspected = client_->inspect_container((*listed)[0].value("Id", ""));
      if (inspected.ok() && (*inspected)["State"].value("Running", false))
        attempt.networks = (*inspected)["NetworkSettings"]["Networks"];
    }
    attempt.run = running.get();
    return attempt;
  }

  nlohmann::json inspect_network(const std::string& name) {
    auto inspected = client_->inspect_network(name);
    EXPECT_TRUE(inspected.ok()) << inspected.error().message;
    return inspected.ok() ? *inspected : nlohmann::json::object();
  }

  std::optional<docker::Client> client_;
  bool armed_ = false;
  std::string ext_network_, ext_bridge_, open_network_, open_bridge_, ext_image_, open_image_, run_label_;
  std::filesystem::path directory_;
  std::string config_path_;
};

TEST_F(NetDockerTest, ApplyBlocksTheHostFromTheRestrictedNetworkOnlyAndRepairsDrift) {
  std::optional<std::string> host = primary_address();
  ASSERT_TRUE(host.has_value()) << "no non-loopback IPv4 address outside Docker's bridges";
  Listener listener;
  ASSERT_GT(listener.port(), 0);

  // plan changes nothing and shows what apply will do.
  CliResult plan = cli({"net", "plan", "--json"});
  ASSERT_EQ(plan.exit_code, 0) << plan.str();
  nlohmann::json plan_json = nlohmann::json::parse(plan.out);
  EXPECT_NE(plan_json["payload"].get<std::string>().find("-d " + *host + "/32 -i " + ext_bridge_), std::string::npos)
      << plan_json["payload"];
  EXPECT_EQ(plan_json["docker_networks"][0]["state"], "missing");
  EXPECT_EQ(hardend_lines(filter_table()), "");
  EXPECT_FALSE(client_->inspect_network(ext_network_).ok());

  // apply: networks with the configured bridges and hardend's labels, then the rules.
  CliResult first = cli({"net", "apply", "--label", "io.hardend.test=1"});
  ASSERT_EQ(first.exit_code, 0) << first.str();
  EXPECT_NE(first.out.find("created Docker network " + ext_network_), std::string::npos) << first.out;
  nlohmann::json ext = inspect_network(ext_network_);
  EXPECT_EQ(ext["Options"].value("com.docker.network.bridge.name", ""), ext_bridge_);
  EXPECT_EQ(ext["Labels"].value("io.hardend.managed", ""), "1");
  EXPECT_EQ(ext["Labels"].value("io.hardend.test", ""), "1");
  EXPECT_EQ(inspect_network(open_network_)["Options"].value("com.docker.network.bridge.name", ""), open_bridge_);
  std::string after_first = hardend_lines(filter_table());
  EXPECT_NE(after_first.find("-A INPUT -j HARDEND-INPUT"), std::string::npos) << after_first;
  EXPECT_NE(after_first.find("-A DOCKER-USER -j HARDEND-USER"), std::string::npos) << after_first;
  EXPECT_NE(after_first.find("-d " + *host + "/32 -i " + ext_bridge_), std::string::npos) << after_first;
  EXPECT_EQ(after_first.find("-i " + open_bridge_), std::string::npos) << "the open network blocks nothing";

  // Idempotent: the second apply changes nothing, the live rules stay byte-identical.
  CliResult second = cli({"net", "apply", "--label", "io.hardend.test=1"});
  ASSERT_EQ(second.exit_code, 0) << second.str();
  EXPECT_NE(second.out.find("nothing changed"), std::string::npos) << second.out;
  EXPECT_EQ(hardend_lines(filter_table()), after_first);
  CliResult clean = cli({"net", "status"});
  EXPECT_EQ(clean.exit_code, 0) << clean.str();
  std::cout << "[ measured ] net apply: first (2 networks + rules) " << first.seconds << " s, second (no-op) "
            << second.seconds << " s; net status " << clean.seconds << " s\n";

  // A container that `hardend run` puts on the restricted network cannot reach this host; the open one can.
  Attempt restricted = connect_from(ext_image_, *host, listener.port());
  EXPECT_EQ(restricted.run.exit_code, 0) << restricted.run.str();
  EXPECT_TRUE(restricted.networks.contains(ext_network_)) << restricted.networks.dump();
  EXPECT_EQ(restricted.networks.size(), 1u) << restricted.networks.dump();
  EXPECT_NE(restricted.run.out.find("blocked"), std::string::npos) << restricted.run.str();
  Attempt open = connect_from(open_image_, *host, listener.port());
  EXPECT_EQ(open.run.exit_code, 0) << open.run.str();
  EXPECT_TRUE(open.networks.contains(open_network_)) << open.networks.dump();
  EXPECT_NE(open.run.out.find("connected"), std::string::npos) << open.run.str();

  // Drift: a deleted rule, a deleted jump and a missing network are each reported...
  std::string rule_line;
  for (const std::string& line : split(after_first, "\n"))
    if (rule_line.empty() && line.starts_with("-A HARDEND-INPUT") && line.find(ext_bridge_) != std::string::npos)
      rule_line = line;
  auto tokens = net::tokenize_rule_line(rule_line);
  ASSERT_TRUE(tokens.ok() && tokens->size() > 2) << rule_line;
  (*tokens)[0] = "-D";
  tokens->insert(tokens->begin(), {"iptables", "-w", "10"});
  auto deleted_rule = run_subprocess(*tokens);
  ASSERT_TRUE(deleted_rule.ok() && deleted_rule->success()) << rule_line;
  auto deleted_jump = run_subprocess({"iptables", "-w", "10", "-D", "DOCKER-USER", "-j", "HARDEND-USER"});
  ASSERT_TRUE(deleted_jump.ok() && deleted_jump->success());
  ASSERT_TRUE(client_->remove_network(ext_network_).ok());
  CliResult drift = cli({"net", "status", "--json"});
  EXPECT_EQ(drift.exit_code, 1) << drift.str();
  std::string drift_json = drift.out;
  EXPECT_NE(drift_json.find("\"missing\""), std::string::npos) << drift_json;
  EXPECT_NE(drift_json.find("missing-rule"), std::string::npos) << drift_json;
  EXPECT_NE(drift_json.find("missing-jump"), std::string::npos) << drift_json;

  // ... and apply repairs all of them; the restricted network blocks again.
  CliResult repair = cli({"net", "apply", "--label", "io.hardend.test=1"});
  ASSERT_EQ(repair.exit_code, 0) << repair.str();
  EXPECT_NE(repair.out.find("created Docker network " + ext_network_), std::string::npos) << repair.out;
  EXPECT_EQ(inspect_network(ext_network_)["Options"].value("com.docker.network.bridge.name", ""), ext_bridge_);
  CliResult repaired = cli({"net", "status"});
  EXPECT_EQ(repaired.exit_code, 0) << repaired.str();
  Attempt again = connect_from(ext_image_, *host, listener.port());
  EXPECT_NE(again.run.out.find("blocked"), std::string::npos) << again.run.str();
  std::cout << "[ measured ] net apply repairing a network, a rule and a jump: " << repair.seconds << " s\n";

  // Proof that the rules, not the setup, do the blocking: without them the same container connects.
  CliResult removed = cli({"net", "remove"});
  ASSERT_EQ(removed.exit_code, 0) << removed.str();
  EXPECT_EQ(hardend_lines(filter_table()), "");
  Attempt unblocked = connect_from(ext_image_, *host, listener.port());
  EXPECT_TRUE(unblocked.networks.contains(ext_network_)) << unblocked.networks.dump();
  EXPECT_NE(unblocked.run.out.find("connected"), std::string::npos) << unblocked.run.str();
}

TEST_F(NetDockerTest, WrongBridgeIsAnErrorAndNothingIsChanged) {
  // Made by hand the way the guide's `docker network create` without the bridge-name option would: br-<id>.
  nlohmann::json body = {{"Name", ext_network_}, {"Driver", "bridge"}, {"Labels", {{"io.hardend.test", "1"}}}};
  ASSERT_TRUE(client_->create_network(body).ok());
  CliResult apply = cli({"net", "apply", "--label", "io.hardend.test=1"});
  EXPECT_EQ(apply.exit_code, 2) << apply.str();
  EXPECT_NE(apply.err.find("uses bridge br-"), std::string::npos) << apply.err;
  EXPECT_NE(apply.err.find("expected " + ext_bridge_), std::string::npos) << apply.err;
  EXPECT_NE(apply.err.find("docker network rm " + ext_network_), std::string::npos) << apply.err;
  EXPECT_NE(apply.err.find("nothing was changed"), std::string::npos) << apply.err;
  EXPECT_FALSE(client_->inspect_network(open_network_).ok()) << "no network may be created after a conflict";
  EXPECT_EQ(hardend_lines(filter_table()), "");
  CliResult status = cli({"net", "status"});
  EXPECT_EQ(status.exit_code, 1) << status.str();
  EXPECT_NE(status.out.find("CONFLICT"), std::string::npos) << status.out;
}

TEST_F(NetDockerTest, RemoveRefusesANetworkWithContainersAttached) {
  CliResult apply = cli({"net", "apply", "--label", "io.hardend.test=1"});
  ASSERT_EQ(apply.exit_code, 0) << apply.str();
  nlohmann::json create = {{"Image", kBaseImage},
                           {"Cmd", {"python3", "-c", "import time; time.sleep(120)"}},
                           {"Labels", {{"io.hardend.test", "1"}, {"io.hardend.test.net", std::to_string(::getpid())}}},
                           {"HostConfig", {{"NetworkMode", open_network_}, {"AutoRemove", false}}}};
  auto id = client_->create_container(create, "hardend-test-net-busy-" + std::to_string(::getpid()));
  ASSERT_TRUE(id.ok()) << id.error().message;
  ASSERT_TRUE(client_->start_container(*id).ok());
  std::string rules_before = hardend_lines(filter_table());

  CliResult refused = cli({"net", "remove", "--networks"});
  EXPECT_EQ(refused.exit_code, 2) << refused.str();
  EXPECT_NE(refused.err.find("network " + open_network_ + " has containers attached: hardend-test-net-busy-"),
            std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("nothing was changed"), std::string::npos) << refused.err;
  EXPECT_EQ(hardend_lines(filter_table()), rules_before);
  EXPECT_TRUE(client_->inspect_network(ext_network_).ok());

  ASSERT_TRUE(client_->remove_container(*id, /*force=*/true).ok());
  CliResult removed = cli({"net", "remove", "--networks", "--json"});
  EXPECT_EQ(removed.exit_code, 0) << removed.str();
  nlohmann::json removed_json = nlohmann::json::parse(removed.out);
  EXPECT_EQ(removed_json["rules_changed"], true);
  EXPECT_EQ(removed_json["removed_networks"].size(), 2u) << removed.out;
  EXPECT_EQ(hardend_lines(filter_table()), "");
}

TEST_F(NetDockerTest, ErrorsChangeNothing) {
  // No iptables binaries on PATH: said before any network is created.
  CliResult no_iptables = cli({"net", "apply"}, {"env", "PATH=/nonexistent"});
  EXPECT_EQ(no_iptables.exit_code, 2) << no_iptables.str();
  EXPECT_NE(no_iptables.err.find("iptables-save not found: install the iptables package"), std::string::npos)
      << no_iptables.err;
  EXPECT_FALSE(client_->inspect_network(ext_network_).ok());

  // A CIDR typo and an image mapped to an undeclared network are config errors with their position.
  nlohmann::json broken = nlohmann::json::parse(std::ifstream(config_path_));
  broken["network.networks"][ext_network_]["block.cidrs"] = {"10.0.0.0/33"};
  broken["python.pass.extra.keys." + open_image_] = "--network=hardend-test-nowhere";
  std::ofstream(config_path_) << broken.dump(2) << "\n";
  CliResult typo = cli({"net", "apply"});
  EXPECT_EQ(typo.exit_code, 2) << typo.str();
  EXPECT_NE(typo.err.find("block.cidrs"), std::string::npos) << typo.err;
  EXPECT_NE(typo.err.find("10.0.0.0/33"), std::string::npos) << typo.err;
  EXPECT_FALSE(client_->inspect_network(ext_network_).ok());
  EXPECT_EQ(hardend_lines(filter_table()), "");

  broken["network.networks"][ext_network_]["block.cidrs"] = nlohmann::json::array();
  std::ofstream(config_path_) << broken.dump(2) << "\n";
  CliResult undeclared = cli({"net", "plan"});
  EXPECT_EQ(undeclared.exit_code, 2) << undeclared.str();
  EXPECT_NE(undeclared.err.find("--network=hardend-test-nowhere names no declared network"), std::string::npos)
      << undeclared.err;
}

}  // namespace
}  // namespace hardend
