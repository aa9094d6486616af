// Fuzz harness: the iptables-save parser (net/iptables_save.h) and the drift comparison that `net status`,
// `net apply` and the daemon's reconciliation run on what it returns. Input: byte 0 picks the table (filter, nat,
// raw, mangle), the rest is `iptables-save` output, which another program writes and an administrator may edit.
// Invariants: each parsed rule re-tokenizes to "-A CHAIN ARGS..."; the per-chain views add up; the drift against
// a fixed desired ruleset is computed and rendered without throwing, the way its consumers render it: `hardend net
// status --json` (dump with invalid UTF-8 replaced) and the daemon's reconciliation log line
// ("network.drift.repaired" with the drift as a field, server/net_reconcile.cpp), in text and JSON log formats.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "fuzz_check.h"
#include "net/drift.h"
#include "net/facts.h"
#include "net/iptables_save.h"
#include "net/ruleset.h"
#include "server/log.h"

namespace {

using hardend::fuzz::require;

const hardend::net::Ruleset& desired_ruleset() {
  static const hardend::net::Ruleset ruleset = [] {
    hardend::net::NetFacts facts;
    facts.host_addresses = {{0xC6336407u /* 198.51.100.7 */, "eth0"}, {0xAC110001u /* 172.17.0.1 */, "docker0"}};
    facts.docker_networks = {{"bridge", "bridge", "docker0", {"172.17.0.0/16"}, {"172.17.0.1"}}};
    auto built = hardend::net::build_ruleset(hardend::config::default_config(), facts);
    require(built.ok(), "the default config builds a ruleset");
    return *built;
  }();
  return ruleset;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  constexpr std::string_view kTables[] = {"filter", "nat", "raw", "mangle"};
  std::string_view table = kTables[data[0] % 4];
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);

  auto saved = hardend::net::parse_iptables_save(text, table);
  if (!saved) {
    require(!saved.error().message.empty(), "a refused dump says why");
    return 0;
  }
  size_t counted = 0;
  for (const auto& chain : saved->chains) {
    require(saved->has_chain(chain), "a listed chain is found");
  }
  for (const auto& rule : saved->rules) {
    auto tokens = hardend::net::tokenize_rule_line(rule.line);
    require(tokens.ok() && tokens->size() == rule.args.size() + 2 && (*tokens)[0] == "-A" &&
                (*tokens)[1] == rule.chain,
            "a parsed rule re-tokenizes to -A CHAIN ARGS");
    for (size_t i = 0; i < rule.args.size(); ++i) require((*tokens)[i + 2] == rule.args[i], "same arguments");
    (void)rule.target();
    counted += saved->rules_of(rule.chain).empty() ? 0 : 1;
  }
  require(counted == saved->rules.size(), "every rule is found among the rules of its chain");

  auto drift = hardend::net::compare_with_live(desired_ruleset(), *saved);
  (void)drift.str();
  (void)drift.repairable();
  nlohmann::json drift_json = hardend::net::to_json(drift);
  (void)drift_json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  nlohmann::json fields{{"when", "periodic"}, {"networks_created", nlohmann::json::array()}, {"drift", drift_json}};
  for (bool json_format : {false, true}) {
    auto line = hardend::server::Log::format(json_format, "2026-01-01T00:00:00Z", "warn", "network.drift.repaired", fields);
    require(!line.empty(), "the reconciliation log line renders");
  }
  if (!saved->present) require(!drift.clean(), "a missing table is drift");
  return 0;
}
