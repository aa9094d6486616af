#include "policy/image_ref.h"

#include <gtest/gtest.h>

namespace hardend::policy {
namespace {

struct ValidRefCase {
  const char* text;
  const char* registry;
  const char* path;
  const char* tag;
  const char* digest;
  bool tag_implicit;
  const char* name;
  const char* full;
};

class ValidImageRef : public ::testing::TestWithParam<ValidRefCase> {};

TEST_P(ValidImageRef, ParsesEveryPart) {
  const ValidRefCase& c = GetParam();
  auto ref = parse_image_ref(c.text);
  ASSERT_TRUE(ref.ok()) << ref.error().message;
  EXPECT_EQ(ref->registry, c.registry);
  EXPECT_EQ(ref->path, c.path);
  EXPECT_EQ(ref->tag, c.tag);
  EXPECT_EQ(ref->digest, c.digest);
  EXPECT_EQ(ref->tag_implicit, c.tag_implicit);
  EXPECT_EQ(ref->name(), c.name);
  EXPECT_EQ(ref->full(), c.full);
}

constexpr const char* kDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

INSTANTIATE_TEST_SUITE_P(
    Policy, ValidImageRef,
    ::testing::Values(
        ValidRefCase{"demisto/dl:1.4", "", "demisto/dl", "1.4", "", false, "demisto/dl", "demisto/dl:1.4"},
        ValidRefCase{"demisto/dl", "", "demisto/dl", "latest", "", true, "demisto/dl", "demisto/dl:latest"},
        ValidRefCase{"python", "", "python", "latest", "", true, "python", "python:latest"},
        ValidRefCase{"demisto/python:1.3-alpine", "", "demisto/python", "1.3-alpine", "", false,
                     "demisto/python", "demisto/python:1.3-alpine"},
        ValidRefCase{"registry.local:5000/demisto/python3:3.7.3.928", "registry.local:5000",
                     "demisto/python3", "3.7.3.928", "", false, "registry.local:5000/demisto/python3",
                     "registry.local:5000/demisto/python3:3.7.3.928"},
        ValidRefCase{"localhost/team/sub/image", "localhost", "team/sub/image", "latest", "", true,
                     "localhost/team/sub/image", "localhost/team/sub/image:latest"},
        ValidRefCase{"localhost:5000/a", "localhost:5000", "a", "latest", "", true, "localhost:5000/a",
                     "localhost:5000/a:latest"},
        ValidRefCase{"ghcr.io/org/team/tool_x__y.z-w:v1_2", "ghcr.io", "org/team/tool_x__y.z-w", "v1_2", "",
                     false, "ghcr.io/org/team/tool_x__y.z-w", "ghcr.io/org/team/tool_x__y.z-w:v1_2"},
        ValidRefCase{"demisto/dl@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "",
                     "demisto/dl", "", kDigest, false, "demisto/dl",
                     "demisto/dl@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
        ValidRefCase{
            "demisto/dl:1.4@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "",
            "demisto/dl", "1.4", kDigest, false, "demisto/dl",
            "demisto/dl:1.4@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
        // "a-b" has no '.' or ':' and is not localhost: a path component, not a registry.
        ValidRefCase{"a-b/c:TAG_1", "", "a-b/c", "TAG_1", "", false, "a-b/c", "a-b/c:TAG_1"}));

struct InvalidRefCase {
  const char* text;
  const char* expected_fragment;
};

class InvalidImageRef : public ::testing::TestWithParam<InvalidRefCase> {};

TEST_P(InvalidImageRef, IsRejectedWithAReason) {
  const InvalidRefCase& c = GetParam();
  auto ref = parse_image_ref(c.text);
  ASSERT_FALSE(ref.ok()) << "accepted " << c.text;
  EXPECT_EQ(ref.error().message.rfind("invalid image reference '" + std::string(c.text) + "': ", 0), 0u)
      << ref.error().message;
  EXPECT_NE(ref.error().message.find(c.expected_fragment), std::string::npos) << ref.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Policy, InvalidImageRef,
    ::testing::Values(
        InvalidRefCase{"", "empty"}, InvalidRefCase{"Demisto/DL:1.4", "lowercase"},
        InvalidRefCase{"demisto//dl", "empty path component"}, InvalidRefCase{"demisto/dl:", "tag ''"},
        InvalidRefCase{"demisto/dl:-bad", "tag '-bad'"}, InvalidRefCase{"demisto/dl:a b", "tag 'a b'"},
        InvalidRefCase{"demisto/dl@sha256:abc", "digest"},
        InvalidRefCase{"demisto/dl@:0123456789abcdef0123456789abcdef", "digest"},
        InvalidRefCase{"demisto/-dl", "path component '-dl'"},
        InvalidRefCase{"demisto/dl..x", "path component 'dl..x'"},
        InvalidRefCase{"registry.local:port/x", "registry host"},
        InvalidRefCase{":1.4", "missing repository name"}, InvalidRefCase{" demisto/dl", "whitespace"}));

TEST(ImageRef, TagLongerThan128CharactersIsRejected) {
  EXPECT_TRUE(parse_image_ref("a:" + std::string(128, 'x')).ok());
  EXPECT_FALSE(parse_image_ref("a:" + std::string(129, 'x')).ok());
}

}  // namespace
}  // namespace hardend::policy
