// What `hardend check` expects to measure inside a container, and where each expected value came from.
//
// The check verifies the recommended hardening (DESIGN.md section 2: non-root 4000:4000, 1g memory, nofile
// 1024:8192, 1 CPU, 256 PIDs, no capabilities, no-new-privileges, seccomp, read-only root). The policy can
// only make an expectation stricter, with two deliberate exceptions: a per-image extra key
// (python.pass.extra.keys.<image>[:tag]) sets the expected limit for that image (a per-image --memory=2g is
// checked against 2g), and a command-line flag (--memory, --pids, ...) overrides everything. Turning a
// protection off (limit.docker.memory=false, --pids-limit=-1, ...) never lowers the expectation: that is
// exactly what the check exists to catch. docs/CHECK.md explains the rule with examples.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "policy/spec.h"

namespace hardend::check {

// The recommended hardening: what a missing config key means, and the floor of every expectation.
struct RecommendedHardening {
  std::string user = "4000:4000";
  int64_t memory_bytes = int64_t{1} << 30;
  int64_t nofile_soft = 1024;
  int64_t nofile_hard = 8192;
  double cpus = 1.0;
  int64_t pids = 256;
};

enum class MemoryCheckMode { Cgroup, Allocate };

// Values given on the command line; each replaces the derived expectation.
struct ExpectationOverrides {
  std::optional<int64_t> memory_bytes;  // --memory
  std::optional<int64_t> pids;          // --pids
  std::optional<int64_t> fds_soft;      // --fds-soft
  std::optional<int64_t> fds_hard;      // --fds-hard
  std::optional<double> cpus;           // --cpus
};

// Common to every check: why the expectation is what it is.
struct Provenance {
  std::string
      source;  // "recommended hardening", "docker.memory.limit", "python.pass.extra.keys.x", "--memory"
  std::string
      policy_note;  // set when the policy is weaker than the expectation: what it says, from which key
  std::string not_required;  // set when the check does not apply (e.g. Podman limits); the check is skipped
};

struct UserExpectation {
  Provenance provenance;
  std::string display;         // "4000:4000", or "root" when exempt
  std::optional<int64_t> uid;  // nullopt: a user name, only "not root" can be checked
  std::optional<int64_t> gid;
  bool exempt = false;  // the image matches docker.run.internal.asuser.ignore: root is what the policy wants
};

struct MemoryExpectation {
  Provenance provenance;
  int64_t bytes = 0;
  MemoryCheckMode mode = MemoryCheckMode::Cgroup;
  bool daemon_swap_limit = true;  // docker info: SwapLimit (the same fact `hardend swap-check` reports)
};

struct FdsExpectation {
  Provenance provenance;
  int64_t soft = 0;
  int64_t hard = 0;
};

struct CpusExpectation {
  Provenance provenance;
  double cpus = 0;
  std::optional<int> measure_ms;  // --cpu-measure: also run a timed parallel workload
};

struct PidsExpectation {
  Provenance provenance;
  int64_t max = 0;
};

struct CapabilitiesExpectation {
  Provenance provenance;
  std::vector<std::string> allowed;  // capability names without CAP_, upper case; empty = none at all
};

// NoNewPrivs, seccomp filter mode, read-only root: required or not.
struct FlagExpectation {
  Provenance provenance;
};

struct Expectations {
  std::string image;
  UserExpectation user;
  MemoryExpectation memory;
  FdsExpectation fds;
  CpusExpectation cpus;
  PidsExpectation pids;
  CapabilitiesExpectation capabilities;
  FlagExpectation no_new_privileges;
  FlagExpectation seccomp;
  FlagExpectation read_only_root;
};

struct ExpectationInputs {
  ExpectationOverrides overrides;
  MemoryCheckMode memory_mode = MemoryCheckMode::Cgroup;
  std::optional<int> cpu_measure_ms;
  bool daemon_swap_limit = true;
  RecommendedHardening recommended;
};

// Pure: the resolved policy of one image (and the config it came from) -> what the probe must find.
Expectations derive_expectations(const config::Config& config, const policy::ContainerSpec& spec,
                                 const ExpectationInputs& inputs);

// The probe's command line for these expectations (docs/PROBE.md): --pids-spawn expected+1 so that a limit
// one too high is caught, --memory-allocate expected+64MiB in allocate mode, --cpu-measure when asked.
std::vector<std::string> probe_arguments(const Expectations& expectations);

// "1 CPU", "1.5 CPUs".
std::string format_cpus(double cpus);

}  // namespace hardend::check
