#include "docker/endpoint.h"

#include <gtest/gtest.h>
#include <stdlib.h>

namespace hardend::docker {
namespace {

TEST(EndpointParse, UnixWithThreeSlashes) {
  auto endpoint = Endpoint::parse("unix:///var/run/docker.sock");
  ASSERT_TRUE(endpoint.ok()) << endpoint.error().message;
  EXPECT_EQ(endpoint->kind, Endpoint::Kind::Unix);
  EXPECT_EQ(endpoint->path, "/var/run/docker.sock");
  EXPECT_EQ(endpoint->str(), "unix:///var/run/docker.sock");
}

TEST(EndpointParse, UnixWithOneSlash) {
  auto endpoint = Endpoint::parse("unix:/run/podman/podman.sock");
  ASSERT_TRUE(endpoint.ok()) << endpoint.error().message;
  EXPECT_EQ(endpoint->path, "/run/podman/podman.sock");
}

TEST(EndpointParse, BareAbsolutePath) {
  auto endpoint = Endpoint::parse("  /tmp/d.sock ");
  ASSERT_TRUE(endpoint.ok()) << endpoint.error().message;
  EXPECT_EQ(endpoint->kind, Endpoint::Kind::Unix);
  EXPECT_EQ(endpoint->path, "/tmp/d.sock");
}

TEST(EndpointParse, UnixRelativePathIsAnError) {
  auto endpoint = Endpoint::parse("unix://relative.sock");
  ASSERT_FALSE(endpoint.ok());
  EXPECT_NE(endpoint.error().message.find("absolute path"), std::string::npos) << endpoint.error().message;
}

TEST(EndpointParse, TcpWithPort) {
  auto endpoint = Endpoint::parse("tcp://127.0.0.1:2376");
  ASSERT_TRUE(endpoint.ok()) << endpoint.error().message;
  EXPECT_EQ(endpoint->kind, Endpoint::Kind::Tcp);
  EXPECT_EQ(endpoint->host, "127.0.0.1");
  EXPECT_EQ(endpoint->port, "2376");
  EXPECT_EQ(endpoint->str(), "tcp://127.0.0.1:2376");
}

TEST(EndpointParse, TcpDefaultPortAndTrailingSlash) {
  auto endpoint = Endpoint::parse("tcp://localhost/");
  ASSERT_TRUE(endpoint.ok()) << endpoint.error().message;
  EXPECT_EQ(endpoint->host, "localhost");
  EXPECT_EQ(endpoint->port, "2375");
}

TEST(EndpointParse, TcpIpv6) {
  auto endpoint = Endpoint::parse("tcp://[::1]:2375");
  ASSERT_TRUE(endpoint.ok()) << endpoint.error().message;
  EXPECT_EQ(endpoint->host, "::1");
  EXPECT_EQ(endpoint->port, "2375");
  EXPECT_EQ(endpoint->str(), "tcp://[::1]:2375");
}

TEST(EndpointParse, TcpBadPorts) {
  for (const char* text : {"tcp://host:", "tcp://host:0", "tcp://host:65536", "tcp://host:http",
                           "tcp://:2375", "tcp://", "tcp://host:2375/path"}) {
    auto endpoint = Endpoint::parse(text);
    EXPECT_FALSE(endpoint.ok()) << text;
  }
}

TEST(EndpointParse, SshIsUnsupportedAndSaysSo) {
  auto endpoint = Endpoint::parse("ssh://user@host");
  ASSERT_FALSE(endpoint.ok());
  EXPECT_NE(endpoint.error().message.find("ssh:// is not supported"), std::string::npos)
      << endpoint.error().message;
}

TEST(EndpointParse, OtherSchemesAndGarbage) {
  auto npipe = Endpoint::parse("npipe:////./pipe/docker_engine");
  ASSERT_FALSE(npipe.ok());
  EXPECT_NE(npipe.error().message.find("unsupported Docker endpoint scheme \"npipe://\""), std::string::npos)
      << npipe.error().message;
  EXPECT_FALSE(Endpoint::parse("").ok());
  EXPECT_FALSE(Endpoint::parse("docker.sock").ok());
}

TEST(EndpointFromEnvironment, DockerHostOrDefault) {
  const char* saved = getenv("DOCKER_HOST");
  std::string saved_value = saved ? saved : "";

  unsetenv("DOCKER_HOST");
  auto fallback = Endpoint::from_environment();
  ASSERT_TRUE(fallback.ok());
  EXPECT_EQ(fallback->str(), "unix:///var/run/docker.sock");

  setenv("DOCKER_HOST", "tcp://127.0.0.1:12375", 1);
  auto tcp = Endpoint::from_environment();
  ASSERT_TRUE(tcp.ok());
  EXPECT_EQ(tcp->str(), "tcp://127.0.0.1:12375");

  setenv("DOCKER_HOST", "ssh://box", 1);
  auto bad = Endpoint::from_environment();
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message.rfind("$DOCKER_HOST: ", 0), 0u) << bad.error().message;

  if (saved)
    setenv("DOCKER_HOST", saved_value.c_str(), 1);
  else
    unsetenv("DOCKER_HOST");
}

}  // namespace
}  // namespace hardend::docker
