#include "policy/engine_body.h"

namespace hardend::policy {
namespace {

using nlohmann::json;

// HostConfig.Devices entries from docker's "/dev/host[:/dev/container[:rwm]]" form.
json device_json(const std::string& device) {
  std::string on_host = device, in_container = device, permissions = "rwm";
  size_t first = device.find(':');
  if (first != std::string::npos) {
    on_host = device.substr(0, first);
    std::string rest = device.substr(first + 1);
    size_t second = rest.find(':');
    in_container = rest.substr(0, second);
    if (second != std::string::npos) permissions = rest.substr(second + 1);
  }
  return {{"PathOnHost", on_host}, {"PathInContainer", in_container}, {"CgroupPermissions", permissions}};
}

// Docker Engine API 1.41 HostConfig: only what the spec sets, so that daemon defaults stay visible as
// defaults.
json host_config(const ContainerSpec& spec, const CreateRequest& request) {
  json host;
  if (spec.memory.value) host["Memory"] = *spec.memory.value;
  if (spec.memory_swap.value) host["MemorySwap"] = *spec.memory_swap.value;
  if (spec.nano_cpus.value) host["NanoCpus"] = *spec.nano_cpus.value;
  if (spec.pids_limit.value && *spec.pids_limit.value > 0) host["PidsLimit"] = *spec.pids_limit.value;
  if (pids_explicitly_unlimited(spec)) host["PidsLimit"] = -1;
  json ulimits = json::array();
  for (const Ulimit& u : spec.ulimits.value)
    ulimits.push_back({{"Name", u.name}, {"Soft", u.soft}, {"Hard", u.hard}});
  host["Ulimits"] = ulimits;
  host["CapDrop"] = spec.cap_drop.value;
  host["CapAdd"] = spec.cap_add.value;
  host["SecurityOpt"] = spec.security_opt.value;
  host["ReadonlyRootfs"] = spec.read_only.value;
  json tmpfs = json::object();
  for (const TmpfsMount& mount : spec.tmpfs.value) tmpfs[mount.path] = mount.options;
  host["Tmpfs"] = tmpfs;
  host["NetworkMode"] = spec.network.value;
  if (spec.shm_size.value) host["ShmSize"] = *spec.shm_size.value;
  std::vector<std::string> binds = spec.binds.value;
  binds.insert(binds.end(), request.binds.begin(), request.binds.end());
  if (!binds.empty()) host["Binds"] = binds;
  if (spec.privileged.value) host["Privileged"] = true;
  for (const std::string& ns : spec.host_namespaces.value) {
    if (ns == "pid") host["PidMode"] = "host";
    if (ns == "ipc") host["IpcMode"] = "host";
    if (ns == "uts") host["UTSMode"] = "host";
    if (ns == "userns") host["UsernsMode"] = "host";
    if (ns == "cgroupns") host["CgroupnsMode"] = "host";
  }
  if (!spec.devices.value.empty()) {
    json devices = json::array();
    for (const std::string& device : spec.devices.value) devices.push_back(device_json(device));
    host["Devices"] = devices;
  }
  return host;
}

}  // namespace

nlohmann::json render_create_body(const ContainerSpec& spec, const CreateRequest& request) {
  json body;
  body["Image"] = spec.image;
  body["Cmd"] = request.cmd;
  if (!request.entrypoint.empty()) body["Entrypoint"] = request.entrypoint;
  if (spec.user.value) body["User"] = *spec.user.value;
  body["Env"] = spec.env.value;
  // Run labels come last so that an extra key cannot forge hardend's own io.hardend.* bookkeeping.
  json labels = json::object();
  for (const auto& [key, value] : spec.labels.value) labels[key] = value;
  for (const auto& [key, value] : request.extra_labels) labels[key] = value;
  body["Labels"] = labels;
  body["AttachStdin"] = request.attach_stdin;
  body["OpenStdin"] = request.attach_stdin;
  body["StdinOnce"] = request.attach_stdin;
  body["AttachStdout"] = true;
  body["AttachStderr"] = true;
  body["Tty"] = false;
  if (!request.working_dir.empty()) body["WorkingDir"] = request.working_dir;
  if (spec.stop_timeout.value) body["StopTimeout"] = *spec.stop_timeout.value;
  body["HostConfig"] = host_config(spec, request);
  return body;
}

}  // namespace hardend::policy
