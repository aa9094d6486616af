// Test helper: every scalar/list setting of Config by its key name, rendered as text, with its
// source/location. Written independently of parse.cpp so that the tests compare the parser against a second
// mapping.
#pragma once

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "common/strings.h"
#include "config/config.h"

namespace hardend::config::testing {

struct FieldView {
  std::string text;
  std::string source;
  Location location;
};

inline std::string render(bool v) {
  return v ? "true" : "false";
}
inline std::string render(int64_t v) {
  return std::to_string(v);
}
inline std::string render(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", v);
  return buffer;
}
inline std::string render(const std::string& v) {
  return v;
}
inline std::string render(const std::vector<std::string>& v) {
  return join(v, "|");
}
inline std::string render(const std::optional<std::string>& v) {
  return v ? *v : "(none)";
}

template <class T>
FieldView view(const Setting<T>& s) {
  return FieldView{render(s.value), s.source, s.location};
}

// Every key with a Setting in Config (the per-image family and network.networks are checked separately).
inline std::map<std::string, FieldView> fields(const Config& c) {
  return {
      {"docker.run.internal.asuser", view(c.run_as_user)},
      {"docker.run.internal.asuser.user", view(c.user)},
      {"docker.run.internal.asuser.ignore", view(c.asuser_ignore)},
      {"limit.docker.memory", view(c.limit_memory)},
      {"docker.memory.limit", view(c.memory_limit)},
      {"limit.docker.cpu", view(c.limit_cpu)},
      {"docker.cpu.limit", view(c.cpu_limit)},
      {"python.pass.extra.keys", view(c.extra_keys)},
      {"docker.run.capabilities.drop.all", view(c.drop_all_capabilities)},
      {"docker.run.capabilities.keep", view(c.keep_capabilities)},
      {"docker.run.no.new.privileges", view(c.no_new_privileges)},
      {"docker.run.read.only", view(c.read_only_root)},
      {"docker.run.tmpfs", view(c.tmpfs)},
      {"docker.run.allow.unsafe", view(c.allow_unsafe)},
      {"container.runtime", view(c.runtime)},
      {"podman.limits.enforce", view(c.podman_limits_enforce)},
      {"python.default.image", view(c.python_default_image)},
      {"run.output.limit", view(c.output_limit)},
      {"network.block.host", view(c.net_block_host)},
      {"network.container.ranges", view(c.container_ranges)},
      {"network.default.block", view(c.default_block)},
      {"server.listen", view(c.server_listen)},
      {"server.socket.group", view(c.server_socket_group)},
      {"server.token.file", view(c.server_token_file)},
      {"server.max.body", view(c.server_max_body)},
      {"server.drain.seconds", view(c.server_drain_seconds)},
      {"server.workers", view(c.server_workers)},
      {"server.log.format", view(c.server_log_format)},
      {"server.network.reconcile", view(c.server_network_reconcile)},
      {"server.network.reconcile.seconds", view(c.server_network_reconcile_seconds)},
      {"containers.low.water.mark", view(c.pool_low_water)},
      {"containers.high.water.mark", view(c.pool_high_water)},
      {"containers.isolation", view(c.isolation)},
      {"containers.max.runs", view(c.pool_max_runs)},
      {"containers.idle.seconds", view(c.pool_idle_seconds)},
      {"containers.queue.limit", view(c.pool_queue_limit)},
  };
}

}  // namespace hardend::config::testing
