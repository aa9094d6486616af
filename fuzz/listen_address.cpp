// Fuzz harness: server.listen (server/http_server.h parse_listen_address), read from the config at start and on
// reload. Input: the value. Invariants: no NUL byte in what is accepted; TCP is accepted on loopback only (hardend never listens beyond this host)
// with a port; a unix socket has an absolute path; str() of an accepted address parses back to the same address.
#include <cstddef>
#include <cstdint>
#include <string>

#include <boost/asio/ip/address.hpp>

#include "fuzz_check.h"
#include "server/http_server.h"

using hardend::fuzz::require;
using hardend::server::ListenAddress;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto address = hardend::server::parse_listen_address(text);
  if (!address.ok()) {
    require(!address.error().message.empty(), "a refused address says why");
    return 0;
  }
  // A NUL byte would make the address shown (logs, str()) differ from the one bound (C strings stop at it).
  require(address->host.find('\0') == std::string::npos && address->path.find('\0') == std::string::npos,
          "an accepted address holds no NUL byte");
  if (address->kind == ListenAddress::Kind::tcp) {
    const std::string& host = address->host;
    boost::system::error_code error;
    auto ip = boost::asio::ip::make_address(host, error);
    bool loopback = !error && (host.find(':') != std::string::npos ? ip.is_v6() && ip.is_loopback()
                                                                    : host.starts_with("127."));
    require(loopback, "TCP listens on a loopback address only");
  } else {
    require(!address->path.empty() && address->path.front() == '/', "a unix socket has an absolute path");
  }
  auto again = hardend::server::parse_listen_address(address->str());
  require(again.ok(), "str() of an accepted address parses");
  require(again->kind == address->kind && again->path == address->path && again->host == address->host &&
              again->port == address->port,
          "str() parses back to the same address");
  return 0;
}
