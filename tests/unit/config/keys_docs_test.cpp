// The keys table is the single source of truth: it must cover every setting, agree with default_config(),
// give valid examples, and produce docs/CONFIG.md exactly. The example configs in configs/ must stay valid.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "common/units.h"
#include "config/config.h"
#include "config/keys.h"
#include "config_fields.h"

namespace hardend::config {
namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string all_messages(const ParseOutcome& outcome) {
  std::string out;
  for (const auto& d : outcome.diagnostics) out += d.str() + "\n";
  return out;
}

TEST(KeysTable, ListsEveryKeyOnceAndEverySettingOfConfig) {
  std::set<std::string> names;
  for (const auto& key : keys_table()) {
    EXPECT_TRUE(names.insert(key.name).second) << "listed twice: " << key.name;
    EXPECT_FALSE(key.doc.empty()) << key.name;
    EXPECT_FALSE(key.example.empty()) << key.name;
    EXPECT_FALSE(key.default_value.empty()) << key.name;
    EXPECT_EQ(key.per_image, key.name.find("<image>") != std::string::npos) << key.name;
  }
  std::set<std::string> expected;
  for (const auto& [key, field] : testing::fields(default_config())) expected.insert(key);
  expected.insert(
      {"network.networks", "python.pass.extra.keys.<image>", "python.pass.extra.keys.<image>:<tag>"});
  expected.insert({"containers.low.water.mark.<image>", "containers.high.water.mark.<image>",
                   "containers.isolation.<image>", "containers.isolation.<image>:<tag>"});
  EXPECT_EQ(names, expected);
}

TEST(KeysTable, FindKeyMatchesExactNamesOnly) {
  ASSERT_NE(find_key("docker.memory.limit"), nullptr);
  EXPECT_EQ(find_key("docker.memory.limit")->type, KeyType::Size);
  EXPECT_EQ(find_key("python.pass.extra.keys.<image>"), nullptr);
  EXPECT_EQ(find_key("docker.memory"), nullptr);
}

// The default written in the table, parsed as a config value, gives exactly default_config()'s value.
TEST(KeysTable, DocumentedDefaultsEqualDefaultConfig) {
  const auto defaults = testing::fields(default_config());
  for (const auto& key : keys_table()) {
    if (key.per_image || key.type == KeyType::Networks) continue;
    SCOPED_TRACE(key.name);
    const auto& expected = defaults.at(key.name);
    EXPECT_EQ(expected.source, "default");
    if (key.default_value == "(none)") {
      // Lists default to empty; the general extra keys default to unset.
      EXPECT_TRUE(expected.text.empty() || expected.text == "(none)") << expected.text;
      continue;
    }
    std::string text = "{\"" + key.name + "\": \"" + key.default_value + "\"}";
    auto outcome = parse_config(text, "defaults", {.strict = true});
    ASSERT_TRUE(outcome.ok()) << all_messages(outcome);
    EXPECT_EQ(testing::fields(*outcome.config).at(key.name).text, expected.text);
  }
  EXPECT_TRUE(default_config().networks.empty());
  EXPECT_TRUE(default_config().image_extra_keys.empty());
  EXPECT_EQ(default_config().path, "");
}

TEST(KeysTable, EveryExampleIsAValidConfig) {
  for (const auto& key : keys_table()) {
    SCOPED_TRACE(key.name);
    auto outcome = parse_config("{" + key.example + "}", "example", {.strict = true});
    ASSERT_TRUE(outcome.ok()) << all_messages(outcome);
    EXPECT_TRUE(outcome.diagnostics.empty()) << all_messages(outcome);
    if (key.per_image) {
      const Config& c = *outcome.config;
      EXPECT_EQ(c.image_extra_keys.size() + c.image_isolation.size() + c.image_low_water.size() +
                    c.image_high_water.size(),
                1u);
    } else if (key.type == KeyType::Networks) {
      EXPECT_FALSE(outcome.config->networks.empty());
    } else {
      EXPECT_EQ(testing::fields(*outcome.config).at(key.name).source, key.name);
    }
  }
}

TEST(ConfigDocs, CommittedFileMatchesTheKeysTable) {
  const std::string path = std::string(HARDEND_SOURCE_DIR) + "/docs/CONFIG.md";
  const std::string rendered = render_config_markdown();
  if (const char* update = std::getenv("HARDEND_UPDATE_GOLDEN"); update && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary) << rendered;
  }
  EXPECT_EQ(read_text(path), rendered)
      << "docs/CONFIG.md differs from the keys table (src/config/keys.cpp); regenerate it with "
         "HARDEND_UPDATE_GOLDEN=1 unit_config --gtest_filter=ConfigDocs.*";
}

TEST(ConfigDocs, DocumentEveryKeyWithItsSemantics) {
  const std::string md = render_config_markdown();
  for (const auto& key : keys_table()) {
    EXPECT_NE(md.find("### `" + key.name + "`"), std::string::npos) << key.name;
    EXPECT_NE(md.find(key.example), std::string::npos) << key.name;
  }
  // The semantics operators trip over (DESIGN.md section 2) are spelled out.
  for (const char* phrase : {"prefix match", "instead of", "Most specific wins", "means `:latest`",
                             "memory-swap is set equal to the memory limit", "docker.run.allow.unsafe",
                             "python.pass.extra.keys.demisto/dl:1.4", "169.254.169.254/32"}) {
    EXPECT_NE(md.find(phrase), std::string::npos) << phrase;
  }
}

class ExampleConfigFile : public ::testing::TestWithParam<std::string> {};

TEST_P(ExampleConfigFile, IsValidInStrictMode) {
  const std::string path = std::string(HARDEND_SOURCE_DIR) + "/configs/" + GetParam();
  auto outcome = load_config(ConfigSource{path, true}, {.strict = true});
  ASSERT_TRUE(outcome.ok()) << all_messages(outcome);
  EXPECT_TRUE(outcome.diagnostics.empty()) << all_messages(outcome);
}

INSTANTIATE_TEST_SUITE_P(Configs, ExampleConfigFile,
                         ::testing::Values("recommended.json", "example-full.json"));

TEST(ExampleConfigFile, FullExampleSetsEveryKey) {
  auto outcome =
      load_config(ConfigSource{std::string(HARDEND_SOURCE_DIR) + "/configs/example-full.json", true});
  ASSERT_TRUE(outcome.ok()) << all_messages(outcome);
  for (const auto& [key, field] : testing::fields(*outcome.config)) EXPECT_EQ(field.source, key);
  const auto& images = outcome.config->image_extra_keys;
  ASSERT_TRUE(images.contains("demisto/dl"));
  EXPECT_EQ(images.at("demisto/dl").value.rfind("--memory=2g", 0), 0u);
  EXPECT_TRUE(images.contains("demisto/dl:1.4"));
  EXPECT_NE(images.at("demisto/boto3py3").value.find("--network=aws-metadata"), std::string::npos);
  EXPECT_NE(images.at("demisto/chromium").value.find("--network=external"), std::string::npos);
  ASSERT_EQ(outcome.config->networks.size(), 2u);
  EXPECT_EQ(outcome.config->networks[1].bridge, "docker-external");
}

}  // namespace
}  // namespace hardend::config
