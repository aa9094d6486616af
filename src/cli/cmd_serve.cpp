// `hardend serve`: the engine daemon (issue 6; docs/API.md). Thin: options in, server::serve() out.
#ifdef HARDEND_SERVER_ENABLED
#include "cli/context.h"
#include "server/daemon.h"

namespace hardend::cli {

void add_serve_command(CLI::App& app, GlobalOptions& global, int& exit_code) {
  auto listen = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand(
      "serve",
      "Serve the HTTP API (docs/API.md) with a warm pool of hardened containers:\n"
      "POST /v1/runs[?async=1], GET /v1/runs/ID, POST /v1/check, GET /v1/policy/IMAGE, GET /v1/config,\n"
      "POST /v1/reload, GET /healthz, GET /metrics. SIGHUP reloads the config; SIGTERM drains runs\n"
      "(server.drain.seconds), removes every container the daemon started and exits 0. With\n"
      "server.network.reconcile the network rules are applied at start, on reload and periodically.\n"
      "`hardend script|check|policy --server ADDRESS` use a running daemon.\n"
      "The container runtime missing at start: retried with backoff (1 s doubling to 15 s, each attempt\n"
      "logged, systemd STATUS=waiting...), every request answered 503 \"runtime unavailable\" meanwhile;\n"
      "serving starts once it answers. Lost while serving: /healthz answers 503 until it is back, then the\n"
      "pool recovers by itself. Exit 2 when it cannot start (or the runtime is not back within\n"
      "--runtime-wait).");
  cmd->add_option("--listen", *listen,
                  "unix:/run/hardend/hardend.sock (default: server.listen) or tcp://127.0.0.1:PORT (needs "
                  "server.token.file)");
  auto runtime_wait = std::make_shared<int64_t>(0);
  cmd->add_option(
         "--runtime-wait", *runtime_wait,
         "seconds to wait for an unreachable container runtime at start, then exit 2 (default 0: forever)")
      ->check(CLI::Range(int64_t{0}, int64_t{86400 * 365}));
  cmd->callback([&global, &exit_code, listen, runtime_wait] {
    server::ServeOptions options;
    options.config_path = global.config_path;
    options.strict = global.strict;
    if (!listen->empty()) options.listen = *listen;
    if (*runtime_wait > 0) options.runtime_wait = std::chrono::seconds(*runtime_wait);
    exit_code = server::serve(options, std::cerr);
  });
}

}  // namespace hardend::cli
#endif  // HARDEND_SERVER_ENABLED
