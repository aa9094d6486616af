#include "probe/proc_status.h"

#include <array>
#include <cctype>
#include <cstdio>

#include "probe/text.h"

namespace hardend::probe {
namespace {

// Bit order of linux/capability.h (CAP_CHOWN = 0 ... CAP_CHECKPOINT_RESTORE = 40).
constexpr std::array<std::string_view, 41> kCapabilityNames = {
    "CHOWN",
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
    "CHECKPOINT_RESTORE",
};

Result<uint64_t> parse_mask(std::string_view key, std::string_view value) {
  auto mask = parse_hex(value);
  if (!mask)
    return make_error(std::string(key) + ": '" + std::string(trim_whitespace(value)) + "' is not a hex mask");
  return *mask;
}

Result<int> parse_small_number(std::string_view key, std::string_view value) {
  auto number = parse_decimal_integer(value);
  if (!number || *number < 0 || *number > 1000000)
    return make_error(std::string(key) + ": '" + std::string(trim_whitespace(value)) + "' is not a number");
  return static_cast<int>(*number);
}

}  // namespace

Result<ProcStatus> parse_proc_status(std::string_view content) {
  ProcStatus status;
  struct MaskField {
    std::string_view key;
    std::optional<uint64_t> ProcStatus::*field;
  };
  const std::array<MaskField, 5> masks = {{{"CapInh", &ProcStatus::cap_inh},
                                           {"CapPrm", &ProcStatus::cap_prm},
                                           {"CapEff", &ProcStatus::cap_eff},
                                           {"CapBnd", &ProcStatus::cap_bnd},
                                           {"CapAmb", &ProcStatus::cap_amb}}};
  struct NumberField {
    std::string_view key;
    std::optional<int> ProcStatus::*field;
  };
  const std::array<NumberField, 3> numbers = {{{"NoNewPrivs", &ProcStatus::no_new_privs},
                                               {"Seccomp", &ProcStatus::seccomp},
                                               {"Seccomp_filters", &ProcStatus::seccomp_filters}}};
  for (std::string_view line : split_lines(content)) {
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = line.substr(0, colon);
    std::string_view value = line.substr(colon + 1);
    for (const auto& mask : masks) {
      if (key != mask.key) continue;
      auto parsed = parse_mask(key, value);
      if (!parsed) return parsed.take_error().context("/proc/self/status");
      status.*mask.field = *parsed;
    }
    for (const auto& number : numbers) {
      if (key != number.key) continue;
      auto parsed = parse_small_number(key, value);
      if (!parsed) return parsed.take_error().context("/proc/self/status");
      status.*number.field = *parsed;
    }
  }
  return status;
}

std::vector<std::string> capability_names(uint64_t mask) {
  std::vector<std::string> names;
  for (int bit = 0; bit < 64; ++bit) {
    if ((mask & (uint64_t{1} << bit)) == 0) continue;
    if (static_cast<size_t>(bit) < kCapabilityNames.size())
      names.push_back("CAP_" + std::string(kCapabilityNames[static_cast<size_t>(bit)]));
    else
      names.push_back("CAP_" + std::to_string(bit));
  }
  return names;
}

std::string format_capability_mask(uint64_t mask) {
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(mask));
  return buffer;
}

std::optional<int> capability_bit(std::string_view name) {
  std::string upper;
  for (char c : name) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string_view bare = upper;
  if (bare.substr(0, 4) == "CAP_") bare.remove_prefix(4);
  for (size_t bit = 0; bit < kCapabilityNames.size(); ++bit)
    if (kCapabilityNames[bit] == bare) return static_cast<int>(bit);
  return std::nullopt;
}

}  // namespace hardend::probe
