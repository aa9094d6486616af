#include "docker/endpoint.h"

#include <cstdlib>

#include "common/strings.h"

namespace hardend::docker {

namespace {

constexpr std::string_view kDefaultTcpPort = "2375";

bool is_valid_port(std::string_view port) {
  auto number = parse_int(port);
  return number && *number > 0 && *number <= 65535;
}

Result<Endpoint> parse_tcp(std::string_view original, std::string_view rest) {
  // Accept an optional trailing slash ("tcp://host:2375/"), as the docker CLI does.
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.empty())
    return make_error("invalid Docker endpoint \"" + std::string(original) + "\": missing host");
  Endpoint endpoint;
  endpoint.kind = Endpoint::Kind::Tcp;
  endpoint.path.clear();
  std::string_view host = rest;
  std::string_view port;
  if (rest.front() == '[') {  // [::1]:2375
    size_t close = rest.find(']');
    if (close == std::string_view::npos)
      return make_error("invalid Docker endpoint \"" + std::string(original) +
                        "\": unterminated '[' in host");
    host = rest.substr(1, close - 1);
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':')
        return make_error("invalid Docker endpoint \"" + std::string(original) +
                          "\": expected ':' after ']'");
      port = after.substr(1);
    }
  } else if (size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    if (port.empty())
      return make_error("invalid Docker endpoint \"" + std::string(original) + "\": empty port after ':'");
  }
  if (host.empty())
    return make_error("invalid Docker endpoint \"" + std::string(original) + "\": missing host");
  if (host.find('/') != std::string_view::npos)
    return make_error("invalid Docker endpoint \"" + std::string(original) +
                      "\": a tcp endpoint has no path");
  if (port.empty()) port = kDefaultTcpPort;
  if (!is_valid_port(port))
    return make_error("invalid Docker endpoint \"" + std::string(original) + "\": port \"" +
                      std::string(port) + "\" is not a number between 1 and 65535");
  endpoint.host = std::string(host);
  endpoint.port = std::string(port);
  return endpoint;
}

Result<Endpoint> parse_unix(std::string_view original, std::string_view path) {
  if (path.empty() || path.front() != '/')
    return make_error("invalid Docker endpoint \"" + std::string(original) +
                      "\": a unix socket needs an absolute path (unix:///var/run/docker.sock)");
  Endpoint endpoint;
  endpoint.kind = Endpoint::Kind::Unix;
  endpoint.path = std::string(path);
  return endpoint;
}

}  // namespace

std::string Endpoint::str() const {
  if (kind == Kind::Unix) return "unix://" + path;
  bool ipv6 = host.find(':') != std::string::npos;
  return "tcp://" + (ipv6 ? "[" + host + "]" : host) + ":" + port;
}

Result<Endpoint> Endpoint::parse(std::string_view text) {
  std::string_view trimmed = trim(text);
  if (trimmed.empty()) return make_error("invalid Docker endpoint: empty");
  if (trimmed.starts_with("unix://")) return parse_unix(trimmed, trimmed.substr(7));
  if (trimmed.starts_with("unix:")) return parse_unix(trimmed, trimmed.substr(5));
  if (trimmed.starts_with("tcp://")) return parse_tcp(trimmed, trimmed.substr(6));
  if (trimmed.front() == '/') return parse_unix(trimmed, trimmed);
  if (trimmed.starts_with("ssh://"))
    return make_error(
        "unsupported Docker endpoint \"" + std::string(trimmed) +
        "\": ssh:// is not supported by hardend; forward the socket (ssh -L) and use unix:// or tcp://");
  if (size_t scheme_end = trimmed.find("://"); scheme_end != std::string_view::npos)
    return make_error("unsupported Docker endpoint scheme \"" + std::string(trimmed.substr(0, scheme_end)) +
                      "://\" in \"" + std::string(trimmed) + "\": use unix:// or tcp://");
  return make_error("invalid Docker endpoint \"" + std::string(trimmed) +
                    "\": expected unix:///path, tcp://host:port or an absolute socket path");
}

Result<Endpoint> Endpoint::from_environment() {
  return for_runtime("docker");
}

Result<Endpoint> Endpoint::for_runtime(std::string_view runtime) {
  return for_runtime(runtime, [](const char* name) -> const char* { return std::getenv(name); });
}

Result<Endpoint> Endpoint::for_runtime(std::string_view runtime, EnvironmentLookup lookup) {
  auto from_variable = [&](const char* name) -> std::optional<Result<Endpoint>> {
    const char* value = lookup(name);
    if (value == nullptr || trim(value).empty()) return std::nullopt;
    auto endpoint = parse(value);
    if (!endpoint) return endpoint.take_error().context(std::string("$") + name);
    return endpoint;
  };
  if (runtime == "podman") {
    for (const char* name : {"HARDEND_PODMAN_SOCKET", "CONTAINER_HOST"})
      if (auto endpoint = from_variable(name)) return std::move(*endpoint);
    return parse(kPodmanRootfulSocket);
  }
  if (runtime != "docker")
    return make_error("unknown container runtime '" + std::string(runtime) + "'; expected docker or podman");
  if (auto endpoint = from_variable("DOCKER_HOST")) return std::move(*endpoint);
  return Endpoint{};
}

std::string start_service_hint(std::string_view runtime, const Endpoint& endpoint) {
  if (runtime == "podman") {
    std::string where = endpoint.kind == Endpoint::Kind::Unix ? endpoint.str() : std::string("unix://") +
                                                                                     std::string(kPodmanRootfulSocket);
    return "is the Podman service running? start it with: systemctl start podman.socket or podman system "
           "service --time=0 " +
           where + " (another socket: $HARDEND_PODMAN_SOCKET or $CONTAINER_HOST)";
  }
  return "is the Docker daemon running? start it with: systemctl start docker (another endpoint: $DOCKER_HOST)";
}

}  // namespace hardend::docker
