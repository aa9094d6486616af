#include "net/iptables.h"

#include <regex>

#include "common/strings.h"
#include "common/subprocess.h"
#include "net/netns.h"
#include "net/restore_payload.h"

namespace hardend::net {
namespace {

// The binaries are checked up front: through `ip netns exec` a missing one would only show up as
// an exit status of `ip`.
Status require_tools(const IptablesOptions& options, const std::string& tool) {
  if (!find_executable(tool)) return make_error(tool + " not found: install the iptables package");
  if (!options.netns.empty() && !find_executable("ip"))
    return make_error("ip not found: install the iproute2 package");
  return {};
}

std::vector<std::string> command(const IptablesOptions& options, std::vector<std::string> tool_argv) {
  std::vector<std::string> argv = netns_exec_prefix(options.netns);
  argv.insert(argv.end(), tool_argv.begin(), tool_argv.end());
  return argv;
}

std::string first_line(std::string_view text) {
  std::string_view trimmed = trim(text);
  return std::string(trimmed.substr(0, trimmed.find('\n')));
}

bool is_permission_problem(const std::string& stderr_text) {
  return stderr_text.find("Permission denied") != std::string::npos ||
         stderr_text.find("you must be root") != std::string::npos ||
         stderr_text.find("Operation not permitted") != std::string::npos;
}

// iptables-restore reports the failing line in several shapes depending on where it failed:
//   "iptables-restore: line 7 failed: Bad rule ..."        (kernel rejected a rule at commit)
//   "...: Couldn't load match `x' ...\nError occurred at line: 4"   (parse time)
//   "line 5: CHAIN_DEL failed (Device or resource busy): chain X"   (nft batch)
std::optional<int> failed_line(const std::string& stderr_text) {
  const std::regex patterns[] = {std::regex(R"(line (\d+) failed)"),
                                 std::regex(R"(Error occurred at line: (\d+))"),
                                 std::regex(R"((?:^|\n)line (\d+):)")};
  for (const std::regex& pattern : patterns) {
    std::smatch match;
    if (std::regex_search(stderr_text, match, pattern)) return std::stoi(match[1].str());
  }
  return std::nullopt;
}

// The reason without the usage hint and without "Error occurred at line" (the line is said separately).
std::string failure_reason(const std::string& stderr_text) {
  std::vector<std::string> kept;
  for (const std::string& line : split(stderr_text, "\n")) {
    std::string_view trimmed = trim(line);
    if (trimmed.empty() || trimmed.starts_with("Try `") || trimmed.starts_with("Error occurred at line"))
      continue;
    kept.emplace_back(trimmed);
  }
  return kept.empty() ? std::string("no message") : join(kept, " ");
}

}  // namespace

Result<std::string> save_filter_table(const IptablesOptions& options) {
  HARDEND_TRY_VOID(require_tools(options, "iptables-save"));
  std::vector<std::string> argv = command(options, {"iptables-save", "-t", "filter"});
  SubprocessOptions run_options;
  run_options.timeout = options.timeout;
  Result<SubprocessResult> run = run_subprocess(argv, run_options);
  if (!run) return run.take_error();
  if (!run->success()) {
    if (is_permission_problem(run->stderr_data))
      return make_error("iptables-save: permission denied: hardend net needs root (CAP_NET_ADMIN): " +
                        first_line(run->stderr_data));
    return make_error(format_command(argv) + ": " + run->describe() + ": " + first_line(run->stderr_data));
  }
  return std::move(run->stdout_data);
}

Result<SavedTable> read_live_table(const IptablesOptions& options) {
  Result<std::string> text = save_filter_table(options);
  if (!text) return text.take_error();
  return parse_iptables_save(*text);
}

Status restore_payload(const std::string& payload, const IptablesOptions& options) {
  HARDEND_TRY_VOID(require_tools(options, "iptables-restore"));
  std::vector<std::string> restore_argv = {"iptables-restore", "--noflush"};
  if (options.lock_wait_seconds > 0) {
    restore_argv.push_back("-w");
    restore_argv.push_back(std::to_string(options.lock_wait_seconds));
  }
  std::vector<std::string> argv = command(options, restore_argv);
  SubprocessOptions run_options;
  run_options.stdin_data = payload;
  run_options.timeout = options.timeout;
  Result<SubprocessResult> run = run_subprocess(argv, run_options);
  if (!run) return run.take_error();
  if (run->success()) return {};

  const std::string& stderr_text = run->stderr_data;
  if (is_permission_problem(stderr_text))
    return make_error("iptables-restore: permission denied: hardend net needs root (CAP_NET_ADMIN): " +
                      first_line(stderr_text));
  std::string message = "iptables-restore failed";
  if (std::optional<int> line = failed_line(stderr_text)) {
    std::vector<std::string> lines = split(payload, "\n");
    message += " at payload line " + std::to_string(*line);
    if (*line >= 1 && static_cast<size_t>(*line) <= lines.size()) message += " (" + lines[*line - 1] + ")";
  }
  if (run->timed_out) message += " (" + run->describe() + ")";
  return make_error(message + ": " + failure_reason(stderr_text) + "; nothing was changed");
}

Result<ApplyOutcome> apply_ruleset(const Ruleset& desired, const IptablesOptions& options) {
  ApplyOutcome outcome;
  Result<SavedTable> live = read_live_table(options);
  if (!live) return live.take_error();
  outcome.before = compare_with_live(desired, *live);
  // Reapplying matching rules would only reset their counters; an unexpected jump is someone else's rule.
  if (!outcome.before.repairable()) {
    outcome.after = outcome.before;
    return outcome;
  }

  outcome.payload = render_apply_payload(desired, *live);
  HARDEND_TRY_VOID(restore_payload(outcome.payload, options));

  Result<SavedTable> after = read_live_table(options);
  if (!after) return after.take_error().context("applied, but re-reading the rules failed");
  outcome.after = compare_with_live(desired, *after);
  return outcome;
}

Result<DriftReport> ruleset_status(const Ruleset& desired, const IptablesOptions& options) {
  Result<SavedTable> live = read_live_table(options);
  if (!live) return live.take_error();
  return compare_with_live(desired, *live);
}

Result<RemoveOutcome> remove_rules(const IptablesOptions& options) {
  RemoveOutcome outcome;
  Result<SavedTable> live = read_live_table(options);
  if (!live) return live.take_error();
  outcome.payload = render_remove_payload(*live);
  if (outcome.payload.empty()) return outcome;
  HARDEND_TRY_VOID(restore_payload(outcome.payload, options));
  return outcome;
}

}  // namespace hardend::net
