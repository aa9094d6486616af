#include "probe/probe_context.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

#include "probe/text.h"

namespace hardend::probe {

std::optional<std::string> FileReader::read(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    last_errno_ = errno;
    return std::nullopt;
  }
  std::string content;
  char buffer[8192];
  while (true) {
    ssize_t count = ::read(fd, buffer, sizeof buffer);
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) {
      last_errno_ = errno;
      ::close(fd);
      return std::nullopt;
    }
    if (count == 0) break;
    content.append(buffer, static_cast<size_t>(count));
  }
  ::close(fd);
  if (record_) recorded_.emplace_back(path, content);
  return content;
}

void ProbeContext::discover_cgroups() {
  if (auto content = files.read("/proc/self/cgroup")) {
    auto parsed = parse_proc_self_cgroup(*content);
    if (parsed)
      memberships = std::move(*parsed);
    else
      problem(parsed.error().message);
  } else {
    problem("/proc/self/cgroup: " + errno_name(files.errno_of_last_failure()));
  }
  if (auto content = files.read("/proc/self/mountinfo")) {
    auto parsed = parse_mountinfo(*content);
    if (parsed)
      mounts = std::move(*parsed);
    else
      problem(parsed.error().message);
  } else {
    problem("/proc/self/mountinfo: " + errno_name(files.errno_of_last_failure()));
  }
  cgroup_version = detect_cgroup_version(mounts);
}

std::optional<CgroupCandidate> ProbeContext::locate(std::string_view controller, std::string_view v1_file,
                                                    std::string_view v2_file) {
  for (const auto& candidate : cgroup_candidates(memberships, mounts, controller)) {
    std::string path = candidate.directory + "/" + std::string(candidate.version == 1 ? v1_file : v2_file);
    struct stat info {};
    if (::stat(path.c_str(), &info) == 0) return candidate;
  }
  return std::nullopt;
}

int64_t monotonic_ms() {
  return static_cast<int64_t>(monotonic_seconds() * 1000.0);
}

double monotonic_seconds() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

}  // namespace hardend::probe
