// PIDs: pids.max as configured and (--pids-spawn N) whether forking really stops at the limit. Every spawned
// child blocks on a pipe; closing the pipe and SIGKILL end them, and all are reaped before the report is
// written.
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "probe/cgroup_values.h"
#include "probe/probe_context.h"
#include "probe/text.h"

namespace hardend::probe {
namespace {

std::optional<int64_t> read_pids_current(ProbeContext& context,
                                         const std::optional<CgroupCandidate>& location) {
  if (!location) return std::nullopt;
  auto content = context.files.read(location->directory + "/pids.current");
  if (!content) return std::nullopt;
  auto value = parse_counter(*content);
  return value ? std::optional<int64_t>(*value) : std::nullopt;
}

void report_spawn(ProbeContext& context, const std::optional<CgroupCandidate>& location, int requested,
                  JsonWriter& json) {
  json.key("spawn").begin_object();
  json.key("requested").number(requested);
  int gate[2];
  if (::pipe2(gate, O_CLOEXEC) != 0) {
    json.field("error", "pipe: " + errno_name(errno)).end_object();
    return;
  }
  int64_t start = monotonic_ms();
  std::vector<pid_t> children;
  children.reserve(static_cast<size_t>(requested));
  int fork_errno = 0;
  for (int i = 0; i < requested; ++i) {
    pid_t child = ::fork();
    if (child == 0) {
      ::close(gate[1]);
      char byte = 0;
      while (::read(gate[0], &byte, 1) < 0 && errno == EINTR) {
      }
      ::_exit(0);
    }
    if (child < 0) {
      fork_errno = errno;
      break;
    }
    children.push_back(child);
  }
  auto current_at_peak = read_pids_current(context, location);
  ::close(gate[1]);
  ::close(gate[0]);
  for (pid_t child : children) ::kill(child, SIGKILL);
  int64_t reaped = 0;
  for (pid_t child : children) {
    int status = 0;
    pid_t result = 0;
    while ((result = ::waitpid(child, &status, 0)) < 0 && errno == EINTR) {
    }
    if (result == child) ++reaped;
  }
  json.key("created").number(static_cast<int64_t>(children.size()));
  json.key("fork_failed").boolean(fork_errno != 0);
  if (fork_errno != 0)
    json.field("errno", errno_name(fork_errno));
  else
    json.key("errno").null();
  json.key("pids_current_at_peak").number_or_null(current_at_peak);
  json.key("reaped").number(reaped);
  json.key("leftovers").number(static_cast<int64_t>(children.size()) - reaped);
  json.key("elapsed_ms").number(monotonic_ms() - start);
  json.end_object();
}

}  // namespace

void report_pids(ProbeContext& context, JsonWriter& json) {
  json.key("pids").begin_object();
  auto location = context.locate("pids", "pids.max", "pids.max");
  json.key("found").boolean(location.has_value());
  if (!location) {
    context.problem("pids: no pids.max in any candidate cgroup directory");
    json.key("cgroup_version").null().key("max").null();
  } else {
    json.key("cgroup_version").number(location->version).field("directory", location->directory);
    if (auto content = context.files.read(location->directory + "/pids.max")) {
      json.field("max_raw", std::string(trim_whitespace(*content)));
      auto limit = parse_pids_max(*content);
      if (!limit) context.problem(limit.error().message);
      json.key("max").number_or_null(limit ? *limit : std::nullopt);
    } else {
      json.key("max_raw").null().key("max").null();
    }
  }
  json.key("current").number_or_null(read_pids_current(context, location));
  // RLIMIT_NPROC also stops fork with EAGAIN; reported so a failure can be told apart from the cgroup limit.
  rlimit nproc{};
  if (::getrlimit(RLIMIT_NPROC, &nproc) == 0)
    json.key("rlimit_nproc_soft")
        .number_or_null(nproc.rlim_cur == RLIM_INFINITY
                            ? std::nullopt
                            : std::optional<int64_t>(static_cast<int64_t>(nproc.rlim_cur)));
  if (context.options.pids_spawn) report_spawn(context, location, *context.options.pids_spawn, json);
  json.end_object();
}

}  // namespace hardend::probe
