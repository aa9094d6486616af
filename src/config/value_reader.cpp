#include "config/value_reader.h"

#include <algorithm>
#include <cmath>

#include "common/strings.h"
#include "common/units.h"
#include "config/values.h"

namespace hardend::config {

using Json = nlohmann::json;

namespace {

constexpr double kDockerMinCpus = 0.01;  // the daemon refuses NanoCpus below 1e7
constexpr double kMaxCpus = 1024;

}  // namespace

std::string describe_json(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return value.get<bool>() ? "true" : "false";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return "the number " + value.dump();
    case Json::value_t::string:
      return "the string " + value.dump();
    case Json::value_t::array:
      return "an array";
    case Json::value_t::object:
      return "an object";
    default:
      return "a " + std::string(value.type_name());
  }
}

void ValueReader::report(Severity severity, TextPosition p, const std::string& key,
                         const std::string& message) {
  diagnostics_.push_back(Diagnostic{severity, at(p), key, message});
}

Json ValueReader::value_of(const JsonNode& node) const {
  return Json::parse(text_.substr(node.begin, node.end - node.begin), nullptr, false);
}

std::optional<bool> ValueReader::to_bool(const std::string& key, const JsonNode& node) {
  Json value = value_of(node);
  const std::string expected = "expected a boolean (true or false)";
  if (value.is_boolean()) return value.get<bool>();
  if (value.is_number_integer() || value.is_number_unsigned()) {
    if (value == 0 || value == 1) return value == 1;
  } else if (value.is_string()) {
    if (auto parsed = parse_bool_text(value.get<std::string>())) return *parsed;
  }
  error(node.position, key, expected + ", got " + describe_json(value));
  return std::nullopt;
}

std::optional<int64_t> ValueReader::to_size(const std::string& key, const JsonNode& node, int64_t min,
                                            int64_t max, const std::string& min_hint) {
  Json value = value_of(node);
  std::optional<int64_t> bytes;
  if (value.is_number_integer() || value.is_number_unsigned()) {
    if (value.is_number_unsigned() && value.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
      error(node.position, key, "the size " + value.dump() + " is absurd; at most " + format_size(max));
      return std::nullopt;
    }
    bytes = value.get<int64_t>();
  } else if (value.is_number_float()) {
    error(
        node.position, key,
        "a size in bytes must be a whole number, got " + value.dump() + "; write a string such as \"1.5g\"");
    return std::nullopt;
  } else if (value.is_string()) {
    auto parsed = parse_size(value.get<std::string>());
    if (!parsed) {
      error(node.position, key, parsed.error().message);
      return std::nullopt;
    }
    bytes = *parsed;
  } else {
    error(node.position, key, "expected a size such as \"512m\" or \"1g\", got " + describe_json(value));
    return std::nullopt;
  }
  if (*bytes <= 0) {
    error(node.position, key,
          (*bytes == 0 ? "zero" : "a negative size") + std::string(" is not a limit; ") + min_hint);
    return std::nullopt;
  }
  if (*bytes < min) {
    error(node.position, key, format_size(*bytes) + " is too small; " + min_hint);
    return std::nullopt;
  }
  if (*bytes > max) {
    error(node.position, key, format_size(*bytes) + " is absurd; at most " + format_size(max));
    return std::nullopt;
  }
  return bytes;
}

std::optional<int64_t> ValueReader::to_count(const std::string& key, const JsonNode& node, int64_t min,
                                             int64_t max) {
  Json value = value_of(node);
  std::optional<int64_t> count;
  if (value.is_number_integer()) {
    count = value.get<int64_t>();
  } else if (value.is_number_unsigned()) {
    if (value.get<uint64_t>() <= static_cast<uint64_t>(max)) count = value.get<int64_t>();
  } else if (value.is_string()) {
    std::string text(trim(value.get<std::string>()));
    bool digits = !text.empty() && std::all_of(text.begin() + (text[0] == '-' ? 1 : 0), text.end(),
                                               [](unsigned char c) { return std::isdigit(c); });
    if (digits && text != "-" && text.size() < 19) count = std::stoll(text);
  }
  const std::string range = "from " + std::to_string(min) + " to " + std::to_string(max);
  if (!count) {
    error(node.position, key, "expected a whole number " + range + ", got " + describe_json(value));
    return std::nullopt;
  }
  if (*count < min || *count > max) {
    error(node.position, key, std::to_string(*count) + " is out of range; expected " + range);
    return std::nullopt;
  }
  return count;
}

