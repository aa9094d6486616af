#include "check/report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "check_test_support.h"

namespace hardend::check {
namespace {

using ::testing::HasSubstr;

ImageReport sample_report() {
  ImageReport report;
  report.image = "hardend/python:3.11";
  report.duration = std::chrono::milliseconds(1840);
  auto checks = evaluate_probe_output(test::recorded("memory_unlimited"),
                                      test::expectations_for(R"({"limit.docker.memory": false})"));
  EXPECT_TRUE(checks.ok());
  report.checks = *checks;
  return report;
}

TEST(Report, TableHasTheTitleColumnsAndEveryCheck) {
  std::string table = render_table({sample_report()});
  EXPECT_THAT(table, ::testing::StartsWith("Docker Hardening Results Check\n"));
  EXPECT_THAT(table, HasSubstr("Image: hardend/python:3.11 (1.84 s)"));
  EXPECT_THAT(table, ::testing::ContainsRegex(R"(\| Check +\| Status +\|)"));
  EXPECT_THAT(table, ::testing::ContainsRegex(R"(\| Non-root User +\| Success +\|)"));
  EXPECT_THAT(table, ::testing::ContainsRegex(R"(\| Memory +\| Failed: memory limit is unlimited)"));
  EXPECT_THAT(table, HasSubstr("1 of 9 checks FAILED."));
  // Every line of the table has the same width (long statuses wrap inside their column).
  size_t width = 0;
  std::istringstream lines(table);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || (line[0] != '|' && line[0] != '+')) continue;
    if (width == 0) width = line.size();
    EXPECT_EQ(line.size(), width) << line;
  }
  EXPECT_LE(width, 120u);
}

TEST(Report, ImageThatCouldNotBeCheckedIsAFailedRow) {
  ImageReport missing;
  missing.image = "nosuch/image:1";
  missing.error = "image nosuch/image:1 is not present locally";
  EXPECT_FALSE(missing.passed());
  std::string table = render_table({missing});
  EXPECT_THAT(
      table, ::testing::ContainsRegex(R"(\| Image +\| Failed: image nosuch/image:1 is not present locally)"));
  EXPECT_THAT(table, HasSubstr("Not checked"));
  auto json = to_json(missing);
  EXPECT_EQ(json["passed"], false);
  EXPECT_EQ(json["error"], missing.error);
  EXPECT_TRUE(json["checks"].empty());
}

TEST(Report, Json) {
  ImageReport report = sample_report();
  auto json = to_json(report);
  EXPECT_EQ(json["image"], "hardend/python:3.11");
  EXPECT_EQ(json["passed"], false);
  EXPECT_EQ(json["duration_ms"], 1840);
  ASSERT_EQ(json["checks"].size(), 9u);
  const auto& memory = json["checks"][1];
  EXPECT_EQ(memory["check"], "Memory");
  EXPECT_EQ(memory["passed"], false);
  EXPECT_EQ(memory["measured"], "unlimited");
  EXPECT_EQ(memory["expected"], "at most 1g (recommended hardening)");
  EXPECT_THAT(memory["status"].get<std::string>(), HasSubstr("Failed: memory limit is unlimited"));
  EXPECT_FALSE(json.contains("error"));

  ImageReport good;
  good.image = "x:1";
  auto good_checks = evaluate_probe_output(test::recorded("default_policy"), test::expectations_for());
  ASSERT_TRUE(good_checks.ok());
  good.checks = *good_checks;
  good.duration = std::chrono::milliseconds(10);
  EXPECT_TRUE(good.passed());
  auto all = to_json(std::vector<ImageReport>{good, report});
  EXPECT_EQ(all["images"].size(), 2u);
  EXPECT_EQ(all["passed"], false);
  EXPECT_EQ(all["duration_ms"], 1850);
  EXPECT_EQ(to_json(std::vector<ImageReport>{good})["passed"], true);
}

}  // namespace
}  // namespace hardend::check
