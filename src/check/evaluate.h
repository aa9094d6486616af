// Turns what hardend-probe measured (its JSON, docs/PROBE.md) into pass/fail results. Pure: unit-tested on
// probe outputs recorded in real containers (tests/data/check/).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "check/expectations.h"
#include "common/result.h"

namespace hardend::check {

// Check names, exactly as in the reference table (the first five) and beyond it.
inline constexpr const char* kNonRootUser = "Non-root User";
inline constexpr const char* kMemory = "Memory";
inline constexpr const char* kFileDescriptors = "File Descriptors";
inline constexpr const char* kCpus = "CPUs";
inline constexpr const char* kPids = "PIDs";
inline constexpr const char* kCapabilities = "Capabilities";
inline constexpr const char* kNoNewPrivileges = "No New Privileges";
inline constexpr const char* kSeccomp = "Seccomp";
inline constexpr const char* kReadOnlyRoot = "Read-only Root";

struct CheckResult {
  std::string name;
  bool passed = false;
  // "Success", "Success (<detail>)", "Skipped (<why>)" (counts as passed) or "Failed: <measured vs
  // expected>".
  std::string status;
  std::string measured;  // human-readable, e.g. "1g", "uid 4000 gid 4000", "unlimited"
  std::string expected;  // e.g. "at most 1g (recommended hardening)"
};

// Every check, in table order. An error only when the output is not a probe report at all (not JSON, not an
// object, another program's output); a report with missing or unreadable parts fails the affected checks.
Result<std::vector<CheckResult>> evaluate_probe_output(std::string_view probe_output,
                                                       const Expectations& expectations);

}  // namespace hardend::check
