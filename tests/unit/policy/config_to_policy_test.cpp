// From d1.conf text to a resolved policy: the hardening guide's keys, parsed by parse_config and resolved
// here.
#include <gtest/gtest.h>

#include "config/config.h"
#include "policy/resolver.h"

namespace hardend::policy {
namespace {

config::Config parse_ok(const std::string& text) {
  config::ParseOutcome outcome = config::parse_config(text, "d1.conf");
  for (const auto& diagnostic : outcome.diagnostics) ADD_FAILURE() << diagnostic.str();
  EXPECT_TRUE(outcome.ok());
  return outcome.config ? *outcome.config : config::default_config();
}

const char* const kGuideConfig = R"({
  "docker.run.internal.asuser": true,
  "limit.docker.cpu": true,
  "limit.docker.memory": true,
  "python.pass.extra.keys": "--pids-limit=256##--ulimit=nofile=1024:8192",
  "python.pass.extra.keys.demisto/dl": "--memory=2g##--ulimit=nofile=1024:8192##--pids-limit=256",
  "python.pass.extra.keys.demisto/boto3py3": "--network=aws-metadata",
  "docker.run.internal.asuser.ignore": "demisto/python3:,demisto/python:",
  "network.networks": {"aws-metadata": {"bridge": "docker-metadata", "block": ["host"]}}
})";

TEST(ConfigToPolicy, GuideConfigDemistoDl) {
  config::Config config = parse_ok(kGuideConfig);
  auto spec = resolve_policy(config, *parse_image_ref("demisto/dl:1.4"));
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_EQ(spec->memory.value, int64_t{2} << 30);
  EXPECT_EQ(spec->memory.source, "python.pass.extra.keys.demisto/dl");
  EXPECT_EQ(spec->pids_limit.value, 256);
  EXPECT_EQ(spec->user.value, "4000:4000");
  EXPECT_EQ(spec->nano_cpus.value, 1000000000);
}

TEST(ConfigToPolicy, GuideConfigIgnoreListAndNetwork) {
  config::Config config = parse_ok(kGuideConfig);
  for (const char* root_image : {"demisto/python:1.3-alpine", "demisto/python:2.7.16.373",
                                 "demisto/python3:3.7.3.928", "demisto/python3:3.7.4.977"}) {
    auto spec = resolve_policy(config, *parse_image_ref(root_image));
    ASSERT_TRUE(spec.ok()) << spec.error().message;
    EXPECT_EQ(spec->user.value, std::nullopt) << root_image;
  }
  auto ubuntu = resolve_policy(config, *parse_image_ref("demisto/python-ubuntu:2.7.16.373"));
  ASSERT_TRUE(ubuntu.ok());
  EXPECT_EQ(ubuntu->user.value, "4000:4000");
  auto boto = resolve_policy(config, *parse_image_ref("demisto/boto3py3:1.0"));
  ASSERT_TRUE(boto.ok());
  EXPECT_EQ(boto->network.value, "aws-metadata");
  EXPECT_TRUE(validate_policy_keys(config).empty());
}

TEST(ConfigToPolicy, FlagErrorPointsIntoTheFile) {
  config::ParseOutcome outcome = config::parse_config(
      "{\n  \"limit.docker.memory\": true,\n  \"python.pass.extra.keys.demisto/dl\": \"--memroy=2g\"\n}\n",
      "d1.conf");
  if (!outcome.ok())
    GTEST_SKIP() << "the config layer rejects flag errors itself: " << outcome.diagnostics[0].str();
  auto spec = resolve_policy(*outcome.config, *parse_image_ref("demisto/dl:1.4"));
  ASSERT_FALSE(spec.ok());
  const std::string& message = spec.error().message;
  EXPECT_EQ(message.rfind("d1.conf:3:", 0), 0u) << message;
  EXPECT_NE(
      message.find(": python.pass.extra.keys.demisto/dl: unknown flag --memroy (did you mean --memory?)"),
      std::string::npos)
      << message;
}

}  // namespace
}  // namespace hardend::policy
