// Policy resolver: Config + image (+ facts about the runtime) -> ContainerSpec with provenance. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/result.h"
#include "config/config.h"
#include "policy/image_ref.h"
#include "policy/spec.h"

namespace hardend::policy {

// What the resolver needs to know about the runtime it targets (read from the daemon by the caller).
struct RuntimeFacts {
  std::string runtime = "docker";    // "docker" | "podman"
  bool swap_limit_supported = true;  // docker info: SwapLimit
  // Whether the runtime can apply each cgroup limit (info: MemoryLimit, CpuCfsQuota, PidsLimit; false for
  // rootless Podman on cgroup v1). Only podman.limits.enforce consults them (policy/runtime_facts.h).
  bool memory_limit_supported = true;
  bool cpu_limit_supported = true;
  bool pids_limit_supported = true;
  std::string limits_unsupported_reason{};  // why, when one of the three is false ("rootless Podman on cgroup v1")
  // The highest rlimits a container may get on this host (hard RLIMIT_NOFILE; hard RLIMIT_NPROC, at most
  // kernel.pid_max). On Podman the resolver keeps nofile/nproc within them; nullopt = not known.
  std::optional<int64_t> host_nofile_hard{};
  std::optional<int64_t> host_nproc_hard{};
};

// Applies DESIGN.md section 2: image:tag > image > general extra keys, their --memory/--cpus overriding the
// docker.*.limit keys, asuser with ignore prefixes, hardened defaults, the swap rule.
// Errors carry "file:line:col: key: problem".
Result<ContainerSpec> resolve_policy(const config::Config& config, const ImageRef& image,
                                     const RuntimeFacts& facts = {});

// Which extra-keys key applies to an image ("python.pass.extra.keys.demisto/dl:1.4", ".demisto/dl", the
// general key, or "" when none is set).
std::string extra_keys_source(const config::Config& config, const ImageRef& image);

// Every image named in a per-image config key (for `check --all-images` and config validation).
std::vector<std::string> images_named_in_config(const config::Config& config);

// Validates every extra-keys value in the config (so `config validate` reports flag errors without an image).
std::vector<config::Diagnostic> validate_policy_keys(const config::Config& config);

}  // namespace hardend::policy
