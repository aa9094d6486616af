// Endpoint::for_runtime (issue 8): which socket each runtime is reached at, with the environment passed in.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "docker/endpoint.h"

namespace hardend::docker {
namespace {

// The lookup is a plain function pointer, so the fake environment lives in a function-local static that each
// test fills before asking.
std::map<std::string, std::string>& fake_environment() {
  static std::map<std::string, std::string> variables;
  return variables;
}

const char* lookup(const char* name) {
  auto it = fake_environment().find(name);
  return it == fake_environment().end() ? nullptr : it->second.c_str();
}

std::string endpoint_for(const std::string& runtime, std::map<std::string, std::string> environment) {
  fake_environment() = std::move(environment);
  auto endpoint = Endpoint::for_runtime(runtime, lookup);
  return endpoint.ok() ? endpoint->str() : "error: " + endpoint.error().message;
}

TEST(EndpointForRuntime, PodmanDefaultsToTheRootfulSocket) {
  EXPECT_EQ(endpoint_for("podman", {}), "unix:///run/podman/podman.sock");
  // $DOCKER_HOST is Docker's: it does not move Podman.
  EXPECT_EQ(endpoint_for("podman", {{"DOCKER_HOST", "unix:///var/run/docker.sock"}}),
            "unix:///run/podman/podman.sock");
}

TEST(EndpointForRuntime, PodmanSocketVariablesInOrder) {
  EXPECT_EQ(endpoint_for("podman", {{"CONTAINER_HOST", "unix:///run/user/1000/podman/podman.sock"}}),
            "unix:///run/user/1000/podman/podman.sock");
  EXPECT_EQ(endpoint_for("podman", {{"HARDEND_PODMAN_SOCKET", "/tmp/p.sock"},
                                    {"CONTAINER_HOST", "unix:///run/user/1000/podman/podman.sock"}}),
            "unix:///tmp/p.sock");
  EXPECT_EQ(
      endpoint_for("podman", {{"HARDEND_PODMAN_SOCKET", "  "}, {"CONTAINER_HOST", "tcp://127.0.0.1:8888"}}),
      "tcp://127.0.0.1:8888");
}

TEST(EndpointForRuntime, BadPodmanVariableNamesItself) {
  EXPECT_EQ(endpoint_for("podman", {{"CONTAINER_HOST", "ssh://core@host/run/podman/podman.sock"}})
                .rfind("error: $CONTAINER_HOST: unsupported Docker endpoint", 0),
            0u);
}

TEST(EndpointForRuntime, DockerUsesDockerHost) {
  EXPECT_EQ(endpoint_for("docker", {}), "unix:///var/run/docker.sock");
  EXPECT_EQ(
      endpoint_for("docker", {{"DOCKER_HOST", "tcp://127.0.0.1:2375"}, {"HARDEND_PODMAN_SOCKET", "/x"}}),
      "tcp://127.0.0.1:2375");
  EXPECT_EQ(endpoint_for("lxc", {}), "error: unknown container runtime 'lxc'; expected docker or podman");
}

TEST(StartServiceHint, NamesTheCommandsForPodman) {
  auto endpoint = Endpoint::parse("unix:///run/podman/podman.sock");
  ASSERT_TRUE(endpoint.ok());
  std::string hint = start_service_hint("podman", *endpoint);
  EXPECT_NE(hint.find("systemctl start podman.socket"), std::string::npos) << hint;
  EXPECT_NE(hint.find("podman system service --time=0 unix:///run/podman/podman.sock"), std::string::npos)
      << hint;
  EXPECT_NE(start_service_hint("docker", Endpoint{}).find("systemctl start docker"), std::string::npos);
}

}  // namespace
}  // namespace hardend::docker
