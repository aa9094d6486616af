// Pure parsers for the contents of cgroup interface files (v1 and v2). They take file contents, never paths:
// the probe reads the files, these functions decide what the bytes mean, and unit tests feed recorded
// contents.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace hardend::probe {

// A byte/count limit: nullopt means "unlimited".
using OptionalLimit = std::optional<int64_t>;

// cgroup v1 writes "unlimited" as LONG_MAX rounded down to a page (9223372036854771712 with 4 KiB pages,
// other values with other page sizes); anything at or above 2^62 is far beyond any real machine and means
// unlimited.
inline constexpr int64_t kUnlimitedThreshold = int64_t{1} << 62;

// v1 memory.limit_in_bytes / memory.memsw.limit_in_bytes: a number; huge (or -1) = unlimited.
Result<OptionalLimit> parse_cgroup_v1_memory_limit(std::string_view content);
// v2 single-value limits (memory.max, memory.swap.max, pids.max): "max" or a number.
Result<OptionalLimit> parse_v2_max(std::string_view content);
// pids.max has the same "max" / number format on v1 and v2.
Result<OptionalLimit> parse_pids_max(std::string_view content);
// A plain non-negative counter such as pids.current or memory.usage_in_bytes.
Result<int64_t> parse_counter(std::string_view content);

struct CpuQuota {
  std::optional<int64_t> quota_us;  // nullopt = no quota
  int64_t period_us = 0;
  std::optional<double> cpus;  // quota / period; nullopt = unlimited
};
// v1: cpu.cfs_quota_us ("-1" = no quota) and cpu.cfs_period_us.
Result<CpuQuota> parse_cfs(std::string_view quota_content, std::string_view period_content);
// v2: cpu.max is "$MAX $PERIOD" where $MAX is "max" or a number (period may be omitted: default 100000).
Result<CpuQuota> parse_cpu_max(std::string_view content);

// Flat keyed files: "key value" per line (memory.stat, memory.events, memory.oom_control, cpu.stat).
// Lines that do not have exactly a key and an integer are skipped: these files grow new keys over time.
std::map<std::string, int64_t> parse_flat_keyed(std::string_view content);
// /proc/meminfo: "SwapTotal:       0 kB" -> bytes for that key.
std::optional<int64_t> meminfo_bytes(std::string_view meminfo_content, std::string_view key);

struct SwapLimit {
  bool limited = false;
  // Swap the container may use beyond its memory limit (0 = none); nullopt when unlimited or unknown.
  std::optional<int64_t> swap_beyond_memory_bytes;
  std::string explanation;
};
// v1: memsw is memory+swap. memsw_content is nullopt when the file is missing (the kernel has no swap
// accounting, Docker's "No swap limit support").
SwapLimit describe_swap_v1(OptionalLimit memory_limit, const std::optional<std::string>& memsw_content);
// v2: memory.swap.max is swap only ("0" = no swap; "max" = unlimited). nullopt content = file missing.
SwapLimit describe_swap_v2(const std::optional<std::string>& swap_max_content);

}  // namespace hardend::probe
