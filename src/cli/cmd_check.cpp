// `hardend check`: prove from inside a container that every hardening setting of an image's policy holds.
// Compiled only when the check component is (src/cli/CMakeLists.txt defines HARDEND_CHECK_ENABLED).
#ifdef HARDEND_CHECK_ENABLED
#include <nlohmann/json.hpp>

#include "check/check_image.h"
#include "check/check_request.h"
#include "check/report.h"
#include "cli/client_mode.h"
#include "cli/context.h"

namespace hardend::cli {
namespace {

using nlohmann::json;

struct CheckCommandOptions {
  std::string image;
  bool all_images = false;
  std::string memory;
  std::string memory_check = "cgroup";
  std::optional<int64_t> pids;
  std::optional<int64_t> fds_soft;
  std::optional<int64_t> fds_hard;
  std::optional<double> cpus;
  bool cpu_measure = false;
  bool json = false;
  std::string server;
};

// The flags as the check request object (check/check_request.h): the daemon reads the same object.
json to_request(const CheckCommandOptions& options) {
  json request = json::object();
  if (!options.image.empty()) request["image"] = options.image;
  if (options.all_images) request["all_images"] = true;
  if (!options.memory.empty()) request["memory"] = options.memory;
  request["memory_check"] = options.memory_check;
  if (options.pids) request["pids"] = *options.pids;
  if (options.fds_soft) request["fds_soft"] = *options.fds_soft;
  if (options.fds_hard) request["fds_hard"] = *options.fds_hard;
  if (options.cpus) request["cpus"] = *options.cpus;
  if (options.cpu_measure) request["cpu_measure"] = true;
  return request;
}

int print_reports(const std::vector<check::ImageReport>& reports, bool all_images, bool as_json) {
  if (as_json) {
    json out = all_images ? check::to_json(reports) : check::to_json(reports.front());
    std::cout << out.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
  } else {
    std::cout << check::render_table(reports);
  }
  bool all_passed =
      std::all_of(reports.begin(), reports.end(), [](const check::ImageReport& r) { return r.passed(); });
  return all_passed ? kOk : kFailed;
}

int run_check(const GlobalOptions& global, const CheckCommandOptions& options) {
#ifdef HARDEND_SERVER_ENABLED
  if (auto server = chosen_server(options.server)) {
    auto reports = check_via_server(*server, to_request(options));
    if (!reports) return kUsageError;
    return print_reports(*reports, options.all_images, options.json);
  }
#endif
  auto config = load_config_or_report(global);
  if (!config) return kUsageError;
  auto request = check::parse_check_request(to_request(options), *config);
  if (!request.ok()) {
    print_error(request.error().message);
    return kUsageError;
  }
  auto probe = check::locate_probe();
  if (!probe.ok()) {
    print_error(probe.error().message);
    return kUsageError;
  }
  request->options.probe_path = *probe;

  auto runtime = connect_runtime(*config);
  if (!runtime) return kUsageError;

  std::vector<check::ImageReport> reports;
  for (const std::string& image : request->images)
    reports.push_back(check::check_image(runtime->client, *config, runtime->facts, image, request->options));
  return print_reports(reports, options.all_images, options.json);
}

}  // namespace

void add_check_command(CLI::App& app, GlobalOptions& global, int& exit_code) {
  auto options = std::make_shared<CheckCommandOptions>();
  auto* cmd = app.add_subcommand(
      "check",
      "Prove from inside a container that an image's hardening holds: runs hardend-probe (bind-mounted "
      "read-only)\n"
      "under the image's full policy and compares what it measures with the expected values.\n"
      "Checks: Non-root User, Memory, File Descriptors, CPUs, PIDs, Capabilities, No New Privileges, "
      "Seccomp,\n"
      "Read-only Root. Expected values: the recommended hardening (4000:4000, 1g, nofile 1024:8192, 1 CPU,\n"
      "256 PIDs, no capabilities, no-new-privileges, seccomp, read-only root); a stricter policy tightens "
      "them, a\n"
      "per-image key (python.pass.extra.keys.IMAGE) sets them for that image, the flags below override "
      "them.\n"
      "Turning a protection off in the config never lowers the expectation: the check fails and says so.\n"
      "The probe binary: $HARDEND_PROBE, else hardend-probe next to hardend, else "
      "/usr/lib/hardend/hardend-probe.\n"
      "Exit: 0 every check passed; 1 a check failed or an image could not be checked (e.g. not present "
      "locally);\n"
      "2 usage, config or daemon errors. See docs/CHECK.md.");
  auto* image =
      cmd->add_option("--image", options->image,
                      "image to check (IMAGE[:TAG], no tag = :latest); default: python.default.image");
  auto* all =
      cmd->add_flag("--all-images", options->all_images,
                    "check python.default.image and every image named in a python.pass.extra.keys.IMAGE "
                    "key (a key for all tags checks IMAGE:latest)");
  image->excludes(all);
  cmd->add_option("--memory", options->memory, "expected memory limit (b/k/m/g suffix), e.g. 1g");
  cmd->add_option(
         "--memory-check", options->memory_check,
         "cgroup: read the limit (fast, default); allocate: allocate and touch limit+64m in a child and "
         "pass only when it is stopped (slow: seconds per GiB)")
      ->check(CLI::IsMember({"cgroup", "allocate"}));
  cmd->add_option("--pids", options->pids, "expected PIDs limit (the probe spawns limit+1 processes)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--fds-soft", options->fds_soft, "expected RLIMIT_NOFILE soft limit")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--fds-hard", options->fds_hard, "expected RLIMIT_NOFILE hard limit")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--cpus", options->cpus, "expected CPU limit, e.g. 1 or 0.5")->check(CLI::PositiveNumber);
  cmd->add_flag("--cpu-measure", options->cpu_measure,
                "also confirm the CPU limit with a timed parallel workload (adds 0.5 s)");
  cmd->add_flag(
      "--json", options->json,
      "one object: {image, checks: [{check, status, passed, measured, expected}], passed, duration_ms}; "
      "with --all-images {images: [...], passed, duration_ms}");
#ifdef HARDEND_SERVER_ENABLED
  add_server_option(cmd, options->server);
#endif
  cmd->callback([&global, &exit_code, options] { exit_code = run_check(global, *options); });
}

}  // namespace hardend::cli

#endif  // HARDEND_CHECK_ENABLED
