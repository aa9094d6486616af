// Applying, checking and removing hardend's rules on a live system (I/O). Every change is ONE
// `iptables-restore --noflush` transaction computed from the live `iptables-save -t filter`
// (restore_payload.h), so a failure at any line leaves the previous rules exactly as they were.
//
// Every function takes IptablesOptions::netns: empty = this host; a name = run the same commands
// through `ip netns exec NAME` (how the lab test proves the rules in network namespaces).
#pragma once

#include <chrono>
#include <string>

#include "common/result.h"
#include "net/drift.h"
#include "net/iptables_save.h"
#include "net/ruleset.h"

namespace hardend::net {

struct IptablesOptions {
  std::string netns;           // "" = the current network namespace
  int lock_wait_seconds = 10;  // iptables-restore -w: wait for the xtables lock instead of failing
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};
};

struct ApplyOutcome {
  std::string payload;  // what was fed to iptables-restore; "" when the live rules already matched
  DriftReport before;   // live vs desired before applying
  DriftReport after;    // re-read after applying: clean unless something changed the rules meanwhile
  bool changed() const { return !payload.empty(); }
};

struct RemoveOutcome {
  std::string payload;  // "" when there was nothing of hardend to remove
  bool changed() const { return !payload.empty(); }
};

// `iptables-save -t filter`, raw text (kept for diagnostics and byte-for-byte comparisons).
Result<std::string> save_filter_table(const IptablesOptions& options);
// The same, parsed.
Result<SavedTable> read_live_table(const IptablesOptions& options);

// Feeds `payload` to `iptables-restore --noflush -w N`. On failure the error names the payload line
// that failed: "iptables-restore failed at payload line 7 (-A HARDEND-USER -i docker-ext ...): <reason>;
// nothing was changed".
Status restore_payload(const std::string& payload, const IptablesOptions& options);

// Makes the live rules match `desired` (no-op when nothing repairable differs). Idempotent.
Result<ApplyOutcome> apply_ruleset(const Ruleset& desired, const IptablesOptions& options);

// Live vs desired. A clean report means `net status` exits 0.
Result<DriftReport> ruleset_status(const Ruleset& desired, const IptablesOptions& options);

// Removes hardend's jumps and chains, nothing else.
Result<RemoveOutcome> remove_rules(const IptablesOptions& options);

}  // namespace hardend::net
