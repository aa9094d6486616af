#include "net/persist.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "net/restore_payload.h"

namespace hardend::net {
namespace {

// systemd splits ExecStart= on whitespace and treats quotes, '$', '%' and '\' specially: quote what needs it.
std::string unit_argument(const std::string& argument) {
  bool plain = !argument.empty();
  for (char c : argument)
    if (std::string_view(" \t\"'\\$%;").find(c) != std::string_view::npos) plain = false;
  if (plain) return argument;
  std::string quoted = "\"";
  for (char c : argument) {
    if (c == '"' || c == '\\') quoted += '\\';
    if (c == '%') quoted += '%';  // %% is a literal percent sign
    if (c == '$') quoted += '$';  // $$ is a literal dollar sign
    quoted += c;
  }
  return quoted + "\"";
}

}  // namespace

std::string render_persisted_rules(const Ruleset& ruleset, const std::string& written_by) {
  std::string out =
      "# Written by " + written_by +
      ": hardend's iptables rules (docs/NETWORK.md), for a Docker host where dockerd\n"
      "# has started and hardend's chains do not exist yet (e.g. at boot). Load ONCE with\n"
      "#   iptables-restore --noflush FILE\n"
      "# --noflush keeps every other chain. Loading it again inserts the jumps a second time: `hardend net\n"
      "# status` reports that and `hardend net apply` repairs it. The host addresses and Docker networks are\n"
      "# those of the moment this file was written; `hardend net apply` recomputes them from the live system.\n";
  out += render_apply_payload(ruleset, assumed_docker_table());
  return out;
}

std::string render_systemd_unit(const PersistSettings& settings) {
  std::string apply = unit_argument(settings.hardend_binary);
  if (!settings.config_path.empty()) apply += " --config " + unit_argument(settings.config_path);
  apply += " net apply";
  return "# Written by `hardend net persist` (docs/NETWORK.md section 6). Enable with:\n"
         "#   systemctl daemon-reload && systemctl enable --now " +
         std::string(kUnitName) +
         "\n"
         "[Unit]\n"
         "Description=hardend network hardening (Docker networks and iptables rules)\n"
         "# `net apply` asks dockerd for its networks and creates the declared ones, so it runs once dockerd is\n"
         "# up; hardend's own service starts the untrusted containers, so it waits for the rules.\n"
         "Wants=network-online.target\n"
         "After=network-online.target docker.service\n"
         "Requires=docker.service\n"
         "Before=hardend.service\n"
         "# Re-applied whenever docker.service restarts.\n"
         "PartOf=docker.service\n"
         "\n"
         "[Service]\n"
         "Type=oneshot\n"
         "RemainAfterExit=yes\n"
         "ExecStart=" +
         apply +
         "\n"
         "# Alternative that does not run hardend at boot: load the rules saved by `hardend net persist` (a\n"
         "# snapshot: the networks must already exist and the host addresses must not have changed).\n"
         "#ExecStart=" +
         unit_argument(settings.iptables_restore) + " --noflush -w 10 " + unit_argument(settings.rules_path) +
         "\n"
         "\n"
         "[Install]\n"
         "WantedBy=multi-user.target\n";
}

Status write_file_atomically(const std::string& path, const std::string& text, unsigned mode) {
  std::filesystem::path target(path);
  std::error_code error;
  if (target.has_parent_path()) {
    std::filesystem::create_directories(target.parent_path(), error);
    if (error) return make_error(target.parent_path().string() + ": cannot create directory: " + error.message());
  }
  std::string temporary = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return make_error(path + ": cannot write: " + std::strerror(errno));
  size_t written = 0;
  while (written < text.size()) {
    ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::string reason = std::strerror(errno);
      ::close(fd);
      ::unlink(temporary.c_str());
      return make_error(path + ": cannot write: " + reason);
    }
    written += static_cast<size_t>(n);
  }
  if (::fchmod(fd, mode) != 0 || ::fsync(fd) != 0 || ::close(fd) != 0) {
    std::string reason = std::strerror(errno);
    ::unlink(temporary.c_str());
    return make_error(path + ": cannot write: " + reason);
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    std::string reason = std::strerror(errno);
    ::unlink(temporary.c_str());
    return make_error(path + ": cannot replace: " + reason);
  }
  return {};
}

}  // namespace hardend::net
