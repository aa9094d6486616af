// parse_config: JSON text -> Config, or every problem with file:line:col (DESIGN.md sections 2 and 5).
// nlohmann/json checks the syntax and converts values; json_locator supplies the positions and the
// duplicates.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "common/strings.h"
#include "common/units.h"
#include "config/config.h"
#include "config/json_locator.h"
#include "config/keys.h"
#include "config/value_reader.h"
#include "config/values.h"

namespace hardend::config {
namespace {

using Json = nlohmann::json;

constexpr int64_t kMiB = int64_t{1} << 20;
constexpr int64_t kGiB = int64_t{1} << 30;
// The daemon refuses less: "Minimum memory limit allowed is 6MB".
constexpr int64_t kDockerMinMemory = 6 * kMiB;
constexpr int64_t kMaxMemory = 1024 * kGiB;
constexpr int64_t kMaxPoolSize = 1000;  // warm containers per pool

// Rewrites nlohmann's "[json.exception.parse_error.101] parse error at line 1, column 9: syntax error ..."
// into our own position (which counts characters) and a hint for the usual hand-editing mistakes.
struct SyntaxError {
  size_t offset;
  std::string message;
};

// A SAX handler that accepts every value and keeps the first error: the syntax check of parse_document(),
// which also catches numbers out of a double's range (nlohmann throws those as out_of_range 406, not
// parse_error).
struct SyntaxCheck : nlohmann::json_sax<Json> {
  std::optional<Json::parse_error> syntax;
  size_t position = 0;  // the byte just after the offending token
  std::string token;

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t at, const std::string& last_token,
                   const nlohmann::detail::exception& e) override {
    position = at;
    token = last_token;
    if (const auto* parse = dynamic_cast<const Json::parse_error*>(&e)) syntax.emplace(*parse);
    return false;
  }
};

SyntaxError describe_syntax_error(std::string_view text, const Json::parse_error& e) {
  std::string what = e.what();
  std::string message = what;
  if (auto at = what.find("parse error"); at != std::string::npos) {
    if (auto colon = what.find(": ", at); colon != std::string::npos) message = what.substr(colon + 2);
  }
  // "; last read: '...'" echoes raw input (whitespace as <U+000A>); the position already says where.
  if (auto last_read = message.find("; last read: '"); last_read != std::string::npos) {
    auto expected = message.rfind("'; expected ");
    message.erase(last_read, expected != std::string::npos && expected > last_read ? expected + 1 - last_read
                                                                                   : std::string::npos);
  }
  size_t offset = e.byte == 0 ? 0 : std::min<size_t>(e.byte - 1, text.size());
  if (trim(text).empty() || trim(text) == "\xEF\xBB\xBF")
    return {text.size(), "empty file; expected a JSON object such as {\"limit.docker.memory\": true}"};
  if (message.find("unexpected string literal; expected '}'") != std::string::npos) {
    // nlohmann stops at the closing quote of the unexpected key; point at its opening quote instead.
    size_t open = offset;
    while (open > 0 && !(text[open - 1] == '"' && (open < 2 || text[open - 2] != '\\'))) --open;
    if (open > 0) offset = open - 1;
    message += " (missing ',' between members?)";
  } else if (message.find("unexpected '}'; expected string literal") != std::string::npos ||
             message.find("unexpected ']'") != std::string::npos) {
    message += " (trailing comma?)";
  } else if (offset < text.size() && text[offset] == '/') {
    message += " (JSON has no comments)";
  } else if (offset < text.size() && text[offset] == '\'') {
    message += " (JSON strings use double quotes)";
  }
  return {offset, "invalid JSON: " + message};
}

// "python.pass.extra.key.demisto/dl" -> "python.pass.extra.keys.demisto/dl": typos in the per-image prefix.
std::optional<std::string> suggest_per_image_key(const std::string& key) {
  std::string family(kPerImagePrefix.substr(0, kPerImagePrefix.size() - 1));
  for (size_t dot = key.find('.'); dot != std::string::npos; dot = key.find('.', dot + 1)) {
    if (dot + 1 >= key.size()) break;
    if (edit_distance(to_lower(key.substr(0, dot)), family) <= 2) return family + "." + key.substr(dot + 1);
  }
  return std::nullopt;
}

std::optional<std::string> suggest_key(const std::string& key) {
  std::vector<std::string> names;
  for (const auto& def : keys_table())
    if (!def.per_image) names.push_back(def.name);
  if (auto match = closest_match(key, names)) return match;
  return suggest_per_image_key(key);
}

// A docker image tag as Docker allows it: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}.
bool looks_like_tag(std::string_view s) {
  if (s.empty() || s.size() > 128 || s[0] == '.' || s[0] == '-') return false;
  return std::all_of(s.begin(), s.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '.' || c == '-'; });
}

