// What to check, as one JSON object: the body of the daemon's `POST /v1/check` and what `hardend check` builds
// from its flags, so that both paths read the same fields the same way:
//   {"image": "IMAGE[:TAG]" | absent (python.default.image), "all_images": bool, "memory": "1g",
//    "memory_check": "cgroup" | "allocate", "pids": N, "fds_soft": N, "fds_hard": N, "cpus": 1.5,
//    "cpu_measure": bool}
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "check/check_image.h"
#include "common/result.h"
#include "config/config.h"

namespace hardend::check {

inline constexpr int kCpuMeasureMs = 500;

struct CheckRequest {
  std::vector<std::string> images;  // one, or every image of --all-images
  bool all_images = false;
  CheckOptions options;  // without probe_path and labels, which the caller sets
};

// Errors name the field and what it expects ("\"pids\" must be a positive integer").
Result<CheckRequest> parse_check_request(const nlohmann::json& request, const config::Config& config);

}  // namespace hardend::check
