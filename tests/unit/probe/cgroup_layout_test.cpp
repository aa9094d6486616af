#include "probe/cgroup_layout.h"

#include <gtest/gtest.h>

#include "recorded_data.h"

namespace hardend::probe {
namespace {

using testing::recorded;

struct Layout {
  std::vector<CgroupMembership> memberships;
  std::vector<MountEntry> mounts;
};

Layout load(const std::string& scenario) {
  auto memberships = parse_proc_self_cgroup(recorded(scenario, "proc_self_cgroup"));
  auto mounts = parse_mountinfo(recorded(scenario, "proc_self_mountinfo"));
  EXPECT_TRUE(memberships.ok()) << memberships.error().message;
  EXPECT_TRUE(mounts.ok()) << mounts.error().message;
  return {memberships.ok() ? *memberships : std::vector<CgroupMembership>{},
          mounts.ok() ? *mounts : std::vector<MountEntry>{}};
}

CgroupCandidate first_candidate(const Layout& layout, std::string_view controller) {
  auto candidates = cgroup_candidates(layout.memberships, layout.mounts, controller);
  EXPECT_FALSE(candidates.empty());
  return candidates.empty() ? CgroupCandidate{} : candidates.front();
}

TEST(ProcSelfCgroup, ParsesV1ControllerListsAndTheV2Line) {
  auto memberships = parse_proc_self_cgroup(recorded("v1_host", "proc_self_cgroup"));
  ASSERT_TRUE(memberships.ok());
  ASSERT_EQ(memberships->size(), 10u);
  EXPECT_EQ(memberships->front().controllers, std::vector<std::string>{"name=systemd"});
  EXPECT_EQ((*memberships)[5].controllers, std::vector<std::string>{"memory"});
  EXPECT_EQ((*memberships)[5].path, "/process_api/8ed6e1f1f31a9ebcf14a463d03c895c4");
  EXPECT_EQ(memberships->back().hierarchy_id, 0);
  EXPECT_TRUE(memberships->back().controllers.empty());

  auto combined = parse_proc_self_cgroup("4:cpu,cpuacct:/docker/abc\n0::/odd:path\n");
  ASSERT_TRUE(combined.ok());
  EXPECT_EQ((*combined)[0].controllers, (std::vector<std::string>{"cpu", "cpuacct"}));
  EXPECT_EQ((*combined)[1].path, "/odd:path");  // only the first two colons separate fields

  EXPECT_FALSE(parse_proc_self_cgroup("no colons here\n").ok());
  EXPECT_FALSE(parse_proc_self_cgroup("x:memory:/\n").ok());
}

TEST(Mountinfo, ParsesOptionalFieldsAndEscapes) {
  auto mounts = parse_mountinfo(
      "36 35 98:0 /mnt1 /mnt\\040two rw,noatime master:1 shared:2 - ext3 /dev/root rw,errors=continue\n"
      "80 79 0:29 /docker/abc /sys/fs/cgroup/cpu,cpuacct ro,nosuid - cgroup cgroup rw,cpu,cpuacct\n");
  ASSERT_TRUE(mounts.ok()) << mounts.error().message;
  ASSERT_EQ(mounts->size(), 2u);
  EXPECT_EQ((*mounts)[0].mount_point, "/mnt two");
  EXPECT_EQ((*mounts)[0].fs_type, "ext3");
  EXPECT_EQ((*mounts)[1].root, "/docker/abc");
  EXPECT_EQ((*mounts)[1].super_options, (std::vector<std::string>{"rw", "cpu", "cpuacct"}));
  EXPECT_FALSE(parse_mountinfo("36 35 98:0 / /mnt rw ext3 /dev/root rw\n").ok());  // no " - " separator
}

TEST(CgroupCandidates, V1HostNamespaceContainerUsesTheBindMountedOwnCgroup) {
  // Docker 20.10 on v1: /proc/self/cgroup says /docker/<id>, and that directory is what is mounted.
  Layout layout = load("v1_docker_hostns_limited");
  EXPECT_EQ(detect_cgroup_version(layout.mounts), 1);
  for (std::string controller : {"memory", "cpu", "pids"}) {
    auto candidate = first_candidate(layout, controller);
    EXPECT_EQ(candidate.version, 1);
    EXPECT_EQ(candidate.directory, "/sys/fs/cgroup/" + controller) << candidate.reason;
  }
}

TEST(CgroupCandidates, V1PrivateNamespaceContainerIsAtTheMountRoot) {
  Layout layout = load("v1_docker_private_ns");
  EXPECT_EQ(first_candidate(layout, "memory").directory, "/sys/fs/cgroup/memory");
  EXPECT_EQ(first_candidate(layout, "pids").directory, "/sys/fs/cgroup/pids");
}

TEST(CgroupCandidates, V1HostProcessIsBelowTheMountRoot) {
  Layout layout = load("v1_host");
  EXPECT_EQ(detect_cgroup_version(layout.mounts),
            1);  // hybrid: a controller-less cgroup2 does not make it v2
  auto memory = first_candidate(layout, "memory");
  EXPECT_EQ(memory.directory, "/sys/fs/cgroup/memory/process_api/8ed6e1f1f31a9ebcf14a463d03c895c4");
  auto all = cgroup_candidates(layout.memberships, layout.mounts, "memory");
  ASSERT_GE(all.size(), 2u);
  EXPECT_EQ(all[1].directory, "/sys/fs/cgroup/memory");  // the mount point is the next guess
  EXPECT_EQ(first_candidate(layout, "cpu").directory, "/sys/fs/cgroup/cpu");
}

TEST(CgroupCandidates, V1CombinedCpuCpuacctMount) {
  auto memberships = parse_proc_self_cgroup("3:cpu,cpuacct:/docker/abc\n");
  auto mounts = parse_mountinfo(
      "80 79 0:29 /docker/abc /sys/fs/cgroup/cpu,cpuacct ro - cgroup cgroup rw,cpu,cpuacct\n");
  ASSERT_TRUE(memberships.ok() && mounts.ok());
  auto candidates = cgroup_candidates(*memberships, *mounts, "cpu");
  ASSERT_FALSE(candidates.empty());
  EXPECT_EQ(candidates.front().directory, "/sys/fs/cgroup/cpu,cpuacct");
}

TEST(CgroupCandidates, V2PrivateNamespace) {
  Layout layout = load("v2_docker_private_ns_limited");
  EXPECT_EQ(detect_cgroup_version(layout.mounts), 2);
  for (std::string controller : {"memory", "cpu", "pids"}) {
    auto candidate = first_candidate(layout, controller);
    EXPECT_EQ(candidate.version, 2);
    EXPECT_EQ(candidate.directory, "/sys/fs/cgroup");
  }
}

TEST(CgroupCandidates, V2HostNamespaceJoinsTheFullPath) {
  Layout layout = load("v2_docker_host_ns");
  auto candidate = first_candidate(layout, "memory");
  EXPECT_EQ(candidate.version, 2);
  EXPECT_EQ(candidate.directory,
            "/sys/fs/cgroup/system.slice/"
            "docker-3f9e1a7c2b6d4e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f.scope");
}

TEST(CgroupCandidates, PathOutsideTheNamespaceFallsBackToTheMountPoint) {
  auto memberships = parse_proc_self_cgroup("0::/../../user.slice\n");
  auto mounts = parse_mountinfo("617 616 0:29 / /sys/fs/cgroup ro - cgroup2 cgroup2 rw\n");
  ASSERT_TRUE(memberships.ok() && mounts.ok());
  auto candidates = cgroup_candidates(*memberships, *mounts, "pids");
  ASSERT_FALSE(candidates.empty());
  EXPECT_EQ(candidates.front().directory, "/sys/fs/cgroup");
  for (const auto& candidate : candidates) EXPECT_EQ(candidate.directory.find(".."), std::string::npos);
}

TEST(CgroupCandidates, WithoutMountinfoOnlyConventionalPathsRemain) {
  auto candidates = cgroup_candidates({}, {}, "cpu");
  ASSERT_EQ(candidates.size(), 4u);
  EXPECT_EQ(candidates[0].directory, "/sys/fs/cgroup/cpu");
  EXPECT_EQ(candidates[1].directory, "/sys/fs/cgroup/cpu,cpuacct");
  EXPECT_EQ(candidates[3].version, 2);
  EXPECT_EQ(detect_cgroup_version({}), 0);
}

TEST(CgroupCandidates, SimilarPrefixIsNotAParent) {
  auto memberships = parse_proc_self_cgroup("4:memory:/dockerd/x\n");
  auto mounts = parse_mountinfo("83 79 0:32 /docker /sys/fs/cgroup/memory ro - cgroup cgroup rw,memory\n");
  ASSERT_TRUE(memberships.ok() && mounts.ok());
  auto candidates = cgroup_candidates(*memberships, *mounts, "memory");
  ASSERT_FALSE(candidates.empty());
  EXPECT_EQ(candidates.front().directory, "/sys/fs/cgroup/memory");  // not /sys/fs/cgroup/memory/d/x
}

}  // namespace
}  // namespace hardend::probe
