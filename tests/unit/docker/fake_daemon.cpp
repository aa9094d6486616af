#include "fake_daemon.h"

#include <stdlib.h>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>
#include <filesystem>

namespace hardend::docker::testing {

namespace net = boost::asio;
namespace http = boost::beast::http;

std::optional<FakeRequest> FakeConnection::read_request() {
  http::request_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  boost::beast::error_code ec;
  http::read(socket_, buffer_, parser, ec);
  if (ec) return std::nullopt;
  auto message = parser.release();
  FakeRequest request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  for (const auto& field : message) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    request.headers[name] = std::string(field.value());
  }
  request.body = std::move(message.body());
  return request;
}

void FakeConnection::write(std::string_view bytes) {
  boost::beast::error_code ec;
  net::write(socket_, net::buffer(bytes.data(), bytes.size()), ec);
}

std::string FakeConnection::read_some() {
  if (buffer_.size() > 0) {
    auto data = buffer_.data();
    std::string out(static_cast<const char*>(data.data()), data.size());
    buffer_.consume(buffer_.size());
    return out;
  }
  std::string out(65536, '\0');
  boost::beast::error_code ec;
  size_t count = socket_.read_some(net::buffer(out), ec);
  if (ec) return {};
  out.resize(count);
  return out;
}

void FakeConnection::close_write() {
  boost::beast::error_code ec;
  socket_.shutdown(net::socket_base::shutdown_send, ec);
}

void FakeConnection::wait_for_client_close() {
  while (!read_some().empty()) {
  }
}

std::string http_response(unsigned status, std::string_view reason, std::string_view body,
                          std::string_view content_type) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) + "\r\n";
  if (!content_type.empty()) out += "Content-Type: " + std::string(content_type) + "\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  out += body;
  return out;
}

FakeDaemon::Handler FakeDaemon::responder(std::function<std::string(const FakeRequest&)> respond,
                                          std::vector<FakeRequest>* log, std::mutex* log_mutex) {
  return [respond = std::move(respond), log, log_mutex](FakeConnection& connection) {
    auto request = connection.read_request();
    if (!request) return;
    {
      std::lock_guard lock(*log_mutex);
      log->push_back(*request);
    }
    connection.write(respond(*request));
  };
}

FakeDaemon::FakeDaemon(Handler handler) : handler_(std::move(handler)), acceptor_(io_) {
  char pattern[] = "/tmp/hardend-fake-daemon-XXXXXX";
  directory_ = mkdtemp(pattern);
  socket_path_ = directory_ + "/docker.sock";
  net::local::stream_protocol::endpoint endpoint(socket_path_);
  acceptor_.open(endpoint.protocol());
  acceptor_.bind(endpoint);
  acceptor_.listen();
  thread_ = std::thread([this] { serve(); });
}

FakeDaemon::~FakeDaemon() {
  stopping_ = true;
  {  // wake the blocking accept()
    net::local::stream_protocol::socket waker(io_);
    boost::beast::error_code ec;
    waker.connect(net::local::stream_protocol::endpoint(socket_path_), ec);
    thread_.join();
  }
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

void FakeDaemon::serve() {
  while (true) {
    net::local::stream_protocol::socket socket(io_);
    boost::beast::error_code ec;
    acceptor_.accept(socket, ec);
    if (stopping_ || ec) return;
    FakeConnection connection(std::move(socket));
    handler_(connection);
  }
}

Endpoint FakeDaemon::endpoint() const {
  Endpoint endpoint;
  endpoint.kind = Endpoint::Kind::Unix;
  endpoint.path = socket_path_;
  return endpoint;
}

TempDir::TempDir() {
  char pattern[] = "/tmp/hardend-test-XXXXXX";
  path_ = mkdtemp(pattern);
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace hardend::docker::testing
