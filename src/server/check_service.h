// POST /v1/check: the hardening check of `hardend check` for an image (or every configured image), run by the
// daemon with the probe binary it found at start. The body is the check request object
// (check/check_request.h); the answer is exactly what `hardend check --json` prints, 200 whether the checks
// passed or not ("passed" says), 400 for a bad request, 503 when the daemon has no probe binary.
#pragma once

#include <map>
#include <string>
#include <variant>

#include "check/check_request.h"
#include "common/result.h"
#include "config/config.h"
#include "docker/client.h"
#include "policy/resolver.h"
#include "server/http_server.h"

namespace hardend::server {

struct CheckAnswer {
  HttpAnswer http;
  bool passed = false;
};

class CheckService {
 public:
  // `probe`: where hardend-probe is (check::locate_probe() at start), or why it was not found.
  CheckService(docker::Client& client, std::map<std::string, std::string> labels, Result<std::string> probe)
      : client_(client), labels_(std::move(labels)), probe_(std::move(probe)) {}

  // Checked before the check is admitted: a bad body or image is a 400 at once.
  std::variant<check::CheckRequest, HttpAnswer> prepare(const config::Config& config, const std::string& body) const;
  const Result<std::string>& probe() const { return probe_; }
  CheckAnswer execute(const config::Config& config, const policy::RuntimeFacts& facts,
                      check::CheckRequest request) const;

 private:
  docker::Client& client_;
  std::map<std::string, std::string> labels_;
  Result<std::string> probe_;
};

}  // namespace hardend::server
