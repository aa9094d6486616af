#include "docker/transport.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <thread>

#include "docker/stream.h"
#include "fake_daemon.h"

namespace hardend::docker {
namespace {

using testing::FakeConnection;
using testing::FakeDaemon;
using testing::FakeRequest;
using testing::http_response;

std::string frame_bytes(uint8_t stream, std::string_view payload) {
  std::string out{static_cast<char>(stream), 0, 0, 0};
  auto size = static_cast<uint32_t>(payload.size());
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((size >> shift) & 0xff);
  return out + std::string(payload);
}

// Cancels a stream that is still open after `limit`, so that a regression fails the test instead of hanging
// it.
class CancelAfter {
 public:
  CancelAfter(AttachedStream& stream, std::chrono::milliseconds limit)
      : thread_([this, &stream, limit] {
          std::unique_lock lock(mutex_);
          if (!done_cv_.wait_for(lock, limit, [this] { return done_; })) stream.cancel();
        }) {}
  ~CancelAfter() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    done_cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::thread thread_;  // last: started once the members above exist
};

constexpr const char* kUpgraded =
    "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\n"
    "Upgrade: tcp\r\n\r\n";

TEST(Transport, ContentLengthResponseAndRequestHeaders) {
  std::vector<FakeRequest> log;
  std::mutex log_mutex;
  FakeDaemon daemon(FakeDaemon::responder(
      [](const FakeRequest&) {
        return "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nApi-Version: 1.41\r\n"
               "Content-Length: 13\r\n\r\n{\"Id\":\"abc\"}\n";
      },
      &log, &log_mutex));
  Transport transport(daemon.endpoint());
  auto response = transport.request("POST", "/v1.41/containers/create?name=x", R"({"Image":"i"})");
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 201u);
  EXPECT_EQ(response->reason, "Created");
  EXPECT_EQ(response->body, "{\"Id\":\"abc\"}\n");
  EXPECT_EQ(response->headers.at("api-version"), "1.41");
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].method, "POST");
  EXPECT_EQ(log[0].target, "/v1.41/containers/create?name=x");
  EXPECT_EQ(log[0].headers.at("host"), "docker");
  EXPECT_EQ(log[0].headers.at("content-type"), "application/json");
  EXPECT_EQ(log[0].body, R"({"Image":"i"})");
}

TEST(Transport, ChunkedResponseWrittenInPieces) {
  FakeDaemon daemon([](FakeConnection& connection) {
    if (!connection.read_request()) return;
    connection.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    connection.write("lo\r\n6\r\n wor");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    connection.write("ld\r\n0\r\n\r\n");
  });
  Transport transport(daemon.endpoint());
  auto response = transport.request("GET", "/v1.41/images/create");
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200u);
  EXPECT_EQ(response->body, "hello world");
}

TEST(Transport, ErrorJsonIsFormattedWithMethodPathStatusAndMessage) {
  std::vector<FakeRequest> log;
  std::mutex log_mutex;
  FakeDaemon daemon(FakeDaemon::responder(
      [](const FakeRequest&) {
        return http_response(404, "Not Found", "{\"message\":\"No such image: nosuch:latest\"}\n");
      },
      &log, &log_mutex));
  Transport transport(daemon.endpoint());
  auto response = transport.request("POST", "/v1.41/containers/create?name=x", "{}");
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 404u);
  EXPECT_EQ(api_error("POST", "/v1.41/containers/create?name=x", *response).message,
            "POST /containers/create: 404 Not Found: No such image: nosuch:latest");
}

TEST(Transport, ApiErrorWithPlainTextOrEmptyBody) {
  HttpResponse text{500, "", {}, "  page not found\n"};
  EXPECT_EQ(api_error("GET", "/v1.41/x", text).message, "GET /x: 500 Internal Server Error: page not found");
  HttpResponse empty{409, "Conflict", {}, ""};
  EXPECT_EQ(api_error("DELETE", "/networks/n", empty).message, "DELETE /networks/n: 409 Conflict");
}

TEST(Transport, DisplayPathDropsVersionAndQuery) {
  EXPECT_EQ(display_path("/v1.41/containers/abc/json?all=1"), "/containers/abc/json");
  EXPECT_EQ(display_path("/_ping"), "/_ping");
  EXPECT_EQ(display_path("/volumes/x"), "/volumes/x");
  EXPECT_EQ(display_path("/v1.41"), "/");
}

