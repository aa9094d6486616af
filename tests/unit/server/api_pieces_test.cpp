// The pure pieces of the API: listen addresses, bearer tokens, paths, run bodies, metrics text, log lines.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <sstream>

#include "server/api.h"
#include "server/http_server.h"
#include "server/log.h"
#include "server/metrics.h"
#include "server/run_service.h"
#include "server/sd_notify.h"

namespace hardend::server {
namespace {

TEST(ListenAddress, UnixAndLoopbackTcpOnly) {
  auto unix_address = parse_listen_address("unix:/run/hardend/hardend.sock");
  ASSERT_TRUE(unix_address.ok());
  EXPECT_EQ(unix_address->path, "/run/hardend/hardend.sock");
  EXPECT_EQ(parse_listen_address("unix:///tmp/x.sock")->path, "/tmp/x.sock");
  auto tcp = parse_listen_address("tcp://127.0.0.1:8080");
  ASSERT_TRUE(tcp.ok());
  EXPECT_EQ(tcp->kind, ListenAddress::Kind::tcp);
  EXPECT_EQ(tcp->port, 8080);
  EXPECT_EQ(tcp->str(), "tcp://127.0.0.1:8080");
  EXPECT_EQ(parse_listen_address("tcp://[::1]:9")->str(), "tcp://[::1]:9");
  EXPECT_EQ(parse_listen_address("tcp://localhost:9")->host, "127.0.0.1");
  for (const char* bad : {"tcp://0.0.0.0:8080", "tcp://10.1.2.3:80", "tcp://127.0.0.1", "tcp://127.0.0.1:99999",
                          "unix:relative.sock", "http://127.0.0.1:80", "tcp://example.com:80"})
    EXPECT_FALSE(parse_listen_address(bad).ok()) << bad;
  EXPECT_NE(parse_listen_address("tcp://0.0.0.0:8080").error().message.find("loopback"), std::string::npos);
}

TEST(BearerToken, ExactMatchOnly) {
  const std::string token = "0123456789abcdef0123";
  EXPECT_TRUE(bearer_matches("Bearer " + token, token));
  EXPECT_FALSE(bearer_matches("Bearer " + token + "x", token));
  EXPECT_FALSE(bearer_matches("bearer " + token, token));
  EXPECT_FALSE(bearer_matches("Bearer 0123456789abcdef0124", token));
  EXPECT_FALSE(bearer_matches("", token));
  EXPECT_FALSE(bearer_matches("Bearer ", ""));  // no token configured: nothing matches
}

TEST(PercentDecode, ImageReferencesInPaths) {
  EXPECT_EQ(percent_decode("demisto%2Fdl%3A1.4"), "demisto/dl:1.4");
  EXPECT_EQ(percent_decode("demisto/dl:1.4"), "demisto/dl:1.4");
  EXPECT_EQ(percent_decode("a%zz%"), "a%zz%");
}

TEST(RunSubmission, ScriptCommandAndErrors) {
  auto script = parse_run_submission(R"j({"script": "print(1)", "name": "T", "args": {"n": 3}, "timeout": 1.5})j");
  ASSERT_TRUE(script.ok()) << script.error().message;
  ASSERT_TRUE(script->script.has_value());
  EXPECT_EQ(script->script->name, "T");
  EXPECT_EQ(script->script->args["n"], 3);
  EXPECT_EQ(script->timeout, std::chrono::milliseconds(1500));
  auto defaults = parse_run_submission(R"({"script": "pass"})");
  EXPECT_EQ(defaults->timeout, std::chrono::milliseconds(300000));
  EXPECT_FALSE(parse_run_submission(R"({"script": "pass", "timeout": 0})")->timeout.has_value());
  auto command = parse_run_submission(R"({"argv": ["echo", "x"], "image": "alpine"})");
  ASSERT_TRUE(command.ok());
  EXPECT_EQ(command->argv.size(), 2u);
  EXPECT_EQ(command->image, "alpine");
  for (const char* bad : {"not json", "[]", "{}", R"({"script": "x", "argv": ["y"]})", R"({"argv": []})",
                          R"({"argv": [1]})", R"({"script": 3})", R"({"script": "x", "args": [1]})",
                          R"({"script": "x", "timeout": -1})", R"({"script": "x", "image": 5})"})
    EXPECT_FALSE(parse_run_submission(bad).ok()) << bad;
}

TEST(Classify, ExitCodesToOutcomes) {
  EXPECT_EQ(classify(0), RunOutcomeKind::success);
  EXPECT_EQ(classify(1), RunOutcomeKind::script_error);
  EXPECT_EQ(classify(124), RunOutcomeKind::timeout);
  EXPECT_EQ(classify(137), RunOutcomeKind::oom);
}

TEST(MetricsText, CountersHistogramAndPools) {
  Metrics metrics;
  metrics.count_run(RunOutcomeKind::success, std::chrono::milliseconds(3));
  metrics.count_run(RunOutcomeKind::success, std::chrono::milliseconds(40));
  metrics.count_run(RunOutcomeKind::timeout, std::chrono::seconds(2));
  metrics.count_run(RunOutcomeKind::busy, std::chrono::seconds(0));
  metrics.count_container_start(true);
  metrics.count_reload(true);
  metrics.count_reload(false);
  std::string text = metrics.render({PoolGauge{"hardend/python:3.11", "reuse", 2, 1, 0}}, 3, 1);
  EXPECT_NE(text.find("hardend_runs_total{outcome=\"success\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("hardend_runs_total{outcome=\"busy\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("hardend_runs_total{outcome=\"oom\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("hardend_run_duration_seconds_bucket{le=\"0.005\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("hardend_run_duration_seconds_bucket{le=\"0.05\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("hardend_run_duration_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("hardend_run_duration_seconds_count 3\n"), std::string::npos);
  EXPECT_NE(text.find("hardend_pool_containers{image=\"hardend/python:3.11\",isolation=\"reuse\",state=\"idle\"} 2"),
            std::string::npos);
  EXPECT_NE(text.find("hardend_container_starts_total 1\n"), std::string::npos);
  EXPECT_NE(text.find("hardend_reloads_total{result=\"rejected\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE hardend_run_duration_seconds histogram\n"), std::string::npos);
  EXPECT_EQ(escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}

TEST(LogLine, TextAndJson) {
  nlohmann::json fields{{"peer", "127.0.0.1:5"}, {"why", "wrong bearer token"}, {"n", 2}};
  EXPECT_EQ(Log::format(false, "T", "warning", "request.unauthorized", fields),
            "T warning request.unauthorized n=2 peer=127.0.0.1:5 why=\"wrong bearer token\"");
  auto json = nlohmann::json::parse(Log::format(true, "T", "info", "reload.ok", fields));
  EXPECT_EQ(json["event"], "reload.ok");
  EXPECT_EQ(json["level"], "info");
  EXPECT_EQ(json["n"], 2);
}

// Found by fuzzing (docs/RELIABILITY.md): a drift report carrying an iptables comment in Latin-1 made the text
// log format throw on the daemon's background thread.
TEST(LogLine, FieldsThatAreNotUtf8AreReplacedNotThrown) {
  nlohmann::json fields{{"drift", nlohmann::json::array({std::string("comment caf\xe9")})}};
  std::string line;
  EXPECT_NO_THROW(line = Log::format(false, "T", "warning", "network.drift.repaired", fields));
  EXPECT_NE(line.find("drift="), std::string::npos);
  EXPECT_NO_THROW(Log::format(true, "T", "warning", "network.drift.repaired", fields));
}

// Found by fault injection (log on a full disk): once a write failed, the stream stayed failed and the log was
// silent for good, also after space came back.
TEST(LogLine, WritesAgainAfterAFailedWrite) {
  std::ostringstream out;
  Log log(out);
  out.setstate(std::ios::badbit);  // what a write to a full disk leaves behind
  log.info("after.the.failure");
  EXPECT_NE(out.str().find("after.the.failure"), std::string::npos) << out.str();
}

// Found by fuzzing: a huge timeout overflowed the milliseconds; a NUL in server.listen was accepted.
TEST(RunSubmission, TimeoutIsBounded) {
  EXPECT_FALSE(parse_run_submission(R"({"argv": ["id"], "timeout": 1e300})").ok());
  EXPECT_FALSE(parse_run_submission(R"({"argv": ["id"], "timeout": 86401})").ok());
  auto day = parse_run_submission(R"({"argv": ["id"], "timeout": 86400})");
  ASSERT_TRUE(day.ok());
  EXPECT_EQ(day->timeout, std::chrono::milliseconds(86400000));
}

TEST(ListenAddress, NulIsRefused) {
  EXPECT_FALSE(parse_listen_address(std::string("tcp://127.0.0.1\0:evil:80", 24)).ok());
  EXPECT_FALSE(parse_listen_address(std::string("unix:/run/x.sock\0/../etc", 24)).ok());
}

TEST(SdNotify, SendsOneDatagram) {
  std::string path = (std::filesystem::temp_directory_path() / ("hardend-notify-" + std::to_string(getpid()))).string();
  ::unlink(path.c_str());
  int fd = ::socket(AF_UNIX, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_TRUE(sd_notify_to(path, "READY=1").ok());
  char buffer[64] = {};
  ssize_t received = ::recv(fd, buffer, sizeof(buffer), 0);
  EXPECT_EQ(std::string(buffer, received > 0 ? static_cast<size_t>(received) : 0), "READY=1");
  ::close(fd);
  ::unlink(path.c_str());
  EXPECT_FALSE(sd_notify_to("relative", "READY=1").ok());
}

}  // namespace
}  // namespace hardend::server
