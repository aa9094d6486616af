// Shared by the check unit tests: configs from JSON text, expectations for an image, recorded probe outputs.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "check/expectations.h"
#include "config/config.h"
#include "policy/image_ref.h"
#include "policy/resolver.h"

namespace hardend::check::test {

inline constexpr const char* kImage = "hardend/python:3.11";

inline config::Config config_from(const std::string& json) {
  auto outcome = config::parse_config(json, "test.conf");
  for (const auto& diagnostic : outcome.diagnostics) ADD_FAILURE() << diagnostic.str();
  return outcome.config.value_or(config::default_config());
}

inline policy::ContainerSpec spec_for(const config::Config& config, const std::string& image = kImage,
                                      const policy::RuntimeFacts& facts = {}) {
  auto ref = policy::parse_image_ref(image);
  EXPECT_TRUE(ref.ok());
  auto spec = policy::resolve_policy(config, *ref, facts);
  EXPECT_TRUE(spec.ok()) << spec.error().message;
  return spec.ok() ? *spec : policy::ContainerSpec{};
}

inline Expectations expectations_for(const std::string& config_json = "{}",
                                     const ExpectationInputs& inputs = {}, const std::string& image = kImage,
                                     const policy::RuntimeFacts& facts = {}) {
  config::Config config = config_from(config_json);
  return derive_expectations(config, spec_for(config, image, facts), inputs);
}

// A probe output recorded in a real container on this machine (tests/data/check/README.md says how).
inline std::string recorded(const std::string& name) {
  std::ifstream file(std::string(HARDEND_TEST_DATA) + "/check/" + name + ".json");
  EXPECT_TRUE(file.good()) << "missing recording " << name;
  std::stringstream content;
  content << file.rdbuf();
  return content.str();
}

}  // namespace hardend::check::test
