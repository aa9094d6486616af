// Live vs desired (pure): what `net status` reports and `net apply` repairs.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "net/iptables_save.h"
#include "net/ruleset.h"

namespace hardend::net {

enum class DriftKind {
  MissingChain,    // an owned chain does not exist
  MissingRule,     // a desired rule is not in the live chain
  ExtraRule,       // a live rule of an owned chain that is not desired
  RuleOrder,       // same rules, different order (allow-before-drop may be broken)
  MissingJump,     // INPUT / DOCKER-USER does not jump to the owned chain
  DuplicateJump,   // ... jumps to it more than once
  UnexpectedJump,  // another rule (not the canonical "-j CHAIN" of a jump point) references an owned chain
  DockerUserNotJumped,  // FORWARD does not jump to DOCKER-USER: forwarded traffic bypasses HARDEND-USER
};

struct DriftItem {
  DriftKind kind;
  std::string chain;   // where the difference is: "HARDEND-USER", "INPUT", ...
  std::string detail;  // the rule (as rendered / as saved) or the jump concerned
  // "missing rule in HARDEND-USER: -i docker-external -d 10.0.0.0/8 ... -j DROP"
  std::string str() const;
};

struct DriftReport {
  std::vector<DriftItem> items;
  bool clean() const { return items.empty(); }
  // Whether `apply` can repair something: every kind except UnexpectedJump (someone else's rule).
  bool repairable() const;
  std::string str() const;  // one item per line, "" when clean
};

std::string drift_kind_name(DriftKind kind);  // "missing-rule", ...

DriftReport compare_with_live(const Ruleset& desired, const SavedTable& live);

nlohmann::json to_json(const DriftReport& report);

}  // namespace hardend::net