std::optional<double> ValueReader::to_cpus(const std::string& key, const JsonNode& node) {
  Json value = value_of(node);
  std::optional<double> cpus;
  if (value.is_number()) {
    cpus = value.get<double>();
  } else if (value.is_string()) {
    cpus = parse_decimal(trim(value.get<std::string>()));
    if (!cpus) {
      error(node.position, key,
            "expected a CPU count such as \"1.0\" or \"0.5\", got " + describe_json(value));
      return std::nullopt;
    }
  } else {
    error(node.position, key, "expected a CPU count such as 1.0 or \"0.5\", got " + describe_json(value));
    return std::nullopt;
  }
  std::string written = value.is_string() ? std::string(trim(value.get<std::string>())) : value.dump();
  if (!std::isfinite(*cpus) || *cpus <= 0) {
    error(node.position, key,
          "the CPU count must be greater than 0, got " + written +
              "; to turn the limit off, set limit.docker.cpu to false");
    return std::nullopt;
  }
  if (*cpus < kDockerMinCpus) {
    error(node.position, key, written + " CPUs is below Docker's minimum of 0.01");
    return std::nullopt;
  }
  if (*cpus > kMaxCpus) {
    error(node.position, key, written + " CPUs is absurd; at most 1024");
    return std::nullopt;
  }
  return cpus;
}

std::optional<std::string> ValueReader::to_string(const std::string& key, const JsonNode& node,
                                                  const std::string& expected) {
  Json value = value_of(node);
  if (value.is_string()) return value.get<std::string>();
  error(node.position, key, "expected " + expected + ", got " + describe_json(value));
  return std::nullopt;
}

std::optional<std::vector<std::string>> ValueReader::to_list(const std::string& key, const JsonNode& node,
                                                             ItemCheck check, bool tmpfs_split) {
  Json value = value_of(node);
  std::vector<std::pair<std::string, TextPosition>> items;
  if (value.is_string()) {
    std::string text = value.get<std::string>();
    for (auto& item : tmpfs_split ? split_tmpfs_list(text) : split(text, ","))
      items.emplace_back(std::string(trim(item)), node.position);
  } else if (value.is_array()) {
    for (size_t i = 0; i < node.elements.size(); ++i) {
      const Json& element = value[i];
      if (!element.is_string()) {
        error(node.elements[i].position, key, "list items must be strings, got " + describe_json(element));
        return std::nullopt;
      }
      items.emplace_back(std::string(trim(element.get<std::string>())), node.elements[i].position);
    }
  } else {
    error(
        node.position, key,
        "expected a list: a JSON array of strings or a comma-separated string, got " + describe_json(value));
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (const auto& [item, position] : items) {
    if (item.empty()) continue;
    auto checked = check(item);
    if (!checked) {
      error(position, key, checked.error().message);
      ok = false;
      continue;
    }
    if (std::find(out.begin(), out.end(), *checked) == out.end()) out.push_back(std::move(*checked));
  }
  if (!ok) return std::nullopt;
  return out;
}

void ValueReader::check_duplicates(const JsonNode& object, const std::string& key_prefix) {
  for (size_t i = 0; i < object.members.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (object.members[i].key != object.members[j].key) continue;
      const TextPosition& first = object.members[j].key_position;
      error(object.members[i].key_position, key_prefix + object.members[i].key,
            "duplicate key (first set at " + std::to_string(first.line) + ":" + std::to_string(first.column) +
                "); JSON keeps only one of the values, so a setting would be lost");
      break;
    }
  }
}

}  // namespace hardend::config
