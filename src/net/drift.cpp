#include "net/drift.h"

#include <algorithm>

#include "net/restore_payload.h"

namespace hardend::net {
namespace {

// Desired rules go through the same tokenizer as live ones: quoting differences cannot cause drift.
std::vector<std::string> tokens_of(const Rule& rule) {
  Result<std::vector<std::string>> tokens = tokenize_rule_line(rule.spec());
  return tokens ? std::move(*tokens) : std::vector<std::string>{rule.spec()};
}

void compare_chain(std::string_view chain, const std::vector<Rule>& desired, const SavedTable& live,
                   DriftReport& report) {
  if (!live.has_chain(chain)) {
    report.items.push_back(
        {DriftKind::MissingChain, std::string(chain), "chain " + std::string(chain) + " does not exist"});
    return;
  }
  std::vector<SavedRule> live_rules = live.rules_of(chain);
  std::vector<std::vector<std::string>> wanted;
  for (const Rule& rule : desired) wanted.push_back(tokens_of(rule));

  // Multiset difference in both directions; a rule present twice live but once desired is extra.
  std::vector<bool> live_matched(live_rules.size(), false);
  for (size_t i = 0; i < wanted.size(); ++i) {
    bool found = false;
    for (size_t j = 0; j < live_rules.size() && !found; ++j) {
      if (!live_matched[j] && live_rules[j].args == wanted[i]) live_matched[j] = found = true;
    }
    if (!found) report.items.push_back({DriftKind::MissingRule, std::string(chain), desired[i].spec()});
  }
  bool any_extra = false;
  for (size_t j = 0; j < live_rules.size(); ++j) {
    if (live_matched[j]) continue;
    any_extra = true;
    report.items.push_back({DriftKind::ExtraRule, std::string(chain), live_rules[j].line});
  }
  if (any_extra || live_rules.size() != wanted.size()) return;
  for (size_t i = 0; i < wanted.size(); ++i) {
    if (live_rules[i].args != wanted[i]) {
      report.items.push_back({DriftKind::RuleOrder, std::string(chain),
                              "rule " + std::to_string(i + 1) + " should be: " + desired[i].spec()});
      return;
    }
  }
}

void compare_jumps(const SavedTable& live, DriftReport& report) {
  for (const JumpPoint& jump : kJumpPoints) {
    std::string from(jump.from), to(jump.to);
    int count = live.count_plain_jumps(jump.from, jump.to);
    if (count == 0) {
      std::string why = live.has_chain(jump.from) ? "" : " (" + from + " does not exist)";
      report.items.push_back({DriftKind::MissingJump, from, from + " does not jump to " + to + why});
    } else if (count > 1) {
      report.items.push_back({DriftKind::DuplicateJump, from,
                              from + " jumps to " + to + " " + std::to_string(count) + " times"});
    }
  }
  for (const SavedRule& rule : live.rules) {
    if (is_owned_chain(rule.chain) || !is_owned_chain(rule.target())) continue;
    bool canonical = false;
    for (const JumpPoint& jump : kJumpPoints)
      canonical = canonical || (rule.chain == jump.from && rule.args.size() == 2 && rule.args[0] == "-j" &&
                                rule.args[1] == jump.to);
    if (!canonical) report.items.push_back({DriftKind::UnexpectedJump, rule.chain, rule.line});
  }
  if (live.count_plain_jumps("FORWARD", kDockerUserChain) == 0)
    report.items.push_back({DriftKind::DockerUserNotJumped, "FORWARD",
                            "FORWARD does not jump to DOCKER-USER: forwarded container traffic bypasses " +
                                std::string(kUserChain)});
}

}  // namespace

std::string drift_kind_name(DriftKind kind) {
  switch (kind) {
    case DriftKind::MissingChain:
      return "missing-chain";
    case DriftKind::MissingRule:
      return "missing-rule";
    case DriftKind::ExtraRule:
      return "extra-rule";
    case DriftKind::RuleOrder:
      return "rule-order";
    case DriftKind::MissingJump:
      return "missing-jump";
    case DriftKind::DuplicateJump:
      return "duplicate-jump";
    case DriftKind::UnexpectedJump:
      return "unexpected-jump";
    case DriftKind::DockerUserNotJumped:
      return "docker-user-not-jumped";
  }
  return "unknown";
}

std::string DriftItem::str() const {
  switch (kind) {
    case DriftKind::MissingRule:
      return "missing rule in " + chain + ": " + detail;
    case DriftKind::ExtraRule:
      return "extra rule in " + chain + ": " + detail;
    case DriftKind::RuleOrder:
      return "rule order differs in " + chain + ": " + detail;
    case DriftKind::UnexpectedJump:
      return "unexpected jump into a hardend chain: " + detail;
    case DriftKind::MissingChain:
    case DriftKind::MissingJump:
    case DriftKind::DuplicateJump:
    case DriftKind::DockerUserNotJumped:
      return drift_kind_name(kind) + ": " + detail;
  }
  return detail;
}

bool DriftReport::repairable() const {
  for (const DriftItem& item : items)
    if (item.kind != DriftKind::UnexpectedJump) return true;
  return false;
}

std::string DriftReport::str() const {
  std::string out;
  for (const DriftItem& item : items) out += item.str() + "\n";
  return out;
}

DriftReport compare_with_live(const Ruleset& desired, const SavedTable& live) {
  DriftReport report;
  compare_chain(kInputChain, desired.input_rules, live, report);
  compare_chain(kUserChain, desired.user_rules, live, report);
  compare_jumps(live, report);
  return report;
}

nlohmann::json to_json(const DriftReport& report) {
  nlohmann::json items = nlohmann::json::array();
  for (const DriftItem& item : report.items)
    items.push_back({{"kind", drift_kind_name(item.kind)},
                     {"chain", item.chain},
                     {"detail", item.detail},
                     {"message", item.str()}});
  return {{"clean", report.clean()}, {"drift", items}};
}

}  // namespace hardend::net
