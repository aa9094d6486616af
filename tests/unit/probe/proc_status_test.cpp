#include "probe/proc_status.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "recorded_data.h"

namespace hardend::probe {
namespace {

using testing::recorded;

TEST(ProcStatus, HardenedContainerHasNoCapabilitiesNoNewPrivsAndSeccompFilter) {
  auto status = parse_proc_status(recorded("v1_docker_hostns_limited", "proc_self_status"));
  ASSERT_TRUE(status.ok()) << status.error().message;
  EXPECT_EQ(status->cap_eff, 0u);
  EXPECT_EQ(status->cap_bnd, 0u);
  EXPECT_EQ(status->no_new_privs, 1);
  EXPECT_EQ(status->seccomp, 2);
  EXPECT_EQ(status->seccomp_filters, 1);
}

TEST(ProcStatus, DefaultDockerContainerKeepsDockersDefaultCapabilities) {
  auto status = parse_proc_status(recorded("v1_docker_hostns_default", "proc_self_status"));
  ASSERT_TRUE(status.ok());
  ASSERT_TRUE(status->cap_eff.has_value());
  EXPECT_EQ(*status->cap_eff, 0xa80425fbu);
  EXPECT_EQ(status->no_new_privs, 0);
  EXPECT_EQ(capability_names(*status->cap_eff),
            (std::vector<std::string>{"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
                                      "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
                                      "CAP_NET_RAW", "CAP_SYS_CHROOT", "CAP_MKNOD", "CAP_AUDIT_WRITE",
                                      "CAP_SETFCAP"}));
}

TEST(ProcStatus, HostWithoutSysResource) {
  auto status = parse_proc_status(recorded("v1_host", "proc_self_status"));
  ASSERT_TRUE(status.ok());
  auto names = capability_names(status->cap_eff.value());
  EXPECT_EQ(names.size(), 40u);
  EXPECT_EQ(std::find(names.begin(), names.end(), "CAP_SYS_RESOURCE"), names.end());
  EXPECT_EQ(names.back(), "CAP_CHECKPOINT_RESTORE");
  EXPECT_EQ(status->seccomp, 0);
}

TEST(ProcStatus, MissingLinesStayUnknownAndMalformedLinesAreErrors) {
  auto old_kernel = parse_proc_status("Name:\tx\nCapEff:\t0000000000000400\nSeccomp:\t2\n");
  ASSERT_TRUE(old_kernel.ok());
  EXPECT_EQ(old_kernel->no_new_privs, std::nullopt);
  EXPECT_EQ(old_kernel->seccomp_filters, std::nullopt);
  EXPECT_EQ(capability_names(*old_kernel->cap_eff), std::vector<std::string>{"CAP_NET_BIND_SERVICE"});

  auto broken = parse_proc_status("CapEff:\tzz\n");
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.error().message.find("CapEff"), std::string::npos) << broken.error().message;
  EXPECT_FALSE(parse_proc_status("NoNewPrivs:\tyes\n").ok());
}

TEST(Capabilities, UnknownBitsAreNamedByNumberAndMasksFormatLikeTheKernel) {
  EXPECT_EQ(capability_names(uint64_t{1} << 45), std::vector<std::string>{"CAP_45"});
  EXPECT_EQ(format_capability_mask(0xa80425fb), "00000000a80425fb");
  EXPECT_EQ(capability_bit("CAP_NET_RAW"), 13);
  EXPECT_EQ(capability_bit("sys_admin"), 21);
  EXPECT_EQ(capability_bit("CAP_NOPE"), std::nullopt);
}

}  // namespace
}  // namespace hardend::probe
