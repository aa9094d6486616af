#include "server/pool_settings.h"

#include <algorithm>
#include <optional>
#include <vector>

namespace hardend::server {
namespace {

// The suffixes a per-image key may use for this image, most specific first (as the extra keys resolve).
std::vector<std::string> candidate_suffixes(const policy::ImageRef& image) {
  std::vector<std::string> names{image.name()};
  if (image.registry.empty() && image.path.starts_with("library/")) names.push_back(image.path.substr(8));
  std::vector<std::string> suffixes;
  for (const auto& name : names)
    if (!image.tag.empty()) suffixes.push_back(name + ":" + image.tag);
  for (const auto& name : names) suffixes.push_back(name);
  return suffixes;
}

template <class T>
const config::Setting<T>* most_specific(const std::map<std::string, config::Setting<T>>& per_image,
                                        const policy::ImageRef& image) {
  for (const auto& suffix : candidate_suffixes(image))
    if (auto it = per_image.find(suffix); it != per_image.end()) return &it->second;
  return nullptr;
}

template <class T>
nlohmann::json setting_json(const config::Setting<T>& setting) {
  return {{"value", setting.value}, {"source", setting.source}};
}

template <class T>
nlohmann::json per_image_json(const std::map<std::string, config::Setting<T>>& settings) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [image, setting] : settings) out[setting.source] = setting.value;
  return out;
}

}  // namespace

std::string to_string(Isolation isolation) { return isolation == Isolation::reuse ? "reuse" : "fresh"; }

PoolSettings pool_settings_for(const config::Config& config, const policy::ImageRef& image) {
  PoolSettings settings;
  const auto* isolation = most_specific(config.image_isolation, image);
  const auto& chosen_isolation = isolation ? *isolation : config.isolation;
  settings.isolation = chosen_isolation.value == "reuse" ? Isolation::reuse : Isolation::fresh;
  settings.isolation_source = chosen_isolation.source;
  const auto* low = most_specific(config.image_low_water, image);
  const auto* high = most_specific(config.image_high_water, image);
  settings.high_water = high ? high->value : config.pool_high_water.value;
  settings.low_water = std::min(low ? low->value : config.pool_low_water.value, settings.high_water);
  settings.max_runs = config.pool_max_runs.value;
  settings.idle = std::chrono::seconds(config.pool_idle_seconds.value);
  return settings;
}

std::string pool_key(const policy::ContainerSpec& spec, Isolation isolation, std::size_t output_limit) {
  nlohmann::json fields = policy::to_json(spec);
  // Provenance says where a value came from, not what the container is: two keys giving the same value share.
  for (auto& [name, field] : fields.items())
    if (field.is_object() && field.contains("source")) field.erase("source");
  nlohmann::json key{{"image", spec.image},
                     {"runtime", spec.runtime},
                     {"spec", fields},
                     {"isolation", to_string(isolation)},
                     {"output_limit", output_limit}};
  return key.dump();
}

nlohmann::json config_to_json(const config::Config& c) {
  nlohmann::json out{{"path", c.path.empty() ? "(built-in defaults)" : c.path}};
  nlohmann::json& keys = out["keys"];
  keys["docker.run.internal.asuser"] = setting_json(c.run_as_user);
  keys["docker.run.internal.asuser.user"] = setting_json(c.user);
  keys["docker.run.internal.asuser.ignore"] = setting_json(c.asuser_ignore);
  keys["limit.docker.memory"] = setting_json(c.limit_memory);
  keys["docker.memory.limit"] = setting_json(c.memory_limit);
  keys["limit.docker.cpu"] = setting_json(c.limit_cpu);
  keys["docker.cpu.limit"] = setting_json(c.cpu_limit);
  keys["python.pass.extra.keys"] = {{"value", c.extra_keys.value ? nlohmann::json(*c.extra_keys.value) : nullptr},
                                    {"source", c.extra_keys.source}};
  keys["docker.run.capabilities.drop.all"] = setting_json(c.drop_all_capabilities);
  keys["docker.run.capabilities.keep"] = setting_json(c.keep_capabilities);
  keys["docker.run.no.new.privileges"] = setting_json(c.no_new_privileges);
  keys["docker.run.read.only"] = setting_json(c.read_only_root);
  keys["docker.run.tmpfs"] = setting_json(c.tmpfs);
  keys["docker.run.allow.unsafe"] = setting_json(c.allow_unsafe);
  keys["container.runtime"] = setting_json(c.runtime);
  keys["podman.limits.enforce"] = setting_json(c.podman_limits_enforce);
  keys["python.default.image"] = setting_json(c.python_default_image);
  keys["run.output.limit"] = setting_json(c.output_limit);
  keys["network.block.host"] = setting_json(c.net_block_host);
  keys["network.container.ranges"] = setting_json(c.container_ranges);
  keys["network.default.block"] = setting_json(c.default_block);
  keys["server.listen"] = setting_json(c.server_listen);
  keys["server.socket.group"] = setting_json(c.server_socket_group);
  // The token itself is a secret and never leaves the daemon; its file's path is not.
  keys["server.token.file"] = setting_json(c.server_token_file);
  keys["server.max.body"] = setting_json(c.server_max_body);
  keys["server.drain.seconds"] = setting_json(c.server_drain_seconds);
  keys["server.workers"] = setting_json(c.server_workers);
  keys["server.log.format"] = setting_json(c.server_log_format);
  keys["server.network.reconcile"] = setting_json(c.server_network_reconcile);
  keys["server.network.reconcile.seconds"] = setting_json(c.server_network_reconcile_seconds);
  keys["containers.low.water.mark"] = setting_json(c.pool_low_water);
  keys["containers.high.water.mark"] = setting_json(c.pool_high_water);
  keys["containers.isolation"] = setting_json(c.isolation);
  keys["containers.max.runs"] = setting_json(c.pool_max_runs);
  keys["containers.idle.seconds"] = setting_json(c.pool_idle_seconds);
  keys["containers.queue.limit"] = setting_json(c.pool_queue_limit);
  nlohmann::json per_image = per_image_json(c.image_isolation);
  per_image.update(per_image_json(c.image_low_water));
  per_image.update(per_image_json(c.image_high_water));
  for (const auto& [image, setting] : c.image_extra_keys) per_image[setting.source] = setting.value;
  out["per_image"] = per_image;
  out["networks"] = nlohmann::json::array();
  for (const auto& network : c.networks)
    out["networks"].push_back({{"name", network.name},
                               {"bridge", network.bridge},
                               {"block", network.block},
                               {"block.cidrs", network.block_cidrs},
                               {"allow.cidrs", network.allow_cidrs}});
  return out;
}

}  // namespace hardend::server
