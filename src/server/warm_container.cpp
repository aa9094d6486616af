#include "server/warm_container.h"

#include <algorithm>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string_view>
#include <thread>

#include "policy/engine_body.h"
#include "runner/oneshot.h"

namespace hardend::server {
namespace {

using Clock = std::chrono::steady_clock;

std::optional<int64_t> read_counter(const std::string& path, const std::string& name) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::string key;
  int64_t value = 0;
  while (in >> key >> value)
    if (key == name) return value;
  return std::nullopt;
}

// "leftover processes (2: 17 sleep, 18 sh)"
std::string counted(std::string_view one, std::string_view many, const runner::Leftovers& left) {
  std::string text(left.count == 1 ? one : many);
  text += " (" + std::to_string(left.count);
  for (std::size_t i = 0; i < left.names.size(); ++i) text += (i == 0 ? ": " : ", ") + left.names[i];
  return text + ")";
}

}  // namespace

// Kills the container when the armed run's deadline passes or its `cancel` is set. One thread for the
// container's whole life, armed and disarmed per run: a run never waits for a thread to start or to be
// joined. Polls `cancel` because it may be set from a signal handler or another thread that cannot notify
// this one. It keeps ticking for kLinger after a run and sleeps only then: arming it while it ticks needs no
// wake-up, which back-to-back runs would otherwise pay each time (a context switch on a busy machine).
class WarmContainer::Watchdog {
 public:
  static constexpr std::chrono::milliseconds kTick{50};
  static constexpr std::chrono::milliseconds kLinger{1000};

  struct Verdict {
    bool timed_out = false;
    bool interrupted = false;
  };

  Watchdog(docker::Client& client, std::string id) : client_(client), id_(std::move(id)) {}
  ~Watchdog() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wakeup_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  void arm(docker::AttachedStream& stream, std::optional<Clock::time_point> deadline,
           const std::atomic<bool>* cancel) {
    if (!deadline && !cancel) return;
    {
      std::lock_guard lock(mutex_);
      stream_ = &stream;
      deadline_ = deadline;
      cancel_ = cancel;
      verdict_ = {};
      armed_ = true;
      if (!thread_.joinable()) thread_ = std::thread([this] { watch(); });
      // Ticking: it sees the new run at its next wake-up, unless the deadline comes before that.
      if (!sleeping_ && (!deadline || *deadline >= next_wake_)) return;
    }
    wakeup_.notify_all();
  }

  // Ends the watch; waits for a kill in progress, so that the verdict is final.
  Verdict disarm() {
    std::unique_lock lock(mutex_);
    armed_ = false;
    linger_until_ = Clock::now() + kLinger;
    idle_.wait(lock, [this] { return !killing_; });
    return verdict_;
  }

 private:
  void watch() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      auto now = Clock::now();
      if (!armed_ && now >= linger_until_) {
        sleeping_ = true;
        wakeup_.wait(lock);
        sleeping_ = false;
        continue;
      }
      next_wake_ = armed_ && deadline_ ? std::min(now + kTick, *deadline_) : now + kTick;
      wakeup_.wait_until(lock, next_wake_);
      if (stopping_ || !armed_) continue;
      bool expired = deadline_ && Clock::now() >= *deadline_;
      bool cancelled = cancel_ && cancel_->load();
      if (!expired && !cancelled) continue;
      (expired ? verdict_.timed_out : verdict_.interrupted) = true;
      armed_ = false;
      killing_ = true;
      auto* stream = stream_;
      lock.unlock();
      (void)client_.kill_container(id_);  // ends the stream; the run reads its end
      stream->cancel();
      lock.lock();
      killing_ = false;
      idle_.notify_all();
    }
  }

  docker::Client& client_;
  const std::string id_;
  std::mutex mutex_;
  std::condition_variable wakeup_;
  std::condition_variable idle_;
  docker::AttachedStream* stream_ = nullptr;
  std::optional<Clock::time_point> deadline_;
  const std::atomic<bool>* cancel_ = nullptr;
  bool armed_ = false;
  bool killing_ = false;
  bool stopping_ = false;
  bool sleeping_ = true;           // waiting for a notification, not ticking
  Clock::time_point next_wake_{};  // while ticking
  Clock::time_point linger_until_{};
  Verdict verdict_;
  std::thread thread_;
};

std::optional<int64_t> read_oom_kills(const std::string& id) {
  for (const std::string& path :
       {"/sys/fs/cgroup/memory/docker/" + id + "/memory.oom_control",
        "/sys/fs/cgroup/memory/system.slice/docker-" + id + ".scope/memory.oom_control"})
    if (auto count = read_counter(path, "oom_kill")) return count;
  for (const std::string& path : {"/sys/fs/cgroup/system.slice/docker-" + id + ".scope/memory.events",
                                  "/sys/fs/cgroup/docker/" + id + "/memory.events"})
    if (auto count = read_counter(path, "oom_kill")) return count;
  return std::nullopt;
}

