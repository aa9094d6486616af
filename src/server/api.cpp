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

std::string query_value(const std::string& target, const std::string& name) {
  auto question = target.find('?');
  if (question == std::string::npos) return "";
  std::string_view query(target);
  query.remove_prefix(question + 1);
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    auto equals = pair.find('=');
    if (percent_decode(pair.substr(0, equals)) == name)
      return equals == std::string_view::npos ? "1" : percent_decode(pair.substr(equals + 1));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return "";
}

bool query_flag(const std::string& target, const std::string& name) {
  std::string value = query_value(target, name);
  for (auto& c : value) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return value == "1" || value == "true" || value == "yes";
}

Api::Api(ServingHolder& serving, RunService& runs, CheckService& checks, PoolManager& pools, Metrics& metrics,
         Log& log, boost::asio::thread_pool& workers, int64_t worker_count, ReloadFunction reload)
    : serving_(serving),
      runs_(runs),
      checks_(checks),
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
    return submit_run(serving, request, std::move(respond));
  }
  if (path.starts_with("/v1/runs/")) {
    if (!get) return wrong_method("GET");
    return respond(async_run_answer(path.substr(std::string_view("/v1/runs/").size())));
  }
  if (path == "/v1/check") {
    if (!post) return wrong_method("POST");
    return submit_check(serving, request, std::move(respond));
  }
  respond(error_answer(404, "no route " + request.method + " " + path + " (see docs/API.md)"));
}

bool Api::admit(const Serving& serving, const Respond& respond) {
  if (!admitting_) {
    metrics_.count_run(RunOutcomeKind::busy, {});
    respond(error_answer(503, "the daemon is stopping and takes no new runs"));
    return false;
  }
  const int64_t bound = worker_count_ + serving.config->pool_queue_limit.value;
  if (in_flight_.fetch_add(1) >= bound) {
    in_flight_--;
    metrics_.count_run(RunOutcomeKind::busy, {});
    respond(error_answer(503, "busy: " + std::to_string(bound) + " runs are executing or queued (server.workers " +
                                  std::to_string(worker_count_) + " + containers.queue.limit " +
                                  std::to_string(serving.config->pool_queue_limit.value) + "); retry later"));
    return false;
  }
  return true;
}

void Api::dispatch(std::function<void()> work) {
  boost::asio::post(workers_, [this, work = std::move(work)] {
    executing_++;
    work();
    executing_--;
    in_flight_--;
  });
}

void Api::submit_run(const ServingPtr& serving, const HttpRequest& request, Respond respond) {
  auto prepared = runs_.prepare(*serving->config, serving->facts, request.body);
  if (auto* rejected = std::get_if<RunAnswer>(&prepared)) {
    metrics_.count_run(rejected->outcome, {});
    return respond(std::move(rejected->http));
  }
  if (!admit(*serving, respond)) return;
  auto run = std::make_shared<PreparedRun>(std::move(std::get<PreparedRun>(prepared)));
  const auto admitted = Clock::now();
  if (!query_flag(request.target, "async")) {
    return dispatch([this, serving, run, admitted, respond = std::move(respond)] {
      RunAnswer answer = runs_.execute(*serving->config, *run);
      metrics_.count_run(answer.outcome, Clock::now() - admitted);
      respond(std::move(answer.http));
    });
  }
  std::string id = async_runs_.add();
  json accepted{{"id", id}, {"status", to_string(AsyncState::queued)}, {"location", "/v1/runs/" + id}};
  respond(HttpAnswer{202, dump(accepted)});
  dispatch([this, serving, run, admitted, id] {
    async_runs_.mark_running(id);
    RunAnswer answer = runs_.execute(*serving->config, *run);
    metrics_.count_run(answer.outcome, Clock::now() - admitted);
    async_runs_.finish(id, std::move(answer.http));
  });
}

HttpAnswer Api::async_run_answer(const std::string& id) {
  auto view = async_runs_.find(id);
  if (!view)
    return error_answer(404, "no run " + id.substr(0, 64) +
                                 " (unknown, or finished and no longer kept: results are kept 600 s, at most 1000)");
  return HttpAnswer{200, dump(async_run_json(*view))};
}

void Api::submit_check(const ServingPtr& serving, const HttpRequest& request, Respond respond) {
  auto prepared = checks_.prepare(*serving->config, request.body);
  if (auto* rejected = std::get_if<HttpAnswer>(&prepared)) {
    metrics_.count_check(Metrics::CheckOutcome::rejected);
    return respond(std::move(*rejected));
  }
  if (!admit(*serving, respond)) return;
  auto check_request = std::make_shared<check::CheckRequest>(std::move(std::get<check::CheckRequest>(prepared)));
  dispatch([this, serving, check_request, respond = std::move(respond)] {
    CheckAnswer answer = checks_.execute(*serving->config, serving->facts, std::move(*check_request));
    metrics_.count_check(answer.passed ? Metrics::CheckOutcome::passed : Metrics::CheckOutcome::failed);
    respond(std::move(answer.http));
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

// 503 while draining, and while the container runtime does not answer (runs would fail): a load balancer or
// systemd watchdog takes this instance out until the runtime is back, which it notices by itself.
HttpAnswer Api::health_answer() const {
  const std::string runtime_problem = pools_.runtime_problem();
  const bool healthy = admitting_ && runtime_problem.empty();
  json out{{"status", !admitting_               ? "draining"
                      : runtime_problem.empty() ? "ok"
                                                : "runtime unavailable"},
           {"runs_in_flight", in_flight_.load()},
           {"pools", pools_.gauges().size()}};
  if (!runtime_problem.empty()) out["error"] = runtime_problem;
  return HttpAnswer{healthy ? 200u : 503u, dump(out)};
}

}  // namespace hardend::server
