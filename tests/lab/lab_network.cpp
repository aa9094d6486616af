#include "lab_network.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>

#include "common/strings.h"
#include "common/subprocess.h"
#include "net/netns.h"

namespace hardend::lab {
namespace {

sockaddr_in socket_address(const std::string& address, uint16_t port) {
  sockaddr_in out{};
  out.sin_family = AF_INET;
  out.sin_port = htons(port);
  ::inet_pton(AF_INET, address.c_str(), &out.sin_addr);
  return out;
}

Status write_sysctl_in(const std::string& netns, const std::string& path, const std::string& value) {
  Status written;
  Status entered = net::run_in_netns(netns, [&] {
    // /proc/sys/net shows the network namespace of the thread that opens it.
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0 || ::write(fd, value.data(), value.size()) != static_cast<ssize_t>(value.size()))
      written = make_error("cannot write " + path + " in " + netns + ": " + std::strerror(errno));
    if (fd >= 0) ::close(fd);
  });
  if (!entered) return entered;
  return written;
}

}  // namespace

Status run_ip(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"ip"};
  argv.insert(argv.end(), args.begin(), args.end());
  Result<SubprocessResult> run = run_subprocess(argv);
  if (!run) return run.take_error();
  if (!run->success())
    return make_error(format_command(argv) + ": " + run->describe() + ": " +
                      std::string(trim(run->stderr_data)));
  return {};
}

void remove_stale_namespaces() {
  std::error_code ignored;
  for (const auto& entry : std::filesystem::directory_iterator("/var/run/netns", ignored)) {
    std::string name = entry.path().filename().string();
    if (name.rfind("hdl", 0) != 0) continue;
    size_t dash = name.find('-');
    std::optional<int64_t> pid = parse_int(name.substr(3, dash == std::string::npos ? 0 : dash - 3));
    if (!pid || *pid <= 0) continue;
    if (::kill(static_cast<pid_t>(*pid), 0) == 0 || errno != ESRCH) continue;  // its run is still alive
    (void)run_ip({"netns", "del", name});
  }
}

Result<Namespace> Namespace::create(std::string name) {
  HARDEND_TRY_VOID(run_ip({"netns", "add", name}));
  Namespace created(std::move(name));
  HARDEND_TRY_VOID(run_ip({"-n", created.name(), "link", "set", "lo", "up"}));
  return created;
}

Namespace::~Namespace() {
  if (!name_.empty()) (void)run_ip({"netns", "del", name_});
}

Listeners::~Listeners() {
  if (acceptor_.joinable()) {
    char stop = 1;
    ssize_t ignored = ::write(stop_pipe_[1], &stop, 1);
    (void)ignored;
    acceptor_.join();
  }
  for (int fd : stop_pipe_)
    if (fd >= 0) ::close(fd);
  for (int fd : sockets_) ::close(fd);
}

Status Listeners::listen_in(const std::string& netns, uint16_t port) {
  int fd = -1;
  std::string failure;
  Status entered = net::run_in_netns(netns, [&] {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in any = socket_address("0.0.0.0", port);
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&any), sizeof any) != 0 || ::listen(fd, 512) != 0)
      failure = std::string("listen on port ") + std::to_string(port) + " in " + netns + ": " +
                std::strerror(errno);
  });
  if (!entered) return entered;
  if (!failure.empty()) {
    if (fd >= 0) ::close(fd);
    return make_error(failure);
  }
  sockets_.push_back(fd);
  return {};
}

Status Listeners::start() {
  if (::pipe2(stop_pipe_, O_CLOEXEC) != 0) return make_error(std::string("pipe: ") + std::strerror(errno));
  acceptor_ = std::thread([this] {
    std::vector<pollfd> fds;
    fds.push_back({stop_pipe_[0], POLLIN, 0});
    for (int fd : sockets_) fds.push_back({fd, POLLIN, 0});
    while (true) {
      if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) return;
      if (fds[0].revents != 0) return;
      for (size_t i = 1; i < fds.size(); ++i) {
        if (fds[i].revents == 0) continue;
        int client;
        while ((client = ::accept4(fds[i].fd, nullptr, nullptr, SOCK_CLOEXEC)) >= 0) ::close(client);
      }
    }
  });
  return {};
}

std::vector<bool> run_probes(const std::vector<Probe>& probes, std::chrono::milliseconds timeout) {
  std::vector<int> sockets(probes.size(), -1);
  std::vector<bool> connected(probes.size(), false);
  for (size_t i = 0; i < probes.size(); ++i) {
    const Probe& probe = probes[i];
    Status entered = net::run_in_netns(probe.netns, [&] {
      int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0) return;
      if (probe.source) {
        sockaddr_in source = socket_address(*probe.source, 0);
        if (::bind(fd, reinterpret_cast<sockaddr*>(&source), sizeof source) != 0) {
          ::close(fd);
          return;
        }
      }
      sockaddr_in destination = socket_address(probe.destination, probe.port);
      int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&destination), sizeof destination);
      if (rc == 0 || errno == EINPROGRESS) {
        sockets[i] = fd;
      } else {
        ::close(fd);
      }
    });
    (void)entered;  // a probe that could not start counts as "not connected"
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    std::vector<pollfd> fds;
    std::vector<size_t> which;
    for (size_t i = 0; i < sockets.size(); ++i) {
      if (sockets[i] < 0) continue;
      fds.push_back({sockets[i], POLLOUT, 0});
      which.push_back(i);
    }
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (fds.empty() || left.count() <= 0) break;
    if (::poll(fds.data(), fds.size(), static_cast<int>(left.count())) <= 0) continue;
    for (size_t k = 0; k < fds.size(); ++k) {
      if (fds[k].revents == 0) continue;
      size_t i = which[k];
      int error = 0;
      socklen_t length = sizeof error;
      ::getsockopt(sockets[i], SOL_SOCKET, SO_ERROR, &error, &length);
      connected[i] = error == 0;
      ::close(sockets[i]);
      sockets[i] = -1;
    }
  }
  for (int fd : sockets)
    if (fd >= 0) ::close(fd);
  return connected;
}

