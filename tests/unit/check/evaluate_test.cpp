#include "check/evaluate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "check_test_support.h"

namespace hardend::check {
namespace {

using test::expectations_for;
using test::recorded;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::vector<std::string> kAllChecks{kNonRootUser, kMemory,       kFileDescriptors, kCpus,
                                          kPids,        kCapabilities, kNoNewPrivileges, kSeccomp,
                                          kReadOnlyRoot};

std::vector<CheckResult> evaluate(const std::string& output, const Expectations& expectations) {
  auto results = evaluate_probe_output(output, expectations);
  EXPECT_TRUE(results.ok()) << results.error().message;
  return results.ok() ? *results : std::vector<CheckResult>{};
}

const CheckResult& find(const std::vector<CheckResult>& results, const std::string& name) {
  static const CheckResult missing{"(missing)", false, "", "", ""};
  for (const auto& result : results)
    if (result.name == name) return result;
  ADD_FAILURE() << "no check named " << name;
  return missing;
}

std::vector<std::string> failed_names(const std::vector<CheckResult>& results) {
  std::vector<std::string> names;
  for (const auto& result : results)
    if (!result.passed) names.push_back(result.name);
  return names;
}

TEST(Evaluate, FullDefaultPolicyPassesEveryCheckInTableOrder) {
  auto results = evaluate(recorded("default_policy"), expectations_for());
  std::vector<std::string> names;
  for (const auto& result : results) names.push_back(result.name);
  EXPECT_EQ(names, kAllChecks);
  for (const auto& result : results) {
    EXPECT_TRUE(result.passed) << result.name << ": " << result.status;
    EXPECT_THAT(result.status, StartsWith("Success"));
  }
  EXPECT_EQ(find(results, kNonRootUser).status, "Success");
  EXPECT_EQ(find(results, kNonRootUser).measured, "uid 4000 gid 4000");
  EXPECT_EQ(find(results, kMemory).status,
            "Success (limit 1g; swap limited: no swap beyond the memory limit (the host has no swap))");
  EXPECT_EQ(find(results, kMemory).expected, "at most 1g (recommended hardening)");
  EXPECT_EQ(find(results, kPids).measured, "pids.max 256; 255 children spawned before fork failed (EAGAIN)");
  EXPECT_EQ(find(results, kCapabilities).measured, "CapEff none; CapBnd none");
}

struct HonestyCase {
  const char* recording;
  const char* config;
  const char* failing_check;
  std::vector<const char*> status_contains;
};

class EvaluateHonesty : public ::testing::TestWithParam<HonestyCase> {};

// Issue 3, requirement 4, on recorded outputs: one setting removed -> exactly that check fails, naming the
// measured value.
TEST_P(EvaluateHonesty, ExactlyTheWeakenedCheckFails) {
  const HonestyCase& c = GetParam();
  auto results = evaluate(recorded(c.recording), expectations_for(c.config));
  ASSERT_EQ(results.size(), kAllChecks.size());
  EXPECT_EQ(failed_names(results), std::vector<std::string>{c.failing_check});
  const CheckResult& failed = find(results, c.failing_check);
  EXPECT_THAT(failed.status, StartsWith("Failed: "));
  for (const char* part : c.status_contains) EXPECT_THAT(failed.status, HasSubstr(part));
}

INSTANTIATE_TEST_SUITE_P(
    RecordedOutputs, EvaluateHonesty,
    ::testing::Values(
        HonestyCase{"memory_unlimited",
                    R"({"limit.docker.memory": false})",
                    kMemory,
                    {"Failed: memory limit is unlimited, expected at most 1g", "limit.docker.memory",
                     "swap NOT limited"}},
        HonestyCase{
            "root_user",
            R"({"docker.run.internal.asuser": false})",
            kNonRootUser,
            {"running as uid 0 gid 0 (root), expected uid 4000 gid 4000", "docker.run.internal.asuser"}},
        HonestyCase{"pids_unlimited",
                    R"({"python.pass.extra.keys": "--pids-limit=-1"})",
                    kPids,
                    {"pids.max is unlimited", "spawned 257 processes (+ the probe) without a refusal",
                     "expected at most 256"}},
        HonestyCase{"nofile_16384",
                    R"({"python.pass.extra.keys": "--ulimit=nofile=16384:16384"})",
                    kFileDescriptors,
                    {"soft limit 16384 > expected 1024", "hard limit 16384 > expected 8192"}},
        HonestyCase{"cpus_unlimited",
                    R"({"limit.docker.cpu": false})",
                    kCpus,
                    {"CPU limit is unlimited (no CFS quota), expected at most 1 CPU", "limit.docker.cpu"}},
        HonestyCase{"nnp_off",
                    R"({"docker.run.no.new.privileges": false})",
                    kNoNewPrivileges,
                    {"NoNewPrivs is 0, expected 1"}},
        HonestyCase{"caps_default",
                    R"({"docker.run.capabilities.drop.all": false})",
                    kCapabilities,
                    {"bounding set holds", "CAP_CHOWN", "expected none"}},
        HonestyCase{"root_writable",
                    R"({"docker.run.read.only": false})",
                    kReadOnlyRoot,
                    {"mounted read-write, expected read-only"}},
        HonestyCase{
            "seccomp_unconfined", "{}", kSeccomp, {"seccomp mode 0 (disabled), expected mode 2 (filter)"}}),
    [](const auto& test_info) { return std::string(test_info.param.recording); });

TEST(Evaluate, SwapWording) {
  // Docker's default memory-swap (twice the memory) leaves as much swap again as memory.
  auto doubled = evaluate(recorded("memory_default_swap"), expectations_for());
  EXPECT_TRUE(find(doubled, kMemory).passed);
  EXPECT_THAT(find(doubled, kMemory).status, HasSubstr("swap limited to 1g beyond the memory limit"));

  // Without swap-limit support on the daemon, the same words as `hardend swap-check`.
  ExpectationInputs no_swap_support;
  no_swap_support.daemon_swap_limit = false;
  auto unsupported = evaluate(recorded("memory_unlimited"), expectations_for("{}", no_swap_support));
  EXPECT_THAT(find(unsupported, kMemory).status,
              HasSubstr("swap NOT limited: the daemon has no swap-limit support (see hardend swap-check)"));
}

TEST(Evaluate, ExpectedValuesFromFlagsAreEnforced) {
  ExpectationInputs inputs;
  inputs.overrides.memory_bytes = 512 << 20;
  inputs.overrides.pids = 200;
  inputs.overrides.fds_soft = 512;
  inputs.overrides.cpus = 0.5;
  auto results = evaluate(recorded("default_policy"), expectations_for("{}", inputs));
  EXPECT_EQ(failed_names(results), (std::vector<std::string>{kMemory, kFileDescriptors, kCpus, kPids}));
  EXPECT_THAT(find(results, kMemory).status, HasSubstr("memory limit is 1g, expected at most 512m"));
  EXPECT_THAT(find(results, kFileDescriptors).status, HasSubstr("soft limit 1024 > expected 512"));
  EXPECT_THAT(find(results, kCpus).status, HasSubstr("CPU limit is 1 CPU, expected at most 0.5 CPUs"));
  EXPECT_THAT(find(results, kPids).status, HasSubstr("pids.max is 256"));
  EXPECT_THAT(find(results, kPids).status,
              HasSubstr("spawned 255 processes (+ the probe) before fork failed"));
}

TEST(Evaluate, AllocateMode) {
  ExpectationInputs inputs;
  inputs.memory_mode = MemoryCheckMode::Allocate;
  const char* small_limit = R"({"docker.memory.limit": "128m"})";
  auto held = evaluate(recorded("allocate_limited_128m"), expectations_for(small_limit, inputs));
  EXPECT_TRUE(find(held, kMemory).passed) << find(held, kMemory).status;
  EXPECT_THAT(find(held, kMemory).status,
              HasSubstr("allocating 192m was stopped at 112m (killed by signal 9)"));

  auto completed = evaluate(recorded("allocate_unlimited"), expectations_for(small_limit, inputs));
  EXPECT_FALSE(find(completed, kMemory).passed);
  EXPECT_THAT(
      find(completed, kMemory).status,
      HasSubstr("a child allocated and touched 192m and was not stopped (cgroup limit unlimited), expected "
                "it to be stopped at most at 128m"));

  // Allocate mode without an allocation in the report fails rather than passing on the cgroup reading.
  EXPECT_FALSE(find(evaluate(recorded("default_policy"), expectations_for("{}", inputs)), kMemory).passed);
}

TEST(Evaluate, CpuMeasurement) {
  ExpectationInputs inputs;
  inputs.cpu_measure_ms = 500;
  auto measured = evaluate(recorded("cpu_measure"), expectations_for("{}", inputs));
  EXPECT_TRUE(find(measured, kCpus).passed) << find(measured, kCpus).status;
  EXPECT_THAT(find(measured, kCpus).status, HasSubstr("measured 0.4 CPUs with 2 busy workers over 500 ms"));

  auto report = nlohmann::json::parse(recorded("cpu_measure"));
  report["cpus"]["measure"]["measured_cpus"] = 1.9;
  auto overshoot = evaluate(report.dump(), expectations_for("{}", inputs));
  EXPECT_FALSE(find(overshoot, kCpus).passed);
  EXPECT_THAT(find(overshoot, kCpus).status, HasSubstr("measured 1.9 CPUs"));

  // Asked to measure, but the report has no measurement: a failure, not a silent pass.
  EXPECT_FALSE(find(evaluate(recorded("default_policy"), expectations_for("{}", inputs)), kCpus).passed);
}

TEST(Evaluate, ExemptImageMayRunAsRoot) {
  auto results = evaluate(recorded("root_user"),
                          expectations_for(R"({"docker.run.internal.asuser.ignore": "hardend/python:"})"));
  EXPECT_TRUE(find(results, kNonRootUser).passed);
  EXPECT_THAT(find(results, kNonRootUser).status, HasSubstr("exempt"));
  EXPECT_THAT(find(results, kNonRootUser).status, HasSubstr("uid 0 gid 0"));
}

TEST(Evaluate, WrongNonRootUserFails) {
  auto results = evaluate(recorded("default_policy"),
                          expectations_for(R"({"docker.run.internal.asuser.user": "1000:1000"})"));
  EXPECT_EQ(failed_names(results), std::vector<std::string>{kNonRootUser});
  EXPECT_THAT(find(results, kNonRootUser).status,
              HasSubstr("running as uid 4000 gid 4000, expected uid 1000 gid 1000 (the configured user)"));
}

TEST(Evaluate, LeftoverProcessesAndMissingRefusalFailPids) {
  auto report = nlohmann::json::parse(recorded("default_policy"));
  report["pids"]["spawn"]["leftovers"] = 3;
  auto results = evaluate(report.dump(), expectations_for());
  EXPECT_THAT(find(results, kPids).status, HasSubstr("3 spawned processes were left behind"));

  report = nlohmann::json::parse(recorded("default_policy"));
  report["fds"]["raise_soft_above_hard"]["refused"] = false;
  report["fds"]["raise_hard"]["refused"] = false;
  results = evaluate(report.dump(), expectations_for());
  EXPECT_THAT(find(results, kFileDescriptors).status,
              HasSubstr("raising the soft limit above the hard one was not refused"));
  EXPECT_THAT(find(results, kFileDescriptors).status, HasSubstr("raising the hard limit succeeded"));
}

TEST(Evaluate, PodmanLeftOutLimitsFailWithTheReason) {
  policy::RuntimeFacts podman{"podman", true};
  auto results = evaluate(recorded("memory_unlimited"),
                          expectations_for(R"({"container.runtime": "podman"})", {}, test::kImage, podman));
  EXPECT_FALSE(find(results, kMemory).passed);
  EXPECT_THAT(find(results, kMemory).status, StartsWith("Failed: memory limit is unlimited"));
  EXPECT_THAT(find(results, kMemory).status, HasSubstr("left out on Podman"));
  EXPECT_THAT(find(results, kMemory).status, HasSubstr("podman.limits.enforce"));
}

TEST(Evaluate, OutputThatIsNotAProbeReportIsAnError) {
  Expectations e = expectations_for();
  auto empty = evaluate_probe_output("", e);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().message, "the probe's output is not JSON (it printed nothing)");

