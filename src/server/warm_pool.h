// The warm pool (issue 6): per pool key (image + full resolved ContainerSpec + isolation + output limit) a
// set of pre-started hardened containers running the executor. `fresh`: each container serves exactly one run
// and is destroyed, the pool refills in the background. `reuse`: a container serves runs one after the other
// until containers.max.runs or anything that puts its health in doubt. At most high_water containers per pool
// (idle + busy + starting); low_water kept idle; idle ones above it reaped after `idle`.
//
// Container starts and removals are heavy (dockerd, containerd, runc, the executor's start) and on a small
// host they compete with the runs for CPU. So the pool defers this upkeep until it is quiet (no run started
// or ended for kQuietPeriod) — at most kMaxDeferral, and not at all when the pool runs dry. A used container
// is ended at once without any Docker call (its executor's stdin is closed: PID 1 exits, so the kernel kills
// every process left in the container) and only its removal waits.
//
// Faults (docs/API.md, "Failures and recovery"): an idle container is checked before a run gets it (its
// memory cgroup still there, else the runtime says it is running); one that is gone or in doubt (killed from
// outside, the runtime restarted) is removed and replaced, never used. The daemon tells the pools when the
// runtime is unreachable and when it is back (recover(): dead idle containers pruned, refill pauses lifted,
// pools refilled).
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "docker/client.h"
#include "policy/image_ref.h"
#include "policy/spec.h"
#include "server/log.h"
#include "server/metrics.h"
#include "server/pool_settings.h"
#include "server/warm_container.h"

namespace hardend::server {

// What every pool shares: the daemon's Docker client, background threads (starts, removals), labels of every
// container the daemon creates, metrics and log.
struct PoolEnvironment {
  docker::Client& client;
  boost::asio::thread_pool& background;
  std::map<std::string, std::string> labels;
  Metrics& metrics;
  Log& log;
  std::chrono::milliseconds ready_timeout{60000};
};

// The deferred upkeep's timing: quiet = no run started or ended for kQuietPeriod; never deferred longer than
// kMaxDeferral; never deferred when fewer than kDryIdle containers are idle or starting.
inline constexpr std::chrono::milliseconds kQuietPeriod{30};
inline constexpr std::chrono::milliseconds kMaxDeferral{1500};
inline constexpr int64_t kDryIdle = 1;

// What the deferred upkeep decides from (a pure function, for the tests).
struct UpkeepFacts {
  std::chrono::steady_clock::time_point now;
  std::chrono::steady_clock::time_point last_activity;  // a run acquired or released a container
  std::chrono::steady_clock::time_point requested;      // the oldest upkeep still waiting
  int64_t busy = 0;
  int64_t idle_or_starting = 0;
  int64_t low_water = 0;
  bool refill_wanted = false;
  bool retired = false;
};
bool upkeep_due(const UpkeepFacts& facts);

// A container that has just served a run is not ready at once: its executor first ends that run's processes
// and forks the next run's process (about a millisecond or two, more under load). A run given to it meanwhile
// waits.
inline constexpr std::chrono::milliseconds kSettleTime{10};

// Which idle container a run gets, by when each was last used (least recently used first, as the pool keeps
// them): the most recently used one that has settled for kSettleTime (a small working set, and the others
// can be reaped when idle), else the one idle the longest.
std::size_t choose_idle(const std::vector<std::chrono::steady_clock::time_point>& last_used,
                        std::chrono::steady_clock::time_point now);

// Whether an idle container may serve a run. `cgroup_present`: its memory cgroup is readable here (a local
// daemon; free to check, and gone as soon as the container died). Else `inspected` is the runtime's record
// (nullptr: not asked); only a running, not restarting, not paused container counts. An unreachable runtime
// (an error) puts it in doubt too.
bool idle_container_alive(bool cgroup_present, const Result<nlohmann::json>* inspected);

class Pool : public std::enable_shared_from_this<Pool> {
 public:
  Pool(PoolEnvironment& environment, std::string key, policy::ImageRef image, policy::ContainerSpec spec,
       PoolSettings settings, std::size_t output_limit);

