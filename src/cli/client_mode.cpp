#ifdef HARDEND_SERVER_ENABLED
#include "cli/client_mode.h"

#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli/context.h"
#include "common/strings.h"
#include "server/client.h"
#ifdef HARDEND_CHECK_ENABLED
#include "check/report.h"
#endif

namespace hardend::cli {
namespace {

using nlohmann::json;

std::string token_from_environment() {
  if (const char* file = std::getenv("HARDEND_TOKEN_FILE"); file && *file) {
    std::ifstream in(file);
    std::ostringstream text;
    text << in.rdbuf();
    return std::string(trim(text.str()));
  }
  if (const char* token = std::getenv("HARDEND_TOKEN"); token && *token) return token;
  return "";
}

// The daemon's answer as JSON, or a printed error (exit 2).
std::optional<json> ask(const std::string& server, const std::string& method, const std::string& target,
                        const std::string& body) {
  auto client = server::ApiClient::connect(server, token_from_environment());
  if (!client.ok()) {
    print_error(client.error().message);
    return std::nullopt;
  }
  auto answer = client->request(method, target, body);
  if (!answer.ok()) {
    print_error(answer.error().message);
    return std::nullopt;
  }
  json parsed = json::parse(answer->body, nullptr, false);
  if (answer->status != 200) {
    std::string message = parsed.is_object() && parsed.contains("error") ? parsed["error"].get<std::string>()
                                                                           : answer->body;
    print_error(server + ": " + std::to_string(answer->status) + ": " + message);
    return std::nullopt;
  }
  if (parsed.is_discarded()) {
    print_error(server + ": the answer is not JSON");
    return std::nullopt;
  }
  return parsed;
}

std::string url_escape_path(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ':') {
      out += static_cast<char>(c);
    } else {
      char buffer[4];
      std::snprintf(buffer, sizeof buffer, "%%%02X", c);
      out += buffer;
    }
  }
  return out;
}

}  // namespace

void add_server_option(CLI::App* command, std::string& server) {
  command->add_option("--server", server,
                      "go through a running `hardend serve` (unix:/path/to.sock or http://127.0.0.1:PORT; default "
                      "$HARDEND_SERVER; token for TCP from $HARDEND_TOKEN_FILE)");
}

std::optional<std::string> chosen_server(const std::string& flag_value) {
  if (!flag_value.empty()) return flag_value;
  if (const char* from_environment = std::getenv("HARDEND_SERVER"); from_environment && *from_environment)
    return std::string(from_environment);
  return std::nullopt;
}

runner::ScriptResult script_result_from_json(const json& in) {
  runner::ScriptResult result;
  result.entries = in.value("entries", json::array());
  result.logs = in.value("logs", json::array());
  if (in.contains("error") && in["error"].is_string()) result.error = in["error"].get<std::string>();
  result.timed_out = in.value("timed_out", false);
  result.oom_killed = in.value("oom_killed", false);
  result.duration_ms = in.value("duration_ms", int64_t{0});
  result.exit_code = in.value("exit_code", runner::kExitUsage);
  result.truncated = in.value("truncated", false);
  return result;
}

int script_via_server(const std::string& server, const ServerScript& script, bool as_json,
                      const std::function<void(const runner::ScriptResult&)>& print_human) {
  json body{{"script", script.source}, {"name", script.name}, {"args", script.args},
            {"timeout", script.timeout_seconds}};
  if (!script.image.empty()) body["image"] = script.image;
  auto answer = ask(server, "POST", "/v1/runs", body.dump(-1, ' ', false, json::error_handler_t::replace));
  if (!answer) return kUsageError;
  runner::ScriptResult result = script_result_from_json(*answer);
  if (as_json)
    std::cout << result.to_json().dump(2, ' ', false, json::error_handler_t::replace) << "\n";
  else
    print_human(result);
  return result.exit_code;
}

#ifdef HARDEND_CHECK_ENABLED
std::optional<std::vector<check::ImageReport>> check_via_server(const std::string& server, const json& request) {
  auto answer = ask(server, "POST", "/v1/check", request.dump());
  if (!answer) return std::nullopt;
  auto reports = check::reports_from_json(*answer);
  if (!reports.ok()) {
    print_error(server + ": " + reports.error().message);
    return std::nullopt;
  }
  return std::move(*reports);
}
#endif

int policy_via_server(const std::string& server, const std::string& image, bool as_json) {
  auto answer = ask(server, "GET", "/v1/policy/" + url_escape_path(image), "");
  if (!answer) return kUsageError;
  if (as_json) {
    json out = *answer;
    out.erase("pool");  // the same object as `hardend policy --json`
    std::cout << out.dump(2) << "\n";
    return kOk;
  }
  // The table of `hardend policy`, from the same fields.
  std::cout << "Policy for " << answer->value("image", "") << " (runtime " << answer->value("runtime", "") << ")\n\n";
  std::cout << std::left << std::setw(14) << "FIELD" << std::setw(44) << "VALUE" << "SOURCE\n";
  for (const auto& [name, field] : (*answer)["spec"].items()) {
    if (!field.is_object() || !field.contains("source")) continue;
    const auto& value = field["value"];
    std::string shown =
        value.is_null() ? "(unlimited/unset)" : value.is_string() ? value.get<std::string>() : value.dump();
    std::cout << std::left << std::setw(14) << name << std::setw(44) << shown << field["source"].get<std::string>()
              << "\n";
  }
  const auto& notes = (*answer)["notes"];
  if (notes.is_array() && !notes.empty()) {
    std::cout << "\nNotes:\n";
    for (const auto& note : notes) std::cout << "  - " << note.get<std::string>() << "\n";
  }
  std::vector<std::string> args = answer->value("docker_run_args", std::vector<std::string>{});
  std::cout << "\nEquivalent: docker run " << join(args, " ") << " " << answer->value("image", "") << "\n";
  return kOk;
}

}  // namespace hardend::cli
#endif  // HARDEND_SERVER_ENABLED
