#include <gtest/gtest.h>

#include "common/strings.h"
#include "common/units.h"

namespace hardend {
namespace {

TEST(Split, KeepsEmptyPiecesAndMultiCharSeparators) {
  EXPECT_EQ(split("--a##--b", "##"), (std::vector<std::string>{"--a", "--b"}));
  EXPECT_EQ(split("--a####--b", "##"), (std::vector<std::string>{"--a", "", "--b"}));
  EXPECT_EQ(split("", ","), (std::vector<std::string>{""}));
}

TEST(ClosestMatch, SuggestsTyposOnly) {
  std::vector<std::string> flags{"--memory", "--memory-swap", "--cpus"};
  EXPECT_EQ(closest_match("--memroy", flags), "--memory");
  EXPECT_EQ(closest_match("--totally-different", flags), std::nullopt);
  EXPECT_EQ(closest_match("--memory", flags), std::nullopt);  // exact is not a suggestion
}

TEST(ParseInt, RejectsGarbage) {
  EXPECT_EQ(parse_int("256"), 256);
  EXPECT_EQ(parse_int("-1"), -1);
  EXPECT_EQ(parse_int("25x"), std::nullopt);
  EXPECT_EQ(parse_int(""), std::nullopt);
}

struct SizeCase {
  const char* text;
  int64_t bytes;
};

class ParseSizeTest : public ::testing::TestWithParam<SizeCase> {};

TEST_P(ParseSizeTest, Parses) {
  auto r = parse_size(GetParam().text);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, GetParam().bytes);
}

INSTANTIATE_TEST_SUITE_P(Sizes, ParseSizeTest,
                         ::testing::Values(SizeCase{"1g", 1073741824}, SizeCase{"1G", 1073741824},
                                           SizeCase{"512m", 536870912}, SizeCase{"1.5g", 1610612736},
                                           SizeCase{"64k", 65536}, SizeCase{"100b", 100}, SizeCase{"100", 100},
                                           SizeCase{"2gb", 2147483648}, SizeCase{" 1g ", 1073741824}));

TEST(ParseSize, ErrorsSayWhatWasExpected) {
  for (const char* bad : {"", "g", "abc", "1x", "-1g", "1..5g", "99999999999g"}) {
    auto r = parse_size(bad);
    EXPECT_FALSE(r.ok()) << bad;
  }
  EXPECT_NE(parse_size("1x").error().message.find("512m"), std::string::npos);
}

TEST(FormatSize, ShortestExactForm) {
  EXPECT_EQ(format_size(1073741824), "1g");
  EXPECT_EQ(format_size(1610612736), "1536m");
  EXPECT_EQ(format_size(1000), "1000b");
}

}  // namespace
}  // namespace hardend
