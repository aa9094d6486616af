// Validators for the value kinds of config keys that are not plain JSON types: booleans in their string
// forms, non-root users, IPv4 CIDRs, Linux interface names, capabilities, network block members, tmpfs
// mounts. Pure; each error message says what was expected (the parser adds file:line:col and the key).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace hardend::config {

// "true"/"false" in any case, and "1"/"0" (what Go's strconv.ParseBool, used by engines, also accepts).
Result<bool> parse_bool_text(std::string_view text);

// uid[:gid] or name[:group]; root (user "root" or uid 0) is refused: the key exists to avoid it.
Status validate_user(std::string_view user);

// IPv4 "a.b.c.d/n" (a bare address means /32). Returns the canonical form "a.b.c.d/n". Octets with leading
// zeros and set host bits ("10.0.0.1/8") are errors: both are usually typos that would block the wrong range.
Result<std::string> normalize_cidr(std::string_view text);

// A Linux network interface name as a Docker bridge can be named: 1-15 characters of [A-Za-z0-9_.-].
Status validate_interface_name(std::string_view name);

// A Docker network name: [A-Za-z0-9][A-Za-z0-9_.-]*, not one of Docker's predefined bridge/host/none.
Status validate_network_name(std::string_view name);

// "host" | "metadata" | "internal" (case-insensitive); returns the lowercase member.
Result<std::string> normalize_block_member(std::string_view text);
const std::vector<std::string>& block_members();

// A capability name as Docker takes it: "NET_BIND_SERVICE" or "cap_net_bind_service" -> "NET_BIND_SERVICE".
Result<std::string> normalize_capability(std::string_view text);

// A tmpfs mount "path[:options]" with an absolute path other than "/".
Status validate_tmpfs_mount(std::string_view mount);
// Splits a tmpfs string: mounts are separated by commas, but a tmpfs option list contains commas too, so a
// new mount starts only at a comma followed by "/": "/tmp:rw,noexec,/run:size=1m" -> {"/tmp:rw,noexec",
// "/run:size=1m"}.
std::vector<std::string> split_tmpfs_list(std::string_view text);

}  // namespace hardend::config