class ConfigParser {
 public:
  ConfigParser(std::string_view text, const std::string& file, const ParseOptions& options)
      : text_(text), file_(file), options_(options), lines_(text) {}

  ParseOutcome parse() {
    config_ = default_config();
    config_.path = file_;
    if (parse_document()) {
      for (const auto& member : root_.members) apply(member);
      reader_.check_duplicates(root_, "");
      check_cross_key_rules();
    }
    std::stable_sort(diagnostics_.begin(), diagnostics_.end(), [](const Diagnostic& a, const Diagnostic& b) {
      return std::pair(a.location.line, a.location.column) < std::pair(b.location.line, b.location.column);
    });
    ParseOutcome outcome;
    bool has_error = std::any_of(diagnostics_.begin(), diagnostics_.end(),
                                 [](const Diagnostic& d) { return d.severity == Severity::Error; });
    if (!has_error) {
      config_.warnings = diagnostics_;
      outcome.config = std::move(config_);
    }
    outcome.diagnostics = std::move(diagnostics_);
    return outcome;
  }

 private:
  Location at(TextPosition p) const { return reader_.at(p); }
  void report(Severity severity, TextPosition p, const std::string& key, const std::string& message) {
    reader_.report(severity, p, key, message);
  }
  void error(TextPosition p, const std::string& key, const std::string& message) {
    reader_.error(p, key, message);
  }

  bool parse_document() {
    // Only the syntax check (no document is built); values come from the located spans.
    SyntaxCheck check;
    if (!Json::sax_parse(text_, &check)) {
      if (check.syntax) {
        SyntaxError syntax = describe_syntax_error(text_, *check.syntax);
        error(lines_.position(syntax.offset), "", syntax.message);
      } else {
        // Valid JSON syntax, but a number a double cannot hold, such as 1E400 (nlohmann's out_of_range 406).
        size_t end = std::min(check.position, text_.size());
        size_t begin = end - std::min(end, check.token.size());
        error(lines_.position(begin), "",
              "the number " + check.token +
                  " is out of range (a JSON number here must fit a double, at most about 1.8e308)");
      }
      return false;
    }
    TextPosition failed_at;
    auto located = locate_json(text_, &failed_at);
    if (!located) {
      error(failed_at, "", located.error().message);
      return false;
    }
    root_ = std::move(*located);
    if (root_.kind != JsonNode::Kind::Object) {
      error(root_.position, "",
            "the config must be a JSON object of keys, e.g. {\"limit.docker.memory\": true}; got " +
                describe_json(reader_.value_of(root_)));
      return false;
    }
    return true;
  }

  template <class T>
  void assign(Setting<T>& setting, const JsonMember& member, std::optional<T> value) {
    if (!value) return;
    setting.value = std::move(*value);
    setting.source = member.key;
    setting.location = at(member.key_position);
  }

