// What every measurement of hardend-probe shares: file reading (optionally recorded for --raw), the cgroup
// layout found from /proc/self, and the list of problems met along the way (reported, never fatal).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "probe/cgroup_layout.h"
#include "probe/json_writer.h"
#include "probe/probe_options.h"

namespace hardend::probe {

class FileReader {
 public:
  explicit FileReader(bool record) : record_(record) {}
  // The whole file, or nullopt (with errno_of_last_failure() set) when it cannot be read.
  std::optional<std::string> read(const std::string& path);
  int errno_of_last_failure() const { return last_errno_; }
  const std::vector<std::pair<std::string, std::string>>& recorded() const { return recorded_; }

 private:
  bool record_;
  int last_errno_ = 0;
  std::vector<std::pair<std::string, std::string>> recorded_;
};

struct ProbeContext {
  explicit ProbeContext(const ProbeOptions& probe_options)
      : options(probe_options), files(probe_options.raw) {}

  // Reads /proc/self/cgroup and /proc/self/mountinfo; problems are noted, the probe goes on with fallbacks.
  void discover_cgroups();
  // The first candidate directory of `controller` that holds `v1_file` (v1 candidates) or `v2_file` (v2).
  std::optional<CgroupCandidate> locate(std::string_view controller, std::string_view v1_file,
                                        std::string_view v2_file);
  void problem(std::string message) { problems.push_back(std::move(message)); }

  const ProbeOptions& options;
  FileReader files;
  std::vector<CgroupMembership> memberships;
  std::vector<MountEntry> mounts;
  int cgroup_version = 0;
  std::vector<std::string> problems;
};

int64_t monotonic_ms();
double monotonic_seconds();

// Each writes one key of the top-level object.
void report_identity(ProbeContext& context, JsonWriter& json);
void report_fds(ProbeContext& context, JsonWriter& json);
void report_security(ProbeContext& context, JsonWriter& json);
void report_filesystem(ProbeContext& context, JsonWriter& json);
void report_memory(ProbeContext& context, JsonWriter& json);
void report_cpus(ProbeContext& context, JsonWriter& json);
void report_pids(ProbeContext& context, JsonWriter& json);

}  // namespace hardend::probe
