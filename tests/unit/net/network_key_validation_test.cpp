// A per-image --network=NAME must name a declared network (or one of Docker's own): checked by
// policy::validate_policy_keys, so `config validate` and every command report it with file:line:col and key.
#include <gtest/gtest.h>

#include "config/config.h"
#include "policy/resolver.h"

namespace hardend::net {
namespace {

std::vector<std::string> validation_errors(const std::string& text) {
  config::ParseOutcome outcome = config::parse_config(text, "d1.conf");
  EXPECT_TRUE(outcome.ok());
  if (!outcome.ok()) return {"config did not parse"};
  std::vector<std::string> lines;
  for (const config::Diagnostic& diagnostic : policy::validate_policy_keys(*outcome.config))
    lines.push_back(diagnostic.str());
  return lines;
}

TEST(NetworkKeyValidation, DeclaredAndDockersOwnNetworksAreAccepted) {
  EXPECT_TRUE(validation_errors(R"({
  "network.networks": {"external": {"bridge": "docker-external", "block": ["internal"]}},
  "python.pass.extra.keys.demisto/chromium": "--network=external",
  "python.pass.extra.keys.demisto/a": "--network=bridge",
  "python.pass.extra.keys.demisto/b": "--net=none",
  "python.pass.extra.keys.demisto/c": "--network=default",
  "python.pass.extra.keys": "--pids-limit=256"
})")
                  .empty());
}

TEST(NetworkKeyValidation, UndeclaredNetworkIsAnErrorWithLocationKeyAndSuggestion) {
  std::vector<std::string> errors = validation_errors(R"({
  "network.networks": {"external": {"bridge": "docker-external", "block": ["internal"]},
                       "aws-metadata": {"bridge": "docker-metadata", "block": ["host"]}},
  "python.pass.extra.keys.demisto/chromium": "--pids-limit=256##--network=externel"
})");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(
      errors[0],
      "d1.conf:4:3: python.pass.extra.keys.demisto/chromium: --network=externel names no declared network "
      "(did you mean external?); declare it in network.networks (with its bridge and blocks) or use "
      "bridge or none (declared: external, aws-metadata)");
}

TEST(NetworkKeyValidation, GeneralKeyAndNoNetworksDeclared) {
  std::vector<std::string> errors = validation_errors(R"({
  "python.pass.extra.keys": "--network=aws-metadata"
})");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].rfind("d1.conf:2:3: python.pass.extra.keys: --network=aws-metadata names no declared "
                            "network; declare it in network.networks",
                            0),
            0u)
      << errors[0];
}

TEST(NetworkKeyValidation, HostNetworkStaysTheUnsafeFlagsBusiness) {
  // Refused as unsafe (one error, not also "undeclared").
  std::vector<std::string> errors =
      validation_errors(R"({"python.pass.extra.keys.demisto/x": "--network=host"})");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("refused"), std::string::npos) << errors[0];
  // Allowed explicitly: no error.
  EXPECT_TRUE(validation_errors(R"({"docker.run.allow.unsafe": ["--network=host"],
  "python.pass.extra.keys.demisto/x": "--network=host"})")
                  .empty());
}

}  // namespace
}  // namespace hardend::net