  // One handler per key. The keys table (keys.cpp) lists the same names; a test parses every table entry's
  // example and default, so a key without a handler (or a handler without a key) fails the suite.
  void apply(const JsonMember& m) {
    const std::string& key = m.key;
    const JsonNode& v = m.value;
    if (key.starts_with(kPerImagePrefix)) return apply_per_image(m);
    if (apply_pool_per_image(m)) return;
    if (key == "docker.run.internal.asuser") return assign(config_.run_as_user, m, reader_.to_bool(key, v));
    if (key == "docker.run.internal.asuser.user") return assign(config_.user, m, to_user(key, v));
    if (key == "docker.run.internal.asuser.ignore")
      return assign(config_.asuser_ignore, m, reader_.to_list(key, v, keep_item()));
    if (key == "limit.docker.memory") return assign(config_.limit_memory, m, reader_.to_bool(key, v));
    if (key == "docker.memory.limit")
      return assign(config_.memory_limit, m,
                    reader_.to_size(key, v, kDockerMinMemory, kMaxMemory,
                                    "expected at least 6m (Docker's minimum); to turn the limit off, set "
                                    "limit.docker.memory to false"));
    if (key == "limit.docker.cpu") return assign(config_.limit_cpu, m, reader_.to_bool(key, v));
    if (key == "docker.cpu.limit") return assign(config_.cpu_limit, m, reader_.to_cpus(key, v));
    if (key == "python.pass.extra.keys") {
      auto options = to_docker_options(key, v, "");
      if (options) return assign(config_.extra_keys, m, std::optional<std::optional<std::string>>(*options));
      return;
    }
    if (key == "docker.run.capabilities.drop.all")
      return assign(config_.drop_all_capabilities, m, reader_.to_bool(key, v));
    if (key == "docker.run.capabilities.keep")
      return assign(config_.keep_capabilities, m, reader_.to_list(key, v, normalize_capability));
    if (key == "docker.run.no.new.privileges")
      return assign(config_.no_new_privileges, m, reader_.to_bool(key, v));
    if (key == "docker.run.read.only") return assign(config_.read_only_root, m, reader_.to_bool(key, v));
    if (key == "docker.run.tmpfs") return assign(config_.tmpfs, m, to_tmpfs(key, v));
    if (key == "docker.run.allow.unsafe")
      return assign(config_.allow_unsafe, m, reader_.to_list(key, v, unsafe_flag));
    if (key == "container.runtime") return assign(config_.runtime, m, to_runtime(key, v));
    if (key == "podman.limits.enforce") return assign(config_.podman_limits_enforce, m, reader_.to_bool(key, v));
    if (key == "python.default.image") return assign(config_.python_default_image, m, to_image(key, v));
    if (key == "run.output.limit")
      return assign(config_.output_limit, m, reader_.to_size(key, v, 1024, kGiB, "expected at least 1k"));
    if (key == "network.block.host") return assign(config_.net_block_host, m, reader_.to_bool(key, v));
    if (key == "network.container.ranges")
      return assign(config_.container_ranges, m, reader_.to_list(key, v, normalize_cidr));
    if (key == "network.default.block")
      return assign(config_.default_block, m, reader_.to_list(key, v, normalize_block_member));
    if (key == "network.networks") return apply_networks(m);
    if (key == "server.listen") return assign(config_.server_listen, m, to_listen(key, v));
    if (key == "server.socket.group")
      return assign(config_.server_socket_group, m, reader_.to_string(key, v, "a group name such as \"hardend\""));
    if (key == "server.token.file")
      return assign(config_.server_token_file, m, to_absolute_path(key, v));
    if (key == "server.max.body")
      return assign(config_.server_max_body, m, reader_.to_size(key, v, 1024, kGiB, "expected at least 1k"));
    if (key == "server.drain.seconds")
      return assign(config_.server_drain_seconds, m, reader_.to_count(key, v, 0, 3600));
    if (key == "server.workers") return assign(config_.server_workers, m, reader_.to_count(key, v, 1, 1024));
    if (key == "server.log.format")
      return assign(config_.server_log_format, m, to_choice(key, v, {"text", "json"}));
    if (key == "server.network.reconcile")
      return assign(config_.server_network_reconcile, m, reader_.to_bool(key, v));
    if (key == "server.network.reconcile.seconds")
      return assign(config_.server_network_reconcile_seconds, m, reader_.to_count(key, v, 5, 86400));
    if (key == "containers.low.water.mark")
      return assign(config_.pool_low_water, m, reader_.to_count(key, v, 0, kMaxPoolSize));
    if (key == "containers.high.water.mark")
      return assign(config_.pool_high_water, m, reader_.to_count(key, v, 1, kMaxPoolSize));
    if (key == "containers.isolation") return assign(config_.isolation, m, to_choice(key, v, {"fresh", "reuse"}));
    if (key == "containers.max.runs") return assign(config_.pool_max_runs, m, reader_.to_count(key, v, 1, 1000000));
    if (key == "containers.idle.seconds")
      return assign(config_.pool_idle_seconds, m, reader_.to_count(key, v, 1, 86400 * 7));
    if (key == "containers.queue.limit")
      return assign(config_.pool_queue_limit, m, reader_.to_count(key, v, 0, 100000));
    if (find_key(key)) return error(m.key_position, key, "internal error: key has no handler");
    unknown_key(m);
  }

