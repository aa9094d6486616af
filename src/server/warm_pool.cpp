#include "server/warm_pool.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <set>

namespace hardend::server {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kRefillPauseAfterFailure = std::chrono::seconds(5);
constexpr const char* kGoneWhy = "an idle container is gone or not running; replaced";
constexpr const char* kStreamWhy =
    "an idle container's attach stream ended or carried output (the runtime restarted?); replaced";

}  // namespace

Pool::Pool(PoolEnvironment& environment, std::string key, policy::ImageRef image, policy::ContainerSpec spec,
           PoolSettings settings, std::size_t output_limit)
    : env_(environment),
      key_(std::move(key)),
      image_(std::move(image)),
      spec_(std::move(spec)),
      output_limit_(output_limit),
      settings_(settings),
      upkeep_timer_(environment.background) {}

PoolSettings Pool::settings() const {
  std::lock_guard lock(mutex_);
  return settings_;
}

bool Pool::retired() const {
  std::lock_guard lock(mutex_);
  return retired_;
}

PoolGauge Pool::gauge() const {
  std::lock_guard lock(mutex_);
  return PoolGauge{spec_.image, to_string(settings_.isolation), static_cast<int64_t>(idle_.size()), busy_,
                   starting_};
}

void Pool::update_settings(const PoolSettings& settings) {
  std::lock_guard lock(mutex_);
  settings_ = settings;
  changed_.notify_all();  // a higher high water mark may let a waiting run start a container
}

std::size_t choose_idle(const std::vector<Clock::time_point>& last_used, Clock::time_point now) {
  for (std::size_t i = last_used.size(); i-- > 0;)
    if (now - last_used[i] >= kSettleTime) return i;
  return 0;
}

bool idle_container_alive(bool cgroup_present, const Result<nlohmann::json>* inspected) {
  if (cgroup_present) return true;
  if (!inspected || !inspected->ok()) return false;
  const nlohmann::json& state = (**inspected).value("State", nlohmann::json::object());
  if (!state.is_object()) return false;
  return state.value("Running", false) && !state.value("Restarting", false) && !state.value("Paused", false);
}

bool Pool::alive(const std::string& container_id) {
  if (read_oom_kills(container_id)) return idle_container_alive(true, nullptr);
  auto inspected = env_.client.inspect_container(container_id);
  return idle_container_alive(false, &inspected);
}

Result<std::unique_ptr<WarmContainer>> Pool::start_container() {
  auto container = WarmContainer::start(env_.client, spec_, output_limit_, env_.labels, env_.ready_timeout);
  env_.metrics.count_container_start(container.ok());
  if (!container.ok())
    env_.log.warn("container.start.failed", {{"image", spec_.image}, {"error", container.error().message}});
  return container;
}

Result<std::unique_ptr<WarmContainer>> Pool::acquire() {
  std::unique_lock lock(mutex_);
  last_activity_ = Clock::now();
  while (true) {
    if (retired_)
      return Error{"the pool of " + spec_.image + " was retired (config reloaded or daemon stopping)"};
    if (!idle_.empty()) {
      std::vector<Clock::time_point> last_used;
      last_used.reserve(idle_.size());
      for (const auto& candidate : idle_) last_used.push_back(candidate->last_used());
      auto chosen = idle_.begin() + static_cast<std::ptrdiff_t>(choose_idle(last_used, Clock::now()));
      auto container = std::move(*chosen);
      idle_.erase(chosen);
      ++busy_;
      // A container whose health is in doubt is never used: checked without the lock (it may ask the
      // runtime).
      lock.unlock();
      const bool silent = container->stream_silent();
      const bool healthy = silent && alive(container->id());
      lock.lock();
      if (!healthy) {
        --busy_;
        env_.log.warn("container.dead", {{"image", spec_.image},
                                         {"container", container->id().substr(0, 12)},
                                         {"why", silent ? kGoneWhy : kStreamWhy}});
        lock.unlock();
        destroy_in_background(std::move(container));
        lock.lock();
        changed_.notify_all();
        continue;
      }
      // The refill waits for a quiet moment unless the pool runs dry: a start now would slow this very run.
      refill_wanted_ = true;
      schedule_upkeep_locked();
      return container;
    }
    if (total_locked() < settings_.high_water) {
      ++starting_;
      lock.unlock();
      auto container = start_container();
      lock.lock();
      --starting_;
      if (!container.ok()) {
        changed_.notify_all();
        return container.take_error();
      }
      ++busy_;
      refill_locked(lock);
      return container;
    }
    changed_.wait(lock);
  }
}

