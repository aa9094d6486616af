// POST /v1/runs: one run, executed synchronously on a worker thread. A script (`"script"`) runs in a warm
// container of its policy's pool and answers exactly what `hardend script --json` prints; a command (`"argv"`)
// runs in a one-shot container and answers what `hardend run --json` prints.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "docker/client.h"
#include "policy/resolver.h"
#include "runner/executor_protocol.h"
#include "server/http_server.h"
#include "server/log.h"
#include "server/metrics.h"
#include "server/warm_pool.h"

namespace hardend::server {

inline constexpr double kDefaultRunTimeoutSeconds = 300;  // as `hardend script`
inline constexpr double kMaxRunTimeoutSeconds = 86400;     // larger values would overflow the milliseconds

// A parsed POST /v1/runs body.
struct RunSubmission {
  std::string image;  // empty: python.default.image
  std::optional<runner::ScriptRequest> script;
  std::vector<std::string> argv;
  std::optional<std::chrono::milliseconds> timeout;
};

// {"script": SOURCE, "name", "args", "params", "command", "image", "timeout"} or {"argv": [...], "image",
// "timeout"}. `timeout` is in seconds (0: none; default 300). Errors say which field is wrong.
Result<RunSubmission> parse_run_submission(const std::string& body);

struct RunAnswer {
  HttpAnswer http;
  RunOutcomeKind outcome = RunOutcomeKind::failed;
};

// A submission that parsed and whose image resolved to a policy: what is left can only fail while running.
struct PreparedRun {
  RunSubmission submission;
  policy::ImageRef image;
  policy::ContainerSpec spec;
};

class RunService {
 public:
  RunService(docker::Client& client, PoolManager& pools, Log& log, std::map<std::string, std::string> labels,
             const std::atomic<bool>& cancel_all)
      : client_(client), pools_(pools), log_(log), labels_(std::move(labels)), cancel_all_(cancel_all) {}

  // Checked before a run is admitted, so that a bad request gets its 400 at once (also with ?async=1).
  std::variant<PreparedRun, RunAnswer> prepare(const config::Config& config, const policy::RuntimeFacts& facts,
                                               const std::string& body) const;
  RunAnswer execute(const config::Config& config, const PreparedRun& run);

 private:
  RunAnswer run_script(const config::Config& config, const policy::ImageRef& image,
                       const policy::ContainerSpec& spec, const RunSubmission& submission);
  RunAnswer run_command(const config::Config& config, const policy::ContainerSpec& spec,
                        const RunSubmission& submission);

  docker::Client& client_;
  PoolManager& pools_;
  Log& log_;
  std::map<std::string, std::string> labels_;
  const std::atomic<bool>& cancel_all_;
};

// How a script result is counted: success, script_error, timeout or oom (from its exit code).
RunOutcomeKind classify(int exit_code);

}  // namespace hardend::server
