// Parsing `iptables-save -t filter` output (pure): the chains of one table and its rules, each rule
// split into tokens the way iptables-restore reads them (quotes removed, \" and \' unescaped), so a
// desired rule and a live rule are compared as token lists, not as strings.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace hardend::net {

struct SavedRule {
  std::string chain;
  std::vector<std::string> args;  // tokens after "-A CHAIN"
  std::string line;               // the line as iptables-save printed it ("-A INPUT -j HARDEND-INPUT")

  // The chain this rule jumps or goes to (-j/-g), or "" for none. Built-in targets (DROP, RETURN, ...)
  // are returned as well; callers compare with the chain names they care about.
  std::string target() const;
};

struct SavedTable {
  bool present = false;             // the "*filter" section was in the output
  std::vector<std::string> chains;  // built-in and user chains, in output order
  std::vector<SavedRule> rules;     // in output order (per chain: rule order)

  bool has_chain(std::string_view chain) const;
  std::vector<SavedRule> rules_of(std::string_view chain) const;
  // How many rules of `chain` are exactly "-j <to>" (the canonical form of a jump hardend adds).
  int count_plain_jumps(std::string_view chain, std::string_view to) const;
};

// Tokenizes one rule line the way iptables-restore does. Errors on an unterminated quote.
Result<std::vector<std::string>> tokenize_rule_line(std::string_view line);

// `table` is the section name without '*'. Output without that section yields present == false.
Result<SavedTable> parse_iptables_save(std::string_view text, std::string_view table = "filter");

}  // namespace hardend::net