TEST(Transport, RequestWithFileStreamsTheFile) {
  testing::TempDir dir;
  std::string path = dir.path() + "/image.tar";
  std::string content;
  for (int i = 0; i < 300000; ++i) content += static_cast<char>('a' + i % 26);
  std::ofstream(path, std::ios::binary) << content;
  std::vector<FakeRequest> log;
  std::mutex log_mutex;
  FakeDaemon daemon(FakeDaemon::responder(
      [](const FakeRequest&) { return http_response(200, "OK", "{\"status\":\"sha256:1\"}\r\n"); }, &log,
      &log_mutex));
  Transport transport(daemon.endpoint());
  auto response =
      transport.request_with_file("POST", "/v1.41/images/create?fromSrc=-", path, "application/x-tar");
  ASSERT_TRUE(response.ok()) << response.error().message;
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].headers.at("content-type"), "application/x-tar");
  EXPECT_EQ(log[0].headers.at("content-length"), std::to_string(content.size()));
  EXPECT_TRUE(log[0].body == content);

  auto missing = transport.request_with_file("POST", "/v1.41/images/create", dir.path() + "/nope.tar", "x");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("POST /images/create: cannot open"), std::string::npos);
}

TEST(Transport, TimeoutWhenTheDaemonNeverAnswers) {
  FakeDaemon daemon([](FakeConnection& connection) {
    if (connection.read_request()) connection.wait_for_client_close();
  });
  Transport transport(daemon.endpoint());
  auto started = std::chrono::steady_clock::now();
  auto response = transport.request("GET", "/v1.41/info", {}, {}, std::chrono::milliseconds(200));
  auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().message, "GET /info: reading the response: timed out after 200 ms");
  EXPECT_LT(elapsed, std::chrono::seconds(5));
}

TEST(Transport, MissingSocketSaysCannotConnect) {
  testing::TempDir dir;
  Endpoint endpoint;
  endpoint.path = dir.path() + "/nope.sock";
  auto response = Transport(endpoint).request("GET", "/_ping");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().message, "cannot connect to the Docker daemon at unix://" + endpoint.path +
                                          ": No such file or directory (is dockerd running?)");
}

TEST(Transport, SocketWithoutListenerSaysConnectionRefused) {
  testing::TempDir dir;
  std::string path = dir.path() + "/dead.sock";
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  path.copy(address.sun_path, sizeof(address.sun_path) - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ::close(fd);  // the file stays, nobody listens: what a crashed dockerd leaves behind
  Endpoint endpoint;
  endpoint.path = path;
  auto response = Transport(endpoint).request("GET", "/_ping");
  ASSERT_FALSE(response.ok());
  EXPECT_NE(response.error().message.find("cannot connect to the Docker daemon at unix://" + path +
                                          ": Connection refused (is dockerd running?)"),
            std::string::npos)
      << response.error().message;
}

TEST(Transport, OverlongSocketPathIsAnErrorNotACrash) {
  Endpoint endpoint;
  endpoint.path = "/" + std::string(200, 'x');
  auto response = Transport(endpoint).request("GET", "/_ping");
  ASSERT_FALSE(response.ok());
  EXPECT_NE(response.error().message.find("socket path longer than"), std::string::npos);
}

TEST(Transport, HeadRequestDoesNotWaitForABody) {
  FakeDaemon daemon([](FakeConnection& connection) {
    if (!connection.read_request()) return;
    connection.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nApi-Version: 1.41\r\n\r\n");
    connection.wait_for_client_close();
  });
  auto response = Transport(daemon.endpoint()).request("HEAD", "/_ping", {}, {}, std::chrono::seconds(5));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->headers.at("api-version"), "1.41");
  EXPECT_EQ(response->body, "");
}

// A one-shot HTTP server on 127.0.0.1 (loopback only), for the TCP path of Transport.
TEST(Transport, TcpEndpointOnLoopback) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(
      io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  unsigned short port = acceptor.local_endpoint().port();
  std::string host_header;
  std::thread server([&] {
    boost::asio::ip::tcp::socket socket(io);
    acceptor.accept(socket);
    boost::beast::flat_buffer buffer;
    boost::beast::http::request<boost::beast::http::string_body> request;
    boost::beast::http::read(socket, buffer, request);
    host_header = std::string(request[boost::beast::http::field::host]);
    std::string answer = http_response(200, "OK", R"({"ApiVersion":"1.41"})");
    boost::asio::write(socket, boost::asio::buffer(answer));
  });
  auto endpoint = Endpoint::parse("tcp://127.0.0.1:" + std::to_string(port));
  ASSERT_TRUE(endpoint.ok());
  auto response = Transport(*endpoint).request("GET", "/version", {}, {}, std::chrono::seconds(5));
  server.join();
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->body, R"({"ApiVersion":"1.41"})");
  EXPECT_EQ(host_header, "127.0.0.1:" + std::to_string(port));
}

