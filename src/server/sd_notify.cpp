#include "server/sd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace hardend::server {

Status sd_notify_to(const std::string& socket_address, const std::string& state) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_address.empty() || socket_address.size() >= sizeof(address.sun_path) ||
      (socket_address[0] != '/' && socket_address[0] != '@'))
    return Error{"NOTIFY_SOCKET=" + socket_address + ": not a unix socket address"};
  std::memcpy(address.sun_path, socket_address.data(), socket_address.size());
  if (address.sun_path[0] == '@') address.sun_path[0] = '\0';  // abstract namespace
  socklen_t length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_address.size());
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error{std::string("NOTIFY_SOCKET: socket: ") + std::strerror(errno)};
  ssize_t sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&address), length);
  int saved = errno;
  ::close(fd);
  if (sent < 0) return Error{"NOTIFY_SOCKET=" + socket_address + ": " + std::strerror(saved)};
  return {};
}

Status sd_notify(const std::string& state) {
  const char* socket_address = std::getenv("NOTIFY_SOCKET");
  if (!socket_address || !*socket_address) return {};
  return sd_notify_to(socket_address, state);
}

}  // namespace hardend::server
