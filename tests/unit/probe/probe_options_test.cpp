#include "probe/probe_options.h"

#include <gtest/gtest.h>

namespace hardend::probe {
namespace {

TEST(ProbeOptions, ParsesEveryFlagInBothForms) {
  auto options = parse_probe_options(
      {"--pids-spawn", "300", "--memory-allocate=1200m", "--cpu-measure", "250", "--pretty", "--raw"});
  ASSERT_TRUE(options.ok()) << options.error().message;
  EXPECT_EQ(options->pids_spawn, 300);
  EXPECT_EQ(options->memory_allocate_bytes, int64_t{1200} << 20);
  EXPECT_EQ(options->cpu_measure_ms, 250);
  EXPECT_TRUE(options->pretty);
  EXPECT_TRUE(options->raw);
  EXPECT_FALSE(options->help);
}

TEST(ProbeOptions, NothingRequestedMeansPassiveReadingsOnly) {
  auto options = parse_probe_options({});
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(options->pids_spawn, std::nullopt);
  EXPECT_EQ(options->memory_allocate_bytes, std::nullopt);
  EXPECT_EQ(options->cpu_measure_ms, std::nullopt);
}

TEST(ProbeOptions, UsageErrorsNameTheProblem) {
  auto unknown = parse_probe_options({"--pid-spawn", "3"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("--pid-spawn"), std::string::npos);
  auto missing = parse_probe_options({"--pids-spawn"});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("needs a value"), std::string::npos);
  EXPECT_FALSE(parse_probe_options({"--pids-spawn", "0"}).ok());
  EXPECT_FALSE(parse_probe_options({"--pids-spawn", "1000000"}).ok());
  EXPECT_FALSE(parse_probe_options({"--cpu-measure", "fast"}).ok());
  EXPECT_FALSE(parse_probe_options({"--memory-allocate", "lots"}).ok());
  EXPECT_FALSE(parse_probe_options({"--pretty=yes"}).ok());
}

TEST(ByteCount, AcceptsDockerStyleSuffixes) {
  EXPECT_EQ(*parse_byte_count("1200m"), int64_t{1200} << 20);
  EXPECT_EQ(*parse_byte_count("1G"), int64_t{1} << 30);
  EXPECT_EQ(*parse_byte_count("64k"), 65536);
  EXPECT_EQ(*parse_byte_count("4096"), 4096);
  EXPECT_EQ(*parse_byte_count("10b"), 10);
  EXPECT_FALSE(parse_byte_count("").ok());
  EXPECT_FALSE(parse_byte_count("m").ok());
  EXPECT_FALSE(parse_byte_count("-1m").ok());
  EXPECT_FALSE(parse_byte_count("1.5g").ok());
  EXPECT_FALSE(parse_byte_count("99999999999g").ok());
}

}  // namespace
}  // namespace hardend::probe
