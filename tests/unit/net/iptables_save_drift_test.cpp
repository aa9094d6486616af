// The save files in tests/data/net were recorded with iptables v1.8.9 (nf_tables) on this kind of host:
//   save_docker_host.txt  - the root namespace of a Docker host (no hardend)
//   save_after_apply.txt  - a scratch namespace loaded with save_docker_host.txt, then issue_example.rules
//   save_drift.txt        - the same after deleting rule 4 of HARDEND-USER, the DOCKER-USER jump,
//                           inserting a second INPUT jump and appending a foreign rule to HARDEND-INPUT
#include <gtest/gtest.h>

#include <algorithm>

#include "common/strings.h"
#include "net/drift.h"
#include "net/iptables_save.h"
#include "net/restore_payload.h"
#include "net_test_support.h"

namespace hardend::net {
namespace {

using testing::issue_example_config;
using testing::read_data;
using testing::typical_host_facts;

SavedTable parse_ok(const std::string& text) {
  Result<SavedTable> table = parse_iptables_save(text);
  EXPECT_TRUE(table.ok()) << (table.ok() ? "" : table.error().message);
  return table.ok() ? *table : SavedTable{};
}

Ruleset issue_ruleset() {
  return *build_ruleset(issue_example_config(), typical_host_facts());
}

std::vector<DriftKind> kinds(const DriftReport& report) {
  std::vector<DriftKind> out;
  for (const DriftItem& item : report.items) out.push_back(item.kind);
  return out;
}

TEST(Tokenizer, QuotesAndEscapes) {
  EXPECT_EQ(*tokenize_rule_line(R"(-A X -m comment --comment "a b" -j DROP)"),
            (std::vector<std::string>{"-A", "X", "-m", "comment", "--comment", "a b", "-j", "DROP"}));
  EXPECT_EQ(*tokenize_rule_line(R"(--comment "with \"quote\" and \'single\'")"),
            (std::vector<std::string>{"--comment", "with \"quote\" and 'single'"}));
  EXPECT_EQ(*tokenize_rule_line("  -j   RETURN  "), (std::vector<std::string>{"-j", "RETURN"}));
  EXPECT_FALSE(tokenize_rule_line(R"(--comment "open)").ok());
}

TEST(SaveParser, RecordedDockerHost) {
  SavedTable table = parse_ok(read_data("save_docker_host.txt"));
  EXPECT_TRUE(table.present);
  EXPECT_EQ(table.chains,
            (std::vector<std::string>{"INPUT", "FORWARD", "OUTPUT", "DOCKER", "DOCKER-ISOLATION-STAGE-1",
                                      "DOCKER-ISOLATION-STAGE-2", "DOCKER-USER"}));
  EXPECT_EQ(table.rules_of("FORWARD").size(), 6u);
  EXPECT_EQ(table.count_plain_jumps("FORWARD", "DOCKER-USER"), 1);
  EXPECT_EQ(table.rules_of("FORWARD")[2].target(), "ACCEPT");
  EXPECT_EQ(table.rules_of("FORWARD")[2].args,
            (std::vector<std::string>{"-o", "docker0", "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED",
                                      "-j", "ACCEPT"}));
}

TEST(SaveParser, OtherTablesAndMissingSection) {
  std::string text =
      "*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -j DOCKER\nCOMMIT\n*filter\n:INPUT ACCEPT [0:0]\n"
      "-A INPUT -j HARDEND-INPUT\nCOMMIT\n";
  SavedTable table = parse_ok(text);
  EXPECT_EQ(table.chains, std::vector<std::string>{"INPUT"});
  ASSERT_EQ(table.rules.size(), 1u);
  EXPECT_EQ(table.rules[0].line, "-A INPUT -j HARDEND-INPUT");
  EXPECT_FALSE(parse_ok("").present);
  EXPECT_FALSE(parse_iptables_save("*filter\n:INPUT ACCEPT [0:0]\n").ok());
  Result<SavedTable> garbage = parse_iptables_save("*filter\n-I INPUT -j X\nCOMMIT\n");
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().message.rfind("iptables-save output line 2: ", 0), 0u) << garbage.error().message;
}

TEST(Drift, RecordedApplyMatchesDesiredExactly) {
  // The proof that rendering is canonical: what iptables-save printed after loading the golden payload
  // compares equal to the desired ruleset, rule by rule and line by line.
  SavedTable live = parse_ok(read_data("save_after_apply.txt"));
  Ruleset desired = issue_ruleset();
  DriftReport report = compare_with_live(desired, live);
  EXPECT_TRUE(report.clean()) << report.str();
  std::vector<SavedRule> input = live.rules_of("HARDEND-INPUT");
  ASSERT_EQ(input.size(), desired.input_rules.size());
  for (size_t i = 0; i < input.size(); ++i) EXPECT_EQ(input[i].line, desired.input_rules[i].append_line());
}

TEST(Drift, RecordedDriftIsReportedPrecisely) {
  DriftReport report = compare_with_live(issue_ruleset(), parse_ok(read_data("save_drift.txt")));
  EXPECT_EQ(kinds(report), (std::vector<DriftKind>{DriftKind::ExtraRule, DriftKind::MissingRule,
                                                   DriftKind::DuplicateJump, DriftKind::MissingJump}))
      << report.str();
  EXPECT_EQ(report.items[0].str(),
            "extra rule in HARDEND-INPUT: -A HARDEND-INPUT -s 172.16.0.0/12 -d 10.1.1.1/32 -j DROP");
  EXPECT_EQ(report.items[1].str(),
            "missing rule in HARDEND-USER: -d 10.0.0.0/8 -i docker-external -m comment --comment \"hardend: "
            "network "
            "external blocks internal\" -j DROP");
  EXPECT_EQ(report.items[2].str(), "duplicate-jump: INPUT jumps to HARDEND-INPUT 2 times");
  EXPECT_EQ(report.items[3].str(), "missing-jump: DOCKER-USER does not jump to HARDEND-USER");
  nlohmann::json json = to_json(report);
  EXPECT_FALSE(json["clean"].get<bool>());
  EXPECT_EQ(json["drift"][1]["kind"], "missing-rule");
}

TEST(Drift, NothingAppliedYet) {
  DriftReport report = compare_with_live(issue_ruleset(), parse_ok(read_data("save_docker_host.txt")));
  EXPECT_EQ(kinds(report), (std::vector<DriftKind>{DriftKind::MissingChain, DriftKind::MissingChain,
                                                   DriftKind::MissingJump, DriftKind::MissingJump}))
      << report.str();
}

TEST(Drift, OrderMattersAndForeignJumpsAreReported) {
  Ruleset desired = issue_ruleset();
  std::string text = read_data("save_after_apply.txt");
  // Swap the first two HARDEND-USER rules: the same rules in another order (established no longer first).
  std::vector<std::string> lines = split(text, "\n");
  auto first = std::find_if(lines.begin(), lines.end(),
                            [](const std::string& l) { return l.rfind("-A HARDEND-USER", 0) == 0; });
  ASSERT_NE(first, lines.end());
  std::iter_swap(first, first + 1);
  lines.insert(lines.begin() + 12, "-A OUTPUT -o eth0 -j HARDEND-INPUT");
  DriftReport report = compare_with_live(desired, parse_ok(join(lines, "\n")));
  EXPECT_EQ(kinds(report), (std::vector<DriftKind>{DriftKind::RuleOrder, DriftKind::UnexpectedJump}))
      << report.str();
  EXPECT_NE(report.items[0].str().find("rule 1 should be: -m conntrack"), std::string::npos) << report.str();
  EXPECT_TRUE(report.repairable());
  DriftReport only_foreign;
  only_foreign.items.push_back(report.items[1]);
  EXPECT_FALSE(only_foreign.repairable());
}

TEST(Drift, DuplicatedRuleIsExtra) {
  std::string text = read_data("save_after_apply.txt");
  std::vector<std::string> lines = split(text, "\n");
  auto last_user = std::find_if(lines.rbegin(), lines.rend(),
                                [](const std::string& l) { return l.rfind("-A HARDEND-USER", 0) == 0; });
  std::string duplicate = *last_user;
  lines.insert(last_user.base(), duplicate);
  DriftReport report = compare_with_live(issue_ruleset(), parse_ok(join(lines, "\n")));
  ASSERT_EQ(kinds(report), std::vector<DriftKind>{DriftKind::ExtraRule}) << report.str();
  EXPECT_EQ(report.items[0].detail, duplicate);
}

TEST(Drift, NoForwardJumpToDockerUser) {
  std::string text = read_data("save_after_apply.txt");
  std::vector<std::string> lines = split(text, "\n");
  lines.erase(std::remove(lines.begin(), lines.end(), "-A FORWARD -j DOCKER-USER"), lines.end());
  DriftReport report = compare_with_live(issue_ruleset(), parse_ok(join(lines, "\n")));
  EXPECT_EQ(kinds(report), std::vector<DriftKind>{DriftKind::DockerUserNotJumped}) << report.str();
}

TEST(ApplyPayload, JumpsComputedFromLiveState) {
  Ruleset desired = issue_ruleset();
  // Already applied: chains are re-declared (emptied) and refilled, no jump is added twice.
  std::string again = render_apply_payload(desired, parse_ok(read_data("save_after_apply.txt")));
  EXPECT_EQ(again.find("-I INPUT"), std::string::npos);
  EXPECT_EQ(again.find("-I DOCKER-USER"), std::string::npos);
  EXPECT_EQ(again.find("-I FORWARD"), std::string::npos);
  EXPECT_EQ(again.find(":DOCKER-USER"), std::string::npos) << "DOCKER-USER must never be flushed";

  // Drifted: the missing jump is inserted and the duplicated one deleted once.
  std::string repair = render_apply_payload(desired, parse_ok(read_data("save_drift.txt")));
  EXPECT_NE(repair.find("\n-I DOCKER-USER -j HARDEND-USER\n"), std::string::npos);
  EXPECT_NE(repair.find("\n-D INPUT -j HARDEND-INPUT\n"), std::string::npos);
  EXPECT_EQ(repair.find("-I INPUT"), std::string::npos);
  EXPECT_EQ(repair.find("-D INPUT -j HARDEND-INPUT\n-D INPUT"), std::string::npos);
}

TEST(ApplyPayload, CreatesDockerUserLikeDockerWhenMissing) {
  SavedTable bare =
      parse_ok("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n");
  std::string payload = render_apply_payload(issue_ruleset(), bare);
  size_t declare = payload.find(":DOCKER-USER - [0:0]\n");
  size_t docker_return = payload.find("-A DOCKER-USER -j RETURN\n");
  size_t forward = payload.find("-I FORWARD -j DOCKER-USER\n");
  size_t jump = payload.find("-I DOCKER-USER -j HARDEND-USER\n");
  ASSERT_NE(declare, std::string::npos);
  ASSERT_NE(docker_return, std::string::npos);
  ASSERT_NE(forward, std::string::npos);
  ASSERT_NE(jump, std::string::npos);
  EXPECT_LT(declare, docker_return);
  EXPECT_LT(docker_return, jump);  // -I puts hardend's jump before Docker's RETURN
  EXPECT_EQ(payload.substr(payload.size() - 7), "COMMIT\n");
}

TEST(RemovePayload, RemovesOnlyHardendReferencesAndChains) {
  std::string payload = render_remove_payload(parse_ok(read_data("save_drift.txt")));
  EXPECT_EQ(payload,
            "# hardend network hardening (docs/NETWORK.md); load with iptables-restore --noflush\n"
            "*filter\n"
            "-D INPUT -j HARDEND-INPUT\n"
            "-D INPUT -j HARDEND-INPUT\n"
            ":HARDEND-INPUT - [0:0]\n"
            ":HARDEND-USER - [0:0]\n"
            "-X HARDEND-INPUT\n"
            "-X HARDEND-USER\n"
            "COMMIT\n");
  EXPECT_EQ(render_remove_payload(parse_ok(read_data("save_docker_host.txt"))), "");
  std::string with_foreign = render_remove_payload(parse_ok(
      "*filter\n:INPUT ACCEPT [0:0]\n:HARDEND-INPUT - [0:0]\n-A INPUT -s 10.0.0.0/8 -m comment --comment "
      "\"x y\" -j HARDEND-INPUT\nCOMMIT\n"));
  EXPECT_NE(with_foreign.find("\n-D INPUT -s 10.0.0.0/8 -m comment --comment \"x y\" -j HARDEND-INPUT\n"),
            std::string::npos);
}

}  // namespace
}  // namespace hardend::net
