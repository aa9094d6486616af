#include "server/api.h"

#include <boost/asio/post.hpp>
#include <chrono>

#include "policy/image_ref.h"
#include "server/pool_settings.h"

namespace hardend::server {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string dump(const json& value) { return value.dump(2, ' ', false, json::error_handler_t::replace) + "\n"; }

}  // namespace

bool bearer_matches(const std::string& authorization, const std::string& token) {
  static constexpr std::string_view kScheme = "Bearer ";
  if (token.empty() || authorization.size() != kScheme.size() + token.size()) return false;
  if (!authorization.starts_with(kScheme)) return false;
  unsigned char difference = 0;
  for (std::size_t i = 0; i < token.size(); ++i)
    difference |= static_cast<unsigned char>(authorization[kScheme.size() + i] ^ token[i]);
  return difference == 0;
}

std::string percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() + 0 && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

Api::Api(ServingHolder& serving, RunService& runs, PoolManager& pools, Metrics& metrics, Log& log,
         boost::asio::thread_pool& workers, int64_t worker_count, ReloadFunction reload)
    : serving_(serving),
      runs_(runs),
      pools_(pools),
      metrics_(metrics),
      log_(log),
      workers_(workers),
      worker_count_(worker_count),
      reload_(std::move(reload)) {}

void Api::handle(HttpRequest request, Respond respond) {
  ServingPtr serving = serving_.get();
  if (request.over_tcp && !bearer_matches(request.authorization, serving->token)) {
    metrics_.count_unauthorized();
    log_.warn("request.unauthorized", {{"peer", request.peer},
                                       {"method", request.method},
                                       {"target", request.target.substr(0, 200)},
                                       {"why", request.authorization.empty() ? "no Authorization header"
                                                                             : "wrong bearer token"}});
    return respond(error_answer(401, "unauthorized: send Authorization: Bearer <token> (server.token.file)"));
  }
  std::string path = request.target.substr(0, request.target.find('?'));
  const bool get = request.method == "GET", post = request.method == "POST";
  auto wrong_method = [&](const char* allowed) {
    respond(error_answer(405, request.method + " " + path + ": method not allowed (use " + allowed + ")"));
  };

  if (path == "/healthz") return get ? respond(health_answer()) : wrong_method("GET");
  if (path == "/metrics") {
    if (!get) return wrong_method("GET");
    return respond(HttpAnswer{200, metrics_.render(pools_.gauges(), in_flight_, in_flight_ - executing_),
                              "text/plain; version=0.0.4"});
  }
  if (path == "/v1/config") return get ? respond(HttpAnswer{200, dump(config_to_json(*serving->config))})
                                       : wrong_method("GET");
  if (path.starts_with("/v1/policy/")) {
    if (!get) return wrong_method("GET");
    return respond(policy_answer(*serving, percent_decode(path.substr(std::string_view("/v1/policy/").size()))));
  }
  if (path == "/v1/reload") {
    if (!post) return wrong_method("POST");
    // Off the io thread: reading the file and resolving policies must not stall other connections.
    return boost::asio::post(workers_, [this, respond = std::move(respond)] { respond(reload_()); });
  }
  if (path == "/v1/runs") {
    if (!post) return wrong_method("POST");
    return submit_run(serving, std::move(request), std::move(respond));
  }
  respond(error_answer(404, "no route " + request.method + " " + path + " (see docs/API.md)"));
}

void Api::submit_run(const ServingPtr& serving, HttpRequest request, Respond respond) {
  if (!admitting_) {
    metrics_.count_run(RunOutcomeKind::busy, {});
    return respond(error_answer(503, "the daemon is stopping and takes no new runs"));
  }
  const int64_t bound = worker_count_ + serving->config->pool_queue_limit.value;
  if (in_flight_.fetch_add(1) >= bound) {
    in_flight_--;
    metrics_.count_run(RunOutcomeKind::busy, {});
    return respond(error_answer(503, "busy: " + std::to_string(bound) + " runs are executing or queued (server.workers " +
                                         std::to_string(worker_count_) + " + containers.queue.limit " +
                                         std::to_string(serving->config->pool_queue_limit.value) + "); retry later"));
  }
  const auto admitted = Clock::now();
  boost::asio::post(workers_, [this, serving, admitted, body = std::move(request.body),
                               respond = std::move(respond)]() mutable {
    executing_++;
    RunAnswer answer = runs_.execute(*serving->config, serving->facts, body);
    executing_--;
    metrics_.count_run(answer.outcome, Clock::now() - admitted);
    respond(std::move(answer.http));
    in_flight_--;
  });
}

HttpAnswer Api::policy_answer(const Serving& serving, const std::string& image_text) const {
  auto image = policy::parse_image_ref(image_text);
  if (!image.ok()) return error_answer(400, image.error().message);
  auto spec = policy::resolve_policy(*serving.config, *image, serving.facts);
  if (!spec.ok()) return error_answer(400, spec.error().message);
  PoolSettings settings = pool_settings_for(*serving.config, *image);
  json out{{"image", spec->image},
           {"runtime", spec->runtime},
           {"config", serving.config->path.empty() ? "(built-in defaults)" : serving.config->path},
           {"extra_keys_source", policy::extra_keys_source(*serving.config, *image)},
           {"spec", policy::to_json(*spec)},
           {"docker_run_args", policy::to_docker_run_args(*spec)},
           {"notes", spec->notes},
           {"pool", {{"isolation", to_string(settings.isolation)},
                     {"isolation_source", settings.isolation_source},
                     {"low_water", settings.low_water},
                     {"high_water", settings.high_water},
                     {"max_runs", settings.max_runs},
                     {"idle_seconds", settings.idle.count()}}}};
  return HttpAnswer{200, dump(out)};
}

HttpAnswer Api::health_answer() const {
  json out{{"status", admitting_ ? "ok" : "draining"}, {"runs_in_flight", in_flight_.load()},
           {"pools", pools_.gauges().size()}};
  return HttpAnswer{admitting_ ? 200u : 503u, dump(out)};
}

}  // namespace hardend::server
