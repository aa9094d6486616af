// Issue 3, requirement 4 (honesty): with the full default policy every check passes; with exactly one setting
// removed, exactly that check fails and names the measured value. Real daemon, image hardend/python:3.11, the
// probe bind-mounted read-only. Plus the allocate memory mode and the CLI's exit codes and --json.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "check/check_image.h"
#include "check/report.h"
#include "common/subprocess.h"
#include "config/config.h"
#include "docker_fixture.h"

namespace hardend::check {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

using testing_support::kTestImage;
using testing_support::kTestLabel;
// Unique to this process: the containers this test case created, and only those, are looked for afterwards.
constexpr const char* kOwnerLabel = "io.hardend.test.check";

const std::vector<std::string> kAllChecks{kNonRootUser, kMemory,       kFileDescriptors, kCpus,
                                          kPids,        kCapabilities, kNoNewPrivileges, kSeccomp,
                                          kReadOnlyRoot};

std::vector<std::string> failed_names(const ImageReport& report) {
  std::vector<std::string> names;
  for (const auto& check : report.checks)
    if (!check.passed) names.push_back(check.name);
  return names;
}

const CheckResult* find(const ImageReport& report, const std::string& name) {
  for (const auto& check : report.checks)
    if (check.name == name) return &check;
  return nullptr;
}

std::string describe(const ImageReport& report) {
  return render_table({report});
}

class CheckTest : public testing_support::DockerTest {
 protected:
  void SetUp() override {
    connect();
    if (IsSkipped() || HasFatalFailure()) return;
    owner_ = std::to_string(::getpid()) + "-" + std::to_string(std::random_device{}());
  }

  void TearDown() override {
    if (!owner_.empty()) remove_left_behind({std::string(kOwnerLabel) + "=" + owner_});
  }

  CheckOptions options() {
    CheckOptions o;
    o.probe_path = HARDEND_PROBE_BINARY;
    o.labels = {{kTestLabel, "1"}, {kOwnerLabel, owner_}};
    return o;
  }

  ImageReport check(const std::string& config_json, const CheckOptions& o,
                    const std::string& image = kTestImage) {
    return check_image(*client_, config_from(config_json), facts_, image, o);
  }
  ImageReport check(const std::string& config_json) { return check(config_json, options()); }

  std::string owner_;
};

TEST_F(CheckTest, FullDefaultPolicyPassesEveryCheck) {
  ImageReport report = check("{}");
  ASSERT_EQ(report.error, "");
  std::vector<std::string> names;
  for (const auto& c : report.checks) names.push_back(c.name);
  EXPECT_EQ(names, kAllChecks);
  EXPECT_TRUE(report.passed()) << describe(report);
  EXPECT_EQ(find(report, kNonRootUser)->measured, "uid 4000 gid 4000");
  EXPECT_EQ(find(report, kMemory)->measured, "1g");
  EXPECT_THAT(
      find(report, kMemory)->status,
      HasSubstr(facts_.swap_limit_supported ? "no swap beyond the memory limit" : "swap NOT limited"));
  EXPECT_THAT(find(report, kPids)->measured, HasSubstr("255 children spawned before fork failed"));
}

struct Weakening {
  const char* name;
  const char* config;
  const char* failing_check;
  std::vector<const char*> status_contains;  // the measured value, and the expected one
};

class CheckHonesty : public CheckTest, public ::testing::WithParamInterface<Weakening> {};

TEST_P(CheckHonesty, ExactlyTheRemovedSettingFails) {
  const Weakening& w = GetParam();
  ImageReport report = check(w.config);
  ASSERT_EQ(report.error, "");
  ASSERT_EQ(report.checks.size(), kAllChecks.size());
  EXPECT_EQ(failed_names(report), std::vector<std::string>{w.failing_check}) << describe(report);
  const CheckResult* failed = find(report, w.failing_check);
  ASSERT_NE(failed, nullptr);
  EXPECT_THAT(failed->status, StartsWith("Failed: "));
  for (const char* part : w.status_contains) EXPECT_THAT(failed->status, HasSubstr(part));
}

INSTANTIATE_TEST_SUITE_P(
    OneSettingRemoved, CheckHonesty,
    ::testing::Values(Weakening{"memory",
                                R"({"limit.docker.memory": false})",
                                kMemory,
                                {"memory limit is unlimited, expected at most 1g", "swap NOT limited"}},
                      Weakening{"asuser",
                                R"({"docker.run.internal.asuser": false})",
                                kNonRootUser,
                                {"running as uid 0 gid 0 (root), expected uid 4000 gid 4000"}},
                      Weakening{
                          "pids",
                          R"({"python.pass.extra.keys": "--pids-limit=-1"})",
                          kPids,
                          {"pids.max is unlimited", "spawned 257 processes (+ the probe) without a refusal",
                           "expected at most 256"}},
                      Weakening{"nofile",
                                R"({"python.pass.extra.keys": "--ulimit=nofile=16384:16384"})",
                                kFileDescriptors,
                                {"soft limit 16384 > expected 1024", "hard limit 16384 > expected 8192"}},
                      Weakening{"cpu",
                                R"({"limit.docker.cpu": false})",
                                kCpus,
                                {"CPU limit is unlimited (no CFS quota), expected at most 1 CPU"}},
                      Weakening{"no_new_privileges",
                                R"({"docker.run.no.new.privileges": false})",
                                kNoNewPrivileges,
                                {"NoNewPrivs is 0, expected 1"}},
                      Weakening{"capabilities",
                                R"({"docker.run.capabilities.drop.all": false})",
                                kCapabilities,
                                {"bounding set holds", "CAP_CHOWN", "expected none"}},
                      Weakening{"read_only",
                                R"({"docker.run.read.only": false})",
                                kReadOnlyRoot,
                                {"mounted read-write, expected read-only"}},
                      Weakening{"seccomp",
                                R"({"docker.run.allow.unsafe": "--security-opt=seccomp=unconfined",
                      "python.pass.extra.keys": "--security-opt=seccomp=unconfined"})",
                                kSeccomp,
                                {"seccomp mode 0 (disabled), expected mode 2 (filter)"}}),
    [](const auto& test_info) { return std::string(test_info.param.name); });

