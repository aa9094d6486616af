#include "probe/json_writer.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace hardend::probe {
namespace {

TEST(JsonWriter, CompactOutputIsValidJsonWithEveryType) {
  JsonWriter json;
  json.begin_object();
  json.field("name", "a \"quoted\"\\ line\n\x01");
  json.key("count").number(-42).key("ratio").real(0.5).key("ok").boolean(false).key("missing").null();
  json.key("limit").number_or_null(std::nullopt).key("cpus").real_or_null(1.25);
  json.key("list").string_array({"x", "y"});
  json.key("empty").begin_array().end_array();
  json.key("nested")
      .begin_object()
      .key("inner")
      .begin_array()
      .number(1)
      .begin_object()
      .end_object()
      .end_array();
  json.end_object();
  json.end_object();
  auto parsed = nlohmann::json::parse(json.text());
  EXPECT_EQ(parsed["name"], "a \"quoted\"\\ line\n\x01");
  EXPECT_EQ(parsed["count"], -42);
  EXPECT_DOUBLE_EQ(parsed["ratio"].get<double>(), 0.5);
  EXPECT_EQ(parsed["ok"], false);
  EXPECT_TRUE(parsed["missing"].is_null());
  EXPECT_TRUE(parsed["limit"].is_null());
  EXPECT_DOUBLE_EQ(parsed["cpus"].get<double>(), 1.25);
  EXPECT_EQ(parsed["list"], nlohmann::json::array({"x", "y"}));
  EXPECT_TRUE(parsed["empty"].empty());
  EXPECT_EQ(parsed["nested"]["inner"][0], 1);
  EXPECT_EQ(json.text().find('\n'), std::string::npos);
}

TEST(JsonWriter, PrettyOutputParsesToTheSameValue) {
  auto build = [](bool pretty) {
    JsonWriter json(pretty);
    json.begin_object().key("a").begin_object().key("b").number(1).end_object();
    json.key("c").begin_array().string("d").end_array().end_object();
    return json.text();
  };
  EXPECT_EQ(nlohmann::json::parse(build(true)), nlohmann::json::parse(build(false)));
  EXPECT_NE(build(true).find("\n  \"a\": {"), std::string::npos) << build(true);
}

TEST(JsonWriter, NonFiniteRealsBecomeNull) {
  JsonWriter json;
  json.begin_array().real(1.0 / 0.0).end_array();
  EXPECT_EQ(json.text(), "[null]");
}

}  // namespace
}  // namespace hardend::probe
