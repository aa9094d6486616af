#include "config/config.h"

namespace hardend::config {

// A missing key means "hardened" (DESIGN.md section 2): these are the values of an empty config.
Config default_config() {
  Config c;
  c.run_as_user.value = true;
  c.user.value = "4000:4000";
  c.limit_memory.value = true;
  c.memory_limit.value = int64_t{1} << 30;
  c.limit_cpu.value = true;
  c.cpu_limit.value = 1.0;
  c.drop_all_capabilities.value = true;
  c.no_new_privileges.value = true;
  c.read_only_root.value = true;
  c.tmpfs.value = {"/tmp:rw,noexec,nosuid,size=64m"};
  c.runtime.value = "docker";
  c.podman_limits_enforce.value = false;
  c.python_default_image.value = "hardend/python:3.11";
  c.output_limit.value = int64_t{10} << 20;
  c.net_block_host.value = true;
  c.container_ranges.value = {"172.16.0.0/12"};
  c.default_block.value = {"metadata"};
  c.server_listen.value = "unix:/run/hardend/hardend.sock";
  c.server_max_body.value = int64_t{4} << 20;
  c.server_drain_seconds.value = 30;
  c.server_workers.value = 16;
  c.server_log_format.value = "text";
  c.server_network_reconcile.value = false;
  c.server_network_reconcile_seconds.value = 60;
  c.pool_low_water.value = 1;
  c.pool_high_water.value = 20;
  c.isolation.value = "fresh";
  c.pool_max_runs.value = 100;
  c.pool_idle_seconds.value = 300;
  c.pool_queue_limit.value = 64;
  return c;
}

}  // namespace hardend::config
