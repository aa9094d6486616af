#include "net/restore_payload.h"

namespace hardend::net {
namespace {

constexpr std::string_view kHeader =
    "# hardend network hardening (docs/NETWORK.md); load with iptables-restore --noflush\n";

std::string chain_declaration(std::string_view chain) {
  return ":" + std::string(chain) + " - [0:0]\n";
}

}  // namespace

bool is_owned_chain(std::string_view chain) {
  return chain == kInputChain || chain == kUserChain;
}

std::string render_apply_payload(const Ruleset& desired, const SavedTable& live) {
  std::string out(kHeader);
  out += "*filter\n";
  out += chain_declaration(kInputChain);
  out += chain_declaration(kUserChain);
  bool create_docker_user = !live.has_chain(kDockerUserChain);
  if (create_docker_user) out += chain_declaration(kDockerUserChain);
  for (const Rule& rule : desired.input_rules) out += rule.append_line() + "\n";
  for (const Rule& rule : desired.user_rules) out += rule.append_line() + "\n";
  if (create_docker_user) out += "-A " + std::string(kDockerUserChain) + " -j RETURN\n";
  if (live.count_plain_jumps("FORWARD", kDockerUserChain) == 0)
    out += "-I FORWARD -j " + std::string(kDockerUserChain) + "\n";
  for (const JumpPoint& jump : kJumpPoints) {
    int present = live.count_plain_jumps(jump.from, jump.to);
    if (present == 0) out += "-I " + std::string(jump.from) + " -j " + std::string(jump.to) + "\n";
    for (int extra = 1; extra < present; ++extra)
      out += "-D " + std::string(jump.from) + " -j " + std::string(jump.to) + "\n";
  }
  out += "COMMIT\n";
  return out;
}

std::string render_remove_payload(const SavedTable& live) {
  std::string body;
  for (const SavedRule& rule : live.rules) {
    if (is_owned_chain(rule.chain) || !is_owned_chain(rule.target())) continue;
    // The saved line is valid restore input; "-A CHAIN ..." becomes "-D CHAIN ...".
    body += "-D" + rule.line.substr(2) + "\n";
  }
  // Empty both owned chains before deleting either, so that neither is still referenced by the other.
  for (std::string_view chain : {kInputChain, kUserChain})
    if (live.has_chain(chain)) body += chain_declaration(chain);
  for (std::string_view chain : {kInputChain, kUserChain})
    if (live.has_chain(chain)) body += "-X " + std::string(chain) + "\n";
  if (body.empty()) return {};
  return std::string(kHeader) + "*filter\n" + body + "COMMIT\n";
}

SavedTable assumed_docker_table() {
  SavedTable table;
  table.present = true;
  table.chains = {"INPUT", "FORWARD", "OUTPUT", "DOCKER", "DOCKER-USER"};
  table.rules.push_back(SavedRule{"FORWARD", {"-j", "DOCKER-USER"}, "-A FORWARD -j DOCKER-USER"});
  table.rules.push_back(SavedRule{"DOCKER-USER", {"-j", "RETURN"}, "-A DOCKER-USER -j RETURN"});
  return table;
}

}  // namespace hardend::net
