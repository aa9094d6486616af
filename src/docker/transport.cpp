#include "docker/transport.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <nlohmann/json.hpp>

#include "common/strings.h"

namespace hardend::docker {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Milliseconds = std::chrono::milliseconds;
using UnixStream = beast::basic_stream<net::local::stream_protocol>;
using TcpStream = beast::tcp_stream;

// Inspect/list answers of a busy daemon can be large; anything beyond this is not a sane API answer.
constexpr uint64_t kResponseBodyLimit = 256ull * 1024 * 1024;

// Runs one asynchronous operation to completion on the caller's private io_context. Beast's basic_stream
// enforces its deadline only on asynchronous operations, so every step of an exchange goes through here.
template <class Start>
beast::error_code run_async(net::io_context& io, Start&& start) {
  beast::error_code result;
  start([&result](beast::error_code ec, auto&&...) { result = ec; });
  io.restart();
  io.run();
  return result;
}

template <class Stream>
void arm_deadline(Stream& stream, std::optional<Milliseconds> timeout) {
  if (timeout)
    stream.expires_after(*timeout);
  else
    stream.expires_never();
}

std::string describe(const beast::error_code& ec, std::optional<Milliseconds> timeout) {
  if (ec == beast::error::timeout && timeout)
    return "timed out after " + std::to_string(timeout->count()) + " ms";
  return ec.message();
}

Error connect_error(const Endpoint& endpoint, const std::string& reason) {
  return make_error("cannot connect to the Docker daemon at " + endpoint.str() + ": " + reason +
                    " (is dockerd running?)");
}

Error exchange_error(std::string_view method, std::string_view target, std::string_view step,
                     const beast::error_code& ec, std::optional<Milliseconds> timeout) {
  return make_error(std::string(method) + " " + display_path(target) + ": " + std::string(step) + ": " +
                    describe(ec, timeout));
}

beast::error_code connect(UnixStream& stream, net::io_context& io, const Endpoint& endpoint) {
  return run_async(io, [&](auto handler) {
    stream.async_connect(net::local::stream_protocol::endpoint(endpoint.path), std::move(handler));
  });
}

beast::error_code connect(TcpStream& stream, net::io_context& io, const Endpoint& endpoint) {
  net::ip::tcp::resolver resolver(io);
  beast::error_code ec;
  auto results = resolver.resolve(endpoint.host, endpoint.port, ec);
  if (ec) return ec;
  return run_async(io, [&](auto handler) { stream.async_connect(results, std::move(handler)); });
}

// The local endpoint constructor throws on an over-long path; check first so that we return an error instead.
Status check_endpoint(const Endpoint& endpoint) {
  if (endpoint.kind == Endpoint::Kind::Unix && endpoint.path.size() >= sizeof(sockaddr_un{}.sun_path))
    return connect_error(
        endpoint, "socket path longer than " + std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) + " bytes");
  return {};
}

template <class Body>
http::request<Body> make_request(const Endpoint& endpoint, std::string_view method, std::string_view target,
                                 std::string_view content_type) {
  http::request<Body> request;
  request.method_string(method);
  request.target(target);
  request.version(11);
  // Docker ignores Host on its unix socket but HTTP/1.1 requires one; "docker" is what the docker CLI sends.
  request.set(http::field::host, endpoint.kind == Endpoint::Kind::Unix ? std::string("docker")
                                                                       : endpoint.host + ":" + endpoint.port);
  request.set(http::field::user_agent, "hardend");
  if (!content_type.empty()) request.set(http::field::content_type, content_type);
  return request;
}

HttpResponse to_response(http::response<http::string_body>&& message) {
  HttpResponse response;
  response.status = message.result_int();
  response.reason = std::string(message.reason());
  for (const auto& field : message)
    response.headers[to_lower(field.name_string())] = std::string(field.value());
  response.body = std::move(message.body());
  return response;
}

template <class Stream, class Body>
Result<HttpResponse> exchange(const Endpoint& endpoint, http::request<Body>& request, std::string_view method,
                              std::string_view target, std::optional<Milliseconds> timeout) {
  net::io_context io;
  Stream stream(io);
  arm_deadline(stream, timeout);
  if (auto ec = connect(stream, io, endpoint)) return connect_error(endpoint, describe(ec, timeout));
  if (auto ec = run_async(io, [&](auto handler) { http::async_write(stream, request, std::move(handler)); }))
    return exchange_error(method, target, "sending the request", ec, timeout);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kResponseBodyLimit);
  parser.skip(method == "HEAD");  // a HEAD answer announces a Content-Length but carries no body
  if (auto ec =
          run_async(io, [&](auto handler) { http::async_read(stream, buffer, parser, std::move(handler)); }))
    return exchange_error(method, target, "reading the response", ec, timeout);
  return to_response(parser.release());
}

