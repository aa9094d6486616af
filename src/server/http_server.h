// The daemon's HTTP/1.1 server on Boost.Beast: a unix socket (mode 0660, optional group) or TCP on a loopback
// address. Requests are read on the io_context's thread with a body limit (413 past it); a handler answers at
// once or later from any thread (runs execute on worker threads), and the answer is written back on the
// connection's own executor. Keep-alive connections are served request after request.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/result.h"

namespace hardend::server {

struct ListenAddress {
  enum class Kind { unix_socket, tcp };
  Kind kind = Kind::unix_socket;
  std::string path;  // unix
  std::string host;  // tcp
  unsigned short port = 0;
  std::string str() const;  // "unix:/run/hardend/hardend.sock", "tcp://127.0.0.1:8080"
};

// "unix:/path", "unix:///path", "tcp://127.0.0.1:PORT", "tcp://[::1]:PORT", "tcp://localhost:PORT". TCP must be a
// loopback address: hardend does not expose the engine beyond this host.
Result<ListenAddress> parse_listen_address(const std::string& text);

struct HttpRequest {
  std::string method;         // "GET"
  std::string target;         // "/v1/policy/demisto/dl:1.4?x=1"
  std::string body;
  std::string authorization;  // the Authorization header, as sent
  bool over_tcp = false;
  std::string peer;  // "127.0.0.1:51234" or "unix"
};

struct HttpAnswer {
  unsigned status = 200;
  std::string body;
  std::string content_type = "application/json";
};

// Call exactly once, from any thread.
using Respond = std::function<void(HttpAnswer)>;
using RequestHandler = std::function<void(HttpRequest, Respond)>;

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, RequestHandler handler);
  ~HttpServer();

  // Binds and starts accepting. A stale unix socket file (nobody accepting) is replaced; a live one is an error.
  Status listen(const ListenAddress& address, std::optional<gid_t> socket_group);
  // Closes the listening socket (and removes the unix socket file); open connections finish their request.
  void stop_accepting();
  void set_max_body(std::size_t bytes) { max_body_->store(bytes); }
  // Answers handed over by a handler and not yet written (a drain waits for them before stopping the loop).
  int64_t answers_pending() const { return answers_pending_->load(); }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::shared_ptr<std::atomic<std::size_t>> max_body_;
  std::shared_ptr<std::atomic<int64_t>> answers_pending_;
};

// {"error": message} with the status.
HttpAnswer error_answer(unsigned status, const std::string& message);

}  // namespace hardend::server
