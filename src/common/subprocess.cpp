#include "common/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "common/strings.h"

extern char** environ;

namespace hardend {
namespace {

// Owns one file descriptor; closing twice is impossible by construction.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept {
    reset(other.release());
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

std::string errno_text(int error) {
  return std::strerror(error);
}

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

void set_nonblocking(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

// Reads what is available; returns false at EOF (or on a hard error).
bool drain(int fd, std::string& sink) {
  char buffer[16384];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      sink.append(buffer, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    return false;
  }
}

}  // namespace

std::string SubprocessResult::describe() const {
  if (timed_out) return "timed out";
  if (term_signal != 0) return "killed by signal " + std::to_string(term_signal);
  return "exit status " + std::to_string(exit_code);
}

std::optional<std::string> find_executable(const std::string& program) {
  if (program.empty()) return std::nullopt;
  if (program.find('/') != std::string::npos) {
    if (is_executable_file(program)) return program;
    return std::nullopt;
  }
  const char* path_env = std::getenv("PATH");
  std::string search =
      path_env != nullptr ? path_env : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (const std::string& dir : split(search, ":")) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    if (is_executable_file(candidate)) return candidate;
  }
  return std::nullopt;
}

std::string format_command(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& arg : argv) {
    if (!out.empty()) out += ' ';
    if (arg.empty() || arg.find_first_of(" \t\"'") != std::string::npos) {
      out += '"' + arg + '"';
    } else {
      out += arg;
    }
  }
  return out;
}

Result<SubprocessResult> run_subprocess(const std::vector<std::string>& argv,
                                        const SubprocessOptions& options) {
  if (argv.empty()) return make_error("run_subprocess: empty command");
  std::optional<std::string> path = find_executable(argv[0]);
  if (!path) return make_error(argv[0] + ": command not found");

  // Everything the child needs is prepared before fork: after fork only async-signal-safe calls.
  std::vector<char*> child_argv;
  child_argv.reserve(argv.size() + 1);
  for (const std::string& arg : argv) child_argv.push_back(const_cast<char*>(arg.c_str()));
  child_argv.push_back(nullptr);

  // stdin is a socket pair so that writing to a child that already exited gives EPIPE (MSG_NOSIGNAL)
  // instead of killing this process with SIGPIPE.
  int stdin_pair[2], stdout_pipe[2], stderr_pipe[2], exec_error_pipe[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, stdin_pair) != 0)
    return make_error("socketpair: " + errno_text(errno));
  Fd stdin_parent(stdin_pair[0]), stdin_child(stdin_pair[1]);
  if (::pipe2(stdout_pipe, O_CLOEXEC) != 0) return make_error("pipe: " + errno_text(errno));
  Fd stdout_read(stdout_pipe[0]), stdout_write(stdout_pipe[1]);
  if (::pipe2(stderr_pipe, O_CLOEXEC) != 0) return make_error("pipe: " + errno_text(errno));
  Fd stderr_read(stderr_pipe[0]), stderr_write(stderr_pipe[1]);
  if (::pipe2(exec_error_pipe, O_CLOEXEC) != 0) return make_error("pipe: " + errno_text(errno));
  Fd exec_error_read(exec_error_pipe[0]), exec_error_write(exec_error_pipe[1]);

  pid_t pid = ::fork();
  if (pid < 0) return make_error("fork: " + errno_text(errno));
  if (pid == 0) {
    ::setpgid(0, 0);  // its own process group, so a timeout kills helpers it started too
    ::dup2(stdin_child.get(), STDIN_FILENO);
    ::dup2(stdout_write.get(), STDOUT_FILENO);
    ::dup2(stderr_write.get(), STDERR_FILENO);
    int keep = exec_error_write.get();
    // Close every inherited descriptor except the exec-error pipe (closed by exec via O_CLOEXEC).
    if (keep > 3) ::close_range(3, static_cast<unsigned>(keep - 1), 0);
    ::close_range(static_cast<unsigned>(keep + 1), ~0U, 0);
    ::execve(path->c_str(), child_argv.data(), environ);
    int exec_errno = errno;
    ssize_t ignored = ::write(keep, &exec_errno, sizeof exec_errno);
    (void)ignored;
    ::_exit(127);
  }

  stdin_child.reset();
  stdout_write.reset();
  stderr_write.reset();
  exec_error_write.reset();

  SubprocessResult result;
  int exec_errno = 0;
  ssize_t got;
  do {
    got = ::read(exec_error_read.get(), &exec_errno, sizeof exec_errno);
  } while (got < 0 && errno == EINTR);
  if (got == static_cast<ssize_t>(sizeof exec_errno)) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    return make_error(argv[0] + ": cannot execute " + *path + ": " + errno_text(exec_errno));
  }

  set_nonblocking(stdin_parent.get());
  set_nonblocking(stdout_read.get());
  set_nonblocking(stderr_read.get());
  size_t stdin_written = 0;
  if (options.stdin_data.empty()) stdin_parent.reset();

  auto deadline = std::chrono::steady_clock::now() + options.timeout;
  while (stdout_read.valid() || stderr_read.valid()) {
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      result.timed_out = true;
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
      break;
    }
    pollfd fds[3];
    nfds_t count = 0;
    int stdout_index = -1, stderr_index = -1, stdin_index = -1;
    if (stdout_read.valid()) {
      stdout_index = static_cast<int>(count);
      fds[count++] = {stdout_read.get(), POLLIN, 0};
    }
    if (stderr_read.valid()) {
      stderr_index = static_cast<int>(count);
      fds[count++] = {stderr_read.get(), POLLIN, 0};
    }
    if (stdin_parent.valid()) {
      stdin_index = static_cast<int>(count);
      fds[count++] = {stdin_parent.get(), POLLOUT, 0};
    }
    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
    int ready = ::poll(fds, count, static_cast<int>(std::min<int64_t>(remaining + 1, 1000)));
    if (ready < 0) {
      if (errno == EINTR) continue;
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      return make_error("poll: " + errno_text(errno));
    }
    if (stdout_index >= 0 && fds[stdout_index].revents != 0 && !drain(stdout_read.get(), result.stdout_data))
      stdout_read.reset();
    if (stderr_index >= 0 && fds[stderr_index].revents != 0 && !drain(stderr_read.get(), result.stderr_data))
      stderr_read.reset();
    if (stdin_index >= 0 && fds[stdin_index].revents != 0) {
      ssize_t n = ::send(stdin_parent.get(), options.stdin_data.data() + stdin_written,
                         options.stdin_data.size() - stdin_written, MSG_NOSIGNAL);
      if (n > 0) stdin_written += static_cast<size_t>(n);
      bool failed = n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
      if (failed || stdin_written == options.stdin_data.size()) stdin_parent.reset();  // EOF for the child
    }
  }

  // The child may close its output before exiting: keep honouring the deadline while reaping it.
  int status = 0;
  while (true) {
    pid_t reaped = ::waitpid(pid, &status, result.timed_out ? 0 : WNOHANG);
    if (reaped == pid) break;
    if (reaped < 0 && errno != EINTR) break;
    if (reaped == 0) {
      if (std::chrono::steady_clock::now() >= deadline) {
        result.timed_out = true;
        ::kill(-pid, SIGKILL);
        ::kill(pid, SIGKILL);
      } else {
        ::usleep(2000);
      }
    }
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.term_signal = WTERMSIG(status);
  return result;
}

}  // namespace hardend