  // A container ready for one run: an idle one, else one started now while the pool is below its high water
  // mark, else waits for one. Fails when a start fails or the pool is retired meanwhile.
  Result<std::unique_ptr<WarmContainer>> acquire();
  // Back from a run: kept idle (reuse, healthy, below max runs) or destroyed in the background.
  void release(std::unique_ptr<WarmContainer> container, const WarmRun* run);

  // Starts containers in the background until low_water are idle (or starting): at once, or (`when_quiet`)
  // through the deferred upkeep.
  void refill(bool when_quiet = false);
  // Destroys idle containers above low_water unused for `idle`.
  void reap_idle();
  // Removes idle containers that died (killed from outside, the runtime restarted); returns how many.
  int prune_dead();
  // After the runtime came back: dead idle containers removed, the pause after failed starts lifted,
  // refilled.
  void recover();
  // No new runs; idle containers destroyed now, busy ones when they come back.
  void retire();
  void update_settings(const PoolSettings& settings);

  const std::string& key() const { return key_; }
  const policy::ImageRef& image() const { return image_; }
  const policy::ContainerSpec& spec() const { return spec_; }
  PoolSettings settings() const;
  PoolGauge gauge() const;
  bool retired() const;
  std::size_t output_limit() const { return output_limit_; }

 private:
  int64_t total_locked() const { return static_cast<int64_t>(idle_.size()) + busy_ + starting_; }
  void destroy_in_background(std::unique_ptr<WarmContainer> container);
  bool alive(const std::string& container_id);
  Result<std::unique_ptr<WarmContainer>> start_container();
  void refill_locked(std::unique_lock<std::mutex>& lock);
  // Deferred upkeep (removals of used containers, refill): runs when the pool is quiet, overdue or dry.
  void schedule_upkeep_locked();
  void upkeep_timer_fired();
  bool upkeep_due_locked(std::chrono::steady_clock::time_point now) const;

  PoolEnvironment& env_;
  const std::string key_;
  const policy::ImageRef image_;
  const policy::ContainerSpec spec_;
  const std::size_t output_limit_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  PoolSettings settings_;
  std::deque<std::unique_ptr<WarmContainer>> idle_;  // most recently used at the back
  int64_t busy_ = 0;
  int64_t starting_ = 0;
  bool retired_ = false;
  std::chrono::steady_clock::time_point refill_paused_until_{};  // after a failed start: no hot loop
  std::chrono::steady_clock::time_point last_activity_{};        // a run acquired or released a container
  std::vector<std::unique_ptr<WarmContainer>> ended_;            // used, stopped, awaiting removal
  bool refill_wanted_ = false;
  bool upkeep_pending_ = false;
  std::chrono::steady_clock::time_point upkeep_requested_{};
  // When the armed wait of upkeep_timer_ fires (none armed: nullopt). A wait that fires no later than needed
  // is left alone: upkeep_timer_fired() looks again and waits on if the pool is not quiet yet.
  std::optional<std::chrono::steady_clock::time_point> upkeep_armed_until_;
  boost::asio::steady_timer upkeep_timer_;
};

// Every pool of the daemon, by key.
class PoolManager {
 public:
  explicit PoolManager(PoolEnvironment& environment) : env_(environment) {}

  // The pool for this policy (created, and warmed, on first use).
  std::shared_ptr<Pool> pool_for(const policy::ImageRef& image, const policy::ContainerSpec& spec,
                                 const PoolSettings& settings, std::size_t output_limit);

  // After a reload: `resolve` gives each pool's key and settings under the new config (an error: retire it).
  // Pools whose key changed are retired (in-flight runs finish on the old policy); the others take the new
  // settings.
  using Resolver = std::function<Result<std::pair<std::string, PoolSettings>>(const Pool&)>;
  int apply(const Resolver& resolve);

  void reap_idle();
  std::vector<PoolGauge> gauges() const;
  void retire_all();

  // The container runtime as the daemon last saw it: /healthz answers 503 "runtime unavailable" while it is
  // down. Back from down: every pool recovers (recover()).
  void runtime_unavailable(const std::string& why);
  void runtime_available();
  // Empty while the runtime answers; else why not.
  std::string runtime_problem() const;

 private:
  PoolEnvironment& env_;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Pool>> pools_;
  std::string runtime_problem_;  // under mutex_
};

}  // namespace hardend::server
