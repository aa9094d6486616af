// The value validators and the JSON locator on their own.
#include <gtest/gtest.h>

#include "config/config.h"
#include "config/json_locator.h"
#include "config/values.h"

namespace hardend::config {
namespace {

struct CidrCase {
  std::string text;
  std::string expected;  // normalized form, or "error: <message>"
};

class Cidr : public ::testing::TestWithParam<CidrCase> {};

TEST_P(Cidr, NormalizesOrExplains) {
  auto result = normalize_cidr(GetParam().text);
  EXPECT_EQ(result.ok() ? *result : "error: " + result.error().message, GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Ipv4, Cidr,
    ::testing::Values(
        CidrCase{"10.0.0.0/8", "10.0.0.0/8"}, CidrCase{" 169.254.169.254/32 ", "169.254.169.254/32"},
        CidrCase{"169.254.169.254", "169.254.169.254/32"}, CidrCase{"0.0.0.0/0", "0.0.0.0/0"},
        CidrCase{"192.168.0.0/16", "192.168.0.0/16"}, CidrCase{"100.64.0.0/10", "100.64.0.0/10"},
        CidrCase{"172.16.0.0/12", "172.16.0.0/12"},
        CidrCase{"172.17.0.1/16", "error: '172.17.0.1/16' has host bits set (did you mean 172.17.0.0/16?)"},
        CidrCase{"10.0.0.0/", "error: '10.0.0.0/': prefix length must be 0 to 32"},
        CidrCase{"10.0.0.0/-1", "error: '10.0.0.0/-1': prefix length must be 0 to 32"},
        CidrCase{"10.0.0.0/8/8", "error: '10.0.0.0/8/8': prefix length must be 0 to 32"},
        CidrCase{"10.0.0.0.0/8",
                 "error: '10.0.0.0.0/8' is not an IPv4 CIDR; expected a.b.c.d/n, e.g. 10.0.0.0/8"},
        CidrCase{"10..0.0/8", "error: '10..0.0/8' is not an IPv4 CIDR; expected a.b.c.d/n, e.g. 10.0.0.0/8"},
        CidrCase{"a.b.c.d/8", "error: 'a.b.c.d/8' is not an IPv4 CIDR; expected a.b.c.d/n, e.g. 10.0.0.0/8"},
        CidrCase{"", "error: '' is not an IPv4 CIDR; expected a.b.c.d/n, e.g. 10.0.0.0/8"},
        CidrCase{"::1", "error: '::1' is IPv6; only IPv4 CIDRs (a.b.c.d/n) are supported"}));

TEST(Values, Booleans) {
  for (const char* text : {"true", "TRUE", "True", " true", "1"}) EXPECT_TRUE(*parse_bool_text(text)) << text;
  for (const char* text : {"false", "False", "0"}) EXPECT_FALSE(*parse_bool_text(text)) << text;
  for (const char* text : {"yes", "no", "on", "t", "", "2", "truee"})
    EXPECT_FALSE(parse_bool_text(text).ok()) << text;
}

TEST(Values, Users) {
  for (const char* user : {"4000:4000", "4000", "sandbox", "_svc", "svc-1$", "sandbox:4000", "4000:0"})
    EXPECT_TRUE(validate_user(user).ok()) << user;
  for (const char* user : {"root", "0", "0:4000", "root:root", "", ":4000", "4000:", "Sandbox", "a b",
                           "1:2:3", "-x", "4294967295"})
    EXPECT_FALSE(validate_user(user).ok()) << user;
}

TEST(Values, InterfaceAndNetworkNames) {
  EXPECT_TRUE(validate_interface_name("docker-external").ok());  // exactly 15
  EXPECT_FALSE(validate_interface_name("docker-externals").ok());
  EXPECT_FALSE(validate_interface_name("").ok());
  EXPECT_FALSE(validate_interface_name("..").ok());
  EXPECT_FALSE(validate_interface_name("br/0").ok());
  EXPECT_TRUE(validate_network_name("aws-metadata").ok());
  EXPECT_TRUE(validate_network_name("net_1.a").ok());
  for (const char* name : {"bridge", "host", "none", "", "-net", "my net"})
    EXPECT_FALSE(validate_network_name(name).ok()) << name;
}

TEST(Values, Capabilities) {
  EXPECT_EQ(*normalize_capability("cap_net_raw"), "NET_RAW");
  EXPECT_EQ(*normalize_capability(" SYS_ADMIN "), "SYS_ADMIN");
  EXPECT_EQ(normalize_capability("CAP_NET_RAWW").error().message,
            "unknown capability 'CAP_NET_RAWW' (did you mean NET_RAW?)");
  EXPECT_FALSE(normalize_capability("all").ok());
}

TEST(Values, TmpfsLists) {
  EXPECT_EQ(split_tmpfs_list("/tmp:rw,noexec,nosuid,size=64m"),
            std::vector<std::string>{"/tmp:rw,noexec,nosuid,size=64m"});
  EXPECT_EQ(split_tmpfs_list("/tmp:rw,size=1m, /run:size=2m,/var/tmp"),
            (std::vector<std::string>{"/tmp:rw,size=1m", "/run:size=2m", "/var/tmp"}));
  EXPECT_EQ(split_tmpfs_list(" , "), std::vector<std::string>{});
  EXPECT_EQ(split_tmpfs_list("/tmp:rw,noexec,"), std::vector<std::string>{"/tmp:rw,noexec"});
  EXPECT_TRUE(validate_tmpfs_mount("/tmp").ok());
  EXPECT_FALSE(validate_tmpfs_mount("tmp").ok());
  EXPECT_FALSE(validate_tmpfs_mount(":rw").ok());
}

TEST(Locator, RecordsMembersElementsAndSpansInFileOrder) {
  const std::string text = "{\n  \"b\": [1, \"x\"],\n  \"a\": {\"k\": null},\n  \"b\": true\n}";
  auto root = locate_json(text);
  ASSERT_TRUE(root.ok()) << root.error().message;
  ASSERT_EQ(root->members.size(), 3u);  // the duplicate "b" is kept
  EXPECT_EQ(root->members[0].key, "b");
  EXPECT_EQ(root->members[0].key_position.line, 2);
  EXPECT_EQ(root->members[0].key_position.column, 3);
  const JsonNode& array = root->members[0].value;
  EXPECT_EQ(array.kind, JsonNode::Kind::Array);
  EXPECT_EQ(text.substr(array.begin, array.end - array.begin), "[1, \"x\"]");
  ASSERT_EQ(array.elements.size(), 2u);
  EXPECT_EQ(array.elements[1].kind, JsonNode::Kind::String);
  EXPECT_EQ(array.elements[1].position.column, 12);
  EXPECT_EQ(root->members[1].key, "a");
  EXPECT_EQ(root->members[1].value.members.at(0).key, "k");
  EXPECT_EQ(root->members[1].value.members.at(0).value.position.column, 14);
  EXPECT_EQ(root->members[2].key, "b");
  EXPECT_EQ(root->members[2].value.kind, JsonNode::Kind::Literal);
  EXPECT_EQ(root->members[2].value.position.line, 4);
}

TEST(Locator, LineIndexCountsCharacters) {
  const std::string text = "ab\n\xC3\xA9x\n";  // "é" is two bytes, one column
  LineIndex lines(text);
  EXPECT_EQ(lines.position(0).line, 1);
  EXPECT_EQ(lines.position(1).column, 2);
  EXPECT_EQ(lines.position(3).line, 2);
  EXPECT_EQ(lines.position(5).column, 2);  // 'x'
  EXPECT_EQ(lines.position(999).line, 3);  // clamped to the end
}

TEST(Locator, DeepNestingIsAnErrorNotACrash) {
  std::string deep = "{\"network.networks\": " + std::string(10000, '[') + std::string(10000, ']') + "}";
  auto outcome = parse_config(deep, "d1.conf");
  EXPECT_FALSE(outcome.ok());
  ASSERT_EQ(outcome.diagnostics.size(), 1u);
  EXPECT_EQ(outcome.diagnostics[0].str(),
            "d1.conf:1:85: nested deeper than 64 levels; a config is a flat object");
}

}  // namespace
}  // namespace hardend::config
