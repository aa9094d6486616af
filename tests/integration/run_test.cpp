// Issue 2, requirement 7: the default and a per-image policy, applied by the real daemon, seen from outside
// (inspect) and from inside the container; OOM, timeout, missing image, stopped daemon; nothing left behind.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "config/config.h"
#include "docker_fixture.h"
#include "policy/engine_body.h"
#include "policy/resolver.h"
#include "runner/oneshot.h"

namespace hardend {
namespace {

using testing_support::kTestImage;
using testing_support::kTestLabel;
// Test cases may run in parallel processes: each marks and later counts only its own containers.
const std::string kTestLabelValue = std::to_string(getpid());

struct Captured {
  runner::RunResult result;
  std::string out;
  std::string err;
};

class RunTest : public testing_support::DockerTest {
 protected:
  void SetUp() override { connect(); }

  // Nothing this test started may survive it.
  void TearDown() override { remove_left_behind({std::string(kTestLabel) + "=" + kTestLabelValue}); }

  policy::ContainerSpec spec_for(const config::Config& config, const std::string& image) {
    auto ref = policy::parse_image_ref(image);
    EXPECT_TRUE(ref.ok());
    auto spec = policy::resolve_policy(config, *ref, facts_);
    EXPECT_TRUE(spec.ok()) << spec.error().message;
    return *spec;
  }

  runner::RunRequest request_for(const policy::ContainerSpec& spec, std::vector<std::string> cmd) {
    runner::RunRequest request;
    request.spec = spec;
    request.cmd = std::move(cmd);
    request.labels[kTestLabel] = kTestLabelValue;
    return request;
  }

  Captured run(const runner::RunRequest& request) {
    Captured captured;
    runner::OutputSink sink{[&](std::string_view b) { captured.out += b; },
                            [&](std::string_view b) { captured.err += b; }};
    auto result = runner::run_container(*client_, request, sink);
    EXPECT_TRUE(result.ok()) << result.error().message;
    if (result.ok()) captured.result = *result;
    return captured;
  }

  // Creates (never starts) a container for the spec and returns its inspect document.
  nlohmann::json inspect_created(const policy::ContainerSpec& spec) {
    policy::CreateRequest create;
    create.cmd = {"true"};
    create.extra_labels[kTestLabel] = kTestLabelValue;
    auto id = client_->create_container(policy::render_create_body(spec, create));
    EXPECT_TRUE(id.ok()) << id.error().message;
    if (!id.ok()) return {};
    runner::ContainerGuard guard(*client_, *id);
    auto inspected = client_->inspect_container(*id);
    EXPECT_TRUE(inspected.ok()) << inspected.error().message;
    return inspected.ok() ? *inspected : nlohmann::json{};
  }
};

TEST_F(RunTest, DefaultPolicyReachesTheDaemonHostConfig) {
  auto doc = inspect_created(spec_for(config::default_config(), kTestImage));
  const auto& host = doc["HostConfig"];
  EXPECT_EQ(host["Memory"], int64_t{1} << 30);
  EXPECT_EQ(host["MemorySwap"], facts_.swap_limit_supported ? int64_t{1} << 30 : -1);
  EXPECT_EQ(host["NanoCpus"], 1000000000);
  EXPECT_EQ(host["PidsLimit"], 256);
  ASSERT_EQ(host["Ulimits"].size(), 1u) << host["Ulimits"].dump();
  EXPECT_EQ(host["Ulimits"][0]["Name"], "nofile");
  EXPECT_EQ(host["Ulimits"][0]["Soft"], 1024);
  EXPECT_EQ(host["Ulimits"][0]["Hard"], 8192);
  EXPECT_EQ(doc["Config"]["User"], "4000:4000");
  EXPECT_EQ(host["CapDrop"], nlohmann::json::array({"ALL"}));
  EXPECT_NE(host["SecurityOpt"].dump().find("no-new-privileges"), std::string::npos) << host["SecurityOpt"];
  EXPECT_EQ(host["ReadonlyRootfs"], true);
}

TEST_F(RunTest, PerImageOverrideReplacesGeneralKeysAndLimits) {
  // The guide's demisto/dl example, on a local name for the offline image.
  ASSERT_TRUE(client_->tag_image(kTestImage, "hardend-test/dl", "1.4").ok());
  struct Untag {
    docker::Client& c;
    ~Untag() { (void)c.remove_image("hardend-test/dl:1.4"); }
  } untag{*client_};
  auto config = config_from(R"({
    "python.pass.extra.keys": "--pids-limit=100##--ulimit=nofile=512:512",
    "python.pass.extra.keys.hardend-test/dl": "--memory=2g##--ulimit=nofile=1024:8192##--pids-limit=256"
  })");
  auto doc = inspect_created(spec_for(config, "hardend-test/dl:1.4"));
  const auto& host = doc["HostConfig"];
  EXPECT_EQ(host["Memory"], int64_t{2} << 30);
  EXPECT_EQ(host["PidsLimit"], 256);  // the general --pids-limit=100 is not used for this image
  EXPECT_EQ(host["Ulimits"][0]["Soft"], 1024);
  EXPECT_EQ(doc["Config"]["User"], "4000:4000");

