// A scripted stand-in for dockerd on a unix socket in a temporary directory, for Transport and Client tests.
// Connections are served one after another on a background thread by a test-supplied handler.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "docker/endpoint.h"

namespace hardend::docker::testing {

struct FakeRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

class FakeConnection {
 public:
  explicit FakeConnection(boost::asio::local::stream_protocol::socket socket) : socket_(std::move(socket)) {}
  // nullopt when the client closed the connection without a complete request.
  std::optional<FakeRequest> read_request();
  void write(std::string_view bytes);
  // Raw bytes after a hijack; empty at end of stream (also drains what read_request over-read).
  std::string read_some();
  void close_write();
  // Blocks until the client closes its side; for tests where the daemon never answers.
  void wait_for_client_close();

 private:
  boost::asio::local::stream_protocol::socket socket_;
  boost::beast::flat_buffer buffer_;
};

// "HTTP/1.1 <status> <reason>" with Content-Length and the given content type.
std::string http_response(unsigned status, std::string_view reason, std::string_view body,
                          std::string_view content_type = "application/json");

class FakeDaemon {
 public:
  using Handler = std::function<void(FakeConnection&)>;

  explicit FakeDaemon(Handler handler);
  // Answers each request with `respond(request)`; records every request.
  static Handler responder(std::function<std::string(const FakeRequest&)> respond,
                           std::vector<FakeRequest>* log, std::mutex* log_mutex);
  ~FakeDaemon();
  FakeDaemon(const FakeDaemon&) = delete;
  FakeDaemon& operator=(const FakeDaemon&) = delete;

  Endpoint endpoint() const;
  const std::string& socket_path() const { return socket_path_; }

 private:
  void serve();

  std::string directory_;
  std::string socket_path_;
  Handler handler_;
  boost::asio::io_context io_;
  boost::asio::local::stream_protocol::acceptor acceptor_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// A unique empty directory under /tmp, removed (with its contents) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace hardend::docker::testing
