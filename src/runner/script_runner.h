// One script run (`hardend script`, issue 5): the in-container executor in a one-shot hardened container.
// The container runs `python3 -u -c BOOTSTRAP` with the image's entrypoint cleared; the executor and the
// script arrive over stdin (docs/SCRIPTS.md); the container's stdout is parsed into frames while it streams
// and the output cap is enforced here, as bytes arrive, so a script printing gigabytes cannot grow the
// engine's memory.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>

#include "common/result.h"
#include "docker/client.h"
#include "policy/spec.h"
#include "runner/executor_protocol.h"

namespace hardend::runner {

inline constexpr const char* kScriptKind = "script";  // io.hardend.kind of script containers

struct ScriptRunOptions {
  std::optional<std::chrono::milliseconds> timeout;  // none: the script may run forever
  // run.output.limit: the budget of text and of entries, enforced by the executor and again by the engine. It
  // replaces the request's own output_limit so that both sides use the same value.
  std::size_t output_limit = kDefaultOutputLimit;
  std::map<std::string, std::string> labels;  // extra container labels (tests mark their containers)
  const std::atomic<bool>* cancel = nullptr;  // set from another thread (Ctrl-C): kill the container
};

struct ScriptRun {
  ScriptResult result;
  bool interrupted = false;  // cancelled by the caller; result.exit_code then says what the script managed
  std::string container_id;  // already removed
  std::int64_t container_exit_code = -1;
  std::size_t stdout_bytes = 0;  // everything the container wrote to stdout, also what was dropped
};

// Errors are hardend's own (bad args, daemon unreachable, image missing, create/start refused): `hardend
// script` exits 2 on them. What the script did, including timeouts and OOM, is in ScriptRun::result.
Result<ScriptRun> run_script(docker::Client& client, const policy::ContainerSpec& spec,
                             const ScriptRequest& request, const ScriptRunOptions& options);

// "TestMemory" for ".../TestMemory.py": the name tracebacks show (TestMemory.py, line N).
std::string script_name_from_path(const std::string& path);

}  // namespace hardend::runner
