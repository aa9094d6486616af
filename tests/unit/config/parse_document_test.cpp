// Whole documents: JSON syntax errors, unknown keys, duplicates, the guide's examples, networks, ordering.
#include <gtest/gtest.h>

#include "config/config.h"
#include "config_fields.h"

namespace hardend::config {
namespace {

std::vector<std::string> messages(const ParseOutcome& outcome) {
  std::vector<std::string> out;
  for (const auto& d : outcome.diagnostics) out.push_back(d.str());
  return out;
}

using Lines = std::vector<std::string>;

TEST(DiagnosticText, LeavesOutEmptyParts) {
  EXPECT_EQ((Location{"d1.conf", 7, 3}).str(), "d1.conf:7:3");
  EXPECT_EQ((Location{"d1.conf", 0, 0}).str(), "d1.conf");
  EXPECT_EQ((Location{}).str(), "");
  EXPECT_EQ((Location{"", 2, 5}).str(), "2:5");
  EXPECT_EQ((Diagnostic{Severity::Error,
                        {"d1.conf", 7, 3},
                        "python.pass.extra.keys.demisto/dl",
                        "unknown flag --memroy (did you mean --memory?)"})
                .str(),
            "d1.conf:7:3: python.pass.extra.keys.demisto/dl: unknown flag --memroy (did you mean --memory?)");
  EXPECT_EQ((Diagnostic{Severity::Warning, {"d1.conf", 2, 3}, "k", "m"}).str(), "d1.conf:2:3: warning: k: m");
  EXPECT_EQ((Diagnostic{Severity::Error, {"d1.conf", 1, 9}, "", "invalid JSON"}).str(),
            "d1.conf:1:9: invalid JSON");
  EXPECT_EQ((Diagnostic{Severity::Error, {}, "", "cannot read x"}).str(), "cannot read x");
}

struct SyntaxCase {
  std::string name;
  std::string text;
  std::string expected;
};

class JsonSyntax : public ::testing::TestWithParam<SyntaxCase> {};

TEST_P(JsonSyntax, IsReportedWithLineAndColumn) {
  auto outcome = parse_config(GetParam().text, "d1.conf");
  EXPECT_FALSE(outcome.ok());
  EXPECT_EQ(messages(outcome), Lines{GetParam().expected});
}

INSTANTIATE_TEST_SUITE_P(
    Errors, JsonSyntax,
    ::testing::Values(
        SyntaxCase{
            "MissingComma", "{\n  \"limit.docker.cpu\": true\n  \"limit.docker.memory\": true\n}",
            "d1.conf:3:3: invalid JSON: syntax error while parsing object - unexpected string literal; "
            "expected '}' (missing ',' between members?)"},
        SyntaxCase{
            "TrailingComma", "{\n  \"limit.docker.cpu\": true,\n}",
            "d1.conf:3:1: invalid JSON: syntax error while parsing object key - unexpected '}'; expected "
            "string literal (trailing comma?)"},
        SyntaxCase{
            "TrailingCommaInArray", "{\"docker.run.tmpfs\": [\"/tmp\",]}",
            "d1.conf:1:30: invalid JSON: syntax error while parsing value - unexpected ']'; expected '[', "
            "'{', or a literal (trailing comma?)"},
        SyntaxCase{"Empty", "",
                   "d1.conf:1:1: empty file; expected a JSON object such as {\"limit.docker.memory\": true}"},
        SyntaxCase{"Blank", " \n\n",
                   "d1.conf:3:1: empty file; expected a JSON object such as {\"limit.docker.memory\": true}"},
        SyntaxCase{
            "Comment", "{\n  // hardening\n  \"limit.docker.cpu\": true\n}",
            "d1.conf:2:3: invalid JSON: syntax error while parsing object key - invalid literal; expected "
            "string literal (JSON has no comments)"},
        SyntaxCase{
            "SingleQuotes", "{'limit.docker.cpu': true}",
            "d1.conf:1:2: invalid JSON: syntax error while parsing object key - invalid literal; expected "
            "string literal (JSON strings use double quotes)"},
        SyntaxCase{"GuideIgnoreExample", "{\n  \"docker.run.internal.asuser.ignore\"=\"demisto/python3:\"\n}",
                   "d1.conf:2:38: invalid JSON: syntax error while parsing object separator - invalid "
                   "literal; expected "
                   "':'"},
        SyntaxCase{
            "Unterminated", "{\"a\": \"x",
            "d1.conf:1:9: invalid JSON: syntax error while parsing value - invalid string: missing closing "
            "quote"},
        SyntaxCase{
            "ColumnsCountCharacters", "{\"python.default.image\": \"é\" x}",
            "d1.conf:1:30: invalid JSON: syntax error while parsing object - invalid literal; expected '}'"},
        // Valid JSON syntax that no double can hold: nlohmann throws out_of_range 406 for it, which used to
        // escape the parser and abort the program (found by fuzz_config_parse in a 10-minute run).
        SyntaxCase{
            "NumberOutOfRange", "{\n  \"docker.memory.limit\": -2e999\n}",
            "d1.conf:2:26: the number -2e999 is out of range (a JSON number here must fit a double, at "
            "most about 1.8e308)"},
        SyntaxCase{"NumberOutOfRangeInAnArray", "{\"docker.run.tmpfs\": [1, 1E400]}",
                   "d1.conf:1:26: the number 1E400 is out of range (a JSON number here must fit a double, at "
                   "most about 1.8e308)"},
        SyntaxCase{"NotAnObject", "\n  [\"limit.docker.cpu\"]",
                   "d1.conf:2:3: the config must be a JSON object of keys, e.g. {\"limit.docker.memory\": "
                   "true}; got "
                   "an array"}),
    [](const ::testing::TestParamInfo<SyntaxCase>& case_info) { return case_info.param.name; });

TEST(UnknownKeys, AreWarningsWithASuggestion) {
  auto outcome = parse_config("{\n  \"limt.docker.cpu\": true,\n  \"engine.id\": \"x\"\n}", "d1.conf");
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(
      messages(outcome),
      (Lines{"d1.conf:2:3: warning: limt.docker.cpu: unknown key (did you mean limit.docker.cpu?); ignored",
             "d1.conf:3:3: warning: engine.id: unknown key; ignored"}));
  EXPECT_EQ(outcome.config->warnings.size(), 2u);
  EXPECT_TRUE(outcome.config->limit_cpu.is_default());
}

TEST(UnknownKeys, AreErrorsWhenStrict) {
  auto outcome = parse_config("{\n  \"docker.memory.limt\": \"2g\"\n}", "d1.conf", {.strict = true});
  EXPECT_FALSE(outcome.ok());
  EXPECT_EQ(messages(outcome),
            Lines{"d1.conf:2:3: docker.memory.limt: unknown key (did you mean docker.memory.limit?)"});
}

TEST(UnknownKeys, TyposInThePerImagePrefixGetTheFullKeySuggested) {
  auto outcome = parse_config(R"({"python.pass.extra.key.demisto/dl": "--memory=2g"})", "d1.conf");
  EXPECT_EQ(messages(outcome),
            Lines{"d1.conf:1:2: warning: python.pass.extra.key.demisto/dl: unknown key (did you "
                  "mean python.pass.extra.keys.demisto/dl?); ignored"});
  EXPECT_TRUE(outcome.config->image_extra_keys.empty());
}

TEST(DuplicateKeys, AreErrorsAtTheRepeat) {
  auto outcome = parse_config(
      "{\n  \"docker.memory.limit\": \"2g\",\n  \"limit.docker.cpu\": true,\n  \"docker.memory.limit\": "
      "\"1g\"\n}",
      "d1.conf");
  EXPECT_FALSE(outcome.ok());
  EXPECT_EQ(
      messages(outcome),
      Lines{"d1.conf:4:3: docker.memory.limit: duplicate key (first set at 2:3); JSON keeps only one of the "
            "values, so a setting would be lost"});
}

TEST(DuplicateKeys, AreFoundInsideNetworksToo) {
  auto outcome = parse_config(R"({"network.networks": {
  "external": {"bridge": "docker-external", "block": ["host"], "bridge": "docker-ext2"}
}})",
                              "d1.conf");
  EXPECT_EQ(messages(outcome),
            Lines{"d1.conf:2:64: network.networks.external.bridge: duplicate key (first set at "
                  "2:16); JSON keeps only one of the values, so a setting would be lost"});
}

