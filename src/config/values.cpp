#include "config/values.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>

#include "common/strings.h"

namespace hardend::config {
namespace {

bool is_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

// useradd's default NAME_REGEX: [a-z_][a-z0-9_-]*[$]?, at most 32 characters.
bool is_account_name(std::string_view s) {
  if (s.empty() || s.size() > 32) return false;
  if (!(std::islower(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (size_t i = 1; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    bool last_dollar = c == '$' && i + 1 == s.size();
    if (!(std::islower(c) || std::isdigit(c) || c == '_' || c == '-' || last_dollar)) return false;
  }
  return true;
}

Status validate_id_or_name(std::string_view part, const std::string& what) {
  if (part.empty())
    return make_error("empty " + what + "; expected uid[:gid] or name[:group], e.g. \"4000:4000\"");
  if (is_digits(part)) {
    auto id = parse_int(part);
    if (!id || *id > 4294967294) return make_error(what + " " + std::string(part) + " is out of range");
    return {};
  }
  if (!is_account_name(part))
    return make_error("'" + std::string(part) + "' is not a valid " + what +
                      "; expected a number or a name such as \"sandbox\"");
  return {};
}

Result<int> parse_octet(std::string_view s, std::string_view whole) {
  const std::string expected =
      "'" + std::string(whole) + "' is not an IPv4 CIDR; expected a.b.c.d/n, e.g. 10.0.0.0/8";
  if (!is_digits(s) || s.size() > 3) return make_error(expected);
  if (s.size() > 1 && s[0] == '0')
    return make_error("'" + std::string(whole) + "': octet " + std::string(s) +
                      " has a leading zero (ambiguous: some tools read it as octal)");
  int value = static_cast<int>(*parse_int(s));
  if (value > 255)
    return make_error("'" + std::string(whole) + "': octet " + std::string(s) + " is above 255");
  return value;
}

const std::vector<std::string>& linux_capabilities() {
  static const std::vector<std::string> names{"CHOWN",
                                              "DAC_OVERRIDE",
                                              "DAC_READ_SEARCH",
                                              "FOWNER",
                                              "FSETID",
                                              "KILL",
                                              "SETGID",
                                              "SETUID",
                                              "SETPCAP",
                                              "LINUX_IMMUTABLE",
                                              "NET_BIND_SERVICE",
                                              "NET_BROADCAST",
                                              "NET_ADMIN",
                                              "NET_RAW",
                                              "IPC_LOCK",
                                              "IPC_OWNER",
                                              "SYS_MODULE",
                                              "SYS_RAWIO",
                                              "SYS_CHROOT",
                                              "SYS_PTRACE",
                                              "SYS_PACCT",
                                              "SYS_ADMIN",
                                              "SYS_BOOT",
                                              "SYS_NICE",
                                              "SYS_RESOURCE",
                                              "SYS_TIME",
                                              "SYS_TTY_CONFIG",
                                              "MKNOD",
                                              "LEASE",
                                              "AUDIT_WRITE",
                                              "AUDIT_CONTROL",
                                              "SETFCAP",
                                              "MAC_OVERRIDE",
                                              "MAC_ADMIN",
                                              "SYSLOG",
                                              "WAKE_ALARM",
                                              "BLOCK_SUSPEND",
                                              "AUDIT_READ",
                                              "PERFMON",
                                              "BPF",
                                              "CHECKPOINT_RESTORE"};
  return names;
}

}  // namespace

Result<bool> parse_bool_text(std::string_view text) {
  std::string lower = to_lower(trim(text));
  if (lower == "true" || lower == "1") return true;
  if (lower == "false" || lower == "0") return false;
  return make_error("'" + std::string(text) + "' is not a boolean; expected true or false");
}

Status validate_user(std::string_view user) {
  std::string_view name = user;
  std::string_view group;
  bool has_group = false;
  if (auto colon = user.find(':'); colon != std::string_view::npos) {
    name = user.substr(0, colon);
    group = user.substr(colon + 1);
    has_group = true;
  }
  HARDEND_TRY_VOID(validate_id_or_name(name, "user"));
  if (has_group) HARDEND_TRY_VOID(validate_id_or_name(group, "group"));
  if (name == "root" || (is_digits(name) && *parse_int(name) == 0))
    return make_error("'" + std::string(user) +
                      "' is root; this key sets the non-root user (to run as root, set "
                      "docker.run.internal.asuser to false)");
  return {};
}

Result<std::string> normalize_cidr(std::string_view text) {
  std::string_view s = trim(text);
  if (s.find(':') != std::string_view::npos)
    return make_error("'" + std::string(s) + "' is IPv6; only IPv4 CIDRs (a.b.c.d/n) are supported");
  std::string_view address = s;
  int prefix = 32;
  if (auto slash = s.find('/'); slash != std::string_view::npos) {
    address = s.substr(0, slash);
    std::string_view bits = s.substr(slash + 1);
    auto value = is_digits(bits) && bits.size() <= 2 ? parse_int(bits) : std::nullopt;
    if (!value || *value > 32) return make_error("'" + std::string(s) + "': prefix length must be 0 to 32");
    prefix = static_cast<int>(*value);
  }
  auto parts = split(address, ".");
  if (parts.size() != 4)
    return make_error("'" + std::string(s) + "' is not an IPv4 CIDR; expected a.b.c.d/n, e.g. 10.0.0.0/8");
  uint32_t ip = 0;
  for (const auto& part : parts) {
    auto octet = parse_octet(part, s);
    if (!octet) return octet.take_error();
    ip = (ip << 8) | static_cast<uint32_t>(*octet);
  }
  uint32_t mask = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
  auto dotted = [](uint32_t v) {
    return std::to_string(v >> 24) + "." + std::to_string((v >> 16) & 255) + "." +
           std::to_string((v >> 8) & 255) + "." + std::to_string(v & 255);
  };
  if ((ip & ~mask) != 0)
    return make_error("'" + std::string(s) + "' has host bits set (did you mean " + dotted(ip & mask) + "/" +
                      std::to_string(prefix) + "?)");
  return dotted(ip) + "/" + std::to_string(prefix);
}

Status validate_interface_name(std::string_view name) {
  if (name.empty()) return make_error("empty interface name");
  if (name.size() > 15)
    return make_error("'" + std::string(name) + "' is " + std::to_string(name.size()) +
                      " characters; Linux interface names have at most 15");
  if (name == "." || name == "..") return make_error("'" + std::string(name) + "' is not an interface name");
  for (char c : name) {
    unsigned char u = static_cast<unsigned char>(c);
    if (!(std::isalnum(u) || c == '_' || c == '.' || c == '-'))
      return make_error("'" + std::string(name) + "' contains '" + std::string(1, c) +
                        "'; interface names use letters, digits, '_', '.' and '-'");
  }
  return {};
}

Status validate_network_name(std::string_view name) {
  if (name.empty()) return make_error("empty network name");
  if (name == "bridge" || name == "host" || name == "none")
    return make_error("'" + std::string(name) +
                      "' is one of Docker's predefined networks and cannot be declared");
  if (!std::isalnum(static_cast<unsigned char>(name[0])))
    return make_error("'" + std::string(name) + "': a network name starts with a letter or digit");
  for (char c : name) {
    unsigned char u = static_cast<unsigned char>(c);
    if (!(std::isalnum(u) || c == '_' || c == '.' || c == '-'))
      return make_error("'" + std::string(name) + "' contains '" + std::string(1, c) +
                        "'; network names use letters, digits, '_', '.' and '-'");
  }
  return {};
}

const std::vector<std::string>& block_members() {
  static const std::vector<std::string> members{"host", "metadata", "internal"};
  return members;
}

Result<std::string> normalize_block_member(std::string_view text) {
  std::string lower = to_lower(trim(text));
  for (const auto& member : block_members())
    if (lower == member) return member;
  std::string message = "unknown block member '" + std::string(text) + "'";
  if (auto suggestion = closest_match(lower, block_members())) {
    message += " (did you mean " + *suggestion + "?)";
  } else if (normalize_cidr(text).ok()) {
    message += " (CIDRs go in \"block.cidrs\")";
  }
  return make_error(message + "; expected host, metadata or internal");
}

Result<std::string> normalize_capability(std::string_view text) {
  std::string name(trim(text));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (name.rfind("CAP_", 0) == 0) name.erase(0, 4);
  if (name == "ALL")
    return make_error(
        "ALL cannot be kept; to keep every capability set docker.run.capabilities.drop.all to false");
  const auto& known = linux_capabilities();
  if (std::find(known.begin(), known.end(), name) != known.end()) return name;
  std::string message = "unknown capability '" + std::string(text) + "'";
  if (auto suggestion = closest_match(name, known)) message += " (did you mean " + *suggestion + "?)";
  return make_error(message);
}

Status validate_tmpfs_mount(std::string_view mount) {
  std::string_view path = mount.substr(0, mount.find(':'));
  if (path.empty() || path[0] != '/')
    return make_error("'" + std::string(mount) + "': a tmpfs mount is an absolute path with options, e.g. " +
                      "\"/tmp:rw,noexec,nosuid,size=64m\"");
  if (path == "/") return make_error("'" + std::string(mount) + "': a tmpfs cannot be mounted over /");
  for (char c : path)
    if (std::isspace(static_cast<unsigned char>(c)))
      return make_error("'" + std::string(mount) + "': the path contains whitespace");
  return {};
}

std::vector<std::string> split_tmpfs_list(std::string_view text) {
  // Stray commas at either end of a mount ("/tmp:rw,", " , ") are separators, not options.
  auto clean = [](std::string_view mount) {
    while (!mount.empty() &&
           (mount.front() == ',' || std::isspace(static_cast<unsigned char>(mount.front()))))
      mount.remove_prefix(1);
    while (!mount.empty() && (mount.back() == ',' || std::isspace(static_cast<unsigned char>(mount.back()))))
      mount.remove_suffix(1);
    return std::string(mount);
  };
  std::vector<std::string> mounts;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == ',' && trim(text.substr(i + 1)).starts_with("/")) {
      mounts.push_back(clean(text.substr(start, i - start)));
      start = i + 1;
    }
  }
  mounts.push_back(clean(text.substr(start)));
  std::erase_if(mounts, [](const std::string& m) { return m.empty(); });
  return mounts;
}

}  // namespace hardend::config
