#include "server/log.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace hardend::server {
namespace {

std::string utc_timestamp() {
  auto now = std::chrono::system_clock::now();
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[96];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(millis));
  return buffer;
}

}  // namespace

std::string Log::format(bool json, const std::string& timestamp, const std::string& level, const std::string& event,
                        const nlohmann::json& fields) {
  if (json) {
    nlohmann::json line{{"ts", timestamp}, {"level", level}, {"event", event}};
    for (const auto& [key, value] : fields.items()) line[key] = value;
    return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  std::string line = timestamp + " " + level + " " + event;
  for (const auto& [key, value] : fields.items()) {
    // Replace, never throw: fields carry what the system reported (iptables comments, paths) in any encoding.
    std::string shown = value.is_string() ? value.get<std::string>()
                                          : value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    bool quote = shown.empty() || shown.find_first_of(" \"=") != std::string::npos;
    line += " " + key + "=" + (quote ? nlohmann::json(shown).dump(-1, ' ', false,
                                                                 nlohmann::json::error_handler_t::replace)
                                     : shown);
  }
  return line;
}

void Log::write(const std::string& level, const std::string& event, const nlohmann::json& fields) {
  std::string line = format(json_, utc_timestamp(), level, event, fields);
  std::lock_guard lock(mutex_);
  // A write that failed once (disk full) leaves the stream's error bits set, and every later write would be
  // dropped even after space came back: clear them and try each line afresh.
  if (!out_) out_.clear();
  out_ << line << "\n";
  out_.flush();
}

}  // namespace hardend::server
