#include "server/run_store.h"

#include <array>
#include <random>

namespace hardend::server {

std::string to_string(AsyncState state) {
  switch (state) {
    case AsyncState::queued:
      return "queued";
    case AsyncState::running:
      return "running";
    case AsyncState::done:
      return "done";
  }
  return "unknown";
}

nlohmann::json async_run_json(const AsyncRunView& view) {
  nlohmann::json out{{"id", view.id}, {"status", to_string(view.state)}};
  if (view.answer) {
    out["http_status"] = view.answer->status;
    nlohmann::json result = nlohmann::json::parse(view.answer->body, nullptr, /*allow_exceptions=*/false);
    out["result"] = result.is_discarded() ? nlohmann::json(view.answer->body) : result;
  }
  return out;
}

std::string RunStore::add() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device random;  // /dev/urandom: ids must not be predictable from each other
  std::string id;
  for (int i = 0; i < 4; ++i) {
    uint32_t word = random();
    for (int nibble = 0; nibble < 8; ++nibble, word >>= 4) id += kHex[word & 0xF];
  }
  std::lock_guard lock(mutex_);
  evict_locked();
  runs_[id] = Entry{AsyncRunView{id, AsyncState::queued, std::nullopt}, {}};
  return id;
}

void RunStore::mark_running(const std::string& id) {
  std::lock_guard lock(mutex_);
  if (auto found = runs_.find(id); found != runs_.end()) found->second.view.state = AsyncState::running;
}

void RunStore::finish(const std::string& id, HttpAnswer answer) {
  std::lock_guard lock(mutex_);
  auto found = runs_.find(id);
  if (found == runs_.end()) return;
  found->second.view.state = AsyncState::done;
  found->second.view.answer = std::move(answer);
  found->second.finished_at = now_();
  finished_order_.push_back(id);
  evict_locked();
}

std::optional<AsyncRunView> RunStore::find(const std::string& id) {
  std::lock_guard lock(mutex_);
  evict_locked();
  auto found = runs_.find(id);
  if (found == runs_.end()) return std::nullopt;
  return found->second.view;
}

std::size_t RunStore::size() {
  std::lock_guard lock(mutex_);
  return runs_.size();
}

void RunStore::evict_locked() {
  const auto now = now_();
  while (!finished_order_.empty()) {
    auto oldest = runs_.find(finished_order_.front());
    bool expired = oldest != runs_.end() && now - oldest->second.finished_at >= limits_.retention;
    if (finished_order_.size() <= limits_.max_finished && !expired) break;
    if (oldest != runs_.end()) runs_.erase(oldest);
    finished_order_.pop_front();
  }
}

}  // namespace hardend::server
