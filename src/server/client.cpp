#include "server/client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <optional>

namespace hardend::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

constexpr std::size_t kMaxAnswerBytes = std::size_t{1} << 30;

}  // namespace

struct ApiClient::Impl {
  bool unix_socket = true;
  std::string path;  // unix
  std::string host, port;  // tcp
  std::string token;
  std::string shown;  // for messages
  asio::io_context io;
  std::optional<asio::local::stream_protocol::socket> unix_stream;
  std::optional<asio::ip::tcp::socket> tcp_stream;
  beast::flat_buffer buffer;

  bool connected() const { return (unix_stream && unix_stream->is_open()) || (tcp_stream && tcp_stream->is_open()); }

  Status open() {
    beast::error_code error;
    buffer.clear();
    if (unix_socket) {
      unix_stream.emplace(io);
      unix_stream->connect(asio::local::stream_protocol::endpoint(path), error);
    } else {
      asio::ip::tcp::resolver resolver(io);
      auto endpoints = resolver.resolve(host, port, error);
      if (!error) {
        tcp_stream.emplace(io);
        asio::connect(*tcp_stream, endpoints, error);
        if (!error) tcp_stream->set_option(asio::ip::tcp::no_delay(true), error);
      }
    }
    if (error) return Error{"cannot connect to the hardend daemon at " + shown + ": " + error.message()};
    return {};
  }

  void close() {
    beast::error_code ignored;
    if (unix_stream) unix_stream->close(ignored);
    if (tcp_stream) tcp_stream->close(ignored);
  }

  template <class Stream>
  Result<ClientAnswer> exchange(Stream& stream, http::request<http::string_body>& request) {
    beast::error_code error;
    http::write(stream, request, error);
    if (error) return Error{"sending to " + shown + ": " + error.message()};
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxAnswerBytes);
    http::read(stream, buffer, parser, error);
    if (error) return Error{"reading the answer of " + shown + ": " + error.message()};
    auto& response = parser.get();
    ClientAnswer answer{response.result_int(), std::move(response.body()),
                        std::string(response[http::field::content_type])};
    if (!response.keep_alive()) close();
    return answer;
  }
};

ApiClient::ApiClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ApiClient::ApiClient(ApiClient&&) noexcept = default;
ApiClient& ApiClient::operator=(ApiClient&&) noexcept = default;
ApiClient::~ApiClient() = default;

Result<ApiClient> ApiClient::connect(const std::string& server, std::string token) {
  auto impl = std::make_unique<Impl>();
  impl->token = std::move(token);
  impl->shown = server;
  if (server.starts_with("unix:")) {
    impl->path = server.substr(5);
    while (impl->path.starts_with("//")) impl->path.erase(0, 1);
  } else if (server.starts_with("http://") || server.starts_with("tcp://")) {
    std::string rest = server.substr(server.find("://") + 3);
    if (auto slash = rest.find('/'); slash != std::string::npos) rest.resize(slash);
    auto colon = rest.rfind(':');
    if (colon == std::string::npos) return Error{"--server " + server + ": missing :PORT"};
    impl->unix_socket = false;
    impl->host = rest.substr(0, colon);
    if (impl->host.starts_with('[') && impl->host.ends_with(']')) impl->host = impl->host.substr(1, impl->host.size() - 2);
    impl->port = rest.substr(colon + 1);
  } else {
    return Error{"--server " + server + ": expected unix:/path/to.sock or http://127.0.0.1:PORT"};
  }
  HARDEND_TRY_VOID(impl->open());
  return ApiClient(std::move(impl));
}

Result<ClientAnswer> ApiClient::request(const std::string& method, const std::string& target, const std::string& body,
                                        std::chrono::milliseconds /*timeout*/) {
  http::request<http::string_body> request(http::string_to_verb(method), target, 11);
  request.set(http::field::host, impl_->unix_socket ? "localhost" : impl_->host);
  request.set(http::field::user_agent, "hardend-cli");
  if (!impl_->token.empty()) request.set(http::field::authorization, "Bearer " + impl_->token);
  if (!body.empty()) request.set(http::field::content_type, "application/json");
  request.body() = body;
  request.keep_alive(true);
  request.prepare_payload();
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!impl_->connected()) HARDEND_TRY_VOID(impl_->open());
    auto answer = impl_->unix_socket ? impl_->exchange(*impl_->unix_stream, request)
                                     : impl_->exchange(*impl_->tcp_stream, request);
    // Only a GET is sent again: a POST the daemon may have received must not run twice.
    if (answer.ok() || attempt == 1 || method != "GET") return answer;
    impl_->close();  // a kept-alive connection the daemon closed meanwhile: once more on a new one
  }
  return Error{"unreachable"};
}

}  // namespace hardend::server