TEST(SeedGuide, RecommendedKeysParseWithSources) {
  const std::string text =
      R"({"docker.run.internal.asuser": true,"limit.docker.cpu": true,"limit.docker.memory": true,"python.pass.extra.keys": "--pids-limit=256##--ulimit=nofile=1024:8192"})";
  auto outcome = parse_config(text, "d1.conf", {.strict = true});
  ASSERT_TRUE(outcome.ok()) << ::testing::PrintToString(messages(outcome));
  EXPECT_TRUE(outcome.diagnostics.empty());
  const Config& c = *outcome.config;
  EXPECT_EQ(c.path, "d1.conf");
  EXPECT_TRUE(c.run_as_user.value);
  EXPECT_EQ(c.run_as_user.source, "docker.run.internal.asuser");
  EXPECT_EQ(c.run_as_user.location.str(), "d1.conf:1:2");
  EXPECT_EQ(c.limit_cpu.location.str(), "d1.conf:1:37");
  EXPECT_EQ(c.limit_memory.location.str(), "d1.conf:1:62");
  EXPECT_EQ(c.extra_keys.value, "--pids-limit=256##--ulimit=nofile=1024:8192");
  EXPECT_EQ(c.extra_keys.location.str(), "d1.conf:1:90");
  // Untouched settings keep their defaults and say so.
  EXPECT_TRUE(c.memory_limit.is_default());
  EXPECT_EQ(c.memory_limit.value, int64_t{1} << 30);
  EXPECT_EQ(c.memory_limit.location.str(), "");
  EXPECT_TRUE(c.user.is_default());
  EXPECT_EQ(c.user.value, "4000:4000");
}