template <class Body>
Result<HttpResponse> dispatch(const Endpoint& endpoint, http::request<Body>& request, std::string_view method,
                              std::string_view target, std::optional<Milliseconds> timeout) {
  if (auto valid = check_endpoint(endpoint); !valid) return valid.take_error();
  if (endpoint.kind == Endpoint::Kind::Unix)
    return exchange<UnixStream>(endpoint, request, method, target, timeout);
  return exchange<TcpStream>(endpoint, request, method, target, timeout);
}

// The socket of a finished HTTP exchange, now carrying raw bytes. Owns the io_context its socket belongs to.
template <class Socket>
class SocketHijackedStream final : public HijackedStream {
 public:
  SocketHijackedStream(std::unique_ptr<net::io_context> io, Socket socket, std::string already_read)
      : io_(std::move(io)),
        socket_(std::move(socket)),
        native_handle_(socket_.native_handle()),
        pending_(std::move(already_read)) {}

  Result<std::string> read_some(size_t max) override {
    max = std::max<size_t>(max, 1);
    if (pending_offset_ < pending_.size()) {  // bytes that arrived together with the response header
      size_t take = std::min(max, pending_.size() - pending_offset_);
      std::string out = pending_.substr(pending_offset_, take);
      pending_offset_ += take;
      if (pending_offset_ == pending_.size()) std::string().swap(pending_);
      return out;
    }
    if (cancelled_.load()) return std::string();
    std::string out(max, '\0');
    beast::error_code ec;
    size_t count = 0;
    // A signal (e.g. the CLI's Ctrl-C handler) interrupts the blocking read: that is not the stream's end.
    do {
      count = socket_.read_some(net::buffer(out), ec);
    } while (ec == net::error::interrupted && !cancelled_.load());
    if (ec == net::error::eof || cancelled_.load()) return std::string();
    if (ec) return make_error("reading the attached stream: " + ec.message());
    out.resize(count);
    return out;
  }

  Status write_all(std::string_view data) override {
    size_t written = 0;
    beast::error_code ec;
    do {  // resume after a signal interrupted the blocking write
      ec.clear();
      written += net::write(socket_, net::buffer(data.data() + written, data.size() - written), ec);
    } while (ec == net::error::interrupted && written < data.size());
    if (ec) return make_error("writing to the attached stream: " + ec.message());
    return {};
  }

  Status close_write() override {
    beast::error_code ec;
    socket_.shutdown(net::socket_base::shutdown_send, ec);
    if (ec && ec != net::error::not_connected)
      return make_error("closing stdin of the attached stream: " + ec.message());
    return {};
  }

  bool nothing_to_read() override {
    if (pending_offset_ < pending_.size() || cancelled_.load()) return false;
    pollfd entry{native_handle_, POLLIN | POLLRDHUP, 0};
    int ready = 0;
    do {
      ready = ::poll(&entry, 1, 0);
    } while (ready < 0 && errno == EINTR);
    return ready == 0;  // readable, hung up, an error, or poll failing: something is there (or wrong)
  }

  // shutdown(2) on the descriptor is safe while another thread blocks in recv/poll on it and wakes that
  // thread; the descriptor itself stays open until the destructor, so there is no reuse race.
  void cancel() override {
    cancelled_.store(true);
    ::shutdown(native_handle_, SHUT_RDWR);
  }

 private:
  std::unique_ptr<net::io_context> io_;  // declared first: destroyed after the socket
  Socket socket_;
  int native_handle_;
  std::atomic<bool> cancelled_{false};
  std::string pending_;
  size_t pending_offset_ = 0;
};

