// A minimal streaming JSON writer. The probe prints one JSON object and must stay a small static binary, so
// it writes JSON by hand instead of linking a JSON library. Method names carry the type
// (number/real/boolean/...) so that a literal never silently picks the wrong overload (const char* -> bool).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hardend::probe {

class JsonWriter {
 public:
  explicit JsonWriter(bool pretty = false) : pretty_(pretty) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  // Inside an object: the key of the next value.
  JsonWriter& key(std::string_view name);

  JsonWriter& string(std::string_view text);
  JsonWriter& number(int64_t value);
  JsonWriter& real(double value);  // 3 decimals: enough for CPU counts and milliseconds
  JsonWriter& boolean(bool value);
  JsonWriter& null();
  JsonWriter& number_or_null(const std::optional<int64_t>& value);
  JsonWriter& real_or_null(const std::optional<double>& value);
  JsonWriter& string_array(const std::vector<std::string>& items);

  // Convenience: key + value.
  JsonWriter& field(std::string_view name, std::string_view text) { return key(name).string(text); }
  JsonWriter& field(std::string_view name, const char* text) { return key(name).string(text); }
  JsonWriter& field(std::string_view name, const std::string& text) { return key(name).string(text); }

  const std::string& text() const { return out_; }

 private:
  void before_value();
  void newline_and_indent();

  struct Level {
    bool is_object;
    bool empty;
  };
  bool pretty_;
  bool after_key_ = false;
  std::vector<Level> levels_;
  std::string out_;
};

std::string json_escape(std::string_view text);

}  // namespace hardend::probe
