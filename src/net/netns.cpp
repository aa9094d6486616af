#include "net/netns.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace hardend::net {

Status run_in_netns(const std::string& netns, const std::function<void()>& fn) {
  if (netns.empty()) {
    fn();
    return {};
  }
  if (netns.find('/') != std::string::npos)
    return make_error("invalid network namespace name \"" + netns + "\"");
  std::string path = "/var/run/netns/" + netns;
  std::string failure;
  std::thread worker([&] {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      failure = "cannot open network namespace " + path + ": " + std::strerror(errno);
      return;
    }
    int joined = ::setns(fd, CLONE_NEWNET);
    int setns_errno = errno;
    ::close(fd);
    if (joined != 0) {
      failure = "cannot enter network namespace " + netns + ": " + std::strerror(setns_errno);
      return;
    }
    fn();
  });
  worker.join();
  if (!failure.empty()) return make_error(failure);
  return {};
}

std::vector<std::string> netns_exec_prefix(const std::string& netns) {
  if (netns.empty()) return {};
  return {"ip", "netns", "exec", netns};
}

}  // namespace hardend::net
