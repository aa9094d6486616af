#include "check/expectations.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "common/strings.h"
#include "common/units.h"

namespace hardend::check {
namespace {

constexpr std::string_view kPerImageKeyPrefix = "python.pass.extra.keys.";
constexpr const char* kRecommended = "recommended hardening";
constexpr const char* kPodmanSource = "runtime podman";
constexpr int64_t kAllocationMargin = int64_t{64} << 20;

bool is_per_image_key(const std::string& source) {
  return source.starts_with(kPerImageKeyPrefix);
}

std::string describe_source(const std::string& source) {
  return source == "default" ? kRecommended : source;
}

bool contains(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

template <class T>
struct Chosen {
  T value{};
  Provenance provenance;
};

// The rule of expectations.h for one numeric limit: flag > per-image key > the stricter of policy and
// recommendation. `format` renders a value for the notes.
template <class T, class Format>
Chosen<T> choose_limit(const std::optional<T>& policy_value, const std::string& policy_source, T recommended,
                       const std::optional<T>& override_value, const std::string& flag, Format format) {
  if (override_value) return {*override_value, {flag, "", ""}};
  if (!policy_value) {
    // Podman's left-out limits fail like any other missing limit (issue 8: the check is honest); the note
    // says why the policy has none and which key applies them.
    if (policy_source == kPodmanSource)
      return {recommended,
              {kRecommended,
               "left out on Podman, whose hosts may not support it (the hardening guide exempts it); set "
               "podman.limits.enforce to true to apply it",
               ""}};
    return {recommended, {kRecommended, "the policy sets no limit (" + policy_source + ")", ""}};
  }
  if (is_per_image_key(policy_source) || *policy_value <= recommended)
    return {*policy_value, {describe_source(policy_source), "", ""}};
  return {recommended,
          {kRecommended,
           "the policy allows " + format(*policy_value) + " (" + policy_source + "); pass " + flag +
               " to accept it",
           ""}};
}

std::string format_count(int64_t value) {
  return std::to_string(value);
}

// "4000:4000" -> uid 4000, gid 4000; "4000" -> uid only; names -> neither.
void parse_user(const std::string& text, UserExpectation& user) {
  auto parts = split(text, ":");
  user.uid = parts.empty() ? std::nullopt : parse_int(parts[0]);
  user.gid = parts.size() > 1 ? parse_int(parts[1]) : std::nullopt;
}

bool is_root_user(const std::string& text) {
  auto parts = split(text, ":");
  return !parts.empty() && (parts[0] == "0" || parts[0] == "root");
}

UserExpectation expect_user(const config::Config& config, const policy::ContainerSpec& spec,
                            const RecommendedHardening& recommended) {
  UserExpectation user;
  const auto& policy_user = spec.user.value;
  if (!policy_user && spec.user.source == "docker.run.internal.asuser.ignore") {
    user.exempt = true;
    user.display = "root";
    user.provenance.source = spec.user.source;
    return user;
  }
  if (policy_user && !is_root_user(*policy_user)) {
    user.display = *policy_user;
    user.provenance.source = describe_source(spec.user.source);
  } else {
    // The policy runs as root (asuser off, or an allowed --user=0): the expectation stays non-root.
    user.display = config.run_as_user.value ? config.user.value : recommended.user;
    user.provenance.source = config.run_as_user.value ? describe_source(config.user.source) : kRecommended;
    user.provenance.policy_note = policy_user
                                      ? "the policy runs as " + *policy_user + " (" + spec.user.source + ")"
                                      : "the policy runs the image's default user (" + spec.user.source + ")";
  }
  parse_user(user.display, user);
  return user;
}

MemoryExpectation expect_memory(const policy::ContainerSpec& spec, const ExpectationInputs& inputs) {
  auto chosen = choose_limit<int64_t>(spec.memory.value, spec.memory.source, inputs.recommended.memory_bytes,
                                      inputs.overrides.memory_bytes, "--memory", format_size);
  return {chosen.provenance, chosen.value, inputs.memory_mode, inputs.daemon_swap_limit};
}

FdsExpectation expect_fds(const policy::ContainerSpec& spec, const ExpectationInputs& inputs) {
  std::optional<int64_t> soft, hard;
  for (const auto& ulimit : spec.ulimits.value)
    if (ulimit.name == "nofile") {
      // Docker's -1 means unlimited.
      if (ulimit.soft >= 0) soft = ulimit.soft;
      if (ulimit.hard >= 0) hard = ulimit.hard;
    }
  const std::string& source = spec.ulimits.source;
  auto chosen_soft = choose_limit<int64_t>(soft, source, inputs.recommended.nofile_soft,
                                           inputs.overrides.fds_soft, "--fds-soft", format_count);
  auto chosen_hard = choose_limit<int64_t>(hard, source, inputs.recommended.nofile_hard,
                                           inputs.overrides.fds_hard, "--fds-hard", format_count);
  FdsExpectation fds{chosen_soft.provenance, chosen_soft.value, chosen_hard.value};
  if (chosen_soft.provenance.source != chosen_hard.provenance.source)
    fds.provenance.source =
        chosen_soft.provenance.source + " (soft), " + chosen_hard.provenance.source + " (hard)";
  if (fds.provenance.policy_note.empty()) fds.provenance.policy_note = chosen_hard.provenance.policy_note;
  if (fds.provenance.policy_note.starts_with("the policy allows") && soft && hard)
    fds.provenance.policy_note =
        "the policy sets nofile " + std::to_string(*soft) + ":" + std::to_string(*hard) + " (" + source +
        "); the recommended hardening is " + std::to_string(inputs.recommended.nofile_soft) + ":" +
        std::to_string(inputs.recommended.nofile_hard) + "; pass --fds-soft/--fds-hard to accept it";
  return fds;
}

CpusExpectation expect_cpus(const policy::ContainerSpec& spec, const ExpectationInputs& inputs) {
  std::optional<double> policy_cpus;
  if (spec.nano_cpus.value) policy_cpus = static_cast<double>(*spec.nano_cpus.value) / 1e9;
  auto chosen = choose_limit<double>(policy_cpus, spec.nano_cpus.source, inputs.recommended.cpus,
                                     inputs.overrides.cpus, "--cpus", format_cpus);
  return {chosen.provenance, chosen.value, inputs.cpu_measure_ms};
}

PidsExpectation expect_pids(const policy::ContainerSpec& spec, const ExpectationInputs& inputs) {
  std::optional<int64_t> policy_pids;
  if (spec.pids_limit.value && *spec.pids_limit.value > 0) policy_pids = spec.pids_limit.value;
  auto chosen = choose_limit<int64_t>(policy_pids, spec.pids_limit.source, inputs.recommended.pids,
                                      inputs.overrides.pids, "--pids", format_count);
  return {chosen.provenance, chosen.value};
}

std::string normalize_capability(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::toupper(c); });
  if (name.starts_with("CAP_")) name.erase(0, 4);
  return name;
}

// Named additions (docker.run.capabilities.keep, --cap-add) are deliberate and allowed; anything else the
// container holds is not, whether or not the policy dropped ALL.
CapabilitiesExpectation expect_capabilities(const policy::ContainerSpec& spec) {
  CapabilitiesExpectation caps;
  for (const auto& name : spec.cap_add.value) caps.allowed.push_back(normalize_capability(name));
  caps.provenance.source =
      caps.allowed.empty() ? std::string(kRecommended) : describe_source(spec.cap_add.source);
  if (!contains(spec.cap_drop.value, "ALL"))
    caps.provenance.policy_note = "the policy does not drop all capabilities (" + spec.cap_drop.source + ")";
  if (spec.privileged.value)
    caps.provenance.policy_note = "the policy runs privileged (" + spec.privileged.source + ")";
  return caps;
}

FlagExpectation expect_no_new_privileges(const policy::ContainerSpec& spec) {
  FlagExpectation flag{{kRecommended, "", ""}};
  if (!contains(spec.security_opt.value, "no-new-privileges"))
    flag.provenance.policy_note =
        "the policy does not set no-new-privileges (" + spec.security_opt.source + ")";
  return flag;
}

FlagExpectation expect_seccomp(const policy::ContainerSpec& spec) {
  FlagExpectation flag{{kRecommended, "", ""}};
  if (contains(spec.security_opt.value, "seccomp=unconfined"))
    flag.provenance.policy_note = "the policy sets seccomp=unconfined (" + spec.security_opt.source + ")";
  else if (spec.privileged.value)
    flag.provenance.policy_note = "the policy runs privileged (" + spec.privileged.source + ")";
  return flag;
}

FlagExpectation expect_read_only_root(const policy::ContainerSpec& spec) {
  FlagExpectation flag{{kRecommended, "", ""}};
  if (!spec.read_only.value)
    flag.provenance.policy_note = "the policy mounts the root read-write (" + spec.read_only.source + ")";
  return flag;
}

}  // namespace

