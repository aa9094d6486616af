// Fuzz harness: the config loader and validator as `hardend config validate` and the resolver use them.
// Input: the bytes of a config file (d1.conf, JSON). The first byte's low bit picks strict mode, so both
// modes are covered by one corpus. Invariants: the outcome holds a config exactly when no diagnostic is an
// error; every diagnostic renders; a config that loaded validates its extra-keys values and resolves a policy
// (or a precise error) for every image it names, on Docker and on Podman, without throwing.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "fuzz_check.h"
#include "policy/image_ref.h"
#include "policy/resolver.h"
#include "policy/spec.h"

namespace {

using hardend::fuzz::require;

void resolve_everywhere(const hardend::config::Config& config) {
  auto images = hardend::policy::images_named_in_config(config);
  images.push_back(config.python_default_image.value);
  hardend::policy::RuntimeFacts docker;
  hardend::policy::RuntimeFacts podman;
  podman.runtime = "podman";
  podman.memory_limit_supported = false;
  podman.host_nofile_hard = 1024;
  podman.host_nproc_hard = 4096;
  for (const auto& name : images) {
    auto image = hardend::policy::parse_image_ref(name);
    if (!image) continue;
    for (const auto* facts : {&docker, &podman}) {
      auto spec = hardend::policy::resolve_policy(config, *image, *facts);
      if (!spec) {
        require(!spec.error().message.empty(), "a policy error says what is wrong");
        continue;
      }
      (void)hardend::policy::to_json(*spec).dump();
      (void)hardend::policy::to_docker_run_args(*spec);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  hardend::config::ParseOptions options;
  options.strict = (data[0] & 1) != 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);

  auto outcome = hardend::config::parse_config(text, "fuzz.conf", options);
  bool has_error = false;
  for (const auto& diagnostic : outcome.diagnostics) {
    if (diagnostic.severity == hardend::config::Severity::Error) has_error = true;
    require(!diagnostic.str().empty(), "every diagnostic renders to text");
  }
  require(outcome.ok() == !has_error, "a config is returned exactly when there is no error");
  if (!outcome.ok()) return 0;

  for (const auto& diagnostic : hardend::policy::validate_policy_keys(*outcome.config)) {
    require(!diagnostic.str().empty(), "every policy diagnostic renders to text");
  }
  resolve_everywhere(*outcome.config);
  return 0;
}
