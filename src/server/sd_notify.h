// systemd's readiness protocol (Type=notify) without libsystemd: one datagram to $NOTIFY_SOCKET.
#pragma once

#include <string>

#include "common/result.h"

namespace hardend::server {

// Sends e.g. "READY=1" when $NOTIFY_SOCKET is set ("/path" or "@abstract"); does nothing otherwise.
Status sd_notify(const std::string& state);
// The same to an explicit socket address (for tests).
Status sd_notify_to(const std::string& socket_address, const std::string& state);

}  // namespace hardend::server
