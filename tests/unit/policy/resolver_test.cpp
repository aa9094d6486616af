#include "policy/resolver.h"

#include <gtest/gtest.h>

#include <functional>

#include "policy_test_config.h"

namespace hardend::policy {
namespace {

using test::TestConfig;
constexpr int64_t kMiB = int64_t{1} << 20;
constexpr int64_t kGiB = int64_t{1} << 30;
constexpr int64_t kOneCpu = 1000000000;

const std::string kGeneral = "python.pass.extra.keys";
const std::string kGuideGeneral = "--pids-limit=256##--ulimit=nofile=1024:8192";
const std::string kGuideDl = "--memory=2g##--ulimit=nofile=1024:8192##--pids-limit=256";
const std::vector<std::string> kGuideIgnore{"demisto/python3:", "demisto/python:"};

ContainerSpec resolve_ok(const config::Config& config, const std::string& image,
                         const RuntimeFacts& facts = {}) {
  auto ref = parse_image_ref(image);
  EXPECT_TRUE(ref.ok()) << ref.error().message;
  if (!ref) return {};
  auto spec = resolve_policy(config, *ref, facts);
  EXPECT_TRUE(spec.ok()) << spec.error().message;
  return spec ? *spec : ContainerSpec{};
}

std::string resolve_error(const config::Config& config, const std::string& image,
                          const RuntimeFacts& facts = {}) {
  auto spec = resolve_policy(config, *parse_image_ref(image), facts);
  EXPECT_FALSE(spec.ok()) << "resolved " << image << " without error";
  return spec ? "" : spec.error().message;
}

struct ResolveCase {
  const char* name;
  std::function<TestConfig()> config;
  std::string image;
  RuntimeFacts facts;
  std::function<void(const ContainerSpec&)> check;
};

std::string case_name(const ::testing::TestParamInfo<ResolveCase>& info) {
  return info.param.name;
}

class Resolve : public ::testing::TestWithParam<ResolveCase> {};

TEST_P(Resolve, Case) {
  const ResolveCase& c = GetParam();
  TestConfig config = c.config();
  ContainerSpec spec = resolve_ok(config, c.image, c.facts);
  EXPECT_EQ(spec.image, parse_image_ref(c.image)->full());
  c.check(spec);
}

TestConfig defaults() {
  return TestConfig{};
}

// The guide's recommended keys: {"docker.run.internal.asuser": true, "limit.docker.cpu": true,
// "limit.docker.memory": true, "python.pass.extra.keys": "--pids-limit=256##--ulimit=nofile=1024:8192"}.
TestConfig guide_recommended() {
  return TestConfig{}.run_as_user(true).limit_cpu(true).limit_memory(true).general_extra_keys(kGuideGeneral);
}

TestConfig guide_with_dl() {
  return guide_recommended().image_extra_keys("demisto/dl", kGuideDl);
}

TestConfig guide_ignore() {
  return TestConfig{}.run_as_user(true).asuser_ignore(kGuideIgnore);
}

void expect_root_by_ignore(const ContainerSpec& spec) {
  EXPECT_EQ(spec.user.value, std::nullopt);
  EXPECT_EQ(spec.user.source, "docker.run.internal.asuser.ignore");
}

void expect_non_root(const ContainerSpec& spec) {
  EXPECT_EQ(spec.user.value, "4000:4000");
  EXPECT_EQ(spec.user.source, "default");
}

INSTANTIATE_TEST_SUITE_P(
    Policy, Resolve,
    ::testing::Values(
        ResolveCase{
            "EmptyConfigIsHardened",
            defaults,
            "hardend/python:3.11",
            {},
            [](const ContainerSpec& s) {
              EXPECT_EQ(s.user.value, "4000:4000");
              EXPECT_EQ(s.memory.value, kGiB);
              EXPECT_EQ(s.memory.source, "default");
              EXPECT_EQ(s.memory_swap.value, kGiB);
              EXPECT_EQ(s.nano_cpus.value, kOneCpu);
              EXPECT_EQ(s.pids_limit.value, 256);
              EXPECT_EQ(s.pids_limit.source, "default");
              EXPECT_EQ(s.ulimits.value, (std::vector<Ulimit>{{"nofile", 1024, 8192}}));
              EXPECT_EQ(s.cap_drop.value, std::vector<std::string>{"ALL"});
              EXPECT_TRUE(s.cap_add.value.empty());
              EXPECT_EQ(s.security_opt.value, std::vector<std::string>{"no-new-privileges"});
              EXPECT_TRUE(s.read_only.value);
              EXPECT_EQ(s.tmpfs.value, (std::vector<TmpfsMount>{{"/tmp", "rw,noexec,nosuid,size=64m"}}));
              EXPECT_EQ(s.network.value, "bridge");
              EXPECT_EQ(s.network.source, "default");
              EXPECT_FALSE(s.privileged.value);
              EXPECT_TRUE(s.notes.empty());
            }},
        ResolveCase{"GuideRecommendedGeneralKeys",
                    guide_recommended,
                    "demisto/python3:3.10.12",
                    {},
                    [](const ContainerSpec& s) {
                      EXPECT_EQ(s.pids_limit.value, 256);
                      EXPECT_EQ(s.pids_limit.source, kGeneral);
                      EXPECT_EQ(s.ulimits.value, (std::vector<Ulimit>{{"nofile", 1024, 8192}}));
                      EXPECT_EQ(s.ulimits.source, kGeneral);
                      EXPECT_EQ(s.user.value, "4000:4000");
                      EXPECT_EQ(s.memory.value, kGiB);
                      EXPECT_EQ(s.nano_cpus.value, kOneCpu);
                    }},
        ResolveCase{"GuideDemistoDlGets2g",
                    guide_with_dl,
                    "demisto/dl:1.4",
                    {},
                    [](const ContainerSpec& s) {
                      EXPECT_EQ(s.memory.value, 2 * kGiB);
                      EXPECT_EQ(s.memory.source, "python.pass.extra.keys.demisto/dl");
                      EXPECT_EQ(s.memory_swap.value, 2 * kGiB);
                      EXPECT_EQ(s.pids_limit.source, "python.pass.extra.keys.demisto/dl");
                      EXPECT_EQ(s.ulimits.source, "python.pass.extra.keys.demisto/dl");
                      EXPECT_EQ(s.nano_cpus.value, kOneCpu);
                      EXPECT_EQ(s.nano_cpus.source, "default");
                    }},
        ResolveCase{"GuideDemistoDlDoesNotAffectOtherImages",
                    guide_with_dl,
                    "demisto/dlx:1.4",
                    {},
                    [](const ContainerSpec& s) {
                      EXPECT_EQ(s.memory.value, kGiB);
                      EXPECT_EQ(s.pids_limit.source, kGeneral);
                    }},
        ResolveCase{"ImageKeysReplaceTheGeneralKeys",
                    [] {
                      return TestConfig{}
                          .general_extra_keys("--pids-limit=100##--cpus=3##--network=external")
                          .image_extra_keys("demisto/dl", "--memory=2g");
                    },
                    "demisto/dl:1.4",
                    {},
                    [](const ContainerSpec& s) {
                      EXPECT_EQ(s.memory.value, 2 * kGiB);
                      EXPECT_EQ(s.pids_limit.value, 256);  // not 100: the general keys are not applied
                      EXPECT_EQ(s.pids_limit.source, "default");
                      EXPECT_EQ(s.nano_cpus.value, kOneCpu);  // not 3
                      EXPECT_EQ(s.network.value, "bridge");
                    }},
        ResolveCase{"ImageTagKeyWinsOverImageKey",
                    [] {
                      return TestConfig{}
                          .image_extra_keys("demisto/dl", "--memory=2g")
                          .image_extra_keys("demisto/dl:1.4", "--memory=4g");
                    },
                    "demisto/dl:1.4",
                    {},
                    [](const ContainerSpec& s) {
                      EXPECT_EQ(s.memory.value, 4 * kGiB);
                      EXPECT_EQ(s.memory.source, "python.pass.extra.keys.demisto/dl:1.4");
                    }},
        ResolveCase{"ImageKeyCoversOtherTags",
                    [] {
                      return TestConfig{}
                          .image_extra_keys("demisto/dl", "--memory=2g")
                          .image_extra_keys("demisto/dl:1.4", "--memory=4g");
                    },
                    "demisto/dl:1.5",
                    {},
                    [](const ContainerSpec& s) {
                      EXPECT_EQ(s.memory.value, 2 * kGiB);
                      EXPECT_EQ(s.memory.source, "python.pass.extra.keys.demisto/dl");
                    }},
        ResolveCase{"ImageWithoutTagMeansLatest",
                    [] {
                      return TestConfig{}
                          .image_extra_keys("demisto/dl", "--memory=2g")
                          .image_extra_keys("demisto/dl:latest", "--memory=3g");
                    },
                    "demisto/dl",
                    {},
                    [](const ContainerSpec& s) {
                      EXPECT_EQ(s.memory.value, 3 * kGiB);
                      EXPECT_EQ(s.memory.source, "python.pass.extra.keys.demisto/dl:latest");
                    }},
        ResolveCase{"DockerHubQualifiedNameMatchesShortKey",
                    [] { return TestConfig{}.image_extra_keys("demisto/dl", "--memory=2g"); },
                    "docker.io/demisto/dl:1.4",
                    {},
                    [](const ContainerSpec& s) { EXPECT_EQ(s.memory.value, 2 * kGiB); }},
        ResolveCase{"OtherRegistryDoesNotMatchShortKey",
                    [] { return TestConfig{}.image_extra_keys("demisto/dl", "--memory=2g"); },
                    "registry.local:5000/demisto/dl:1.4",
                    {},
                    [](const ContainerSpec& s) { EXPECT_EQ(s.memory.value, kGiB); }},
        ResolveCase{
            "RegistryQualifiedKey",
            [] { return TestConfig{}.image_extra_keys("registry.local:5000/demisto/dl", "--memory=2g"); },
            "registry.local:5000/demisto/dl:1.4",
            {},
            [](const ContainerSpec& s) { EXPECT_EQ(s.memory.value, 2 * kGiB); }},
        ResolveCase{"ImageCpusOverrideDockerCpuLimit",
                    [] { return TestConfig{}.cpu_limit(2.0).image_extra_keys("demisto/dl", "--cpus=0.5"); },
                    "demisto/dl:1.4",
                    {},
                    [](const ContainerSpec& s) {
                      EXPECT_EQ(s.nano_cpus.value, 500000000);
                      EXPECT_EQ(s.nano_cpus.source, "python.pass.extra.keys.demisto/dl");
                    }},
        ResolveCase{
            "ImageMemoryAppliesEvenWhenMemoryLimitOff",
            [] { return TestConfig{}.limit_memory(false).image_extra_keys("demisto/dl", "--memory=2g"); },
            "demisto/dl:1.4",
            {},
            [](const ContainerSpec& s) { EXPECT_EQ(s.memory.value, 2 * kGiB); }},
        ResolveCase{"MemoryLimitOff",
                    [] { return TestConfig{}.limit_memory(false); },
                    "demisto/python3:3.10",
                    {},
                    [](const ContainerSpec& s) {
                      EXPECT_EQ(s.memory.value, std::nullopt);
                      EXPECT_EQ(s.memory.source, "limit.docker.memory");
                      EXPECT_EQ(s.memory_swap.value, std::nullopt);
                    }},
        ResolveCase{"CpuLimitOff",
                    [] { return TestConfig{}.limit_cpu(false); },
                    "demisto/python3:3.10",
                    {},
                    [](const ContainerSpec& s) {
                      EXPECT_EQ(s.nano_cpus.value, std::nullopt);
                      EXPECT_EQ(s.nano_cpus.source, "limit.docker.cpu");
                    }},
        ResolveCase{"ConfiguredMemoryAndCpu",
                    [] { return TestConfig{}.memory_limit(512 * kMiB).cpu_limit(1.5); },
                    "demisto/python3:3.10",
                    {},
                    [](const ContainerSpec& s) {
                      EXPECT_EQ(s.memory.value, 512 * kMiB);
                      EXPECT_EQ(s.memory.source, "docker.memory.limit");
                      EXPECT_EQ(s.memory_swap.value, 512 * kMiB);
                      EXPECT_EQ(s.nano_cpus.value, 1500000000);
                      EXPECT_EQ(s.nano_cpus.source, "docker.cpu.limit");
                    }},
        ResolveCase{"SwapEqualsMemoryWhenSupported", defaults, "demisto/python3:3.10",
                    RuntimeFacts{"docker", true},
                    [](const ContainerSpec& s) {
                      EXPECT_EQ(s.memory_swap.value, kGiB);
                      EXPECT_TRUE(s.notes.empty());
                    }},
        ResolveCase{"SwapUnlimitedAndReportedWhenUnsupported", defaults, "demisto/python3:3.10",
                    RuntimeFacts{"docker", false},
                    [](const ContainerSpec& s) {
                      EXPECT_EQ(s.memory.value, kGiB);
                      EXPECT_EQ(s.memory_swap.value, -1);
                      EXPECT_EQ(s.memory_swap.source, "docker info: SwapLimit=false");
                      EXPECT_EQ(s.notes,
                                std::vector<std::string>{"swap not limited: the daemon reports no "
                                                         "swap-limit support; memory is limited without swap "
                                                         "accounting"});
                    }},
        ResolveCase{"GuideExplicitUnlimitedSwap",
                    [] { return TestConfig{}.general_extra_keys("--memory=1g##--memory-swap=-1"); },
                    "demisto/python3:3.10", RuntimeFacts{"docker", false},
                    [](const ContainerSpec& s) {
                      EXPECT_EQ(s.memory.value, kGiB);
                      EXPECT_EQ(s.memory.source, kGeneral);
                      EXPECT_EQ(s.memory_swap.value, -1);
                      EXPECT_EQ(s.memory_swap.source, kGeneral);
                      EXPECT_TRUE(s.notes.empty());
                    }},
        ResolveCase{"ExplicitSwapSizeWins",
                    [] { return TestConfig{}.general_extra_keys("--memory-swap=3g"); },
                    "demisto/python3:3.10",
                    {},
                    [](const ContainerSpec& s) {
                      EXPECT_EQ(s.memory.value, kGiB);
                      EXPECT_EQ(s.memory_swap.value, 3 * kGiB);
                      EXPECT_EQ(s.memory_swap.source, kGeneral);
                    }},
        ResolveCase{"ExplicitSwapOnHostWithoutSwapLimitIsReported",
                    [] { return TestConfig{}.general_extra_keys("--memory-swap=3g"); },
                    "demisto/python3:3.10", RuntimeFacts{"docker", false},
                    [](const ContainerSpec& s) {
                      ASSERT_EQ(s.notes.size(), 1u);
                      EXPECT_EQ(s.notes[0].rfind("swap limit from python.pass.extra.keys not enforced", 0),
                                0u);
                    }},
        ResolveCase{"GuideIgnorePython13Alpine",
                    guide_ignore,
                    "demisto/python:1.3-alpine",
                    {},
                    expect_root_by_ignore},
        ResolveCase{
            "GuideIgnorePython2716", guide_ignore, "demisto/python:2.7.16.373", {}, expect_root_by_ignore},
        ResolveCase{
            "GuideIgnorePython3373", guide_ignore, "demisto/python3:3.7.3.928", {}, expect_root_by_ignore},
        ResolveCase{
            "GuideIgnorePython3374", guide_ignore, "demisto/python3:3.7.4.977", {}, expect_root_by_ignore},
        ResolveCase{"GuideIgnoreDoesNotMatchPythonUbuntu",
                    guide_ignore,
                    "demisto/python-ubuntu:2.7.16.373",
                    {},
                    expect_non_root},
        ResolveCase{"IgnoreWithColonDoesNotMatchLongerName",
                    guide_ignore,
                    "demisto/python3-deb:1.0",
                    {},
                    expect_non_root},
        ResolveCase{"IgnoreWithoutColonMatchesLongerNames",
                    [] { return TestConfig{}.asuser_ignore({"demisto/python"}); },
                    "demisto/python3-deb:1.0",
                    {},
                    expect_root_by_ignore},
        ResolveCase{
            "IgnoreAppliesToImplicitLatest", guide_ignore, "demisto/python3", {}, expect_root_by_ignore},
        ResolveCase{"AsUserOff",
                    [] { return TestConfig{}.run_as_user(false); },
                    "demisto/python3:3.10",
                    {},
                    [](const ContainerSpec& s) {
                      EXPECT_EQ(s.user.value, std::nullopt);
                      EXPECT_EQ(s.user.source, "docker.run.internal.asuser");
                    }},
        ResolveCase{"CustomUser",
                    [] { return TestConfig{}.user("1000:1000"); },
                    "demisto/python3:3.10",
                    {},
                    [](const ContainerSpec& s) {
                      EXPECT_EQ(s.user.value, "1000:1000");
                      EXPECT_EQ(s.user.source, "docker.run.internal.asuser.user");
                    }},
        ResolveCase{"ExplicitUserWinsOverIgnore",
                    [] { return guide_ignore().image_extra_keys("demisto/python3", "--user=2000:2000"); },
                    "demisto/python3:3.7.3.928",
                    {},
                    [](const ContainerSpec& s) {
                      EXPECT_EQ(s.user.value, "2000:2000");
                      EXPECT_EQ(s.user.source, "python.pass.extra.keys.demisto/python3");
                    }},
        ResolveCase{
            "GuideBoto3MetadataNetwork",
            [] { return TestConfig{}.image_extra_keys("demisto/boto3py3", "--network=aws-metadata"); },
            "demisto/boto3py3:1.0.0.12345",
            {},
            [](const ContainerSpec& s) {
              EXPECT_EQ(s.network.value, "aws-metadata");
              EXPECT_EQ(s.network.source, "python.pass.extra.keys.demisto/boto3py3");
              EXPECT_EQ(s.pids_limit.value, 256);  // hardened defaults stay
              EXPECT_EQ(s.memory.value, kGiB);
            }},
        ResolveCase{"GuideChromiumExternalNetwork",
                    [] { return TestConfig{}.image_extra_keys("demisto/chromium", "--network=external"); },
                    "demisto/chromium:1.0",
                    {},
                    [](const ContainerSpec& s) { EXPECT_EQ(s.network.value, "external"); }},
        ResolveCase{"PodmanLeavesOutMemoryCpuPids", guide_recommended, "demisto/python3:3.10",
                    RuntimeFacts{"podman", true},
                    [](const ContainerSpec& s) {
                      EXPECT_EQ(s.runtime, "podman");
                      EXPECT_EQ(s.memory.value, std::nullopt);
                      EXPECT_EQ(s.memory_swap.value, std::nullopt);
                      EXPECT_EQ(s.nano_cpus.value, std::nullopt);
                      EXPECT_EQ(s.pids_limit.value, std::nullopt);
                      EXPECT_EQ(s.memory.source, "runtime podman");
                      // The three limits, then the nproc rlimit that Podman needs set (podman_test.cpp).
                      ASSERT_EQ(s.notes.size(), 4u);
                      EXPECT_EQ(std::vector<std::string>(s.notes.begin(), s.notes.begin() + 3),
                                (std::vector<std::string>{
                                    "podman: memory limit left out (the hardening guide: Podman hosts may "
                                    "not support it; podman.limits.enforce=true applies it)",
                                    "podman: CPU limit left out (the hardening guide: Podman hosts may not "
                                    "support it; podman.limits.enforce=true applies it)",
                                    "podman: PIDs limit left out (the hardening guide: Podman hosts may not "
                                    "support it; podman.limits.enforce=true applies it)"}));
                      EXPECT_EQ(s.notes[3].rfind("podman: nproc rlimit not set", 0), 0u) << s.notes[3];
                      // Everything else still applies.
                      EXPECT_EQ(s.user.value, "4000:4000");
                      EXPECT_EQ(s.ulimits.value, (std::vector<Ulimit>{{"nofile", 1024, 8192}}));
                      EXPECT_EQ(s.cap_drop.value, std::vector<std::string>{"ALL"});
                    }},
        ResolveCase{"PodmanOnlyReportsWhatItLeftOut",
                    [] { return TestConfig{}.limit_memory(false).limit_cpu(false); }, "demisto/python3:3.10",
                    RuntimeFacts{"podman", false},
                    [](const ContainerSpec& s) {
                      ASSERT_EQ(s.notes.size(), 2u);
                      EXPECT_EQ(s.notes[0].rfind("podman: PIDs limit left out", 0), 0u);
                      EXPECT_EQ(s.notes[1].rfind("podman: nproc rlimit", 0), 0u);
                    }},
        ResolveCase{"PidsUnlimitedByExtraKey",
                    [] { return TestConfig{}.general_extra_keys("--pids-limit=-1"); },
                    "demisto/python3:3.10",
                    {},
                    [](const ContainerSpec& s) {
                      EXPECT_EQ(s.pids_limit.value, std::nullopt);
                      EXPECT_EQ(s.pids_limit.source, kGeneral);
                    }},
        ResolveCase{
            "UlimitAddedNextToDefault",
            [] { return TestConfig{}.general_extra_keys("--ulimit=nproc=64:128"); },
            "demisto/python3:3.10",
            {},
            [](const ContainerSpec& s) {
              EXPECT_EQ(s.ulimits.value, (std::vector<Ulimit>{{"nofile", 1024, 8192}, {"nproc", 64, 128}}));
              EXPECT_EQ(s.ulimits.source, "default + python.pass.extra.keys");
            }},
        ResolveCase{"UlimitOverridesDefaultByName",
                    [] { return TestConfig{}.general_extra_keys("--ulimit=nofile=2048:4096"); },
                    "demisto/python3:3.10",
                    {},
                    [](const ContainerSpec& s) {
                      EXPECT_EQ(s.ulimits.value, (std::vector<Ulimit>{{"nofile", 2048, 4096}}));
                      EXPECT_EQ(s.ulimits.source, kGeneral);
                    }},
        ResolveCase{"KeptCapabilitiesAndSafeCapAdd",
                    [] {
                      return TestConfig{}
                          .keep_capabilities({"cap_net_bind_service"})
                          .general_extra_keys("--cap-add=CHOWN##--cap-add=NET_BIND_SERVICE");
                    },
                    "demisto/python3:3.10",
                    {},
                    [](const ContainerSpec& s) {
                      EXPECT_EQ(s.cap_drop.value, std::vector<std::string>{"ALL"});
                      EXPECT_EQ(s.cap_add.value, (std::vector<std::string>{"NET_BIND_SERVICE", "CHOWN"}));
                      EXPECT_EQ(s.cap_add.source, "docker.run.capabilities.keep + python.pass.extra.keys");
                    }},
        ResolveCase{
            "DropAllOff",
            [] { return TestConfig{}.drop_all_capabilities(false).general_extra_keys("--cap-drop=NET_RAW"); },
            "demisto/python3:3.10",
            {},
            [](const ContainerSpec& s) {
              EXPECT_EQ(s.cap_drop.value, std::vector<std::string>{"NET_RAW"});
              EXPECT_EQ(s.cap_drop.source, kGeneral);
            }},
        ResolveCase{"NoNewPrivilegesOffAndExtraSecurityOpt",
                    [] {
                      return TestConfig{}.no_new_privileges(false).general_extra_keys(
                          "--security-opt=apparmor=docker-default");
                    },
                    "demisto/python3:3.10",
                    {},
                    [](const ContainerSpec& s) {
                      EXPECT_EQ(s.security_opt.value, std::vector<std::string>{"apparmor=docker-default"});
                      EXPECT_EQ(s.security_opt.source, kGeneral);
                    }},
        ResolveCase{"ReadOnlyRootOff",
                    [] { return TestConfig{}.read_only_root(false); },
                    "demisto/python3:3.10",
                    {},
                    [](const ContainerSpec& s) {
                      EXPECT_FALSE(s.read_only.value);
                      EXPECT_EQ(s.read_only.source, "docker.run.read.only");
                    }},
        ResolveCase{"ReadOnlyOffByImageKey",
                    [] { return TestConfig{}.image_extra_keys("demisto/chromium", "--read-only=false"); },
                    "demisto/chromium:1.0",
                    {},
                    [](const ContainerSpec& s) {
                      EXPECT_FALSE(s.read_only.value);
                      EXPECT_EQ(s.read_only.source, "python.pass.extra.keys.demisto/chromium");
                    }},
        ResolveCase{
            "TmpfsFromConfigAndExtraKeys",
            [] {
              return TestConfig{}
                  .tmpfs({"/tmp:rw,size=32m", "/run"})
                  .general_extra_keys("--tmpfs=/tmp:rw,size=128m");
            },
            "demisto/python3:3.10",
            {},
            [](const ContainerSpec& s) {
              EXPECT_EQ(s.tmpfs.value, (std::vector<TmpfsMount>{{"/run", ""}, {"/tmp", "rw,size=128m"}}));
              EXPECT_EQ(s.tmpfs.source, "docker.run.tmpfs + python.pass.extra.keys");
            }},
        ResolveCase{"EnvLabelsShmStopTimeout",
                    [] {
                      return TestConfig{}.general_extra_keys(
                          "-e A=1##--label team=ir##--shm-size=128m##--stop-timeout=3");
                    },
                    "demisto/python3:3.10",
                    {},
                    [](const ContainerSpec& s) {
                      EXPECT_EQ(s.env.value, std::vector<std::string>{"A=1"});
                      EXPECT_EQ(s.labels.value, (std::map<std::string, std::string>{{"team", "ir"}}));
                      EXPECT_EQ(s.shm_size.value, 128 * kMiB);
                      EXPECT_EQ(s.stop_timeout.value, 3);
                      EXPECT_EQ(s.env.source, kGeneral);
                    }},
        ResolveCase{"AllowedUnsafeFlagIsAppliedAndReported",
                    [] {
                      return TestConfig{}
                          .allow_unsafe({"--cap-add=SYS_PTRACE"})
                          .image_extra_keys("demisto/debugger", "--cap-add=SYS_PTRACE");
                    },
                    "demisto/debugger:1",
                    {},
                    [](const ContainerSpec& s) {
                      EXPECT_EQ(s.cap_add.value, std::vector<std::string>{"SYS_PTRACE"});
                      EXPECT_EQ(
                          s.notes,
                          std::vector<std::string>{
                              "unsafe: --cap-add=SYS_PTRACE from python.pass.extra.keys.demisto/debugger "
                              "applied because docker.run.allow.unsafe allows it"});
                    }}),
    case_name);

TEST(ResolveErrors, FlagErrorsCarryLocationAndKey) {
  TestConfig config = TestConfig{}.image_extra_keys("demisto/dl", "--memroy=2g", 7);
  EXPECT_EQ(resolve_error(config, "demisto/dl:1.4"),
            "d1.conf:7:3: python.pass.extra.keys.demisto/dl: unknown flag --memroy (did you mean --memory?)");
}

TEST(ResolveErrors, UnsafeFlagIsRefusedWithKeyAndFlag) {
  TestConfig config = TestConfig{}.general_extra_keys("--pids-limit=256##--privileged", 4);
  std::string message = resolve_error(config, "demisto/python3:3.10");
  EXPECT_EQ(
      message.rfind(
          "d1.conf:4:3: python.pass.extra.keys: --privileged: refused: it breaks container isolation", 0),
      0u)
      << message;
}

TEST(ResolveErrors, SwapBelowMemoryIsAnError) {
  TestConfig config = TestConfig{}.general_extra_keys("--memory-swap=512m", 2);
  EXPECT_EQ(
      resolve_error(config, "demisto/python3:3.10"),
      "d1.conf:2:3: python.pass.extra.keys: --memory-swap=512m is below the memory limit 1g (from default); "
      "memory-swap counts memory plus swap, or is -1 for unlimited swap");
}

TEST(ResolveErrors, SwapWithoutMemoryIsAnError) {
  TestConfig config = TestConfig{}.limit_memory(false).general_extra_keys("--memory-swap=2g", 2);
  EXPECT_NE(resolve_error(config, "demisto/python3:3.10").find("needs a memory limit"), std::string::npos);
}

TEST(ResolveErrors, BrokenKeyOfAnotherImageDoesNotBlockThisOne) {
  TestConfig config = TestConfig{}.image_extra_keys("demisto/dl", "--memroy=2g");
  EXPECT_EQ(resolve_ok(config, "demisto/python3:3.10").memory.value, kGiB);
}

TEST(ResolveErrors, UnknownRuntime) {
  EXPECT_EQ(resolve_error(TestConfig{}, "demisto/dl:1.4", RuntimeFacts{"lxc", true}),
            "unknown container runtime 'lxc'; expected docker or podman");
}

TEST(ExtraKeysSource, NamesTheKeyThatApplies) {
  TestConfig config = guide_with_dl().image_extra_keys("demisto/dl:1.4", "--memory=4g");
  EXPECT_EQ(extra_keys_source(config, *parse_image_ref("demisto/dl:1.4")),
            "python.pass.extra.keys.demisto/dl:1.4");
  EXPECT_EQ(extra_keys_source(config, *parse_image_ref("demisto/dl:1.3")),
            "python.pass.extra.keys.demisto/dl");
  EXPECT_EQ(extra_keys_source(config, *parse_image_ref("demisto/other")), kGeneral);
  EXPECT_EQ(extra_keys_source(TestConfig{}, *parse_image_ref("demisto/other")), "");
}

TEST(ExtraKeysSource, DigestKeyIsMostSpecific) {
  const std::string digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  TestConfig config = TestConfig{}
                          .image_extra_keys("demisto/dl:1.4", "--memory=4g")
                          .image_extra_keys("demisto/dl@" + digest, "-m 3g");
  auto image = parse_image_ref("demisto/dl:1.4@" + digest);
  ASSERT_TRUE(image.ok());
  EXPECT_EQ(extra_keys_source(config, *image), "python.pass.extra.keys.demisto/dl@" + digest);
  EXPECT_EQ(resolve_ok(config, image->full()).memory.value, 3 * kGiB);
}

TEST(ImagesNamedInConfig, ListsEveryPerImageKey) {
  TestConfig config = guide_with_dl()
                          .image_extra_keys("demisto/boto3py3", "--network=aws-metadata")
                          .image_extra_keys("demisto/dl:1.4", "--memory=4g");
  EXPECT_EQ(images_named_in_config(config),
            (std::vector<std::string>{"demisto/boto3py3", "demisto/dl", "demisto/dl:1.4"}));
  EXPECT_TRUE(images_named_in_config(TestConfig{}).empty());
}

TEST(ValidatePolicyKeys, ReportsEveryBrokenKeyWithItsLocation) {
  TestConfig config = TestConfig{}
                          .general_extra_keys("--pids-limit=256##--privileged", 2)
                          .image_extra_keys("demisto/dl", "--memroy=2g", 7)
                          .image_extra_keys("Demisto/DL", "--memory=2g", 9)
                          .image_extra_keys("demisto/boto3py3", "--network=aws-metadata", 11)
                          .declare_network("aws-metadata", "docker-metadata");
  std::vector<std::string> lines;
  for (const auto& diagnostic : validate_policy_keys(config)) {
    EXPECT_EQ(diagnostic.severity, config::Severity::Error);
    lines.push_back(diagnostic.str());
  }
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].rfind("d1.conf:2:3: python.pass.extra.keys: --privileged: refused", 0), 0u) << lines[0];
  EXPECT_EQ(lines[1].rfind(
                "d1.conf:9:3: python.pass.extra.keys.Demisto/DL: invalid image reference 'Demisto/DL'", 0),
            0u)
      << lines[1];
  EXPECT_EQ(lines[2],
            "d1.conf:7:3: python.pass.extra.keys.demisto/dl: unknown flag --memroy (did you mean --memory?)");
}

