// Probe-local text helpers. The probe is a static binary that must not pull in hardend_common (which links
// spdlog and nlohmann_json), so it carries its own few lines of parsing instead of reusing
// common/strings.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hardend::probe {

std::string_view trim_whitespace(std::string_view text);
// Splits into lines; a trailing newline does not produce an empty last line.
std::vector<std::string_view> split_lines(std::string_view text);
// Splits on runs of spaces/tabs; never returns empty fields.
std::vector<std::string_view> split_fields(std::string_view text);
std::vector<std::string_view> split_on(std::string_view text, char separator);
// The whole (trimmed) text as a decimal integer; no sign other than a leading '-', no trailing garbage.
std::optional<int64_t> parse_decimal_integer(std::string_view text);
std::optional<uint64_t> parse_hex(std::string_view text);
// "EAGAIN" for EAGAIN; "errno 123" for codes without a name here. Pure (no strerror locale dependence).
std::string errno_name(int error_number);

}  // namespace hardend::probe
