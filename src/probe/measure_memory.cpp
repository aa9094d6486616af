// Memory: the cgroup limit and swap limit as configured, and (--memory-allocate) whether the limit really
// holds.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "probe/cgroup_values.h"
#include "probe/probe_context.h"
#include "probe/text.h"

namespace hardend::probe {
namespace {

constexpr int64_t kChunkBytes = int64_t{16} << 20;  // progress granularity of the allocating child
constexpr int64_t kPageBytes = 4096;
constexpr int kAllocationTimeoutMs = 30000;
constexpr int kExitAllocationFailed = 3;
#ifdef MADV_POPULATE_WRITE
constexpr int kMadvisePopulateWrite = MADV_POPULATE_WRITE;
#else
constexpr int kMadvisePopulateWrite = 23;  // linux/mman.h value, for older userspace headers
#endif

struct MemoryFiles {
  CgroupCandidate location;
  std::string limit_file, swap_file, events_file, usage_file;
  std::string path(const std::string& file) const { return location.directory + "/" + file; }
};

std::optional<int64_t> read_oom_kills(ProbeContext& context, const std::optional<MemoryFiles>& files) {
  if (!files) return std::nullopt;
  auto content = context.files.read(files->path(files->events_file));
  if (!content) return std::nullopt;
  auto values = parse_flat_keyed(*content);
  auto found = values.find("oom_kill");
  if (found == values.end()) return std::nullopt;
  return found->second;
}

// Faults in every page of the chunk for writing, exactly as writing one byte per page would, and charges it
// to the cgroup. MADV_POPULATE_WRITE (Linux 5.14+) does it in one call, which is markedly faster where page
// faults are expensive (VMs); older kernels answer EINVAL and get the byte-per-page loop. False when the
// memory is refused.
bool write_every_page(void* chunk, int64_t size) {
  if (::madvise(chunk, static_cast<size_t>(size), kMadvisePopulateWrite) == 0) return true;
  if (errno != EINVAL) return false;
  auto* bytes_of_chunk = static_cast<volatile char*>(chunk);
  for (int64_t offset = 0; offset < size; offset += kPageBytes) bytes_of_chunk[offset] = 1;
  return true;
}

// Runs in the forked child: maps and writes every page, chunk by chunk, telling the parent how far it got.
[[noreturn]] void allocate_and_touch(int64_t bytes, int progress_fd) {
  // Make sure the kernel's OOM killer picks this child, not the probe (which may be the container's PID 1).
  int oom_fd = ::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (oom_fd >= 0) {
    ssize_t ignored = ::write(oom_fd, "1000", 4);
    (void)ignored;
    ::close(oom_fd);
  }
  int64_t reached = 0;
  while (reached < bytes) {
    int64_t size = bytes - reached < kChunkBytes ? bytes - reached : kChunkBytes;
    void* chunk = ::mmap(nullptr, static_cast<size_t>(size), PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (chunk == MAP_FAILED) ::_exit(kExitAllocationFailed);
    if (!write_every_page(chunk, size)) ::_exit(kExitAllocationFailed);
    reached += size;
    if (::write(progress_fd, &reached, sizeof reached) != static_cast<ssize_t>(sizeof reached)) break;
  }
  ::_exit(reached >= bytes ? 0 : 1);
}

void report_allocation(ProbeContext& context, const std::optional<MemoryFiles>& files, int64_t bytes,
                       JsonWriter& json) {
  json.key("allocate").begin_object();
  json.key("requested_bytes").number(bytes);
  auto oom_kills_before = read_oom_kills(context, files);
  int progress[2];
  if (::pipe2(progress, O_CLOEXEC) != 0) {
    json.field("outcome", "error").field("error", "pipe: " + errno_name(errno)).end_object();
    return;
  }
  int64_t start = monotonic_ms();
  pid_t child = ::fork();
  if (child == 0) {
    ::close(progress[0]);
    allocate_and_touch(bytes, progress[1]);
  }
  ::close(progress[1]);
  if (child < 0) {
    ::close(progress[0]);
    json.field("outcome", "error").field("error", "fork: " + errno_name(errno)).end_object();
    return;
  }
  int64_t reached = 0;
  bool timed_out = false;
  while (true) {
    int remaining = kAllocationTimeoutMs - static_cast<int>(monotonic_ms() - start);
    if (remaining <= 0) {
      timed_out = true;
      break;
    }
    pollfd wait_for{progress[0], POLLIN, 0};
    int ready = ::poll(&wait_for, 1, remaining);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      timed_out = ready == 0;
      break;
    }
    int64_t update = 0;
    ssize_t count = ::read(progress[0], &update, sizeof update);
    if (count < 0 && errno == EINTR) continue;
    if (count != static_cast<ssize_t>(sizeof update)) break;  // EOF: the child exited or was killed
    reached = update;
  }
  ::close(progress[0]);
  if (timed_out) ::kill(child, SIGKILL);
  int wait_status = 0;
  while (::waitpid(child, &wait_status, 0) < 0 && errno == EINTR) {
  }
  int64_t elapsed = monotonic_ms() - start;
  auto oom_kills_after = read_oom_kills(context, files);

  std::string outcome;
  if (timed_out)
    outcome = "timeout";
  else if (WIFSIGNALED(wait_status))
    outcome = "killed";
  else if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == kExitAllocationFailed)
    outcome = "allocation_failed";
  else if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0)
    outcome = "completed";
  else
    outcome = "error";
  json.field("outcome", outcome);
  json.key("limit_held").boolean(outcome == "killed" || outcome == "allocation_failed");
  json.key("signal").number_or_null(
      WIFSIGNALED(wait_status) && !timed_out ? std::optional<int64_t>(WTERMSIG(wait_status)) : std::nullopt);
  json.key("exit_code")
      .number_or_null(WIFEXITED(wait_status) ? std::optional<int64_t>(WEXITSTATUS(wait_status))
                                             : std::nullopt);
  json.key("reached_bytes").number(reached);
  std::optional<int64_t> oom_kills;
  if (oom_kills_before && oom_kills_after) oom_kills = *oom_kills_after - *oom_kills_before;
  json.key("oom_kills_during").number_or_null(oom_kills);
  json.key("elapsed_ms").number(elapsed);
  json.end_object();
}

}  // namespace

