// `hardend serve`: the daemon's lifecycle, as a list of steps (DESIGN.md section 5, linear orchestration):
// load and validate the config, refuse TCP without a token, remove leftovers of a crashed instance (by
// label), apply the network rules (server.network.reconcile), listen, warm the default image's pool, tell
// systemd READY=1, serve; SIGHUP or POST /v1/reload re-read the config (an invalid one, or one whose network
// rules cannot be applied, is rejected and the old one keeps serving); with server.network.reconcile the
// rules are re-applied every server.network.reconcile.seconds and any drift repaired is logged;
// SIGTERM/SIGINT drain in-flight runs until server.drain.seconds, then kill what is left, remove every
// container the daemon started and exit 0.
//
// The container runtime may be missing at start: serve retries with backoff (runtime_retry_delay), logging
// each attempt and the wait, telling systemd STATUS=waiting for the container runtime, and answering every
// request (GET /healthz included) with 503 "runtime unavailable" meanwhile; once the runtime answers it
// starts serving. It waits forever unless ServeOptions::runtime_wait (then exit 2). While serving, the
// runtime is pinged every kRuntimeWatchPeriod: down, /healthz answers 503 "runtime unavailable" and runs fail
// with the runtime's error; back, the pools recover by themselves (dead idle containers replaced, refilled)
// and containers the outage left exited are removed.
#pragma once

#include <chrono>
#include <optional>
#include <ostream>
#include <string>

namespace hardend::server {

struct ServeOptions {
  std::optional<std::string> config_path;  // --config; else $HARDEND_CONFIG, else /etc/hardend/d1.conf
  std::optional<std::string> listen;       // --listen wins over server.listen
  bool strict = false;
  // --runtime-wait: how long to wait for an unreachable container runtime at start; nullopt or 0: forever.
  std::optional<std::chrono::seconds> runtime_wait;
};

// The wait before retry number `attempt` (1-based) to reach the runtime at start: 1 s, doubling, at most 15
// s.
std::chrono::seconds runtime_retry_delay(int attempt);
inline constexpr std::chrono::seconds kRuntimeWatchPeriod{2};

// The process exit code: 0 after a clean drain (or SIGTERM while waiting for the runtime), 2 when it cannot
// start (config, token, socket; the runtime not reached within runtime_wait).
int serve(const ServeOptions& options, std::ostream& log_stream);

// The label every container of one daemon carries (value: its listen address), so that a restarted daemon on
// the same address removes what a crashed one left behind, and never another daemon's containers.
inline constexpr const char* kServeLabel = "io.hardend.serve";

}  // namespace hardend::server
