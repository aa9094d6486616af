// Running a helper program (iptables-restore, ip, ...) without a shell: argv in, exit status and
// captured output out. Arguments are passed verbatim, so nothing in them is ever interpreted.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace hardend {

struct SubprocessOptions {
  std::string stdin_data;  // written to the child's stdin, which is then closed
  // The child (and its process group) is killed with SIGKILL when it runs longer than this.
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
};

struct SubprocessResult {
  int exit_code = -1;   // valid when the child exited normally (term_signal == 0 and !timed_out)
  int term_signal = 0;  // the signal that ended the child, 0 when it exited normally
  bool timed_out = false;
  std::string stdout_data;
  std::string stderr_data;

  bool success() const { return !timed_out && term_signal == 0 && exit_code == 0; }
  // "exit status 2", "killed by signal 9", "timed out".
  std::string describe() const;
};

// The absolute path of `program` (searched in $PATH unless it contains '/'), when it is executable.
std::optional<std::string> find_executable(const std::string& program);

// Runs argv[0] (looked up in $PATH) with argv. An Error means the program could not be started at
// all ("iptables-restore: command not found"); a program that ran and failed is a SubprocessResult
// whose success() is false.
Result<SubprocessResult> run_subprocess(const std::vector<std::string>& argv,
                                        const SubprocessOptions& options = {});

// "iptables-restore --noflush -w 10" (for messages; quotes arguments containing spaces).
std::string format_command(const std::vector<std::string>& argv);

}  // namespace hardend