std::string format_cpus(double cpus) {
  std::ostringstream text;
  text << std::round(cpus * 1000) / 1000 << (cpus == 1.0 ? " CPU" : " CPUs");
  return text.str();
}

Expectations derive_expectations(const config::Config& config, const policy::ContainerSpec& spec,
                                 const ExpectationInputs& inputs) {
  Expectations expectations;
  expectations.image = spec.image;
  expectations.user = expect_user(config, spec, inputs.recommended);
  expectations.memory = expect_memory(spec, inputs);
  expectations.fds = expect_fds(spec, inputs);
  expectations.cpus = expect_cpus(spec, inputs);
  expectations.pids = expect_pids(spec, inputs);
  expectations.capabilities = expect_capabilities(spec);
  expectations.no_new_privileges = expect_no_new_privileges(spec);
  expectations.seccomp = expect_seccomp(spec);
  expectations.read_only_root = expect_read_only_root(spec);
  return expectations;
}

std::vector<std::string> probe_arguments(const Expectations& expectations) {
  std::vector<std::string> arguments;
  if (expectations.pids.provenance.not_required.empty())
    arguments.insert(arguments.end(), {"--pids-spawn", std::to_string(expectations.pids.max + 1)});
  if (expectations.memory.mode == MemoryCheckMode::Allocate &&
      expectations.memory.provenance.not_required.empty())
    arguments.insert(arguments.end(), {"--memory-allocate",
                                       std::to_string(expectations.memory.bytes + kAllocationMargin) + "b"});
  if (expectations.cpus.measure_ms)
    arguments.insert(arguments.end(), {"--cpu-measure", std::to_string(*expectations.cpus.measure_ms)});
  return arguments;
}

}  // namespace hardend::check