Result<std::unique_ptr<Lab>> Lab::build() {
  std::unique_ptr<Lab> lab(new Lab());
  Status ready = lab->setup();
  if (!ready) return ready.take_error().context("building the network lab");
  return lab;
}

Lab::~Lab() = default;

Status Lab::setup() {
  std::string prefix = "hdl" + std::to_string(::getpid()) + "-";
  engine = prefix + "eng";
  world = prefix + "world";
  container0 = prefix + "c0";
  container1 = prefix + "c1";
  container2 = prefix + "c2";
  for (const std::string& name : {engine, world, container0, container1, container2}) {
    Result<Namespace> created = Namespace::create(name);
    if (!created) return created.take_error();
    namespaces_.push_back(std::move(*created));
  }

  struct Bridge {
    const char* name;
    const char* gateway;
    const char* container_address;
    std::string container;
  };
  const Bridge bridges[] = {{"docker0", "172.17.0.1", "172.17.0.2", container0},
                            {"docker-metadata", "172.18.0.1", "172.18.0.2", container1},
                            {"docker-external", "172.19.0.1", "172.19.0.2", container2}};
  int index = 0;
  for (const Bridge& bridge : bridges) {
    std::string veth = "veth-c" + std::to_string(index++);
    HARDEND_TRY_VOID(run_ip({"-n", engine, "link", "add", bridge.name, "type", "bridge"}));
    HARDEND_TRY_VOID(
        run_ip({"-n", engine, "addr", "add", std::string(bridge.gateway) + "/16", "dev", bridge.name}));
    HARDEND_TRY_VOID(run_ip({"-n", engine, "link", "set", bridge.name, "up"}));
    HARDEND_TRY_VOID(run_ip({"-n", engine, "link", "add", veth, "type", "veth", "peer", "name", "eth0",
                             "netns", bridge.container}));
    HARDEND_TRY_VOID(run_ip({"-n", engine, "link", "set", veth, "master", bridge.name, "up"}));
    HARDEND_TRY_VOID(run_ip({"-n", bridge.container, "addr", "add",
                             std::string(bridge.container_address) + "/16", "dev", "eth0"}));
    HARDEND_TRY_VOID(run_ip({"-n", bridge.container, "link", "set", "eth0", "up"}));
    HARDEND_TRY_VOID(run_ip({"-n", bridge.container, "route", "add", "default", "via", bridge.gateway}));
  }

  // The engine host's own private address, the kind operators block with network.block.host. A bridge
  // without ports stands in for a NIC (this kernel may have no dummy interfaces); addresses on an up
  // interface are local even without carrier.
  HARDEND_TRY_VOID(run_ip({"-n", engine, "link", "add", "hostpriv", "type", "bridge"}));
  HARDEND_TRY_VOID(run_ip({"-n", engine, "addr", "add", "10.99.0.1/24", "dev", "hostpriv"}));
  HARDEND_TRY_VOID(run_ip({"-n", engine, "link", "set", "hostpriv", "up"}));

  // The engine's uplink to the test hosts.
  HARDEND_TRY_VOID(run_ip(
      {"-n", engine, "link", "add", "uplink", "type", "veth", "peer", "name", "eth0", "netns", world}));
  HARDEND_TRY_VOID(run_ip({"-n", engine, "addr", "add", "192.0.2.1/24", "dev", "uplink"}));
  HARDEND_TRY_VOID(run_ip({"-n", engine, "link", "set", "uplink", "up"}));
  HARDEND_TRY_VOID(run_ip({"-n", world, "addr", "add", "192.0.2.2/24", "dev", "eth0"}));
  HARDEND_TRY_VOID(run_ip({"-n", world, "link", "set", "eth0", "up"}));
  HARDEND_TRY_VOID(run_ip({"-n", world, "link", "add", "targets", "type", "bridge"}));
  for (const char* target :
       {"169.254.169.254", "10.77.0.10", "192.168.77.10", "192.168.88.10", "100.64.0.10", "198.51.100.10"}) {
    HARDEND_TRY_VOID(run_ip({"-n", world, "addr", "add", std::string(target) + "/32", "dev", "targets"}));
    HARDEND_TRY_VOID(run_ip({"-n", engine, "route", "add", std::string(target) + "/32", "via", "192.0.2.2"}));
  }
  HARDEND_TRY_VOID(run_ip({"-n", world, "link", "set", "targets", "up"}));
  HARDEND_TRY_VOID(run_ip({"-n", world, "route", "add", "172.16.0.0/12", "via", "192.0.2.1"}));
  HARDEND_TRY_VOID(write_sysctl_in(engine, "/proc/sys/net/ipv4/ip_forward", "1"));

  for (const std::string& name : {engine, world, container2})
    HARDEND_TRY_VOID(listeners_.listen_in(name, kLabPort));
  return listeners_.start();
}

}  // namespace hardend::lab
