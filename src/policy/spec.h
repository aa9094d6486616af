// ContainerSpec: the runtime-neutral description of one hardened container (DESIGN.md section 1).
// Every field carries its provenance: the config key (or "default", or a CLI flag) it came from.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

namespace hardend::policy {

template <class T>
struct Field {
  T value{};
  std::string source = "default";
};

struct Ulimit {
  std::string name;  // "nofile", "nproc", ...
  int64_t soft = 0;
  int64_t hard = 0;
  bool operator==(const Ulimit&) const = default;
};

struct TmpfsMount {
  std::string path;     // "/tmp"
  std::string options;  // "rw,noexec,nosuid,size=64m"
  bool operator==(const TmpfsMount&) const = default;
};

struct ContainerSpec {
  std::string image;  // full reference, e.g. "demisto/dl:1.4"
  std::string runtime = "docker";

  Field<std::optional<std::string>> user;     // "4000:4000"; nullopt = image default (root)
  Field<std::optional<int64_t>> memory;       // bytes; nullopt = unlimited
  Field<std::optional<int64_t>> memory_swap;  // bytes, -1 = unlimited swap; nullopt = daemon default
  Field<std::optional<int64_t>> nano_cpus;    // 1e9 per CPU; nullopt = unlimited
  Field<std::optional<int64_t>> pids_limit;   // nullopt or <= 0 = unlimited
  Field<std::vector<Ulimit>> ulimits;
  Field<std::string> network;                // "bridge", "none", or a declared network name
  Field<std::vector<std::string>> cap_drop;  // "ALL" or capability names without CAP_
  Field<std::vector<std::string>> cap_add;
  Field<std::vector<std::string>> security_opt;  // "no-new-privileges", ...
  Field<bool> read_only;
  Field<std::vector<TmpfsMount>> tmpfs;
  Field<std::vector<std::string>> env;  // "NAME=value"
  Field<std::map<std::string, std::string>> labels;
  Field<std::optional<int64_t>> shm_size;  // bytes
  Field<std::optional<int>> stop_timeout;  // seconds

  // Isolation-breaking settings. Empty/false unless docker.run.allow.unsafe names the flag that asks for
  // them; the resolver adds a note for each one it applies.
  Field<bool> privileged;
  Field<std::vector<std::string>>
      host_namespaces;                      // "pid", "ipc", "uts", "userns", "cgroupns" shared with the host
  Field<std::vector<std::string>> devices;  // docker form: "/dev/x[:/dev/y[:rwm]]"
  Field<std::vector<std::string>> binds;    // host bind mounts, docker form: "/src:/dst[:ro]"

  // Things the resolver decided that a user must be told about (e.g. "swap not limited: the daemon has no
  // swap-limit support"; "podman: memory limit left out").
  std::vector<std::string> notes;
};

// PIDs unlimited because an extra key said --pids-limit=-1 (rendered as -1 so that a daemon-wide default
// limit does not apply), as opposed to left out (podman) where nothing is rendered.
bool pids_explicitly_unlimited(const ContainerSpec& spec);

nlohmann::json to_json(const ContainerSpec& spec);  // {"user": {"value":..., "source":...}, ...}

// The equivalent `docker run` argument list (without "docker run" and the image).
std::vector<std::string> to_docker_run_args(const ContainerSpec& spec);

}  // namespace hardend::policy
