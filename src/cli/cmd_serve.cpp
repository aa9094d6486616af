// `hardend serve`: the engine daemon (issue 6; docs/API.md). Thin: options in, server::serve() out.
#ifdef HARDEND_SERVER_ENABLED
#include "cli/context.h"
#include "server/daemon.h"

namespace hardend::cli {

void add_serve_command(CLI::App& app, GlobalOptions& global, int& exit_code) {
  auto listen = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand(
      "serve",
      "Serve the HTTP API (docs/API.md) with a warm pool of hardened containers: POST /v1/runs[?async=1],\n"
      "GET /v1/runs/ID, POST /v1/check, GET /v1/policy/IMAGE, GET /v1/config, POST /v1/reload, GET /healthz,\n"
      "GET /metrics. SIGHUP reloads the config; SIGTERM drains runs (server.drain.seconds), removes every container\n"
      "the daemon started and exits 0. With server.network.reconcile the network rules are applied at start, on\n"
      "reload and periodically. `hardend script|check|policy --server ADDRESS` use a running daemon.\n"
      "Exit 2 when it cannot start.");
  cmd->add_option("--listen", *listen,
                  "unix:/run/hardend/hardend.sock (default: server.listen) or tcp://127.0.0.1:PORT (needs "
                  "server.token.file)");
  cmd->callback([&global, &exit_code, listen] {
    server::ServeOptions options;
    options.config_path = global.config_path;
    options.strict = global.strict;
    if (!listen->empty()) options.listen = *listen;
    exit_code = server::serve(options, std::cerr);
  });
}

}  // namespace hardend::cli
#endif  // HARDEND_SERVER_ENABLED
