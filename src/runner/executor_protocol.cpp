#include "runner/executor_protocol.h"

#include <csignal>
#include <utility>

#include "common/units.h"
#include "runner/assets.h"

namespace hardend::runner {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxLeftoverNames = 8;  // as many as the executor sends; the count is what decides

std::string dump_line(const json& value) {
  // replace: invalid UTF-8 from a script file must not throw on the way into the container
  return value.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

// Length of the longest prefix of `text` of at most max_bytes that does not split a UTF-8 sequence.
std::size_t utf8_cut(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text.size();
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return cut;
}

// From the lead byte; 0 for a byte that cannot start a sequence.
std::size_t utf8_sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 0;
}

std::string strip_one_newline(std::string text) {
  if (!text.empty() && text.back() == '\n') text.pop_back();
  if (!text.empty() && text.back() == '\r') text.pop_back();
  return text;
}

Frame text_frame(FrameKind kind, std::string text, std::size_t wire_bytes) {
  Frame frame;
  frame.kind = kind;
  frame.text = std::move(text);
  frame.wire_bytes = wire_bytes;
  return frame;
}

// A line that is not a frame is output the script (or something in the container) wrote around the executor.
Frame garbage_line(std::string_view line) {
  return text_frame(FrameKind::stdout_text, sanitize_utf8(line) + "\n", line.size() + 1);
}

// The done frame's `count_field` (how many) and `names_field` (the first few).
Leftovers leftovers_of(const json& done, const char* count_field, const char* names_field) {
  Leftovers leftovers;
  auto count = done.find(count_field);
  if (count != done.end() && count->is_number_unsigned())
    leftovers.count = count->get<std::size_t>();
  else if (count != done.end())
    leftovers.count = 1;  // malformed but present: something was left, which is all that matters
  auto names = done.find(names_field);
  if (names != done.end() && names->is_array())
    for (const auto& name : *names)
      if (name.is_string() && leftovers.names.size() < kMaxLeftoverNames)
        leftovers.names.push_back(sanitize_utf8(name.get<std::string>().substr(0, 256)));
  return leftovers;
}

const std::string* string_field(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return nullptr;
  return it->get_ptr<const std::string*>();
}

std::string entry_contents_text(const json& entry) {
  auto it = entry.find("Contents");
  if (it == entry.end() || it->is_null()) return "error entry without contents";
  if (it->is_string()) return it->get<std::string>();
  return it->dump(-1, ' ', false, json::error_handler_t::replace);
}

bool is_error_entry(const json& entry) {
  auto it = entry.find("Type");
  if (it == entry.end()) return false;
  if (it->is_number_integer()) return it->get<std::int64_t>() == 4;
  if (it->is_string()) return it->get<std::string>() == "4";
  return false;
}

std::string format_seconds(double seconds) {
  std::string text = json(seconds).dump();
  if (text.size() > 2 && text.ends_with(".0")) text.resize(text.size() - 2);
  return text;
}

}  // namespace

std::vector<std::string> executor_command() {
  return {"python3", "-u", "-c", std::string(bootstrap_source())};
}

std::string build_bootstrap_line(ExecutorMode mode, const Scratch& scratch) {
  json line = {
      {"executor", executor_source()},
      {"modules", {{"CommonServerPython", common_server_source()}}},
      {"mode", mode == ExecutorMode::loop ? "loop" : "once"},
      {"scratch", scratch.dirs},
      {"scratch_sysv_ipc", scratch.sysv_ipc},
  };
  return dump_line(line);
}

Result<std::string> build_request_line(const ScriptRequest& request) {
  if (!request.args.is_object()) {
    return make_error("script arguments must be a JSON object, got " + std::string(request.args.type_name()));
  }
  if (!request.params.is_object()) {
    return make_error("script parameters must be a JSON object, got " +
                      std::string(request.params.type_name()));
  }
  if (request.output_limit == 0) return make_error("the output limit must be at least 1 byte");
  json line = {
      {"script", request.source}, {"name", request.name},       {"args", request.args},
      {"params", request.params}, {"command", request.command}, {"output_limit", request.output_limit},
  };
  if (request.id) line["id"] = *request.id;
  if (request.last) line["last"] = true;
  return dump_line(line);
}

