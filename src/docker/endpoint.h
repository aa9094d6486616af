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

  // The endpoint of a runtime ("docker" or "podman"). Docker: $DOCKER_HOST, else /var/run/docker.sock.
  // Podman (its Docker-compatible API, `podman system service`): $HARDEND_PODMAN_SOCKET, else $CONTAINER_HOST
  // (Podman's own variable), else the rootful socket /run/podman/podman.sock.
  static Result<Endpoint> for_runtime(std::string_view runtime);
  // The same with the environment passed in (returns the variable's value, or nullptr when unset), for tests.
  using EnvironmentLookup = const char* (*)(const char* name);
  static Result<Endpoint> for_runtime(std::string_view runtime, EnvironmentLookup lookup);
};

inline constexpr std::string_view kPodmanRootfulSocket = "/run/podman/podman.sock";

// What to tell an operator when nothing answers at `endpoint` for `runtime`: how to start the service.
std::string start_service_hint(std::string_view runtime, const Endpoint& endpoint);

}  // namespace hardend::docker
