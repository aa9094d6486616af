// `--server` (or $HARDEND_SERVER): `hardend script|check|policy` through a running `hardend serve` instead of the local
// Docker daemon, with the same output and exit codes. Values: unix:/path/to.sock or http://127.0.0.1:PORT; over
// TCP the bearer token comes from $HARDEND_TOKEN_FILE (or $HARDEND_TOKEN).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "runner/executor_protocol.h"
#ifdef HARDEND_CHECK_ENABLED
#include "check/check_image.h"
#endif

namespace hardend::cli {

// Adds --server to a subcommand.
void add_server_option(CLI::App* command, std::string& server);
// The flag's value, else $HARDEND_SERVER; nullopt: run locally.
std::optional<std::string> chosen_server(const std::string& flag_value);

struct ServerScript {
  std::string source;
  std::string name;
  nlohmann::json args = nlohmann::json::object();
  std::string image;  // empty: the daemon's python.default.image
  double timeout_seconds = 300;
};

// POST /v1/runs; prints the result as `hardend script` does (`print_human` renders the non-JSON form) and
// returns its exit code; 2 when the daemon cannot be asked or refuses the request.
int script_via_server(const std::string& server, const ServerScript& script, bool json,
                      const std::function<void(const runner::ScriptResult&)>& print_human);

// GET /v1/policy/{image}; prints as `hardend policy` does. 2 on errors.
int policy_via_server(const std::string& server, const std::string& image, bool json);

#ifdef HARDEND_CHECK_ENABLED
// POST /v1/check with the check request object (check/check_request.h); the reports, or nullopt after printing
// why the daemon could not be asked or refused (the caller exits 2).
std::optional<std::vector<check::ImageReport>> check_via_server(const std::string& server,
                                                                const nlohmann::json& request);
#endif

// The result object of `hardend script --json` read back.
runner::ScriptResult script_result_from_json(const nlohmann::json& json);

}  // namespace hardend::cli
