// Where the container runtime's API listens: unix socket or TCP (from $DOCKER_HOST or the default socket).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace hardend::docker {

struct Endpoint {
  enum class Kind { Unix, Tcp };
  Kind kind = Kind::Unix;
  std::string path = "/var/run/docker.sock";  // Unix
  std::string host;                           // Tcp
  std::string port;                           // Tcp

  std::string str() const;  // "unix:///var/run/docker.sock" or "tcp://127.0.0.1:2375"

  // "unix:///path", "tcp://host:port" (also "unix:/path" and a bare absolute path).
  static Result<Endpoint> parse(std::string_view text);
  // $DOCKER_HOST when set, else the default socket.
  static Result<Endpoint> from_environment();
};

}  // namespace hardend::docker
