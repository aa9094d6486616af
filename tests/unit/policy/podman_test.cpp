// The Podman side of the resolver (issue 8): limits left out by default and applied with
// podman.limits.enforce where the host supports them (an error naming the key where it does not), and the
// nofile/nproc rlimits kept within this host's hard limits so that the OCI runtime never fails with "error
// setting rlimit type 6".
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "policy/engine_body.h"
#include "policy/image_ref.h"
#include "policy/resolver.h"
#include "policy/runtime_facts.h"

namespace hardend::policy {
namespace {

constexpr int64_t kGiB = int64_t{1} << 30;

config::Config config_from(const std::string& json) {
  auto outcome = config::parse_config(json, "d1.conf", {.strict = true});
  EXPECT_TRUE(outcome.ok());
  return outcome.ok() ? *outcome.config : config::default_config();
}

// A rootful Podman on cgroup v1 as measured on the development machine: every limit supported, hard nofile
// 20000, nproc ceiling 32768 (kernel.pid_max).
RuntimeFacts rootful_podman() {
  RuntimeFacts facts;
  facts.runtime = "podman";
  facts.host_nofile_hard = 20000;
  facts.host_nproc_hard = 32768;
  return facts;
}

Result<ContainerSpec> resolve(const std::string& json, const RuntimeFacts& facts,
                              const std::string& image = "hardend/python:3.11") {
  return resolve_policy(config_from(json), *parse_image_ref(image), facts);
}

const Ulimit* find_ulimit(const ContainerSpec& spec, const std::string& name) {
  for (const Ulimit& u : spec.ulimits.value)
    if (u.name == name) return &u;
  return nullptr;
}

bool has_note_starting(const ContainerSpec& spec, const std::string& prefix) {
  for (const auto& note : spec.notes)
    if (note.rfind(prefix, 0) == 0) return true;
  return false;
}

TEST(PodmanPolicy, DefaultLeavesOutLimitsAndSaysHowToApplyThem) {
  auto spec = resolve("{}", rootful_podman());
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_EQ(spec->memory.value, std::nullopt);
  EXPECT_EQ(spec->nano_cpus.value, std::nullopt);
  EXPECT_EQ(spec->pids_limit.value, std::nullopt);
  EXPECT_EQ(spec->pids_limit.source, "runtime podman");
  EXPECT_TRUE(has_note_starting(*spec, "podman: memory limit left out"));
  for (const auto& note : spec->notes) {
    if (note.find("left out (") != std::string::npos) {
      EXPECT_NE(note.find("podman.limits.enforce=true applies it"), std::string::npos) << note;
    }
  }
}

TEST(PodmanPolicy, RlimitsAreSetWithinTheHostsHardLimits) {
  auto spec = resolve("{}", rootful_podman());
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  const Ulimit* nofile = find_ulimit(*spec, "nofile");
  const Ulimit* nproc = find_ulimit(*spec, "nproc");
  ASSERT_NE(nofile, nullptr);
  ASSERT_NE(nproc, nullptr);
  EXPECT_EQ(*nofile, (Ulimit{"nofile", 1024, 8192}));  // already within 20000: unchanged
  EXPECT_EQ(*nproc, (Ulimit{"nproc", 32768, 32768}));  // Podman's default 1048576 would fail
  EXPECT_EQ(spec->ulimits.source, "default + runtime podman");
  EXPECT_TRUE(has_note_starting(*spec, "podman: nproc rlimit set to 32768:32768 (this host's hard limit)"));
  // What reaches Podman's API.
  auto body = render_create_body(*spec, {});
  EXPECT_EQ(body["HostConfig"]["Ulimits"],
            nlohmann::json::parse(R"([{"Name": "nofile", "Soft": 1024, "Hard": 8192},
                                      {"Name": "nproc", "Soft": 32768, "Hard": 32768}])"));
}

TEST(PodmanPolicy, ExplicitRlimitsAboveTheHostAreClampedAndReported) {
  auto spec =
      resolve(R"({"python.pass.extra.keys": "--ulimit=nofile=65536:65536##--ulimit=nproc=4096:200000"})",
              rootful_podman());
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_EQ(*find_ulimit(*spec, "nofile"), (Ulimit{"nofile", 20000, 20000}));
  EXPECT_EQ(*find_ulimit(*spec, "nproc"), (Ulimit{"nproc", 4096, 32768}));
  EXPECT_TRUE(has_note_starting(*spec, "podman: nofile rlimit 65536:65536 clamped to 20000:20000"));
  EXPECT_TRUE(has_note_starting(*spec, "podman: nproc rlimit 4096:200000 clamped to 4096:32768"));
  EXPECT_EQ(spec->ulimits.source, "python.pass.extra.keys + runtime podman");
}

TEST(PodmanPolicy, DockerRlimitsAreNotTouched) {
  RuntimeFacts docker = rootful_podman();
  docker.runtime = "docker";
  auto spec = resolve(R"({"python.pass.extra.keys": "--ulimit=nofile=65536:65536"})", docker);
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_EQ(spec->ulimits.value, (std::vector<Ulimit>{{"nofile", 65536, 65536}}));
  EXPECT_EQ(find_ulimit(*spec, "nproc"), nullptr);
}

TEST(PodmanPolicy, UnknownHostLimitsAreReportedNotGuessed) {
  RuntimeFacts facts;
  facts.runtime = "podman";
  auto spec = resolve("{}", facts);
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_EQ(find_ulimit(*spec, "nproc"), nullptr);
  EXPECT_TRUE(has_note_starting(*spec, "podman: nproc rlimit not set and this host's hard limit is unknown"));
}

TEST(PodmanPolicy, EnforceAppliesMemoryCpuPidsWhereSupported) {
  auto spec = resolve(R"({"podman.limits.enforce": true})", rootful_podman());
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_EQ(spec->memory.value, kGiB);
  EXPECT_EQ(spec->memory_swap.value, kGiB);
  EXPECT_EQ(spec->nano_cpus.value, 1000000000);
  EXPECT_EQ(spec->pids_limit.value, 256);
  EXPECT_FALSE(has_note_starting(*spec, "podman: memory limit left out"));
  EXPECT_TRUE(has_note_starting(*spec, "podman: memory, CPU and PIDs limits applied (podman.limits.enforce"));
  EXPECT_NE(find_ulimit(*spec, "nproc"), nullptr);  // the rlimit fix applies with or without enforce
}

TEST(PodmanPolicy, EnforceWhereTheHostCannotIsAnErrorNamingTheKey) {
  RuntimeFacts facts = rootful_podman();
  facts.memory_limit_supported = false;
  facts.pids_limit_supported = false;
  facts.limits_unsupported_reason = "rootless Podman on cgroup v1 cannot set cgroup limits";
  auto spec = resolve("{\n  \"podman.limits.enforce\": true\n}", facts);
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(
      spec.error().message,
      "d1.conf:2:3: podman.limits.enforce: the Podman host cannot apply the memory, PIDs limits (rootless "
      "Podman on cgroup v1 cannot set cgroup limits); use rootful Podman or cgroup v2 with delegation, or "
      "set podman.limits.enforce to false to leave them out as the hardening guide allows");
}

TEST(PodmanPolicy, EnforceOnlyNeedsSupportForTheLimitsThePolicySets) {
  RuntimeFacts facts = rootful_podman();
  facts.memory_limit_supported = false;
  auto spec = resolve(R"({"podman.limits.enforce": true, "limit.docker.memory": false})", facts);
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_EQ(spec->memory.value, std::nullopt);
  EXPECT_EQ(spec->pids_limit.value, 256);
}

TEST(PodmanPolicy, EnforceIsIgnoredOnDocker) {
  RuntimeFacts docker;
  docker.memory_limit_supported = false;  // a Docker answer is never second-guessed here
  auto spec = resolve(R"({"podman.limits.enforce": true})", docker);
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_EQ(spec->memory.value, kGiB);
}

// ---- facts_from_info

TEST(RuntimeFactsFromInfo, RootfulPodmanOnCgroupV1) {
  auto info = nlohmann::json::parse(R"({"SwapLimit": true, "MemoryLimit": true, "CpuCfsQuota": true,
    "PidsLimit": true, "CgroupVersion": "1", "SecurityOptions": ["name=seccomp,profile=default"]})");
  RuntimeFacts facts = facts_from_info("podman", info, {20000, 96364, 32768});
  EXPECT_EQ(facts.runtime, "podman");
  EXPECT_TRUE(facts.swap_limit_supported);
  EXPECT_TRUE(facts.memory_limit_supported && facts.cpu_limit_supported && facts.pids_limit_supported);
  EXPECT_EQ(facts.limits_unsupported_reason, "");
  EXPECT_EQ(facts.host_nofile_hard, 20000);
  EXPECT_EQ(facts.host_nproc_hard, 32768);  // the lower of RLIMIT_NPROC and pid_max
}

TEST(RuntimeFactsFromInfo, RootlessPodmanOnCgroupV1CannotLimit) {
  auto info = nlohmann::json::parse(R"({"MemoryLimit": true, "CpuCfsQuota": true, "PidsLimit": true,
    "CgroupVersion": "1", "SecurityOptions": ["name=seccomp,profile=default", "name=rootless"]})");
  RuntimeFacts facts = facts_from_info("podman", info, {1024, std::nullopt, 4194304});
  EXPECT_FALSE(facts.memory_limit_supported);
  EXPECT_FALSE(facts.cpu_limit_supported);
  EXPECT_FALSE(facts.pids_limit_supported);
  EXPECT_EQ(facts.limits_unsupported_reason, "rootless Podman on cgroup v1 cannot set cgroup limits");
  EXPECT_FALSE(facts.swap_limit_supported);  // missing SwapLimit: not supported
  EXPECT_EQ(facts.host_nproc_hard, 4194304);
}

