// Small string helpers shared by every layer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hardend {

std::string_view trim(std::string_view s);
std::string to_lower(std::string_view s);
// Splits on every occurrence of `sep` (a multi-character separator such as "##" is fine).
// Empty pieces are kept; callers decide whether an empty piece is an error.
std::vector<std::string> split(std::string_view s, std::string_view sep);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
size_t edit_distance(std::string_view a, std::string_view b);
// The candidate closest to `word` when it is close enough to be a plausible typo.
std::optional<std::string> closest_match(std::string_view word, const std::vector<std::string>& candidates);
// Strict integer / decimal parsing of the whole string (no trailing garbage, no empty string).
std::optional<int64_t> parse_int(std::string_view s);
std::optional<double> parse_decimal(std::string_view s);

}  // namespace hardend
