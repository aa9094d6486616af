// `hardend swap-check`: does this daemon support swap limits, and what hardend does about it.
#include <nlohmann/json.hpp>

#include "cli/context.h"

namespace hardend::cli {
namespace {

int swap_check(bool as_json) {
  auto client = make_client();
  if (!client.ok()) {
    print_error(client.error().message);
    return kUsageError;
  }
  auto info = client->info();
  if (!info.ok()) {
    print_error(info.error().message);
    return kUsageError;
  }
  bool supported = info->value("SwapLimit", false);
  std::string cgroup_version = info->value("CgroupVersion", "1");
  std::string action =
      supported ? "hardend sets memory-swap equal to memory: no swap beyond the memory limit"
                : "hardend leaves memory-swap unlimited (-1) and reports it in every policy: memory is limited, "
                  "swap is not (enable swap accounting, e.g. the kernel parameter swapaccount=1 on cgroup v1, to "
                  "limit it)";
  if (as_json) {
    nlohmann::json out{{"endpoint", client->endpoint().str()},
                       {"swap_limit_supported", supported},
                       {"cgroup_version", cgroup_version},
                       {"memory_swap_policy", supported ? "equal-to-memory" : "unlimited"},
                       {"action", action}};
    std::cout << out.dump(2) << "\n";
  } else {
    std::cout << "Swap limit support: " << (supported ? "yes" : "NO") << " (daemon at " << client->endpoint().str()
              << ", cgroup v" << cgroup_version << ")\n"
              << action << "\n";
  }
  return supported ? kOk : kFailed;
}

}  // namespace

void add_swap_check_command(CLI::App& app, GlobalOptions& /*global*/, int& exit_code) {
  auto as_json = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand(
      "swap-check",
      "Report whether the Docker host supports swap limits and what hardend does about it.\n"
      "Exit 0: supported; 1: not supported (memory limited without swap limit); 2: daemon unreachable.");
  cmd->add_flag("--json", *as_json, "machine-readable output");
  cmd->callback([&exit_code, as_json] { exit_code = swap_check(*as_json); });
}

}  // namespace hardend::cli
