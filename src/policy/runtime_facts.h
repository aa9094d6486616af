// Facts about the container runtime that the resolver needs, built from the daemon's /info answer and this
// host's hard rlimits. facts_from_info() is pure; read_host_limits() is the only I/O here (getrlimit and
// /proc/sys/kernel/pid_max), kept apart so the resolver stays pure.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

#include "policy/resolver.h"

namespace hardend::policy {

struct HostLimits {
  std::optional<int64_t> nofile_hard;  // this process's hard RLIMIT_NOFILE
  std::optional<int64_t> nproc_hard;   // this process's hard RLIMIT_NPROC
  std::optional<int64_t> pid_max;      // kernel.pid_max
};

// Reads this process's hard limits; a value that cannot be read stays nullopt.
HostLimits read_host_limits();

// `info`: GET /info of Docker or of Podman's compatible API. Reads SwapLimit, MemoryLimit, CpuCfsQuota,
// PidsLimit, CgroupVersion and the "rootless" security option; a missing field counts as supported (Docker's
// older answers), except SwapLimit, which counts as unsupported. The host limits are used for Podman only:
// nproc is the lower of the hard RLIMIT_NPROC and kernel.pid_max, because Podman lowers its own RLIMIT_NPROC
// to pid_max (measured: 32768 on a host whose shells have 96364) and its containers inherit that ceiling.
RuntimeFacts facts_from_info(const std::string& runtime, const nlohmann::json& info, const HostLimits& host);

}  // namespace hardend::policy