runner::Scratch scratch_of(const policy::ContainerSpec& spec) {
  runner::Scratch scratch;
  // /dev/shm and /dev/mqueue belong to the container's IPC namespace, as SysV objects do; with the host's
  // (--ipc=host, allowed only through docker.run.allow.unsafe) they are the host's and never touched.
  bool private_ipc = std::find(spec.host_namespaces.value.begin(), spec.host_namespaces.value.end(), "ipc") ==
                     spec.host_namespaces.value.end();
  if (private_ipc) scratch.dirs = {"/dev/shm", "/dev/mqueue"};
  scratch.sysv_ipc = private_ipc;
  for (const policy::TmpfsMount& mount : spec.tmpfs.value)
    if (std::find(scratch.dirs.begin(), scratch.dirs.end(), mount.path) == scratch.dirs.end())
      scratch.dirs.push_back(mount.path);
  return scratch;
}

ReuseVerdict reuse_verdict(const RunHealth& health) {
  auto no = [](std::string why) { return ReuseVerdict{false, std::move(why)}; };
  if (health.timed_out) return no("timed out");
  if (health.interrupted) return no("interrupted");
  if (health.stream_ended) return no("the container ended");
  if (health.oom_killed) return no("out of memory");
  if (!health.oom_counter_readable) return no("its memory cgroup is not readable, so an OOM could go unseen");
  if (health.executor_dumpable) return no("the executor is dumpable: a run could tamper with it");
  // Processes that escaped the run's process-group kill (setsid, a double-forked daemon) would share the
  // container with the next caller's run; files the executor could not remove would be read by it.
  if (health.leftover_processes.count > 0)
    return no(counted("leftover process", "leftover processes", health.leftover_processes));
  if (health.scratch_left.count > 0)
    return no(counted("scratch space not emptied", "scratch space not emptied", health.scratch_left));
  if (health.script_exit_code && *health.script_exit_code >= 128)
    return no("the script was killed by a signal");  // something inside is not as expected
  return {true, ""};
}

WarmContainer::WarmContainer(docker::Client& client, std::string id, const policy::ContainerSpec& spec,
                             std::size_t output_limit)
    : client_(client),
      id_(std::move(id)),
      parser_(runner::FrameParser::max_line_bytes_for(output_limit)),
      output_limit_(output_limit),
      memory_limit_(spec.memory.value),
      watchdog_(std::make_unique<Watchdog>(client_, id_)) {}

WarmContainer::~WarmContainer() {
  destroy();
  watchdog_.reset();  // before the stream it may still hold
}

void WarmContainer::end() {
  if (ended_ || destroyed_ || !stream_) return;
  ended_ = true;
  (void)stream_->close_stdin();
}

void WarmContainer::destroy() {
  if (destroyed_) return;
  destroyed_ = true;
  if (stream_) stream_->cancel();
  (void)client_.remove_container(id_, /*force=*/true);
}

Result<std::unique_ptr<WarmContainer>> WarmContainer::start(docker::Client& client,
                                                            const policy::ContainerSpec& spec,
                                                            std::size_t output_limit,
                                                            const std::map<std::string, std::string>& labels,
                                                            std::chrono::milliseconds ready_timeout) {
  policy::CreateRequest create;
  create.cmd = runner::executor_command();
  create.entrypoint = {""};  // the executor must be PID 1's program
  create.attach_stdin = true;
  create.extra_labels = labels;
  create.extra_labels[runner::kManagedLabel] = "1";
  create.extra_labels[runner::kKindLabel] = kWarmKind;
  auto id = client.create_container(policy::render_create_body(spec, create));
  if (!id.ok()) return id.take_error();
  // Owned from here on: the destructor removes the container on every early return.
  std::unique_ptr<WarmContainer> container(new WarmContainer(client, *id, spec, output_limit));

  auto stream = client.attach_container(container->id_, /*with_stdin=*/true);
  if (!stream.ok()) return stream.take_error();
  container->stream_ = std::move(*stream);
  if (auto started = client.start_container(container->id_); !started.ok())
    return Error{runner::explain_runtime_error(started.error().message)};
  if (auto sent = container->stream_->write_stdin(
          runner::build_bootstrap_line(runner::ExecutorMode::loop, scratch_of(spec)));
      !sent.ok())
    return sent.take_error().context("sending the executor");

  container->watchdog_->arm(*container->stream_, Clock::now() + ready_timeout, nullptr);
  while (true) {
    auto frame = container->next_frame(nullptr);
    if (!frame.ok()) {
      container->watchdog_->disarm();
      return frame.take_error().context("waiting for the executor");
    }
    if (!frame->has_value()) {
      bool timed_out = container->watchdog_->disarm().timed_out;
      std::string why = timed_out ? "did not start within " + std::to_string(ready_timeout.count()) + " ms"
                                  : "ended before it was ready";
      std::string stderr_text = container->early_stderr_.substr(0, 2000);
      return Error{"warm container " + container->id_.substr(0, 12) + ": the executor " + why +
                   (stderr_text.empty() ? "" : ": " + stderr_text)};
    }
    if ((*frame)->kind == runner::FrameKind::ready) {
      container->executor_dumpable_ = (*frame)->executor_dumpable;
      break;
    }
  }
  if (container->watchdog_->disarm().timed_out)
    return Error{"warm container " + container->id_.substr(0, 12) + ": the executor did not start within " +
                 std::to_string(ready_timeout.count()) + " ms"};
  container->oom_kills_ = read_oom_kills(container->id_);
  container->last_used_ = Clock::now();
  return container;
}

