// The base of the integration tests that talk to the real Docker daemon (check_test, run_test, script_test):
// connecting (skipped outside CI without a daemon, a failure in CI), the daemon's facts, configs from JSON
// text, and the check that a test left no container behind.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "config/config.h"
#include "docker/client.h"
#include "policy/resolver.h"

namespace hardend::testing_support {

inline constexpr const char* kTestImage = "hardend/python:3.11";
inline constexpr const char* kTestLabel = "io.hardend.test";

class DockerTest : public ::testing::Test {
 protected:
  // Connects `client_` to the daemon of the environment ($DOCKER_HOST or the default socket), fills `facts_`
  // and checks that `image` exists. A derived SetUp returns at once when this skipped or failed the test:
  //   connect(); if (IsSkipped() || HasFatalFailure()) return;
  void connect(const std::string& image = kTestImage) {
    auto endpoint = docker::Endpoint::from_environment();
    ASSERT_TRUE(endpoint.ok()) << endpoint.error().message;
    client_.emplace(*endpoint);
    auto info = client_->info();
    if (!info.ok()) {
      client_.reset();  // nothing to clean up: TearDown does nothing
      if (std::getenv("CI") == nullptr) GTEST_SKIP() << "no Docker daemon (" << info.error().message << ")";
      FAIL() << "CI needs the Docker daemon: " << info.error().message;
    }
    facts_.swap_limit_supported = info->value("SwapLimit", false);
    ASSERT_TRUE(client_->inspect_image(image).ok())
        << image << " missing: run scripts/setup.sh (or scripts/build-test-rootfs.sh + hardend image import)";
  }

  // The containers that match `labels` (all states) are the test's own and must be gone: removes them, and
  // fails the test when there were any. `keep` narrows the list (e.g. to one image).
  template <class Keep>
  void remove_left_behind(const std::vector<std::string>& labels, Keep keep) {
    if (!client_) return;
    auto listed = client_->list_containers(labels, /*all=*/true);
    ASSERT_TRUE(listed.ok()) << listed.error().message;
    nlohmann::json left = nlohmann::json::array();
    for (const auto& container : *listed)
      if (keep(container)) left.push_back(container);
    for (const auto& container : left) (void)client_->remove_container(container.value("Id", ""), true);
    EXPECT_TRUE(left.empty()) << "containers left behind: " << left.dump();
  }
  void remove_left_behind(const std::vector<std::string>& labels) {
    remove_left_behind(labels, [](const nlohmann::json&) { return true; });
  }

  // A config from JSON text; every diagnostic fails the test.
  static config::Config config_from(const std::string& json) {
    auto outcome = config::parse_config(json, "test.conf");
    for (const auto& diagnostic : outcome.diagnostics) ADD_FAILURE() << diagnostic.str();
    EXPECT_TRUE(outcome.ok());
    return outcome.config.value_or(config::default_config());
  }

  std::optional<docker::Client> client_;
  policy::RuntimeFacts facts_;
};

}  // namespace hardend::testing_support
