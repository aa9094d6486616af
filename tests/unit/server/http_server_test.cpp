// The HTTP server on a real unix socket and loopback TCP (no Docker): 0660 socket, answers from other threads,
// keep-alive, the body limit, stale and live sockets, and the client used by `--server`.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "server/client.h"
#include "server/http_server.h"

namespace hardend::server {
namespace {

namespace fs = std::filesystem;

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hardend-http-" + std::to_string(getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    socket_ = (dir_ / "api.sock").string();
  }
  void TearDown() override {
    stop();
    fs::remove_all(dir_);
  }

  void start(RequestHandler handler, std::size_t max_body = 1024) {
    server_ = std::make_unique<HttpServer>(io_, std::move(handler));
    server_->set_max_body(max_body);
    auto address = parse_listen_address("unix:" + socket_);
    ASSERT_TRUE(address.ok());
    auto listening = server_->listen(*address, std::nullopt);
    ASSERT_TRUE(listening.ok()) << listening.error().message;
    thread_ = std::thread([this] { io_.run(); });
  }
  void stop() {
    io_.stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
  }

  fs::path dir_;
  std::string socket_;
  boost::asio::io_context io_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
};

TEST_F(HttpServerTest, SocketIs0660AndAnswersComeFromAnyThread) {
  start([](HttpRequest request, Respond respond) {
    std::thread([request = std::move(request), respond = std::move(respond)] {
      respond(HttpAnswer{201, request.method + " " + request.target + " " + request.body + " " +
                                  (request.over_tcp ? "tcp" : "unix")});
    }).detach();
  });
  struct stat info {};
  ASSERT_EQ(::stat(socket_.c_str(), &info), 0);
  EXPECT_TRUE(S_ISSOCK(info.st_mode));
  EXPECT_EQ(info.st_mode & 0777, 0660u);

  auto client = ApiClient::connect("unix:" + socket_);
  ASSERT_TRUE(client.ok()) << client.error().message;
  for (int i = 0; i < 3; ++i) {  // one kept-alive connection
    auto answer = client->request("POST", "/v1/x?y=" + std::to_string(i), "body");
    ASSERT_TRUE(answer.ok()) << answer.error().message;
    EXPECT_EQ(answer->status, 201u);
    EXPECT_EQ(answer->body, "POST /v1/x?y=" + std::to_string(i) + " body unix");
  }
}

TEST_F(HttpServerTest, BodyOverTheLimitIs413AndNeverReachesTheHandler) {
  std::atomic<int> calls{0};
  start([&calls](HttpRequest, Respond respond) {
    calls++;
    respond(HttpAnswer{200, "ok"});
  }, 100);
  auto client = ApiClient::connect("unix:" + socket_);
  ASSERT_TRUE(client.ok());
  auto answer = client->request("POST", "/v1/runs", std::string(101, 'x'));
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  EXPECT_EQ(answer->status, 413u);
  EXPECT_NE(answer->body.find("server.max.body"), std::string::npos);
  EXPECT_EQ(calls.load(), 0);
  auto fresh = ApiClient::connect("unix:" + socket_);
  auto small = fresh->request("POST", "/v1/runs", std::string(100, 'x'));
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(small->status, 200u);
}

TEST_F(HttpServerTest, StaleSocketIsReplacedLiveOneIsRefused) {
  // A socket file nobody listens on (a crashed daemon's) is replaced.
  {
    boost::asio::io_context other;
    HttpServer stale(other, [](HttpRequest, Respond respond) { respond({}); });
    ASSERT_TRUE(stale.listen(*parse_listen_address("unix:" + socket_), std::nullopt).ok());
    // Leave the file behind as a crash would: close without removing.
  }
  std::ofstream(dir_ / "plain") << "x";
  start([](HttpRequest, Respond respond) { respond(HttpAnswer{200, "new"}); });
  auto client = ApiClient::connect("unix:" + socket_);
  ASSERT_TRUE(client.ok());
  EXPECT_EQ(client->request("GET", "/")->body, "new");

  boost::asio::io_context second_io;
  HttpServer second(second_io, [](HttpRequest, Respond respond) { respond({}); });
  auto refused = second.listen(*parse_listen_address("unix:" + socket_), std::nullopt);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("another process"), std::string::npos);
  auto not_a_socket = second.listen(*parse_listen_address("unix:" + (dir_ / "plain").string()), std::nullopt);
  ASSERT_FALSE(not_a_socket.ok());
  EXPECT_NE(not_a_socket.error().message.find("not a socket"), std::string::npos);
}

TEST_F(HttpServerTest, LoopbackTcpCarriesTheAuthorizationHeader) {
  server_ = std::make_unique<HttpServer>(io_, [](HttpRequest request, Respond respond) {
    respond(HttpAnswer{200, request.authorization + "|" + (request.over_tcp ? "tcp" : "unix")});
  });
  ListenAddress address;
  address.kind = ListenAddress::Kind::tcp;
  address.host = "127.0.0.1";
  address.port = static_cast<unsigned short>(20000 + getpid() % 20000);
  auto listening = server_->listen(address, std::nullopt);
  if (!listening.ok()) GTEST_SKIP() << "port busy: " << listening.error().message;
  thread_ = std::thread([this] { io_.run(); });
  auto client = ApiClient::connect("http://127.0.0.1:" + std::to_string(address.port), "secret-token-123456");
  ASSERT_TRUE(client.ok()) << client.error().message;
  auto answer = client->request("GET", "/healthz");
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer->body, "Bearer secret-token-123456|tcp");
}

}  // namespace
}  // namespace hardend::server
