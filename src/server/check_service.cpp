#include "server/check_service.h"

#include <algorithm>

#include "check/report.h"

namespace hardend::server {

using nlohmann::json;

std::variant<check::CheckRequest, HttpAnswer> CheckService::prepare(const config::Config& config,
                                                                    const std::string& body) const {
  json parsed = body.empty() ? json::object() : json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return error_answer(400, "the request body is not valid JSON");
  auto request = check::parse_check_request(parsed, config);
  if (!request.ok()) return error_answer(400, request.error().message);
  if (!probe_.ok()) return error_answer(503, "the daemon cannot check: " + probe_.error().message);
  return std::move(*request);
}

CheckAnswer CheckService::execute(const config::Config& config, const policy::RuntimeFacts& facts,
                                  check::CheckRequest request) const {
  request.options.probe_path = *probe_;
  request.options.labels.insert(labels_.begin(), labels_.end());
  std::vector<check::ImageReport> reports;
  for (const std::string& image : request.images)
    reports.push_back(check::check_image(client_, config, facts, image, request.options));
  json out = request.all_images ? check::to_json(reports) : check::to_json(reports.front());
  bool passed = !reports.empty() && std::all_of(reports.begin(), reports.end(),
                                                [](const check::ImageReport& report) { return report.passed(); });
  return {HttpAnswer{200, out.dump(2, ' ', false, json::error_handler_t::replace) + "\n"}, passed};
}

}  // namespace hardend::server
