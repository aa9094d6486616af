#include "policy/spec.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "common/units.h"

namespace hardend::policy {
namespace {

using nlohmann::json;

template <class T>
json field_json(const Field<T>& field, json value) {
  return json{{"value", std::move(value)}, {"source", field.source}};
}

template <class T>
json optional_json(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

// Sizes also carry the docker-style text ("1g") so that a reader need not divide by 2^30.
json size_field_json(const Field<std::optional<int64_t>>& field) {
  json out = field_json(field, optional_json(field.value));
  if (field.value) out["text"] = *field.value < 0 ? "unlimited" : format_size(*field.value);
  return out;
}

json ulimits_json(const std::vector<Ulimit>& ulimits) {
  json out = json::array();
  for (const Ulimit& u : ulimits) out.push_back({{"name", u.name}, {"soft", u.soft}, {"hard", u.hard}});
  return out;
}

json tmpfs_json(const std::vector<TmpfsMount>& mounts) {
  json out = json::array();
  for (const TmpfsMount& m : mounts) out.push_back({{"path", m.path}, {"options", m.options}});
  return out;
}

// 1500000000 -> "1.5", 1000000000 -> "1": the shortest decimal that docker run --cpus reads back exactly.
std::string format_cpus(int64_t nano_cpus) {
  std::string text = std::to_string(nano_cpus / 1000000000);
  int64_t fraction = nano_cpus % 1000000000;
  if (fraction == 0) return text;
  char digits[16];
  std::snprintf(digits, sizeof digits, "%09lld", static_cast<long long>(fraction));
  std::string decimals(digits);
  while (decimals.back() == '0') decimals.pop_back();
  return text + "." + decimals;
}

std::string tmpfs_arg(const TmpfsMount& mount) {
  return mount.options.empty() ? mount.path : mount.path + ":" + mount.options;
}

}  // namespace

bool pids_explicitly_unlimited(const ContainerSpec& spec) {
  return !spec.pids_limit.value && spec.pids_limit.source.starts_with("python.pass.extra.keys");
}

nlohmann::json to_json(const ContainerSpec& spec) {
  json out;
  out["image"] = spec.image;
  out["runtime"] = spec.runtime;
  out["user"] = field_json(spec.user, optional_json(spec.user.value));
  out["memory"] = size_field_json(spec.memory);
  out["memory_swap"] = size_field_json(spec.memory_swap);
  out["nano_cpus"] = field_json(spec.nano_cpus, optional_json(spec.nano_cpus.value));
  if (spec.nano_cpus.value) out["nano_cpus"]["text"] = format_cpus(*spec.nano_cpus.value) + " CPUs";
  out["pids_limit"] = field_json(spec.pids_limit, optional_json(spec.pids_limit.value));
  out["ulimits"] = field_json(spec.ulimits, ulimits_json(spec.ulimits.value));
  out["network"] = field_json(spec.network, spec.network.value);
  out["cap_drop"] = field_json(spec.cap_drop, spec.cap_drop.value);
  out["cap_add"] = field_json(spec.cap_add, spec.cap_add.value);
  out["security_opt"] = field_json(spec.security_opt, spec.security_opt.value);
  out["read_only"] = field_json(spec.read_only, spec.read_only.value);
  out["tmpfs"] = field_json(spec.tmpfs, tmpfs_json(spec.tmpfs.value));
  out["env"] = field_json(spec.env, spec.env.value);
  out["labels"] = field_json(spec.labels, spec.labels.value);
  out["shm_size"] = size_field_json(spec.shm_size);
  out["stop_timeout"] = field_json(spec.stop_timeout, optional_json(spec.stop_timeout.value));
  out["privileged"] = field_json(spec.privileged, spec.privileged.value);
  out["host_namespaces"] = field_json(spec.host_namespaces, spec.host_namespaces.value);
  out["devices"] = field_json(spec.devices, spec.devices.value);
  out["binds"] = field_json(spec.binds, spec.binds.value);
  out["notes"] = spec.notes;
  return out;
}

std::vector<std::string> to_docker_run_args(const ContainerSpec& spec) {
  std::vector<std::string> args;
  if (spec.user.value) args.push_back("--user=" + *spec.user.value);
  if (spec.memory.value) args.push_back("--memory=" + format_size(*spec.memory.value));
  if (spec.memory_swap.value) args.push_back("--memory-swap=" + format_size(*spec.memory_swap.value));
  if (spec.nano_cpus.value) args.push_back("--cpus=" + format_cpus(*spec.nano_cpus.value));
  if (spec.pids_limit.value && *spec.pids_limit.value > 0)
    args.push_back("--pids-limit=" + std::to_string(*spec.pids_limit.value));
  if (pids_explicitly_unlimited(spec)) args.push_back("--pids-limit=-1");
  for (const Ulimit& u : spec.ulimits.value)
    args.push_back("--ulimit=" + u.name + "=" + std::to_string(u.soft) + ":" + std::to_string(u.hard));
  for (const std::string& cap : spec.cap_drop.value) args.push_back("--cap-drop=" + cap);
  for (const std::string& cap : spec.cap_add.value) args.push_back("--cap-add=" + cap);
  for (const std::string& opt : spec.security_opt.value) args.push_back("--security-opt=" + opt);
  if (spec.read_only.value) args.push_back("--read-only");
  for (const TmpfsMount& mount : spec.tmpfs.value) args.push_back("--tmpfs=" + tmpfs_arg(mount));
  args.push_back("--network=" + spec.network.value);
  for (const std::string& env : spec.env.value) args.push_back("--env=" + env);
  for (const auto& [key, value] : spec.labels.value) args.push_back("--label=" + key + "=" + value);
  if (spec.shm_size.value) args.push_back("--shm-size=" + format_size(*spec.shm_size.value));
  if (spec.stop_timeout.value) args.push_back("--stop-timeout=" + std::to_string(*spec.stop_timeout.value));
  if (spec.privileged.value) args.push_back("--privileged");
  for (const std::string& ns : spec.host_namespaces.value) args.push_back("--" + ns + "=host");
  for (const std::string& device : spec.devices.value) args.push_back("--device=" + device);
  for (const std::string& bind : spec.binds.value) args.push_back("--volume=" + bind);
  return args;
}

}  // namespace hardend::policy