template <class Stream>
Result<std::unique_ptr<HijackedStream>> hijack_over(const Endpoint& endpoint,
                                                    http::request<http::string_body>& request,
                                                    std::string_view method, std::string_view target,
                                                    std::optional<Milliseconds> timeout) {
  auto io = std::make_unique<net::io_context>();
  Stream stream(*io);
  arm_deadline(stream, timeout);
  if (auto ec = connect(stream, *io, endpoint)) return connect_error(endpoint, describe(ec, timeout));
  if (auto ec = run_async(*io, [&](auto handler) { http::async_write(stream, request, std::move(handler)); }))
    return exchange_error(method, target, "sending the request", ec, timeout);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kResponseBodyLimit);
  if (auto ec = run_async(
          *io, [&](auto handler) { http::async_read_header(stream, buffer, parser, std::move(handler)); }))
    return exchange_error(method, target, "reading the response header", ec, timeout);
  unsigned status = parser.get().result_int();
  if (status != 101 && status != 200) {
    if (!parser.is_done()) {
      // Best effort: the body only improves the message, the status alone is already an error.
      (void)run_async(*io,
                      [&](auto handler) { http::async_read(stream, buffer, parser, std::move(handler)); });
    }
    return api_error(method, target, to_response(parser.release()));
  }
  auto data = buffer.data();
  std::string already_read(static_cast<const char*>(data.data()), data.size());
  stream.expires_never();
  using Socket = typename Stream::socket_type;
  Socket socket = stream.release_socket();
  return std::unique_ptr<HijackedStream>(std::make_unique<SocketHijackedStream<Socket>>(
      std::move(io), std::move(socket), std::move(already_read)));
}

}  // namespace

Transport::Transport(Endpoint endpoint) : endpoint_(std::move(endpoint)) {}

Result<HttpResponse> Transport::request(std::string_view method, std::string_view target,
                                        std::string_view body, std::string_view content_type,
                                        std::optional<std::chrono::milliseconds> timeout) const {
  auto request = make_request<http::string_body>(endpoint_, method, target,
                                                 body.empty() ? std::string_view() : content_type);
  request.body() = std::string(body);
  request.prepare_payload();
  return dispatch(endpoint_, request, method, target, timeout);
}

Result<HttpResponse> Transport::request_with_file(std::string_view method, std::string_view target,
                                                  const std::string& file_path, std::string_view content_type,
                                                  std::optional<std::chrono::milliseconds> timeout) const {
  auto request = make_request<http::file_body>(endpoint_, method, target, content_type);
  beast::error_code ec;
  request.body().open(file_path.c_str(), beast::file_mode::scan, ec);
  if (ec)
    return make_error(std::string(method) + " " + display_path(target) + ": cannot open " + file_path + ": " +
                      ec.message());
  request.prepare_payload();  // Content-Length from the file size; the body is streamed in pieces
  return dispatch(endpoint_, request, method, target, timeout);
}

Result<std::unique_ptr<HijackedStream>> Transport::hijack(
    std::string_view method, std::string_view target, std::string_view body,
    std::optional<std::chrono::milliseconds> header_timeout) const {
  if (auto valid = check_endpoint(endpoint_); !valid) return valid.take_error();
  auto request = make_request<http::string_body>(endpoint_, method, target,
                                                 body.empty() ? std::string_view() : "application/json");
  request.set(http::field::connection, "Upgrade");
  request.set(http::field::upgrade, "tcp");
  request.body() = std::string(body);
  request.prepare_payload();
  if (endpoint_.kind == Endpoint::Kind::Unix)
    return hijack_over<UnixStream>(endpoint_, request, method, target, header_timeout);
  return hijack_over<TcpStream>(endpoint_, request, method, target, header_timeout);
}

std::string display_path(std::string_view target) {
  std::string_view path = target.substr(0, target.find('?'));
  // Drop a "/v1.41" prefix: errors should read the same whatever version was negotiated.
  if (path.size() > 2 && path[0] == '/' && path[1] == 'v') {
    size_t end = path.find('/', 1);
    std::string_view version = path.substr(2, end == std::string_view::npos ? end : end - 2);
    bool looks_like_version = !version.empty() && std::all_of(version.begin(), version.end(), [](char c) {
      return (c >= '0' && c <= '9') || c == '.';
    });
    if (looks_like_version) path = end == std::string_view::npos ? std::string_view("/") : path.substr(end);
  }
  return std::string(path);
}

std::string daemon_message(const HttpResponse& response) {
  auto json = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (json.is_object() && json.contains("message") && json["message"].is_string())
    return json["message"].get<std::string>();
  std::string text(trim(response.body));
  constexpr size_t kMaxShown = 500;
  if (text.size() > kMaxShown) text = text.substr(0, kMaxShown) + "...";
  return text;
}

Error api_error(std::string_view method, std::string_view target, const HttpResponse& response) {
  std::string reason = response.reason;
  if (reason.empty()) reason = std::string(http::obsolete_reason(static_cast<http::status>(response.status)));
  std::string message = std::string(method) + " " + display_path(target) + ": " +
                        std::to_string(response.status) + " " + reason;
  if (std::string detail = daemon_message(response); !detail.empty()) message += ": " + detail;
  return make_error(std::move(message));
}

}  // namespace hardend::docker