  void unknown_key(const JsonMember& m) {
    std::string message = "unknown key";
    if (auto suggestion = suggest_key(m.key)) message += " (did you mean " + *suggestion + "?)";
    if (options_.strict) return error(m.key_position, m.key, message);
    report(Severity::Warning, m.key_position, m.key, message + "; ignored");
  }

  void apply_per_image(const JsonMember& m) {
    std::string image = m.key.substr(kPerImagePrefix.size());
    if (trim(image).empty())
      return error(m.key_position, m.key,
                   "the image name after python.pass.extra.keys. is empty; write e.g. "
                   "python.pass.extra.keys.demisto/dl");
    if (std::any_of(image.begin(), image.end(), [](unsigned char c) { return std::isspace(c); }))
      return error(m.key_position, m.key, "the image name '" + image + "' contains whitespace");
    if (image.back() == ':' || image.back() == '/' || image.back() == '@')
      return error(m.key_position, m.key, "the image name '" + image + "' is incomplete");
    auto options = to_docker_options(m.key, m.value, image);
    if (!options) return;
    Setting<std::string> setting{*options, m.key, at(m.key_position)};
    config_.image_extra_keys[image] = std::move(setting);
  }

  // containers.isolation.<image>[:<tag>], containers.{low,high}.water.mark.<image>[:<tag>]: false when the key
  // is none of these families.
  bool apply_pool_per_image(const JsonMember& m) {
    static constexpr std::string_view kIsolation = "containers.isolation.";
    static constexpr std::string_view kLowWater = "containers.low.water.mark.";
    static constexpr std::string_view kHighWater = "containers.high.water.mark.";
    std::string_view prefix;
    for (std::string_view candidate : {kIsolation, kLowWater, kHighWater})
      if (m.key.starts_with(candidate)) prefix = candidate;
    if (prefix.empty()) return false;
    std::string image = m.key.substr(prefix.size());
    if (!valid_image_suffix(m, image, prefix)) return true;
    Location location = at(m.key_position);
    if (prefix == kIsolation) {
      if (auto mode = to_choice(m.key, m.value, {"fresh", "reuse"}))
        config_.image_isolation[image] = Setting<std::string>{*mode, m.key, location};
    } else if (auto count = reader_.to_count(m.key, m.value, prefix == kLowWater ? 0 : 1, kMaxPoolSize)) {
      (prefix == kLowWater ? config_.image_low_water : config_.image_high_water)[image] =
          Setting<int64_t>{*count, m.key, location};
    }
    return true;
  }

