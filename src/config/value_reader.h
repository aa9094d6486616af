// Reading typed values out of located JSON, for parse_config and its composite keys (network.networks).
// Each conversion reports its own problem at the value (file:line:col, key, what was expected) into the
// shared diagnostics list and returns nullopt, so that the parser goes on and collects every problem of the
// file.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "config/config.h"
#include "config/json_locator.h"

namespace hardend::config {

// "the string \"yes\"", "the number 2", "an array": how a wrong value is named in messages.
std::string describe_json(const nlohmann::json& value);

class ValueReader {
 public:
  // Checks and normalizes one list item; an error message says what was expected.
  using ItemCheck = Result<std::string> (*)(std::string_view);

  ValueReader(std::string_view text, const std::string& file, std::vector<Diagnostic>& diagnostics)
      : text_(text), file_(file), diagnostics_(diagnostics) {}

  Location at(TextPosition p) const { return Location{file_, p.line, p.column}; }
  void report(Severity severity, TextPosition p, const std::string& key, const std::string& message);
  void error(TextPosition p, const std::string& key, const std::string& message) {
    report(Severity::Error, p, key, message);
  }

  nlohmann::json value_of(const JsonNode& node) const;

  // true/false, "true"/"false" in any case, 1/0 and "1"/"0".
  std::optional<bool> to_bool(const std::string& key, const JsonNode& node);
  // A size string ("1.5g") or a whole JSON number of bytes, within [min, max]; `min_hint` completes the
  // message for zero or too small values.
  std::optional<int64_t> to_size(const std::string& key, const JsonNode& node, int64_t min, int64_t max,
                                 const std::string& min_hint);
  // A whole number, as a JSON number or a decimal string ("20"), within [min, max].
  std::optional<int64_t> to_count(const std::string& key, const JsonNode& node, int64_t min, int64_t max);
  // A JSON number or decimal string, from 0.01 (Docker's minimum) to 1024.
  std::optional<double> to_cpus(const std::string& key, const JsonNode& node);
  std::optional<std::string> to_string(const std::string& key, const JsonNode& node,
                                       const std::string& expected);
  // A JSON array of strings or one comma-separated string (with `tmpfs_split`, the mount-aware split of
  // split_tmpfs_list). Items are trimmed, empty ones and exact repeats dropped, each passed through `check`;
  // errors point at the array element.
  std::optional<std::vector<std::string>> to_list(const std::string& key, const JsonNode& node,
                                                  ItemCheck check, bool tmpfs_split = false);

  // JSON keeps only one value of a repeated key: reports every repeat, at the repeat, naming the first.
  void check_duplicates(const JsonNode& object, const std::string& key_prefix);

 private:
  std::string_view text_;
  const std::string& file_;
  std::vector<Diagnostic>& diagnostics_;
};

// network.networks (issue 4): name -> {"bridge", "block", "block.cidrs", "allow.cidrs"}. nullopt when any
// problem was reported.
std::optional<std::vector<NetworkDecl>> read_networks(ValueReader& reader, const JsonMember& member);

}  // namespace hardend::config
