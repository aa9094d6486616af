// Invariant checks inside harnesses: a violated one is a finding, so it aborts (libFuzzer keeps the input; the
// replay test fails). Parsers themselves must never abort: this is only for the harness's own assertions.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace hardend::fuzz {

inline void require(bool condition, std::string_view what) {
  if (condition) return;
  std::fprintf(stderr, "fuzz invariant violated: %.*s\n", static_cast<int>(what.size()), what.data());
  std::abort();
}

}  // namespace hardend::fuzz
