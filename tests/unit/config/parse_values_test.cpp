// Table-driven: every key with good values (including the string forms) and bad values, each error checked
// with its exact file:line:col. Each case is the config {\n  "KEY": VALUE\n}: the key sits at 2:3 and the
// value at column 3 + len("\"KEY\"") + len(": ") = len(KEY) + 7 (all keys here are ASCII).
#include <gtest/gtest.h>

#include "config/config.h"
#include "config_fields.h"

namespace hardend::config {
namespace {

std::string one_key_config(const std::string& key, const std::string& value_json) {
  return "{\n  \"" + key + "\": " + value_json + "\n}\n";
}

std::string all_messages(const ParseOutcome& outcome) {
  std::string out;
  for (const auto& d : outcome.diagnostics) out += d.str() + "\n";
  return out;
}

struct GoodCase {
  std::string key;
  std::string value_json;
  std::string expected;  // the setting rendered by testing::render (lists joined with '|')
};

class GoodValue : public ::testing::TestWithParam<GoodCase> {};

TEST_P(GoodValue, SetsTheSettingWithItsSourceAndLocation) {
  const GoodCase& c = GetParam();
  auto outcome = parse_config(one_key_config(c.key, c.value_json), "d1.conf", {.strict = true});
  ASSERT_TRUE(outcome.ok()) << all_messages(outcome);
  EXPECT_TRUE(outcome.diagnostics.empty()) << all_messages(outcome);
  auto field = testing::fields(*outcome.config).at(c.key);
  EXPECT_EQ(field.text, c.expected);
  EXPECT_EQ(field.source, c.key);
  EXPECT_EQ(field.location.str(), "d1.conf:2:3");
}

const int64_t kMi = int64_t{1} << 20;
const int64_t kGi = int64_t{1} << 30;

INSTANTIATE_TEST_SUITE_P(
    AllKeys, GoodValue,
    ::testing::Values(
        GoodCase{"docker.run.internal.asuser", "true", "true"},
        GoodCase{"docker.run.internal.asuser", "false", "false"},
        GoodCase{"docker.run.internal.asuser", "\"true\"", "true"},
        GoodCase{"docker.run.internal.asuser", "\"FALSE\"", "false"},
        GoodCase{"docker.run.internal.asuser", "\" True \"", "true"},
        GoodCase{"docker.run.internal.asuser", "\"0\"", "false"},
        GoodCase{"docker.run.internal.asuser", "1", "true"},
        GoodCase{"docker.run.internal.asuser.user", "\"4000:4000\"", "4000:4000"},
        GoodCase{"docker.run.internal.asuser.user", "\"sandbox\"", "sandbox"},
        GoodCase{"docker.run.internal.asuser.user", "\"sandbox:staff\"", "sandbox:staff"},
        GoodCase{"docker.run.internal.asuser.user", "\" 1000 \"", "1000"},
        GoodCase{"docker.run.internal.asuser.user", "4000", "4000"},
        GoodCase{"docker.run.internal.asuser.ignore", "\"demisto/python3:,demisto/python:\"",
                 "demisto/python3:|demisto/python:"},
        GoodCase{"docker.run.internal.asuser.ignore", "[\"demisto/python3:\", \" demisto/python: \", \"\"]",
                 "demisto/python3:|demisto/python:"},
        GoodCase{"docker.run.internal.asuser.ignore", "\"a, ,a,b\"", "a|b"},
        GoodCase{"docker.run.internal.asuser.ignore", "\"\"", ""},
        GoodCase{"docker.run.internal.asuser.ignore", "[]", ""},
        GoodCase{"limit.docker.memory", "false", "false"},
        GoodCase{"limit.docker.memory", "\"true\"", "true"},
        GoodCase{"docker.memory.limit", "\"1g\"", std::to_string(kGi)},
        GoodCase{"docker.memory.limit", "\"512m\"", std::to_string(512 * kMi)},
        GoodCase{"docker.memory.limit", "\"1.5g\"", std::to_string(3 * kGi / 2)},
        GoodCase{"docker.memory.limit", "\"1.5G\"", std::to_string(3 * kGi / 2)},
        GoodCase{"docker.memory.limit", "\"2048M\"", std::to_string(2 * kGi)},
        GoodCase{"docker.memory.limit", "\"6m\"", std::to_string(6 * kMi)},
        GoodCase{"docker.memory.limit", "\"1024g\"", std::to_string(1024 * kGi)},
        GoodCase{"docker.memory.limit", "1073741824", std::to_string(kGi)},
        GoodCase{"limit.docker.cpu", "\"false\"", "false"}, GoodCase{"docker.cpu.limit", "\"1.0\"", "1"},
        GoodCase{"docker.cpu.limit", "0.5", "0.5"}, GoodCase{"docker.cpu.limit", "\"2\"", "2"},
        GoodCase{"docker.cpu.limit", "2", "2"}, GoodCase{"docker.cpu.limit", "\" 0.01 \"", "0.01"},
        GoodCase{"docker.cpu.limit", "1024", "1024"},
        GoodCase{"python.pass.extra.keys", "\"--pids-limit=256##--ulimit=nofile=1024:8192\"",
                 "--pids-limit=256##--ulimit=nofile=1024:8192"},
        GoodCase{"python.pass.extra.keys", "\"--memory=1g##--memory-swap=-1\"",
                 "--memory=1g##--memory-swap=-1"},
        GoodCase{"python.pass.extra.keys", "\"\"", ""},
        GoodCase{"docker.run.capabilities.drop.all", "false", "false"},
        GoodCase{"docker.run.capabilities.keep", "\"net_admin, CAP_SYS_CHROOT\"", "NET_ADMIN|SYS_CHROOT"},
        GoodCase{"docker.run.capabilities.keep", "[\"NET_BIND_SERVICE\", \"cap_net_bind_service\"]",
                 "NET_BIND_SERVICE"},
        GoodCase{"docker.run.no.new.privileges", "\"false\"", "false"},
        GoodCase{"docker.run.read.only", "false", "false"},
        GoodCase{"docker.run.tmpfs", "\"/tmp:rw,noexec,/run:size=1m\"", "/tmp:rw,noexec|/run:size=1m"},
        GoodCase{"docker.run.tmpfs", "[\"/tmp:rw,noexec,nosuid,size=64m\", \"/work\"]",
                 "/tmp:rw,noexec,nosuid,size=64m|/work"},
        GoodCase{"docker.run.tmpfs", "[]", ""},
        GoodCase{"docker.run.allow.unsafe", "\"--privileged, --cap-add=SYS_ADMIN\"",
                 "--privileged|--cap-add=SYS_ADMIN"},
        GoodCase{"container.runtime", "\"podman\"", "podman"},
        GoodCase{"container.runtime", "\"Docker\"", "docker"},
        GoodCase{"python.default.image", "\"demisto/python3:3.10.12.63474\"",
                 "demisto/python3:3.10.12.63474"},
        GoodCase{"run.output.limit", "\"1m\"", std::to_string(kMi)},
        GoodCase{"run.output.limit", "2048", "2048"}, GoodCase{"network.block.host", "false", "false"},
        GoodCase{"network.container.ranges", "\"172.16.0.0/12, 10.200.0.0/16\"",
                 "172.16.0.0/12|10.200.0.0/16"},
        GoodCase{"network.container.ranges", "[\"192.168.1.5\"]", "192.168.1.5/32"},
        GoodCase{"network.container.ranges", "\"0.0.0.0/0\"", "0.0.0.0/0"},
        GoodCase{"network.default.block", "[\"metadata\", \"internal\"]", "metadata|internal"},
        GoodCase{"network.default.block", "\"HOST,metadata\"", "host|metadata"},
        GoodCase{"network.default.block", "[]", ""}));

struct BadCase {
  std::string key;
  std::string value_json;
  std::string message;  // after "d1.conf:2:COL: KEY: "
};

class BadValue : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadValue, IsAnErrorAtTheValue) {
  const BadCase& c = GetParam();
  auto outcome = parse_config(one_key_config(c.key, c.value_json), "d1.conf");
  EXPECT_FALSE(outcome.ok());
  ASSERT_EQ(outcome.diagnostics.size(), 1u) << all_messages(outcome);
  const Diagnostic& d = outcome.diagnostics[0];
  EXPECT_EQ(d.severity, Severity::Error);
  EXPECT_EQ(d.str(), "d1.conf:2:" + std::to_string(c.key.size() + 7) + ": " + c.key + ": " + c.message);
}

const std::string kBool = "expected a boolean (true or false), got ";
const std::string kMemoryHint =
    "expected at least 6m (Docker's minimum); to turn the limit off, set limit.docker.memory to false";
const std::string kSizeExpected = "expected a size such as 512m, 1g or 1.5g (suffix b, k, m or g)";
const std::string kListExpected =
    "expected a list: a JSON array of strings or a comma-separated string, got ";
const std::string kCpuOff = "; to turn the limit off, set limit.docker.cpu to false";

INSTANTIATE_TEST_SUITE_P(
    AllKeys, BadValue,
    ::testing::Values(
        BadCase{"docker.run.internal.asuser", "\"yes\"", kBool + "the string \"yes\""},
        BadCase{"docker.run.internal.asuser", "2", kBool + "the number 2"},
        BadCase{"docker.run.internal.asuser", "null", kBool + "null"},
        BadCase{"docker.run.internal.asuser", "[true]", kBool + "an array"},
        BadCase{"limit.docker.memory", "\"\"", kBool + "the string \"\""},
        BadCase{
            "docker.run.internal.asuser.user", "\"root\"",
            "'root' is root; this key sets the non-root user (to run as root, set docker.run.internal.asuser "
            "to false)"},
        BadCase{
            "docker.run.internal.asuser.user", "\"0:0\"",
            "'0:0' is root; this key sets the non-root user (to run as root, set docker.run.internal.asuser "
            "to false)"},
        BadCase{"docker.run.internal.asuser.user", "\"4000:\"",
                "empty group; expected uid[:gid] or name[:group], e.g. \"4000:4000\""},
        BadCase{"docker.run.internal.asuser.user", "\"\"",
                "empty user; expected uid[:gid] or name[:group], e.g. \"4000:4000\""},
        BadCase{"docker.run.internal.asuser.user", "\"Bad User\"",
                "'Bad User' is not a valid user; expected a number or a name such as \"sandbox\""},
        BadCase{"docker.run.internal.asuser.user", "\"99999999999\"", "user 99999999999 is out of range"},
        BadCase{"docker.run.internal.asuser.user", "true", "expected a user such as \"4000:4000\", got true"},
        BadCase{"docker.run.internal.asuser.ignore", "5", kListExpected + "the number 5"},
        BadCase{"docker.memory.limit", "\"0\"", "zero is not a limit; " + kMemoryHint},
        BadCase{"docker.memory.limit", "0", "zero is not a limit; " + kMemoryHint},
        BadCase{"docker.memory.limit", "-1", "a negative size is not a limit; " + kMemoryHint},
        BadCase{"docker.memory.limit", "\"-1g\"", "'-1g' is negative; " + kSizeExpected},
        BadCase{"docker.memory.limit", "\"4m\"", "4m is too small; " + kMemoryHint},
        BadCase{"docker.memory.limit", "\"2000g\"", "2000g is absurd; at most 1024g"},
        BadCase{"docker.memory.limit", "\"1 gig\"", "'1 gig' is not a size; " + kSizeExpected},
        BadCase{"docker.memory.limit", "\"2t\"", "'2t' is not a size; " + kSizeExpected},
        BadCase{"docker.memory.limit", "1.5",
                "a size in bytes must be a whole number, got 1.5; write a string such as \"1.5g\""},
        BadCase{"docker.memory.limit", "true", "expected a size such as \"512m\" or \"1g\", got true"},
        BadCase{"docker.memory.limit", "18446744073709551615",
                "the size 18446744073709551615 is absurd; at most 1024g"},
        BadCase{"docker.cpu.limit", "0", "the CPU count must be greater than 0, got 0" + kCpuOff},
        BadCase{"docker.cpu.limit", "\"-1\"", "the CPU count must be greater than 0, got -1" + kCpuOff},
        BadCase{"docker.cpu.limit", "\"0.001\"", "0.001 CPUs is below Docker's minimum of 0.01"},
        BadCase{"docker.cpu.limit", "4096", "4096 CPUs is absurd; at most 1024"},
        BadCase{"docker.cpu.limit", "\"one\"",
                "expected a CPU count such as \"1.0\" or \"0.5\", got the string \"one\""},
        BadCase{"docker.cpu.limit", "true", "expected a CPU count such as 1.0 or \"0.5\", got true"},
        BadCase{"python.pass.extra.keys", "5",
                "expected docker run options joined by ## such as \"--pids-limit=256##--memory=1g\", got the "
                "number 5"},
        BadCase{
            "python.pass.extra.keys", "\"pids-limit=256\"",
            "expected docker run options starting with '-' (e.g. \"--memory=2g\"), got \"pids-limit=256\""},
        BadCase{
            "python.pass.extra.keys.demisto/dl", "\"1.4\"",
            "expected docker run options starting with '-' (e.g. \"--memory=2g\"), got \"1.4\"; to target "
            "tag 1.4 of demisto/dl, put the tag in the key: python.pass.extra.keys.demisto/dl:1.4"},
        BadCase{"python.pass.extra.keys.demisto/dl:1.4", "\"1.5\"",
                "expected docker run options starting with '-' (e.g. \"--memory=2g\"), got \"1.5\""},
        BadCase{
            "python.pass.extra.keys.registry.local:5000/dl", "\"2.0\"",
            "expected docker run options starting with '-' (e.g. \"--memory=2g\"), got \"2.0\"; to target "
            "tag 2.0 of registry.local:5000/dl, put the tag in the key: "
            "python.pass.extra.keys.registry.local:5000/dl:2.0"},
        BadCase{"python.pass.extra.keys.demisto/dl", "[\"--memory=2g\"]",
                "expected docker run options joined by ## such as \"--pids-limit=256##--memory=1g\", got an "
                "array"},
        BadCase{"docker.run.capabilities.keep", "\"ALL\"",
                "ALL cannot be kept; to keep every capability set docker.run.capabilities.drop.all to false"},
        BadCase{"docker.run.capabilities.keep", "\"NET_BIND_SERVIC\"",
                "unknown capability 'NET_BIND_SERVIC' (did you mean NET_BIND_SERVICE?)"},
        BadCase{"docker.run.tmpfs", "\"tmp:rw\"",
                "'tmp:rw': a tmpfs mount is an absolute path with options, e.g. "
                "\"/tmp:rw,noexec,nosuid,size=64m\""},
        BadCase{"docker.run.tmpfs", "\"/:size=1m\"", "'/:size=1m': a tmpfs cannot be mounted over /"},
        BadCase{"docker.run.tmpfs", "\"/tmp,/tmp:size=1m\"", "two tmpfs mounts on /tmp"},
        BadCase{"docker.run.allow.unsafe", "\"privileged\"",
                "'privileged' is not a flag; write it as in the extra keys, e.g. \"--privileged\""},
        BadCase{"container.runtime", "\"dokcer\"",
                "unknown runtime 'dokcer' (did you mean docker?); expected "
                "docker or podman"},
        BadCase{"container.runtime", "\"containerd\"",
                "unknown runtime 'containerd'; expected docker or podman"},
        BadCase{"container.runtime", "1", "expected \"docker\" or \"podman\", got the number 1"},
        BadCase{"python.default.image", "\"\"",
                "'' is not an image reference such as \"hardend/python:3.11\""},
        BadCase{"python.default.image", "\"my image\"",
                "'my image' is not an image reference such as \"hardend/python:3.11\""},
        BadCase{"run.output.limit", "\"0\"", "zero is not a limit; expected at least 1k"},
        BadCase{"run.output.limit", "\"100b\"", "100b is too small; expected at least 1k"},
        BadCase{"run.output.limit", "\"2g\"", "2g is absurd; at most 1g"},
        BadCase{"network.block.host", "\"no\"", kBool + "the string \"no\""},
        BadCase{"network.container.ranges", "\"10.0.0.1/8\"",
                "'10.0.0.1/8' has host bits set (did you mean "
                "10.0.0.0/8?)"},
        BadCase{"network.container.ranges", "\"10.0.0.0/33\"",
                "'10.0.0.0/33': prefix length must be 0 to 32"},
        BadCase{"network.container.ranges", "\"10.0.0/8\"",
                "'10.0.0/8' is not an IPv4 CIDR; expected a.b.c.d/n, e.g. 10.0.0.0/8"},
        BadCase{"network.container.ranges", "\"256.0.0.0/8\"", "'256.0.0.0/8': octet 256 is above 255"},
        BadCase{"network.container.ranges", "\"010.0.0.0/8\"",
                "'010.0.0.0/8': octet 010 has a leading zero (ambiguous: some tools read it as octal)"},
        BadCase{"network.container.ranges", "\"fd00::/8\"",
                "'fd00::/8' is IPv6; only IPv4 CIDRs (a.b.c.d/n) are supported"},
        BadCase{
            "network.default.block", "\"metdata\"",
            "unknown block member 'metdata' (did you mean metadata?); expected host, metadata or internal"},
        BadCase{"network.default.block", "\"10.0.0.0/8\"",
                "unknown block member '10.0.0.0/8' (CIDRs go in \"block.cidrs\"); expected host, metadata or "
                "internal"},
        BadCase{"network.default.block", "\"everything\"",
                "unknown block member 'everything'; expected host, metadata or internal"},
        BadCase{"network.networks", "[]",
                "expected an object of network name -> {\"bridge\": ..., \"block\": [...]}, got an array"}));

TEST(ListValues, AnErrorInAnArrayPointsAtTheElement) {
  auto outcome =
      parse_config("{\n  \"network.default.block\": [\"metadata\",\n    \"intenral\", 7]\n}", "d1.conf");
  ASSERT_EQ(outcome.diagnostics.size(), 1u) << all_messages(outcome);
  // The non-string element stops the list before the items are checked.
  EXPECT_EQ(outcome.diagnostics[0].str(),
            "d1.conf:3:17: network.default.block: list items must be strings, got the number 7");

  outcome = parse_config("{\n  \"network.default.block\": [\"metadata\",\n    \"intenral\", \"hots\"]\n}",
                         "d1.conf");
  ASSERT_EQ(outcome.diagnostics.size(), 2u) << all_messages(outcome);
  EXPECT_EQ(outcome.diagnostics[0].str(),
            "d1.conf:3:5: network.default.block: unknown block member 'intenral' (did you mean internal?); "
            "expected host, metadata or internal");
  EXPECT_EQ(outcome.diagnostics[1].str(),
            "d1.conf:3:17: network.default.block: unknown block member 'hots' (did you mean host?); "
            "expected host, metadata or internal");
}

TEST(PerImageKeys, StoreTheSuffixExactlyAsWritten) {
  auto outcome = parse_config(R"({
  "python.pass.extra.keys.demisto/dl": "--memory=2g##--ulimit=nofile=1024:8192##--pids-limit=256",
  "python.pass.extra.keys.demisto/dl:1.4": "--memory=4g",
  "python.pass.extra.keys.registry.local:5000/team/tool@sha256:abc": "",
  "python.pass.extra.keys.demisto/boto3py3": "--network=aws-metadata"
})",
                              "d1.conf", {.strict = true});
  ASSERT_TRUE(outcome.ok()) << all_messages(outcome);
  const auto& images = outcome.config->image_extra_keys;
  ASSERT_EQ(images.size(), 4u);
  EXPECT_EQ(images.at("demisto/dl").value, "--memory=2g##--ulimit=nofile=1024:8192##--pids-limit=256");
  EXPECT_EQ(images.at("demisto/dl").source, "python.pass.extra.keys.demisto/dl");
  EXPECT_EQ(images.at("demisto/dl").location.str(), "d1.conf:2:3");
  EXPECT_EQ(images.at("demisto/dl:1.4").value, "--memory=4g");
  EXPECT_EQ(images.at("demisto/dl:1.4").location.str(), "d1.conf:3:3");
  EXPECT_EQ(images.at("registry.local:5000/team/tool@sha256:abc").value, "");
  EXPECT_EQ(images.at("demisto/boto3py3").value, "--network=aws-metadata");
  // The general key stays unset: per-image keys do not touch it.
  EXPECT_FALSE(outcome.config->extra_keys.value.has_value());
  EXPECT_TRUE(outcome.config->extra_keys.is_default());
}

