#include "check/evaluate.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/strings.h"
#include "common/units.h"

namespace hardend::check {
namespace {

using nlohmann::json;

// How far a timed CPU measurement may exceed the quota before it counts as "not limited": CFS accounting
// works in 100 ms periods, so a short measurement overshoots a little.
constexpr double kCpuMeasureTolerance = 1.1;
constexpr double kCpuMeasureSlack = 0.05;

const json& member(const json& object, const char* key) {
  static const json missing;  // a constant, not state: the null every absent member reads as
  if (!object.is_object()) return missing;
  auto found = object.find(key);
  return found == object.end() ? missing : *found;
}

std::optional<int64_t> integer(const json& object, const char* key) {
  const json& value = member(object, key);
  if (value.is_number_integer() || value.is_number_unsigned()) return value.get<int64_t>();
  return std::nullopt;
}

std::optional<double> real(const json& object, const char* key) {
  const json& value = member(object, key);
  if (value.is_number()) return value.get<double>();
  return std::nullopt;
}

std::optional<bool> boolean(const json& object, const char* key) {
  const json& value = member(object, key);
  if (value.is_boolean()) return value.get<bool>();
  return std::nullopt;
}

std::string text(const json& object, const char* key) {
  const json& value = member(object, key);
  return value.is_string() ? value.get<std::string>() : "";
}

std::vector<std::string> strings(const json& object, const char* key) {
  std::vector<std::string> result;
  const json& value = member(object, key);
  if (value.is_array())
    for (const auto& item : value)
      if (item.is_string()) result.push_back(item.get<std::string>());
  return result;
}

CheckResult passed(const char* name, std::string measured, std::string expected,
                   const std::string& detail = "") {
  return {name, true, detail.empty() ? "Success" : "Success (" + detail + ")", std::move(measured),
          std::move(expected)};
}

// "Failed: <reason>, expected <expected>; <policy note>"
CheckResult failed(const char* name, const std::string& reason, std::string measured, std::string expected,
                   const Provenance& provenance, const std::string& detail = "") {
  std::string status = "Failed: " + reason;
  if (!provenance.policy_note.empty()) status += "; " + provenance.policy_note;
  if (!detail.empty()) status += "; " + detail;
  return {name, false, std::move(status), std::move(measured), std::move(expected)};
}

CheckResult skipped(const char* name, const Provenance& provenance, std::string measured,
                    std::string expected, const std::string& detail = "") {
  std::string status = "Skipped (" + provenance.not_required + (detail.empty() ? "" : "; " + detail) + ")";
  return {name, true, std::move(status), std::move(measured), std::move(expected)};
}

std::string with_source(const std::string& expected, const Provenance& provenance) {
  return expected + " (" + provenance.source + ")";
}

std::string size_or_unlimited(const std::optional<int64_t>& bytes) {
  return bytes ? format_size(*bytes) : "unlimited";
}

std::string count_or_unlimited(const std::optional<int64_t>& count) {
  return count ? std::to_string(*count) : "unlimited";
}

// ---- Non-root User
// --------------------------------------------------------------------------------------------

CheckResult check_user(const json& report, const UserExpectation& expected) {
  const json& identity = member(report, "identity");
  auto uid = integer(identity, "uid");
  auto gid = integer(identity, "gid");
  std::string expected_text = expected.exempt
                                  ? "root allowed (" + expected.provenance.source + ")"
                                  : with_source("a non-root user " + expected.display, expected.provenance);
  if (!uid || !gid)
    return failed(kNonRootUser, "the probe did not report its uid/gid", "unknown", expected_text,
                  expected.provenance);
  std::string measured = "uid " + std::to_string(*uid) + " gid " + std::to_string(*gid);
  if (expected.exempt)
    return passed(kNonRootUser, measured, expected_text,
                  "exempt: the image matches docker.run.internal.asuser.ignore; running as " + measured);
  std::string wanted = expected.uid ? "uid " + std::to_string(*expected.uid) +
                                          (expected.gid ? " gid " + std::to_string(*expected.gid) : "")
                                    : "a non-root user (" + expected.display + ")";
  if (*uid == 0 || *gid == 0)
    return failed(kNonRootUser, "running as " + measured + " (root), expected " + wanted, measured,
                  expected_text, expected.provenance);
  if ((expected.uid && *uid != *expected.uid) || (expected.gid && *gid != *expected.gid))
    return failed(kNonRootUser, "running as " + measured + ", expected " + wanted + " (the configured user)",
                  measured, expected_text, expected.provenance);
  const json& groups = member(identity, "groups");
  if (groups.is_array() && std::find(groups.begin(), groups.end(), json(0)) != groups.end())
    return failed(kNonRootUser,
                  "running as " + measured + " but a member of the root group 0, expected " + wanted,
                  measured, expected_text, expected.provenance);
  return passed(kNonRootUser, measured, expected_text);
}

// ---- Memory
// ---------------------------------------------------------------------------------------------------

// The same wording `hardend swap-check` uses: whether the container may use swap beyond its memory limit.
std::string describe_swap(const json& memory, bool daemon_swap_limit) {
  const json& swap = member(memory, "swap");
  auto limited = boolean(swap, "limited");
  auto beyond = integer(swap, "swap_beyond_memory_bytes");
  std::string text_out;
  if (limited.value_or(false) && beyond && *beyond == 0) {
    text_out = "swap limited: no swap beyond the memory limit";
  } else if (limited.value_or(false) && beyond) {
    text_out = "swap limited to " + format_size(*beyond) + " beyond the memory limit";
  } else if (limited.value_or(false)) {
    text_out = "swap limited";
  } else if (!daemon_swap_limit) {
    text_out = "swap NOT limited: the daemon has no swap-limit support (see hardend swap-check)";
  } else {
    text_out = "swap NOT limited: the container's cgroup has no memory+swap limit";
  }
  if (auto host_swap = integer(swap, "host_swap_total_bytes");
      host_swap && *host_swap == 0 && !swap.is_null())
    text_out += " (the host has no swap)";
  return text_out;
}

std::optional<int64_t> effective_memory_limit(const json& memory) {
  std::optional<int64_t> limit = integer(memory, "limit_bytes");
  if (auto hierarchical = integer(memory, "hierarchical_limit_bytes"))
    limit = limit ? std::min(*limit, *hierarchical) : *hierarchical;
  return limit;
}

CheckResult check_memory_allocation(const json& memory, const MemoryExpectation& expected,
                                    const std::string& expected_text, const std::string& swap) {
  const json& allocation = member(memory, "allocate");
  std::string limit = size_or_unlimited(effective_memory_limit(memory));
  if (!allocation.is_object())
    return failed(kMemory, "the probe did not report the allocation test", "unknown", expected_text,
                  expected.provenance, swap);
  std::string outcome = text(allocation, "outcome");
  auto requested = integer(allocation, "requested_bytes").value_or(0);
  auto reached = integer(allocation, "reached_bytes");
  std::string measured = "allocation of " + format_size(requested) + ": " + outcome +
                         (reached ? " at " + format_size(*reached) : "") + "; cgroup limit " + limit;
  if (boolean(allocation, "limit_held").value_or(false)) {
    std::string how = outcome == "killed"
                          ? "killed by signal " + std::to_string(integer(allocation, "signal").value_or(0))
                          : "refused";
    return passed(kMemory, measured, expected_text,
                  "allocating " + format_size(requested) + " was stopped at " + size_or_unlimited(reached) +
                      " (" + how + "); limit " + limit + "; " + swap);
  }
  std::string reason = outcome == "completed"
                           ? "a child allocated and touched " + format_size(requested) +
                                 " and was not stopped (cgroup limit " + limit +
                                 "), expected it to be stopped at most at " + format_size(expected.bytes)
                           : "the allocation test ended with '" + outcome + "' after " +
                                 size_or_unlimited(reached) + " instead of being stopped at most at " +
                                 format_size(expected.bytes);
  return failed(kMemory, reason, measured, expected_text, expected.provenance, swap);
}

CheckResult check_memory(const json& report, const MemoryExpectation& expected) {
  const json& memory = member(report, "memory");
  std::string expected_text = with_source("at most " + format_size(expected.bytes), expected.provenance);
  std::string swap = describe_swap(memory, expected.daemon_swap_limit);
  auto limit = effective_memory_limit(memory);
  if (!expected.provenance.not_required.empty())
    return skipped(kMemory, expected.provenance, size_or_unlimited(limit), "not required", swap);
  if (!boolean(memory, "found").value_or(false))
    return failed(
        kMemory,
        "the probe found no memory cgroup, expected a limit of at most " + format_size(expected.bytes),
        "unknown", expected_text, expected.provenance);
  if (expected.mode == MemoryCheckMode::Allocate)
    return check_memory_allocation(memory, expected, expected_text, swap);
  std::string measured = size_or_unlimited(limit);
  if (!limit)
    return failed(kMemory, "memory limit is unlimited, expected at most " + format_size(expected.bytes),
                  measured, expected_text, expected.provenance, swap);
  if (*limit > expected.bytes)
    return failed(kMemory,
                  "memory limit is " + measured + ", expected at most " + format_size(expected.bytes),
                  measured, expected_text, expected.provenance, swap);
  return passed(kMemory, measured, expected_text, "limit " + measured + "; " + swap);
}

// ---- File Descriptors
// -----------------------------------------------------------------------------------------

CheckResult check_fds(const json& report, const FdsExpectation& expected) {
  const json& fds = member(report, "fds");
  std::string expected_text = with_source(
      "soft at most " + std::to_string(expected.soft) + ", hard at most " + std::to_string(expected.hard),
      expected.provenance);
  if (!fds.is_object())
    return failed(kFileDescriptors, "the probe did not report RLIMIT_NOFILE", "unknown", expected_text,
                  expected.provenance);
  auto soft = integer(fds, "soft");
  auto hard = integer(fds, "hard");
  std::string measured = "soft " + count_or_unlimited(soft) + ", hard " + count_or_unlimited(hard);
  std::vector<std::string> problems;
  if (!soft || *soft > expected.soft)
    problems.push_back("soft limit " + count_or_unlimited(soft) + " > expected " +
                       std::to_string(expected.soft));
  if (!hard || *hard > expected.hard)
    problems.push_back("hard limit " + count_or_unlimited(hard) + " > expected " +
                       std::to_string(expected.hard));
  if (boolean(member(fds, "raise_soft_above_hard"), "refused") != true)
    problems.push_back("raising the soft limit above the hard one was not refused");
  if (boolean(member(fds, "raise_hard"), "refused") == false)
    problems.push_back("raising the hard limit succeeded (the container holds CAP_SYS_RESOURCE)");
  if (!problems.empty())
    return failed(kFileDescriptors, "nofile " + join(problems, ", "), measured, expected_text,
                  expected.provenance);
  return passed(kFileDescriptors, measured, expected_text);
}

// ---- CPUs
// -----------------------------------------------------------------------------------------------------

std::string format_number(double value) {
  std::ostringstream out;
  out << std::round(value * 100) / 100;
  return out.str();
}

CheckResult check_cpus(const json& report, const CpusExpectation& expected) {
  const json& cpus = member(report, "cpus");
  std::string expected_text = with_source("at most " + format_cpus(expected.cpus), expected.provenance);
  auto limit = real(cpus, "limit_cpus");
  std::string measured = limit ? format_cpus(*limit) : "unlimited";
  if (auto quota = integer(cpus, "quota_us"); limit && quota)
    measured += " (quota " + std::to_string(*quota) + " us per " +
                std::to_string(integer(cpus, "period_us").value_or(0)) + " us)";
  if (!expected.provenance.not_required.empty())
    return skipped(kCpus, expected.provenance, measured, "not required");
  if (!boolean(cpus, "found").value_or(false))
    return failed(kCpus, "the probe found no cpu cgroup, expected at most " + format_cpus(expected.cpus),
                  "unknown", expected_text, expected.provenance);
  if (!limit)
    return failed(kCpus,
                  "CPU limit is unlimited (no CFS quota), expected at most " + format_cpus(expected.cpus),
                  measured, expected_text, expected.provenance);
  if (*limit > expected.cpus + 1e-6)
    return failed(kCpus,
                  "CPU limit is " + format_cpus(*limit) + ", expected at most " + format_cpus(expected.cpus),
                  measured, expected_text, expected.provenance);
  if (!expected.measure_ms) return passed(kCpus, measured, expected_text);

  const json& measure = member(cpus, "measure");
  auto measured_cpus = real(measure, "measured_cpus");
  if (!measured_cpus)
    return failed(kCpus, "the timed CPU workload reported no result", measured, expected_text,
                  expected.provenance);
  std::string workload = "measured " + format_number(*measured_cpus) + " CPUs with " +
                         std::to_string(integer(measure, "workers").value_or(0)) + " busy workers over " +
                         std::to_string(*expected.measure_ms) + " ms";
  measured += "; " + workload;
  if (*measured_cpus > expected.cpus * kCpuMeasureTolerance + kCpuMeasureSlack)
    return failed(kCpus, workload + ", expected at most " + format_cpus(expected.cpus), measured,
                  expected_text, expected.provenance);
  return passed(kCpus, measured, expected_text, workload);
}

// ---- PIDs
// -----------------------------------------------------------------------------------------------------

CheckResult check_pids(const json& report, const PidsExpectation& expected) {
  const json& pids = member(report, "pids");
  std::string expected_text = with_source("at most " + std::to_string(expected.max), expected.provenance);
  auto max = integer(pids, "max");
  std::string measured = "pids.max " + count_or_unlimited(max);
  if (!expected.provenance.not_required.empty())
    return skipped(kPids, expected.provenance, measured, "not required");
  if (!boolean(pids, "found").value_or(false))
    return failed(kPids, "the probe found no pids cgroup, expected at most " + std::to_string(expected.max),
                  "unknown", expected_text, expected.provenance);
  const json& spawn = member(pids, "spawn");
  auto created = integer(spawn, "created");
  auto fork_failed = boolean(spawn, "fork_failed");
  auto leftovers = integer(spawn, "leftovers");
  if (created)
    measured += "; " + std::to_string(*created) + " children spawned" +
                (fork_failed.value_or(false) ? " before fork failed (" + text(spawn, "errno") + ")"
                                             : " without a refusal");

  std::vector<std::string> problems;
  if (!max)
    problems.push_back("pids.max is unlimited");
  else if (*max > expected.max)
    problems.push_back("pids.max is " + std::to_string(*max));
  if (!spawn.is_object() || !created) {
    problems.push_back("the probe did not report the spawn test");
  } else if (!fork_failed.value_or(false)) {
    problems.push_back("spawned " + std::to_string(*created) + " processes (+ the probe) without a refusal");
  } else if (*created + 1 > expected.max) {
    problems.push_back("spawned " + std::to_string(*created) + " processes (+ the probe) before fork failed");
  }
  if (leftovers.value_or(0) > 0)
    problems.push_back(std::to_string(*leftovers) + " spawned processes were left behind");
  if (!problems.empty())
    return failed(kPids, join(problems, "; ") + ", expected at most " + std::to_string(expected.max),
                  measured, expected_text, expected.provenance);
  return passed(kPids, measured, expected_text);
}

// ---- Capabilities, No New Privileges, Seccomp, Read-only Root
// -------------------------------------------------

std::string strip_cap_prefix(const std::string& name) {
  return name.starts_with("CAP_") ? name.substr(4) : name;
}

std::vector<std::string> not_allowed(const std::vector<std::string>& held,
                                     const std::vector<std::string>& allowed) {
  std::vector<std::string> extra;
  for (const auto& name : held)
    if (std::find(allowed.begin(), allowed.end(), strip_cap_prefix(name)) == allowed.end())
      extra.push_back(name);
  return extra;
}

std::string describe_set(const std::vector<std::string>& names) {
  return names.empty() ? "none" : join(names, ",");
}

CheckResult check_capabilities(const json& report, const CapabilitiesExpectation& expected) {
  const json& security = member(report, "security");
  std::string allowed = expected.allowed.empty() ? "none" : join(expected.allowed, ",");
  std::string expected_text = with_source("CapEff and CapBnd within {" + allowed + "}", expected.provenance);
  if (!member(security, "cap_eff_names").is_array() || !member(security, "cap_bnd_names").is_array())
    return failed(kCapabilities, "the probe did not report the capability sets", "unknown", expected_text,
                  expected.provenance);
  auto effective = strings(security, "cap_eff_names");
  auto bounding = strings(security, "cap_bnd_names");
  std::string measured = "CapEff " + describe_set(effective) + "; CapBnd " + describe_set(bounding);
  auto extra_effective = not_allowed(effective, expected.allowed);
  auto extra_bounding = not_allowed(bounding, expected.allowed);
  std::vector<std::string> problems;
  if (!extra_effective.empty())
    problems.push_back("effective set holds " + std::to_string(extra_effective.size()) + " (" +
                       join(extra_effective, ", ") + ")");
  if (!extra_bounding.empty())
    problems.push_back("bounding set holds " + std::to_string(extra_bounding.size()) + " (" +
                       join(extra_bounding, ", ") + ")");
  if (!problems.empty())
    return failed(kCapabilities,
                  join(problems, "; ") + ", expected " + (expected.allowed.empty() ? "none" : allowed),
                  measured, expected_text, expected.provenance);
  return passed(kCapabilities, measured, expected_text);
}

CheckResult check_no_new_privileges(const json& report, const FlagExpectation& expected) {
  auto value = integer(member(report, "security"), "no_new_privs");
  std::string expected_text = with_source("NoNewPrivs 1", expected.provenance);
  std::string measured = value ? "NoNewPrivs " + std::to_string(*value) : "unknown";
  if (value != 1)
    return failed(
        kNoNewPrivileges,
        (value ? "NoNewPrivs is " + std::to_string(*value) : "NoNewPrivs is unknown") + ", expected 1",
        measured, expected_text, expected.provenance);
  return passed(kNoNewPrivileges, measured, expected_text);
}

CheckResult check_seccomp(const json& report, const FlagExpectation& expected) {
  const json& security = member(report, "security");
  auto mode = integer(security, "seccomp");
  std::string expected_text = with_source("mode 2 (filter)", expected.provenance);
  static constexpr const char* kModeNames[] = {"disabled", "strict", "filter"};
  std::string measured =
      mode ? "mode " + std::to_string(*mode) +
                 (*mode >= 0 && *mode <= 2 ? std::string(" (") + kModeNames[*mode] + ")" : "")
           : "unknown";
  if (mode != 2)
    return failed(kSeccomp, "seccomp " + measured + ", expected mode 2 (filter)", measured, expected_text,
                  expected.provenance);
  if (auto filters = integer(security, "seccomp_filters"))
    measured += ", " + std::to_string(*filters) + " filter(s)";
  return passed(kSeccomp, measured, expected_text);
}

CheckResult check_read_only_root(const json& report, const FlagExpectation& expected) {
  const json& filesystem = member(report, "filesystem");
  std::string expected_text = with_source("read-only", expected.provenance);
  auto read_only = boolean(filesystem, "root_read_only");
  const json& root_write = member(filesystem, "root_write");
  auto writable = boolean(root_write, "writable");
  std::string measured = !read_only   ? "unknown mount flags"
                         : *read_only ? "mounted read-only"
                                      : "mounted read-write";
  if (writable)
    measured += *writable ? "; writing / succeeded" : "; writing / failed with " + text(root_write, "errno");
  if (read_only == false)
    return failed(kReadOnlyRoot, "the root filesystem is mounted read-write, expected read-only", measured,
                  expected_text, expected.provenance);
  if (writable == true)
    return failed(kReadOnlyRoot, "the container could write to /, expected a read-only root", measured,
                  expected_text, expected.provenance);
  if (!read_only && text(root_write, "errno") != "EROFS")
    return failed(kReadOnlyRoot, "the probe could not tell whether / is read-only (" + measured + ")",
                  measured, expected_text, expected.provenance);
  return passed(kReadOnlyRoot, measured, expected_text);
}

}  // namespace

Result<std::vector<CheckResult>> evaluate_probe_output(std::string_view probe_output,
                                                       const Expectations& expectations) {
  json report = json::parse(probe_output, nullptr, /*allow_exceptions=*/false);
  if (report.is_discarded()) {
    std::string excerpt(trim(probe_output.substr(0, 200)));
    return make_error("the probe's output is not JSON" +
                      (excerpt.empty() ? std::string(" (it printed nothing)") : ": '" + excerpt + "'"));
  }
  if (!report.is_object() || text(report, "probe") != "hardend-probe")
    return make_error("the output is not a hardend-probe report (no \"probe\": \"hardend-probe\")");
  return std::vector<CheckResult>{
      check_user(report, expectations.user),
      check_memory(report, expectations.memory),
      check_fds(report, expectations.fds),
      check_cpus(report, expectations.cpus),
      check_pids(report, expectations.pids),
      check_capabilities(report, expectations.capabilities),
      check_no_new_privileges(report, expectations.no_new_privileges),
      check_seccomp(report, expectations.seccomp),
      check_read_only_root(report, expectations.read_only_root),
  };
}

}  // namespace hardend::check
