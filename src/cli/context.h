// What every subcommand shares: exit codes, config loading with printed diagnostics, the runtime client.
#pragma once

#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "config/config.h"
#include "docker/client.h"
#include "policy/resolver.h"

namespace hardend::cli {

// Exit codes scripts can trust (documented in --help and README).
enum ExitCode : int {
  kOk = 0,
  kFailed = 1,       // the thing checked is not as it should be (invalid config, failed check, ...)
  kUsageError = 2,   // bad arguments, unreadable/invalid config, daemon unreachable
  kRunError = 125,   // `run`: hardend could not run the container (like `docker run`)
  kTimeout = 124,    // `run`/`script`: killed at --timeout (like timeout(1))
  kOomKilled = 137,  // `run`/`script`: killed for exceeding the memory limit
};

struct GlobalOptions {
  std::optional<std::string> config_path;
  bool strict = false;
  std::string runtime;  // --runtime docker|podman; empty: container.runtime from the config
};

// Loads the config, printing warnings and errors (file:line:col: key: problem) to stderr. nullopt on error.
// A --runtime given on the command line replaces container.runtime (its source becomes "--runtime").
std::optional<config::Config> load_config_or_report(const GlobalOptions& options);

// The Docker endpoint: $DOCKER_HOST or the default socket (commands that do not load a config).
Result<docker::Client> make_client();
// The endpoint of the config's runtime (docker/endpoint.h: Endpoint::for_runtime): Docker's, or Podman's
// compatible API at $HARDEND_PODMAN_SOCKET, $CONTAINER_HOST or /run/podman/podman.sock.
Result<docker::Client> make_client(const config::Config& config);
Result<docker::Client> make_client_for(const std::string& runtime);

// Facts the policy needs from the daemon (swap and cgroup-limit support; on Podman this host's hard rlimits).
// Falls back to defaults with a warning when the daemon cannot be asked and `require_daemon` is false. The
// error when nothing answers says how to start the runtime's service.
Result<policy::RuntimeFacts> runtime_facts(docker::Client& client, const std::string& runtime, bool require_daemon);

// What `run`, `script` and `check` need before they start a container: the client of the config's runtime and
// its facts (the daemon must answer). nullopt after printing why (the error says how to start the service).
struct RuntimeContext {
  docker::Client client;
  policy::RuntimeFacts facts;
};
std::optional<RuntimeContext> connect_runtime(const config::Config& config);

// IMAGE[:TAG] parsed and its policy resolved against the runtime's facts; nullopt after printing why.
std::optional<policy::ContainerSpec> resolve_image_policy(const config::Config& config, const std::string& image,
                                                          const policy::RuntimeFacts& facts);

// An error from creating/starting a container, with the known OCI-runtime failures explained in words
// ("error setting rlimit type 6: operation not permitted" -> which limit, why, what to do).
std::string explain_runtime_error(const std::string& message, const std::string& runtime);

void print_error(const std::string& message);
void print_warning(const std::string& message);

// Subcommand registration: each adds its subcommand to `app` and sets its callback, which stores the exit code.
void add_config_command(CLI::App& app, GlobalOptions& global, int& exit_code);
void add_policy_command(CLI::App& app, GlobalOptions& global, int& exit_code);
void add_run_command(CLI::App& app, GlobalOptions& global, int& exit_code);
void add_swap_check_command(CLI::App& app, GlobalOptions& global, int& exit_code);
void add_image_command(CLI::App& app, GlobalOptions& global, int& exit_code);
void add_script_command(CLI::App& app, GlobalOptions& global, int& exit_code);
void add_check_command(CLI::App& app, GlobalOptions& global, int& exit_code);
void add_net_command(CLI::App& app, GlobalOptions& global, int& exit_code);
void add_serve_command(CLI::App& app, GlobalOptions& global, int& exit_code);

}  // namespace hardend::cli
