// `hardend serve`: the daemon's lifecycle, as a list of steps (DESIGN.md section 5, linear orchestration):
// load and validate the config, refuse TCP without a token, remove leftovers of a crashed instance (by label),
// apply the network rules (server.network.reconcile), listen, warm the default image's pool, tell systemd
// READY=1, serve; SIGHUP or POST /v1/reload re-read the config (an invalid one, or one whose network rules cannot
// be applied, is rejected and the old one keeps serving); with server.network.reconcile the rules are re-applied
// every server.network.reconcile.seconds and any drift repaired is logged; SIGTERM/SIGINT drain in-flight runs until
// server.drain.seconds, then kill what is left, remove every container the daemon started and exit 0.
#pragma once

#include <optional>
#include <ostream>
#include <string>

namespace hardend::server {

struct ServeOptions {
  std::optional<std::string> config_path;  // --config; else $HARDEND_CONFIG, else /etc/hardend/d1.conf
  std::optional<std::string> listen;       // --listen wins over server.listen
  bool strict = false;
};

// The process exit code: 0 after a clean drain, 2 when it cannot start (config, token, socket, Docker).
int serve(const ServeOptions& options, std::ostream& log_stream);

// The label every container of one daemon carries (value: its listen address), so that a restarted daemon on
// the same address removes what a crashed one left behind, and never another daemon's containers.
inline constexpr const char* kServeLabel = "io.hardend.serve";

}  // namespace hardend::server
