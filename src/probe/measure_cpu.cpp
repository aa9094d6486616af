// CPUs: the CFS quota (v1) or cpu.max (v2), the CPUs this process may run on, and (--cpu-measure) how much
// CPU time a busy worker per online CPU really gets.
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "probe/cgroup_values.h"
#include "probe/probe_context.h"
#include "probe/text.h"

namespace hardend::probe {
namespace {

int affinity_cpu_count() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return 0;
  return CPU_COUNT(&set);
}

std::optional<int64_t> read_throttled_periods(ProbeContext& context,
                                              const std::optional<CgroupCandidate>& location) {
  if (!location) return std::nullopt;
  auto content = context.files.read(location->directory + "/cpu.stat");
  if (!content) return std::nullopt;
  auto values = parse_flat_keyed(*content);
  auto found = values.find("nr_throttled");
  if (found == values.end()) return std::nullopt;
  return found->second;
}

[[noreturn]] void spin_until(double deadline) {
  volatile uint64_t work = 0;
  while (monotonic_seconds() < deadline)
    for (int i = 0; i < 10000; ++i) work = work + static_cast<uint64_t>(i);
  ::_exit(0);
}

void report_measurement(ProbeContext& context, const std::optional<CgroupCandidate>& location, int workers,
                        int duration_ms, JsonWriter& json) {
  json.key("measure").begin_object();
  json.key("duration_ms").number(duration_ms).key("workers").number(workers);
  auto throttled_before = read_throttled_periods(context, location);
  double start = monotonic_seconds();
  double deadline = start + duration_ms / 1000.0;
  std::vector<pid_t> children;
  for (int i = 0; i < workers; ++i) {
    pid_t child = ::fork();
    if (child == 0) spin_until(deadline);
    if (child < 0) {
      context.problem("cpu measure: fork: " + errno_name(errno));
      break;
    }
    children.push_back(child);
  }
  double cpu_seconds = 0;
  for (pid_t child : children) {
    int status = 0;
    rusage usage{};
    while (::wait4(child, &status, 0, &usage) < 0 && errno == EINTR) {
    }
    cpu_seconds += static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                   static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  }
  double wall_seconds = monotonic_seconds() - start;
  auto throttled_after = read_throttled_periods(context, location);
  json.key("started_workers").number(static_cast<int64_t>(children.size()));
  json.key("cpu_time_ms").real(cpu_seconds * 1000.0);
  json.key("wall_ms").real(wall_seconds * 1000.0);
  json.key("measured_cpus")
      .real_or_null(wall_seconds > 0 ? std::optional<double>(cpu_seconds / wall_seconds) : std::nullopt);
  std::optional<int64_t> throttled;
  if (throttled_before && throttled_after) throttled = *throttled_after - *throttled_before;
  json.key("throttled_periods").number_or_null(throttled);
  json.end_object();
}

}  // namespace

void report_cpus(ProbeContext& context, JsonWriter& json) {
  json.key("cpus").begin_object();
  auto location = context.locate("cpu", "cpu.cfs_quota_us", "cpu.max");
  json.key("found").boolean(location.has_value());
  if (!location) {
    context.problem("cpus: no cpu.cfs_quota_us (v1) or cpu.max (v2) in any candidate cgroup directory");
    json.key("cgroup_version").null().key("limit_cpus").null();
  } else {
    json.key("cgroup_version").number(location->version).field("directory", location->directory);
    Result<CpuQuota> quota = make_error("unread");
    if (location->version == 1) {
      auto quota_content = context.files.read(location->directory + "/cpu.cfs_quota_us");
      auto period_content = context.files.read(location->directory + "/cpu.cfs_period_us");
      quota = quota_content && period_content
                  ? parse_cfs(*quota_content, *period_content)
                  : Result<CpuQuota>(make_error("cpu.cfs_quota_us/cfs_period_us unreadable"));
    } else {
      auto content = context.files.read(location->directory + "/cpu.max");
      quota = content ? parse_cpu_max(*content) : Result<CpuQuota>(make_error("cpu.max unreadable"));
    }
    if (quota) {
      json.key("limit_cpus").real_or_null(quota->cpus);
      json.key("quota_us").number_or_null(quota->quota_us);
      json.key("period_us").number(quota->period_us);
    } else {
      context.problem("cpus: " + quota.error().message);
      json.key("limit_cpus").null();
    }
  }
  int online = static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN));
  int affinity = affinity_cpu_count();
  json.key("online_cpus").number(online);
  json.key("affinity_cpus").number(affinity);
  if (context.options.cpu_measure_ms) {
    int workers = affinity > 0 ? affinity : (online > 0 ? online : 1);
    report_measurement(context, location, workers, *context.options.cpu_measure_ms, json);
  }
  json.end_object();
}

}  // namespace hardend::probe