TEST(SeedGuide, SwapWorkaroundAndIgnoreList) {
  auto outcome = parse_config(R"({
  "python.pass.extra.keys": "--memory=1g##--memory-swap=-1",
  "docker.run.internal.asuser.ignore": "demisto/python3:,demisto/python:"
})",
                              "d1.conf", {.strict = true});
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome.config->extra_keys.value, "--memory=1g##--memory-swap=-1");
  EXPECT_EQ(outcome.config->asuser_ignore.value,
            (std::vector<std::string>{"demisto/python3:", "demisto/python:"}));
}

const char* kIssue4Networks = R"({
  "network.block.host": true,
  "network.container.ranges": "172.16.0.0/12",
  "network.default.block": ["metadata"],
  "network.networks": {
    "aws-metadata": {"bridge": "docker-metadata", "block": ["host"]},
    "external":     {"bridge": "docker-external", "block": ["host", "metadata", "internal"],
                     "block.cidrs": ["100.64.0.0/10"], "allow.cidrs": []}
  }
})";

TEST(Networks, Issue4ExampleParses) {
  auto outcome = parse_config(kIssue4Networks, "d1.conf", {.strict = true});
  ASSERT_TRUE(outcome.ok()) << ::testing::PrintToString(messages(outcome));
  EXPECT_TRUE(outcome.diagnostics.empty());
  const Config& c = *outcome.config;
  EXPECT_EQ(c.container_ranges.value, std::vector<std::string>{"172.16.0.0/12"});
  EXPECT_EQ(c.default_block.value, std::vector<std::string>{"metadata"});
  EXPECT_EQ(c.networks_location.str(), "d1.conf:5:3");
  ASSERT_EQ(c.networks.size(), 2u);
  EXPECT_EQ(c.networks[0].name, "aws-metadata");  // file order
  EXPECT_EQ(c.networks[0].bridge, "docker-metadata");
  EXPECT_EQ(c.networks[0].block, std::vector<std::string>{"host"});
  EXPECT_TRUE(c.networks[0].block_cidrs.empty());
  EXPECT_EQ(c.networks[0].location.str(), "d1.conf:6:5");
  EXPECT_EQ(c.networks[1].name, "external");
  EXPECT_EQ(c.networks[1].bridge, "docker-external");
  EXPECT_EQ(c.networks[1].block, (std::vector<std::string>{"host", "metadata", "internal"}));
  EXPECT_EQ(c.networks[1].block_cidrs, std::vector<std::string>{"100.64.0.0/10"});
  EXPECT_TRUE(c.networks[1].allow_cidrs.empty());
  EXPECT_EQ(c.networks[1].location.str(), "d1.conf:7:5");
}

