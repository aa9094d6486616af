#include "config/config.h"

namespace hardend::config {

std::string Location::str() const {
  std::string position = line > 0 ? std::to_string(line) + ":" + std::to_string(column) : "";
  if (file.empty()) return position;
  return position.empty() ? file : file + ":" + position;
}

// Errors print as "d1.conf:7:3: key: message", the form of the DESIGN.md examples; warnings add "warning: "
// after the location, as compilers do, so an operator can tell what stops a load from what does not.
std::string Diagnostic::str() const {
  std::string out = location.str();
  auto append = [&out](const std::string& part) {
    if (part.empty()) return;
    if (!out.empty()) out += ": ";
    out += part;
  };
  if (severity == Severity::Warning) append("warning");
  append(key);
  append(message);
  return out;
}

}  // namespace hardend::config
