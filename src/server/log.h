// The daemon's structured log on stderr: `text` lines ("2024-05-01T10:00:00.123Z info reload ok pools=2") or
// `json` lines ({"ts": ..., "level": ..., "event": ..., fields...}). Thread-safe.
#pragma once

#include <atomic>
#include <mutex>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

namespace hardend::server {

class Log {
 public:
  explicit Log(std::ostream& out) : out_(out) {}
  void set_json(bool json) { json_ = json; }

  void info(const std::string& event, const nlohmann::json& fields = nlohmann::json::object()) {
    write("info", event, fields);
  }
  void warn(const std::string& event, const nlohmann::json& fields = nlohmann::json::object()) {
    write("warning", event, fields);
  }
  void error(const std::string& event, const nlohmann::json& fields = nlohmann::json::object()) {
    write("error", event, fields);
  }

  // One line, as written (exposed for tests).
  static std::string format(bool json, const std::string& timestamp, const std::string& level,
                            const std::string& event, const nlohmann::json& fields);

 private:
  void write(const std::string& level, const std::string& event, const nlohmann::json& fields);

  std::ostream& out_;
  std::mutex mutex_;
  std::atomic<bool> json_{false};
};

}  // namespace hardend::server