// Allocation is bound by how fast this VM faults in memory (docs/PROBE.md), so a small limit keeps it quick.
TEST_F(CheckTest, AllocateModeHoldsUnderALimitAndFailsWithoutOne) {
  CheckOptions allocate = options();
  allocate.memory_mode = MemoryCheckMode::Allocate;
  ImageReport limited = check(R"({"docker.memory.limit": "128m"})", allocate);
  ASSERT_EQ(limited.error, "");
  EXPECT_TRUE(limited.passed()) << describe(limited);
  EXPECT_THAT(find(limited, kMemory)->status, HasSubstr("allocating 192m was stopped at"));

  allocate.overrides.memory_bytes = int64_t{128} << 20;
  ImageReport unlimited = check(R"({"limit.docker.memory": false})", allocate);
  ASSERT_EQ(unlimited.error, "");
  EXPECT_EQ(failed_names(unlimited), std::vector<std::string>{kMemory}) << describe(unlimited);
  EXPECT_THAT(
      find(unlimited, kMemory)->status,
      HasSubstr("a child allocated and touched 192m and was not stopped (cgroup limit unlimited), expected "
                "it to be stopped at most at 128m"));
}

TEST_F(CheckTest, PerImageLimitIsTheExpectation) {
  // The default image with a per-image --memory=2g: checked against 2g, and a flag can tighten it again.
  const char* config = R"({"python.pass.extra.keys.hardend/python:3.11": "--memory=2g"})";
  ImageReport report = check(config);
  EXPECT_TRUE(report.passed()) << describe(report);
  EXPECT_EQ(find(report, kMemory)->measured, "2g");
  EXPECT_EQ(find(report, kMemory)->expected, "at most 2g (python.pass.extra.keys.hardend/python:3.11)");

  CheckOptions stricter = options();
  stricter.overrides.memory_bytes = int64_t{1} << 30;
  ImageReport flagged = check(config, stricter);
  EXPECT_EQ(failed_names(flagged), std::vector<std::string>{kMemory});
  EXPECT_THAT(find(flagged, kMemory)->status, HasSubstr("memory limit is 2g, expected at most 1g"));
}

TEST_F(CheckTest, MissingImageIsAFailedReportNotACrash) {
  ImageReport report = check("{}", options(), "hardend/no-such-image:0");
  EXPECT_FALSE(report.passed());
  EXPECT_TRUE(report.checks.empty());
  EXPECT_THAT(report.error, HasSubstr("hardend/no-such-image:0 is not present locally"));
}

// The command line: exit codes 0/1/2, the table and --json. One test case, so that no other test of this file
// runs a CLI check at the same time (the CLI cannot label its containers as a test's).
class CheckCli : public CheckTest {
 protected:
  std::string write_config(const std::string& name, const std::string& json) {
    std::string path = ::testing::TempDir() + "hardend-check-" + owner_ + "-" + name + ".conf";
    std::ofstream(path) << json;
    written_.push_back(path);
    return path;
  }
  void TearDown() override {
    for (const auto& path : written_) std::remove(path.c_str());
    CheckTest::TearDown();
  }
  SubprocessResult hardend(std::vector<std::string> args) {
    args.insert(args.begin(), HARDEND_BINARY);
    auto result = run_subprocess(args, {.stdin_data = "", .timeout = std::chrono::seconds(120)});
    EXPECT_TRUE(result.ok()) << result.error().message;
    return result.ok() ? *result : SubprocessResult{};
  }
  std::vector<std::string> written_;
};

