// `net persist`: the restore file, the systemd unit, and writing them.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "net/iptables_save.h"
#include "net/persist.h"
#include "net/restore_payload.h"
#include "net_test_support.h"

namespace hardend::net {
namespace {

Ruleset issue_ruleset() {
  Result<Ruleset> ruleset = build_ruleset(testing::issue_example_config(), testing::typical_host_facts());
  EXPECT_TRUE(ruleset.ok()) << ruleset.error().message;
  return ruleset.ok() ? *ruleset : Ruleset{};
}

TEST(PersistedRules, FullPayloadForADockerHostWithoutHardend) {
  Ruleset ruleset = issue_ruleset();
  std::string rules = render_persisted_rules(ruleset, "`hardend net persist`");
  EXPECT_EQ(rules.rfind("# Written by `hardend net persist`", 0), 0u);
  // Everything after the explanation is exactly what `net apply` feeds to iptables-restore on such a host.
  std::string payload = render_apply_payload(ruleset, assumed_docker_table());
  ASSERT_GE(rules.size(), payload.size());
  EXPECT_EQ(rules.substr(rules.size() - payload.size()), payload);
  EXPECT_NE(rules.find("iptables-restore --noflush FILE"), std::string::npos);
  // dockerd has created DOCKER-USER by then: the file must not declare (and so flush) it.
  EXPECT_EQ(rules.find(":DOCKER-USER"), std::string::npos);
  EXPECT_NE(rules.find("-I INPUT -j HARDEND-INPUT"), std::string::npos);
  EXPECT_NE(rules.find("-I DOCKER-USER -j HARDEND-USER"), std::string::npos);
  for (const Rule& rule : ruleset.user_rules) EXPECT_NE(rules.find(rule.append_line()), std::string::npos);
}

TEST(SystemdUnit, RunsApplyAfterDockerBeforeHardend) {
  PersistSettings settings;
  settings.hardend_binary = "/usr/local/bin/hardend";
  settings.config_path = "/etc/hardend/d1.conf";
  std::string unit = render_systemd_unit(settings);
  EXPECT_NE(unit.find("\nExecStart=/usr/local/bin/hardend --config /etc/hardend/d1.conf net apply\n"),
            std::string::npos)
      << unit;
  for (const char* line : {"Type=oneshot", "RemainAfterExit=yes", "After=network-online.target docker.service",
                           "Requires=docker.service", "Before=hardend.service", "PartOf=docker.service",
                           "WantedBy=multi-user.target",
                           "#ExecStart=/usr/sbin/iptables-restore --noflush -w 10 /etc/hardend/iptables.rules"})
    EXPECT_NE(unit.find(std::string("\n") + line + "\n"), std::string::npos) << line;
  EXPECT_NE(unit.find("[Unit]"), std::string::npos);
  EXPECT_NE(unit.find("[Service]"), std::string::npos);
  EXPECT_NE(unit.find("[Install]"), std::string::npos);
}

TEST(SystemdUnit, DefaultConfigIsNotPassedAndOddPathsAreQuoted) {
  PersistSettings settings;
  settings.hardend_binary = "/opt/my tools/hardend";
  std::string unit = render_systemd_unit(settings);
  EXPECT_NE(unit.find("\nExecStart=\"/opt/my tools/hardend\" net apply\n"), std::string::npos) << unit;
  EXPECT_EQ(unit.find("--config"), std::string::npos);
  settings.config_path = "/etc/100%/$HOME.conf";
  unit = render_systemd_unit(settings);
  EXPECT_NE(unit.find("--config \"/etc/100%%/$$HOME.conf\" net apply"), std::string::npos) << unit;
}

// The packaged unit is the rendered one for the packaged paths (so the two cannot drift apart).
TEST(SystemdUnit, PackagedUnitMatchesTheRenderedOne) {
  std::ifstream file(std::string(HARDEND_SOURCE_DIR) + "/packaging/hardend-net.service");
  std::stringstream packaged;
  packaged << file.rdbuf();
  PersistSettings settings;
  settings.hardend_binary = "/usr/bin/hardend";
  EXPECT_EQ(packaged.str(), render_systemd_unit(settings));
}

class WriteFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() / ("hardend-persist-" + std::to_string(::getpid()));
    std::filesystem::remove_all(directory_);
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }
  std::filesystem::path directory_;
};

TEST_F(WriteFileTest, CreatesDirectoryReplacesAndSetsMode) {
  std::string path = (directory_ / "sub" / "iptables.rules").string();
  ASSERT_TRUE(write_file_atomically(path, "first\n", 0644).ok());
  ASSERT_TRUE(write_file_atomically(path, "second\n", 0600).ok());
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  EXPECT_EQ(text.str(), "second\n");
  struct stat info{};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  // No temporary file is left behind.
  int entries = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(directory_ / "sub")) ++entries;
  EXPECT_EQ(entries, 1);
}

TEST_F(WriteFileTest, UnwritablePlaceIsAnErrorNamingThePath) {
  std::filesystem::create_directories(directory_);
  std::string blocker = (directory_ / "file").string();
  ASSERT_TRUE(write_file_atomically(blocker, "x", 0644).ok());
  Status written = write_file_atomically(blocker + "/inside", "x", 0644);
  ASSERT_FALSE(written.ok());
  EXPECT_NE(written.error().message.find(blocker), std::string::npos) << written.error().message;
}

}  // namespace
}  // namespace hardend::net
