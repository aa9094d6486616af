// Sizes as docker accepts them: a number with an optional b/k/m/g suffix (case-insensitive), fractions allowed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace hardend {

// "512m" -> 536870912, "1.5g" -> 1610612736, "1024" -> 1024 bytes. Errors say what was expected.
Result<int64_t> parse_size(std::string_view text);
// 1073741824 -> "1g", 1610612736 -> "1536m", 1000 -> "1000b": the shortest exact form.
std::string format_size(int64_t bytes);

}  // namespace hardend
