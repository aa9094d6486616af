// Per-image pool settings follow the extra keys' precedence; the pool key separates images and policies.
#include <gtest/gtest.h>

#include "config/config.h"
#include "config/keys.h"
#include "policy/image_ref.h"
#include "policy/resolver.h"
#include "server/pool_settings.h"

namespace hardend::server {
namespace {

config::Config parse(const std::string& text) {
  auto outcome = config::parse_config(text, "test.json", {.strict = true});
  std::string messages;
  for (const auto& d : outcome.diagnostics) messages += d.str() + "\n";
  EXPECT_TRUE(outcome.ok()) << messages;
  return outcome.ok() ? *outcome.config : config::default_config();
}

policy::ImageRef image(const std::string& text) { return *policy::parse_image_ref(text); }

TEST(PoolSettings, DefaultsAreFreshWithTheDocumentedWaterMarks) {
  auto settings = pool_settings_for(config::default_config(), image("hardend/python:3.11"));
  EXPECT_EQ(settings.isolation, Isolation::fresh);
  EXPECT_EQ(settings.isolation_source, "default");
  EXPECT_EQ(settings.low_water, 1);
  EXPECT_EQ(settings.high_water, 20);
  EXPECT_EQ(settings.max_runs, 100);
  EXPECT_EQ(settings.idle, std::chrono::seconds(300));
}

TEST(PoolSettings, MostSpecificIsolationWins) {
  auto config = parse(R"({"containers.isolation": "fresh",
                          "containers.isolation.demisto/dl": "reuse",
                          "containers.isolation.demisto/dl:1.4": "fresh"})");
  EXPECT_EQ(pool_settings_for(config, image("demisto/dl:1.3")).isolation, Isolation::reuse);
  EXPECT_EQ(pool_settings_for(config, image("demisto/dl:1.3")).isolation_source, "containers.isolation.demisto/dl");
  EXPECT_EQ(pool_settings_for(config, image("demisto/dl:1.4")).isolation, Isolation::fresh);
  EXPECT_EQ(pool_settings_for(config, image("demisto/dl")).isolation, Isolation::reuse);  // :latest
  EXPECT_EQ(pool_settings_for(config, image("demisto/dl-gpu:1.4")).isolation, Isolation::fresh);  // not a prefix
  EXPECT_EQ(pool_settings_for(config, image("other:1")).isolation_source, "containers.isolation");
}

TEST(PoolSettings, PerImageWaterMarksAndLowCappedByHigh) {
  auto config = parse(R"({"containers.low.water.mark": 3, "containers.high.water.mark": "10",
                          "containers.high.water.mark.demisto/dl": 2,
                          "containers.low.water.mark.demisto/dl:latest": 0})");
  auto dl = pool_settings_for(config, image("demisto/dl:1.0"));
  EXPECT_EQ(dl.high_water, 2);
  EXPECT_EQ(dl.low_water, 2);  // 3, capped by the image's high water mark
  auto latest = pool_settings_for(config, image("demisto/dl"));
  EXPECT_EQ(latest.low_water, 0);
  auto other = pool_settings_for(config, image("x/y:1"));
  EXPECT_EQ(other.low_water, 3);
  EXPECT_EQ(other.high_water, 10);
}

TEST(PoolSettings, BadValuesAreConfigErrorsWithTheirKey) {
  for (const char* text : {R"({"containers.isolation": "shared"})", R"({"containers.high.water.mark": 0})",
                           R"({"containers.low.water.mark": -1})", R"({"containers.max.runs": "ten"})",
                           R"({"containers.isolation.": "reuse"})", R"({"containers.isolation.demisto/dl:": "reuse"})",
                           R"({"server.listen": "http://0.0.0.0:80"})", R"({"server.token.file": "token"})",
                           R"({"server.log.format": "xml"})"}) {
    auto outcome = config::parse_config(text, "bad.json");
    EXPECT_FALSE(outcome.ok()) << text;
    ASSERT_FALSE(outcome.diagnostics.empty()) << text;
    EXPECT_NE(outcome.diagnostics[0].str().find("bad.json:1:"), std::string::npos) << outcome.diagnostics[0].str();
  }
  auto suggestion = config::parse_config(R"({"containers.isolation": "resue"})", "bad.json");
  ASSERT_FALSE(suggestion.diagnostics.empty());
  EXPECT_NE(suggestion.diagnostics[0].message.find("did you mean reuse?"), std::string::npos);
}

TEST(PoolKey, SeparatesImagesPoliciesAndModesButNotProvenance) {
  auto base = config::default_config();
  auto spec_a = *policy::resolve_policy(base, image("hardend/python:3.11"));
  auto spec_b = *policy::resolve_policy(base, image("hardend/python:3.12"));
  EXPECT_NE(pool_key(spec_a, Isolation::fresh, 1024), pool_key(spec_b, Isolation::fresh, 1024));
  EXPECT_NE(pool_key(spec_a, Isolation::fresh, 1024), pool_key(spec_a, Isolation::reuse, 1024));
  EXPECT_NE(pool_key(spec_a, Isolation::fresh, 1024), pool_key(spec_a, Isolation::fresh, 2048));

  auto more_memory = parse(R"({"docker.memory.limit": "2g"})");
  auto spec_c = *policy::resolve_policy(more_memory, image("hardend/python:3.11"));
  EXPECT_NE(pool_key(spec_a, Isolation::fresh, 1024), pool_key(spec_c, Isolation::fresh, 1024));

  // The same value written explicitly: another source, the same container.
  auto explicit_default = parse(R"({"docker.memory.limit": "1g"})");
  auto spec_d = *policy::resolve_policy(explicit_default, image("hardend/python:3.11"));
  EXPECT_EQ(pool_key(spec_a, Isolation::fresh, 1024), pool_key(spec_d, Isolation::fresh, 1024));
}

TEST(ConfigJson, ShowsValuesWithSourcesAndNoSecret) {
  auto config = parse(R"({"server.token.file": "/etc/hardend/token", "containers.isolation.demisto/dl": "reuse"})");
  auto json = config_to_json(config);
  EXPECT_EQ(json["keys"]["server.token.file"]["value"], "/etc/hardend/token");
  EXPECT_EQ(json["keys"]["server.token.file"]["source"], "server.token.file");
  EXPECT_EQ(json["keys"]["docker.memory.limit"]["source"], "default");
  EXPECT_EQ(json["per_image"]["containers.isolation.demisto/dl"], "reuse");
  EXPECT_EQ(json["path"], "test.json");
}

// GET /v1/config lists keys by hand: every key of the keys table must be there (per-image families under
// "per_image", the networks object under "networks").
TEST(ConfigJson, ShowsEveryKeyOfTheKeysTable) {
  auto json = config_to_json(parse("{}"));
  for (const auto& key : config::keys_table()) {
    if (key.per_image || key.type == config::KeyType::Networks) continue;
    EXPECT_TRUE(json["keys"].contains(key.name)) << key.name << " is missing from GET /v1/config";
  }
}

}  // namespace
}  // namespace hardend::server
