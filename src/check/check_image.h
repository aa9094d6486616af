// `hardend check` for one image: resolve its policy, derive the expectations, run hardend-probe inside a
// container under that policy (bind-mounted read-only, docs/CHECK.md), evaluate what it measured.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "check/evaluate.h"
#include "check/expectations.h"
#include "common/result.h"
#include "config/config.h"
#include "docker/client.h"
#include "policy/resolver.h"

namespace hardend::check {

// Where the probe sits inside the container: outside every path an image normally uses.
inline constexpr const char* kProbeContainerPath = "/.hardend/hardend-probe";
inline constexpr const char* kCheckKind = "check";

// Where to find the hardend-probe binary on the host: $HARDEND_PROBE, else next to the running hardend
// (/proc/self/exe), else /usr/lib/hardend/hardend-probe. Inputs are passed in (nullptr / "" = not set) so
// that the choice is testable; `is_executable_file` is the only I/O.
struct ProbeSearch {
  const char* env_probe = nullptr;  // $HARDEND_PROBE
  std::string self_executable;      // readlink(/proc/self/exe)
  std::function<bool(const std::string&)> is_executable_file;
};
Result<std::string> locate_probe(const ProbeSearch& search);
// The same with the real environment.
Result<std::string> locate_probe();

struct CheckOptions {
  ExpectationOverrides overrides;
  MemoryCheckMode memory_mode = MemoryCheckMode::Cgroup;
  std::optional<int> cpu_measure_ms;          // --cpu-measure
  std::string probe_path;                     // from locate_probe()
  std::map<std::string, std::string> labels;  // extra container labels (tests: io.hardend.test=1)
  std::chrono::milliseconds timeout{60000};   // the probe's allocation test alone may take 30 s
};

struct ImageReport {
  std::string image;  // as given ("hardend/python:3.11", or a config key suffix for --all-images)
  std::vector<CheckResult> checks;
  std::string error;  // set when the image could not be checked at all (missing image, refused container ...)
  std::vector<std::string> notes;  // the policy's notes (swap not limited, podman limits left out ...)
  std::chrono::milliseconds duration{0};
  bool passed() const;
};

// Never an Error: whatever goes wrong with this image is a failed report that says why, so that --all-images
// checks every image. (Daemon reachability is established by the caller before.)
ImageReport check_image(docker::Client& client, const config::Config& config,
                        const policy::RuntimeFacts& facts, const std::string& image,
                        const CheckOptions& options);

// The default image (python.default.image) followed by every image named in a per-image key, without
// duplicates.
std::vector<std::string> images_to_check(const config::Config& config);

}  // namespace hardend::check
