#include "common/units.h"

#include <cmath>

#include "common/strings.h"

namespace hardend {

Result<int64_t> parse_size(std::string_view text) {
  std::string s = to_lower(trim(text));
  const std::string expected = "expected a size such as 512m, 1g or 1.5g (suffix b, k, m or g)";
  if (s.empty()) return make_error("empty size; " + expected);
  int64_t multiplier = 1;
  switch (s.back()) {
    case 'b': multiplier = 1; s.pop_back(); break;
    case 'k': multiplier = int64_t{1} << 10; s.pop_back(); break;
    case 'm': multiplier = int64_t{1} << 20; s.pop_back(); break;
    case 'g': multiplier = int64_t{1} << 30; s.pop_back(); break;
    default: break;
  }
  // Docker also accepts "kb", "mb", "gb": strip a trailing b after the unit.
  if (multiplier == 1 && s.size() >= 2) {
    char unit = s.back();
    if (unit == 'k' || unit == 'm' || unit == 'g') {
      multiplier = unit == 'k' ? int64_t{1} << 10 : unit == 'm' ? int64_t{1} << 20 : int64_t{1} << 30;
      s.pop_back();
    }
  }
  auto number = parse_decimal(s);
  if (!number) return make_error("'" + std::string(text) + "' is not a size; " + expected);
  if (*number < 0) return make_error("'" + std::string(text) + "' is negative; " + expected);
  double bytes = *number * static_cast<double>(multiplier);
  if (bytes >= 9.0e18) return make_error("'" + std::string(text) + "' is too large");
  return static_cast<int64_t>(std::llround(bytes));
}

std::string format_size(int64_t bytes) {
  if (bytes < 0) return std::to_string(bytes);
  const int64_t g = int64_t{1} << 30, m = int64_t{1} << 20, k = int64_t{1} << 10;
  if (bytes != 0 && bytes % g == 0) return std::to_string(bytes / g) + "g";
  if (bytes != 0 && bytes % m == 0) return std::to_string(bytes / m) + "m";
  if (bytes != 0 && bytes % k == 0) return std::to_string(bytes / k) + "k";
  return std::to_string(bytes) + "b";
}

}  // namespace hardend
