// HTTP/1.1 to the Docker Engine API over a unix socket or TCP, with Boost.Beast (DESIGN.md section 4).
// Synchronous: each call opens its own connection, so a Transport can be shared by threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "docker/endpoint.h"

namespace hardend::docker {

struct HttpResponse {
  unsigned status = 0;
  std::string reason;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

// A connection taken over after "Upgrade: tcp" (attach, exec start): raw bytes both ways.
// Thread-safety: one thread may read while another writes; cancel() may be called from any thread at any time
// while the object is alive (it shuts the socket down, so a blocked read_some returns end of stream).
class HijackedStream {
 public:
  virtual ~HijackedStream() = default;
  // Reads up to `max` bytes; returns 0 bytes at end of stream.
  virtual Result<std::string> read_some(size_t max = 65536) = 0;
  virtual Status write_all(std::string_view data) = 0;
  // Half-close: the container sees end of stdin.
  virtual Status close_write() = 0;
  // Unblocks a reader in another thread.
  virtual void cancel() = 0;
  // Without blocking: true when nothing can be read now (no bytes waiting, no end of stream, no error).
  virtual bool nothing_to_read() = 0;
};

class Transport {
 public:
  explicit Transport(Endpoint endpoint);

  const Endpoint& endpoint() const { return endpoint_; }

  // `timeout` bounds the whole exchange; nullopt means none (e.g. POST /containers/{id}/wait).
  Result<HttpResponse> request(
      std::string_view method, std::string_view target, std::string_view body = {},
      std::string_view content_type = "application/json",
      std::optional<std::chrono::milliseconds> timeout = std::chrono::seconds(60)) const;

  // Streams a file as the request body (image import) without loading it into memory.
  Result<HttpResponse> request_with_file(
      std::string_view method, std::string_view target, const std::string& file_path,
      std::string_view content_type,
      std::optional<std::chrono::milliseconds> timeout = std::chrono::minutes(10)) const;

  // Sends the request with "Connection: Upgrade, Upgrade: tcp" and hands over the raw connection once the
  // daemon answers 101 (or 200). Any bytes already read past the headers are delivered first.
  // A 4xx/5xx answer becomes api_error(). `header_timeout` bounds only the exchange up to the response
  // header; reads on the hijacked stream block until data, end of stream or cancel().
  Result<std::unique_ptr<HijackedStream>> hijack(
      std::string_view method, std::string_view target, std::string_view body = {},
      std::optional<std::chrono::milliseconds> header_timeout = std::chrono::seconds(60)) const;

 private:
  Endpoint endpoint_;
};

// "/v1.41/containers/x/json?all=1" -> "/containers/x/json": the path as shown in error messages.
std::string display_path(std::string_view target);

// The daemon's "message" from a JSON error body, else the trimmed body text (may be empty).
std::string daemon_message(const HttpResponse& response);

// "POST /containers/create: 404 Not Found: No such image: nosuch:latest".
Error api_error(std::string_view method, std::string_view target, const HttpResponse& response);

}  // namespace hardend::docker
