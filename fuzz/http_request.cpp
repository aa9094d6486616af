// Fuzz harness: HTTP request handling of the daemon. The raw bytes of a connection go through Boost.Beast's
// request parser configured as server/http_server.cpp configures it (string body, 16 KiB header limit, body limit
// server.max.body), request after request as on a keep-alive connection; each parsed request is then routed the
// way Api::handle routes it, through the pure pieces: bearer_matches, the path and query (query_value,
// query_flag, percent_decode), GET /v1/policy/{image} (image reference, policy, pool settings), GET
// /v1/runs/{id} (the async run store), and the bodies of POST /v1/runs and POST /v1/check. What needs Docker
// (executing runs and checks) is not reached. Invariants: the parser never reads past the input; every answer
// body renders as JSON; an unauthenticated request is never authorized.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "check/check_request.h"
#include "fuzz_check.h"
#include "policy/image_ref.h"
#include "policy/resolver.h"
#include "policy/spec.h"
#include "server/api.h"
#include "server/http_server.h"
#include "server/pool_settings.h"
#include "server/run_service.h"
#include "server/run_store.h"
#include "serving_config.h"

namespace {

namespace http = boost::beast::http;
using hardend::fuzz::require;
using hardend::server::HttpAnswer;
using hardend::server::HttpRequest;

constexpr std::size_t kHeaderLimit = 16 * 1024;  // as server/http_server.cpp
constexpr std::size_t kMaxRequestsPerInput = 8;
constexpr const char* kToken = "s3cr3t-token";

std::string render(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

HttpAnswer policy_answer(const std::string& image_text) {
  const auto& config = hardend::fuzz::serving_config();
  auto image = hardend::policy::parse_image_ref(image_text);
  if (!image.ok()) return hardend::server::error_answer(400, image.error().message);
  auto spec = hardend::policy::resolve_policy(config, *image, {});
  if (!spec.ok()) return hardend::server::error_answer(400, spec.error().message);
  auto settings = hardend::server::pool_settings_for(config, *image);
  require(settings.low_water <= settings.high_water, "pool low water is capped to the high water mark");
  nlohmann::json out{{"image", spec->image},
                     {"spec", hardend::policy::to_json(*spec)},
                     {"docker_run_args", hardend::policy::to_docker_run_args(*spec)},
                     {"extra_keys_source", hardend::policy::extra_keys_source(config, *image)}};
  return HttpAnswer{200, render(out)};
}

HttpAnswer route(const HttpRequest& request, hardend::server::RunStore& runs) {
  if (request.over_tcp && !hardend::server::bearer_matches(request.authorization, kToken)) {
    return hardend::server::error_answer(401, "unauthorized");
  }
  const auto& config = hardend::fuzz::serving_config();
  std::string path = request.target.substr(0, request.target.find('?'));
  (void)hardend::server::query_flag(request.target, "async");
  (void)hardend::server::query_value(request.target, path);
  if (path.starts_with("/v1/policy/")) {
    return policy_answer(hardend::server::percent_decode(path.substr(std::string_view("/v1/policy/").size())));
  }
  if (path.starts_with("/v1/runs/")) {
    auto view = runs.find(path.substr(std::string_view("/v1/runs/").size()));
    if (!view) return hardend::server::error_answer(404, "no such run");
    return HttpAnswer{200, render(hardend::server::async_run_json(*view))};
  }
  if (path == "/v1/runs") {
    auto submission = hardend::server::parse_run_submission(request.body);
    if (!submission.ok()) return hardend::server::error_answer(400, submission.error().message);
    return HttpAnswer{202, render({{"id", runs.add()}})};
  }
  if (path == "/v1/check") {
    auto parsed = request.body.empty() ? nlohmann::json::object() : nlohmann::json::parse(request.body, nullptr, false);
    if (parsed.is_discarded()) return hardend::server::error_answer(400, "the request body is not valid JSON");
    auto check = hardend::check::parse_check_request(parsed, config);
    if (!check.ok()) return hardend::server::error_answer(400, check.error().message);
    return HttpAnswer{200, "{}"};
  }
  return hardend::server::error_answer(404, "no route " + request.method + " " + path);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // Byte 0: over TCP (token required) or the unix socket; and a small or the default body limit.
  const bool over_tcp = (data[0] & 1) != 0;
  const std::size_t body_limit = (data[0] & 2) != 0 ? 64 : 4 * 1024 * 1024;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  hardend::server::RunStore runs;

  for (std::size_t served = 0; served < kMaxRequestsPerInput && !rest.empty(); ++served) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(body_limit);
    boost::beast::error_code error;
    parser.eager(true);
    while (!parser.is_done()) {
      if (rest.empty()) {
        parser.put_eof(error);  // the connection ends here
        break;
      }
      std::size_t used = parser.put(boost::asio::buffer(rest.data(), rest.size()), error);
      require(used <= rest.size(), "the parser consumes no more than it was given");
      rest.remove_prefix(used);
      if (error == http::error::need_more) {
        if (used == 0) {  // what is left is an incomplete piece and no more bytes come
          parser.put_eof(error);
          break;
        }
        error = {};
        continue;
      }
      if (error || used == 0) break;
    }
    if (error || !parser.is_done()) return 0;  // 413, 431 or a malformed request: the server closes

    auto& message = parser.get();
    HttpRequest request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    request.body = message.body();
    if (auto it = message.find(http::field::authorization); it != message.end())
      request.authorization = std::string(it->value());
    request.over_tcp = over_tcp;
    request.peer = over_tcp ? "127.0.0.1:1" : "unix";
    require(request.body.size() <= body_limit, "the body limit holds");

    HttpAnswer answer = route(request, runs);
    if (over_tcp && request.authorization != std::string("Bearer ") + kToken)
      require(answer.status == 401, "a request without the token is refused over TCP");
    require(answer.status == 200 || answer.status == 202 ||
                !nlohmann::json::parse(answer.body, nullptr, false).is_discarded(),
            "an error answer is JSON");
    if (!message.keep_alive()) break;
  }
  return 0;
}
