// Where the container's own cgroup files are, from /proc/self/cgroup and /proc/self/mountinfo (pure parsers).
//
// v1: each controller hierarchy is mounted at /sys/fs/cgroup/<controllers>. With a private cgroup namespace
// the container's cgroup is the mount root; with the host cgroup namespace (Docker 20.10's default on v1)
// runc bind-mounts the container's own cgroup directory there, so /proc/self/cgroup says "/docker/<id>" and
// the mount's root field says the same. Either way the files are at mount_point + (cgroup path - mount root).
// v2: one unified cgroup2 mount, the same rule with the "0::<path>" line.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace hardend::probe {

struct CgroupMembership {
  int hierarchy_id = 0;                  // 0 is the v2 unified hierarchy
  std::vector<std::string> controllers;  // empty for v2; "name=systemd" for named v1 hierarchies
  std::string path;
};
Result<std::vector<CgroupMembership>> parse_proc_self_cgroup(std::string_view content);

struct MountEntry {
  std::string root;         // the directory of the mounted filesystem that appears at mount_point
  std::string mount_point;  // octal escapes (\040 for a space) already decoded
  std::string fs_type;
  std::string source;
  std::vector<std::string> super_options;  // for cgroup v1 these name the controllers, e.g. rw,cpu,cpuacct
};
Result<std::vector<MountEntry>> parse_mountinfo(std::string_view content);

struct CgroupCandidate {
  int version = 0;  // 1 or 2: which file names to look for in `directory`
  std::string directory;
  std::string reason;  // how the directory was derived, for the probe's report
};

// Directories that may hold `controller`'s files for this process, most trustworthy first: the mount that
// serves the controller joined with the cgroup path relative to that mount's root, then the mount point
// itself, then the conventional paths (used when mountinfo is unreadable). The caller takes the first that
// holds the file it needs.
std::vector<CgroupCandidate> cgroup_candidates(const std::vector<CgroupMembership>& memberships,
                                               const std::vector<MountEntry>& mounts,
                                               std::string_view controller);

// 1 when any v1 controller hierarchy is mounted, else 2 when cgroup2 is mounted, else 0 (unknown).
int detect_cgroup_version(const std::vector<MountEntry>& mounts);

}  // namespace hardend::probe
