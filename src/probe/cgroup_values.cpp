#include "probe/cgroup_values.h"

#include "probe/text.h"

namespace hardend::probe {
namespace {

std::string quoted(std::string_view content) {
  return "'" + std::string(trim_whitespace(content)) + "'";
}

}  // namespace

Result<OptionalLimit> parse_cgroup_v1_memory_limit(std::string_view content) {
  auto value = parse_decimal_integer(content);
  if (!value) return make_error("memory limit " + quoted(content) + " is not a number");
  if (*value == -1 || *value >= kUnlimitedThreshold) return OptionalLimit{};
  if (*value < 0) return make_error("memory limit " + quoted(content) + " is negative");
  return OptionalLimit{*value};
}

Result<OptionalLimit> parse_v2_max(std::string_view content) {
  std::string_view text = trim_whitespace(content);
  if (text == "max") return OptionalLimit{};
  auto value = parse_decimal_integer(text);
  if (!value || *value < 0) return make_error("limit " + quoted(content) + " is neither 'max' nor a number");
  if (*value >= kUnlimitedThreshold) return OptionalLimit{};
  return OptionalLimit{*value};
}

Result<OptionalLimit> parse_pids_max(std::string_view content) {
  auto limit = parse_v2_max(content);
  if (!limit) return limit.take_error().context("pids.max");
  return limit;
}

Result<int64_t> parse_counter(std::string_view content) {
  auto value = parse_decimal_integer(content);
  if (!value || *value < 0) return make_error("counter " + quoted(content) + " is not a non-negative number");
  return *value;
}

Result<CpuQuota> parse_cfs(std::string_view quota_content, std::string_view period_content) {
  auto quota = parse_decimal_integer(quota_content);
  if (!quota) return make_error("cpu.cfs_quota_us " + quoted(quota_content) + " is not a number");
  auto period = parse_decimal_integer(period_content);
  if (!period || *period <= 0)
    return make_error("cpu.cfs_period_us " + quoted(period_content) + " is not a positive number");
  CpuQuota result;
  result.period_us = *period;
  if (*quota < 0) return result;  // -1: no quota
  if (*quota == 0) return make_error("cpu.cfs_quota_us is 0, which the kernel never reports");
  result.quota_us = *quota;
  result.cpus = static_cast<double>(*quota) / static_cast<double>(*period);
  return result;
}

Result<CpuQuota> parse_cpu_max(std::string_view content) {
  auto fields = split_fields(trim_whitespace(content));
  if (fields.empty() || fields.size() > 2)
    return make_error("cpu.max " + quoted(content) + " is not '$MAX $PERIOD'");
  CpuQuota result;
  result.period_us = 100000;
  if (fields.size() == 2) {
    auto period = parse_decimal_integer(fields[1]);
    if (!period || *period <= 0)
      return make_error("cpu.max period in " + quoted(content) + " is not a positive number");
    result.period_us = *period;
  }
  if (fields[0] == "max") return result;
  auto quota = parse_decimal_integer(fields[0]);
  if (!quota || *quota <= 0)
    return make_error("cpu.max quota in " + quoted(content) + " is neither 'max' nor a number");
  result.quota_us = *quota;
  result.cpus = static_cast<double>(*quota) / static_cast<double>(result.period_us);
  return result;
}

std::map<std::string, int64_t> parse_flat_keyed(std::string_view content) {
  std::map<std::string, int64_t> values;
  for (std::string_view line : split_lines(content)) {
    auto fields = split_fields(line);
    if (fields.size() != 2) continue;
    if (auto value = parse_decimal_integer(fields[1])) values[std::string(fields[0])] = *value;
  }
  return values;
}

std::optional<int64_t> meminfo_bytes(std::string_view meminfo_content, std::string_view key) {
  for (std::string_view line : split_lines(meminfo_content)) {
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || line.substr(0, colon) != key) continue;
    auto fields = split_fields(line.substr(colon + 1));
    if (fields.empty()) return std::nullopt;
    auto value = parse_decimal_integer(fields[0]);
    if (!value) return std::nullopt;
    bool in_kibibytes = fields.size() > 1 && fields[1] == "kB";
    return in_kibibytes ? *value * 1024 : *value;
  }
  return std::nullopt;
}

SwapLimit describe_swap_v1(OptionalLimit memory_limit, const std::optional<std::string>& memsw_content) {
  SwapLimit swap;
  if (!memsw_content) {
    swap.explanation = "memory.memsw.limit_in_bytes is missing: the kernel has no swap accounting";
    return swap;
  }
  auto memsw = parse_cgroup_v1_memory_limit(*memsw_content);
  if (!memsw) {
    swap.explanation = memsw.error().message;
    return swap;
  }
  if (!memsw->has_value()) {
    swap.explanation = "memory.memsw.limit_in_bytes is unlimited";
    return swap;
  }
  swap.limited = true;
  if (memory_limit) {
    swap.swap_beyond_memory_bytes = **memsw - *memory_limit;
    swap.explanation = "memory+swap limited to " + std::to_string(**memsw) + " bytes";
  } else {
    swap.explanation =
        "memory+swap limited to " + std::to_string(**memsw) + " bytes, memory itself unlimited";
  }
  return swap;
}

SwapLimit describe_swap_v2(const std::optional<std::string>& swap_max_content) {
  SwapLimit swap;
  if (!swap_max_content) {
    swap.explanation = "memory.swap.max is missing: the kernel has no swap controller";
    return swap;
  }
  auto swap_max = parse_v2_max(*swap_max_content);
  if (!swap_max) {
    swap.explanation = "memory.swap.max: " + swap_max.error().message;
    return swap;
  }
  if (!swap_max->has_value()) {
    swap.explanation = "memory.swap.max is max (unlimited)";
    return swap;
  }
  swap.limited = true;
  swap.swap_beyond_memory_bytes = **swap_max;
  swap.explanation = "memory.swap.max is " + std::to_string(**swap_max) + " bytes";
  return swap;
}

}  // namespace hardend::probe
