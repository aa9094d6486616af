// The check request object shared by `hardend check` and POST /v1/check, and reports read back from JSON.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "check/check_request.h"
#include "check/report.h"
#include "config/config.h"

namespace hardend::check {
namespace {

using nlohmann::json;

TEST(CheckRequest, EmptyMeansTheDefaultImageWithDerivedExpectations) {
  auto request = parse_check_request(json::object(), config::default_config());
  ASSERT_TRUE(request.ok()) << request.error().message;
  EXPECT_EQ(request->images, std::vector<std::string>{"hardend/python:3.11"});
  EXPECT_FALSE(request->all_images);
  EXPECT_EQ(request->options.memory_mode, MemoryCheckMode::Cgroup);
  EXPECT_FALSE(request->options.overrides.memory_bytes.has_value());
  EXPECT_FALSE(request->options.cpu_measure_ms.has_value());
}

TEST(CheckRequest, EveryFieldIsRead) {
  auto request = parse_check_request(json{{"image", "demisto/dl:1.4"},
                                          {"memory", "2g"},
                                          {"memory_check", "allocate"},
                                          {"pids", 100},
                                          {"fds_soft", 512},
                                          {"fds_hard", 1024},
                                          {"cpus", 0.5},
                                          {"cpu_measure", true}},
                                     config::default_config());
  ASSERT_TRUE(request.ok()) << request.error().message;
  EXPECT_EQ(request->images, std::vector<std::string>{"demisto/dl:1.4"});
  EXPECT_EQ(request->options.overrides.memory_bytes, int64_t{2} << 30);
  EXPECT_EQ(request->options.memory_mode, MemoryCheckMode::Allocate);
  EXPECT_EQ(request->options.overrides.pids, 100);
  EXPECT_EQ(request->options.overrides.fds_soft, 512);
  EXPECT_EQ(request->options.overrides.fds_hard, 1024);
  EXPECT_EQ(request->options.overrides.cpus, 0.5);
  EXPECT_EQ(request->options.cpu_measure_ms, kCpuMeasureMs);
}

TEST(CheckRequest, ErrorsNameTheField) {
  auto error = [](const json& request) {
    auto parsed = parse_check_request(request, config::default_config());
    return parsed.ok() ? std::string("(accepted)") : parsed.error().message;
  };
  EXPECT_NE(error({{"pids", 0}}).find("\"pids\" must be a positive integer"), std::string::npos);
  EXPECT_NE(error({{"pids", "5"}}).find("\"pids\""), std::string::npos);
  EXPECT_NE(error({{"memory", "lots"}}).find("\"memory\""), std::string::npos);
  EXPECT_NE(error({{"memory_check", "guess"}}).find("\"memory_check\" must be"), std::string::npos);
  EXPECT_NE(error({{"cpus", -1}}).find("\"cpus\""), std::string::npos);
  EXPECT_NE(error({{"image", "Bad Image!"}}).find("\"image\""), std::string::npos);
  EXPECT_NE(error({{"image", "a"}, {"all_images", true}}).find("not both"), std::string::npos);
  EXPECT_NE(error({{"imgae", "a"}}).find("unknown field \"imgae\""), std::string::npos);
  EXPECT_NE(error(json::array()).find("JSON object"), std::string::npos);
}

TEST(CheckRequest, AllImagesListsTheConfiguredImages) {
  auto request = parse_check_request(json{{"all_images", true}}, config::default_config());
  ASSERT_TRUE(request.ok());
  EXPECT_TRUE(request->all_images);
  EXPECT_EQ(request->images, images_to_check(config::default_config()));
}

TEST(ReportsFromJson, BothFormsRoundTrip) {
  ImageReport report;
  report.image = "hardend/python:3.11";
  report.checks.push_back({"Non-root User", true, "Success", "uid 4000 gid 4000", "uid 4000"});
  report.checks.push_back({"PIDs", false, "Failed: unlimited", "unlimited", "at most 256"});
  report.notes.push_back("swap not limited");
  report.duration = std::chrono::milliseconds(1234);
  auto single = reports_from_json(to_json(report));
  ASSERT_TRUE(single.ok());
  ASSERT_EQ(single->size(), 1u);
  EXPECT_EQ(to_json(single->front()), to_json(report));
  EXPECT_FALSE(single->front().passed());

  ImageReport broken;
  broken.image = "missing:1";
  broken.error = "no such image";
  auto many = reports_from_json(to_json(std::vector<ImageReport>{report, broken}));
  ASSERT_TRUE(many.ok());
  ASSERT_EQ(many->size(), 2u);
  EXPECT_EQ(many->at(1).error, "no such image");
  EXPECT_EQ(render_table(*many), render_table({report, broken}));
  EXPECT_FALSE(reports_from_json(json{{"something", 1}}).ok());
}

}  // namespace
}  // namespace hardend::check
