// The routes of the daemon's HTTP API (docs/API.md). Thin: authenticate, admit, call the library, answer JSON.
//   GET /healthz, GET /metrics, GET /v1/config, GET /v1/policy/{image}, POST /v1/runs[?async=1],
//   GET /v1/runs/{id}, POST /v1/check, POST /v1/reload
// Over TCP every request needs `Authorization: Bearer <token>` (401 otherwise, logged). Runs and checks execute
// on a fixed set of worker threads; beyond workers + containers.queue.limit admitted ones the answer is 503 busy.
#pragma once

#include <atomic>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "policy/resolver.h"
#include "server/http_server.h"
#include "server/log.h"
#include "server/metrics.h"
#include "server/run_service.h"
#include "server/run_store.h"
#include "server/check_service.h"
#include "server/warm_pool.h"

namespace hardend::server {

// What a request is served with: swapped as a whole on reload, so a run sees one consistent config.
struct Serving {
  config::ConfigPtr config;
  std::string token;  // empty: no token (unix socket only)
  policy::RuntimeFacts facts;
};
using ServingPtr = std::shared_ptr<const Serving>;

class ServingHolder {
 public:
  explicit ServingHolder(ServingPtr initial) : current_(std::move(initial)) {}
  ServingPtr get() const {
    std::lock_guard lock(mutex_);
    return current_;
  }
  void set(ServingPtr next) {
    std::lock_guard lock(mutex_);
    current_ = std::move(next);
  }

 private:
  mutable std::mutex mutex_;
  ServingPtr current_;
};

// Reload outcome for POST /v1/reload: 200 with what changed, or 422 with every diagnostic.
using ReloadFunction = std::function<HttpAnswer()>;

class Api {
 public:
  Api(ServingHolder& serving, RunService& runs, CheckService& checks, PoolManager& pools, Metrics& metrics, Log& log,
      boost::asio::thread_pool& workers, int64_t worker_count, ReloadFunction reload);

  void handle(HttpRequest request, Respond respond);

  // Draining: new runs get 503; admitted ones go on.
  void stop_admitting() { admitting_ = false; }
  int64_t in_flight() const { return in_flight_; }

 private:
  void submit_run(const ServingPtr& serving, const HttpRequest& request, Respond respond);
  void submit_check(const ServingPtr& serving, const HttpRequest& request, Respond respond);
  HttpAnswer async_run_answer(const std::string& id);
  // Counts one more run or check in flight, or answers 503 (draining, or the bound is reached) and says no.
  bool admit(const Serving& serving, const Respond& respond);
  // Runs admitted work on a worker thread; it answers before it stops counting as in flight.
  void dispatch(std::function<void()> work);
  HttpAnswer policy_answer(const Serving& serving, const std::string& image_text) const;
  HttpAnswer health_answer() const;

  ServingHolder& serving_;
  RunService& runs_;
  CheckService& checks_;
  RunStore async_runs_;
  PoolManager& pools_;
  Metrics& metrics_;
  Log& log_;
  boost::asio::thread_pool& workers_;
  const int64_t worker_count_;
  ReloadFunction reload_;
  std::atomic<bool> admitting_{true};
  std::atomic<int64_t> in_flight_{0};  // admitted, not answered
  std::atomic<int64_t> executing_{0};
};

// Constant-time comparison of "Bearer <token>" with the expected token (false when the token is empty).
bool bearer_matches(const std::string& authorization, const std::string& token);

// The value of `name` in the query string of a request target ("" when absent; "1" for a bare `?name`).
std::string query_value(const std::string& target, const std::string& name);
// "1", "true", "yes" (any case).
bool query_flag(const std::string& target, const std::string& name);

// "%2F" and friends decoded (image references travel in the path: /v1/policy/demisto%2Fdl:1.4 or unescaped).
std::string percent_decode(std::string_view text);

}  // namespace hardend::server
