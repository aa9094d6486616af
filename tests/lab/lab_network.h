// The network lab of DESIGN.md section 6: network namespaces only, nothing in the root namespace.
//
//   container c0 (172.17.0.2) ─┐ docker0         (172.17.0.1/16)
//   container c1 (172.18.0.2) ─┤ docker-metadata (172.18.0.1/16)   engine host "eng"
//   container c2 (172.19.0.2) ─┘ docker-external (172.19.0.1/16)   own private address 10.99.0.1 (portless
//   bridge)
//                                      │ uplink 192.0.2.1/24, ip_forward=1, its own iptables
//                                      │
//                               test hosts "world" 192.0.2.2/24, owning 169.254.169.254, 10.77.0.10,
//                               192.168.77.10, 192.168.88.10, 100.64.0.10, 198.51.100.10
//
// Every namespace runs a TCP listener on kLabPort (created inside it via setns on a helper thread,
// served by one accept thread). Connections are probed from inside the namespaces the same way.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"

namespace hardend::lab {

inline constexpr uint16_t kLabPort = 18080;

// Runs `ip ARGS...`; the error carries the command and ip's message.
Status run_ip(const std::vector<std::string>& args);

// Deletes "hdl<pid>-*" namespaces whose pid no longer runs (left over by a killed run).
void remove_stale_namespaces();

// A namespace made by `ip netns add`, deleted (with everything in it) when this goes away.
class Namespace {
 public:
  static Result<Namespace> create(std::string name);
  Namespace(Namespace&& other) noexcept : name_(std::move(other.name_)) { other.name_.clear(); }
  Namespace& operator=(Namespace&&) = delete;
  Namespace(const Namespace&) = delete;
  ~Namespace();
  const std::string& name() const { return name_; }

 private:
  explicit Namespace(std::string name) : name_(std::move(name)) {}
  std::string name_;
};

// Listening sockets in several namespaces, accepted (and closed at once) by one thread.
class Listeners {
 public:
  Listeners() = default;
  Listeners(const Listeners&) = delete;
  Listeners& operator=(const Listeners&) = delete;
  ~Listeners();
  Status listen_in(const std::string& netns, uint16_t port);
  Status start();

 private:
  std::vector<int> sockets_;
  int stop_pipe_[2] = {-1, -1};
  std::thread acceptor_;
};

struct Probe {
  std::string label;                  // "external -> metadata"
  std::string netns;                  // where the connection starts
  std::optional<std::string> source;  // bind to this address first (a test host's own address)
  std::string destination;
  uint16_t port = kLabPort;
};

// Starts every connect at once and waits up to `timeout` for all of them: true = connected.
std::vector<bool> run_probes(const std::vector<Probe>& probes, std::chrono::milliseconds timeout);

// The whole lab. Namespaces are destroyed in reverse order of creation.
class Lab {
 public:
  static Result<std::unique_ptr<Lab>> build();
  ~Lab();

  std::string engine;      // engine host namespace
  std::string world;       // test hosts namespace
  std::string container0;  // on docker0
  std::string container1;  // on docker-metadata
  std::string container2;  // on docker-external

 private:
  Lab() = default;
  Status setup();
  std::vector<Namespace> namespaces_;
  Listeners listeners_;
};

}  // namespace hardend::lab
