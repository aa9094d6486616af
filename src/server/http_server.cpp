#include "server/http_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>

#include <nlohmann/json.hpp>

namespace hardend::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using unix_socket = asio::local::stream_protocol;
using tcp = asio::ip::tcp;

constexpr std::size_t kHeaderLimit = 16 * 1024;

// One connection: read a request, hand it to the handler, write its answer, repeat while keep-alive.
template <class Socket>
class Session : public std::enable_shared_from_this<Session<Socket>> {
 public:
  Session(Socket socket, const RequestHandler& handler, std::shared_ptr<std::atomic<std::size_t>> max_body,
          std::shared_ptr<std::atomic<int64_t>> answers_pending, bool over_tcp, std::string peer)
      : socket_(std::move(socket)),
        handler_(handler),
        max_body_(std::move(max_body)),
        answers_pending_(std::move(answers_pending)),
        over_tcp_(over_tcp),
        peer_(std::move(peer)) {}

  void read() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(max_body_->load());
    http::async_read(socket_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code error, std::size_t) { self->on_read(error); });
  }

 private:
  void on_read(beast::error_code error) {
    if (error == http::error::body_limit) {
      keep_alive_ = false;
      answers_pending_->fetch_add(1);
      return write(error_answer(413, "request body larger than server.max.body (" +
                                         std::to_string(max_body_->load()) + " bytes)"));
    }
    if (error == http::error::header_limit) {
      keep_alive_ = false;
      answers_pending_->fetch_add(1);
      return write(error_answer(431, "request header larger than 16 KiB"));
    }
    if (error) return close();  // end of stream, a reset or a malformed request: nothing to answer
    auto& request = parser_->get();
    keep_alive_ = request.keep_alive();
    version_ = request.version();
    HttpRequest out;
    out.method = std::string(request.method_string());
    out.target = std::string(request.target());
    out.body = std::move(request.body());
    if (auto it = request.find(http::field::authorization); it != request.end())
      out.authorization = std::string(it->value());
    out.over_tcp = over_tcp_;
    out.peer = peer_;
    handler_(std::move(out), [self = this->shared_from_this()](HttpAnswer answer) {
      self->answers_pending_->fetch_add(1);
      asio::post(self->socket_.get_executor(), [self, answer = std::move(answer)]() mutable {
        self->write(std::move(answer));
      });
    });
  }

  void write(HttpAnswer answer) {
    response_ = {};
    response_.version(version_);
    response_.result(answer.status);
    response_.set(http::field::server, "hardend");
    response_.set(http::field::content_type, answer.content_type);
    response_.body() = std::move(answer.body);
    response_.keep_alive(keep_alive_);
    response_.prepare_payload();
    http::async_write(socket_, response_, [self = this->shared_from_this()](beast::error_code error, std::size_t) {
      self->answers_pending_->fetch_sub(1);
      if (!error && self->keep_alive_) return self->read();
      self->close();
    });
  }

  void close() {
    beast::error_code ignored;
    socket_.shutdown(Socket::shutdown_send, ignored);
    socket_.close(ignored);
  }

  Socket socket_;
  const RequestHandler& handler_;
  std::shared_ptr<std::atomic<std::size_t>> max_body_;
  std::shared_ptr<std::atomic<int64_t>> answers_pending_;
  bool over_tcp_;
  std::string peer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  bool keep_alive_ = false;
  unsigned version_ = 11;
};

bool unix_socket_is_live(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  bool live = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  ::close(fd);
  return live;
}

}  // namespace

std::string ListenAddress::str() const {
  if (kind == Kind::unix_socket) return "unix:" + path;
  std::string shown_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return "tcp://" + shown_host + ":" + std::to_string(port);
}

Result<ListenAddress> parse_listen_address(const std::string& text) {
  ListenAddress address;
  // The socket APIs read C strings: what follows a NUL would be shown in logs but never bound.
  if (text.find('\0') != std::string::npos) return Error{"listen address: contains a NUL byte"};
  if (text.starts_with("unix:")) {
    std::string path = text.substr(5);
    while (path.starts_with("//")) path.erase(0, 1);
    if (!path.starts_with('/')) return Error{"listen address " + text + ": expected unix:/absolute/path"};
    if (path.size() >= sizeof(sockaddr_un{}.sun_path))
      return Error{"listen address " + text + ": the socket path is too long"};
    address.path = path;
    return address;
  }
  if (!text.starts_with("tcp://"))
    return Error{"listen address " + text + ": expected unix:/PATH or tcp://127.0.0.1:PORT"};
  std::string rest = text.substr(6);
  auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon + 1 == rest.size())
    return Error{"listen address " + text + ": missing :PORT"};
  std::string host = rest.substr(0, colon);
  if (host.starts_with('[') && host.ends_with(']')) host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  auto port_text = rest.substr(colon + 1);
  auto [end, parse_error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (parse_error != std::errc() || end != port_text.data() + port_text.size() || port > 65535)
    return Error{"listen address " + text + ": bad port '" + port_text + "'"};
  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code error;
  auto ip = asio::ip::make_address(host, error);
  if (error) return Error{"listen address " + text + ": '" + host + "' is not an IP address"};
  if (!ip.is_loopback())
    return Error{"listen address " + text + ": TCP is served on loopback addresses only (127.0.0.1, ::1); use the "
                 "unix socket or a proxy with its own access control for anything else"};
  address.kind = ListenAddress::Kind::tcp;
  address.host = host;
  address.port = static_cast<unsigned short>(port);
  return address;
}

