#include "probe/cgroup_layout.h"

#include <algorithm>

#include "probe/text.h"

namespace hardend::probe {
namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo octal.
std::string decode_octal_escapes(std::string_view text) {
  std::string decoded;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 3 < text.size()) {
      std::string_view digits = text.substr(i + 1, 3);
      if (std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '7'; })) {
        decoded += static_cast<char>((digits[0] - '0') * 64 + (digits[1] - '0') * 8 + (digits[2] - '0'));
        i += 3;
        continue;
      }
    }
    decoded += text[i];
  }
  return decoded;
}

bool is_v1_cgroup_mount(const MountEntry& mount) {
  return mount.fs_type == "cgroup";
}
bool is_v2_cgroup_mount(const MountEntry& mount) {
  return mount.fs_type == "cgroup2";
}

bool mounts_controller(const MountEntry& mount, std::string_view controller) {
  return std::find(mount.super_options.begin(), mount.super_options.end(), controller) !=
         mount.super_options.end();
}

// "/a" + "/b" -> "/a/b"; "/a" + "/" -> "/a".
std::string join_path(std::string_view base, std::string_view relative) {
  std::string joined(base);
  while (joined.size() > 1 && joined.back() == '/') joined.pop_back();
  while (!relative.empty() && relative.front() == '/') relative.remove_prefix(1);
  while (!relative.empty() && relative.back() == '/') relative.remove_suffix(1);
  if (relative.empty()) return joined;
  if (joined != "/") joined += '/';
  joined += relative;
  return joined;
}

// `path` below (or equal to) `root` as cgroup paths: "/docker/x" is under "/docker" and "/", not under
// "/dock".
bool is_under(std::string_view path, std::string_view root) {
  if (root == "/" || root.empty()) return true;
  if (path.substr(0, root.size()) != root) return false;
  return path.size() == root.size() || path[root.size()] == '/';
}

void add_candidate(std::vector<CgroupCandidate>& candidates, int version, std::string directory,
                   std::string reason) {
  for (const auto& existing : candidates)
    if (existing.directory == directory && existing.version == version) return;
  candidates.push_back({version, std::move(directory), std::move(reason)});
}

void add_mount_candidates(std::vector<CgroupCandidate>& candidates, int version, const MountEntry& mount,
                          const CgroupMembership* membership) {
  // A path starting with "/.." means our cgroup is outside the namespace's root: only the mount itself is
  // usable.
  bool usable_path = membership && membership->path.substr(0, 3) != "/..";
  if (usable_path && is_under(membership->path, mount.root)) {
    std::string_view relative =
        std::string_view(membership->path).substr(mount.root == "/" ? 0 : mount.root.size());
    add_candidate(candidates, version, join_path(mount.mount_point, relative),
                  "mount point + /proc/self/cgroup path relative to the mount root");
  }
  add_candidate(candidates, version, mount.mount_point,
                "mount point (the mount root is the container's cgroup)");
  if (usable_path)
    add_candidate(candidates, version, join_path(mount.mount_point, membership->path),
                  "mount point + full /proc/self/cgroup path");
}

}  // namespace

Result<std::vector<CgroupMembership>> parse_proc_self_cgroup(std::string_view content) {
  std::vector<CgroupMembership> memberships;
  for (std::string_view line : split_lines(content)) {
    if (trim_whitespace(line).empty()) continue;
    // hierarchy-ID:controller-list:cgroup-path; the path itself may contain ':'.
    size_t first = line.find(':');
    size_t second = first == std::string_view::npos ? first : line.find(':', first + 1);
    if (second == std::string_view::npos)
      return make_error("/proc/self/cgroup: line '" + std::string(line) + "' is not id:controllers:path");
    auto id = parse_decimal_integer(line.substr(0, first));
    if (!id || *id < 0)
      return make_error("/proc/self/cgroup: bad hierarchy id in '" + std::string(line) + "'");
    CgroupMembership membership;
    membership.hierarchy_id = static_cast<int>(*id);
    std::string_view controllers = line.substr(first + 1, second - first - 1);
    if (!controllers.empty())
      for (std::string_view controller : split_on(controllers, ','))
        membership.controllers.emplace_back(controller);
    membership.path = std::string(line.substr(second + 1));
    memberships.push_back(std::move(membership));
  }
  return memberships;
}