std::string sanitize_utf8(std::string_view bytes) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(bytes.size());
  std::size_t i = 0;
  while (i < bytes.size()) {
    auto lead = static_cast<unsigned char>(bytes[i]);
    std::size_t length = utf8_sequence_length(lead);
    bool valid = length != 0 && i + length <= bytes.size();
    for (std::size_t k = 1; valid && k < length; ++k) {
      valid = (static_cast<unsigned char>(bytes[i + k]) & 0xC0) == 0x80;
    }
    if (valid && length > 1) {
      // Overlong forms, surrogates and values above U+10FFFF are invalid too.
      auto second = static_cast<unsigned char>(bytes[i + 1]);
      if (length == 2) valid = lead >= 0xC2;
      if (length == 3) valid = !(lead == 0xE0 && second < 0xA0) && !(lead == 0xED && second >= 0xA0);
      if (length == 4)
        valid = !(lead == 0xF0 && second < 0x90) && lead <= 0xF4 && !(lead == 0xF4 && second >= 0x90);
    }
    if (valid) {
      out.append(bytes.substr(i, length));
      i += length;
    } else {
      out.append(kReplacement);
      ++i;
    }
  }
  return out;
}

Frame parse_frame_line(std::string_view line) {
  std::size_t wire_bytes = line.size() + 1;
  json value = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded() || !value.is_object()) return garbage_line(line);
  const std::string* type = string_field(value, "t");
  if (type == nullptr) return garbage_line(line);

  if (*type == "stdout" || *type == "stderr") {
    const std::string* data = string_field(value, "data");
    if (data == nullptr) return garbage_line(line);
    return text_frame(*type == "stdout" ? FrameKind::stdout_text : FrameKind::stderr_text, *data, wire_bytes);
  }
  if (*type == "entry") {
    auto it = value.find("entry");
    if (it == value.end() || !it->is_object()) return garbage_line(line);
    Frame frame;
    frame.kind = FrameKind::entry;
    frame.entry = std::move(*it);
    frame.wire_bytes = wire_bytes;
    return frame;
  }
  if (*type == "log") {
    const std::string* message = string_field(value, "msg");
    if (message == nullptr) return garbage_line(line);
    Frame frame = text_frame(FrameKind::log, *message, wire_bytes);
    const std::string* level = string_field(value, "level");
    frame.level = level != nullptr ? *level : "info";
    return frame;
  }
  if (*type == "error") {
    const std::string* message = string_field(value, "message");
    if (message == nullptr) return garbage_line(line);
    Frame frame = text_frame(FrameKind::error, *message, wire_bytes);
    if (const std::string* traceback = string_field(value, "traceback")) frame.traceback = *traceback;
    return frame;
  }
  if (*type == "done") {
    auto code = value.find("exit_code");
    if (code == value.end() || !code->is_number_integer()) return garbage_line(line);
    Frame frame;
    frame.kind = FrameKind::done;
    frame.exit_code = code->get<int>();
    auto signal = value.find("signal");
    if (signal != value.end() && signal->is_number_integer()) frame.signal = signal->get<int>();
    frame.leftover_processes = leftovers_of(value, "leftover", "leftover_processes");
    frame.scratch_left = leftovers_of(value, "scratch_left", "scratch_left_paths");
    frame.wire_bytes = wire_bytes;
    return frame;
  }
  if (*type == "truncated") return text_frame(FrameKind::truncated, "", wire_bytes);
  if (*type == "ready") {
    Frame frame = text_frame(FrameKind::ready, "", wire_bytes);
    auto dumpable = value.find("dumpable");
    frame.executor_dumpable = dumpable == value.end() || *dumpable != false;  // in doubt: exposed
    return frame;
  }
  return text_frame(FrameKind::unknown, *type, wire_bytes);
}

FrameParser::FrameParser(std::size_t max_line_bytes)
    : max_line_bytes_(max_line_bytes == 0 ? 1 : max_line_bytes) {}

