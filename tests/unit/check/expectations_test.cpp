#include "check/expectations.h"

#include <gtest/gtest.h>

#include "check_test_support.h"

namespace hardend::check {
namespace {

using test::expectations_for;
constexpr int64_t kMiB = int64_t{1} << 20;
constexpr int64_t kGiB = int64_t{1} << 30;

TEST(Expectations, DefaultsAreTheRecommendedHardening) {
  Expectations e = expectations_for();
  EXPECT_EQ(e.image, "hardend/python:3.11");
  EXPECT_EQ(e.user.display, "4000:4000");
  EXPECT_EQ(e.user.uid, 4000);
  EXPECT_EQ(e.user.gid, 4000);
  EXPECT_FALSE(e.user.exempt);
  EXPECT_EQ(e.memory.bytes, kGiB);
  EXPECT_EQ(e.memory.provenance.source, "recommended hardening");
  EXPECT_EQ(e.fds.soft, 1024);
  EXPECT_EQ(e.fds.hard, 8192);
  EXPECT_DOUBLE_EQ(e.cpus.cpus, 1.0);
  EXPECT_EQ(e.pids.max, 256);
  EXPECT_TRUE(e.capabilities.allowed.empty());
  for (const Provenance* p : {&e.user.provenance, &e.memory.provenance, &e.fds.provenance, &e.cpus.provenance,
                              &e.pids.provenance, &e.capabilities.provenance, &e.no_new_privileges.provenance,
                              &e.seccomp.provenance, &e.read_only_root.provenance}) {
    EXPECT_EQ(p->policy_note, "") << p->source;
    EXPECT_EQ(p->not_required, "") << p->source;
  }
}

TEST(Expectations, TurningAProtectionOffKeepsTheExpectationAndSaysWhy) {
  Expectations memory = expectations_for(R"({"limit.docker.memory": false})");
  EXPECT_EQ(memory.memory.bytes, kGiB);
  EXPECT_EQ(memory.memory.provenance.policy_note, "the policy sets no limit (limit.docker.memory)");

  Expectations cpu = expectations_for(R"({"limit.docker.cpu": false})");
  EXPECT_DOUBLE_EQ(cpu.cpus.cpus, 1.0);
  EXPECT_EQ(cpu.cpus.provenance.policy_note, "the policy sets no limit (limit.docker.cpu)");

  Expectations pids = expectations_for(R"({"python.pass.extra.keys": "--pids-limit=-1"})");
  EXPECT_EQ(pids.pids.max, 256);
  EXPECT_EQ(pids.pids.provenance.policy_note, "the policy sets no limit (python.pass.extra.keys)");

  Expectations user = expectations_for(R"({"docker.run.internal.asuser": false})");
  EXPECT_EQ(user.user.uid, 4000);
  EXPECT_EQ(user.user.provenance.policy_note,
            "the policy runs the image's default user (docker.run.internal.asuser)");

  Expectations caps = expectations_for(R"({"docker.run.capabilities.drop.all": false})");
  EXPECT_TRUE(caps.capabilities.allowed.empty());
  EXPECT_NE(caps.capabilities.provenance.policy_note.find("does not drop all capabilities"),
            std::string::npos);

  Expectations nnp = expectations_for(R"({"docker.run.no.new.privileges": false})");
  EXPECT_NE(nnp.no_new_privileges.provenance.policy_note.find("docker.run.no.new.privileges"),
            std::string::npos);

  Expectations writable = expectations_for(R"({"docker.run.read.only": false})");
  EXPECT_NE(writable.read_only_root.provenance.policy_note.find("read-write (docker.run.read.only)"),
            std::string::npos);
}

TEST(Expectations, LooserGeneralValuesAreNotAccepted) {
  Expectations e = expectations_for(R"({"docker.memory.limit": "2g",
                                        "python.pass.extra.keys": "--ulimit=nofile=16384:16384##--pids-limit=512"})");
  EXPECT_EQ(e.memory.bytes, kGiB);
  EXPECT_EQ(e.memory.provenance.policy_note,
            "the policy allows 2g (docker.memory.limit); pass --memory to accept it");
  EXPECT_EQ(e.fds.soft, 1024);
  EXPECT_EQ(e.fds.hard, 8192);
  EXPECT_EQ(
      e.fds.provenance.policy_note,
      "the policy sets nofile 16384:16384 (python.pass.extra.keys); the recommended hardening is 1024:8192; "
      "pass --fds-soft/--fds-hard to accept it");
  EXPECT_EQ(e.pids.max, 256);
}

TEST(Expectations, StricterPolicyTightens) {
  Expectations e = expectations_for(R"({"docker.memory.limit": "128m", "docker.cpu.limit": "0.5",
                                        "python.pass.extra.keys": "--pids-limit=64##--ulimit=nofile=512:1024"})");
  EXPECT_EQ(e.memory.bytes, 128 * kMiB);
  EXPECT_EQ(e.memory.provenance.source, "docker.memory.limit");
  EXPECT_DOUBLE_EQ(e.cpus.cpus, 0.5);
  EXPECT_EQ(e.pids.max, 64);
  EXPECT_EQ(e.pids.provenance.source, "python.pass.extra.keys");
  EXPECT_EQ(e.fds.soft, 512);
  EXPECT_EQ(e.fds.hard, 1024);
}

