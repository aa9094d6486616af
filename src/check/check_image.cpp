#include "check/check_image.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "common/strings.h"
#include "policy/image_ref.h"
#include "runner/oneshot.h"

namespace hardend::check {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kInstalledProbe = "/usr/lib/hardend/hardend-probe";
// The probe's output is one JSON object of a few KiB; anything far beyond that is not a probe.
constexpr size_t kMaxProbeOutput = size_t{4} << 20;

bool is_executable_regular_file(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

std::string self_executable() {
  std::error_code error;
  auto path = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? std::string() : path.string();
}

struct ProbeOutput {
  std::mutex mutex;
  std::string out;
  std::string err;
  void append(std::string& target, std::string_view bytes) {
    std::lock_guard lock(mutex);
    if (target.size() < kMaxProbeOutput) target.append(bytes.substr(0, kMaxProbeOutput - target.size()));
  }
};

ImageReport failed_report(ImageReport report, std::string error, Clock::time_point started) {
  report.error = std::move(error);
  report.duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  return report;
}

std::string first_line(const std::string& text) {
  std::string_view trimmed = trim(text);
  return std::string(trimmed.substr(0, std::min(trimmed.find('\n'), size_t{300})));
}

}  // namespace

Result<std::string> locate_probe(const ProbeSearch& search) {
  std::vector<std::string> tried;
  if (search.env_probe != nullptr && *search.env_probe != '\0') {
    if (search.is_executable_file(search.env_probe)) return std::string(search.env_probe);
    return make_error(
        std::string("HARDEND_PROBE=") + search.env_probe +
        ": not an executable file (build it with the hardend-probe target, or unset HARDEND_PROBE)");
  }
  if (!search.self_executable.empty()) {
    std::string next_to_hardend =
        (std::filesystem::path(search.self_executable).parent_path() / "hardend-probe").string();
    if (search.is_executable_file(next_to_hardend)) return next_to_hardend;
    tried.push_back(next_to_hardend);
  }
  if (search.is_executable_file(kInstalledProbe)) return std::string(kInstalledProbe);
  tried.push_back(kInstalledProbe);
  return make_error("hardend-probe not found (looked at " + join(tried, ", ") +
                    "); build the hardend-probe target or set HARDEND_PROBE to its path");
}

Result<std::string> locate_probe() {
  return locate_probe({std::getenv("HARDEND_PROBE"), self_executable(), is_executable_regular_file});
}

bool ImageReport::passed() const {
  return error.empty() && !checks.empty() &&
         std::all_of(checks.begin(), checks.end(), [](const CheckResult& c) { return c.passed; });
}

ImageReport check_image(docker::Client& client, const config::Config& config,
                        const policy::RuntimeFacts& facts, const std::string& image,
                        const CheckOptions& options) {
  const auto started = Clock::now();
  ImageReport report;
  report.image = image;

  auto ref = policy::parse_image_ref(image);
  if (!ref.ok()) return failed_report(std::move(report), ref.error().message, started);
  auto spec = policy::resolve_policy(config, *ref, facts);
  if (!spec.ok()) return failed_report(std::move(report), "policy: " + spec.error().message, started);
  report.notes = spec->notes;

  if (auto inspected = client.inspect_image(spec->image); !inspected.ok()) {
    if (docker::is_not_found(inspected.error()))
      return failed_report(std::move(report),
                           "image " + spec->image +
                               " is not present locally (hardend never pulls: build or import it first, e.g. "
                               "`hardend image import FILE.tar " +
                               spec->image + "`)",
                           started);
    return failed_report(std::move(report), inspected.error().message, started);
  }

  ExpectationInputs inputs{
      options.overrides, options.memory_mode, options.cpu_measure_ms, facts.swap_limit_supported, {}};
  Expectations expectations = derive_expectations(config, *spec, inputs);

  // The image's policy exactly as `hardend run` applies it; the only addition is the read-only probe.
  runner::RunRequest request;
  request.spec = *spec;
  request.entrypoint = {kProbeContainerPath};
  request.cmd = probe_arguments(expectations);
  request.binds = {options.probe_path + ":" + kProbeContainerPath + ":ro"};
  request.labels = options.labels;
  request.kind = kCheckKind;
  request.timeout = options.timeout;

  ProbeOutput output;
  runner::OutputSink sink{[&](std::string_view bytes) { output.append(output.out, bytes); },
                          [&](std::string_view bytes) { output.append(output.err, bytes); }};
  auto run = runner::run_container(client, request, sink);
  if (!run.ok())
    return failed_report(std::move(report),
                         "could not run the probe under this policy: " + run.error().message, started);
  if (run->timed_out)
    return failed_report(
        std::move(report),
        "the probe did not finish within " + std::to_string(options.timeout.count() / 1000) + " s", started);

  auto checks = evaluate_probe_output(output.out, expectations);
  if (!checks.ok()) {
    std::string reason = checks.error().message + " (probe exit code " + std::to_string(run->exit_code) +
                         (run->oom_killed ? ", OOM-killed" : "") + ")";
    if (!output.err.empty()) reason += ": " + first_line(output.err);
    return failed_report(std::move(report), reason, started);
  }
  report.checks = std::move(*checks);
  report.duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  return report;
}

std::vector<std::string> images_to_check(const config::Config& config) {
  std::vector<std::string> images{config.python_default_image.value};
  std::vector<std::string> seen;
  auto canonical = [](const std::string& image) {
    auto ref = policy::parse_image_ref(image);
    return ref.ok() ? ref->full() : image;
  };
  seen.push_back(canonical(images.front()));
  for (const std::string& image : policy::images_named_in_config(config)) {
    std::string key = canonical(image);
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
    seen.push_back(key);
    images.push_back(image);
  }
  return images;
}

}  // namespace hardend::check