std::size_t FrameParser::max_line_bytes_for(std::size_t output_limit) {
  return 2 * output_limit + 64 * 1024;
}

void FrameParser::feed(std::string_view bytes, std::vector<Frame>& out) {
  while (!bytes.empty()) {
    std::size_t newline = bytes.find('\n');
    std::string_view piece = bytes.substr(0, newline);
    if (discarding_) {
      discarded_bytes_ += piece.size();
    } else if (partial_.size() + piece.size() > max_line_bytes_) {
      discarding_ = true;
      discarded_bytes_ = partial_.size() + piece.size();
      partial_.clear();
      partial_.shrink_to_fit();
    } else {
      partial_.append(piece);
    }
    if (newline == std::string_view::npos) return;
    bytes.remove_prefix(newline + 1);
    if (discarding_) {
      Frame dropped;
      dropped.kind = FrameKind::oversized;
      dropped.wire_bytes = discarded_bytes_ + 1;
      out.push_back(std::move(dropped));
      discarding_ = false;
      discarded_bytes_ = 0;
    } else {
      take_line(partial_, out);
      partial_.clear();
    }
  }
}

void FrameParser::finish(std::vector<Frame>& out) {
  if (discarding_) {
    Frame dropped;
    dropped.kind = FrameKind::oversized;
    dropped.wire_bytes = discarded_bytes_;
    out.push_back(std::move(dropped));
  } else if (!partial_.empty()) {
    out.push_back(text_frame(FrameKind::stdout_text, sanitize_utf8(partial_), partial_.size()));
  }
  partial_.clear();
  discarding_ = false;
  discarded_bytes_ = 0;
}

void FrameParser::take_line(std::string_view line, std::vector<Frame>& out) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty()) return;  // blank lines carry nothing
  out.push_back(parse_frame_line(line));
}

ResultAggregator::ResultAggregator(std::size_t output_limit)
    : output_limit_(output_limit), text_left_(output_limit), entry_left_(output_limit) {}

void ResultAggregator::add_frames(const std::vector<Frame>& frames) {
  for (const Frame& frame : frames) add(frame);
}

void ResultAggregator::add(const Frame& frame) {
  switch (frame.kind) {
    case FrameKind::stdout_text:
      add_text(pending_stdout_, frame.text);
      break;
    case FrameKind::stderr_text:
      add_text(pending_stderr_, frame.text);
      break;
    case FrameKind::entry:
      flush_stdout();
      if (frame.wire_bytes > entry_left_) {
        entry_left_ = 0;
        mark_truncated("result entries exceeded the output limit");
        break;
      }
      entry_left_ -= frame.wire_bytes;
      if (frame.entry.is_object() && is_error_entry(frame.entry))
        note_error(entry_contents_text(frame.entry));
      entries_.push_back(frame.entry);
      break;
    case FrameKind::log:
      flush_stderr();
      if (frame.text.size() > text_left_) {
        mark_truncated("output exceeded the output limit");
        break;
      }
      text_left_ -= frame.text.size();
      add_log(frame.level, frame.text);
      break;
    case FrameKind::error:
      note_error(frame.traceback.empty() ? frame.text : frame.traceback);
      break;
    case FrameKind::truncated:
      mark_truncated("output exceeded the output limit");
      break;
    case FrameKind::oversized:
      mark_truncated("a frame of " + std::to_string(frame.wire_bytes) + " bytes exceeded the line limit");
      break;
    case FrameKind::done:
      flush_stdout();
      flush_stderr();
      script_exit_code_ = frame.exit_code;
      script_signal_ = frame.signal;
      leftover_processes_ = frame.leftover_processes;
      scratch_left_ = frame.scratch_left;
      break;
    case FrameKind::ready:
    case FrameKind::unknown:
      break;
  }
}

void ResultAggregator::add_container_stderr(std::string_view text) {
  add_text(pending_stderr_, sanitize_utf8(text));
}

void ResultAggregator::add_text(std::string& pending, std::string_view text) {
  if (text.size() > text_left_) {
    std::size_t keep = utf8_cut(text, text_left_);
    pending.append(text.substr(0, keep));
    text_left_ = 0;
    mark_truncated("output exceeded the output limit");
    return;
  }
  text_left_ -= text.size();
  pending.append(text);
}

