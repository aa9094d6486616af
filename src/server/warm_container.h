// One warm container: hardened by its pool's ContainerSpec, running the in-container executor in `loop` mode
// (docs/SCRIPTS.md), attached for its whole life. It serves one run at a time; each run is a freshly forked
// process inside. After every run it says whether it may serve another: a timeout, an OOM (read from the
// container's memory cgroup), a signal death or a broken stream puts its health in doubt, and such a
// container is never reused.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "docker/client.h"
#include "policy/spec.h"
#include "runner/executor_protocol.h"

namespace hardend::server {

inline constexpr const char* kWarmKind = "warm";  // io.hardend.kind of pool containers

struct WarmRun {
  runner::ScriptResult result;
  bool reusable = false;  // healthy enough to serve another run
  bool interrupted = false;
  std::string why_not_reusable;  // for the log
};

// What a finished run tells about its container's health; reuse_verdict() decides from it alone.
struct RunHealth {
  bool stream_ended = false;  // the container (or its stream) ended during the run
  bool timed_out = false;
  bool interrupted = false;
  bool oom_killed = false;
  bool oom_counter_readable = false;     // an OOM of any process inside would have been seen
  bool executor_dumpable = false;        // its ready frame: a run could open or trace the executor (no ctypes)
  std::optional<int> script_exit_code;   // from the done frame (128+signal when killed)
  runner::Leftovers leftover_processes;  // alive after the run outside its process group (done frame)
  runner::Leftovers scratch_left;        // files the executor could not remove from the scratch directories
};

// What the executor of a reuse container of this spec empties after each run: its tmpfs mounts and, with a
// private IPC namespace, /dev/shm, /dev/mqueue and the SysV IPC objects. The root filesystem is read-only
// unless docker.run.read.only is false: what a run writes there then stays.
runner::Scratch scratch_of(const policy::ContainerSpec& spec);

struct ReuseVerdict {
  bool reusable = false;
  std::string why_not;  // for the log, when not reusable
};

// A container is reused only when nothing about the run puts its health in doubt: the first reason found
// is given.
ReuseVerdict reuse_verdict(const RunHealth& health);

class WarmContainer {
 public:
  using Clock = std::chrono::steady_clock;

  // Creates, attaches, starts, sends the executor and waits for its `ready` frame (at most `ready_timeout`).
  // On any failure the container is removed before the error returns.
  static Result<std::unique_ptr<WarmContainer>> start(docker::Client& client,
                                                      const policy::ContainerSpec& spec,
                                                      std::size_t output_limit,
                                                      const std::map<std::string, std::string>& labels,
                                                      std::chrono::milliseconds ready_timeout);
  WarmContainer(const WarmContainer&) = delete;
  WarmContainer& operator=(const WarmContainer&) = delete;
  ~WarmContainer();  // destroys the container if destroy() was not called

  // Runs one script; blocks until its `done` frame, the timeout (the container is killed), `cancel`
  // (likewise) or the container's end. Errors are hardend's own (a bad request line); what the script did is
  // the result.
  Result<WarmRun> run(const runner::ScriptRequest& request, std::optional<std::chrono::milliseconds> timeout,
                      const std::atomic<bool>* cancel);

  // Ends the executor without a Docker call: its stdin is closed, so PID 1 exits and the kernel kills every
  // process left in the container. It still has to be removed (destroy()). Idempotent.
  void end();
  // Kills and removes the container (idempotent).
  void destroy();

  const std::string& id() const { return id_; }
  // An idle container's attach stream must be open and silent: its executor writes nothing between runs, so
  // output, the stream's end or an error (e.g. a dockerd that was killed and restarted while the container
  // lived on) put it in doubt. Without blocking.
  bool stream_silent() const { return stream_ && !ended_ && !destroyed_ && stream_->silent(); }
  int64_t runs() const { return runs_; }
  Clock::time_point last_used() const { return last_used_; }

 private:
  class Watchdog;
  WarmContainer(docker::Client& client, std::string id, const policy::ContainerSpec& spec,
                std::size_t output_limit);
  // The next executor frame; nullopt at the end of the stream. Container stderr goes to `on_stderr`.
  Result<std::optional<runner::Frame>> next_frame(runner::ResultAggregator* aggregator);

  docker::Client& client_;
  std::string id_;
  std::unique_ptr<docker::AttachedStream> stream_;
  runner::FrameParser parser_;
  std::vector<runner::Frame> pending_;
  std::size_t pending_index_ = 0;
  std::size_t output_limit_;
  std::optional<int64_t> memory_limit_;
  std::string early_stderr_;          // what the container wrote to stderr before `ready` (start failures)
  std::optional<int64_t> oom_kills_;  // the cgroup's oom_kill counter after the last run, when readable
  bool executor_dumpable_ = true;     // from the ready frame
  int64_t runs_ = 0;
  Clock::time_point last_used_ = Clock::now();
  bool ended_ = false;
  bool destroyed_ = false;
  std::unique_ptr<Watchdog> watchdog_;
};

// The memory cgroup's oom_kill counter of a running container (cgroup v1 memory.oom_control or v2
// memory.events under the usual cgroupfs/systemd paths); nullopt when none is readable (e.g. a remote
// daemon).
std::optional<int64_t> read_oom_kills(const std::string& container_id);

}  // namespace hardend::server