void report_memory(ProbeContext& context, JsonWriter& json) {
  json.key("memory").begin_object();
  std::optional<MemoryFiles> files;
  if (auto location = context.locate("memory", "memory.limit_in_bytes", "memory.max")) {
    if (location->version == 1)
      files = MemoryFiles{*location, "memory.limit_in_bytes", "memory.memsw.limit_in_bytes",
                          "memory.oom_control", "memory.usage_in_bytes"};
    else
      files = MemoryFiles{*location, "memory.max", "memory.swap.max", "memory.events", "memory.current"};
  }
  json.key("found").boolean(files.has_value());
  if (!files) {
    context.problem(
        "memory: no memory.limit_in_bytes (v1) or memory.max (v2) in any candidate cgroup directory");
    json.key("cgroup_version").null().key("limit_bytes").null();
  } else {
    int version = files->location.version;
    json.key("cgroup_version").number(version).field("directory", files->location.directory);
    auto limit_content = context.files.read(files->path(files->limit_file));
    OptionalLimit limit;
    if (limit_content) {
      auto parsed =
          version == 1 ? parse_cgroup_v1_memory_limit(*limit_content) : parse_v2_max(*limit_content);
      if (parsed)
        limit = *parsed;
      else
        context.problem(files->limit_file + ": " + parsed.error().message);
      json.field("limit_raw", std::string(trim_whitespace(*limit_content)));
    } else {
      json.key("limit_raw").null();
    }
    json.key("limit_bytes").number_or_null(limit);
    if (version == 1) {
      // memory.stat's hierarchical limit includes the ancestors' limits, which the container cannot otherwise
      // see.
      std::optional<int64_t> hierarchical;
      if (auto stat = context.files.read(files->path("memory.stat"))) {
        auto values = parse_flat_keyed(*stat);
        if (auto found = values.find("hierarchical_memory_limit"); found != values.end()) {
          auto parsed = parse_cgroup_v1_memory_limit(std::to_string(found->second));
          if (parsed) hierarchical = *parsed;
        }
      }
      json.key("hierarchical_limit_bytes").number_or_null(hierarchical);
    }
    std::optional<int64_t> usage;
    if (auto usage_content = context.files.read(files->path(files->usage_file)))
      if (auto parsed = parse_counter(*usage_content)) usage = *parsed;
    json.key("usage_bytes").number_or_null(usage);
    json.key("oom_kills").number_or_null(read_oom_kills(context, files));

    auto swap_content = context.files.read(files->path(files->swap_file));
    SwapLimit swap = version == 1 ? describe_swap_v1(limit, swap_content) : describe_swap_v2(swap_content);
    json.key("swap").begin_object();
    json.key("limited").boolean(swap.limited);
    json.key("swap_beyond_memory_bytes").number_or_null(swap.swap_beyond_memory_bytes);
    json.field("file", files->swap_file);
    if (swap_content)
      json.field("raw", std::string(trim_whitespace(*swap_content)));
    else
      json.key("raw").null();
    json.field("explanation", swap.explanation);
    std::optional<int64_t> host_swap;
    if (auto meminfo = context.files.read("/proc/meminfo")) host_swap = meminfo_bytes(*meminfo, "SwapTotal");
    json.key("host_swap_total_bytes").number_or_null(host_swap);
    json.end_object();
  }
  if (context.options.memory_allocate_bytes)
    report_allocation(context, files, *context.options.memory_allocate_bytes, json);
  json.end_object();
}

}  // namespace hardend::probe
