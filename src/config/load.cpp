// The file I/O around parse_config: which file, and what a missing or unreadable file means.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "config/config.h"

namespace hardend::config {
namespace {

constexpr const char* kDefaultConfigPath = "/etc/hardend/d1.conf";
constexpr size_t kMaxConfigBytes = size_t{16} << 20;  // a config is a few kilobytes; more is a wrong file

// Reads the whole file; on failure returns errno and a message naming the file.
Result<std::string> read_file(const std::string& path, int& error_number) {
  auto failure = [&](int err) {
    error_number = err;
    return make_error("cannot read " + path + ": " + std::strerror(err));
  };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return failure(errno);
  std::string text;
  char buffer[8192];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return failure(err);
    }
    if (n == 0) break;
    text.append(buffer, static_cast<size_t>(n));
    if (text.size() > kMaxConfigBytes) {
      ::close(fd);
      error_number = EFBIG;
      return make_error("cannot read " + path + ": larger than 16 MiB; is this the config file?");
    }
  }
  ::close(fd);
  return text;
}

ParseOutcome failed(std::string message) {
  ParseOutcome outcome;
  outcome.diagnostics.push_back(Diagnostic{Severity::Error, Location{}, "", std::move(message)});
  return outcome;
}

}  // namespace

ConfigSource choose_config_source(const std::optional<std::string>& cli_path, const char* env_config) {
  if (cli_path) return ConfigSource{*cli_path, true};
  if (env_config && *env_config) return ConfigSource{env_config, true};
  return ConfigSource{kDefaultConfigPath, false};
}

ConfigSource choose_config_source(const std::optional<std::string>& cli_path) {
  return choose_config_source(cli_path, std::getenv("HARDEND_CONFIG"));
}

ParseOutcome load_config(const ConfigSource& source, const ParseOptions& options) {
  if (source.path.empty()) return failed("the config path is empty");
  int error_number = 0;
  auto text = read_file(source.path, error_number);
  if (!text) {
    // Only "no such file" at the default path means "no config": any other failure would silently drop
    // an operator's settings (and their hardening choices) if it were treated the same way.
    if (error_number == ENOENT && !source.explicit_path) {
      ParseOutcome outcome;
      outcome.config = default_config();
      return outcome;
    }
    return failed(text.error().message);
  }
  return parse_config(*text, source.path, options);
}

}  // namespace hardend::config
