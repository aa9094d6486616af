// Client against a scripted daemon: version negotiation, request targets, error formats.
#include "docker/client.h"

#include <gtest/gtest.h>

#include <fstream>

#include "fake_daemon.h"

namespace hardend::docker {
namespace {

using testing::FakeDaemon;
using testing::FakeRequest;
using testing::http_response;

// A daemon that answers /_ping and /version itself and everything else with `respond`.
class ScriptedDaemon {
 public:
  ScriptedDaemon(std::string api_version, std::function<std::string(const FakeRequest&)> respond)
      : daemon_(FakeDaemon::responder(
            [api_version, respond](const FakeRequest& request) {
              if (request.target == "/_ping") return http_response(200, "OK", "OK", "text/plain");
              if (request.target == "/version")
                return http_response(200, "OK",
                                     R"({"Version":"20.10.24","ApiVersion":")" + api_version + "\"}");
              return respond(request);
            },
            &log_, &log_mutex_)) {}

  Endpoint endpoint() const { return daemon_.endpoint(); }
  std::vector<std::string> targets() {
    std::lock_guard lock(log_mutex_);
    std::vector<std::string> out;
    for (const auto& request : log_) out.push_back(request.method + " " + request.target);
    return out;
  }
  FakeRequest last() {
    std::lock_guard lock(log_mutex_);
    return log_.back();
  }

 private:
  std::vector<FakeRequest> log_;
  std::mutex log_mutex_;
  FakeDaemon daemon_;  // last: its thread uses the log
};

std::string ok_json(std::string body) {
  return http_response(200, "OK", body);
}

TEST(ClientNegotiate, CapsANewerDaemonAtOurVersionAndNegotiatesOnce) {
  ScriptedDaemon daemon("1.45", [](const FakeRequest&) { return ok_json(R"({"SwapLimit":true})"); });
  Client client(daemon.endpoint());
  auto info = client.info();
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_TRUE((*info)["SwapLimit"].get<bool>());
  ASSERT_TRUE(client.info().ok());
  EXPECT_EQ(daemon.targets(),
            (std::vector<std::string>{"GET /_ping", "GET /version", "GET /v1.41/info", "GET /v1.41/info"}));
}

TEST(ClientNegotiate, UsesAnOlderDaemonsVersion) {
  ScriptedDaemon daemon("1.40", [](const FakeRequest&) { return ok_json("{}"); });
  Client client(daemon.endpoint());
  auto version = client.negotiate();
  ASSERT_TRUE(version.ok()) << version.error().message;
  EXPECT_EQ(*version, "1.40");
  ASSERT_TRUE(client.inspect_container("abc").ok());
  EXPECT_EQ(daemon.targets().back(), "GET /v1.40/containers/abc/json");
}

TEST(ClientNegotiate, CopiesShareTheNegotiatedVersion) {
  ScriptedDaemon daemon("1.41", [](const FakeRequest&) { return ok_json("{}"); });
  Client client(daemon.endpoint());
  ASSERT_TRUE(client.negotiate().ok());
  Client moved = std::move(client);
  ASSERT_TRUE(moved.info().ok());
  EXPECT_EQ(daemon.targets().size(), 3u);
}

TEST(ClientNegotiate, StoppedDaemon) {
  testing::TempDir dir;
  Endpoint endpoint;
  endpoint.path = dir.path() + "/docker.sock";
  Client client(endpoint);
  auto info = client.info();
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().message, "cannot connect to the Docker daemon at unix://" + endpoint.path +
                                      ": No such file or directory (is dockerd running?)");
}

TEST(ClientNegotiate, CompareApiVersionsNumerically) {
  EXPECT_LT(compare_api_versions("1.9", "1.41"), 0);
  EXPECT_GT(compare_api_versions("1.41", "1.9"), 0);
  EXPECT_EQ(compare_api_versions("1.41", "1.41"), 0);
  EXPECT_GT(compare_api_versions("2.0", "1.41"), 0);
}

TEST(ClientErrors, CreateWithMissingImage) {
  ScriptedDaemon daemon("1.41", [](const FakeRequest&) {
    return http_response(404, "Not Found", R"({"message":"No such image: nosuch:latest"})");
  });
  Client client(daemon.endpoint());
  auto id = client.create_container({{"Image", "nosuch"}}, "box-1");
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().message, "POST /containers/create: 404 Not Found: No such image: nosuch:latest");
  EXPECT_TRUE(is_not_found(id.error()));
  EXPECT_EQ(daemon.targets().back(), "POST /v1.41/containers/create?name=box-1");
  EXPECT_EQ(daemon.last().body, R"({"Image":"nosuch"})");
}

