// Running code inside a named network namespace (/var/run/netns/NAME, as made by `ip netns add`).
// Only a helper thread joins the namespace (setns affects the calling thread only), so the rest of the
// process stays where it was. Sockets keep the namespace they were created in: a socket made inside
// fn can be used from any thread afterwards.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/result.h"

namespace hardend::net {

// An empty name runs fn on the calling thread, in the current namespace.
Status run_in_netns(const std::string& netns, const std::function<void()>& fn);

// The argv prefix that runs a program inside `netns` ({} when empty): {"ip", "netns", "exec", NAME}.
std::vector<std::string> netns_exec_prefix(const std::string& netns);

}  // namespace hardend::net