TEST(RuntimeFactsFromInfo, RootlessPodmanOnCgroupV2FollowsInfo) {
  auto info = nlohmann::json::parse(R"({"MemoryLimit": true, "CpuCfsQuota": false, "PidsLimit": true,
    "CgroupVersion": "2", "SecurityOptions": ["name=rootless"]})");
  RuntimeFacts facts = facts_from_info("podman", info, {});
  EXPECT_TRUE(facts.memory_limit_supported);
  EXPECT_FALSE(facts.cpu_limit_supported);
  EXPECT_EQ(facts.limits_unsupported_reason, "the podman service reports it cannot (GET /info)");
}

TEST(RuntimeFactsFromInfo, DockerIgnoresHostLimits) {
  RuntimeFacts facts =
      facts_from_info("docker", nlohmann::json::parse(R"({"SwapLimit": false})"), {20000, 100, 100});
  EXPECT_FALSE(facts.swap_limit_supported);
  EXPECT_EQ(facts.host_nofile_hard, std::nullopt);
  EXPECT_EQ(facts.host_nproc_hard, std::nullopt);
}

TEST(HostLimits, ReadsThisProcess) {
  HostLimits host = read_host_limits();
  ASSERT_TRUE(host.pid_max.has_value());
  EXPECT_GT(*host.pid_max, 0);
}

}  // namespace
}  // namespace hardend::policy
