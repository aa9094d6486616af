#include "config/json_locator.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace hardend::config {

LineIndex::LineIndex(std::string_view text) : text_(text) {
  line_starts_.push_back(0);
  for (size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n') line_starts_.push_back(i + 1);
}

TextPosition LineIndex::position(size_t offset) const {
  offset = std::min(offset, text_.size());
  auto after = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  size_t line_index = static_cast<size_t>(after - line_starts_.begin()) - 1;
  size_t line_start = line_starts_[line_index];
  int column = 1;
  // A byte order mark is invisible in editors: columns on the first line start after it.
  if (line_start == 0 && text_.substr(0, 3) == "\xEF\xBB\xBF" && offset >= 3) line_start = 3;
  for (size_t i = line_start; i < offset; ++i)
    if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) ++column;  // skip UTF-8 continuation bytes
  return TextPosition{static_cast<int>(line_index) + 1, column};
}

namespace {

// Recursive descent over already-validated JSON; depth is bounded by nlohmann's own acceptance of the text.
class Scanner {
 public:
  Scanner(std::string_view text, TextPosition* error_position)
      : text_(text), lines_(text), error_position_(error_position) {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
  }

  Result<JsonNode> document() {
    skip_space();
    auto node = value();
    if (!node) return node;
    skip_space();
    if (pos_ != text_.size()) return fail("unexpected text after the JSON value");
    return node;
  }

 private:
  Error fail(const std::string& what) const {
    if (error_position_) *error_position_ = lines_.position(pos_);
    return make_error(what);
  }

  void skip_space() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r'))
      ++pos_;
  }

  bool at(char c) const { return pos_ < text_.size() && text_[pos_] == c; }

  Result<JsonNode> value() {
    if (pos_ >= text_.size()) return fail("unexpected end of input");
    JsonNode node;
    node.position = lines_.position(pos_);
    node.begin = pos_;
    char c = text_[pos_];
    if ((c == '{' || c == '[') && depth_ >= kMaxJsonDepth)
      return fail("nested deeper than " + std::to_string(kMaxJsonDepth) +
                  " levels; a config is a flat object");
    if (c == '{') {
      ++depth_;
      node.kind = JsonNode::Kind::Object;
      auto status = object(node);
      --depth_;
      if (!status) return status.take_error();
    } else if (c == '[') {
      ++depth_;
      node.kind = JsonNode::Kind::Array;
      auto status = array(node);
      --depth_;
      if (!status) return status.take_error();
    } else if (c == '"') {
      node.kind = JsonNode::Kind::String;
      auto status = skip_string();
      if (!status) return status.take_error();
    } else {
      node.kind = (c == '-' || (c >= '0' && c <= '9')) ? JsonNode::Kind::Number : JsonNode::Kind::Literal;
      while (pos_ < text_.size() &&
             std::string_view(",]} \t\r\n").find(text_[pos_]) == std::string_view::npos)
        ++pos_;
      if (pos_ == node.begin) return fail("expected a value");
    }
    node.end = pos_;
    return node;
  }

  Status skip_string() {
    ++pos_;  // opening quote
    while (pos_ < text_.size() && text_[pos_] != '"') pos_ += text_[pos_] == '\\' ? 2 : 1;
    if (pos_ >= text_.size()) return fail("unterminated string");
    ++pos_;  // closing quote
    return {};
  }

  Status object(JsonNode& node) {
    ++pos_;
    skip_space();
    if (at('}')) {
      ++pos_;
      return {};
    }
    while (true) {
      skip_space();
      if (!at('"')) return fail("expected a key");
      JsonMember member;
      member.key_position = lines_.position(pos_);
      size_t key_begin = pos_;
      HARDEND_TRY_VOID(skip_string());
      // nlohmann unescapes the key exactly as it did for the parsed document (\uXXXX, surrogate pairs ...).
      auto key = nlohmann::json::parse(text_.substr(key_begin, pos_ - key_begin), nullptr, false);
      if (!key.is_string()) return fail("invalid key");
      member.key = key.get<std::string>();
      skip_space();
      if (!at(':')) return fail("expected ':'");
      ++pos_;
      skip_space();
      auto child = value();
      if (!child) return child.take_error();
      member.value = std::move(*child);
      node.members.push_back(std::move(member));
      skip_space();
      if (at(',')) {
        ++pos_;
        continue;
      }
      if (at('}')) {
        ++pos_;
        return {};
      }
      return fail("expected ',' or '}'");
    }
  }

  Status array(JsonNode& node) {
    ++pos_;
    skip_space();
    if (at(']')) {
      ++pos_;
      return {};
    }
    while (true) {
      skip_space();
      auto child = value();
      if (!child) return child.take_error();
      node.elements.push_back(std::move(*child));
      skip_space();
      if (at(',')) {
        ++pos_;
        continue;
      }
      if (at(']')) {
        ++pos_;
        return {};
      }
      return fail("expected ',' or ']'");
    }
  }

  std::string_view text_;
  LineIndex lines_;
  TextPosition* error_position_;
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

Result<JsonNode> locate_json(std::string_view text, TextPosition* error_position) {
  return Scanner(text, error_position).document();
}

}  // namespace hardend::config