void Pool::release(std::unique_ptr<WarmContainer> container, const WarmRun* run) {
  std::unique_lock lock(mutex_);
  --busy_;
  last_activity_ = Clock::now();
  bool keep = !retired_ && settings_.isolation == Isolation::reuse && run && run->reusable &&
              container->runs() < settings_.max_runs;
  if (keep) {
    idle_.push_back(std::move(container));
    changed_.notify_one();
    if (upkeep_pending_) schedule_upkeep_locked();  // the quiet period starts again
    return;
  }
  if (settings_.isolation == Isolation::reuse && run && !run->reusable) {
    env_.metrics.count_recycled();
    env_.log.info("container.recycled", {{"image", spec_.image},
                                         {"container", container->id().substr(0, 12)},
                                         {"why", run->why_not_reusable}});
  }
  // Nothing of the run survives this: the executor exits and takes every process of the container with it.
  container->end();
  changed_.notify_all();  // below the high water mark again: a waiting run may start one
  if (retired_) {
    lock.unlock();
    destroy_in_background(std::move(container));
    return;
  }
  ended_.push_back(std::move(container));
  refill_wanted_ = true;
  schedule_upkeep_locked();
}

void Pool::schedule_upkeep_locked() {
  auto now = Clock::now();
  if (!upkeep_pending_) {
    upkeep_pending_ = true;
    upkeep_requested_ = now;
  }
  if (upkeep_due_locked(now)) {
    upkeep_timer_.cancel();
    upkeep_armed_until_.reset();
    boost::asio::post(env_.background, [self = shared_from_this()] { self->upkeep_timer_fired(); });
    return;
  }
  auto when = std::min(last_activity_ + kQuietPeriod, upkeep_requested_ + kMaxDeferral);
  // Every acquire and release moves the quiet moment: re-arming the timer each time would wake the background
  // thread twice per run (the cancelled wait's handler runs there). A wait that fires no later is kept: when
  // it fires early, upkeep_timer_fired() sees that the pool is not quiet yet and arms the next one.
  if (upkeep_armed_until_ && *upkeep_armed_until_ <= when) return;
  upkeep_armed_until_ = when;
  upkeep_timer_.expires_at(when);  // cancels a wait already armed: only the latest one fires for real
  upkeep_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& error) {
    if (!error) self->upkeep_timer_fired();
  });
}

bool upkeep_due(const UpkeepFacts& facts) {
  if (facts.retired || (facts.busy == 0 && facts.now - facts.last_activity >= kQuietPeriod)) return true;
  if (facts.now - facts.requested >= kMaxDeferral) return true;
  return facts.refill_wanted && facts.idle_or_starting < std::min(kDryIdle, facts.low_water);
}

bool Pool::upkeep_due_locked(Clock::time_point now) const {
  return upkeep_due(UpkeepFacts{now, last_activity_, upkeep_requested_, busy_,
                                static_cast<int64_t>(idle_.size()) + starting_, settings_.low_water,
                                refill_wanted_, retired_});
}

