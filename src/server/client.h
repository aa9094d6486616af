// A small synchronous client for the daemon's API (the CLI's --server mode, tests, benchmarks):
// "unix:/path/to.sock" or "http://127.0.0.1:PORT", with an optional bearer token.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/result.h"

namespace hardend::server {

struct ClientAnswer {
  unsigned status = 0;
  std::string body;
  std::string content_type;
};

class ApiClient {
 public:
  // "unix:/run/hardend/hardend.sock" (also "unix:///..."), "http://127.0.0.1:8080" or "tcp://127.0.0.1:8080".
  static Result<ApiClient> connect(const std::string& server, std::string token = "");
  ApiClient(ApiClient&&) noexcept;
  ApiClient& operator=(ApiClient&&) noexcept;
  ~ApiClient();

  // One request on the kept-alive connection (reconnects once when the daemon closed it).
  Result<ClientAnswer> request(const std::string& method, const std::string& target, const std::string& body = {},
                               std::chrono::milliseconds timeout = std::chrono::minutes(10));

 private:
  struct Impl;
  explicit ApiClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hardend::server
