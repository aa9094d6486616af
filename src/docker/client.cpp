#include "docker/client.h"

#include <algorithm>
#include <cctype>

#include "common/strings.h"

namespace hardend::docker {

namespace {

using Json = nlohmann::json;
constexpr auto kPingTimeout = std::chrono::seconds(10);

// Path segments (ids, names, image references) keep '/', ':' and '@': the daemon routes image names with
// them.
std::string path_escape(std::string_view segment) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : segment) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/' || c == ':' || c == '@') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

// Reads an optional field without throwing on an answer of unexpected shape (a daemon is input too).
template <class T>
T field_or(const Json& json, const char* pointer, T fallback) {
  if (!json.is_object()) return fallback;
  Json::json_pointer where(pointer);
  if (!json.contains(where)) return fallback;
  const Json& value = json.at(where);
  if constexpr (std::is_same_v<T, bool>) {
    return value.is_boolean() ? value.get<bool>() : fallback;
  } else {
    return value.is_string() ? value.get<std::string>() : fallback;
  }
}

Result<Json> parse_json(const std::string& method, const std::string& path, const HttpResponse& response) {
  auto json = Json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded())
    return make_error(method + " " + display_path(path) + ": the daemon's answer is not JSON: " +
                      std::string(trim(response.body.substr(0, 200))));
  return json;
}

Result<std::string> id_from(const std::string& method, const std::string& path,
                            const HttpResponse& response) {
  auto json = parse_json(method, path, response);
  if (!json) return json.take_error();
  if (!json->is_object() || !json->contains("Id") || !(*json)["Id"].is_string())
    return make_error(method + " " + display_path(path) + ": the daemon's answer has no \"Id\"");
  return (*json)["Id"].get<std::string>();
}

// Import answers 200 and then reports failure inside its JSON progress stream: one object per line.
Status check_progress_stream(const std::string& method, const std::string& path, const std::string& body) {
  for (const auto& line : split(body, "\n")) {
    std::string_view text = trim(line);
    if (text.empty()) continue;
    auto message = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!message.is_object()) continue;
    std::string error;
    if (message.contains("errorDetail") && message["errorDetail"].is_object())
      error = field_or(message["errorDetail"], "/message", std::string());
    if (error.empty() && message.contains("error") && message["error"].is_string())
      error = message["error"].get<std::string>();
    if (!error.empty() || message.contains("error") || message.contains("errorDetail"))
      return make_error(method + " " + display_path(path) + ": " + (error.empty() ? message.dump() : error));
  }
  return {};
}

std::string lower_contains_or_append(Error error, std::string_view needle, const std::string& addition) {
  if (to_lower(error.message).find(needle) == std::string::npos) error.message += " (" + addition + ")";
  return error.message;
}

}  // namespace