void Pool::upkeep_timer_fired() {
  std::vector<std::unique_ptr<WarmContainer>> ended;
  {
    std::unique_lock lock(mutex_);
    upkeep_armed_until_.reset();
    if (!upkeep_pending_) return;
    if (!upkeep_due_locked(Clock::now())) {
      schedule_upkeep_locked();  // a run came or went meanwhile: wait for the next quiet moment
      return;
    }
    upkeep_pending_ = false;
    ended.swap(ended_);
    if (refill_wanted_) {
      refill_wanted_ = false;
      refill_locked(lock);
    }
  }
  for (auto& container : ended) destroy_in_background(std::move(container));
}

void Pool::destroy_in_background(std::unique_ptr<WarmContainer> container) {
  auto shared = std::shared_ptr<WarmContainer>(std::move(container));
  boost::asio::post(env_.background, [shared, &metrics = env_.metrics] {
    shared->destroy();
    metrics.count_container_removed();
  });
}

void Pool::refill(bool when_quiet) {
  std::unique_lock lock(mutex_);
  if (when_quiet) {
    refill_wanted_ = true;
    schedule_upkeep_locked();
    return;
  }
  refill_locked(lock);
}

void Pool::refill_locked(std::unique_lock<std::mutex>& lock) {
  (void)lock;  // held by the caller
  if (retired_ || Clock::now() < refill_paused_until_) return;
  int64_t wanted = settings_.low_water - static_cast<int64_t>(idle_.size()) - starting_;
  int64_t room = settings_.high_water - total_locked();
  for (int64_t i = 0; i < std::min(wanted, room); ++i) {
    ++starting_;
    boost::asio::post(env_.background, [self = shared_from_this()] {
      auto container = self->start_container();
      std::unique_lock inner(self->mutex_);
      --self->starting_;
      if (!container.ok()) {
        self->refill_paused_until_ = Clock::now() + kRefillPauseAfterFailure;
      } else if (self->retired_) {
        inner.unlock();
        self->destroy_in_background(std::move(*container));
        return;
      } else {
        self->idle_.push_back(std::move(*container));
      }
      self->changed_.notify_all();
    });
  }
}

void Pool::reap_idle() {
  std::vector<std::unique_ptr<WarmContainer>> reaped;
  {
    std::lock_guard lock(mutex_);
    auto now = Clock::now();
    // Oldest first (the front): the most recently used stay warm.
    while (static_cast<int64_t>(idle_.size()) > settings_.low_water &&
           now - idle_.front()->last_used() >= settings_.idle) {
      reaped.push_back(std::move(idle_.front()));
      idle_.pop_front();
    }
  }
  for (auto& container : reaped) {
    env_.log.info("container.reaped", {{"image", spec_.image}, {"container", container->id().substr(0, 12)}});
    destroy_in_background(std::move(container));
  }
}

int Pool::prune_dead() {
  std::vector<std::string> candidates;
  std::vector<std::string> dead;
  std::set<std::string> broken_streams;
  {
    std::lock_guard lock(mutex_);
    for (const auto& container : idle_) {
      if (container->stream_silent()) {
        candidates.push_back(container->id());
      } else {
        dead.push_back(container->id());
        broken_streams.insert(container->id());
      }
    }
  }
  // Checked without the lock, by id; a container a run took meanwhile is no longer in idle_ and is left
  // alone.
  for (const auto& id : candidates)
    if (!alive(id)) dead.push_back(id);
  std::vector<std::unique_ptr<WarmContainer>> removed;
  {
    std::lock_guard lock(mutex_);
    for (const auto& victim : dead) {
      auto it =
          std::find_if(idle_.begin(), idle_.end(), [&victim](const auto& c) { return c->id() == victim; });
      if (it == idle_.end()) continue;
      removed.push_back(std::move(*it));
      idle_.erase(it);
    }
    if (!removed.empty()) changed_.notify_all();
  }
  for (auto& container : removed) {
    env_.log.warn("container.dead", {{"image", spec_.image},
                                     {"container", container->id().substr(0, 12)},
                                     {"why", broken_streams.count(container->id()) ? kStreamWhy : kGoneWhy}});
    destroy_in_background(std::move(container));
  }
  return static_cast<int>(removed.size());
}

