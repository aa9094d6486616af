#include "docker/tar.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "fake_daemon.h"

namespace hardend::docker {
namespace {

std::string field(const std::string& archive, size_t offset, size_t width) {
  std::string value = archive.substr(offset, width);
  return value.substr(0, value.find('\0'));
}

TEST(Tar, HeaderFieldsAndPadding) {
  auto archive = make_tar({{"data/", "", 0755, true}, {"/data/hello.txt", "hi\n", 0600, false, 4000, 4000}});
  ASSERT_TRUE(archive.ok()) << archive.error().message;
  ASSERT_EQ(archive->size(), 512u * 5);  // dir header, file header, one data block, two end blocks
  EXPECT_EQ(field(*archive, 0, 100), "data/");
  EXPECT_EQ((*archive)[156], '5');
  EXPECT_EQ(field(*archive, 512, 100), "data/hello.txt");
  EXPECT_EQ(field(*archive, 512 + 100, 8), "0000600");
  EXPECT_EQ(field(*archive, 512 + 108, 8), "0007640");
  EXPECT_EQ(field(*archive, 512 + 124, 12), "00000000003");
  EXPECT_EQ(field(*archive, 512 + 257, 6), "ustar");
  EXPECT_EQ(archive->substr(1024, 3), "hi\n");
  EXPECT_EQ(archive->substr(1027, 509), std::string(509, '\0'));
}

TEST(Tar, ChecksumMatchesTheHeaderBytes) {
  auto archive = make_tar({{"a", "x"}});
  ASSERT_TRUE(archive.ok());
  std::string header = archive->substr(0, 512);
  unsigned expected = 0;
  for (size_t i = 0; i < 512; ++i)
    expected += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(header[i]);
  EXPECT_EQ(std::strtoul(field(header, 148, 8).c_str(), nullptr, 8), expected);
}

TEST(Tar, LongPathsUseThePrefixField) {
  std::string dir(120, 'd');
  auto archive = make_tar({{dir + "/file", "x"}});
  ASSERT_TRUE(archive.ok()) << archive.error().message;
  EXPECT_EQ(field(*archive, 0, 100), "file");
  EXPECT_EQ(field(*archive, 345, 155), dir);
  EXPECT_FALSE(make_tar({{std::string(300, 'x'), "x"}}).ok());
}

TEST(Tar, RejectsDotDotAndEmptyPaths) {
  EXPECT_FALSE(make_tar({{"../etc/passwd", "x"}}).ok());
  EXPECT_FALSE(make_tar({{"/", "x"}}).ok());
  auto bad = make_tar({{"a//b", "x"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("\"a//b\""), std::string::npos);
}

// The archive is readable by GNU tar, when it is installed (it is on Debian).
TEST(Tar, GnuTarListsIt) {
  if (std::system("tar --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "GNU tar not installed";
  testing::TempDir dir;
  auto archive = make_tar({{"bin/", "", 0755, true}, {"bin/tool", std::string(1000, 'z'), 0755}});
  ASSERT_TRUE(archive.ok());
  std::ofstream(dir.path() + "/t.tar", std::ios::binary) << *archive;
  std::string command = "tar -tvf " + dir.path() + "/t.tar > " + dir.path() + "/list.txt 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0);
  std::ifstream listing(dir.path() + "/list.txt");
  std::stringstream text;
  text << listing.rdbuf();
  EXPECT_NE(text.str().find("-rwxr-xr-x 0/0            1000"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("bin/tool"), std::string::npos) << text.str();
}

}  // namespace
}  // namespace hardend::docker