Result<std::vector<MountEntry>> parse_mountinfo(std::string_view content) {
  std::vector<MountEntry> mounts;
  for (std::string_view line : split_lines(content)) {
    if (trim_whitespace(line).empty()) continue;
    auto fields = split_fields(line);
    auto separator = std::find(fields.begin(), fields.end(), std::string_view("-"));
    // id parent major:minor root mount_point options [optional...] - fstype source super_options
    if (separator == fields.end() || separator - fields.begin() < 6 || fields.end() - separator < 3)
      return make_error("/proc/self/mountinfo: malformed line '" + std::string(line) + "'");
    MountEntry mount;
    mount.root = decode_octal_escapes(fields[3]);
    mount.mount_point = decode_octal_escapes(fields[4]);
    mount.fs_type = std::string(separator[1]);
    mount.source = decode_octal_escapes(separator[2]);
    if (fields.end() - separator >= 4)
      for (std::string_view option : split_on(separator[3], ',')) mount.super_options.emplace_back(option);
    mounts.push_back(std::move(mount));
  }
  return mounts;
}

std::vector<CgroupCandidate> cgroup_candidates(const std::vector<CgroupMembership>& memberships,
                                               const std::vector<MountEntry>& mounts,
                                               std::string_view controller) {
  std::vector<CgroupCandidate> candidates;
  const CgroupMembership* v1_membership = nullptr;
  const CgroupMembership* v2_membership = nullptr;
  for (const auto& membership : memberships) {
    if (membership.hierarchy_id == 0 && membership.controllers.empty()) v2_membership = &membership;
    if (std::find(membership.controllers.begin(), membership.controllers.end(), controller) !=
        membership.controllers.end())
      v1_membership = &membership;
  }
  // Later mounts hide earlier ones at the same place, so the last matching mount is the visible one.
  const MountEntry* v1_mount = nullptr;
  const MountEntry* v2_mount = nullptr;
  for (const auto& mount : mounts) {
    if (is_v1_cgroup_mount(mount) && mounts_controller(mount, controller)) v1_mount = &mount;
    // In hybrid mode a controller-less cgroup2 sits at /sys/fs/cgroup/unified; prefer the real unified mount.
    if (is_v2_cgroup_mount(mount) && (!v2_mount || mount.mount_point == "/sys/fs/cgroup")) v2_mount = &mount;
  }
  if (v1_mount) add_mount_candidates(candidates, 1, *v1_mount, v1_membership);
  if (!v1_mount && v2_mount) add_mount_candidates(candidates, 2, *v2_mount, v2_membership);
  // Conventional locations, for when /proc/self/mountinfo is unreadable or does not list the mount.
  std::string name(controller);
  add_candidate(candidates, 1, "/sys/fs/cgroup/" + name, "conventional v1 location");
  if (name == "cpu" || name == "cpuacct") {
    add_candidate(candidates, 1, "/sys/fs/cgroup/cpu,cpuacct", "conventional v1 location");
    add_candidate(candidates, 1, "/sys/fs/cgroup/cpuacct,cpu", "conventional v1 location");
  }
  add_candidate(candidates, 2, "/sys/fs/cgroup", "conventional v2 location");
  return candidates;
}

int detect_cgroup_version(const std::vector<MountEntry>& mounts) {
  bool has_v2 = false;
  for (const auto& mount : mounts) {
    if (is_v1_cgroup_mount(mount)) {
      bool named_only =
          std::all_of(mount.super_options.begin(), mount.super_options.end(), [](const auto& option) {
            return option == "rw" || option == "ro" || option.rfind("name=", 0) == 0 || option == "none";
          });
      if (!named_only) return 1;
    }
    if (is_v2_cgroup_mount(mount)) has_v2 = true;
  }
  return has_v2 ? 2 : 0;
}

}  // namespace hardend::probe
