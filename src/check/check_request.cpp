#include "check/check_request.h"

#include <algorithm>

#include "common/units.h"
#include "policy/image_ref.h"

namespace hardend::check {
namespace {

using nlohmann::json;

Result<std::optional<int64_t>> positive_integer(const json& request, const char* field) {
  if (!request.contains(field) || request[field].is_null()) return std::optional<int64_t>{};
  const json& value = request[field];
  if (!value.is_number_integer() || value.get<int64_t>() <= 0)
    return Error{std::string("\"") + field + "\" must be a positive integer"};
  return std::optional<int64_t>{value.get<int64_t>()};
}

Result<bool> boolean(const json& request, const char* field) {
  if (!request.contains(field) || request[field].is_null()) return false;
  if (!request[field].is_boolean()) return Error{std::string("\"") + field + "\" must be true or false"};
  return request[field].get<bool>();
}

Result<std::string> string(const json& request, const char* field) {
  if (!request.contains(field) || request[field].is_null()) return std::string();
  if (!request[field].is_string()) return Error{std::string("\"") + field + "\" must be a string"};
  return request[field].get<std::string>();
}

}  // namespace

// Moves a field's value into `target`, or returns its error from the enclosing function.
#define HARDEND_FIELD(target, expression)            \
  do {                                               \
    auto field_ = (expression);                      \
    if (!field_.ok()) return field_.take_error();    \
    target = std::move(*field_);                     \
  } while (0)

Result<CheckRequest> parse_check_request(const json& request, const config::Config& config) {
  if (!request.is_object()) return Error{"the check request must be a JSON object"};
  static const std::vector<std::string> kFields{"image", "all_images", "memory",  "memory_check", "pids",
                                                "fds_soft", "fds_hard", "cpus", "cpu_measure"};
  for (const auto& [name, value] : request.items())
    if (std::find(kFields.begin(), kFields.end(), name) == kFields.end())
      return Error{"unknown field \"" + name + "\" (expected one of: image, all_images, memory, memory_check, pids, "
                   "fds_soft, fds_hard, cpus, cpu_measure)"};
  CheckRequest out;
  std::string image;
  HARDEND_FIELD(image, string(request, "image"));
  HARDEND_FIELD(out.all_images, boolean(request, "all_images"));
  if (out.all_images && !image.empty()) return Error{"give \"image\" or \"all_images\", not both"};
  if (out.all_images) {
    out.images = images_to_check(config);
  } else {
    out.images.push_back(image.empty() ? config.python_default_image.value : image);
    if (auto ref = policy::parse_image_ref(out.images.front()); !ref.ok())
      return ref.take_error().context("\"image\"");
  }

  std::string memory;
  HARDEND_FIELD(memory, string(request, "memory"));
  if (!memory.empty()) {
    auto bytes = parse_size(memory);
    if (!bytes.ok()) return bytes.take_error().context("\"memory\"");
    out.options.overrides.memory_bytes = *bytes;
  }
  std::string memory_check;
  HARDEND_FIELD(memory_check, string(request, "memory_check"));
  if (memory_check == "allocate")
    out.options.memory_mode = MemoryCheckMode::Allocate;
  else if (memory_check.empty() || memory_check == "cgroup")
    out.options.memory_mode = MemoryCheckMode::Cgroup;
  else
    return Error{"\"memory_check\" must be \"cgroup\" or \"allocate\", not \"" + memory_check + "\""};
  HARDEND_FIELD(out.options.overrides.pids, positive_integer(request, "pids"));
  HARDEND_FIELD(out.options.overrides.fds_soft, positive_integer(request, "fds_soft"));
  HARDEND_FIELD(out.options.overrides.fds_hard, positive_integer(request, "fds_hard"));
  if (request.contains("cpus") && !request["cpus"].is_null()) {
    if (!request["cpus"].is_number() || request["cpus"].get<double>() <= 0)
      return Error{"\"cpus\" must be a positive number"};
    out.options.overrides.cpus = request["cpus"].get<double>();
  }
  bool cpu_measure = false;
  HARDEND_FIELD(cpu_measure, boolean(request, "cpu_measure"));
  if (cpu_measure) out.options.cpu_measure_ms = kCpuMeasureMs;
  return out;
}

#undef HARDEND_FIELD

}  // namespace hardend::check
