#include "probe/cgroup_values.h"

#include <gtest/gtest.h>

#include "recorded_data.h"

namespace hardend::probe {
namespace {

using testing::recorded;

TEST(CgroupV1MemoryLimit, ReadsRecordedLimitedAndUnlimitedContainers) {
  auto limited = parse_cgroup_v1_memory_limit(recorded("v1_docker_hostns_limited", "memory.limit_in_bytes"));
  ASSERT_TRUE(limited.ok()) << limited.error().message;
  EXPECT_EQ(*limited, OptionalLimit{int64_t{1} << 30});

  auto unlimited =
      parse_cgroup_v1_memory_limit(recorded("v1_docker_hostns_default", "memory.limit_in_bytes"));
  ASSERT_TRUE(unlimited.ok());
  EXPECT_EQ(*unlimited, std::nullopt);  // 9223372036854771712
}

TEST(CgroupV1MemoryLimit, TreatsPageRoundedHugeValuesAsUnlimitedButKeepsRealOnes) {
  EXPECT_EQ(*parse_cgroup_v1_memory_limit("9223372036854710272\n"), std::nullopt);  // 64 KiB pages
  EXPECT_EQ(*parse_cgroup_v1_memory_limit("-1"), std::nullopt);
  EXPECT_EQ(*parse_cgroup_v1_memory_limit("536870912\n"), OptionalLimit{536870912});
  EXPECT_FALSE(parse_cgroup_v1_memory_limit("max").ok());
  EXPECT_FALSE(parse_cgroup_v1_memory_limit("").ok());
  EXPECT_FALSE(parse_cgroup_v1_memory_limit("-5").ok());
}

TEST(CgroupV2Max, ReadsMaxAndNumbers) {
  EXPECT_EQ(*parse_v2_max(recorded("v2_docker_private_ns_limited", "memory.max")),
            OptionalLimit{int64_t{1} << 30});
  EXPECT_EQ(*parse_v2_max(recorded("v2_docker_private_ns_default", "memory.max")), std::nullopt);
  EXPECT_EQ(*parse_v2_max("0\n"), OptionalLimit{0});
  EXPECT_FALSE(parse_v2_max("unlimited").ok());
  EXPECT_FALSE(parse_v2_max("12 34").ok());
}

TEST(PidsMax, ReadsBothLayouts) {
  EXPECT_EQ(*parse_pids_max(recorded("v1_docker_hostns_limited", "pids.max")), OptionalLimit{256});
  EXPECT_EQ(*parse_pids_max(recorded("v1_docker_hostns_default", "pids.max")), std::nullopt);
  EXPECT_EQ(*parse_pids_max(recorded("v2_docker_private_ns_limited", "pids.max")), OptionalLimit{256});
  auto bad = parse_pids_max("lots");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("pids.max"), std::string::npos) << bad.error().message;
}

TEST(Counter, RejectsNegativeAndGarbage) {
  // Recorded at the peak of --pids-spawn 300 under --pids-limit 256.
  EXPECT_EQ(*parse_counter(recorded("v1_docker_hostns_limited", "pids.current")), 256);
  EXPECT_FALSE(parse_counter("-1").ok());
  EXPECT_FALSE(parse_counter("3 4").ok());
}

TEST(Cfs, ComputesCpusFromRecordedQuotaAndPeriod) {
  auto one = parse_cfs(recorded("v1_docker_hostns_limited", "cpu.cfs_quota_us"),
                       recorded("v1_docker_hostns_limited", "cpu.cfs_period_us"));
  ASSERT_TRUE(one.ok()) << one.error().message;
  EXPECT_DOUBLE_EQ(one->cpus.value(), 1.0);
  EXPECT_EQ(one->quota_us, 100000);

  auto half = parse_cfs(recorded("v1_docker_private_ns", "cpu.cfs_quota_us"),
                        recorded("v1_docker_private_ns", "cpu.cfs_period_us"));
  ASSERT_TRUE(half.ok());
  EXPECT_DOUBLE_EQ(half->cpus.value(), 0.5);

  auto unlimited =
      parse_cfs(recorded("v1_host", "cpu.cfs_quota_us"), recorded("v1_host", "cpu.cfs_period_us"));
  ASSERT_TRUE(unlimited.ok());
  EXPECT_EQ(unlimited->cpus, std::nullopt);
  EXPECT_EQ(unlimited->quota_us, std::nullopt);
  EXPECT_EQ(unlimited->period_us, 100000);
}

TEST(Cfs, RejectsBrokenPeriods) {
  EXPECT_FALSE(parse_cfs("100000", "0").ok());
  EXPECT_FALSE(parse_cfs("100000", "").ok());
  EXPECT_FALSE(parse_cfs("abc", "100000").ok());
  EXPECT_DOUBLE_EQ(parse_cfs("250000", "100000")->cpus.value(), 2.5);
}

TEST(CpuMax, ReadsV2Format) {
  auto one = parse_cpu_max(recorded("v2_docker_private_ns_limited", "cpu.max"));
  ASSERT_TRUE(one.ok());
  EXPECT_DOUBLE_EQ(one->cpus.value(), 1.0);
  auto unlimited = parse_cpu_max(recorded("v2_docker_private_ns_default", "cpu.max"));
  ASSERT_TRUE(unlimited.ok());
  EXPECT_EQ(unlimited->cpus, std::nullopt);
  EXPECT_DOUBLE_EQ(parse_cpu_max("50000 100000")->cpus.value(), 0.5);
  EXPECT_DOUBLE_EQ(parse_cpu_max("150000")->cpus.value(), 1.5);  // period defaults to 100000
  EXPECT_FALSE(parse_cpu_max("").ok());
  EXPECT_FALSE(parse_cpu_max("max 0").ok());
  EXPECT_FALSE(parse_cpu_max("1 2 3").ok());
}

TEST(FlatKeyed, ReadsOomKillCountersOfBothVersions) {
  EXPECT_EQ(parse_flat_keyed(recorded("v1_docker_hostns_limited", "memory.oom_control")).at("oom_kill"), 1);
  EXPECT_EQ(parse_flat_keyed(recorded("v2_docker_private_ns_limited", "memory.events")).at("oom_kill"), 1);
  auto stat = parse_flat_keyed(recorded("v1_docker_hostns_limited", "memory.stat"));
  EXPECT_EQ(stat.at("hierarchical_memory_limit"), int64_t{1} << 30);
  EXPECT_TRUE(parse_flat_keyed("weird line with many fields\nkey notanumber\n").empty());
}

TEST(Meminfo, ConvertsKibibytes) {
  std::string meminfo =
      "MemTotal:       24683656 kB\nSwapTotal:       2097148 kB\nHugePages_Total:       0\n";
  EXPECT_EQ(meminfo_bytes(meminfo, "SwapTotal"), int64_t{2097148} * 1024);
  EXPECT_EQ(meminfo_bytes(meminfo, "HugePages_Total"), 0);
  EXPECT_EQ(meminfo_bytes(meminfo, "Swap"), std::nullopt);
}

TEST(SwapV1, DistinguishesNoAccountingUnlimitedAndLimited) {
  auto missing = describe_swap_v1(int64_t{1} << 30, std::nullopt);
  EXPECT_FALSE(missing.limited);
  EXPECT_NE(missing.explanation.find("no swap accounting"), std::string::npos);

  auto unlimited =
      describe_swap_v1(std::nullopt, recorded("v1_docker_hostns_default", "memory.memsw.limit_in_bytes"));
  EXPECT_FALSE(unlimited.limited);

  // docker --memory 1g without --memory-swap: memsw = 2g, i.e. 1g of swap beyond memory.
  auto docker_default =
      describe_swap_v1(int64_t{1} << 30, recorded("v1_docker_hostns_limited", "memory.memsw.limit_in_bytes"));
  EXPECT_TRUE(docker_default.limited);
  EXPECT_EQ(docker_default.swap_beyond_memory_bytes, int64_t{1} << 30);

  auto no_swap =
      describe_swap_v1(int64_t{512} << 20, recorded("v1_docker_private_ns", "memory.memsw.limit_in_bytes"));
  EXPECT_TRUE(no_swap.limited);
  EXPECT_EQ(no_swap.swap_beyond_memory_bytes, 0);
}

TEST(SwapV2, ReadsSwapMax) {
  auto none = describe_swap_v2(recorded("v2_docker_private_ns_limited", "memory.swap.max"));
  EXPECT_TRUE(none.limited);
  EXPECT_EQ(none.swap_beyond_memory_bytes, 0);
  auto unlimited = describe_swap_v2(recorded("v2_docker_private_ns_default", "memory.swap.max"));
  EXPECT_FALSE(unlimited.limited);
  EXPECT_EQ(unlimited.swap_beyond_memory_bytes, std::nullopt);
  EXPECT_FALSE(describe_swap_v2(std::nullopt).limited);
  EXPECT_FALSE(describe_swap_v2(std::string("garbage")).limited);
}

}  // namespace
}  // namespace hardend::probe