TEST(Expectations, PerImageKeySetsTheExpectationForThatImage) {
  const std::string config =
      R"({"python.pass.extra.keys.demisto/dl": "--memory=2g##--pids-limit=512##--cpus=2"})";
  Expectations dl = expectations_for(config, {}, "demisto/dl:1.4");
  EXPECT_EQ(dl.memory.bytes, 2 * kGiB);
  EXPECT_EQ(dl.memory.provenance.source, "python.pass.extra.keys.demisto/dl");
  EXPECT_EQ(dl.memory.provenance.policy_note, "");
  EXPECT_EQ(dl.pids.max, 512);
  EXPECT_DOUBLE_EQ(dl.cpus.cpus, 2.0);
  // Another image keeps the recommendation.
  EXPECT_EQ(expectations_for(config).memory.bytes, kGiB);
  // Turning a protection off per image is still a failure to report.
  Expectations off =
      expectations_for(R"({"python.pass.extra.keys.demisto/dl": "--pids-limit=-1"})", {}, "demisto/dl:1.4");
  EXPECT_EQ(off.pids.max, 256);
  EXPECT_NE(off.pids.provenance.policy_note, "");
}

TEST(Expectations, FlagsOverrideEverything) {
  ExpectationInputs inputs;
  inputs.overrides = {3 * kGiB, 100, 64, 128, 0.25};
  Expectations e = expectations_for(R"({"limit.docker.memory": false})", inputs);
  EXPECT_EQ(e.memory.bytes, 3 * kGiB);
  EXPECT_EQ(e.memory.provenance.source, "--memory");
  EXPECT_EQ(e.memory.provenance.policy_note, "");
  EXPECT_EQ(e.pids.max, 100);
  EXPECT_EQ(e.fds.soft, 64);
  EXPECT_EQ(e.fds.hard, 128);
  EXPECT_DOUBLE_EQ(e.cpus.cpus, 0.25);
}

TEST(Expectations, IgnoredImagesAreExemptFromTheNonRootUser) {
  Expectations e = expectations_for(R"({"docker.run.internal.asuser.ignore": "hardend/python:"})");
  EXPECT_TRUE(e.user.exempt);
  EXPECT_EQ(e.user.display, "root");
  EXPECT_EQ(e.user.provenance.source, "docker.run.internal.asuser.ignore");
  EXPECT_FALSE(expectations_for(R"({"docker.run.internal.asuser.ignore": "other/"})").user.exempt);
}

TEST(Expectations, ConfiguredUserAndKeptCapabilities) {
  Expectations e = expectations_for(R"({"docker.run.internal.asuser.user": "1234:5678",
                                        "docker.run.capabilities.keep": "NET_BIND_SERVICE"})");
  EXPECT_EQ(e.user.uid, 1234);
  EXPECT_EQ(e.user.gid, 5678);
  EXPECT_EQ(e.user.provenance.source, "docker.run.internal.asuser.user");
  EXPECT_EQ(e.capabilities.allowed, std::vector<std::string>{"NET_BIND_SERVICE"});
}

TEST(Expectations, PodmanLeftOutLimitsAreStillExpectedWithTheReason) {
  policy::RuntimeFacts podman{"podman", true};
  Expectations e = expectations_for(R"({"container.runtime": "podman"})", {}, test::kImage, podman);
  for (const Provenance* p : {&e.memory.provenance, &e.cpus.provenance, &e.pids.provenance}) {
    EXPECT_EQ(p->not_required, "");
    EXPECT_EQ(p->source, "recommended hardening");
    EXPECT_NE(p->policy_note.find("left out on Podman"), std::string::npos) << p->policy_note;
    EXPECT_NE(p->policy_note.find("podman.limits.enforce"), std::string::npos) << p->policy_note;
  }
  EXPECT_EQ(e.memory.bytes, kGiB);
  EXPECT_EQ(e.pids.max, 256);
  EXPECT_EQ(e.fds.provenance.policy_note, "");
  // The PIDs limit is still proven by spawning one process too many.
  EXPECT_EQ(probe_arguments(e), (std::vector<std::string>{"--pids-spawn", "257"}));
}

TEST(Expectations, PodmanWithEnforcedLimitsExpectsThePolicy) {
  policy::RuntimeFacts podman{"podman", true};
  Expectations e = expectations_for(
      R"({"container.runtime": "podman", "podman.limits.enforce": true, "docker.memory.limit": "512m"})", {},
      test::kImage, podman);
  EXPECT_EQ(e.memory.bytes, kGiB / 2);
  EXPECT_EQ(e.memory.provenance.source, "docker.memory.limit");
  EXPECT_EQ(e.memory.provenance.policy_note, "");
  EXPECT_EQ(e.cpus.provenance.policy_note, "");
  EXPECT_EQ(e.pids.provenance.policy_note, "");
}

TEST(Expectations, ProbeArguments) {
  EXPECT_EQ(probe_arguments(expectations_for()), (std::vector<std::string>{"--pids-spawn", "257"}));
  ExpectationInputs inputs;
  inputs.memory_mode = MemoryCheckMode::Allocate;
  inputs.cpu_measure_ms = 500;
  inputs.overrides.pids = 10;
  EXPECT_EQ(probe_arguments(expectations_for(R"({"docker.memory.limit": "128m"})", inputs)),
            (std::vector<std::string>{"--pids-spawn", "11", "--memory-allocate", "201326592b",
                                      "--cpu-measure", "500"}));
}

TEST(Expectations, FormatCpus) {
  EXPECT_EQ(format_cpus(1.0), "1 CPU");
  EXPECT_EQ(format_cpus(0.5), "0.5 CPUs");
  EXPECT_EQ(format_cpus(2), "2 CPUs");
}

}  // namespace
}  // namespace hardend::check
