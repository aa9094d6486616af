// Fixture of the script integration tests (issue 5): the real daemon, the offline Python test image under a
// tag unique to this test process (so that this process's containers, including those the CLI creates, can be
// told apart from other tests running in parallel), library runs and CLI runs of
// tests/integration/scripts/*.py.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "config/config.h"
#include "docker_fixture.h"
#include "policy/image_ref.h"
#include "policy/resolver.h"
#include "runner/oneshot.h"
#include "runner/script_runner.h"

namespace hardend::script_test {

inline constexpr const char* kBaseImage = testing_support::kTestImage;
using testing_support::kTestLabel;

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline std::filesystem::path script_path(const std::string& file) {
  return std::filesystem::path(HARDEND_TEST_SCRIPTS) / file;
}

// The hardening guide's memory test as operators paste it: ../shared/examples next to the clone when it is
// there (the reference), else the byte-identical copy kept with these tests.
inline std::filesystem::path test_memory_path() {
  if (const char* examples = std::getenv("HARDEND_EXAMPLES"))
    return std::filesystem::path(examples) / "TestMemory.py";
  std::filesystem::path shared = std::filesystem::path(HARDEND_SHARED_EXAMPLES) / "TestMemory.py";
  if (std::filesystem::exists(shared)) return shared;
  return script_path("TestMemory.py");
}

// The sanitize preset's tests (scripts/sanitize.sh sets HARDEND_SANITIZED): AddressSanitizer's quarantine
// keeps freed memory resident, so peak-RSS bounds say nothing about hardend's own use there; the normal build
// asserts them.
inline bool sanitized_build() {
  const char* value = std::getenv("HARDEND_SANITIZED");
  return value != nullptr && *value != '\0';
}

struct CliRun {
  int exit_code = -1;
  std::string out;
  std::string err;
  long max_rss_kib = 0;  // peak resident set of the hardend process itself (wait4's ru_maxrss)
  std::chrono::milliseconds duration{0};
  nlohmann::json json() const {
    auto parsed = nlohmann::json::parse(out, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << "not JSON: " << out.substr(0, 2000) << "\nstderr: " << err;
    return parsed;
  }
};

// How a library run is set up: config JSON, args, timeout, output cap.
struct LibraryRun {
  std::string config = "{}";
  nlohmann::json args = nlohmann::json::object();
  std::optional<std::chrono::milliseconds> timeout = std::chrono::seconds(120);
  std::size_t output_limit = runner::kDefaultOutputLimit;
};

class ScriptTest : public testing_support::DockerTest {
 protected:
  void SetUp() override {
    connect(kBaseImage);
    if (IsSkipped() || HasFatalFailure()) return;
    image_repo_ = "hardend-test/script-" + std::to_string(getpid());
    image_ = image_repo_ + ":3.11";
    ASSERT_TRUE(client_->tag_image(kBaseImage, image_repo_, "3.11").ok());
    work_dir_ = std::filesystem::temp_directory_path() / ("hardend-script-test-" + std::to_string(getpid()));
    std::filesystem::create_directories(work_dir_);
  }

  void TearDown() override {
    if (!client_ || image_.empty()) return;
    // Nothing this test started, through the library or the CLI, may survive it.
    remove_left_behind({runner::kManagedLabel}, [&](const nlohmann::json& container) {
      return container.value("Image", "") == image_;
    });
    (void)client_->remove_image(image_);  // only the tag: the base image stays
    std::error_code ignored;
    std::filesystem::remove_all(work_dir_, ignored);
  }

  policy::ContainerSpec spec_for(const config::Config& config) {
    auto ref = policy::parse_image_ref(image_);
    EXPECT_TRUE(ref.ok());
    auto spec = policy::resolve_policy(config, *ref, facts_);
    EXPECT_TRUE(spec.ok()) << spec.error().message;
    return *spec;
  }

  // Runs a script through runner::run_script; fails the test on a hardend error.
  runner::ScriptRun run_path(const std::filesystem::path& script, const LibraryRun& how) {
    runner::ScriptRequest request;
    request.source = read_file(script);
    request.name = runner::script_name_from_path(script.string());
    request.args = how.args;
    runner::ScriptRunOptions options;
    options.timeout = how.timeout;
    options.output_limit = how.output_limit;
    options.labels[kTestLabel] = "1";
    auto ran = runner::run_script(*client_, spec_for(config_from(how.config)), request, options);
    EXPECT_TRUE(ran.ok()) << ran.error().message;
    return ran.ok() ? *ran : runner::ScriptRun{};
  }
  runner::ScriptRun run(const std::string& file, const LibraryRun& how = {}) {
    return run_path(script_path(file), how);
  }

  std::string write_config(const std::string& json) {
    auto path = work_dir_ / ("d1-" + std::to_string(config_count_++) + ".conf");
    std::ofstream(path) << json;
    return path.string();
  }

  // Runs the hardend binary: `hardend script ARGS... --config <file>` with the test image unless --image is
  // given.
  CliRun cli(std::vector<std::string> args, const std::string& config_json = "{}") {
    std::vector<std::string> argv{HARDEND_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    if (std::find(args.begin(), args.end(), "--image") == args.end()) {
      argv.push_back("--image");
      argv.push_back(image_);
    }
    argv.push_back("--config");
    argv.push_back(write_config(config_json));
    return exec(argv);
  }

  CliRun exec(const std::vector<std::string>& argv) {
    auto out_path = work_dir_ / "stdout";
    auto err_path = work_dir_ / "stderr";
    std::vector<char*> raw;
    for (const auto& arg : argv) raw.push_back(const_cast<char*>(arg.c_str()));
    raw.push_back(nullptr);
    const auto started = std::chrono::steady_clock::now();
    pid_t pid = fork();
    if (pid == 0) {
      int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (out < 0 || err < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) _exit(99);
      execv(raw[0], raw.data());
      _exit(98);
    }
    CliRun result;
    int status = 0;
    struct rusage usage {};
    EXPECT_EQ(wait4(pid, &status, 0, &usage), pid);
    result.duration =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    result.max_rss_kib = usage.ru_maxrss;
    result.out = read_file(out_path);
    result.err = read_file(err_path);
    return result;
  }

  std::string image_repo_;
  std::string image_;
  std::filesystem::path work_dir_;
  int config_count_ = 0;
};

// Text of all note entries (what the script printed), joined.
inline std::string printed(const runner::ScriptResult& result) {
  std::string text;
  for (const auto& entry : result.entries)
    if (entry.value("Type", 0) == 1 && entry.value("ContentsFormat", "") == "text" &&
        entry["Contents"].is_string() && entry["HumanReadable"].is_null())
      text += entry["Contents"].get<std::string>() + "\n";
  return text;
}

inline bool has_log(const runner::ScriptResult& result, const std::string& level, const std::string& needle) {
  for (const auto& log : result.logs)
    if (log.value("level", "") == level && log.value("message", "").find(needle) != std::string::npos)
      return true;
  return false;
}

}  // namespace hardend::script_test
