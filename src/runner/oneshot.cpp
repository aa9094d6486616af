#include "runner/oneshot.h"

#include <condition_variable>
#include <mutex>
#include <random>
#include <regex>
#include <thread>

#include <nlohmann/json.hpp>

#include "policy/engine_body.h"

namespace hardend::runner {
namespace {

using Clock = std::chrono::steady_clock;

std::string random_run_id() {
  std::random_device device;
  std::mt19937_64 generator(device());
  static const char* digits = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 16; ++i) id += digits[generator() % 16];
  return id;
}

// Kills the container when the deadline passes or the caller cancels, until told the run is over.
class Watchdog {
 public:
  Watchdog(docker::Client& client, std::string id, std::optional<Clock::time_point> deadline,
           const std::atomic<bool>* cancel)
      : client_(client), id_(std::move(id)), deadline_(deadline), cancel_(cancel), thread_([this] { watch(); }) {}
  ~Watchdog() {
    {
      std::lock_guard lock(mutex_);
      finished_ = true;
    }
    wakeup_.notify_all();
    thread_.join();
  }
  bool timed_out() const { return timed_out_; }
  bool interrupted() const { return interrupted_; }

 private:
  void watch() {
    std::unique_lock lock(mutex_);
    while (!finished_) {
      // Short ticks so that a cancel flag set from a signal handler (which cannot notify) is seen promptly.
      wakeup_.wait_for(lock, std::chrono::milliseconds(50));
      if (finished_) return;
      bool expired = deadline_ && Clock::now() >= *deadline_;
      bool cancelled = cancel_ && cancel_->load();
      if (expired || cancelled) {
        (expired ? timed_out_ : interrupted_) = true;
        lock.unlock();
        (void)client_.kill_container(id_);  // already gone is fine: the run is over either way
        return;
      }
    }
  }

  docker::Client& client_;
  std::string id_;
  std::optional<Clock::time_point> deadline_;
  const std::atomic<bool>* cancel_;
  std::mutex mutex_;
  std::condition_variable wakeup_;
  bool finished_ = false;
  std::atomic<bool> timed_out_{false};
  std::atomic<bool> interrupted_{false};
  std::thread thread_;
};

Status pump_output(docker::AttachedStream& stream, const OutputSink& sink) {
  while (true) {
    auto frame = stream.read_frame();
    if (!frame.ok()) return frame.take_error().context("reading container output");
    if (!frame->has_value()) return {};
    const auto& payload = (*frame)->payload;
    if ((*frame)->stream == docker::StreamId::Stderr) {
      if (sink.on_stderr) sink.on_stderr(payload);
    } else if (sink.on_stdout) {
      sink.on_stdout(payload);
    }
  }
}

}  // namespace

ContainerGuard::~ContainerGuard() {
  if (!id_.empty()) (void)client_->remove_container(id_, /*force=*/true);
}

std::string explain_runtime_error(const std::string& message) {
  static const std::regex rlimit_error(R"(error setting rlimit type (\d+): operation not permitted)");
  static const char* names[] = {"cpu",   "fsize",   "data",   "stack",    "core",   "rss",    "nproc", "nofile",
                                "memlock", "as",    "locks",  "sigpending", "msgqueue", "nice", "rtprio", "rttime"};
  std::smatch match;
  if (!std::regex_search(message, match, rlimit_error)) return message;
  int type = std::stoi(match[1]);
  std::string name = type >= 0 && type < 16 ? names[type] : "type " + match[1].str();
  return message + "\n  hint: the container asks for a " + name +
         " ulimit above the hard limit of the daemon itself, and the daemon may not raise it (it runs without "
         "CAP_SYS_RESOURCE). Lower that --ulimit (e.g. --ulimit=nofile=1024:8192) to at most the daemon's hard "
         "limit (see `grep 'Max open files' /proc/$(pidof dockerd)/limits`).";
}

Result<RunResult> run_container(docker::Client& client, const RunRequest& request, const OutputSink& sink,
                                const std::atomic<bool>* cancel) {
  const auto started = Clock::now();
  policy::CreateRequest create;
  create.cmd = request.cmd;
  create.entrypoint = request.entrypoint;
  create.binds = request.binds;
  create.attach_stdin = request.stdin_data.has_value();
  create.extra_labels = request.labels;
  create.extra_labels[kManagedLabel] = "1";
  create.extra_labels[kRunLabel] = random_run_id();
  create.extra_labels[kKindLabel] = request.kind;

  auto id = client.create_container(policy::render_create_body(request.spec, create));
  if (!id.ok()) return id.take_error();
  ContainerGuard guard(client, *id);

  auto stream = client.attach_container(*id, create.attach_stdin);
  if (!stream.ok()) return stream.take_error();

  if (auto started_ok = client.start_container(*id); !started_ok.ok())
    return Error{explain_runtime_error(started_ok.error().message)};

  std::optional<Clock::time_point> deadline;
  if (request.timeout) deadline = Clock::now() + *request.timeout;
  Watchdog watchdog(client, *id, deadline, cancel);

  if (request.stdin_data) {
    // Stdin is written from its own thread: a container that does not read it must not block its output.
    std::thread writer([&stream, &request] {
      (void)(*stream)->write_stdin(*request.stdin_data);
      (void)(*stream)->close_stdin();
    });
    Status pumped = pump_output(**stream, sink);
    writer.join();
    if (!pumped.ok()) return pumped.take_error();
  } else {
    HARDEND_TRY_VOID(pump_output(**stream, sink));
  }

  auto exit = client.wait_container(*id);
  if (!exit.ok()) return exit.take_error();
  auto inspected = client.inspect_container(*id);
  if (!inspected.ok()) return inspected.take_error();

  RunResult result;
  result.container_id = *id;
  result.exit_code = exit->status_code;
  result.timed_out = watchdog.timed_out();
  result.interrupted = watchdog.interrupted();
  result.oom_killed = inspected->value("/State/OOMKilled"_json_pointer, false);
  result.memory_limit = request.spec.memory.value;
  result.duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  return result;
}

Result<int> remove_leftovers(docker::Client& client, const std::string& kind) {
  std::vector<std::string> labels{kManagedLabel};
  if (!kind.empty()) labels.push_back(std::string(kKindLabel) + "=" + kind);
  auto containers = client.list_containers(labels, /*all=*/true);
  if (!containers.ok()) return containers.take_error();
  int removed = 0;
  for (const auto& container : *containers) {
    auto status = client.remove_container(container.value("Id", ""), /*force=*/true);
    if (status.ok() || docker::is_not_found(status.error())) ++removed;
  }
  return removed;
}

nlohmann::json run_result_json(const std::string& image, const std::vector<std::string>& command,
                               const RunResult& result, const CappedBuffer& captured_stdout,
                               const CappedBuffer& captured_stderr, std::size_t output_limit,
                               const std::string& message) {
  return {{"image", image},
          {"command", command},
          {"exit_code", result.exit_code},
          {"timed_out", result.timed_out},
          {"oom_killed", result.oom_killed},
          {"interrupted", result.interrupted},
          {"duration_ms", result.duration.count()},
          {"memory_limit", result.memory_limit ? nlohmann::json(*result.memory_limit) : nlohmann::json(nullptr)},
          {"stdout", captured_stdout.data},
          {"stdout_truncated", captured_stdout.truncated},
          {"stderr", captured_stderr.data},
          {"stderr_truncated", captured_stderr.truncated},
          {"output_limit", output_limit},
          {"message", message}};
}

}  // namespace hardend::runner
