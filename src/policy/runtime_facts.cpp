#include "policy/runtime_facts.h"

#include <sys/resource.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

namespace hardend::policy {
namespace {

std::optional<int64_t> hard_limit(int resource) {
  struct rlimit limit {};
  if (getrlimit(resource, &limit) != 0) return std::nullopt;
  if (limit.rlim_max == RLIM_INFINITY) return std::nullopt;  // no ceiling: nothing to clamp to
  return static_cast<int64_t>(limit.rlim_max);
}

std::optional<int64_t> read_pid_max() {
  std::ifstream in("/proc/sys/kernel/pid_max");
  int64_t value = 0;
  if (!(in >> value) || value <= 0) return std::nullopt;
  return value;
}

bool flag(const nlohmann::json& info, const char* name, bool missing) {
  auto it = info.find(name);
  if (it == info.end() || !it->is_boolean()) return missing;
  return it->get<bool>();
}

bool is_rootless(const nlohmann::json& info) {
  auto it = info.find("SecurityOptions");
  if (it == info.end() || !it->is_array()) return false;
  return std::any_of(it->begin(), it->end(), [](const nlohmann::json& option) {
    return option.is_string() && option.get<std::string>().find("name=rootless") != std::string::npos;
  });
}

std::optional<int64_t> lower_of(std::optional<int64_t> a, std::optional<int64_t> b) {
  if (a && b) return std::min(*a, *b);
  return a ? a : b;
}

}  // namespace

HostLimits read_host_limits() {
  return {hard_limit(RLIMIT_NOFILE), hard_limit(RLIMIT_NPROC), read_pid_max()};
}

RuntimeFacts facts_from_info(const std::string& runtime, const nlohmann::json& info, const HostLimits& host) {
  RuntimeFacts facts;
  facts.runtime = runtime;
  if (!info.is_object()) return facts;
  facts.swap_limit_supported = flag(info, "SwapLimit", false);
  facts.memory_limit_supported = flag(info, "MemoryLimit", true);
  facts.cpu_limit_supported = flag(info, "CpuCfsQuota", true);
  facts.pids_limit_supported = flag(info, "PidsLimit", true);
  std::string cgroup_version = info.value("CgroupVersion", std::string());
  if (runtime == "podman") {
    // Rootless Podman cannot write cgroup v1 limits: there is no delegation on v1, whatever /info says.
    if (is_rootless(info) && cgroup_version == "1") {
      facts.memory_limit_supported = facts.cpu_limit_supported = facts.pids_limit_supported = false;
      facts.limits_unsupported_reason = "rootless Podman on cgroup v1 cannot set cgroup limits";
    }
    facts.host_nofile_hard = host.nofile_hard;
    facts.host_nproc_hard = lower_of(host.nproc_hard, host.pid_max);
  }
  if (facts.limits_unsupported_reason.empty() &&
      !(facts.memory_limit_supported && facts.cpu_limit_supported && facts.pids_limit_supported))
    facts.limits_unsupported_reason = "the " + runtime + " service reports it cannot (GET /info)";
  return facts;
}

}  // namespace hardend::policy