struct BadImageKeyCase {
  std::string key;
  std::string message;
};

class BadImageKey : public ::testing::TestWithParam<BadImageKeyCase> {};

TEST_P(BadImageKey, IsAnErrorAtTheKey) {
  auto outcome = parse_config(one_key_config(GetParam().key, "\"--memory=1g\""), "d1.conf");
  ASSERT_EQ(outcome.diagnostics.size(), 1u) << all_messages(outcome);
  EXPECT_EQ(outcome.diagnostics[0].str(), "d1.conf:2:3: " + GetParam().key + ": " + GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Suffixes, BadImageKey,
    ::testing::Values(BadImageKeyCase{"python.pass.extra.keys.",
                                      "the image name after python.pass.extra.keys. is empty; write e.g. "
                                      "python.pass.extra.keys.demisto/dl"},
                      BadImageKeyCase{"python.pass.extra.keys. ",
                                      "the image name after python.pass.extra.keys. is empty; write e.g. "
                                      "python.pass.extra.keys.demisto/dl"},
                      BadImageKeyCase{"python.pass.extra.keys.demisto/dl ",
                                      "the image name 'demisto/dl ' contains whitespace"},
                      BadImageKeyCase{"python.pass.extra.keys.demisto/dl:",
                                      "the image name 'demisto/dl:' is incomplete"}));

}  // namespace
}  // namespace hardend::config
