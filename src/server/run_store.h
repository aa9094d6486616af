// Runs submitted with `POST /v1/runs?async=1`: the daemon answers 202 with an id at once and keeps the run's
// state for `GET /v1/runs/{id}`: queued -> running -> done (with the same result object and HTTP status the
// synchronous call would have answered). Finished runs are kept for a retention time and up to a count; the
// oldest finished ones go first. Unfinished runs are never evicted (admission bounds how many there are).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "server/http_server.h"

namespace hardend::server {

enum class AsyncState { queued, running, done };
std::string to_string(AsyncState state);

struct AsyncRunView {
  std::string id;
  AsyncState state = AsyncState::queued;
  std::optional<HttpAnswer> answer;  // when done
};

// The body of GET /v1/runs/{id}: {"id", "status", and when done "http_status" + "result" (the synchronous
// answer's JSON object)}.
nlohmann::json async_run_json(const AsyncRunView& view);

class RunStore {
 public:
  using Clock = std::chrono::steady_clock;
  struct Limits {
    std::size_t max_finished = 1000;
    std::chrono::seconds retention{600};
  };
  RunStore() = default;
  explicit RunStore(Limits limits) : limits_(limits) {}

  // A new queued run; the id is 32 random hex digits (unguessable: a client only sees its own runs' ids).
  std::string add();
  void mark_running(const std::string& id);
  void finish(const std::string& id, HttpAnswer answer);
  // nullopt: unknown, or finished and evicted.
  std::optional<AsyncRunView> find(const std::string& id);

  std::size_t size();

  // For tests: the clock the retention is measured with.
  void set_clock_for_test(std::function<Clock::time_point()> now) { now_ = std::move(now); }

 private:
  struct Entry {
    AsyncRunView view;
    Clock::time_point finished_at{};
  };
  void evict_locked();

  Limits limits_;
  std::function<Clock::time_point()> now_ = [] { return Clock::now(); };
  std::mutex mutex_;
  std::map<std::string, Entry> runs_;
  std::deque<std::string> finished_order_;  // ids, oldest finish first
};

}  // namespace hardend::server