TEST(ClientErrors, NetworkNotFoundMentionsNoSuchNetwork) {
  ScriptedDaemon daemon("1.41", [](const FakeRequest&) {
    return http_response(404, "Not Found", R"({"message":"network hardend-x not found"})");
  });
  Client client(daemon.endpoint());
  auto network = client.inspect_network("hardend-x");
  ASSERT_FALSE(network.ok());
  EXPECT_EQ(
      network.error().message,
      "GET /networks/hardend-x: 404 Not Found: network hardend-x not found (no such network: hardend-x)");
  EXPECT_TRUE(is_not_found(network.error()));
}

TEST(ClientErrors, ConflictIsNotNotFound) {
  ScriptedDaemon daemon("1.41", [](const FakeRequest&) {
    return http_response(409, "Conflict", R"({"message":"container abc is running"})");
  });
  Client client(daemon.endpoint());
  auto removed = client.remove_container("abc", /*force=*/false);
  ASSERT_FALSE(removed.ok());
  EXPECT_FALSE(is_not_found(removed.error()));
  EXPECT_EQ(daemon.targets().back(), "DELETE /v1.41/containers/abc?force=0&v=1");
}

TEST(ClientContainers, ListEncodesLabelFilters) {
  ScriptedDaemon daemon("1.41", [](const FakeRequest&) { return ok_json(R"([{"Id":"c1"}])"); });
  Client client(daemon.endpoint());
  auto list = client.list_containers({"io.hardend.test=1", "io.hardend.kind"});
  ASSERT_TRUE(list.ok()) << list.error().message;
  EXPECT_EQ((*list)[0]["Id"], "c1");
  EXPECT_EQ(
      daemon.targets().back(),
      "GET "
      "/v1.41/containers/json?all=1&filters=%7B%22label%22%3A%5B%22io.hardend.test%3D1%22%2C%22io.hardend."
      "kind%22%5D%7D");
}

TEST(ClientContainers, StartTreats304AsStarted) {
  ScriptedDaemon daemon("1.41", [](const FakeRequest&) { return http_response(304, "Not Modified", ""); });
  Client client(daemon.endpoint());
  EXPECT_TRUE(client.start_container("c1").ok());
}

TEST(ClientContainers, KillOfAStoppedContainerIsFine) {
  int calls = 0;
  ScriptedDaemon daemon("1.41", [&calls](const FakeRequest&) {
    ++calls;
    if (calls == 1)
      return http_response(409, "Conflict",
                           R"({"message":"Cannot kill container: c1: Container c1 is not running"})");
    return http_response(500, "Internal Server Error", R"({"message":"boom"})");
  });
  Client client(daemon.endpoint());
  EXPECT_TRUE(client.kill_container("c1").ok());
  EXPECT_EQ(daemon.targets().back(), "POST /v1.41/containers/c1/kill?signal=KILL");
  auto failed = client.kill_container("c1", "TERM");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message, "POST /containers/c1/kill: 500 Internal Server Error: boom");
}

TEST(ClientContainers, WaitReadsStatusCodeAndError) {
  ScriptedDaemon daemon("1.41", [](const FakeRequest& request) {
    if (request.target.find("/c1/") != std::string::npos) return ok_json(R"({"StatusCode":3,"Error":null})");
    return ok_json(R"({"StatusCode":137,"Error":{"Message":"oom"}})");
  });
  Client client(daemon.endpoint());
  auto plain = client.wait_container("c1");
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  EXPECT_EQ(plain->status_code, 3);
  EXPECT_EQ(plain->error, "");
  EXPECT_EQ(daemon.targets().back(), "POST /v1.41/containers/c1/wait?condition=not-running");
  auto failed = client.wait_container("c2", "next-exit");
  ASSERT_TRUE(failed.ok()) << failed.error().message;
  EXPECT_EQ(failed->status_code, 137);
  EXPECT_EQ(failed->error, "oom");
}

TEST(ClientContainers, PutArchiveSendsTarWithEscapedPath) {
  ScriptedDaemon daemon("1.41", [](const FakeRequest&) { return http_response(200, "OK", ""); });
  Client client(daemon.endpoint());
  ASSERT_TRUE(client.put_archive("c1", "/tmp/my dir", std::string("tar\0bytes", 9)).ok());
  FakeRequest request = daemon.last();
  EXPECT_EQ(request.method, "PUT");
  EXPECT_EQ(request.target, "/v1.41/containers/c1/archive?path=%2Ftmp%2Fmy%20dir");
  EXPECT_EQ(request.headers["content-type"], "application/x-tar");
  EXPECT_EQ(request.body, std::string("tar\0bytes", 9));
}

