// The engine's side of the in-container executor protocol (docs/SCRIPTS.md): the command that starts the
// executor, the two stdin lines that feed it, the parser for the one-line JSON frames it writes to stdout and
// the aggregation of one run's frames into the result that `hardend script --json` prints. Pure code: no I/O,
// no Docker. The runner feeds it the container's bytes and the facts only it knows (timeout, OOM, duration).
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace hardend::runner {

inline constexpr std::size_t kDefaultOutputLimit = 10 * 1024 * 1024;

// Exit codes of `hardend script` (and ScriptResult::exit_code).
inline constexpr int kExitSuccess = 0;
inline constexpr int kExitScriptError = 1;
inline constexpr int kExitUsage = 2;  // usage, config or daemon errors: decided by the CLI, never by a run
inline constexpr int kExitTimeout = 124;
inline constexpr int kExitOom = 137;

// What a run left behind in its container, from its done frame: a count and the first few names ("pid name"
// of a process, a path). The executor cleans up what it can, but a container that had any is never reused.
struct Leftovers {
  std::size_t count = 0;
  std::vector<std::string> names;
  bool operator==(const Leftovers&) const = default;
};

// once: the executor serves one request and exits (one-shot containers).
// loop: it serves request lines until stdin closes, each run in a fresh forked process (warm pool).
enum class ExecutorMode { once, loop };

// The container command: {"python3", "-u", "-c", <bootstrap>}. The image's entrypoint must be cleared.
std::vector<std::string> executor_command();

// What a loop-mode executor empties after each run, so that the next run in the container finds nothing of it
// (ignored in once mode: the container is removed after its run).
struct Scratch {
  std::vector<std::string> dirs;  // the container's writable directories
  bool sysv_ipc = false;  // SysV shared memory, message queues and semaphores (a private IPC namespace)
};

// First stdin line (with its '\n'): {"executor": <source>, "modules": {"CommonServerPython": <source>},
// "mode", "scratch": [dirs], "scratch_sysv_ipc": bool}.
std::string build_bootstrap_line(ExecutorMode mode, const Scratch& scratch = {});

struct ScriptRequest {
  std::string source;  // the script's Python source
  std::string name;    // e.g. "TestMemory": tracebacks show "TestMemory.py"
  nlohmann::json args = nlohmann::json::object();
  nlohmann::json params = nlohmann::json::object();
  std::string command;  // demisto.command(); empty for scripts
  std::size_t output_limit = kDefaultOutputLimit;
  std::optional<std::string> id;  // echoed in the done frame (warm pools match runs with it)
  bool last = false;  // loop mode: no further run is coming, so the executor prepares no next process
};

// One request line (with its '\n'). Fails when args/params are not JSON objects or the limit is 0.
// Invalid UTF-8 in the source is replaced (U+FFFD), never an exception.
Result<std::string> build_request_line(const ScriptRequest& request);

enum class FrameKind {
  ready,        // the executor is up (protocol, python version)
  stdout_text,  // text the script printed; also any line that is not a frame (kept as text, never dropped)
  stderr_text,
  entry,      // a result entry (Type, ContentsFormat, Contents, HumanReadable, EntryContext ...)
  log,        // demisto.debug/info/error, LOG
  error,      // uncaught exception or syntax error, with the script's own line numbers
  truncated,  // the executor cut output at the cap
  done,       // the run is over: exit_code (128+signal when killed by a signal)
  oversized,  // a line longer than the parser's maximum was dropped (wire_bytes says how long it was)
  unknown,    // a well-formed frame of a type this engine does not know (a newer executor): ignored
};

struct Frame {
  FrameKind kind = FrameKind::unknown;
  std::string text;           // stdout/stderr data, log message, error message
  std::string level;          // log level
  std::string traceback;      // error
  nlohmann::json entry;       // entry
  int exit_code = 0;          // done
  std::optional<int> signal;  // done, when the script process was killed by a signal
  // ready: the executor could not make itself non-dumpable, so a run could open or trace it (unless the frame
  // says "dumpable": false, exactly).
  bool executor_dumpable = false;
  // done: processes the run left alive outside its process group (a setsid'd daemon), as "pid name"; the
  // executor kills them. And files it left in the scratch directories that the executor could not remove.
  Leftovers leftover_processes;
  Leftovers scratch_left;
  std::size_t wire_bytes = 0;  // length of the line as received, newline included
};

// One line (without its newline) as a frame; anything that is not a well-formed frame is stdout text.
Frame parse_frame_line(std::string_view line);

// Splits the container's stdout into frames. Never buffers more than max_line_bytes: a longer line is dropped
// and reported as an `oversized` frame. Text is always valid UTF-8 (invalid bytes become U+FFFD).
class FrameParser {
 public:
  explicit FrameParser(std::size_t max_line_bytes);
  // Enough for any frame an executor sends under this output limit (JSON escaping can double a string).
  static std::size_t max_line_bytes_for(std::size_t output_limit);

  void feed(std::string_view bytes, std::vector<Frame>& out);
  // End of stream: a trailing partial line becomes stdout text.
  void finish(std::vector<Frame>& out);

 private:
  void take_line(std::string_view line, std::vector<Frame>& out);

  std::size_t max_line_bytes_;
  std::string partial_;
  bool discarding_ = false;
  std::size_t discarded_bytes_ = 0;
};

// What only the runner knows about a run.
struct RunOutcome {
  bool timed_out = false;
  bool oom_killed = false;  // the container's cgroup hit its memory limit (Docker's State.OOMKilled)
  std::int64_t duration_ms = 0;
  std::optional<std::int64_t> container_exit_code;
  // Why the runtime could not say how the container ended (it was down?).
  std::optional<std::string> runtime_error;
  std::optional<double> timeout_seconds;     // for the message
  std::optional<std::int64_t> memory_limit;  // bytes, for the message
};

struct ScriptResult {
  nlohmann::json entries = nlohmann::json::array();
  nlohmann::json logs = nlohmann::json::array();  // {"level": ..., "message": ...}
  std::optional<std::string> error;
  bool timed_out = false;
  bool oom_killed = false;
  std::int64_t duration_ms = 0;
  int exit_code = kExitSuccess;  // what `hardend script` exits with
  bool truncated = false;
  std::optional<int> script_exit_code;  // from the done frame (128+signal when killed); not in to_json()
  Leftovers leftover_processes;         // from the done frame; not in to_json()
  Leftovers scratch_left;

  // {entries, logs, error, timed_out, oom_killed, duration_ms, exit_code, truncated}
  nlohmann::json to_json() const;
};

// Collects one run's frames. Printed stdout becomes note entries (Type 1, ContentsFormat text), one per
// stretch of output between two entries so the order is kept; stderr and demisto.debug/info/error become
// logs. Text (stdout, stderr, logs) and entries each get `output_limit` bytes; beyond that they are dropped
// and the result is marked truncated, whatever the executor did.
class ResultAggregator {
 public:
  explicit ResultAggregator(std::size_t output_limit = kDefaultOutputLimit);

  void add(const Frame& frame);
  void add_frames(const std::vector<Frame>& frames);
  // The container's own stderr stream (the executor's crash messages, not the script's stderr).
  void add_container_stderr(std::string_view text);
  // The done frame arrived: in loop mode the next frames belong to the next run.
  bool done() const { return script_exit_code_.has_value(); }

  // Exit code: timeout 124; OOM 137 when the script process itself was killed (no done frame, or killed by
  // SIGKILL); 1 when the script reported an error (error entry, uncaught exception, non-zero exit, no done
  // frame); else 0. An OOM kill of a child the script survived (it reported the failure) is exit 1 or 0.
  ScriptResult finish(const RunOutcome& outcome);

 private:
  void add_text(std::string& pending, std::string_view text);
  void flush_stdout();
  void flush_stderr();
  void add_log(std::string level, std::string message);
  void mark_truncated(std::string why);
  void note_error(std::string message);

  std::size_t output_limit_;
  std::size_t text_left_;
  std::size_t entry_left_;
  std::string pending_stdout_;
  std::string pending_stderr_;
  nlohmann::json entries_ = nlohmann::json::array();
  nlohmann::json logs_ = nlohmann::json::array();
  std::optional<std::string> error_;
  std::optional<int> script_exit_code_;
  std::optional<int> script_signal_;
  Leftovers leftover_processes_;
  Leftovers scratch_left_;
  bool truncated_ = false;
};

// Bytes as valid UTF-8: every invalid sequence becomes U+FFFD.
std::string sanitize_utf8(std::string_view bytes);

}  // namespace hardend::runner
