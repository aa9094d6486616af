#include "check/report.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/strings.h"

namespace hardend::check {
namespace {

constexpr size_t kStatusWidth = 88;

// Word-wraps `text` into lines of at most `width` characters (a longer word gets a line of its own).
std::vector<std::string> wrap(const std::string& text, size_t width) {
  std::vector<std::string> lines;
  std::string line;
  std::istringstream words(text);
  std::string word;
  while (words >> word) {
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      lines.push_back(line);
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  if (!line.empty() || lines.empty()) lines.push_back(line);
  return lines;
}

struct Row {
  std::string check;
  std::string status;
};

std::string render_rows(const std::vector<Row>& rows) {
  size_t check_width = std::string("Check").size();
  size_t status_width = std::string("Status").size();
  std::vector<std::vector<std::string>> wrapped;
  for (const Row& row : rows) {
    check_width = std::max(check_width, row.check.size());
    wrapped.push_back(wrap(row.status, kStatusWidth));
    for (const auto& line : wrapped.back()) status_width = std::max(status_width, line.size());
  }
  std::string rule =
      "+" + std::string(check_width + 2, '-') + "+" + std::string(status_width + 2, '-') + "+\n";
  auto line = [&](const std::string& left, const std::string& right) {
    return "| " + left + std::string(check_width - left.size(), ' ') + " | " + right +
           std::string(status_width - right.size(), ' ') + " |\n";
  };
  std::string out = rule + line("Check", "Status") + rule;
  for (size_t i = 0; i < rows.size(); ++i)
    for (size_t j = 0; j < wrapped[i].size(); ++j) out += line(j == 0 ? rows[i].check : "", wrapped[i][j]);
  return out + rule;
}

std::string seconds(std::chrono::milliseconds duration) {
  std::ostringstream out;
  out.precision(2);
  out << std::fixed << static_cast<double>(duration.count()) / 1000.0 << " s";
  return out.str();
}

}  // namespace

std::string render_table(const std::vector<ImageReport>& reports) {
  std::string out = std::string(kTableTitle) + "\n";
  for (const ImageReport& report : reports) {
    out += "\nImage: " + report.image + " (" + seconds(report.duration) + ")\n";
    std::vector<Row> rows;
    if (!report.error.empty()) rows.push_back({"Image", "Failed: " + report.error});
    for (const CheckResult& check : report.checks) rows.push_back({check.name, check.status});
    out += render_rows(rows);
    for (const std::string& note : report.notes) out += "note: " + note + "\n";
    size_t failures = static_cast<size_t>(std::count_if(report.checks.begin(), report.checks.end(),
                                                        [](const CheckResult& c) { return !c.passed; }));
    if (!report.error.empty())
      out += "Not checked (see the Image row).\n";
    else if (failures == 0)
      out += "All " + std::to_string(report.checks.size()) + " checks passed.\n";
    else
      out += std::to_string(failures) + " of " + std::to_string(report.checks.size()) + " checks FAILED.\n";
  }
  return out;
}

nlohmann::json to_json(const ImageReport& report) {
  nlohmann::json checks = nlohmann::json::array();
  for (const CheckResult& check : report.checks)
    checks.push_back({{"check", check.name},
                      {"status", check.status},
                      {"passed", check.passed},
                      {"measured", check.measured},
                      {"expected", check.expected}});
  nlohmann::json out{{"image", report.image},
                     {"checks", checks},
                     {"passed", report.passed()},
                     {"duration_ms", report.duration.count()}};
  if (!report.error.empty()) out["error"] = report.error;
  if (!report.notes.empty()) out["notes"] = report.notes;
  return out;
}

nlohmann::json to_json(const std::vector<ImageReport>& reports) {
  nlohmann::json images = nlohmann::json::array();
  int64_t total_ms = 0;
  bool all_passed = true;
  for (const ImageReport& report : reports) {
    images.push_back(to_json(report));
    total_ms += report.duration.count();
    all_passed = all_passed && report.passed();
  }
  return {{"images", images}, {"passed", all_passed && !reports.empty()}, {"duration_ms", total_ms}};
}

namespace {

ImageReport report_from_json(const nlohmann::json& in) {
  ImageReport report;
  report.image = in.value("image", "");
  report.error = in.value("error", "");
  report.duration = std::chrono::milliseconds(in.value("duration_ms", int64_t{0}));
  if (in.contains("notes") && in["notes"].is_array())
    for (const auto& note : in["notes"])
      if (note.is_string()) report.notes.push_back(note.get<std::string>());
  if (in.contains("checks") && in["checks"].is_array())
    for (const auto& check : in["checks"]) {
      if (!check.is_object()) continue;
      report.checks.push_back(CheckResult{check.value("check", ""), check.value("passed", false),
                                          check.value("status", ""), check.value("measured", ""),
                                          check.value("expected", "")});
    }
  return report;
}

}  // namespace

Result<std::vector<ImageReport>> reports_from_json(const nlohmann::json& in) {
  if (!in.is_object()) return Error{"a check report must be a JSON object"};
  if (in.contains("images") && in["images"].is_array()) {
    std::vector<ImageReport> reports;
    for (const auto& image : in["images"])
      if (image.is_object()) reports.push_back(report_from_json(image));
    return reports;
  }
  if (!in.contains("checks")) return Error{"not a check report: neither \"checks\" nor \"images\""};
  return std::vector<ImageReport>{report_from_json(in)};
}

}  // namespace hardend::check