void Pool::recover() {
  prune_dead();
  std::unique_lock lock(mutex_);
  refill_paused_until_ = {};
  refill_locked(lock);
}

void Pool::retire() {
  std::deque<std::unique_ptr<WarmContainer>> idle;
  std::vector<std::unique_ptr<WarmContainer>> ended;
  {
    std::lock_guard lock(mutex_);
    retired_ = true;
    idle.swap(idle_);
    ended.swap(ended_);
    upkeep_pending_ = false;
    upkeep_timer_.cancel();
    upkeep_armed_until_.reset();
    changed_.notify_all();
  }
  for (auto& container : idle) destroy_in_background(std::move(container));
  for (auto& container : ended) destroy_in_background(std::move(container));
}

std::shared_ptr<Pool> PoolManager::pool_for(const policy::ImageRef& image, const policy::ContainerSpec& spec,
                                            const PoolSettings& settings, std::size_t output_limit) {
  std::string key = pool_key(spec, settings.isolation, output_limit);
  std::shared_ptr<Pool> pool;
  {
    std::lock_guard lock(mutex_);
    auto& slot = pools_[key];
    if (!slot) {
      slot = std::make_shared<Pool>(env_, key, image, spec, settings, output_limit);
      env_.log.info("pool.created", {{"image", spec.image},
                                     {"isolation", to_string(settings.isolation)},
                                     {"low_water", settings.low_water},
                                     {"high_water", settings.high_water}});
    }
    pool = slot;
  }
  return pool;
}

int PoolManager::apply(const Resolver& resolve) {
  std::vector<std::shared_ptr<Pool>> retired;
  {
    std::lock_guard lock(mutex_);
    for (auto it = pools_.begin(); it != pools_.end();) {
      auto resolved = resolve(*it->second);
      if (!resolved.ok() || resolved->first != it->first) {
        retired.push_back(it->second);
        it = pools_.erase(it);
        continue;
      }
      it->second->update_settings(resolved->second);
      ++it;
    }
  }
  for (auto& pool : retired) {
    env_.log.info("pool.retired", {{"image", pool->spec().image}, {"why", "its policy changed"}});
    pool->retire();
  }
  std::lock_guard lock(mutex_);
  for (auto& [key, pool] : pools_) pool->refill();
  return static_cast<int>(retired.size());
}

void PoolManager::reap_idle() {
  std::vector<std::shared_ptr<Pool>> pools;
  {
    std::lock_guard lock(mutex_);
    for (auto& [key, pool] : pools_) pools.push_back(pool);
  }
  for (auto& pool : pools) {
    pool->reap_idle();
    pool->prune_dead();
    pool->refill();
  }
}

void PoolManager::runtime_unavailable(const std::string& why) {
  std::lock_guard lock(mutex_);
  runtime_problem_ = why.empty() ? "the container runtime does not answer" : why;
}

void PoolManager::runtime_available() {
  std::vector<std::shared_ptr<Pool>> pools;
  {
    std::lock_guard lock(mutex_);
    if (runtime_problem_.empty()) return;
    runtime_problem_.clear();
    for (auto& [key, pool] : pools_) pools.push_back(pool);
  }
  for (auto& pool : pools) pool->recover();
}

std::string PoolManager::runtime_problem() const {
  std::lock_guard lock(mutex_);
  return runtime_problem_;
}

std::vector<PoolGauge> PoolManager::gauges() const {
  std::lock_guard lock(mutex_);
  std::vector<PoolGauge> out;
  for (const auto& [key, pool] : pools_) out.push_back(pool->gauge());
  return out;
}

void PoolManager::retire_all() {
  std::map<std::string, std::shared_ptr<Pool>> pools;
  {
    std::lock_guard lock(mutex_);
    pools.swap(pools_);
  }
  for (auto& [key, pool] : pools) pool->retire();
}

}  // namespace hardend::server