Result<std::optional<runner::Frame>> WarmContainer::next_frame(runner::ResultAggregator* aggregator) {
  while (pending_index_ >= pending_.size()) {
    pending_.clear();
    pending_index_ = 0;
    auto chunk = stream_->read_frame();
    if (!chunk.ok()) return chunk.take_error();
    if (!chunk->has_value()) {
      parser_.finish(pending_);
      if (pending_.empty()) return std::optional<runner::Frame>{};
      continue;
    }
    if ((*chunk)->stream == docker::StreamId::Stderr) {
      if (aggregator)
        aggregator->add_container_stderr((*chunk)->payload);
      else if (early_stderr_.size() < 64 * 1024)
        early_stderr_ += (*chunk)->payload;
      continue;
    }
    parser_.feed((*chunk)->payload, pending_);
  }
  return std::optional<runner::Frame>{std::move(pending_[pending_index_++])};
}

Result<WarmRun> WarmContainer::run(const runner::ScriptRequest& request,
                                   std::optional<std::chrono::milliseconds> timeout,
                                   const std::atomic<bool>* cancel) {
  runner::ScriptRequest sent = request;
  sent.output_limit = output_limit_;
  sent.id = std::to_string(runs_ + 1);
  auto line = runner::build_request_line(sent);
  if (!line.ok()) return line.take_error().context("script request");

  const auto started = Clock::now();
  runs_++;
  last_used_ = started;
  runner::ResultAggregator aggregator(output_limit_);
  WarmRun outcome;
  bool stream_ended = false;
  bool timed_out = false;
  {
    std::optional<Clock::time_point> deadline;
    if (timeout) deadline = started + *timeout;
    watchdog_->arm(*stream_, deadline, cancel);
    Status written = stream_->write_stdin(*line);
    while (written.ok()) {
      auto frame = next_frame(&aggregator);
      if (!frame.ok() || !frame->has_value()) {
        stream_ended = true;
        break;
      }
      aggregator.add(**frame);
      if (aggregator.done()) break;
    }
    if (!written.ok()) stream_ended = true;
    auto verdict = watchdog_->disarm();
    timed_out = verdict.timed_out;
    outcome.interrupted = verdict.interrupted;
  }
  runner::RunOutcome facts;
  facts.timed_out = timed_out;
  facts.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  facts.memory_limit = memory_limit_;
  if (timeout) facts.timeout_seconds = static_cast<double>(timeout->count()) / 1000.0;

  RunHealth health;
  health.stream_ended = stream_ended;
  health.timed_out = timed_out;
  health.interrupted = outcome.interrupted;
  health.executor_dumpable = executor_dumpable_;
  if (stream_ended) {
    // The container is gone (or going): its own record says whether the kernel killed it for memory.
    auto exit = client_.wait_container(id_);
    if (exit.ok())
      facts.container_exit_code = exit->status_code;
    else
      facts.runtime_error = exit.error().message;
    auto inspected = client_.inspect_container(id_);
    if (inspected.ok()) facts.oom_killed = inspected->value("/State/OOMKilled"_json_pointer, false);
  } else {
    auto oom_kills = read_oom_kills(id_);
    if (oom_kills && oom_kills_ && *oom_kills > *oom_kills_) facts.oom_killed = true;
    oom_kills_ = oom_kills;
    health.oom_counter_readable = oom_kills.has_value();
  }
  outcome.result = aggregator.finish(facts);
  health.oom_killed = facts.oom_killed;
  health.script_exit_code = outcome.result.script_exit_code;
  health.leftover_processes = outcome.result.leftover_processes;
  health.scratch_left = outcome.result.scratch_left;
  auto verdict = reuse_verdict(health);
  outcome.reusable = verdict.reusable;
  outcome.why_not_reusable = std::move(verdict.why_not);
  last_used_ = Clock::now();
  return outcome;
}

}  // namespace hardend::server