TEST(ValidatePolicyKeys, GuideConfigIsClean) {
  TestConfig config = guide_with_dl()
                          .image_extra_keys("demisto/boto3py3", "--network=aws-metadata")
                          .declare_network("aws-metadata", "docker-metadata");
  EXPECT_TRUE(validate_policy_keys(config).empty());
}

TEST(ValidatePolicyKeys, UndeclaredNetworkIsAConfigError) {
  TestConfig config = guide_with_dl().image_extra_keys("demisto/boto3py3", "--network=aws-metadata", 11);
  auto diagnostics = validate_policy_keys(config);
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_NE(diagnostics[0].str().find("d1.conf:11:3: python.pass.extra.keys.demisto/boto3py3"), std::string::npos)
      << diagnostics[0].str();
}

}  // namespace
}  // namespace hardend::policy

namespace hardend::policy {
namespace {

TEST(KeptCapabilities, DangerousOnesNeedTheAllowKey) {
  TestConfig refused = TestConfig{}.keep_capabilities({"NET_BIND_SERVICE", "cap_sys_admin"});
  std::string message = resolve_error(refused, "demisto/python3:3.10");
  EXPECT_EQ(message.rfind("d1.conf:13:3: docker.run.capabilities.keep: --cap-add=cap_sys_admin: refused", 0),
            0u)
      << message;

  TestConfig allowed =
      TestConfig{}.keep_capabilities({"cap_sys_admin"}).allow_unsafe({"--cap-add=SYS_ADMIN"});
  ContainerSpec spec = resolve_ok(allowed, "demisto/python3:3.10");
  EXPECT_EQ(spec.cap_add.value, std::vector<std::string>{"SYS_ADMIN"});
  EXPECT_EQ(spec.notes,
            std::vector<std::string>{"unsafe: --cap-add=SYS_ADMIN from docker.run.capabilities.keep "
                                     "applied because docker.run.allow.unsafe allows it"});
}

}  // namespace
}  // namespace hardend::policy