TEST(Transport, TcpConnectionRefusedOnLoopback) {
  // Find a free loopback port by binding and closing it.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  socklen_t length = sizeof(address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  auto endpoint = Endpoint::parse("tcp://127.0.0.1:" + std::to_string(ntohs(address.sin_port)));
  ASSERT_TRUE(endpoint.ok());
  auto response = Transport(*endpoint).request("GET", "/_ping");
  ASSERT_FALSE(response.ok());
  EXPECT_NE(response.error().message.find("cannot connect to the Docker daemon at tcp://127.0.0.1:"),
            std::string::npos)
      << response.error().message;
  EXPECT_NE(response.error().message.find("Connection refused"), std::string::npos);
}

// The daemon answers 101 and the first output frame in a single write: those bytes sit in the HTTP parser's
// buffer and must be handed out before anything read from the socket.
TEST(TransportHijack, DeliversBytesBufferedWithTheHeaderThenEchoesStdin) {
  FakeRequest seen;
  FakeDaemon daemon([&seen](FakeConnection& connection) {
    auto request = connection.read_request();
    if (!request) return;
    seen = *request;
    connection.write(std::string(kUpgraded) + frame_bytes(1, "ready\n") + frame_bytes(2, "warn\n"));
    std::string input;
    while (true) {
      std::string chunk = connection.read_some();
      if (chunk.empty()) break;
      input += chunk;
    }
    connection.write(frame_bytes(1, "echo:" + input));
    connection.close_write();
  });
  Transport transport(daemon.endpoint());
  auto hijacked = transport.hijack("POST", "/v1.41/containers/c1/attach?stream=1&stdin=1&stdout=1&stderr=1");
  ASSERT_TRUE(hijacked.ok()) << hijacked.error().message;
  AttachedStream stream(std::move(*hijacked));
  CancelAfter watchdog(stream, std::chrono::seconds(5));
  auto first = stream.read_frame();
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ((*first)->stream, StreamId::Stdout);
  EXPECT_EQ((*first)->payload, "ready\n");
  auto second = stream.read_frame();
  ASSERT_TRUE(second.ok() && second->has_value());
  EXPECT_EQ((*second)->stream, StreamId::Stderr);
  EXPECT_EQ((*second)->payload, "warn\n");
  ASSERT_TRUE(stream.write_stdin("abc").ok());
  ASSERT_TRUE(stream.close_stdin().ok());
  auto echoed = stream.read_frame();
  ASSERT_TRUE(echoed.ok() && echoed->has_value()) << (echoed.ok() ? "" : echoed.error().message);
  EXPECT_EQ((*echoed)->payload, "echo:abc");
  auto end = stream.read_frame();
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(end->has_value());
  EXPECT_EQ(seen.headers["upgrade"], "tcp");
  EXPECT_EQ(seen.headers["connection"], "Upgrade");
}

TEST(TransportHijack, Accepts200RawStream) {
  FakeDaemon daemon([](FakeConnection& connection) {
    if (!connection.read_request()) return;
    connection.write("HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n" +
                     frame_bytes(1, "x"));
    connection.close_write();
    connection.wait_for_client_close();
  });
  auto hijacked = Transport(daemon.endpoint()).hijack("POST", "/v1.41/exec/e/start", R"({"Detach":false})");
  ASSERT_TRUE(hijacked.ok()) << hijacked.error().message;
  AttachedStream stream(std::move(*hijacked));
  auto frame = stream.read_frame();
  ASSERT_TRUE(frame.ok() && frame->has_value());
  EXPECT_EQ((*frame)->payload, "x");
}

TEST(TransportHijack, ErrorStatusBecomesApiError) {
  FakeDaemon daemon([](FakeConnection& connection) {
    if (!connection.read_request()) return;
    connection.write(http_response(404, "Not Found", R"({"message":"No such container: c9"})"));
  });
  auto hijacked = Transport(daemon.endpoint()).hijack("POST", "/v1.41/containers/c9/attach?stream=1");
  ASSERT_FALSE(hijacked.ok());
  EXPECT_EQ(hijacked.error().message, "POST /containers/c9/attach: 404 Not Found: No such container: c9");
}

TEST(TransportHijack, CancelUnblocksAReaderInAnotherThread) {
  FakeDaemon daemon([](FakeConnection& connection) {
    if (!connection.read_request()) return;
    connection.write(kUpgraded);
    connection.wait_for_client_close();  // never sends output
  });
  auto hijacked = Transport(daemon.endpoint()).hijack("POST", "/v1.41/containers/c/attach?stream=1");
  ASSERT_TRUE(hijacked.ok()) << hijacked.error().message;
  AttachedStream stream(std::move(*hijacked));
  std::atomic<bool> returned{false};
  Result<std::optional<Frame>> outcome = make_error("not read");
  std::thread reader([&] {
    outcome = stream.read_frame();
    returned = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(returned.load()) << "read_frame should block while the daemon is silent";
  stream.cancel();
  reader.join();
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_FALSE(outcome->has_value());
}

}  // namespace
}  // namespace hardend::docker