  bool valid_image_suffix(const JsonMember& m, const std::string& image, std::string_view prefix) {
    if (trim(image).empty()) {
      error(m.key_position, m.key,
            "the image name after " + std::string(prefix) + " is empty; write e.g. " + std::string(prefix) +
                "demisto/dl");
      return false;
    }
    if (std::any_of(image.begin(), image.end(), [](unsigned char c) { return std::isspace(c); })) {
      error(m.key_position, m.key, "the image name '" + image + "' contains whitespace");
      return false;
    }
    if (image.back() == ':' || image.back() == '/' || image.back() == '@') {
      error(m.key_position, m.key, "the image name '" + image + "' is incomplete");
      return false;
    }
    return true;
  }

  std::optional<std::string> to_choice(const std::string& key, const JsonNode& node,
                                       const std::vector<std::string>& choices) {
    std::string expected = join(choices, " or ");
    auto text = reader_.to_string(key, node, expected);
    if (!text) return std::nullopt;
    std::string lower = to_lower(trim(*text));
    if (std::find(choices.begin(), choices.end(), lower) != choices.end()) return lower;
    std::string message = "unknown value '" + *text + "'";
    if (auto suggestion = closest_match(lower, choices)) message += " (did you mean " + *suggestion + "?)";
    error(node.position, key, message + "; expected " + expected);
    return std::nullopt;
  }

  // "unix:/run/hardend/hardend.sock" (also "unix:///path") or "tcp://127.0.0.1:PORT".
  std::optional<std::string> to_listen(const std::string& key, const JsonNode& node) {
    auto text = reader_.to_string(key, node, "unix:/PATH or tcp://127.0.0.1:PORT");
    if (!text) return std::nullopt;
    std::string value(trim(*text));
    if (value.starts_with("unix:") && value.find('/') != std::string::npos) return value;
    if (value.starts_with("tcp://") && value.rfind(':') > 5) return value;
    error(node.position, key,
          "'" + *text + "' is not a listen address; expected unix:/run/hardend/hardend.sock or tcp://127.0.0.1:PORT");
    return std::nullopt;
  }

  std::optional<std::string> to_absolute_path(const std::string& key, const JsonNode& node) {
    auto text = reader_.to_string(key, node, "an absolute path such as \"/etc/hardend/token\"");
    if (!text) return std::nullopt;
    std::string value(trim(*text));
    if (value.empty() || value.starts_with('/')) return value;
    error(node.position, key, "'" + *text + "' is not an absolute path");
    return std::nullopt;
  }

  std::optional<std::string> to_user(const std::string& key, const JsonNode& node) {
    Json value = reader_.value_of(node);
    if (value.is_number_unsigned()) value = std::to_string(value.get<uint64_t>());  // a bare uid: 4000
    std::optional<std::string> user;
    if (value.is_string())
      user = value.get<std::string>();
    else
      error(node.position, key, "expected a user such as \"4000:4000\", got " + describe_json(value));
    if (!user) return std::nullopt;
    std::string trimmed(trim(*user));
    if (auto status = validate_user(trimmed); !status) {
      error(node.position, key, status.error().message);
      return std::nullopt;
    }
    return trimmed;
  }

  std::optional<std::string> to_runtime(const std::string& key, const JsonNode& node) {
    auto runtime = reader_.to_string(key, node, "\"docker\" or \"podman\"");
    if (!runtime) return std::nullopt;
    std::string lower = to_lower(trim(*runtime));
    if (lower == "docker" || lower == "podman") return lower;
    std::string message = "unknown runtime '" + *runtime + "'";
    if (auto suggestion = closest_match(lower, {"docker", "podman"}))
      message += " (did you mean " + *suggestion + "?)";
    error(node.position, key, message + "; expected docker or podman");
    return std::nullopt;
  }

