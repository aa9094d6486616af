// Fuzz harness: the bodies the daemon parses, fed directly (without HTTP framing, which http_request covers):
// POST /v1/runs (server/run_service.h parse_run_submission, then what RunService::prepare does before a run is
// admitted: image reference, policy, the executor request line) and POST /v1/check (check/check_request.h
// parse_check_request, as CheckService::prepare calls it). Input: the body. Invariants: an accepted run has a
// script or a non-empty argv, never both; its timeout is positive when set; a script's request line builds.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "check/check_request.h"
#include "fuzz_check.h"
#include "policy/image_ref.h"
#include "policy/resolver.h"
#include "server/run_service.h"
#include "serving_config.h"

using hardend::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  const auto& config = hardend::fuzz::serving_config();

  auto submission = hardend::server::parse_run_submission(body);
  if (submission.ok()) {
    require(submission->script.has_value() != !submission->argv.empty(), "exactly one of script and argv");
    if (submission->timeout) require(submission->timeout->count() >= 0, "a timeout is not negative");
    std::string image_text = submission->image.empty() ? config.python_default_image.value : submission->image;
    if (auto image = hardend::policy::parse_image_ref(image_text); image.ok()) {
      (void)hardend::policy::resolve_policy(config, *image, {});
    }
    if (submission->script) {
      auto line = hardend::runner::build_request_line(*submission->script);
      require(line.ok() && !line->empty() && line->back() == '\n', "an accepted script builds its request line");
    }
  } else {
    require(!submission.error().message.empty(), "a refused body says why");
  }

  auto parsed = body.empty() ? nlohmann::json::object() : nlohmann::json::parse(body, nullptr, false);
  if (!parsed.is_discarded()) {
    auto request = hardend::check::parse_check_request(parsed, config);
    if (request.ok()) {
      require(!request->images.empty() || request->all_images, "a check names an image or all of them");
    } else {
      require(!request.error().message.empty(), "a refused check says why");
    }
  }
  return 0;
}
