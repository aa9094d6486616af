// Fuzz harness: the `##` docker-run flag parser of python.pass.extra.keys (policy/docker_flags.h).
// Input: byte 0 selects the mode. Even: no unsafe flag is allowed and the rest is the extra-keys value; then a
// value that parses must not carry anything isolation-breaking (the security invariant of the parser: privileged,
// host namespaces, devices, binds, dangerous capabilities, host/container network, root user, unconfined
// security options). Odd: the rest is "ALLOW1,ALLOW2,...\nVALUE", the docker.run.allow.unsafe entries and the
// value; then whatever unsafe thing was accepted must be listed in allowed_unsafe.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/strings.h"
#include "fuzz_check.h"
#include "policy/docker_flags.h"

namespace {

using hardend::fuzz::require;
using hardend::policy::DockerRunOptions;

bool has_dangerous_capability(const DockerRunOptions& options) {
  const auto& dangerous = hardend::policy::dangerous_capabilities();
  return std::any_of(options.cap_add.begin(), options.cap_add.end(), [&](const std::string& cap) {
    return std::find(dangerous.begin(), dangerous.end(), cap) != dangerous.end();
  });
}

bool has_unconfined_security_option(const DockerRunOptions& options) {
  for (std::string_view refused : {"no-new-privileges=false", "seccomp=unconfined", "apparmor=unconfined",
                                   "systempaths=unconfined", "label=disable"}) {
    if (std::find(options.security_opt.begin(), options.security_opt.end(), refused) != options.security_opt.end())
      return true;
  }
  return false;
}

bool breaks_isolation(const DockerRunOptions& options) {
  bool shares_network = options.network && (*options.network == "host" || options.network->starts_with("container:"));
  bool root = options.user && hardend::policy::is_root_user(*options.user);
  return options.privileged.value_or(false) || !options.host_namespaces.empty() || !options.devices.empty() ||
         !options.binds.empty() || has_dangerous_capability(options) || shares_network || root ||
         has_unconfined_security_option(options);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  bool with_allow_list = (data[0] & 1) != 0;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);

  hardend::policy::FlagParseOptions flag_options;
  std::string_view value = rest;
  if (with_allow_list) {
    size_t newline = rest.find('\n');
    std::string_view allow = rest.substr(0, newline);
    value = newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);
    for (const std::string& entry : hardend::split(allow, ",")) flag_options.allow_unsafe.push_back(entry);
  }

  auto parsed = hardend::policy::parse_docker_run_options(value, flag_options);
  if (!parsed) {
    require(!parsed.error().message.empty(), "a refused value says why");
    return 0;
  }
  if (!with_allow_list) {
    require(!breaks_isolation(*parsed), "nothing isolation-breaking is accepted without an allow entry");
    require(parsed->allowed_unsafe.empty(), "no unsafe flag is reported as allowed without an allow entry");
  } else if (breaks_isolation(*parsed)) {
    require(!parsed->allowed_unsafe.empty(), "an accepted unsafe flag is listed in allowed_unsafe");
  }
  if (parsed->memory) require(*parsed->memory > 0, "a memory limit is positive");
  if (parsed->cpus) require(*parsed->cpus > 0, "a CPU count is positive");
  for (const auto& ulimit : parsed->ulimits) {
    require(ulimit.hard == -1 || (ulimit.soft != -1 && ulimit.soft <= ulimit.hard), "ulimit soft <= hard");
  }

  // Parsing is deterministic: the same value gives the same options.
  auto again = hardend::policy::parse_docker_run_options(value, flag_options);
  require(again && *again == *parsed, "parsing the same value twice gives the same options");
  (void)hardend::policy::normalize_capability(value);
  return 0;
}