  // Another image still gets the general keys.
  auto other = inspect_created(spec_for(config, kTestImage));
  EXPECT_EQ(other["HostConfig"]["PidsLimit"], 100);
  EXPECT_EQ(other["HostConfig"]["Memory"], int64_t{1} << 30);
}

// What the process inside sees, read from the kernel (works on cgroup v1 and v2).
constexpr const char* kIntrospect = R"PY(
import json, os, resource
def first(*paths):
    for p in paths:
        try:
            return open(p).read().split()
        except OSError:
            pass
    return None
mem = first('/sys/fs/cgroup/memory/memory.limit_in_bytes', '/sys/fs/cgroup/memory.max')
pids = first('/sys/fs/cgroup/pids/pids.max', '/sys/fs/cgroup/pids.max')
quota = first('/sys/fs/cgroup/cpu/cpu.cfs_quota_us', '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us')
period = first('/sys/fs/cgroup/cpu/cpu.cfs_period_us', '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us')
cpumax = first('/sys/fs/cgroup/cpu.max')
if cpumax:
    quota, period = [cpumax[0]], [cpumax[1]]
print(json.dumps({'uid': os.getuid(), 'gid': os.getgid(), 'nofile': resource.getrlimit(resource.RLIMIT_NOFILE),
                  'memory': mem[0], 'pids': pids[0], 'quota': quota[0], 'period': period[0]}))
)PY";

TEST_F(RunTest, EffectiveLimitsInsideTheContainer) {
  auto captured = run(request_for(spec_for(config::default_config(), kTestImage), {"python3", "-c", kIntrospect}));
  ASSERT_EQ(captured.result.exit_code, 0) << captured.err;
  auto seen = nlohmann::json::parse(captured.out);
  EXPECT_EQ(seen["uid"], 4000);
  EXPECT_EQ(seen["gid"], 4000);
  EXPECT_EQ(seen["nofile"], nlohmann::json::array({1024, 8192}));
  EXPECT_EQ(seen["memory"], std::to_string(int64_t{1} << 30));
  EXPECT_EQ(seen["pids"], "256");
  EXPECT_EQ(std::stod(seen["quota"].get<std::string>()) / std::stod(seen["period"].get<std::string>()), 1.0);
}

TEST_F(RunTest, WithoutTheSettingsTheLimitsAreGone) {
  // The same probe shows the difference when the protections are switched off: the assertions above can fail.
  auto config = config_from(R"({"docker.run.internal.asuser": false, "limit.docker.memory": false,
                                "limit.docker.cpu": false, "python.pass.extra.keys": "--pids-limit=-1"})");
  auto captured = run(request_for(spec_for(config, kTestImage), {"python3", "-c", kIntrospect}));
  ASSERT_EQ(captured.result.exit_code, 0) << captured.err;
  auto seen = nlohmann::json::parse(captured.out);
  EXPECT_EQ(seen["uid"], 0);
  EXPECT_NE(seen["memory"], std::to_string(int64_t{1} << 30));
  EXPECT_EQ(seen["pids"], "max");
  EXPECT_EQ(seen["quota"], "-1");
}

TEST_F(RunTest, StdoutAndStderrAreSeparatedAndExitCodeKept) {
  auto captured = run(request_for(spec_for(config::default_config(), kTestImage),
                                  {"python3", "-c", "import sys; print('to-out'); print('to-err', file=sys.stderr); "
                                                    "sys.exit(7)"}));
  EXPECT_EQ(captured.result.exit_code, 7);
  EXPECT_EQ(captured.out, "to-out\n");
  EXPECT_EQ(captured.err, "to-err\n");
  EXPECT_FALSE(captured.result.timed_out);
  EXPECT_FALSE(captured.result.oom_killed);
}

