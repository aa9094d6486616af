// `hardend net persist`: iptables rules do not survive a reboot. Two ways back, both written by persist
// (docs/NETWORK.md section 6):
//   - a systemd unit that runs `hardend net apply` once dockerd is up and before hardend's own service starts
//     containers (recomputes everything against the live system: the recommended way);
//   - a restore file (the full payload for hardend's chains, rendered for a Docker host without them) for
//     `iptables-restore --noflush`, referenced from the unit as a commented alternative and usable with the
//     distribution's own persistence.
#pragma once

#include <string>

#include "common/result.h"
#include "net/ruleset.h"

namespace hardend::net {

inline constexpr const char* kDefaultRulesPath = "/etc/hardend/iptables.rules";
inline constexpr const char* kDefaultUnitPath = "/etc/systemd/system/hardend-net.service";
inline constexpr const char* kUnitName = "hardend-net.service";
inline constexpr const char* kRulesFileName = "iptables.rules";

struct PersistSettings {
  std::string hardend_binary = "/usr/local/bin/hardend";  // absolute path in ExecStart
  std::string config_path;  // passed as --config when not empty (absolute)
  std::string rules_path = kDefaultRulesPath;             // where the unit's alternative loads the file from
  std::string iptables_restore = "/usr/sbin/iptables-restore";
};

// Pure: the restore file. Loading it once with `iptables-restore --noflush FILE` after dockerd started gives
// the rules `net apply` would give with the facts of the moment it was written (host addresses, networks).
std::string render_persisted_rules(const Ruleset& ruleset, const std::string& written_by);

// Pure: the systemd unit (Type=oneshot, After=docker.service, Before=hardend.service, PartOf=docker.service).
std::string render_systemd_unit(const PersistSettings& settings);

// Writes `text` to `path` atomically (temporary file + rename), creating the parent directory; `mode` e.g. 0644.
Status write_file_atomically(const std::string& path, const std::string& text, unsigned mode);

}  // namespace hardend::net
