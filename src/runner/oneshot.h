// One-shot runs: create a hardened container from a ContainerSpec, stream its output, enforce the timeout,
// report exit code / timeout / OOM, and always remove the container (DESIGN.md: RAII for containers).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/result.h"
#include "docker/client.h"
#include "policy/spec.h"

namespace hardend::runner {

// Every container hardend creates carries these labels, so that leftovers can be found and removed.
inline constexpr const char* kManagedLabel = "io.hardend.managed";
inline constexpr const char* kRunLabel = "io.hardend.run";
inline constexpr const char* kKindLabel = "io.hardend.kind";

struct RunRequest {
  policy::ContainerSpec spec;
  std::vector<std::string> cmd;
  std::vector<std::string> entrypoint;
  std::optional<std::chrono::milliseconds> timeout;
  std::optional<std::string> stdin_data;          // written to the container's stdin, then closed
  std::vector<std::string> binds;                 // read-only binds hardend itself needs ("src:dst:ro")
  std::map<std::string, std::string> labels;      // extra labels (kind, test markers ...)
  std::string kind = "run";                       // io.hardend.kind
};

// Where the container's output goes while it runs (called from the stream reader thread).
struct OutputSink {
  std::function<void(std::string_view)> on_stdout;
  std::function<void(std::string_view)> on_stderr;
};

struct RunResult {
  int64_t exit_code = -1;
  bool timed_out = false;
  bool oom_killed = false;
  bool interrupted = false;  // cancelled by the caller (Ctrl-C)
  std::chrono::milliseconds duration{0};
  std::string container_id;
  std::optional<int64_t> memory_limit;  // for the OOM message
};

// Keeps at most `limit` bytes of a stream, remembering whether anything was cut.
struct CappedBuffer {
  std::string data;
  bool truncated = false;
  void append(std::string_view bytes, std::size_t limit) {
    std::size_t room = data.size() < limit ? limit - data.size() : 0;
    if (bytes.size() > room) truncated = true;
    data.append(bytes.substr(0, room));
  }
};

// The result object of `hardend run --json`, which POST /v1/runs answers for a command too.
nlohmann::json run_result_json(const std::string& image, const std::vector<std::string>& command,
                               const RunResult& result, const CappedBuffer& captured_stdout,
                               const CappedBuffer& captured_stderr, std::size_t output_limit,
                               const std::string& message);

// A container that is removed (force) when the guard goes out of scope, unless released.
class ContainerGuard {
 public:
  ContainerGuard(docker::Client& client, std::string id) : client_(&client), id_(std::move(id)) {}
  ContainerGuard(const ContainerGuard&) = delete;
  ContainerGuard& operator=(const ContainerGuard&) = delete;
  ~ContainerGuard();
  const std::string& id() const { return id_; }
  std::string release() { return std::exchange(id_, std::string()); }

 private:
  docker::Client* client_;
  std::string id_;
};

// Runs to completion. `cancel`, when set by another thread (signal handler), kills the container.
// Errors are hardend's own (daemon unreachable, image missing, create/start refused); the command's own failure is
// a RunResult with its exit code.
Result<RunResult> run_container(docker::Client& client, const RunRequest& request, const OutputSink& sink,
                                const std::atomic<bool>* cancel = nullptr);

// Turns the OCI runtime's terse rlimit failure into words (DESIGN.md section 6); other messages pass unchanged.
std::string explain_runtime_error(const std::string& message);

// Removes every container carrying io.hardend.managed (optionally only those of one kind); returns how many.
Result<int> remove_leftovers(docker::Client& client, const std::string& kind = "");

}  // namespace hardend::runner
