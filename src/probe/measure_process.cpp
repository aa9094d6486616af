// Measurements of the probe process itself: identity, file-descriptor limits, capabilities/seccomp,
// filesystem.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>

#include "probe/probe_context.h"
#include "probe/proc_status.h"
#include "probe/text.h"

namespace hardend::probe {
namespace {

std::optional<int64_t> rlimit_value(rlim_t value) {
  if (value == RLIM_INFINITY) return std::nullopt;
  return static_cast<int64_t>(value);
}

void report_attempt(JsonWriter& json, std::string_view name, int result, int error_number) {
  json.key(name).begin_object();
  json.key("refused").boolean(result != 0);
  if (result != 0)
    json.field("errno", errno_name(error_number));
  else
    json.key("errno").null();
  json.end_object();
}

// Creates and removes a file in `directory`: the honest answer to "can this user write here", whatever the
// mount flags, permissions or security modules say.
void report_write_attempt(JsonWriter& json, std::string_view name, const std::string& directory) {
  std::string path =
      directory + (directory == "/" ? "" : "/") + ".hardend-probe-write-test-" + std::to_string(::getpid());
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  int error_number = errno;
  json.key(name).begin_object();
  json.field("path", directory);
  json.key("writable").boolean(fd >= 0);
  if (fd >= 0) {
    ::close(fd);
    ::unlink(path.c_str());
    json.key("errno").null();
  } else {
    json.field("errno", errno_name(error_number));
  }
  json.end_object();
}

void report_mask(JsonWriter& json, std::string_view name, const std::optional<uint64_t>& mask) {
  if (!mask) {
    json.key(name).null();
    json.key(std::string(name) + "_names").null();
    return;
  }
  json.field(name, format_capability_mask(*mask));
  json.key(std::string(name) + "_names").string_array(capability_names(*mask));
}

}  // namespace

void report_identity(ProbeContext& context, JsonWriter& json) {
  uid_t real_uid = 0, effective_uid = 0, saved_uid = 0;
  gid_t real_gid = 0, effective_gid = 0, saved_gid = 0;
  if (::getresuid(&real_uid, &effective_uid, &saved_uid) != 0) context.problem("getresuid failed");
  if (::getresgid(&real_gid, &effective_gid, &saved_gid) != 0) context.problem("getresgid failed");
  json.key("identity").begin_object();
  json.key("uid").number(real_uid).key("gid").number(real_gid);
  json.key("euid").number(effective_uid).key("egid").number(effective_gid);
  json.key("suid").number(saved_uid).key("sgid").number(saved_gid);
  json.key("groups").begin_array();
  int count = ::getgroups(0, nullptr);
  if (count > 0) {
    std::vector<gid_t> groups(static_cast<size_t>(count));
    count = ::getgroups(count, groups.data());
    for (int i = 0; i < count; ++i) json.number(groups[static_cast<size_t>(i)]);
  }
  json.end_array();
  json.end_object();
}

void report_fds(ProbeContext& context, JsonWriter& json) {
  rlimit original{};
  json.key("fds").begin_object();
  if (::getrlimit(RLIMIT_NOFILE, &original) != 0) {
    context.problem("getrlimit(RLIMIT_NOFILE): " + errno_name(errno));
    json.end_object();
    return;
  }
  json.key("soft").number_or_null(rlimit_value(original.rlim_cur));
  json.key("hard").number_or_null(rlimit_value(original.rlim_max));
  if (original.rlim_max == RLIM_INFINITY) {
    json.key("raise_soft_above_hard").null().key("raise_hard").null();
  } else {
    // The kernel must refuse soft > hard (EINVAL) ...
    rlimit soft_above_hard{original.rlim_max + 1, original.rlim_max};
    int result = ::setrlimit(RLIMIT_NOFILE, &soft_above_hard);
    report_attempt(json, "raise_soft_above_hard", result, errno);
    // ... and raising the hard limit needs CAP_SYS_RESOURCE (EPERM without it). Measured last: on success it
    // changes this process's own limit, which has already been reported.
    rlimit hard_raised{original.rlim_cur, original.rlim_max + 1};
    result = ::setrlimit(RLIMIT_NOFILE, &hard_raised);
    report_attempt(json, "raise_hard", result, errno);
    if (result == 0) ::setrlimit(RLIMIT_NOFILE, &original);
  }
  json.end_object();
}

void report_security(ProbeContext& context, JsonWriter& json) {
  json.key("security").begin_object();
  auto content = context.files.read("/proc/self/status");
  if (!content) {
    context.problem("/proc/self/status: " + errno_name(context.files.errno_of_last_failure()));
    json.end_object();
    return;
  }
  auto status = parse_proc_status(*content);
  if (!status) {
    context.problem(status.error().message);
    json.end_object();
    return;
  }
  report_mask(json, "cap_eff", status->cap_eff);
  report_mask(json, "cap_prm", status->cap_prm);
  report_mask(json, "cap_bnd", status->cap_bnd);
  report_mask(json, "cap_amb", status->cap_amb);
  auto small = [](const std::optional<int>& value) {
    return value ? std::optional<int64_t>(*value) : std::optional<int64_t>();
  };
  json.key("no_new_privs").number_or_null(small(status->no_new_privs));
  json.key("seccomp").number_or_null(small(status->seccomp));
  json.key("seccomp_filters").number_or_null(small(status->seccomp_filters));
  json.end_object();
}

void report_filesystem(ProbeContext& context, JsonWriter& json) {
  json.key("filesystem").begin_object();
  struct statvfs root {};
  if (::statvfs("/", &root) == 0) {
    json.key("root_read_only").boolean((root.f_flag & ST_RDONLY) != 0);
  } else {
    context.problem("statvfs(/): " + errno_name(errno));
    json.key("root_read_only").null();
  }
  struct statvfs tmp {};
  if (::statvfs("/tmp", &tmp) == 0)
    json.key("tmp_read_only").boolean((tmp.f_flag & ST_RDONLY) != 0);
  else
    json.key("tmp_read_only").null();
  report_write_attempt(json, "root_write", "/");
  report_write_attempt(json, "etc_write", "/etc");
  report_write_attempt(json, "tmp_write", "/tmp");
  json.end_object();
}

}  // namespace hardend::probe