TEST(ClientContainers, MalformedAnswersAreErrorsNotCrashes) {
  ScriptedDaemon daemon("1.41", [](const FakeRequest& request) {
    if (request.target.find("create") != std::string::npos) return http_response(201, "Created", "[1,2]");
    if (request.target.find("wait") != std::string::npos) return ok_json(R"({"StatusCode":"zero"})");
    return ok_json("not json");
  });
  Client client(daemon.endpoint());
  auto id = client.create_container({{"Image", "x"}});
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().message, "POST /containers/create: the daemon's answer has no \"Id\"");
  EXPECT_FALSE(client.wait_container("c").ok());
  auto inspected = client.inspect_container("c");
  ASSERT_FALSE(inspected.ok());
  EXPECT_NE(inspected.error().message.find("not JSON"), std::string::npos);
}

TEST(ClientImages, ImportFailsOnErrorInProgressStream) {
  testing::TempDir dir;
  std::string tar = dir.path() + "/rootfs.tar";
  std::ofstream(tar) << "not really a tar";
  ScriptedDaemon daemon("1.41", [](const FakeRequest&) {
    return ok_json(
        "{\"status\":\"Importing\"}\r\n{\"errorDetail\":{\"message\":\"archive/tar: invalid tar header\"},"
        "\"error\":\"archive/tar: invalid tar header\"}\r\n");
  });
  Client client(daemon.endpoint());
  auto imported = client.import_image(tar, "hardend-test/x", "v 1");
  ASSERT_FALSE(imported.ok());
  EXPECT_EQ(imported.error().message, "POST /images/create: archive/tar: invalid tar header");
  EXPECT_EQ(daemon.targets().back(), "POST /v1.41/images/create?fromSrc=-&repo=hardend-test%2Fx&tag=v%201");
  EXPECT_EQ(daemon.last().body, "not really a tar");
}

TEST(ClientImages, ImportSucceedsOnStatusOnlyStream) {
  testing::TempDir dir;
  std::string tar = dir.path() + "/rootfs.tar";
  std::ofstream(tar) << "tar";
  ScriptedDaemon daemon("1.41",
                        [](const FakeRequest&) { return ok_json("{\"status\":\"sha256:abc\"}\r\n"); });
  Client client(daemon.endpoint());
  auto imported = client.import_image(tar, "hardend-test/x", "latest");
  EXPECT_TRUE(imported.ok()) << imported.error().message;
}

TEST(ClientImages, InspectKeepsSlashesAndColonsInThePath) {
  ScriptedDaemon daemon("1.41", [](const FakeRequest&) {
    return http_response(404, "Not Found", R"({"message":"No such image: demisto/python3:3.10"})");
  });
  Client client(daemon.endpoint());
  auto image = client.inspect_image("demisto/python3:3.10");
  ASSERT_FALSE(image.ok());
  EXPECT_EQ(image.error().message,
            "GET /images/demisto/python3:3.10/json: 404 Not Found: No such image: "
            "demisto/python3:3.10");
  EXPECT_EQ(daemon.targets().back(), "GET /v1.41/images/demisto/python3:3.10/json");
}

TEST(ClientCall, ReturnsSuccessfulAnswersAndFormatsErrors) {
  ScriptedDaemon daemon("1.41", [](const FakeRequest& request) {
    if (request.target == "/v1.41/volumes") return ok_json(R"({"Volumes":[]})");
    return http_response(400, "Bad Request", R"({"message":"bad parameter"})");
  });
  Client client(daemon.endpoint());
  auto volumes = client.call("GET", "/volumes");
  ASSERT_TRUE(volumes.ok()) << volumes.error().message;
  EXPECT_EQ(volumes->status, 200u);
  auto bad = client.call("POST", "/volumes/create?x=1", "{}");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "POST /volumes/create: 400 Bad Request: bad parameter");
}

TEST(QueryEscape, EscapesEverythingButUnreserved) {
  EXPECT_EQ(query_escape("a-b_c.d~e"), "a-b_c.d~e");
  EXPECT_EQ(query_escape("a b/c:d=e&f"), "a%20b%2Fc%3Ad%3De%26f");
}

}  // namespace
}  // namespace hardend::docker
