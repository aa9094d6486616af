// What `hardend net plan/apply/status` print (pure): text for people, JSON for scripts.
#include "common/strings.h"
#include "net/orchestrate.h"
#include "net/plan.h"

namespace hardend::net {
namespace {

std::string network_line(const NetworkCheck& check, std::string_view missing_word) {
  std::string line = "  " + check.name + "  bridge " + check.bridge + "  ";
  switch (check.state) {
    case NetworkState::Ok:
      line += check.managed ? "exists" : "exists (not created by hardend: `net remove --networks` leaves it)";
      break;
    case NetworkState::Missing:
      line += std::string(missing_word);
      break;
    case NetworkState::Conflict:
      line += "CONFLICT: " + join(check.problems, "; ");
      break;
    case NetworkState::Unknown:
      line += "unknown (daemon not asked)";
      break;
  }
  return line + "\n";
}

nlohmann::json network_checks_json(const std::vector<NetworkCheck>& checks) {
  nlohmann::json out = nlohmann::json::array();
  for (const NetworkCheck& check : checks)
    out.push_back({{"name", check.name},
                   {"bridge", check.bridge},
                   {"state", network_state_name(check.state)},
                   {"managed", check.managed},
                   {"problems", check.problems}});
  return out;
}

}  // namespace

std::string describe_plan_report(const PlanReport& report) {
  std::string out;
  if (!report.view.networks.empty()) {
    out += "Docker networks (created by `net apply` when missing):\n";
    for (const NetworkCheck& check : report.view.networks) out += network_line(check, "would be created");
  }
  if (report.drift && report.drift->clean()) {
    out += "Live rules: match the plan (`net apply` would change nothing)\n";
  } else if (report.drift) {
    out += "Live rules differ from the plan (`net apply` repairs):\n";
    for (const DriftItem& item : report.drift->items) out += "  " + item.str() + "\n";
  } else {
    out += "Live rules: not read: " + report.table_note + "\n";
  }
  out += describe_plan(report.view.ruleset, report.payload);
  return out;
}

nlohmann::json plan_report_to_json(const PlanReport& report) {
  nlohmann::json out = plan_to_json(report.view.ruleset, report.payload);
  out["docker_networks"] = network_checks_json(report.view.networks);
  out["live_table"] = report.live_table;
  out["table_note"] = report.table_note;
  out["live_rules"] = report.drift ? to_json(*report.drift) : nlohmann::json();
  out["warnings"] = report.view.warnings;
  return out;
}

std::string describe_apply_report(const ApplyReport& report) {
  std::string out;
  for (const std::string& name : report.created_networks) out += "created Docker network " + name + "\n";
  if (!report.rules.changed()) {
    out += "rules: already in place, nothing changed\n";
  } else {
    out += "rules: applied in one iptables-restore transaction, repairing:\n";
    for (const DriftItem& item : report.rules.before.items) out += "  " + item.str() + "\n";
  }
  if (!report.rules.after.clean())
    out += "still differing after apply (not hardend's to repair):\n" + report.rules.after.str() + "\n";
  if (!report.changed()) out += "nothing changed\n";
  return out;
}

nlohmann::json apply_report_to_json(const ApplyReport& report) {
  return {{"changed", report.changed()},
          {"created_networks", report.created_networks},
          {"networks", network_checks_json(report.networks)},
          {"rules_changed", report.rules.changed()},
          {"payload", report.rules.payload},
          {"before", to_json(report.rules.before)},
          {"after", to_json(report.rules.after)},
          {"warnings", report.warnings}};
}

std::string describe_status_report(const StatusReport& report) {
  std::string out = "Docker networks:\n";
  if (report.networks.empty()) out += "  (none declared in network.networks)\n";
  for (const NetworkCheck& check : report.networks) out += network_line(check, "MISSING");
  if (report.rules.clean()) {
    out += "Rules: in place\n";
  } else {
    out += "Rules: drift (" +
           std::string(report.rules.repairable() ? "`hardend net apply` repairs it"
                                                 : "partly someone else's rule") +
           "):\n";
    for (const DriftItem& item : report.rules.items) out += "  " + item.str() + "\n";
  }
  out += report.clean() ? "status: clean\n" : "status: DRIFT\n";
  return out;
}

nlohmann::json status_report_to_json(const StatusReport& report) {
  return {{"clean", report.clean()},
          {"networks", network_checks_json(report.networks)},
          {"rules", to_json(report.rules)},
          {"warnings", report.warnings}};
}

}  // namespace hardend::net
