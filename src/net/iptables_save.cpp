#include "net/iptables_save.h"

#include <algorithm>

#include "common/strings.h"

namespace hardend::net {

std::string SavedRule::target() const {
  for (size_t i = 0; i + 1 < args.size(); ++i)
    if (args[i] == "-j" || args[i] == "-g" || args[i] == "--jump" || args[i] == "--goto") return args[i + 1];
  return {};
}

bool SavedTable::has_chain(std::string_view chain) const {
  return std::find(chains.begin(), chains.end(), chain) != chains.end();
}

std::vector<SavedRule> SavedTable::rules_of(std::string_view chain) const {
  std::vector<SavedRule> out;
  for (const SavedRule& rule : rules)
    if (rule.chain == chain) out.push_back(rule);
  return out;
}

int SavedTable::count_plain_jumps(std::string_view chain, std::string_view to) const {
  int count = 0;
  for (const SavedRule& rule : rules)
    if (rule.chain == chain && rule.args.size() == 2 && rule.args[0] == "-j" && rule.args[1] == to) ++count;
  return count;
}

Result<std::vector<std::string>> tokenize_rule_line(std::string_view line) {
  std::vector<std::string> tokens;
  std::string current;
  bool in_token = false;
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == '\\' && i + 1 < line.size() &&
        (line[i + 1] == '"' || line[i + 1] == '\'' || line[i + 1] == '\\')) {
      current += line[++i];
      in_token = true;
    } else if (quote != 0) {
      if (c == quote) {
        quote = 0;
      } else {
        current += c;
      }
    } else if (c == '"' || c == '\'') {
      quote = c;
      in_token = true;
    } else if (c == ' ' || c == '\t') {
      if (in_token) tokens.push_back(std::move(current));
      current.clear();
      in_token = false;
    } else {
      current += c;
      in_token = true;
    }
  }
  if (quote != 0) return make_error("unterminated quote in rule: " + std::string(line));
  if (in_token) tokens.push_back(std::move(current));
  return tokens;
}

Result<SavedTable> parse_iptables_save(std::string_view text, std::string_view table) {
  SavedTable saved;
  bool inside = false;
  int line_number = 0;
  for (const std::string& raw_line : split(text, "\n")) {
    ++line_number;
    std::string_view line = trim(raw_line);
    auto fail = [&](const std::string& why) {
      return make_error("iptables-save output line " + std::to_string(line_number) + ": " + why);
    };
    if (line.empty() || line.front() == '#') continue;
    if (line.front() == '*') {
      if (inside) return fail("table *" + std::string(table) + " has no COMMIT");
      inside = line.substr(1) == table;
      saved.present = saved.present || inside;
      continue;
    }
    if (!inside) continue;
    if (line == "COMMIT") {
      inside = false;
      continue;
    }
    if (line.front() == ':') {
      size_t space = line.find(' ');
      std::string chain(line.substr(1, space == std::string_view::npos ? std::string_view::npos : space - 1));
      if (chain.empty()) return fail("chain declaration without a name");
      saved.chains.push_back(chain);
      continue;
    }
    Result<std::vector<std::string>> tokens = tokenize_rule_line(line);
    if (!tokens) return fail(tokens.error().message);
    if (tokens->size() < 2 || (*tokens)[0] != "-A")
      return fail("expected \"-A CHAIN ...\", got: " + std::string(line));
    SavedRule rule;
    rule.chain = (*tokens)[1];
    rule.args.assign(tokens->begin() + 2, tokens->end());
    rule.line = std::string(line);
    saved.rules.push_back(std::move(rule));
  }
  if (inside) return make_error("iptables-save output: table *" + std::string(table) + " has no COMMIT");
  return saved;
}

}  // namespace hardend::net