std::string query_escape(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

int compare_api_versions(std::string_view a, std::string_view b) {
  auto parts_a = split(a, ".");
  auto parts_b = split(b, ".");
  size_t count = std::max(parts_a.size(), parts_b.size());
  for (size_t i = 0; i < count; ++i) {
    int64_t number_a = i < parts_a.size() ? parse_int(parts_a[i]).value_or(0) : 0;
    int64_t number_b = i < parts_b.size() ? parse_int(parts_b[i]).value_or(0) : 0;
    if (number_a != number_b) return number_a < number_b ? -1 : 1;
  }
  return 0;
}

bool is_not_found(const Error& error) {
  return error.message.find(": 404 ") != std::string::npos;
}

Client::Client(Endpoint endpoint) : transport_(std::move(endpoint)) {}

Result<std::string> Client::negotiate() {
  std::lock_guard lock(negotiated_->mutex);
  if (!negotiated_->api_version.empty()) return negotiated_->api_version;
  auto ping = transport_.request("GET", "/_ping", {}, {}, kPingTimeout);
  if (!ping) return ping.take_error();
  if (ping->status != 200) return api_error("GET", "/_ping", *ping);
  auto version = transport_.request("GET", "/version", {}, {}, kPingTimeout);
  if (!version) return version.take_error();
  if (version->status != 200) return api_error("GET", "/version", *version);
  auto json = parse_json("GET", "/version", *version);
  if (!json) return json.take_error();
  std::string server_version = field_or(*json, "/ApiVersion", std::string());
  if (server_version.empty()) return make_error("GET /version: the daemon reported no ApiVersion");
  negotiated_->api_version =
      compare_api_versions(server_version, kMaxApiVersion) < 0 ? server_version : std::string(kMaxApiVersion);
  return negotiated_->api_version;
}

Result<std::string> Client::versioned(const std::string& path) {
  auto version = negotiate();
  if (!version) return version.take_error();
  return "/v" + *version + path;
}

Result<HttpResponse> Client::checked(const std::string& method, const std::string& path,
                                     const std::string& body, std::vector<unsigned> accepted,
                                     std::string_view content_type,
                                     std::optional<std::chrono::milliseconds> timeout) {
  auto target = versioned(path);
  if (!target) return target.take_error();
  auto response = transport_.request(method, *target, body, content_type, timeout);
  if (!response) return response;
  bool success = response->status >= 200 && response->status < 300;
  if (!success && std::find(accepted.begin(), accepted.end(), response->status) == accepted.end())
    return api_error(method, *target, *response);
  return response;
}

Result<HttpResponse> Client::call(const std::string& method, const std::string& path,
                                  const std::string& body) {
  auto target = versioned(path);
  if (!target) return target.take_error();
  auto response = transport_.request(method, *target, body);
  if (response && response->status >= 400) return api_error(method, *target, *response);
  return response;
}

Result<nlohmann::json> Client::version() {
  auto response = checked("GET", "/version");
  if (!response) return response.take_error();
  return parse_json("GET", "/version", *response);
}

Result<nlohmann::json> Client::info() {
  auto response = checked("GET", "/info");
  if (!response) return response.take_error();
  return parse_json("GET", "/info", *response);
}

// ---- Images ----

Result<nlohmann::json> Client::inspect_image(const std::string& ref) {
  std::string path = "/images/" + path_escape(ref) + "/json";
  auto response = checked("GET", path);
  if (!response) {
    Error error = response.take_error();
    if (is_not_found(error))
      return make_error(lower_contains_or_append(error, "no such image", "no such image: " + ref));
    return error;
  }
  return parse_json("GET", path, *response);
}

Status Client::import_image(const std::string& tar_path, const std::string& repo, const std::string& tag) {
  std::string path = "/images/create?fromSrc=-&repo=" + query_escape(repo) + "&tag=" + query_escape(tag);
  auto target = versioned(path);
  if (!target) return target.take_error();
  auto response = transport_.request_with_file("POST", *target, tar_path, "application/x-tar");
  if (!response) return response.take_error();
  if (response->status != 200) return api_error("POST", *target, *response);
  return check_progress_stream("POST", path, response->body);
}

Status Client::tag_image(const std::string& source, const std::string& repo, const std::string& tag) {
  auto response = checked("POST", "/images/" + path_escape(source) + "/tag?repo=" + query_escape(repo) +
                                      "&tag=" + query_escape(tag));
  if (!response) return response.take_error();
  return {};
}

Status Client::remove_image(const std::string& ref, bool force) {
  auto response = checked("DELETE", "/images/" + path_escape(ref) + (force ? "?force=1" : "?force=0"));
  if (!response) return response.take_error();
  return {};
}

// ---- Containers ----

Result<std::string> Client::create_container(const nlohmann::json& body, const std::string& name) {
  std::string path = "/containers/create" + (name.empty() ? std::string() : "?name=" + query_escape(name));
  auto response = checked("POST", path, body.dump());
  if (!response) return response.take_error();
  return id_from("POST", path, *response);
}

Status Client::start_container(const std::string& id) {
  // 304 Not Modified: already started, which is what the caller wants.
  auto response = checked("POST", "/containers/" + path_escape(id) + "/start", {}, {304});
  if (!response) return response.take_error();
  return {};
}

Result<std::unique_ptr<AttachedStream>> Client::attach_hijacked(const std::string& path,
                                                                const std::string& body, bool tty) {
  auto target = versioned(path);
  if (!target) return target.take_error();
  auto connection = transport_.hijack("POST", *target, body);
  if (!connection) return connection.take_error();
  // API 1.41 always says "raw-stream"; the framing depends on whether a TTY was allocated.
  return std::make_unique<AttachedStream>(std::move(*connection), /*multiplexed=*/!tty);
}

Result<std::unique_ptr<AttachedStream>> Client::attach_container(const std::string& id, bool with_stdin) {
  auto inspected = inspect_container(id);
  if (!inspected) return inspected.take_error();
  bool tty = field_or(*inspected, "/Config/Tty", false);
  return attach_hijacked("/containers/" + path_escape(id) +
                             "/attach?stream=1&stdin=" + (with_stdin ? "1" : "0") + "&stdout=1&stderr=1",
                         {}, tty);
}

Result<ContainerExit> Client::wait_container(const std::string& id, const std::string& condition) {
  std::string path = "/containers/" + path_escape(id) + "/wait?condition=" + query_escape(condition);
  auto response = checked("POST", path, {}, {}, "application/json", std::nullopt);
  if (!response) return response.take_error();
  auto json = parse_json("POST", path, *response);
  if (!json) return json.take_error();
  if (!json->is_object() || !json->contains("StatusCode") || !(*json)["StatusCode"].is_number_integer())
    return make_error("POST " + display_path(path) + ": the daemon's answer has no StatusCode");
  ContainerExit exit;
  exit.status_code = (*json)["StatusCode"].get<int64_t>();
  exit.error = field_or(*json, "/Error/Message", std::string());
  return exit;
}

Status Client::kill_container(const std::string& id, const std::string& signal) {
  auto response = checked("POST", "/containers/" + path_escape(id) + "/kill?signal=" + query_escape(signal));
  if (!response) {
    Error error = response.take_error();
    if (error.message.find(": 409 ") != std::string::npos &&
        error.message.find("is not running") != std::string::npos)
      return {};
    return error;
  }
  return {};
}

Status Client::remove_container(const std::string& id, bool force) {
  auto response =
      checked("DELETE", "/containers/" + path_escape(id) + (force ? "?force=1&v=1" : "?force=0&v=1"));
  if (!response) return response.take_error();
  return {};
}

Result<nlohmann::json> Client::inspect_container(const std::string& id) {
  std::string path = "/containers/" + path_escape(id) + "/json";
  auto response = checked("GET", path);
  if (!response) return response.take_error();
  return parse_json("GET", path, *response);
}

Result<nlohmann::json> Client::list_containers(const std::vector<std::string>& labels, bool all) {
  std::string path = std::string("/containers/json?all=") + (all ? "1" : "0");
  if (!labels.empty()) path += "&filters=" + query_escape(Json{{"label", labels}}.dump());
  auto response = checked("GET", path);
  if (!response) return response.take_error();
  return parse_json("GET", path, *response);
}

Status Client::put_archive(const std::string& id, const std::string& path, const std::string& tar_bytes) {
  auto response = checked("PUT", "/containers/" + path_escape(id) + "/archive?path=" + query_escape(path),
                          tar_bytes, {}, "application/x-tar");
  if (!response) return response.take_error();
  return {};
}

// ---- Exec ----

Result<std::string> Client::create_exec(const std::string& container_id, const nlohmann::json& body) {
  std::string path = "/containers/" + path_escape(container_id) + "/exec";
  auto response = checked("POST", path, body.dump());
  if (!response) return response.take_error();
  return id_from("POST", path, *response);
}

Result<std::unique_ptr<AttachedStream>> Client::start_exec(const std::string& exec_id) {
  auto inspected = inspect_exec(exec_id);
  if (!inspected) return inspected.take_error();
  bool tty = field_or(*inspected, "/ProcessConfig/tty", false);
  return attach_hijacked("/exec/" + path_escape(exec_id) + "/start",
                         Json{{"Detach", false}, {"Tty", tty}}.dump(), tty);
}

Result<nlohmann::json> Client::inspect_exec(const std::string& exec_id) {
  std::string path = "/exec/" + path_escape(exec_id) + "/json";
  auto response = checked("GET", path);
  if (!response) return response.take_error();
  return parse_json("GET", path, *response);
}

// ---- Networks ----

Result<std::string> Client::create_network(const nlohmann::json& body) {
  auto response = checked("POST", "/networks/create", body.dump());
  if (!response) return response.take_error();
  return id_from("POST", "/networks/create", *response);
}

Result<nlohmann::json> Client::inspect_network(const std::string& name) {
  std::string path = "/networks/" + path_escape(name);
  auto response = checked("GET", path);
  if (!response) {
    Error error = response.take_error();
    if (is_not_found(error))
      return make_error(lower_contains_or_append(error, "no such network", "no such network: " + name));
    return error;
  }
  return parse_json("GET", path, *response);
}

Result<nlohmann::json> Client::list_networks() {
  auto response = checked("GET", "/networks");
  if (!response) return response.take_error();
  return parse_json("GET", "/networks", *response);
}

Status Client::remove_network(const std::string& name) {
  auto response = checked("DELETE", "/networks/" + path_escape(name));
  if (!response) return response.take_error();
  return {};
}

}  // namespace hardend::docker