  auto garbage = evaluate_probe_output("exec /.hardend/hardend-probe: exec format error\n", e);
  ASSERT_FALSE(garbage.ok());
  EXPECT_THAT(garbage.error().message,
              HasSubstr("not JSON: 'exec /.hardend/hardend-probe: exec format error'"));

  auto truncated = evaluate_probe_output(recorded("default_policy").substr(0, 500), e);
  EXPECT_FALSE(truncated.ok());

  for (const char* other : {"[1, 2]", "42", R"({"probe": "something-else"})", "{}"}) {
    auto result = evaluate_probe_output(other, e);
    ASSERT_FALSE(result.ok()) << other;
    EXPECT_THAT(result.error().message, HasSubstr("not a hardend-probe report")) << other;
  }
}

TEST(Evaluate, ReportWithoutMeasurementsFailsEveryCheck) {
  auto results =
      evaluate(R"({"probe": "hardend-probe", "memory": {"found": false}, "pids": {"found": false}})",
               expectations_for());
  ASSERT_EQ(results.size(), kAllChecks.size());
  for (const auto& result : results) {
    EXPECT_FALSE(result.passed) << result.name << ": " << result.status;
    EXPECT_THAT(result.status, StartsWith("Failed: "));
  }
  EXPECT_THAT(find(results, kMemory).status, HasSubstr("the probe found no memory cgroup"));
  EXPECT_THAT(find(results, kNonRootUser).status, HasSubstr("did not report its uid/gid"));
}

TEST(Evaluate, WrongTypesAreTreatedAsUnknown) {
  auto report = nlohmann::json::parse(recorded("default_policy"));
  report["identity"]["uid"] = "4000";
  report["memory"]["limit_bytes"] = "1g";
  report["memory"]["hierarchical_limit_bytes"] = nullptr;
  report["security"]["cap_bnd_names"] = "none";
  auto results = evaluate(report.dump(), expectations_for());
  EXPECT_EQ(failed_names(results), (std::vector<std::string>{kNonRootUser, kMemory, kCapabilities}));
  EXPECT_THAT(find(results, kMemory).status, HasSubstr("memory limit is unlimited"));
}

}  // namespace
}  // namespace hardend::check
