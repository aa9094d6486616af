// Pure parser for /proc/self/status (the security-relevant lines) and capability masks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace hardend::probe {

struct ProcStatus {
  std::optional<uint64_t> cap_inh, cap_prm, cap_eff, cap_bnd, cap_amb;
  std::optional<int> no_new_privs;     // 1 = set
  std::optional<int> seccomp;          // 0 disabled, 1 strict, 2 filter
  std::optional<int> seccomp_filters;  // kernels >= 5.9
};

// Missing lines stay nullopt (old kernels lack some); a present but malformed line is an error.
Result<ProcStatus> parse_proc_status(std::string_view content);

// "CAP_CHOWN", ... in bit order; bits beyond the known set come out as "CAP_<bit>" so nothing is hidden.
std::vector<std::string> capability_names(uint64_t mask);
// 16 lowercase hex digits, exactly as the kernel prints them in /proc/self/status.
std::string format_capability_mask(uint64_t mask);
// The bit for a name such as "CAP_NET_RAW" or "NET_RAW" (case-insensitive); nullopt when unknown.
std::optional<int> capability_bit(std::string_view name);

}  // namespace hardend::probe
