#include "probe/probe_options.h"

#include <cctype>

#include "probe/text.h"

namespace hardend::probe {
namespace {

// Upper bounds keep a typo from turning into an hour-long CPU burn or a fork bomb without a limit.
constexpr int64_t kMaxPidsSpawn = 100000;
constexpr int64_t kMaxCpuMeasureMs = 60000;

Result<int> parse_bounded(std::string_view flag, std::string_view text, int64_t max) {
  auto value = parse_decimal_integer(text);
  if (!value || *value < 1 || *value > max)
    return make_error(std::string(flag) + ": '" + std::string(text) + "' is not a number between 1 and " +
                      std::to_string(max));
  return static_cast<int>(*value);
}

}  // namespace

Result<int64_t> parse_byte_count(std::string_view text) {
  std::string_view digits = trim_whitespace(text);
  int shift = 0;
  if (!digits.empty()) {
    switch (std::tolower(static_cast<unsigned char>(digits.back()))) {
      case 'b':
        shift = 0;
        digits.remove_suffix(1);
        break;
      case 'k':
        shift = 10;
        digits.remove_suffix(1);
        break;
      case 'm':
        shift = 20;
        digits.remove_suffix(1);
        break;
      case 'g':
        shift = 30;
        digits.remove_suffix(1);
        break;
      default:
        break;
    }
  }
  auto value = parse_decimal_integer(digits);
  if (!value || *value <= 0 || *value > (int64_t{1} << (62 - shift)))
    return make_error("'" + std::string(text) + "' is not a size such as 1200m or 2g");
  return *value << shift;
}

Result<ProbeOptions> parse_probe_options(const std::vector<std::string>& arguments) {
  ProbeOptions options;
  for (size_t i = 0; i < arguments.size(); ++i) {
    std::string flag = arguments[i];
    std::optional<std::string> inline_value;
    if (size_t equals = flag.find('='); flag.rfind("--", 0) == 0 && equals != std::string::npos) {
      inline_value = flag.substr(equals + 1);
      flag.resize(equals);
    }
    auto take_value = [&]() -> Result<std::string> {
      if (inline_value) return *inline_value;
      if (i + 1 >= arguments.size()) return make_error(flag + " needs a value");
      return arguments[++i];
    };
    auto refuse_value = [&]() -> Status {
      if (inline_value) return make_error(flag + " takes no value");
      return {};
    };
    if (flag == "--memory-allocate") {
      auto value = take_value();
      if (!value) return value.take_error();
      auto bytes = parse_byte_count(*value);
      if (!bytes) return bytes.take_error().context(flag);
      options.memory_allocate_bytes = *bytes;
    } else if (flag == "--pids-spawn") {
      auto value = take_value();
      if (!value) return value.take_error();
      auto count = parse_bounded(flag, *value, kMaxPidsSpawn);
      if (!count) return count.take_error();
      options.pids_spawn = *count;
    } else if (flag == "--cpu-measure") {
      auto value = take_value();
      if (!value) return value.take_error();
      auto milliseconds = parse_bounded(flag, *value, kMaxCpuMeasureMs);
      if (!milliseconds) return milliseconds.take_error();
      options.cpu_measure_ms = *milliseconds;
    } else if (flag == "--pretty" || flag == "--raw" || flag == "--help" || flag == "-h") {
      if (auto status = refuse_value(); !status) return status.take_error();
      (flag == "--pretty" ? options.pretty : flag == "--raw" ? options.raw : options.help) = true;
    } else {
      return make_error("unknown argument '" + arguments[i] + "'");
    }
  }
  return options;
}

std::string probe_usage() {
  return "usage: hardend-probe [--memory-allocate BYTES] [--pids-spawn N] [--cpu-measure MS] [--pretty] "
         "[--raw]\n"
         "Measures, from inside a container, the limits and security settings it runs under and prints one "
         "JSON\n"
         "object. BYTES takes a b/k/m/g suffix (1200m). Exit 0 when it measured, 2 on usage errors.\n";
}

}  // namespace hardend::probe
