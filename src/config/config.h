// The typed, immutable configuration snapshot (DESIGN.md sections 1-2).
// parse_config() is pure: text in, Config or precise diagnostics out. load_config() adds the file I/O.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace hardend::config {

// Where a key or value sits in the config file (1-based line and column; 0 = not from a file).
struct Location {
  std::string file;
  int line = 0;
  int column = 0;
  // "d1.conf:7:3", or "d1.conf" without a position, or "" for built-in defaults.
  std::string str() const;
};

enum class Severity { Warning, Error };

struct Diagnostic {
  Severity severity = Severity::Error;
  Location location;
  std::string key;  // may be empty (e.g. a JSON syntax error)
  std::string message;
  // "d1.conf:7:3: python.pass.extra.keys.demisto/dl: unknown flag --memroy (did you mean --memory?)";
  // warnings: "d1.conf:3:3: warning: limt.docker.cpu: unknown key (did you mean limit.docker.cpu?)".
  // Empty parts are left out. This is exactly what `config validate` prints.
  std::string str() const;
};

// A resolved setting: its value and where it came from ("default" or the config key).
template <class T>
struct Setting {
  T value{};
  std::string source = "default";
  Location location;
  bool is_default() const { return source == "default"; }
};

// One declared Docker network (issue 4: "network.networks").
struct NetworkDecl {
  std::string name;
  std::string bridge;                    // com.docker.network.bridge.name
  std::vector<std::string> block;        // "host" | "metadata" | "internal"
  std::vector<std::string> block_cidrs;  // extra CIDRs dropped
  std::vector<std::string> allow_cidrs;  // exceptions, accepted before the drops
  Location location;
};

struct Config {
  std::string path;  // the file this came from; empty when every value is a built-in default

  // Non-root user.
  Setting<bool> run_as_user;                       // docker.run.internal.asuser (default true)
  Setting<std::string> user;                       // docker.run.internal.asuser.user (default "4000:4000")
  Setting<std::vector<std::string>> asuser_ignore;  // docker.run.internal.asuser.ignore (prefixes)

  // Memory and CPU.
  Setting<bool> limit_memory;    // limit.docker.memory (default true)
  Setting<int64_t> memory_limit;  // docker.memory.limit (bytes; default 1g)
  Setting<bool> limit_cpu;       // limit.docker.cpu (default true)
  Setting<double> cpu_limit;     // docker.cpu.limit (CPUs; default 1.0)

  // Extra docker run options, raw ("--pids-limit=256##--ulimit=nofile=1024:8192"); parsed by the policy layer.
  Setting<std::optional<std::string>> extra_keys;  // python.pass.extra.keys
  // Per image: key suffix exactly as written, "demisto/dl" or "demisto/dl:1.4" -> raw options.
  std::map<std::string, Setting<std::string>> image_extra_keys;

  // Hardening beyond the seed guide.
  Setting<bool> drop_all_capabilities;              // docker.run.capabilities.drop.all (default true)
  Setting<std::vector<std::string>> keep_capabilities;  // docker.run.capabilities.keep (default none)
  Setting<bool> no_new_privileges;                  // docker.run.no.new.privileges (default true)
  Setting<bool> read_only_root;                     // docker.run.read.only (default true)
  Setting<std::vector<std::string>> tmpfs;          // docker.run.tmpfs (default "/tmp:rw,noexec,nosuid,size=64m")
  Setting<std::vector<std::string>> allow_unsafe;   // docker.run.allow.unsafe (flags allowed despite breaking isolation)

  // Runtime and runs.
  Setting<std::string> runtime;              // container.runtime: "docker" | "podman"
  Setting<bool> podman_limits_enforce;       // podman.limits.enforce (default false: the guide leaves them out)
  Setting<std::string> python_default_image;  // python.default.image
  Setting<int64_t> output_limit;             // run.output.limit (bytes; default 10m)

  // Network hardening (issue 4).
  Setting<bool> net_block_host;                        // network.block.host (default true)
  Setting<std::vector<std::string>> container_ranges;  // network.container.ranges (default 172.16.0.0/12)
  Setting<std::vector<std::string>> default_block;     // network.default.block (default ["metadata"])
  std::vector<NetworkDecl> networks;                   // network.networks
  Location networks_location;

  // The daemon (`hardend serve`, issue 6).
  Setting<std::string> server_listen;        // server.listen (default "unix:/run/hardend/hardend.sock")
  Setting<std::string> server_socket_group;  // server.socket.group (default "": the daemon's own group)
  Setting<std::string> server_token_file;    // server.token.file (default "": none, so TCP refuses to start)
  Setting<int64_t> server_max_body;          // server.max.body (bytes; default 4m)
  Setting<int64_t> server_drain_seconds;     // server.drain.seconds (default 30)
  Setting<int64_t> server_workers;           // server.workers: runs executing at once (default 16)
  Setting<std::string> server_log_format;    // server.log.format: "text" | "json"
  Setting<bool> server_network_reconcile;            // server.network.reconcile (default false)
  Setting<int64_t> server_network_reconcile_seconds;  // server.network.reconcile.seconds (default 60, min 5)

  // The warm container pool of `hardend serve`. Per-image maps: key suffix exactly as written, "demisto/dl" or
  // "demisto/dl:1.4", with the precedence of python.pass.extra.keys.<image>[:<tag>].
  Setting<int64_t> pool_low_water;    // containers.low.water.mark (default 1)
  Setting<int64_t> pool_high_water;   // containers.high.water.mark (default 20)
  Setting<std::string> isolation;     // containers.isolation: "fresh" | "reuse" (default fresh)
  Setting<int64_t> pool_max_runs;     // containers.max.runs (reuse mode; default 100)
  Setting<int64_t> pool_idle_seconds;  // containers.idle.seconds (default 300)
  Setting<int64_t> pool_queue_limit;  // containers.queue.limit (default 64)
  std::map<std::string, Setting<int64_t>> image_low_water;
  std::map<std::string, Setting<int64_t>> image_high_water;
  std::map<std::string, Setting<std::string>> image_isolation;

  // Diagnostics that did not prevent loading (unknown keys when not strict, ...).
  std::vector<Diagnostic> warnings;
};

using ConfigPtr = std::shared_ptr<const Config>;

struct ParseOptions {
  bool strict = false;  // unknown keys become errors
};

struct ParseOutcome {
  std::optional<Config> config;       // set when there is no error
  std::vector<Diagnostic> diagnostics;  // errors and warnings, in file order
  bool ok() const { return config.has_value(); }
};

// Pure. `file` is only used in diagnostics.
ParseOutcome parse_config(std::string_view text, const std::string& file, const ParseOptions& options = {});

// The built-in defaults (what a missing config file means): fully hardened.
Config default_config();

// Which file to read: explicit --config, else $HARDEND_CONFIG, else /etc/hardend/d1.conf.
struct ConfigSource {
  std::string path;
  bool explicit_path = false;  // false: a missing file means defaults
};
ConfigSource choose_config_source(const std::optional<std::string>& cli_path);
// The same choice with the environment passed in (nullptr: $HARDEND_CONFIG is not set), for tests.
ConfigSource choose_config_source(const std::optional<std::string>& cli_path, const char* env_config);

// Reads and parses. A missing file at the default (non-explicit) path yields the defaults.
ParseOutcome load_config(const ConfigSource& source, const ParseOptions& options = {});

}  // namespace hardend::config