HttpAnswer error_answer(unsigned status, const std::string& message) {
  return HttpAnswer{status, nlohmann::json{{"error", message}}.dump(-1, ' ', false,
                                                                   nlohmann::json::error_handler_t::replace) +
                                "\n"};
}

struct HttpServer::Impl {
  asio::io_context& io;
  RequestHandler handler;
  std::shared_ptr<std::atomic<std::size_t>> max_body;
  std::shared_ptr<std::atomic<int64_t>> answers_pending;
  std::optional<unix_socket::acceptor> unix_acceptor;
  std::optional<tcp::acceptor> tcp_acceptor;
  std::string socket_path;

  void accept_unix() {
    unix_acceptor->async_accept([this](beast::error_code error, unix_socket::socket socket) {
      if (error == asio::error::operation_aborted || !unix_acceptor->is_open()) return;
      if (!error)
        std::make_shared<Session<unix_socket::socket>>(std::move(socket), handler, max_body, answers_pending, false,
                                                      "unix")
            ->read();
      accept_unix();
    });
  }

  void accept_tcp() {
    tcp_acceptor->async_accept([this](beast::error_code error, tcp::socket socket) {
      if (error == asio::error::operation_aborted || !tcp_acceptor->is_open()) return;
      if (!error) {
        beast::error_code ignored;
        auto remote = socket.remote_endpoint(ignored);
        std::string peer = remote.address().to_string() + ":" + std::to_string(remote.port());
        socket.set_option(tcp::no_delay(true), ignored);
        std::make_shared<Session<tcp::socket>>(std::move(socket), handler, max_body, answers_pending, true, peer)->read();
      }
      accept_tcp();
    });
  }
};

HttpServer::HttpServer(asio::io_context& io, RequestHandler handler)
    : max_body_(std::make_shared<std::atomic<std::size_t>>(4 << 20)),
      answers_pending_(std::make_shared<std::atomic<int64_t>>(0)) {
  impl_ = std::make_unique<Impl>(Impl{io, std::move(handler), max_body_, answers_pending_, {}, {}, {}});
}

HttpServer::~HttpServer() { stop_accepting(); }

Status HttpServer::listen(const ListenAddress& address, std::optional<gid_t> socket_group) {
  beast::error_code error;
  if (address.kind == ListenAddress::Kind::unix_socket) {
    namespace fs = std::filesystem;
    fs::path path(address.path);
    std::error_code fs_error;
    fs::create_directories(path.parent_path(), fs_error);
    if (fs::is_socket(path, fs_error)) {
      if (unix_socket_is_live(address.path))
        return Error{address.str() + ": another process is serving this socket (a second hardend serve?)"};
      fs::remove(path, fs_error);
    } else if (fs::exists(path, fs_error)) {
      return Error{address.str() + ": exists and is not a socket; refusing to replace it"};
    }
    // Created 0660 from the start (umask), not chmod-ed later: no window in which others could connect.
    mode_t old_mask = ::umask(0117);
    impl_->unix_acceptor.emplace(impl_->io);
    impl_->unix_acceptor->open(unix_socket(), error);
    if (!error) impl_->unix_acceptor->bind(unix_socket::endpoint(address.path), error);
    ::umask(old_mask);
    if (!error) impl_->unix_acceptor->listen(asio::socket_base::max_listen_connections, error);
    if (error) return Error{address.str() + ": " + error.message()};
    impl_->socket_path = address.path;
    if (socket_group && ::chown(address.path.c_str(), static_cast<uid_t>(-1), *socket_group) != 0)
      return Error{address.str() + ": cannot give the socket to group " + std::to_string(*socket_group) + ": " +
                   std::strerror(errno)};
    if (::chmod(address.path.c_str(), 0660) != 0)
      return Error{address.str() + ": chmod 0660: " + std::strerror(errno)};
    impl_->accept_unix();
    return {};
  }
  tcp::endpoint endpoint(asio::ip::make_address(address.host), address.port);
  impl_->tcp_acceptor.emplace(impl_->io);
  impl_->tcp_acceptor->open(endpoint.protocol(), error);
  if (!error) impl_->tcp_acceptor->set_option(asio::socket_base::reuse_address(true), error);
  if (!error) impl_->tcp_acceptor->bind(endpoint, error);
  if (!error) impl_->tcp_acceptor->listen(asio::socket_base::max_listen_connections, error);
  if (error) return Error{address.str() + ": " + error.message()};
  impl_->accept_tcp();
  return {};
}

void HttpServer::stop_accepting() {
  if (!impl_) return;
  beast::error_code ignored;
  if (impl_->unix_acceptor && impl_->unix_acceptor->is_open()) {
    impl_->unix_acceptor->close(ignored);
    std::error_code fs_error;
    std::filesystem::remove(impl_->socket_path, fs_error);
  }
  if (impl_->tcp_acceptor && impl_->tcp_acceptor->is_open()) impl_->tcp_acceptor->close(ignored);
}

}  // namespace hardend::server
