#include "net/discover.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "net/netns.h"

namespace hardend::net {
namespace {

Result<std::vector<HostAddress>> read_interface_addresses() {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return make_error(std::string("getifaddrs: ") + std::strerror(errno));
  std::vector<HostAddress> addresses;
  for (ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
    if (entry->ifa_addr == nullptr || entry->ifa_addr->sa_family != AF_INET) continue;
    if ((entry->ifa_flags & IFF_LOOPBACK) != 0) continue;
    uint32_t address = ntohl(reinterpret_cast<const sockaddr_in*>(entry->ifa_addr)->sin_addr.s_addr);
    if ((address >> 24) == 127) continue;
    addresses.push_back(HostAddress{address, entry->ifa_name != nullptr ? entry->ifa_name : ""});
  }
  ::freeifaddrs(list);
  return addresses;
}

}  // namespace

Result<std::vector<HostAddress>> discover_host_addresses(const std::string& netns) {
  std::optional<Result<std::vector<HostAddress>>> result;
  Status entered = run_in_netns(netns, [&] { result = read_interface_addresses(); });
  if (!entered) return entered.take_error();
  return std::move(*result);
}

Result<DaemonJsonFacts> read_daemon_json(const std::string& path) {
  std::error_code ignored;
  if (!std::filesystem::exists(path, ignored)) return DaemonJsonFacts{};
  std::ifstream file(path);
  if (!file) return make_error(path + ": cannot read: " + std::strerror(errno));
  std::stringstream text;
  text << file.rdbuf();
  return parse_daemon_json(text.str(), path);
}

}  // namespace hardend::net