void ResultAggregator::flush_stdout() {
  std::string text = strip_one_newline(std::exchange(pending_stdout_, std::string()));
  if (text.empty()) return;
  entries_.push_back({{"Type", 1},
                      {"ContentsFormat", "text"},
                      {"Contents", std::move(text)},
                      {"HumanReadable", nullptr},
                      {"EntryContext", nullptr}});
}

void ResultAggregator::flush_stderr() {
  std::string text = strip_one_newline(std::exchange(pending_stderr_, std::string()));
  if (!text.empty()) add_log("stderr", std::move(text));
}

void ResultAggregator::add_log(std::string level, std::string message) {
  logs_.push_back({{"level", std::move(level)}, {"message", std::move(message)}});
}

void ResultAggregator::mark_truncated(std::string why) {
  if (truncated_) return;
  truncated_ = true;
  add_log("warning",
          why + " (" + format_size(static_cast<std::int64_t>(output_limit_)) + "): the rest was cut");
}

void ResultAggregator::note_error(std::string message) {
  if (!error_) error_ = std::move(message);
}

namespace {

// For a run whose executor vanished: what is known of the container's end, so that a killed container or a
// runtime outage is not mistaken for the script's own error.
std::string how_the_container_ended(const RunOutcome& outcome) {
  if (outcome.container_exit_code) {
    std::int64_t code = *outcome.container_exit_code;
    std::string text = " (container exit code " + std::to_string(code);
    if (code > 128 && code <= 128 + 64)
      text += ": its PID 1 was ended by signal " + std::to_string(code - 128) +
              ", from inside the run or from outside it (docker kill or stop, a runtime restart)";
    return text + ")";
  }
  if (outcome.runtime_error)
    return "; the container runtime could not say how it ended: " + *outcome.runtime_error;
  return "";
}

}  // namespace

ScriptResult ResultAggregator::finish(const RunOutcome& outcome) {
  flush_stdout();
  flush_stderr();
  ScriptResult result;
  result.entries = std::move(entries_);
  result.logs = std::move(logs_);
  result.timed_out = outcome.timed_out;
  result.oom_killed = outcome.oom_killed;
  result.duration_ms = outcome.duration_ms;
  result.truncated = truncated_;
  result.script_exit_code = script_exit_code_;
  result.leftover_processes = leftover_processes_;
  result.scratch_left = scratch_left_;
  result.error = error_;

  bool script_process_killed = !script_exit_code_ || script_signal_ == SIGKILL;
  if (outcome.timed_out) {
    result.exit_code = kExitTimeout;
    result.error = outcome.timeout_seconds
                       ? "timed out after " + format_seconds(*outcome.timeout_seconds) + "s"
                       : std::string("timed out");
  } else if (outcome.oom_killed && script_process_killed) {
    result.exit_code = kExitOom;
    result.error = outcome.memory_limit
                       ? "out of memory: the script was killed at the memory limit of " +
                             format_size(*outcome.memory_limit)
                       : std::string("out of memory: the script was killed at the container's memory limit");
  } else if (error_) {
    result.exit_code = kExitScriptError;
  } else if (!script_exit_code_) {
    result.exit_code = kExitScriptError;
    result.error = "the executor ended without reporting a result" + how_the_container_ended(outcome);
  } else if (script_signal_) {
    result.exit_code = kExitScriptError;
    result.error = "the script was killed by signal " + std::to_string(*script_signal_);
  } else if (*script_exit_code_ != 0) {
    result.exit_code = kExitScriptError;
    result.error = "the script exited with code " + std::to_string(*script_exit_code_);
  }
  return result;
}

nlohmann::json ScriptResult::to_json() const {
  return {
      {"entries", entries},
      {"logs", logs},
      {"error", error ? json(*error) : json(nullptr)},
      {"timed_out", timed_out},
      {"oom_killed", oom_killed},
      {"duration_ms", duration_ms},
      {"exit_code", exit_code},
      {"truncated", truncated},
  };
}

}  // namespace hardend::runner
