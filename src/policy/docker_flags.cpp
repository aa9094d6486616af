#include "policy/docker_flags.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "common/strings.h"
#include "common/units.h"

namespace hardend::policy {
namespace {

// Every Linux capability docker knows (without the CAP_ prefix), plus "ALL".
const std::vector<std::string>& known_capabilities() {
  // clang-format off
  static const std::vector<std::string> caps{
      "ALL", "AUDIT_CONTROL", "AUDIT_READ", "AUDIT_WRITE", "BLOCK_SUSPEND", "BPF",
      "CHECKPOINT_RESTORE", "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID",
      "IPC_LOCK", "IPC_OWNER", "KILL", "LEASE", "LINUX_IMMUTABLE", "MAC_ADMIN",
      "MAC_OVERRIDE", "MKNOD", "NET_ADMIN", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_RAW",
      "PERFMON", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_ADMIN",
      "SYS_BOOT", "SYS_CHROOT", "SYS_MODULE", "SYS_NICE", "SYS_PACCT", "SYS_PTRACE",
      "SYS_RAWIO", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "SYSLOG", "WAKE_ALARM"
  };
  // clang-format on
  return caps;
}

// The resource names `docker run --ulimit` accepts (github.com/docker/go-units ulimit.go).
const std::vector<std::string>& ulimit_names() {
  // clang-format off
  static const std::vector<std::string> names{
      "as", "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue",
      "nice", "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack"
  };
  // clang-format on
  return names;
}

// Docker's own minimum for --memory ("Minimum memory limit allowed is 6MB").
constexpr int64_t kMinimumMemory = int64_t{6} << 20;

enum class Arity { Value, Bool };

struct ParseState {
  DockerRunOptions result;
  std::vector<std::string> allowed;  // canonical "--flag" or "--flag=value" entries
};

using Handler = Status (*)(ParseState&, const std::string& value);

struct FlagSpec {
  std::string_view name;       // "--memory"
  std::string_view shorthand;  // "-m" or ""
  Arity arity;
  Handler handler;
};

std::optional<bool> parse_bool(std::string_view text) {
  std::string lower = to_lower(trim(text));
  if (lower == "true" || lower == "1") return true;
  if (lower == "false" || lower == "0") return false;
  return std::nullopt;
}

bool contains(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// An unsafe flag passes only when the allow list names the flag itself or the exact flag=value.
Status refuse_unless_allowed(ParseState& state, std::string_view flag, const std::string& canonical_value,
                             std::string_view why) {
  std::string exact = std::string(flag) + (canonical_value.empty() ? "" : "=" + canonical_value);
  if (contains(state.allowed, flag) || contains(state.allowed, exact)) {
    state.result.allowed_unsafe.push_back(exact);
    return {};
  }
  return make_error("refused: it breaks container isolation (" + std::string(why) +
                    "); to allow it anyway, list \"" + exact + "\" in docker.run.allow.unsafe");
}

Status handle_memory(ParseState& state, const std::string& value) {
  auto size = parse_size(value);
  if (!size) return size.take_error();
  if (*size < kMinimumMemory)
    return make_error("'" + value + "' is below docker's minimum memory limit of 6m");
  state.result.memory = *size;
  return {};
}

Status handle_memory_swap(ParseState& state, const std::string& value) {
  if (trim(value) == "-1") {
    state.result.memory_swap = -1;
    return {};
  }
  auto size = parse_size(value);
  if (!size) return make_error(size.error().message + ", or -1 for unlimited swap");
  if (*size == 0) return make_error("'" + value + "' is zero; use a size at least the memory limit, or -1");
  state.result.memory_swap = *size;
  return {};
}

Status handle_cpus(ParseState& state, const std::string& value) {
  auto cpus = parse_decimal(trim(value));
  if (!cpus || !std::isfinite(*cpus) || *cpus <= 0)
    return make_error("'" + value +
                      "' is not a CPU count; expected a number greater than 0 such as 1 or 1.5");
  if (*cpus > 4096) return make_error("'" + value + "' CPUs is absurd; expected at most 4096");
  state.result.cpus = *cpus;
  return {};
}

Status handle_pids_limit(ParseState& state, const std::string& value) {
  auto limit = parse_int(trim(value));
  if (!limit || *limit < -1)
    return make_error("'" + value +
                      "' is not a PIDs limit; expected a positive count, or -1/0 for unlimited");
  state.result.pids_limit = *limit <= 0 ? -1 : *limit;
  return {};
}

Result<int64_t> parse_ulimit_value(std::string_view text, const std::string& whole) {
  auto number = parse_int(trim(text));
  if (!number || *number < -1)
    return make_error("'" + std::string(text) + "' in '" + whole +
                      "' is not a limit; expected a count or -1");
  return *number;
}

// name=soft[:hard]; hard defaults to soft; -1 means unlimited.
Status handle_ulimit(ParseState& state, const std::string& value) {
  size_t eq = value.find('=');
  if (eq == std::string::npos)
    return make_error("'" + value + "' is not name=soft[:hard], e.g. nofile=1024:8192");
  std::string name = to_lower(trim(std::string_view(value).substr(0, eq)));
  if (!contains(ulimit_names(), name)) {
    std::string message = "unknown ulimit '" + name + "'";
    if (auto suggestion = closest_match(name, ulimit_names()))
      message += " (did you mean " + *suggestion + "?)";
    return make_error(message + "; known: " + join(ulimit_names(), ", "));
  }
  std::string_view limits = std::string_view(value).substr(eq + 1);
  size_t colon = limits.find(':');
  auto soft = parse_ulimit_value(limits.substr(0, colon), value);
  if (!soft) return soft.take_error();
  int64_t hard = *soft;
  if (colon != std::string_view::npos) {
    auto parsed_hard = parse_ulimit_value(limits.substr(colon + 1), value);
    if (!parsed_hard) return parsed_hard.take_error();
    hard = *parsed_hard;
  }
  bool soft_above_hard = hard != -1 && (*soft == -1 || *soft > hard);
  if (soft_above_hard) return make_error("soft limit above hard limit in '" + value + "'");
  auto& ulimits = state.result.ulimits;
  std::erase_if(ulimits, [&](const Ulimit& u) { return u.name == name; });
  ulimits.push_back(Ulimit{name, *soft, hard});
  return {};
}

// Root through --user counts as isolation-breaking: the documented way to keep an image's own (root) user is
// docker.run.internal.asuser.ignore, which is visible in `hardend policy` as such.
Status handle_user(ParseState& state, const std::string& value) {
  std::string user(trim(value));
  if (user.empty() || user.find_first_of(" \t") != std::string::npos)
    return make_error("'" + value + "' is not a user; expected name|uid[:group|gid] such as 4000:4000");
  if (is_root_user(user)) {
    HARDEND_TRY_VOID(refuse_unless_allowed(
        state, "--user", "root",
        "the script runs as root; to exempt an image, use docker.run.internal.asuser.ignore instead"));
  }
  state.result.user = user;
  return {};
}

Status handle_network(ParseState& state, const std::string& value) {
  std::string network(trim(value));
  if (network == "host")
    HARDEND_TRY_VOID(
        refuse_unless_allowed(state, "--network", "host", "the container shares the host's network"));
  else if (network.starts_with("container:"))
    HARDEND_TRY_VOID(refuse_unless_allowed(state, "--network", network,
                                           "the container joins another container's network"));
  else {
    bool valid = !network.empty() && std::isalnum(static_cast<unsigned char>(network.front()));
    for (char c : network)
      valid = valid && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-');
    if (!valid) return make_error("'" + value + "' is not a network name");
  }
  state.result.network = network;
  return {};
}

Status handle_read_only(ParseState& state, const std::string& value) {
  state.result.read_only = *parse_bool(value);  // Bool flags are checked before their handler runs.
  return {};
}

Result<std::string> checked_capability(const std::string& value) {
  std::string cap = normalize_capability(value);
  if (contains(known_capabilities(), cap)) return cap;
  std::string message = "unknown capability '" + std::string(trim(value)) + "'";
  if (auto suggestion = closest_match(cap, known_capabilities()))
    message += " (did you mean " + *suggestion + "?)";
  return make_error(message);
}

Status handle_cap_drop(ParseState& state, const std::string& value) {
  auto cap = checked_capability(value);
  if (!cap) return cap.take_error();
  if (!contains(state.result.cap_drop, *cap)) state.result.cap_drop.push_back(*cap);
  return {};
}

Status handle_cap_add(ParseState& state, const std::string& value) {
  auto cap = checked_capability(value);
  if (!cap) return cap.take_error();
  if (contains(dangerous_capabilities(), *cap))
    HARDEND_TRY_VOID(refuse_unless_allowed(state, "--cap-add", *cap,
                                           "the capability lets a process escape or reconfigure the host"));
  if (!contains(state.result.cap_add, *cap)) state.result.cap_add.push_back(*cap);
  return {};
}

// Canonical form "key=value" (docker also accepts the older "key:value"), or "no-new-privileges".
// no-new-privileges=false is refused like the unconfined options: docker.run.no.new.privileges is the
// documented switch, and an extra key must not quietly undo it.
Status handle_security_opt(ParseState& state, const std::string& value) {
  std::string text(trim(value));
  size_t sep = text.find_first_of("=:");
  std::string key = to_lower(text.substr(0, sep));
  std::string option_value = sep == std::string::npos ? "" : text.substr(sep + 1);
  std::string lower_value = to_lower(option_value);
  std::string canonical = key + "=" + option_value;
  const std::vector<std::string> keys{"no-new-privileges", "seccomp", "apparmor", "label", "systempaths"};
  if (key == "no-new-privileges") {
    auto enabled = option_value.empty() ? std::optional<bool>(true) : parse_bool(option_value);
    if (!enabled) return make_error("'" + value + "': no-new-privileges takes true or false");
    if (!*enabled) {
      HARDEND_TRY_VOID(refuse_unless_allowed(state, "--security-opt", "no-new-privileges=false",
                                             "processes could gain privileges through setuid binaries"));
      canonical = "no-new-privileges=false";
    } else {
      canonical = "no-new-privileges";
    }
  } else if (key == "seccomp" || key == "apparmor" || key == "systempaths") {
    if (lower_value == "unconfined") {
      HARDEND_TRY_VOID(refuse_unless_allowed(state, "--security-opt", key + "=unconfined",
                                             "it disables a kernel confinement"));
      canonical = key + "=unconfined";
    } else if (key == "seccomp" || key == "systempaths") {
      return make_error("'" + value + "': only " + key + "=unconfined is understood here (and refused)");
    } else if (option_value.empty()) {
      return make_error("'" + value + "': apparmor needs a profile name");
    }
  } else if (key == "label") {
    if (lower_value == "disable") {
      HARDEND_TRY_VOID(
          refuse_unless_allowed(state, "--security-opt", "label=disable", "it disables SELinux separation"));
      canonical = "label=disable";
    } else if (!(lower_value.starts_with("user:") || lower_value.starts_with("role:") ||
                 lower_value.starts_with("type:") || lower_value.starts_with("level:") ||
                 lower_value == "nested")) {
      return make_error("'" + value + "': label takes user:, role:, type:, level: or disable");
    }
  } else {
    std::string message = "unknown security option '" + key + "'";
    if (auto suggestion = closest_match(key, keys)) message += " (did you mean " + *suggestion + "?)";
    return make_error(message + "; known: " + join(keys, ", "));
  }
  if (!contains(state.result.security_opt, canonical)) state.result.security_opt.push_back(canonical);
  return {};
}

Result<TmpfsMount> parse_tmpfs(std::string_view text) {
  std::string value(trim(text));
  size_t colon = value.find(':');
  TmpfsMount mount{value.substr(0, colon), colon == std::string::npos ? "" : value.substr(colon + 1)};
  if (!mount.path.starts_with("/"))
    return make_error("'" + value + "' needs an absolute container path, e.g. /tmp");
  return mount;
}

Status handle_tmpfs(ParseState& state, const std::string& value) {
  auto mount = parse_tmpfs(value);
  if (!mount) return mount.take_error();
  std::erase_if(state.result.tmpfs, [&](const TmpfsMount& m) { return m.path == mount->path; });
  state.result.tmpfs.push_back(*mount);
  return {};
}

Status handle_env(ParseState& state, const std::string& value) {
  std::string text(trim(value));
  size_t eq = text.find('=');
  if (eq == std::string::npos)
    return make_error("'" + value +
                      "' needs NAME=value (hardend does not copy the engine's own environment)");
  if (eq == 0 || text.substr(0, eq).find_first_of(" \t") != std::string::npos)
    return make_error("'" + value + "' has no valid variable name before '='");
  state.result.env.push_back(text);
  return {};
}

Status handle_label(ParseState& state, const std::string& value) {
  std::string text(trim(value));
  size_t eq = text.find('=');
  std::string key = text.substr(0, eq);
  if (key.empty()) return make_error("'" + value + "' needs key[=value]");
  state.result.labels[key] = eq == std::string::npos ? "" : text.substr(eq + 1);
  return {};
}

Status handle_shm_size(ParseState& state, const std::string& value) {
  auto size = parse_size(value);
  if (!size) return size.take_error();
  if (*size <= 0) return make_error("'" + value + "' must be greater than 0");
  state.result.shm_size = *size;
  return {};
}

Status handle_stop_timeout(ParseState& state, const std::string& value) {
  auto seconds = parse_int(trim(value));
  if (!seconds || *seconds < 0 || *seconds > 86400)
    return make_error("'" + value + "' is not a timeout; expected seconds between 0 and 86400");
  state.result.stop_timeout = static_cast<int>(*seconds);
  return {};
}

Status handle_privileged(ParseState& state, const std::string& value) {
  bool privileged = *parse_bool(value);
  if (privileged)
    HARDEND_TRY_VOID(
        refuse_unless_allowed(state, "--privileged", "", "every capability and every host device"));
  state.result.privileged = privileged;
  return {};
}

Status handle_namespace(ParseState& state, std::string_view flag, const std::string& value) {
  std::string mode = to_lower(trim(value));
  std::string kind(flag.substr(2));
  if (mode != "host")
    return make_error("'" + value + "': hardend only understands " + std::string(flag) +
                      "=host (refused by default); without the flag the namespace is already private");
  HARDEND_TRY_VOID(
      refuse_unless_allowed(state, flag, "host", "the container shares the host's " + kind + " namespace"));
  if (!contains(state.result.host_namespaces, kind)) state.result.host_namespaces.push_back(kind);
  return {};
}
Status handle_pid(ParseState& state, const std::string& value) {
  return handle_namespace(state, "--pid", value);
}
Status handle_ipc(ParseState& state, const std::string& value) {
  return handle_namespace(state, "--ipc", value);
}
Status handle_uts(ParseState& state, const std::string& value) {
  return handle_namespace(state, "--uts", value);
}
Status handle_userns(ParseState& state, const std::string& value) {
  return handle_namespace(state, "--userns", value);
}
Status handle_cgroupns(ParseState& state, const std::string& value) {
  return handle_namespace(state, "--cgroupns", value);
}

Status handle_device(ParseState& state, const std::string& value) {
  std::string device(trim(value));
  if (!device.starts_with("/dev/"))
    return make_error("'" + value + "' is not a host device path such as /dev/fuse");
  HARDEND_TRY_VOID(refuse_unless_allowed(state, "--device", device, "it exposes a host device"));
  state.result.devices.push_back(device);
  return {};
}

Status add_bind(ParseState& state, std::string_view flag, const std::string& bind) {
  if (!bind.starts_with("/"))
    return make_error("'" + bind +
                      "': only host bind mounts (/host/path:/container/path) are understood; "
                      "named and anonymous volumes are not supported");
  HARDEND_TRY_VOID(refuse_unless_allowed(state, flag, bind, "it mounts a host path into the container"));
  state.result.binds.push_back(bind);
  return {};
}

Status handle_volume(ParseState& state, const std::string& value) {
  std::string bind(trim(value));
  if (bind.find(':') == std::string::npos && bind.starts_with("/"))
    return make_error("'" + value + "' is an anonymous volume, which is not supported");
  return add_bind(state, "--volume", bind);
}

// --mount type=bind,source=/a,target=/b[,readonly] | type=tmpfs,target=/t[,tmpfs-size=64m][,tmpfs-mode=1770]
Status handle_mount(ParseState& state, const std::string& value) {
  std::map<std::string, std::string> fields;
  for (const std::string& part : split(trim(value), ",")) {
    size_t eq = part.find('=');
    fields[to_lower(trim(std::string_view(part).substr(0, eq)))] =
        eq == std::string::npos ? "true" : std::string(trim(std::string_view(part).substr(eq + 1)));
  }
  auto get = [&](std::initializer_list<const char*> names) -> std::string {
    for (const char* name : names)
      if (auto it = fields.find(name); it != fields.end()) return it->second;
    return "";
  };
  std::string type = get({"type"});
  std::string target = get({"target", "destination", "dst"});
  if (target.empty()) return make_error("'" + value + "' has no target=");
  if (type == "tmpfs") {
    std::vector<std::string> options;
    if (auto size = get({"tmpfs-size"}); !size.empty()) options.push_back("size=" + size);
    if (auto mode = get({"tmpfs-mode"}); !mode.empty()) options.push_back("mode=" + mode);
    return handle_tmpfs(state, target + (options.empty() ? "" : ":" + join(options, ",")));
  }
  if (type != "bind")
    return make_error("'" + value + "': only type=bind (refused by default) and type=tmpfs are supported");
  std::string source = get({"source", "src"});
  std::string readonly = get({"readonly", "ro"});
  bool read_only_mount = !readonly.empty() && parse_bool(readonly).value_or(false);
  return add_bind(state, "--mount", source + ":" + target + (read_only_mount ? ":ro" : ""));
}

const std::vector<FlagSpec>& flag_specs() {
  static const std::vector<FlagSpec> specs{
      {"--memory", "-m", Arity::Value, handle_memory},
      {"--memory-swap", "", Arity::Value, handle_memory_swap},
      {"--cpus", "", Arity::Value, handle_cpus},
      {"--pids-limit", "", Arity::Value, handle_pids_limit},
      {"--ulimit", "", Arity::Value, handle_ulimit},
      {"--user", "-u", Arity::Value, handle_user},
      {"--network", "", Arity::Value, handle_network},
      {"--net", "", Arity::Value, handle_network},
      {"--read-only", "", Arity::Bool, handle_read_only},
      {"--cap-drop", "", Arity::Value, handle_cap_drop},
      {"--cap-add", "", Arity::Value, handle_cap_add},
      {"--security-opt", "", Arity::Value, handle_security_opt},
      {"--tmpfs", "", Arity::Value, handle_tmpfs},
      {"--env", "-e", Arity::Value, handle_env},
      {"--label", "-l", Arity::Value, handle_label},
      {"--shm-size", "", Arity::Value, handle_shm_size},
      {"--stop-timeout", "", Arity::Value, handle_stop_timeout},
      // Isolation-breaking: understood so that the refusal is precise, and so that an allow key can enable
      // them.
      {"--privileged", "", Arity::Bool, handle_privileged},
      {"--pid", "", Arity::Value, handle_pid},
      {"--ipc", "", Arity::Value, handle_ipc},
      {"--uts", "", Arity::Value, handle_uts},
      {"--userns", "", Arity::Value, handle_userns},
      {"--cgroupns", "", Arity::Value, handle_cgroupns},
      {"--device", "", Arity::Value, handle_device},
      {"--volume", "-v", Arity::Value, handle_volume},
      {"--mount", "", Arity::Value, handle_mount},
  };
  return specs;
}

// docker run options that exist but have no place in extra keys: hardend manages them itself, or they do not
// map onto a hardened container. Named so that the error says so instead of "unknown flag".
const std::vector<std::string>& unsupported_docker_flags() {
  // clang-format off
  static const std::vector<std::string> flags{
      "--rm", "--detach", "-d", "--name", "--publish", "-p", "--publish-all",
      "-P", "--restart", "--entrypoint", "--workdir", "-w", "--interactive", "-i",
      "--tty", "-t", "--hostname", "-h", "--dns", "--add-host", "--memory-reservation",
      "--cpu-shares", "-c", "--cpuset-cpus", "--cpu-quota", "--cpu-period", "--oom-kill-disable", "--log-driver",
      "--log-opt", "--init", "--sysctl", "--group-add", "--kernel-memory", "--platform", "--pull",
      "--gpus", "--volumes-from", "--link", "--expose", "--cgroup-parent", "--oom-score-adj", "--runtime",
      "--storage-opt", "--attach", "-a", "--env-file", "--label-file", "--memory-swappiness"
  };
  // clang-format on
  return flags;
}

const FlagSpec* find_flag(std::string_view name) {
  for (const FlagSpec& spec : flag_specs())
    if (spec.name == name || (!spec.shorthand.empty() && spec.shorthand == name)) return &spec;
  return nullptr;
}

std::vector<std::string> known_flag_names() {
  std::vector<std::string> names;
  for (const FlagSpec& spec : flag_specs()) names.emplace_back(spec.name);
  return names;
}

std::string canonical_value(std::string_view flag, std::string_view value) {
  std::string text(trim(value));
  if (flag == "--cap-add" || flag == "--cap-drop") return normalize_capability(text);
  if (flag == "--user") return is_root_user(text) ? "root" : text;
  if (flag == "--security-opt") {
    std::string lower = to_lower(text);
    if (size_t sep = lower.find(':'); sep != std::string::npos && lower.find('=') == std::string::npos)
      lower[sep] = '=';  // the older "seccomp:unconfined" spelling
    return lower;
  }
  if (flag == "--pid" || flag == "--ipc" || flag == "--uts" || flag == "--userns" || flag == "--cgroupns" ||
      flag == "--network")
    return to_lower(text);
  return text;
}

// "--net=host" -> "--network=host", "-v=/a:/b" -> "--volume=/a:/b", "--cap-add=cap_sys_admin" ->
// "--cap-add=SYS_ADMIN".
std::string canonical_allow_entry(std::string_view entry) {
  std::string text(trim(entry));
  size_t eq = text.find('=');
  std::string name = text.substr(0, eq);
  if (const FlagSpec* spec = find_flag(name))
    name = spec->name == "--net" ? "--network" : std::string(spec->name);
  if (eq == std::string::npos) return name;
  return name + "=" + canonical_value(name, std::string_view(text).substr(eq + 1));
}

// Splits one piece into the flag as written and its inline value ("--memory=2g", "--memory 2g", "-m2g", "-m
// 2g").
struct SplitPiece {
  std::string name;
  std::optional<std::string> value;
  bool value_after_space = false;
};

SplitPiece split_piece(std::string_view piece) {
  SplitPiece out;
  if (piece.starts_with("--")) {
    size_t end = piece.find_first_of("= \t");
    out.name = std::string(piece.substr(0, end));
    if (end != std::string_view::npos) {
      out.value_after_space = piece[end] != '=';
      out.value = std::string(out.value_after_space ? trim(piece.substr(end)) : piece.substr(end + 1));
    }
    return out;
  }
  out.name = std::string(piece.substr(0, 2));
  std::string_view rest = piece.substr(2);
  if (rest.empty()) return out;
  if (rest.front() == '=') {
    out.value = std::string(rest.substr(1));
  } else if (std::isspace(static_cast<unsigned char>(rest.front()))) {
    out.value_after_space = true;
    out.value = std::string(trim(rest));
  } else {
    out.value = std::string(rest);  // "-m2g"
  }
  return out;
}

// "-memory=2g": a long flag written with one dash (which would otherwise read as -m with the value
// "emory=2g").
std::optional<Error> single_dash_long_flag(std::string_view piece) {
  if (piece.starts_with("--")) return std::nullopt;
  std::string word(piece.substr(1, piece.find_first_of("= \t") - 1));
  if (word.size() > 1 && (find_flag("--" + word) || contains(unsupported_docker_flags(), "--" + word)))
    return make_error("flag -" + word + " has a single dash (did you mean --" + word + "?)");
  return std::nullopt;
}

Error unknown_flag_error(const std::string& name) {
  if (contains(unsupported_docker_flags(), name))
    return make_error("flag " + name + " is a docker run option that hardend does not take from extra keys " +
                      "(it manages it itself or it has no place in a hardened container)");
  std::string message = "unknown flag " + name;
  if (auto suggestion = closest_match(name, known_flag_names()))
    message += " (did you mean " + *suggestion + "?)";
  return make_error(message);
}

}  // namespace

std::string normalize_capability(std::string_view name) {
  std::string cap(trim(name));
  std::transform(cap.begin(), cap.end(), cap.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (cap.starts_with("CAP_")) cap = cap.substr(4);
  return cap;
}

const std::vector<std::string>& dangerous_capabilities() {
  // clang-format off
  static const std::vector<std::string> caps{
      "ALL", "SYS_ADMIN", "SYS_PTRACE", "SYS_MODULE", "SYS_RAWIO",
      "SYS_BOOT", "SYS_TIME", "NET_ADMIN", "DAC_READ_SEARCH", "MAC_ADMIN",
      "MAC_OVERRIDE", "BPF", "PERFMON", "SYSLOG", "LINUX_IMMUTABLE",
      "SYS_RESOURCE"
  };
  // clang-format on
  return caps;
}

bool is_root_user(std::string_view user) {
  std::string_view uid = trim(user).substr(0, trim(user).find(':'));
  return uid == "root" || (!uid.empty() && uid.find_first_not_of('0') == std::string_view::npos);
}

Result<DockerRunOptions> parse_docker_run_options(std::string_view joined, const FlagParseOptions& options) {
  ParseState state;
  for (const std::string& entry : options.allow_unsafe) state.allowed.push_back(canonical_allow_entry(entry));

  std::vector<std::string> pieces;
  for (const std::string& raw : split(joined, "##"))
    if (!trim(raw).empty()) pieces.emplace_back(trim(raw));

  for (size_t i = 0; i < pieces.size(); ++i) {
    const std::string& piece = pieces[i];
    if (piece.size() < 2 || piece.front() != '-') {
      return make_error(
          "unexpected value '" + piece +
          "': extra keys hold docker run options such as --memory=2g joined by ##; to target one "
          "tag, put the tag in the key (python.pass.extra.keys.<image>:<tag>)");
    }
    if (auto single_dash = single_dash_long_flag(piece)) return *single_dash;
    SplitPiece split_flag = split_piece(piece);
    const FlagSpec* spec = find_flag(split_flag.name);
    if (!spec) return unknown_flag_error(split_flag.name);

    std::string value;
    if (spec->arity == Arity::Bool) {
      if (split_flag.value_after_space)
        return make_error("flag " + split_flag.name + " takes no separate value; write " +
                          std::string(spec->name) + "=true or " + std::string(spec->name) + "=false");
      value = split_flag.value.value_or("true");
      if (!parse_bool(value))
        return make_error(std::string(spec->name) + "=" + value + ": expected true or false");
    } else if (split_flag.value) {
      value = *split_flag.value;
    } else if (i + 1 < pieces.size()) {
      value = pieces[++i];  // "--memory##2g": the value is the next piece, as in argv
    } else {
      return make_error("flag " + split_flag.name + " needs a value");
    }

    Status status = spec->handler(state, value);
    if (!status) {
      bool bare_bool = spec->arity == Arity::Bool && !split_flag.value;
      std::string shown = std::string(spec->name) + (bare_bool ? "" : "=" + value);
      std::string message = shown + ": " + status.error().message;
      if (value.find(" -") != std::string::npos) message += " (separate docker run options with ##)";
      return make_error(message);
    }
  }
  return std::move(state.result);
}

}  // namespace hardend::policy
