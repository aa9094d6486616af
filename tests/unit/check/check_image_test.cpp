#include "check/check_image.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "check_test_support.h"

namespace hardend::check {
namespace {

using ::testing::HasSubstr;

ProbeSearch search_with(const char* env, std::string self, std::set<std::string> executables) {
  return {env, std::move(self),
          [executables](const std::string& path) { return executables.contains(path); }};
}

TEST(LocateProbe, EnvironmentWins) {
  auto found =
      locate_probe(search_with("/opt/probe", "/usr/bin/hardend",
                               {"/opt/probe", "/usr/bin/hardend-probe", "/usr/lib/hardend/hardend-probe"}));
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(*found, "/opt/probe");
}

TEST(LocateProbe, EnvironmentPointingNowhereIsAnErrorNotAFallback) {
  auto found = locate_probe(search_with("/opt/missing", "/usr/bin/hardend", {"/usr/bin/hardend-probe"}));
  ASSERT_FALSE(found.ok());
  EXPECT_THAT(found.error().message, HasSubstr("HARDEND_PROBE=/opt/missing: not an executable file"));
}

TEST(LocateProbe, NextToHardendThenInstalled) {
  auto next = locate_probe(search_with(nullptr, "/work/build/hardend",
                                       {"/work/build/hardend-probe", "/usr/lib/hardend/hardend-probe"}));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, "/work/build/hardend-probe");

  auto installed = locate_probe(search_with("", "/work/build/hardend", {"/usr/lib/hardend/hardend-probe"}));
  ASSERT_TRUE(installed.ok());
  EXPECT_EQ(*installed, "/usr/lib/hardend/hardend-probe");
}

TEST(LocateProbe, MissingEverywhereNamesThePlacesTried) {
  auto found = locate_probe(search_with(nullptr, "/work/build/hardend", {}));
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(
      found.error().message,
      "hardend-probe not found (looked at /work/build/hardend-probe, /usr/lib/hardend/hardend-probe); build "
      "the hardend-probe target or set HARDEND_PROBE to its path");
}

TEST(ImagesToCheck, DefaultImageThenPerImageKeysWithoutDuplicates) {
  auto config = test::config_from(R"({
    "python.default.image": "hardend/python:3.11",
    "python.pass.extra.keys.demisto/dl": "--memory=2g",
    "python.pass.extra.keys.demisto/dl:1.4": "--memory=3g",
    "python.pass.extra.keys.hardend/python:3.11": "--pids-limit=128"
  })");
  EXPECT_EQ(images_to_check(config),
            (std::vector<std::string>{"hardend/python:3.11", "demisto/dl", "demisto/dl:1.4"}));
  EXPECT_EQ(images_to_check(config::default_config()), std::vector<std::string>{"hardend/python:3.11"});
}

TEST(ImageReport, PassedNeedsChecksAndNoError) {
  ImageReport report;
  EXPECT_FALSE(report.passed());
  report.checks.push_back({"Memory", true, "Success", "1g", "at most 1g"});
  EXPECT_TRUE(report.passed());
  report.checks.push_back({"PIDs", false, "Failed: x", "", ""});
  EXPECT_FALSE(report.passed());
}

}  // namespace
}  // namespace hardend::check
