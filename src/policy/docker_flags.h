// Parser for `python.pass.extra.keys` values: docker run options joined by "##".
// Known flags map onto ContainerSpec fields; isolation-breaking flags are refused unless allowed;
// unknown flags are errors with a suggestion.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "policy/spec.h"

namespace hardend::policy {

// The options one extra-keys value sets. Unset optionals mean "not mentioned": the resolver keeps its
// default.
struct DockerRunOptions {
  std::optional<int64_t> memory;
  std::optional<int64_t> memory_swap;  // -1 = unlimited
  std::optional<double> cpus;
  std::optional<int64_t> pids_limit;  // -1 (or 0) = unlimited
  std::vector<Ulimit> ulimits;        // later entries for the same name win
  std::optional<std::string> user;
  std::optional<std::string> network;
  std::optional<bool> read_only;
  std::vector<std::string> cap_drop;
  std::vector<std::string> cap_add;
  std::vector<std::string> security_opt;
  std::vector<TmpfsMount> tmpfs;
  std::vector<std::string> env;
  std::map<std::string, std::string> labels;
  std::optional<int64_t> shm_size;
  std::optional<int> stop_timeout;
  // Isolation-breaking options: only ever set when FlagParseOptions::allow_unsafe names them.
  std::optional<bool> privileged;
  std::vector<std::string> host_namespaces;  // "pid", "ipc", "uts", "userns", "cgroupns"
  std::vector<std::string> devices;          // "/dev/x[:/dev/y[:rwm]]"
  std::vector<std::string> binds;            // "/host/src:/dst[:ro]"
  std::vector<std::string> allowed_unsafe;  // unsafe flags that were accepted because an allow key names them

  bool operator==(const DockerRunOptions&) const = default;
};

struct FlagParseOptions {
  // Unsafe flags that an explicit allow key (docker.run.allow.unsafe) permits, e.g. "--privileged",
  // "--cap-add=SYS_ADMIN", "--network=host".
  std::vector<std::string> allow_unsafe;
};

// Errors name the offending flag: "unknown flag --memroy (did you mean --memory?)". The caller prefixes the
// file location and key.
Result<DockerRunOptions> parse_docker_run_options(std::string_view joined,
                                                  const FlagParseOptions& options = {});

// "cap_sys_admin", "CAP_SYS_ADMIN", " sys_admin " -> "SYS_ADMIN".
std::string normalize_capability(std::string_view name);

// Capabilities refused in --cap-add unless allowed: each one lets a process escape or reconfigure the host
// (mount, load modules, trace other processes, raw I/O, change the network, read any file ...).
const std::vector<std::string>& dangerous_capabilities();

// "root", "0", "root:root", "0:0", "0:1000" ...: the uid is 0.
bool is_root_user(std::string_view user);

}  // namespace hardend::policy