TEST_F(CheckCli, ExitCodesTableAndJson) {
  std::string hardened = write_config("hardened", "{}");
  auto ok = hardend({"check", "--config", hardened, "--image", kTestImage});
  EXPECT_EQ(ok.exit_code, 0) << ok.stdout_data << ok.stderr_data;
  EXPECT_THAT(ok.stdout_data, StartsWith("Docker Hardening Results Check\n"));
  EXPECT_THAT(ok.stdout_data, ::testing::ContainsRegex(R"(\| Check +\| Status +\|)"));
  EXPECT_THAT(ok.stdout_data, HasSubstr("All 9 checks passed."));

  auto as_json = hardend({"check", "--config", hardened, "--json"});
  EXPECT_EQ(as_json.exit_code, 0) << as_json.stderr_data;
  auto parsed = nlohmann::json::parse(as_json.stdout_data, nullptr, false);
  ASSERT_FALSE(parsed.is_discarded()) << as_json.stdout_data;
  EXPECT_EQ(parsed["image"], kTestImage);
  EXPECT_EQ(parsed["passed"], true);
  EXPECT_GT(parsed["duration_ms"].get<int64_t>(), 0);
  ASSERT_EQ(parsed["checks"].size(), kAllChecks.size());
  for (const auto& c : parsed["checks"]) {
    for (const char* field : {"check", "status", "passed", "measured", "expected"})
      EXPECT_TRUE(c.contains(field)) << field << " missing in " << c.dump();
  }

  std::string weakened = write_config("weakened", R"({"limit.docker.cpu": false})");
  auto failed = hardend({"check", "--config", weakened});
  EXPECT_EQ(failed.exit_code, 1) << failed.stdout_data;
  EXPECT_THAT(failed.stdout_data, HasSubstr("Failed: CPU limit is unlimited"));
  EXPECT_THAT(failed.stdout_data, HasSubstr("1 of 9 checks FAILED."));

  // --all-images: the default image and every image named in a per-image key; a missing one fails clearly.
  std::string several =
      write_config("several", R"({"python.pass.extra.keys.hardend/no-such-image:0": "--memory=2g"})");
  auto all = hardend({"check", "--config", several, "--all-images", "--json"});
  EXPECT_EQ(all.exit_code, 1) << all.stdout_data << all.stderr_data;
  auto all_parsed = nlohmann::json::parse(all.stdout_data, nullptr, false);
  ASSERT_FALSE(all_parsed.is_discarded()) << all.stdout_data;
  ASSERT_EQ(all_parsed["images"].size(), 2u);
  EXPECT_EQ(all_parsed["images"][0]["image"], kTestImage);
  EXPECT_EQ(all_parsed["images"][0]["passed"], true);
  EXPECT_EQ(all_parsed["images"][1]["passed"], false);
  EXPECT_THAT(all_parsed["images"][1]["error"].get<std::string>(), HasSubstr("not present locally"));
  EXPECT_EQ(all_parsed["passed"], false);

  // Usage, config and daemon errors: 2.
  EXPECT_EQ(hardend({"check", "--config", hardened, "--memory-check", "bogus"}).exit_code, 2);
  EXPECT_EQ(hardend({"check", "--config", hardened, "--memory", "lots"}).exit_code, 2);
  EXPECT_EQ(hardend({"check", "--config", hardened, "--image", kTestImage, "--all-images"}).exit_code, 2);
  std::string broken = write_config("broken", R"({"limit.docker.memory": "maybe"})");
  EXPECT_EQ(hardend({"check", "--config", broken}).exit_code, 2);
  std::vector<std::string> unreachable{"/usr/bin/env", "DOCKER_HOST=unix:///nonexistent/docker.sock",
                                       HARDEND_BINARY, "check",
                                       "--config",     hardened};
  auto daemon_error = run_subprocess(unreachable);
  ASSERT_TRUE(daemon_error.ok());
  EXPECT_EQ(daemon_error->exit_code, 2) << daemon_error->stderr_data;

  // Every container the CLI created is gone (the CLI labels them io.hardend.kind=check but not as a test's;
  // the library tests running meanwhile label theirs io.hardend.test=1).
  auto left = client_->list_containers({"io.hardend.kind=check"}, /*all=*/true);
  ASSERT_TRUE(left.ok()) << left.error().message;
  for (const auto& c : *left)
    EXPECT_TRUE(c.contains("Labels") && c["Labels"].contains(kTestLabel)) << "left behind: " << c.dump();
}

}  // namespace
}  // namespace hardend::check