TEST(Networks, EveryProblemIsReportedAtItsPlace) {
  auto outcome = parse_config(R"({"network.networks": {
  "external": {"bridge": "docker-external-too-long", "block": "host,metdata", "block.cidrs": "10.0.0.1/8"},
  "a": {"bridge": "docker-a", "blok": ["host"]},
  "b": {"block": ["host"]},
  "c": {"bridge": "docker-c", "block": "internal"},
  "d": {"bridge": "docker-c", "block": "internal", "allow.cidrs": ["10.1.2.0/24"]},
  "host": {"bridge": "docker-h"},
  "e": {"bridge": "docker0", "block": ["host"]},
  "f": "docker-f",
  "g": {"bridge": "docker g", "block": ["host"]}
}})",
                              "d1.conf");
  EXPECT_FALSE(outcome.ok());
  EXPECT_EQ(
      messages(outcome),
      (Lines{
          "d1.conf:2:26: network.networks.external.bridge: 'docker-external-too-long' is 24 characters; "
          "Linux "
          "interface names have at most 15",
          "d1.conf:2:63: network.networks.external.block: unknown block member 'metdata' (did you mean "
          "metadata?); expected host, metadata or internal",
          "d1.conf:2:94: network.networks.external.block.cidrs: '10.0.0.1/8' has host bits set (did you mean "
          "10.0.0.0/8?)",
          "d1.conf:3:31: network.networks.a.blok: unknown network setting 'blok' (did you mean block?); "
          "expected bridge, block, block.cidrs or allow.cidrs",
          "d1.conf:4:3: network.networks.b: missing \"bridge\": the Linux bridge name of the network, e.g. "
          "\"docker-b\"",
          "d1.conf:6:19: network.networks.d.bridge: bridge docker-c is already used by network c "
          "(d1.conf:5:3)",
          "d1.conf:7:3: network.networks.host: 'host' is one of Docker's predefined networks and cannot be "
          "declared",
          "d1.conf:8:19: network.networks.e.bridge: docker0 is Docker's default bridge; configure it with "
          "network.default.block",
          "d1.conf:9:8: network.networks.f: expected {\"bridge\": \"docker-...\", \"block\": [...]}, got the "
          "string \"docker-f\"",
          "d1.conf:10:19: network.networks.g.bridge: 'docker g' contains ' '; interface names use letters, "
          "digits, '_', '.' and '-'",
      }));
}

TEST(Networks, ANetworkThatBlocksNothingIsAWarning) {
  auto outcome = parse_config(R"({"network.networks": {"open": {"bridge": "docker-open"}}})", "d1.conf");
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(
      messages(outcome),
      Lines{"d1.conf:1:23: warning: network.networks.open: blocks nothing: containers on it reach every "
            "address"});
  EXPECT_EQ(outcome.config->networks.at(0).bridge, "docker-open");
}

