// iptables-restore payloads (pure): what `net apply` and `net remove` feed to
// `iptables-restore --noflush` in ONE transaction for the filter table.
//
// With --noflush, declaring ":HARDEND-INPUT - [0:0]" empties only that chain (creating it when
// missing) and leaves every other chain alone. A jump added with -I would be added again on every
// apply, and -D of a missing rule fails the whole transaction, so the jumps are computed from the
// live table: inserted when missing, extra copies deleted. iptables-restore commits a table
// atomically: a payload that fails at any line changes nothing.
#pragma once

#include <string>
#include <string_view>

#include "net/iptables_save.h"
#include "net/ruleset.h"

namespace hardend::net {

// Where hardend's chains are jumped from (inserted at the top of the chain when missing).
struct JumpPoint {
  std::string_view from;
  std::string_view to;
};
inline constexpr JumpPoint kJumpPoints[] = {{"INPUT", kInputChain}, {kDockerUserChain, kUserChain}};

// The payload that makes `live` match `desired`:
//   - declares (and so empties) HARDEND-INPUT and HARDEND-USER, then appends their rules;
//   - when DOCKER-USER does not exist (no Docker yet, e.g. at boot before dockerd), creates it the way
//     Docker does (":DOCKER-USER", "-A DOCKER-USER -j RETURN"); Docker adopts an existing DOCKER-USER;
//   - inserts "-j DOCKER-USER" at the top of FORWARD when FORWARD has no such jump (as Docker does);
//   - inserts each missing jump into hardend's chains and deletes duplicated ones.
std::string render_apply_payload(const Ruleset& desired, const SavedTable& live);

// The payload that removes hardend: deletes every rule of a chain hardend does not own that jumps
// into an owned chain, then empties and deletes the owned chains. "" when nothing of hardend exists.
// DOCKER-USER and FORWARD's jump to it are left alone (they may carry the operator's own rules).
std::string render_remove_payload(const SavedTable& live);

// The table `net plan` assumes when the live one cannot be read: a Docker host without hardend.
SavedTable assumed_docker_table();

// True for the chains hardend owns (and only for those).
bool is_owned_chain(std::string_view chain);

}  // namespace hardend::net
