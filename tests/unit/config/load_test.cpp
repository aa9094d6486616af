// choose_config_source and load_config against a temporary directory and the environment.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "config/config.h"

namespace hardend::config {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "hardend-config-test-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data()) ? pattern : "";
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }
  std::string write(const std::string& name, const std::string& text) const {
    std::string file = path_ + "/" + name;
    std::ofstream(file) << text;
    return file;
  }

 private:
  std::string path_;
};

// Sets or unsets $HARDEND_CONFIG for one test and restores it afterwards.
class ScopedConfigEnv {
 public:
  explicit ScopedConfigEnv(const char* value) {
    if (const char* old = std::getenv("HARDEND_CONFIG")) old_ = old;
    value ? ::setenv("HARDEND_CONFIG", value, 1) : ::unsetenv("HARDEND_CONFIG");
  }
  ~ScopedConfigEnv() { old_ ? ::setenv("HARDEND_CONFIG", old_->c_str(), 1) : ::unsetenv("HARDEND_CONFIG"); }

 private:
  std::optional<std::string> old_;
};

TEST(ChooseConfigSource, CliThenEnvironmentThenDefault) {
  EXPECT_EQ(choose_config_source("/a.conf", "/b.conf").path, "/a.conf");
  EXPECT_TRUE(choose_config_source("/a.conf", "/b.conf").explicit_path);
  EXPECT_EQ(choose_config_source(std::nullopt, "/b.conf").path, "/b.conf");
  EXPECT_TRUE(choose_config_source(std::nullopt, "/b.conf").explicit_path);
  EXPECT_EQ(choose_config_source(std::nullopt, nullptr).path, "/etc/hardend/d1.conf");
  EXPECT_FALSE(choose_config_source(std::nullopt, nullptr).explicit_path);
  EXPECT_EQ(choose_config_source(std::nullopt, "").path, "/etc/hardend/d1.conf");  // set but empty = unset
}

TEST(ChooseConfigSource, ReadsTheEnvironment) {
  {
    ScopedConfigEnv env("/from/env.conf");
    EXPECT_EQ(choose_config_source(std::nullopt).path, "/from/env.conf");
    EXPECT_EQ(choose_config_source(std::string("/cli.conf")).path, "/cli.conf");
  }
  ScopedConfigEnv env(nullptr);
  EXPECT_EQ(choose_config_source(std::nullopt).path, "/etc/hardend/d1.conf");
}

TEST(LoadConfig, ReadsAndParsesTheChosenFile) {
  TempDir dir;
  std::string file =
      dir.write("d1.conf", "{\n  \"docker.memory.limit\": \"2g\",\n  \"limt.docker.cpu\": true\n}\n");
  ScopedConfigEnv env(file.c_str());
  auto outcome = load_config(choose_config_source(std::nullopt));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome.config->path, file);
  EXPECT_EQ(outcome.config->memory_limit.value, int64_t{2} << 30);
  EXPECT_EQ(outcome.config->memory_limit.location.str(), file + ":2:3");
  ASSERT_EQ(outcome.diagnostics.size(), 1u);
  EXPECT_EQ(outcome.diagnostics[0].str(),
            file + ":3:3: warning: limt.docker.cpu: unknown key (did you mean limit.docker.cpu?); ignored");

  auto strict = load_config(choose_config_source(std::nullopt), {.strict = true});
  EXPECT_FALSE(strict.ok());
}

TEST(LoadConfig, MissingFileAtTheDefaultPathMeansDefaults) {
  TempDir dir;
  auto outcome = load_config(ConfigSource{dir.path() + "/absent/d1.conf", false});
  ASSERT_TRUE(outcome.ok());
  EXPECT_TRUE(outcome.diagnostics.empty());
  EXPECT_EQ(outcome.config->path, "");
  EXPECT_TRUE(outcome.config->run_as_user.value);
  EXPECT_TRUE(outcome.config->run_as_user.is_default());
}

TEST(LoadConfig, MissingExplicitFileIsAnError) {
  TempDir dir;
  std::string file = dir.path() + "/d1.conf";
  auto outcome = load_config(ConfigSource{file, true});
  EXPECT_FALSE(outcome.ok());
  ASSERT_EQ(outcome.diagnostics.size(), 1u);
  EXPECT_EQ(outcome.diagnostics[0].str(), "cannot read " + file + ": No such file or directory");
}

TEST(LoadConfig, UnreadableDefaultPathIsAnErrorNotDefaults) {
  TempDir dir;  // a directory where the file should be: reading it fails with something other than ENOENT
  auto outcome = load_config(ConfigSource{dir.path(), false});
  EXPECT_FALSE(outcome.ok());
  ASSERT_EQ(outcome.diagnostics.size(), 1u);
  EXPECT_EQ(outcome.diagnostics[0].str(), "cannot read " + dir.path() + ": Is a directory");
}

TEST(LoadConfig, PermissionDeniedIsClear) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads files regardless of their mode";
  TempDir dir;
  std::string file = dir.write("d1.conf", "{}");
  ::chmod(file.c_str(), 0);
  auto outcome = load_config(ConfigSource{file, false});
  EXPECT_FALSE(outcome.ok());
  ASSERT_EQ(outcome.diagnostics.size(), 1u);
  EXPECT_EQ(outcome.diagnostics[0].str(), "cannot read " + file + ": Permission denied");
}

TEST(LoadConfig, EmptyPathIsAnError) {
  auto outcome = load_config(ConfigSource{"", true});
  EXPECT_FALSE(outcome.ok());
  ASSERT_EQ(outcome.diagnostics.size(), 1u);
  EXPECT_EQ(outcome.diagnostics[0].str(), "the config path is empty");
}

TEST(LoadConfig, SampleFilesFromTestData) {
  const std::string data = std::string(HARDEND_TEST_DATA) + "/config/";
  auto good = load_config(ConfigSource{data + "seed-guide.conf", true}, {.strict = true});
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good.config->extra_keys.value, "--pids-limit=256##--ulimit=nofile=1024:8192");

  auto bad = load_config(ConfigSource{data + "typos.conf", true});
  EXPECT_FALSE(bad.ok());
  std::vector<std::string> lines;
  for (const auto& d : bad.diagnostics) lines.push_back(d.str().substr(data.size()));
  EXPECT_EQ(
      lines,
      (std::vector<std::string>{
          "typos.conf:3:3: warning: limit.docker.cpus: unknown key (did you mean limit.docker.cpu?); "
          "ignored",
          "typos.conf:4:26: docker.memory.limit: 512b is too small; expected at least 6m (Docker's "
          "minimum); to turn the limit off, set limit.docker.memory to false",
          "typos.conf:5:40: python.pass.extra.keys.demisto/dl: expected docker run options starting with "
          "'-' (e.g. \"--memory=2g\"), got \"1.4\"; to target tag 1.4 of demisto/dl, put the tag in the "
          "key: python.pass.extra.keys.demisto/dl:1.4",
      }));
}

}  // namespace
}  // namespace hardend::config