TEST(Collection, AllErrorsAreReportedInFileOrderAndNoConfigIsMade) {
  auto outcome = parse_config(R"({
  "limit.docker.cpu": "maybe",
  "docker.cpu.limit": 0,
  "limt.docker.memory": true,
  "docker.memory.limit": "1 GB",
  "docker.run.internal.asuser.user": "root"
})",
                              "d1.conf");
  EXPECT_FALSE(outcome.ok());
  EXPECT_EQ(
      messages(outcome),
      (Lines{"d1.conf:2:23: limit.docker.cpu: expected a boolean (true or false), got the string \"maybe\"",
             "d1.conf:3:23: docker.cpu.limit: the CPU count must be greater than 0, got 0; to turn the limit "
             "off, set limit.docker.cpu to false",
             "d1.conf:4:3: warning: limt.docker.memory: unknown key (did you mean limit.docker.memory?); "
             "ignored",
             "d1.conf:5:26: docker.memory.limit: '1 GB' is not a size; expected a size such as 512m, 1g or "
             "1.5g (suffix b, k, m or g)",
             "d1.conf:6:38: docker.run.internal.asuser.user: 'root' is root; this key sets the non-root user "
             "(to run as root, set docker.run.internal.asuser to false)"}));
}

TEST(Collection, SettingsSwitchedOffByAnotherKeyAreWarnings) {
  auto outcome = parse_config(R"({
  "docker.memory.limit": "2g",
  "limit.docker.memory": false,
  "limit.docker.cpu": false,
  "docker.run.internal.asuser": "false",
  "docker.run.internal.asuser.user": "sandbox"
})",
                              "d1.conf");
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(
      messages(outcome),
      (Lines{
          "d1.conf:2:3: warning: docker.memory.limit: has no effect: limit.docker.memory is false",
          "d1.conf:6:3: warning: docker.run.internal.asuser.user: has no effect: docker.run.internal.asuser "
          "is false"}));
  EXPECT_EQ(outcome.config->memory_limit.value, int64_t{2} << 30);
  EXPECT_FALSE(outcome.config->limit_memory.value);
}

TEST(Positions, ColumnsCountCharactersNotBytes) {
  auto outcome = parse_config(
      "{\"python.default.image\": \"x\", \"ünknown\": 1, \"limit.docker.cpu\": \"ja\"}", "d1.conf");
  EXPECT_EQ(
      messages(outcome),
      (Lines{"d1.conf:1:31: warning: ünknown: unknown key; ignored",
             "d1.conf:1:65: limit.docker.cpu: expected a boolean (true or false), got the string \"ja\""}));
}

TEST(Positions, EscapedKeysAreMatchedUnescaped) {
  // "limit.docker.cpu" with an escaped 'l': still the same key, so the repeat is a duplicate.
  auto outcome = parse_config(R"({"\u006cimit.docker.cpu": false, "limit.docker.cpu": false})", "d1.conf");
  EXPECT_EQ(messages(outcome),
            Lines{"d1.conf:1:34: limit.docker.cpu: duplicate key (first set at 1:2); JSON keeps "
                  "only one of the values, so a setting would be lost"});
}

TEST(Positions, ByteOrderMarkIsSkipped) {
  auto outcome = parse_config("\xEF\xBB\xBF{\"limit.docker.cpu\": 5}", "d1.conf");
  EXPECT_EQ(messages(outcome),
            Lines{"d1.conf:1:22: limit.docker.cpu: expected a boolean (true or false), got the number 5"});
}

TEST(EmptyObject, IsTheDefaults) {
  auto outcome = parse_config("{}", "d1.conf", {.strict = true});
  ASSERT_TRUE(outcome.ok());
  auto parsed = testing::fields(*outcome.config);
  auto defaults = testing::fields(default_config());
  for (const auto& [key, field] : defaults) {
    EXPECT_EQ(parsed.at(key).text, field.text) << key;
    EXPECT_EQ(parsed.at(key).source, "default") << key;
  }
  EXPECT_TRUE(outcome.config->networks.empty());
  EXPECT_TRUE(outcome.config->image_extra_keys.empty());
}

}  // namespace
}  // namespace hardend::config
