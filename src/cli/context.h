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
};

// Loads the config, printing warnings and errors (file:line:col: key: problem) to stderr. nullopt on error.
std::optional<config::Config> load_config_or_report(const GlobalOptions& options);

// The Docker (or Podman) endpoint: $DOCKER_HOST or the default socket.
Result<docker::Client> make_client();

// Facts the policy needs from the daemon (swap support). Falls back to defaults with a warning when the daemon
// cannot be asked and `require_daemon` is false.
Result<policy::RuntimeFacts> runtime_facts(docker::Client& client, const std::string& runtime, bool require_daemon);

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
