// Command line of hardend-probe (pure: argv in, options or a usage error out).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace hardend::probe {

struct ProbeOptions {
  std::optional<int64_t> memory_allocate_bytes;  // --memory-allocate BYTES: allocate+touch in a child
  std::optional<int> pids_spawn;                 // --pids-spawn N: fork up to N blocked children
  std::optional<int> cpu_measure_ms;             // --cpu-measure MS: busy workers on every online CPU
  bool pretty = false;                           // --pretty: indented JSON
  bool raw = false;                              // --raw: include the contents of every file read
  bool help = false;
};

// Accepts "--flag VALUE" and "--flag=VALUE". `arguments` excludes argv[0].
Result<ProbeOptions> parse_probe_options(const std::vector<std::string>& arguments);
// "1200m" -> 1258291200; suffixes b/k/m/g (binary, case-insensitive), integers only. Same units as docker
// --memory.
Result<int64_t> parse_byte_count(std::string_view text);

std::string probe_usage();

}  // namespace hardend::probe
