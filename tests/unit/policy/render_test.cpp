#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "policy/engine_body.h"
#include "policy/resolver.h"
#include "policy/spec.h"
#include "policy_test_config.h"

namespace hardend::policy {
namespace {

using nlohmann::json;
using test::TestConfig;

ContainerSpec resolve(const TestConfig& config, const std::string& image, const RuntimeFacts& facts = {}) {
  auto spec = resolve_policy(config, *parse_image_ref(image), facts);
  EXPECT_TRUE(spec.ok()) << spec.error().message;
  return spec ? *spec : ContainerSpec{};
}

TestConfig guide_with_dl() {
  return TestConfig{}
      .general_extra_keys("--pids-limit=256##--ulimit=nofile=1024:8192")
      .image_extra_keys("demisto/dl", "--memory=2g##--ulimit=nofile=1024:8192##--pids-limit=256");
}

TEST(DockerRunArgs, DefaultPolicy) {
  EXPECT_EQ(to_docker_run_args(resolve(TestConfig{}, "hardend/python:3.11")),
            (std::vector<std::string>{"--user=4000:4000", "--memory=1g", "--memory-swap=1g", "--cpus=1",
                                      "--pids-limit=256", "--ulimit=nofile=1024:8192", "--cap-drop=ALL",
                                      "--security-opt=no-new-privileges", "--read-only",
                                      "--tmpfs=/tmp:rw,noexec,nosuid,size=64m", "--network=bridge"}));
}

TEST(DockerRunArgs, DemistoDlOverrideAndFractionalCpus) {
  TestConfig config = guide_with_dl().cpu_limit(1.25).read_only_root(false).tmpfs({});
  EXPECT_EQ(to_docker_run_args(resolve(config, "demisto/dl:1.4")),
            (std::vector<std::string>{"--user=4000:4000", "--memory=2g", "--memory-swap=2g", "--cpus=1.25",
                                      "--pids-limit=256", "--ulimit=nofile=1024:8192", "--cap-drop=ALL",
                                      "--security-opt=no-new-privileges", "--network=bridge"}));
}

TEST(DockerRunArgs, RootNoSwapLimitUnlimitedPidsAndExtras) {
  TestConfig config = TestConfig{}
                          .asuser_ignore({"demisto/python3:"})
                          .general_extra_keys(
                              "--pids-limit=-1##--network=aws-metadata##-e A=1##-l team=ir##--shm-size=64m##"
                              "--stop-timeout=4##--cap-add=CHOWN")
                          .read_only_root(false)
                          .tmpfs({});
  EXPECT_EQ(to_docker_run_args(resolve(config, "demisto/python3:3.7.3.928", RuntimeFacts{"docker", false})),
            (std::vector<std::string>{"--memory=1g", "--memory-swap=-1", "--cpus=1", "--pids-limit=-1",
                                      "--ulimit=nofile=1024:8192", "--cap-drop=ALL", "--cap-add=CHOWN",
                                      "--security-opt=no-new-privileges", "--network=aws-metadata",
                                      "--env=A=1", "--label=team=ir", "--shm-size=64m", "--stop-timeout=4"}));
}

TEST(DockerRunArgs, PodmanHasNoResourceLimits) {
  auto args = to_docker_run_args(resolve(TestConfig{}, "hardend/python:3.11", RuntimeFacts{"podman", true}));
  for (const std::string& arg : args) {
    EXPECT_FALSE(arg.starts_with("--memory")) << arg;
    EXPECT_FALSE(arg.starts_with("--cpus")) << arg;
    EXPECT_FALSE(arg.starts_with("--pids-limit")) << arg;
  }
  EXPECT_EQ(args.front(), "--user=4000:4000");
}

TEST(SpecJson, EveryFieldHasValueAndSource) {
  json j = to_json(resolve(guide_with_dl(), "demisto/dl:1.4", RuntimeFacts{"docker", false}));
  EXPECT_EQ(j["image"], "demisto/dl:1.4");
  EXPECT_EQ(j["runtime"], "docker");
  for (const char* field :
       {"user",     "memory",       "memory_swap",  "nano_cpus",       "pids_limit", "ulimits", "network",
        "cap_drop", "cap_add",      "security_opt", "read_only",       "tmpfs",      "env",     "labels",
        "shm_size", "stop_timeout", "privileged",   "host_namespaces", "devices",    "binds"}) {
    ASSERT_TRUE(j.contains(field)) << field;
    EXPECT_TRUE(j[field].contains("value")) << field;
    EXPECT_TRUE(j[field]["source"].is_string()) << field;
  }
  EXPECT_EQ(j["memory"]["value"], int64_t{2} << 30);
  EXPECT_EQ(j["memory"]["text"], "2g");
  EXPECT_EQ(j["memory"]["source"], "python.pass.extra.keys.demisto/dl");
  EXPECT_EQ(j["memory_swap"]["value"], -1);
  EXPECT_EQ(j["memory_swap"]["text"], "unlimited");
  EXPECT_EQ(j["nano_cpus"]["value"], 1000000000);
  EXPECT_EQ(j["user"]["value"], "4000:4000");
  EXPECT_EQ(j["ulimits"]["value"], json::parse(R"([{"name":"nofile","soft":1024,"hard":8192}])"));
  EXPECT_EQ(j["tmpfs"]["value"], json::parse(R"([{"path":"/tmp","options":"rw,noexec,nosuid,size=64m"}])"));
  EXPECT_TRUE(j["shm_size"]["value"].is_null());
  ASSERT_EQ(j["notes"].size(), 1u);
  EXPECT_EQ(j["notes"][0].get<std::string>().rfind("swap not limited", 0), 0u);
}

TEST(SpecJson, RootUserIsNull) {
  json j = to_json(resolve(TestConfig{}.run_as_user(false), "demisto/dl:1.4"));
  EXPECT_TRUE(j["user"]["value"].is_null());
  EXPECT_EQ(j["user"]["source"], "docker.run.internal.asuser");
}

TEST(EngineBody, DefaultPolicyHostConfig) {
  CreateRequest request;
  request.cmd = {"python3", "-c", "print(1)"};
  request.extra_labels = {{"io.hardend.run", "abc"}};
  json body = render_create_body(resolve(TestConfig{}, "hardend/python:3.11"), request);
  json expected = json::parse(R"json({
    "Image": "hardend/python:3.11",
    "Cmd": ["python3", "-c", "print(1)"],
    "User": "4000:4000",
    "Env": [],
    "Labels": {"io.hardend.run": "abc"},
    "AttachStdin": false, "OpenStdin": false, "StdinOnce": false,
    "AttachStdout": true, "AttachStderr": true, "Tty": false,
    "HostConfig": {
      "Memory": 1073741824,
      "MemorySwap": 1073741824,
      "NanoCpus": 1000000000,
      "PidsLimit": 256,
      "Ulimits": [{"Name": "nofile", "Soft": 1024, "Hard": 8192}],
      "CapDrop": ["ALL"],
      "CapAdd": [],
      "SecurityOpt": ["no-new-privileges"],
      "ReadonlyRootfs": true,
      "Tmpfs": {"/tmp": "rw,noexec,nosuid,size=64m"},
      "NetworkMode": "bridge"
    }
  })json");
  EXPECT_EQ(body, expected) << body.dump(2);
}

TEST(EngineBody, RequestAndExtraKeyFields) {
  TestConfig config = TestConfig{}.run_as_user(false).general_extra_keys(
      "--pids-limit=-1##--network=aws-metadata##-e A=1##-l io.hardend.run=forged##"
      "-l team=ir##--shm-size=64m##--stop-timeout=4##--memory-swap=-1");
  CreateRequest request;
  request.cmd = {"/probe"};
  request.entrypoint = {"/bin/sh", "-c"};
  request.extra_labels = {{"io.hardend.run", "real"}};
  request.attach_stdin = true;
  request.binds = {"/usr/lib/hardend/probe:/probe:ro"};
  request.working_dir = "/tmp";
  json body = render_create_body(resolve(config, "demisto/boto3py3:1.0"), request);
  EXPECT_FALSE(body.contains("User"));
  EXPECT_EQ(body["Entrypoint"], json::parse(R"(["/bin/sh", "-c"])"));
  EXPECT_EQ(body["Env"], json::parse(R"(["A=1"])"));
  EXPECT_EQ(body["Labels"], json::parse(R"({"io.hardend.run": "real", "team": "ir"})"));
  EXPECT_EQ(body["OpenStdin"], true);
  EXPECT_EQ(body["StdinOnce"], true);
  EXPECT_EQ(body["AttachStdin"], true);
  EXPECT_EQ(body["WorkingDir"], "/tmp");
  EXPECT_EQ(body["StopTimeout"], 4);
  const json& host = body["HostConfig"];
  EXPECT_EQ(host["PidsLimit"], -1);
  EXPECT_EQ(host["MemorySwap"], -1);
  EXPECT_EQ(host["NetworkMode"], "aws-metadata");
  EXPECT_EQ(host["ShmSize"], 64 << 20);
  EXPECT_EQ(host["Binds"], json::parse(R"(["/usr/lib/hardend/probe:/probe:ro"])"));
  EXPECT_FALSE(host.contains("Privileged"));
}

TEST(EngineBody, PodmanOmitsResourceLimits) {
  json host = render_create_body(resolve(TestConfig{}, "hardend/python:3.11", RuntimeFacts{"podman", true}),
                                 {})["HostConfig"];
  for (const char* field : {"Memory", "MemorySwap", "NanoCpus", "PidsLimit"})
    EXPECT_FALSE(host.contains(field)) << field;
  EXPECT_EQ(host["CapDrop"], json::parse(R"(["ALL"])"));
}

TEST(EngineBody, AllowedUnsafeFlagsReachHostConfig) {
  TestConfig config =
      TestConfig{}
          .allow_unsafe({"--privileged", "--pid=host", "--device", "--volume", "--network=host"})
          .general_extra_keys(
              "--privileged##--pid=host##--device=/dev/fuse:/dev/fuse:rw##"
              "-v /srv/data:/data:ro##--network=host");
  ContainerSpec spec = resolve(config, "demisto/special:1");
  EXPECT_EQ(spec.notes.size(), 5u);
  json host = render_create_body(spec, CreateRequest{})["HostConfig"];
  EXPECT_EQ(host["Privileged"], true);
  EXPECT_EQ(host["PidMode"], "host");
  EXPECT_EQ(host["NetworkMode"], "host");
  EXPECT_EQ(host["Devices"], json::parse(R"([{"PathOnHost": "/dev/fuse", "PathInContainer": "/dev/fuse",
                                              "CgroupPermissions": "rw"}])"));
  EXPECT_EQ(host["Binds"], json::parse(R"(["/srv/data:/data:ro"])"));
  auto args = to_docker_run_args(spec);
  for (const char* expected : {"--privileged", "--pid=host", "--device=/dev/fuse:/dev/fuse:rw",
                               "--volume=/srv/data:/data:ro", "--network=host"})
    EXPECT_NE(std::find(args.begin(), args.end(), expected), args.end()) << expected;
}

}  // namespace
}  // namespace hardend::policy
