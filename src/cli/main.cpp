// hardend: run untrusted automation scripts in hardened containers. Thin: parse arguments, call the library, print.
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/context.h"

int main(int argc, char** argv) {
  using namespace hardend::cli;
  CLI::App app{
      "hardend - run untrusted automation scripts in hardened Docker/Podman containers.\n"
      "Config: --config FILE, else $HARDEND_CONFIG, else /etc/hardend/d1.conf (no file there = hardened defaults).\n"
      "Runtime endpoint: $DOCKER_HOST (unix:// or tcp://), else /var/run/docker.sock; with --runtime podman:\n"
      "  $HARDEND_PODMAN_SOCKET, else $CONTAINER_HOST, else /run/podman/podman.sock.\n"
      "Exit codes: 0 ok; 1 checked thing failed (invalid config, failed check); 2 usage/config/daemon error;\n"
      "  run: the command's own exit code, 124 timeout, 137 OOM-killed, 125 hardend could not run it.",
      "hardend"};
  app.set_version_flag("--version", std::string("hardend ") + HARDEND_VERSION);
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the subcommand: `hardend policy IMG --config f`

  GlobalOptions global;
  app.add_option("--config,-c", global.config_path, "config file (d1.conf-style JSON)");
  app.add_option("--runtime", global.runtime,
                 "docker or podman (default: container.runtime); podman is reached at $HARDEND_PODMAN_SOCKET, "
                 "else $CONTAINER_HOST, else /run/podman/podman.sock (docs/PODMAN.md)")
      ->check(CLI::IsMember({"docker", "podman"}));

  int exit_code = kOk;
  add_config_command(app, global, exit_code);
  add_policy_command(app, global, exit_code);
  add_run_command(app, global, exit_code);
  add_swap_check_command(app, global, exit_code);
  add_image_command(app, global, exit_code);
  add_script_command(app, global, exit_code);
#ifdef HARDEND_CHECK_ENABLED
  add_check_command(app, global, exit_code);
#endif
#ifdef HARDEND_NET_ENABLED
  add_net_command(app, global, exit_code);
#endif
#ifdef HARDEND_SERVER_ENABLED
  add_serve_command(app, global, exit_code);
#endif

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kUsageError;
  }
  return exit_code;
}