TEST_F(RunTest, StdinReachesTheCommand) {
  auto request = request_for(spec_for(config::default_config(), kTestImage),
                             {"python3", "-c", "import sys; print(sys.stdin.read().upper())"});
  request.stdin_data = "hello stdin";
  auto captured = run(request);
  EXPECT_EQ(captured.result.exit_code, 0) << captured.err;
  EXPECT_EQ(captured.out, "HELLO STDIN\n");
}

TEST_F(RunTest, MemoryHogIsOomKilledAndReported) {
  auto config = config_from(R"({"docker.memory.limit": "64m"})");
  auto captured = run(request_for(spec_for(config, kTestImage),
                                  {"python3", "-c", "b = bytearray(512 * 1024 * 1024); print('allocated')"}));
  EXPECT_TRUE(captured.result.oom_killed) << "exit " << captured.result.exit_code << " " << captured.err;
  EXPECT_EQ(captured.result.exit_code, 137);
  EXPECT_EQ(captured.result.memory_limit, int64_t{64} << 20);
  EXPECT_EQ(captured.out.find("allocated"), std::string::npos);
}

TEST_F(RunTest, SleeperIsKilledAtTheTimeout) {
  auto request = request_for(spec_for(config::default_config(), kTestImage),
                             {"python3", "-c", "import time; print('sleeping', flush=True); time.sleep(600)"});
  request.timeout = std::chrono::milliseconds(1500);
  auto captured = run(request);
  EXPECT_TRUE(captured.result.timed_out);
  EXPECT_EQ(captured.out, "sleeping\n");
  EXPECT_NE(captured.result.exit_code, 0);
}

TEST_F(RunTest, CancelKillsAndRemoves) {
  std::atomic<bool> cancel{false};
  auto request = request_for(spec_for(config::default_config(), kTestImage),
                             {"python3", "-c", "import time; print('up', flush=True); time.sleep(600)"});
  runner::OutputSink sink{[&](std::string_view) { cancel = true; }, nullptr};
  auto result = runner::run_container(*client_, request, sink, &cancel);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_TRUE(result->interrupted);
}

TEST_F(RunTest, MissingImageIsAClearError) {
  auto spec = spec_for(config::default_config(), "hardend-test/no-such-image:0.1");
  runner::OutputSink sink;
  auto result = runner::run_container(*client_, request_for(spec, {"true"}), sink);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("POST /containers/create"), std::string::npos) << result.error().message;
  EXPECT_NE(result.error().message.find("hardend-test/no-such-image"), std::string::npos) << result.error().message;
}

TEST_F(RunTest, StoppedDaemonIsAClearError) {
  auto endpoint = docker::Endpoint::parse("unix:///tmp/hardend-no-daemon-here.sock");
  ASSERT_TRUE(endpoint.ok());
  docker::Client dead(*endpoint);
  runner::OutputSink sink;
  auto result = runner::run_container(dead, request_for(spec_for(config::default_config(), kTestImage), {"true"}),
                                      sink);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("cannot connect"), std::string::npos) << result.error().message;
  EXPECT_NE(result.error().message.find("/tmp/hardend-no-daemon-here.sock"), std::string::npos);
}

TEST(ExplainRuntimeError, RlimitFailureIsExplainedInWords) {
  std::string raw =
      "OCI runtime create failed: container_linux.go:380: starting container process caused: error setting rlimit "
      "type 7: operation not permitted: unknown";
  std::string explained = runner::explain_runtime_error(raw);
  EXPECT_NE(explained.find("nofile"), std::string::npos);
  EXPECT_NE(explained.find("CAP_SYS_RESOURCE"), std::string::npos);
  EXPECT_EQ(runner::explain_runtime_error("other failure"), "other failure");
}

}  // namespace
}  // namespace hardend

namespace hardend {
namespace {

TEST_F(RunTest, RlimitAboveTheDaemonsHardLimitIsExplained) {
  auto config = config_from(R"({"python.pass.extra.keys": "--ulimit=nofile=1048576:1048576"})");
  runner::OutputSink sink;
  auto result = runner::run_container(*client_, request_for(spec_for(config, kTestImage), {"true"}), sink);
  if (result.ok()) GTEST_SKIP() << "this daemon may raise rlimits (it has CAP_SYS_RESOURCE)";
  EXPECT_NE(result.error().message.find("hint: the container asks for a nofile ulimit"), std::string::npos)
      << result.error().message;
}

}  // namespace
}  // namespace hardend
