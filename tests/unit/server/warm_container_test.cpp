// When a warm container may serve another run (reuse isolation): reuse_verdict() on the facts of one run.
#include "server/warm_container.h"

#include <gtest/gtest.h>

namespace hardend::server {
namespace {

RunHealth healthy_run() {
  RunHealth health;
  health.oom_counter_readable = true;
  health.script_exit_code = 0;
  return health;
}

TEST(ScratchOf, TmpfsMountsAndThePrivateIpcNamespacesObjects) {
  policy::ContainerSpec spec;
  spec.tmpfs.value = {{"/tmp", "rw,noexec"}, {"/dev/shm", "size=1g"}, {"/work", ""}};
  runner::Scratch scratch = scratch_of(spec);
  EXPECT_EQ(scratch.dirs, (std::vector<std::string>{"/dev/shm", "/dev/mqueue", "/tmp", "/work"}));
  EXPECT_TRUE(scratch.sysv_ipc);

  // --ipc=host (allowed only through docker.run.allow.unsafe): /dev/shm, /dev/mqueue and the SysV objects are
  // the host's. Fails if the executor would be told to empty them.
  spec.host_namespaces.value = {"pid", "ipc"};
  scratch = scratch_of(spec);
  EXPECT_EQ(scratch.dirs, (std::vector<std::string>{"/tmp", "/dev/shm", "/work"}));
  EXPECT_FALSE(scratch.sysv_ipc);
}

TEST(ReuseVerdict, AHealthyRunKeepsTheContainer) {
  auto verdict = reuse_verdict(healthy_run());
  EXPECT_TRUE(verdict.reusable);
  EXPECT_EQ(verdict.why_not, "");
  auto failed = healthy_run();
  failed.script_exit_code = 1;  // the script's own failure says nothing about the container
  EXPECT_TRUE(reuse_verdict(failed).reusable);
}

TEST(ReuseVerdict, ALeftoverProcessRecyclesTheContainer) {
  auto health = healthy_run();
  health.leftover_processes = {1, {"23 sleep"}};
  auto verdict = reuse_verdict(health);
  EXPECT_FALSE(verdict.reusable);
  EXPECT_EQ(verdict.why_not, "leftover process (1: 23 sleep)");

  health.leftover_processes = {3, {"23 sleep", "24 sh"}};  // the executor names only the first few
  EXPECT_EQ(reuse_verdict(health).why_not, "leftover processes (3: 23 sleep, 24 sh)");
  health.leftover_processes.names.clear();
  EXPECT_EQ(reuse_verdict(health).why_not, "leftover processes (3)");
}

TEST(ReuseVerdict, FilesTheExecutorCouldNotRemoveRecycleTheContainer) {
  auto health = healthy_run();
  health.scratch_left = {1, {"/tmp/stuck"}};
  auto verdict = reuse_verdict(health);
  EXPECT_FALSE(verdict.reusable);
  EXPECT_EQ(verdict.why_not, "scratch space not emptied (1: /tmp/stuck)");
  health.scratch_left = {2, {"/tmp/a", "sysv shm 3"}};  // paths, and SysV objects by kind and id
  EXPECT_EQ(reuse_verdict(health).why_not, "scratch space not emptied (2: /tmp/a, sysv shm 3)");
}

TEST(ReuseVerdict, EveryDoubtRecyclesTheContainer) {
  auto expect_not_reusable = [](RunHealth health, const std::string& why) {
    auto verdict = reuse_verdict(health);
    EXPECT_FALSE(verdict.reusable) << why;
    EXPECT_EQ(verdict.why_not, why);
  };
  auto health = healthy_run();
  health.timed_out = true;
  health.stream_ended = true;
  expect_not_reusable(health, "timed out");
  health = healthy_run();
  health.interrupted = true;
  health.stream_ended = true;
  expect_not_reusable(health, "interrupted");
  health = healthy_run();
  health.stream_ended = true;
  expect_not_reusable(health, "the container ended");
  health = healthy_run();
  health.oom_killed = true;
  expect_not_reusable(health, "out of memory");
  health = healthy_run();
  health.oom_counter_readable = false;
  expect_not_reusable(health, "its memory cgroup is not readable, so an OOM could go unseen");
  health = healthy_run();
  health.script_exit_code = 137;
  expect_not_reusable(health, "the script was killed by a signal");
  health = healthy_run();
  health.executor_dumpable = true;  // an image whose ctypes cannot load the C library
  expect_not_reusable(health, "the executor is dumpable: a run could tamper with it");
}

}  // namespace
}  // namespace hardend::server
