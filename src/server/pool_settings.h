// What the warm pool needs to know per image, from the config (pure): isolation mode, water marks, and the
// pool key that keeps two images or two policies from ever sharing a container.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "policy/image_ref.h"
#include "policy/spec.h"

namespace hardend::server {

enum class Isolation { fresh, reuse };
std::string to_string(Isolation isolation);

struct PoolSettings {
  Isolation isolation = Isolation::fresh;
  std::string isolation_source = "default";  // the key it came from
  int64_t low_water = 1;
  int64_t high_water = 20;
  int64_t max_runs = 100;  // reuse mode
  std::chrono::seconds idle{300};
  bool operator==(const PoolSettings&) const = default;
};

// containers.* for one image; per-image keys win with the precedence of python.pass.extra.keys.<image>[:<tag>]
// (image:tag, then image, then the general key). A low water mark above the high one is capped to it.
PoolSettings pool_settings_for(const config::Config& config, const policy::ImageRef& image);

// The identity of a pool: the image and the full resolved ContainerSpec (every field, provenance excluded), the
// isolation mode and the output limit the executor is started with. Equal keys may share containers.
std::string pool_key(const policy::ContainerSpec& spec, Isolation isolation, std::size_t output_limit);

// The effective config as JSON (key -> {value, source}) for GET /v1/config, with secrets left out: the token
// file's path is shown, never its content (which the config does not hold anyway).
nlohmann::json config_to_json(const config::Config& config);

}  // namespace hardend::server
