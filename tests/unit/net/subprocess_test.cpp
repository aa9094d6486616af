// src/common/subprocess is tested here: it was written for the net component, which uses it most.
#include "common/subprocess.h"

#include <gtest/gtest.h>

namespace hardend {
namespace {

TEST(Subprocess, CapturesOutputAndExitStatus) {
  Result<SubprocessResult> run = run_subprocess({"sh", "-c", "echo out; echo err >&2; exit 3"});
  ASSERT_TRUE(run.ok()) << run.error().message;
  EXPECT_EQ(run->stdout_data, "out\n");
  EXPECT_EQ(run->stderr_data, "err\n");
  EXPECT_EQ(run->exit_code, 3);
  EXPECT_FALSE(run->success());
  EXPECT_EQ(run->describe(), "exit status 3");
}

TEST(Subprocess, FeedsStdinWithoutAShell) {
  SubprocessOptions options;
  options.stdin_data = std::string(1 << 20, 'x') + "\nend $HOME `id`\n";  // larger than a pipe buffer
  Result<SubprocessResult> run = run_subprocess({"cat"}, options);
  ASSERT_TRUE(run.ok()) << run.error().message;
  EXPECT_TRUE(run->success());
  EXPECT_EQ(run->stdout_data, options.stdin_data);
  // Arguments are not interpreted by any shell.
  Result<SubprocessResult> echo = run_subprocess({"echo", "$HOME", "a b", ";", "`id`"});
  ASSERT_TRUE(echo.ok());
  EXPECT_EQ(echo->stdout_data, "$HOME a b ; `id`\n");
}

TEST(Subprocess, ChildThatIgnoresStdinDoesNotKillUs) {
  SubprocessOptions options;
  options.stdin_data = std::string(4 << 20, 'y');
  Result<SubprocessResult> run = run_subprocess({"true"}, options);
  ASSERT_TRUE(run.ok()) << run.error().message;
  EXPECT_TRUE(run->success());
}

TEST(Subprocess, TimeoutKillsTheChild) {
  SubprocessOptions options;
  options.timeout = std::chrono::milliseconds(200);
  auto start = std::chrono::steady_clock::now();
  Result<SubprocessResult> run = run_subprocess({"sleep", "10"}, options);
  ASSERT_TRUE(run.ok()) << run.error().message;
  EXPECT_TRUE(run->timed_out);
  EXPECT_FALSE(run->success());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(Subprocess, MissingProgramIsAnError) {
  Result<SubprocessResult> run = run_subprocess({"hardend-no-such-program-xyz"});
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.error().message, "hardend-no-such-program-xyz: command not found");
  EXPECT_FALSE(find_executable("hardend-no-such-program-xyz").has_value());
  EXPECT_TRUE(find_executable("sh").has_value());
}

TEST(Subprocess, FormatCommandQuotes) {
  EXPECT_EQ(format_command({"iptables-restore", "--noflush", "a b", ""}),
            "iptables-restore --noflush \"a b\" \"\"");
}

}  // namespace
}  // namespace hardend
