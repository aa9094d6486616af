// `hardend script FILE.py`: run an automation script written against the `demisto` API (docs/SCRIPTS.md) in a
// container hardened by the image's policy, and show its result entries (or print them as one JSON object).
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/client_mode.h"
#include "cli/context.h"
#include "policy/image_ref.h"
#include "runner/script_runner.h"

namespace hardend::cli {
namespace {

using nlohmann::json;

// Set from the signal handler (which may only touch lock-free atomics); the run's watchdog polls it.
std::atomic<bool> script_interrupt_requested{false};
extern "C" void on_script_interrupt(int) {
  script_interrupt_requested.store(true);
}

constexpr int kInterrupted = 130;
constexpr double kDefaultTimeoutSeconds = 300;
constexpr int kEntryTypeError = 4;
constexpr int kEntryTypeWarning = 11;

struct ScriptOptions {
  std::string file;
  std::string image;  // empty: python.default.image
  std::vector<std::string> args;
  std::string args_json;
  double timeout_seconds = kDefaultTimeoutSeconds;
  bool json = false;
  std::string server;
};

struct Colors {
  bool enabled = false;
  std::string red() const { return enabled ? "\033[31m" : ""; }
  std::string yellow() const { return enabled ? "\033[33m" : ""; }
  std::string dim() const { return enabled ? "\033[2m" : ""; }
  std::string reset() const { return enabled ? "\033[0m" : ""; }
};

// --args-json first, then every --arg NAME=VALUE (a string) on top: the explicit --arg wins.
Result<json> build_args(const ScriptOptions& options) {
  json args = json::object();
  if (!options.args_json.empty()) {
    json parsed = json::parse(options.args_json, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) return Error{"--args-json: not valid JSON: " + options.args_json};
    if (!parsed.is_object()) return Error{"--args-json: expected a JSON object like '{\"count\": 3}'"};
    args = std::move(parsed);
  }
  for (const auto& arg : options.args) {
    auto equals = arg.find('=');
    if (equals == std::string::npos || equals == 0)
      return Error{"--arg " + arg + ": expected NAME=VALUE (use --args-json for typed values)"};
    args[arg.substr(0, equals)] = arg.substr(equals + 1);
  }
  return args;
}

Result<std::string> read_script(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{path + ": cannot read the script: " + std::strerror(errno)};
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Error{path + ": cannot read the script"};
  return text.str();
}

// Width of a cell as a terminal shows it, counting UTF-8 code points (wide characters count as one).
std::size_t display_width(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(
      text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string trim(std::string_view text) {
  auto begin = text.find_first_not_of(' ');
  if (begin == std::string_view::npos) return {};
  auto end = text.find_last_not_of(' ');
  return std::string(text.substr(begin, end - begin + 1));
}

// Cells of a markdown table row "| a | b \| c |"; tableToMarkdown escapes '|' inside cells as "\|".
std::vector<std::string> split_row(std::string_view line) {
  std::vector<std::string> cells;
  std::string_view body = line;
  if (body.starts_with('|')) body.remove_prefix(1);
  if (body.ends_with('|') && !body.ends_with("\\|")) body.remove_suffix(1);
  std::string cell;
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '\\' && i + 1 < body.size() && body[i + 1] == '|') {
      cell += "\\|";
      ++i;
    } else if (body[i] == '|') {
      cells.push_back(trim(cell));
      cell.clear();
    } else {
      cell += body[i];
    }
  }
  cells.push_back(trim(cell));
  return cells;
}

bool is_separator_row(const std::vector<std::string>& cells) {
  return std::all_of(cells.begin(), cells.end(), [](const std::string& cell) {
    return !cell.empty() && cell.find_first_not_of("-: ") == std::string::npos;
  });
}

// A markdown table (header, separator, rows) with its columns padded to the same width; other lines
// unchanged.
std::string align_markdown_tables(const std::string& markdown) {
  std::vector<std::string> lines;
  std::istringstream in(markdown);
  for (std::string line; std::getline(in, line);) lines.push_back(line);

  std::string out;
  for (std::size_t i = 0; i < lines.size();) {
    bool table_start = lines[i].starts_with('|') && i + 1 < lines.size() && lines[i + 1].starts_with('|') &&
                       is_separator_row(split_row(lines[i + 1]));
    if (!table_start) {
      out += lines[i++] + "\n";
      continue;
    }
    std::vector<std::vector<std::string>> rows{split_row(lines[i])};
    std::size_t end = i + 2;
    while (end < lines.size() && lines[end].starts_with('|')) rows.push_back(split_row(lines[end++]));
    std::vector<std::size_t> widths;
    for (const auto& row : rows)
      for (std::size_t column = 0; column < row.size(); ++column) {
        if (widths.size() <= column) widths.push_back(3);
        widths[column] = std::max(widths[column], display_width(row[column]));
      }
    auto render = [&](const std::vector<std::string>& row) {
      std::string text = "|";
      for (std::size_t column = 0; column < widths.size(); ++column) {
        std::string cell = column < row.size() ? row[column] : "";
        text += " " + cell + std::string(widths[column] - display_width(cell), ' ') + " |";
      }
      return text + "\n";
    };
    out += render(rows[0]);
    out += "|";
    for (std::size_t width : widths) out += std::string(width + 2, '-') + "|";
    out += "\n";
    for (std::size_t row = 1; row < rows.size(); ++row) out += render(rows[row]);
    i = end;
  }
  return out;
}

std::string entry_text(const json& entry) {
  auto readable = entry.find("HumanReadable");
  if (readable != entry.end() && readable->is_string() && !readable->get<std::string>().empty())
    return align_markdown_tables(readable->get<std::string>());
  auto contents = entry.find("Contents");
  if (contents == entry.end() || contents->is_null()) return "";
  if (contents->is_string()) {
    // Printed text too: scripts often print(tableToMarkdown(...)) instead of returning it.
    return align_markdown_tables(contents->get<std::string>());
  }
  return contents->dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

int entry_type(const json& entry) {
  auto type = entry.find("Type");
  if (type == entry.end()) return 1;
  if (type->is_number_integer()) return type->get<int>();
  if (type->is_string()) return std::atoi(type->get<std::string>().c_str());
  return 1;
}

// Entries on stdout (errors in red, warnings in yellow on a terminal); logs and the run's error on stderr.
void print_human(const runner::ScriptResult& result) {
  Colors out_colors{isatty(STDOUT_FILENO) == 1};
  Colors err_colors{isatty(STDERR_FILENO) == 1};
  bool error_shown = false;
  for (const auto& entry : result.entries) {
    std::string text = entry_text(entry);
    int type = entry_type(entry);
    if (type == kEntryTypeError) {
      std::string contents = text;
      if (!contents.empty() && contents.back() == '\n') contents.pop_back();
      error_shown = error_shown || (result.error && *result.error == contents);
      std::cout << out_colors.red() << "Error: " << text << out_colors.reset();
    } else if (type == kEntryTypeWarning) {
      std::cout << out_colors.yellow() << "Warning: " << text << out_colors.reset();
    } else {
      std::cout << text;
    }
  }
  std::cout.flush();
  for (const auto& log : result.logs) {
    std::string level = log.value("level", "");
    std::string message = log.value("message", "");
    if (level == "stderr")
      std::cerr << message << "\n";
    else if (level == "warning" || level == "error")
      std::cerr << err_colors.yellow() << "[" << level << "] " << message << err_colors.reset() << "\n";
    else
      std::cerr << err_colors.dim() << "[" << level << "] " << message << err_colors.reset() << "\n";
  }
  if (result.error && !error_shown) {
    std::string error = *result.error;
    while (!error.empty() && error.back() == '\n') error.pop_back();  // tracebacks end with one
    std::cerr << err_colors.red() << "error: " << error << err_colors.reset() << "\n";
  }
}

int run_script_command(const GlobalOptions& global, const ScriptOptions& options) {
  auto source = read_script(options.file);
  if (!source.ok()) {
    print_error(source.error().message);
    return kUsageError;
  }
  auto args = build_args(options);
  if (!args.ok()) {
    print_error(args.error().message);
    return kUsageError;
  }
#ifdef HARDEND_SERVER_ENABLED
  if (auto server = chosen_server(options.server)) {
    ServerScript script{std::move(*source), runner::script_name_from_path(options.file), std::move(*args),
                        options.image, options.timeout_seconds};
    return script_via_server(*server, script, options.json, print_human);
  }
#endif
  auto config = load_config_or_report(global);
  if (!config) return kUsageError;
  std::string image_text = options.image.empty() ? config->python_default_image.value : options.image;
  if (auto image = policy::parse_image_ref(image_text); !image.ok()) {
    print_error(image.error().message);
    return kUsageError;
  }
  auto runtime = connect_runtime(*config);
  if (!runtime) return kUsageError;
  auto spec = resolve_image_policy(*config, image_text, runtime->facts);
  if (!spec) return kUsageError;
  if (!options.json)
    for (const auto& note : spec->notes) print_warning(note);

  runner::ScriptRequest request;
  request.source = std::move(*source);
  request.name = runner::script_name_from_path(options.file);
  request.args = std::move(*args);
  runner::ScriptRunOptions run_options;
  run_options.output_limit = static_cast<std::size_t>(config->output_limit.value);
  if (options.timeout_seconds > 0)
    run_options.timeout = std::chrono::milliseconds(static_cast<int64_t>(options.timeout_seconds * 1000));
  run_options.cancel = &script_interrupt_requested;

  std::signal(SIGINT, on_script_interrupt);
  std::signal(SIGTERM, on_script_interrupt);
  auto run = runner::run_script(runtime->client, *spec, request, run_options);
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  if (!run.ok()) {
    print_error(explain_runtime_error(run.error().message, config->runtime.value));
    return kUsageError;
  }

  const runner::ScriptResult& result = run->result;
  if (options.json)
    // Bytes that are not valid UTF-8 are replaced rather than failing the whole result.
    std::cout << result.to_json().dump(2, ' ', false, json::error_handler_t::replace) << "\n";
  else
    print_human(result);
  if (run->interrupted) {
    if (!options.json) print_error("interrupted; the container was killed and removed");
    return kInterrupted;
  }
  return result.exit_code;
}

}  // namespace

void add_script_command(CLI::App& app, GlobalOptions& global, int& exit_code) {
  auto options = std::make_shared<ScriptOptions>();
  auto* cmd = app.add_subcommand(
      "script",
      "Run an automation script (demisto API: demisto.args(), return_results, tableToMarkdown ...) in a "
      "container\n"
      "hardened by the image's policy; see docs/SCRIPTS.md. Output is capped at run.output.limit.\n"
      "Exit code: 0 success; 1 the script reported an error (return_error, exception, non-zero exit);\n"
      "2 usage/config/daemon error; 124 timeout; 137 the script was killed at the memory limit (OOM).");
  cmd->add_option("file", options->file, "the script (FILE.py)")->required();
  cmd->add_option("--image", options->image, "image to run it in (default: python.default.image)");
  cmd->add_option("--arg", options->args, "NAME=VALUE: a string argument for demisto.args() (repeatable)")
      ->allow_extra_args(false);  // one value per --arg, so the file may follow it
  cmd->add_option("--args-json", options->args_json,
                  "typed arguments as a JSON object, e.g. '{\"count\": 3, \"ids\": [1, 2]}' (--arg wins)");
  cmd->add_option("--timeout", options->timeout_seconds,
                  "kill the container after SECONDS (default 300; 0 = never; at most 86400)")
      ->check(CLI::Range(0.0, 86400.0));
  cmd->add_flag(
      "--json", options->json,
      "print one result object: entries, logs, error, timed_out, oom_killed, duration_ms, exit_code, "
      "truncated");
#ifdef HARDEND_SERVER_ENABLED
  add_server_option(cmd, options->server);
#endif
  cmd->callback([&global, &exit_code, options] { exit_code = run_script_command(global, *options); });
}

}  // namespace hardend::cli
