// hardend: run untrusted automation scripts in hardened containers. Thin: parse arguments, call the library, print.
#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

#include "cli/context.h"

namespace {

// A result that could not be written (disk full, closed pipe, /dev/full) is no result: say what was lost and
// make the exit code say so too, so that a script never takes exit 0 for an output that is not there. Every
// subcommand prints through std::cout (synchronised with C stdio), so its error state and stdout's tell it
// all.
int check_output_written(int exit_code, bool ran_a_command) {
  std::cout.flush();
  errno = 0;
  const bool flushed = std::fflush(stdout) == 0;
  const int error = errno;
  if (flushed && !std::ferror(stdout) && std::cout.good()) return exit_code;
  // errno is only known when this last flush failed; an earlier failed write left just the error flag.
  std::string why = error != 0 ? std::strerror(error) : "a write failed (disk full?)";
  std::cerr << "hardend: error: could not write the output to standard output: " << why
            << (ran_a_command ? " (the command ran; its output is lost)"
                              : " (the output is lost or incomplete)")
            << "\n";
  // `run` passes the command's own exit code through, so its own failure code is 125; elsewhere 2.
  return ran_a_command ? 125 : hardend::cli::kUsageError;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace hardend::cli;
  CLI::App app{
      "hardend - run untrusted automation scripts in hardened Docker/Podman containers.\n"
      "Config: --config FILE, else $HARDEND_CONFIG, else /etc/hardend/d1.conf (no file there = hardened\n"
      "  defaults).\n"
      "Runtime endpoint: $DOCKER_HOST (unix:// or tcp://), else /var/run/docker.sock; with --runtime\n"
      "  podman: $HARDEND_PODMAN_SOCKET, else $CONTAINER_HOST, else /run/podman/podman.sock.\n"
      "Exit codes: 0 ok; 1 checked thing failed (invalid config, failed check); 2 usage/config/daemon\n"
      "  error; run: the command's own exit code, 124 timeout, 137 OOM-killed, 125 hardend could not run\n"
      "  it. A result that cannot be written to standard output (disk full) is an error: exit 2 (run: 125).",
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
  const auto run_command = app.get_subcommand_ptr("run");
  return check_output_written(exit_code, run_command && run_command->parsed());
}