  std::optional<std::string> to_image(const std::string& key, const JsonNode& node) {
    auto image = reader_.to_string(key, node, "an image reference such as \"hardend/python:3.11\"");
    if (!image) return std::nullopt;
    std::string trimmed(trim(*image));
    if (trimmed.empty() ||
        std::any_of(trimmed.begin(), trimmed.end(), [](unsigned char c) { return std::isspace(c); })) {
      error(node.position, key, "'" + *image + "' is not an image reference such as \"hardend/python:3.11\"");
      return std::nullopt;
    }
    return trimmed;
  }

  // Raw extra-keys options; the policy layer parses the flags. `image` is set for the per-image keys.
  std::optional<std::string> to_docker_options(const std::string& key, const JsonNode& node,
                                               const std::string& image) {
    auto options = reader_.to_string(
        key, node, "docker run options joined by ## such as \"--pids-limit=256##--memory=1g\"");
    if (!options) return std::nullopt;
    std::string_view trimmed = trim(*options);
    if (trimmed.empty() || trimmed.starts_with("-")) return options;
    std::string message =
        "expected docker run options starting with '-' (e.g. \"--memory=2g\"), got \"" + *options + "\"";
    bool has_tag =
        image.find(':', image.rfind('/') == std::string::npos ? 0 : image.rfind('/')) != std::string::npos;
    if (!image.empty() && !has_tag && looks_like_tag(trimmed))
      message += "; to target tag " + std::string(trimmed) + " of " + image +
                 ", put the tag in the key: " + std::string(kPerImagePrefix) + image + ":" +
                 std::string(trimmed);
    error(node.position, key, message);
    return std::nullopt;
  }

  static ValueReader::ItemCheck keep_item() {
    return [](std::string_view item) -> Result<std::string> { return std::string(item); };
  }
  static Result<std::string> unsafe_flag(std::string_view item) {
    if (item.starts_with("-")) return std::string(item);
    return make_error("'" + std::string(item) +
                      "' is not a flag; write it as in the extra keys, e.g. \"--privileged\"");
  }

  std::optional<std::vector<std::string>> to_tmpfs(const std::string& key, const JsonNode& node) {
    auto mounts = reader_.to_list(
        key, node,
        [](std::string_view mount) -> Result<std::string> {
          HARDEND_TRY_VOID(validate_tmpfs_mount(mount));
          return std::string(mount);
        },
        true);
    if (!mounts) return std::nullopt;
    std::set<std::string> paths;
    for (const auto& mount : *mounts) {
      if (!paths.insert(mount.substr(0, mount.find(':'))).second) {
        error(node.position, key, "two tmpfs mounts on " + mount.substr(0, mount.find(':')));
        return std::nullopt;
      }
    }
    return mounts;
  }

  void apply_networks(const JsonMember& m) {
    auto networks = read_networks(reader_, m);
    if (!networks) return;
    config_.networks = std::move(*networks);
    config_.networks_location = at(m.key_position);
  }

  // A setting that another explicit key turns into a no-op deserves a word: its author expects it to apply.
  void check_cross_key_rules() {
    auto warn_if_inert = [this](const auto& setting, const Setting<bool>& switch_setting) {
      if (setting.is_default() || switch_setting.value) return;
      report(Severity::Warning, TextPosition{setting.location.line, setting.location.column}, setting.source,
             "has no effect: " + switch_setting.source + " is false");
    };
    warn_if_inert(config_.memory_limit, config_.limit_memory);
    warn_if_inert(config_.cpu_limit, config_.limit_cpu);
    warn_if_inert(config_.user, config_.run_as_user);
    warn_if_inert(config_.keep_capabilities, config_.drop_all_capabilities);
  }

  std::string_view text_;
  const std::string& file_;
  const ParseOptions& options_;
  LineIndex lines_;
  JsonNode root_;
  Config config_;
  std::vector<Diagnostic> diagnostics_;
  ValueReader reader_{text_, file_, diagnostics_};  // after diagnostics_, which it writes to
};

}  // namespace

ParseOutcome parse_config(std::string_view text, const std::string& file, const ParseOptions& options) {
  return ConfigParser(text, file, options).parse();
}

}  // namespace hardend::config
