// hardend-probe: runs inside a hardened container and prints one JSON object with everything it measured.
// Exit 0 when it measured (the host decides pass/fail), 2 on usage errors. Cheap reads come first; the active
// tests (spawn, allocate, CPU burn) come last so that their side effects cannot skew the passive readings.
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "probe/probe_context.h"
#include "probe/probe_options.h"

namespace {

void write_all(int fd, const std::string& text) {
  size_t written = 0;
  while (written < text.size()) {
    ssize_t count = ::write(fd, text.data() + written, text.size() - written);
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) return;
    written += static_cast<size_t>(count);
  }
}

void report_cgroup_layout(const hardend::probe::ProbeContext& context, hardend::probe::JsonWriter& json) {
  json.key("cgroup").begin_object();
  json.key("version").number(context.cgroup_version);
  json.key("memberships").begin_array();
  for (const auto& membership : context.memberships) {
    json.begin_object();
    json.key("hierarchy_id").number(membership.hierarchy_id);
    json.key("controllers").string_array(membership.controllers);
    json.field("path", membership.path);
    json.end_object();
  }
  json.end_array();
  json.end_object();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace hardend::probe;
  std::vector<std::string> arguments(argv + (argc > 0 ? 1 : 0), argv + argc);
  auto options = parse_probe_options(arguments);
  if (!options) {
    write_all(2, "hardend-probe: " + options.error().message + "\n" + probe_usage());
    return 2;
  }
  if (options->help) {
    write_all(1, probe_usage());
    return 0;
  }
  int64_t start = monotonic_ms();
  ProbeContext context(*options);
  context.discover_cgroups();

  JsonWriter json(options->pretty);
  json.begin_object();
  json.field("probe", "hardend-probe").key("probe_version").number(1);
  report_cgroup_layout(context, json);
  report_identity(context, json);
  report_security(context, json);
  report_filesystem(context, json);
  report_fds(context, json);
  report_pids(context, json);
  report_memory(context, json);
  report_cpus(context, json);
  if (options->raw) {
    json.key("raw").begin_object();
    for (const auto& [path, content] : context.files.recorded()) json.field(path, content);
    json.end_object();
  }
  json.key("errors").string_array(context.problems);
  json.key("elapsed_ms").number(monotonic_ms() - start);
  json.end_object();
  write_all(1, json.text() + "\n");
  return 0;
}
