// Renders `hardend check` results: the "Docker Hardening Results Check" table (Check | Status) and --json.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "check/check_image.h"

namespace hardend::check {

inline constexpr const char* kTableTitle = "Docker Hardening Results Check";

// One table per image under the title; long statuses wrap within the Status column.
std::string render_table(const std::vector<ImageReport>& reports);

// {"image", "checks": [{"check", "status", "passed", "measured", "expected"}], "passed", "duration_ms"} plus
// "error" (when the image could not be checked) and "notes" (the policy's notes).
nlohmann::json to_json(const ImageReport& report);
// --all-images: {"images": [to_json(report)...], "passed": every image passed, "duration_ms": total}.
nlohmann::json to_json(const std::vector<ImageReport>& reports);

// Either form read back (a report from the daemon's POST /v1/check, rendered by `hardend check --server`).
// Fields that are missing are left empty; an object that is neither form is an error.
Result<std::vector<ImageReport>> reports_from_json(const nlohmann::json& json);

}  // namespace hardend::check
