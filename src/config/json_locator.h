// Where every key and value of a JSON text sits. nlohmann/json 3.11 keeps no positions and silently collapses
// duplicate keys, so after nlohmann has accepted the text, this minimal scanner walks it once more and
// records, in file order, each object member (with duplicates) and array element with its line, column and
// byte span.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace hardend::config {

struct TextPosition {
  int line = 1;    // 1-based
  int column = 1;  // 1-based, counted in characters (UTF-8 code points), a tab counts as one
};

// Maps byte offsets of one text to line/column.
class LineIndex {
 public:
  explicit LineIndex(std::string_view text);
  TextPosition position(size_t offset) const;

 private:
  std::string_view text_;
  std::vector<size_t> line_starts_;
};

struct JsonMember;

struct JsonNode {
  enum class Kind { Object, Array, String, Number, Literal };
  Kind kind = Kind::Literal;
  TextPosition position;  // first character of the value
  size_t begin = 0;       // byte span of the value's text, [begin, end)
  size_t end = 0;
  std::vector<JsonMember> members;  // objects: in file order, duplicate keys included
  std::vector<JsonNode> elements;   // arrays
};

struct JsonMember {
  std::string key;            // unescaped
  TextPosition key_position;  // the opening quote of the key
  JsonNode value;
};

// Scans a text that nlohmann::json::parse has accepted (a leading UTF-8 BOM is skipped, as nlohmann does).
// Errors if the text nests deeper than kMaxJsonDepth (the scanner recurses; a config is flat) or is not JSON
// after all; `error_position` then receives where.
inline constexpr int kMaxJsonDepth = 64;
Result<JsonNode> locate_json(std::string_view text, TextPosition* error_position = nullptr);

}  // namespace hardend::config
