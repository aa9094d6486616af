#!/usr/bin/env bash
# The unit and integration suites again, built with clang 14 under AddressSanitizer + UndefinedBehaviorSanitizer
# (issue 7, the `sanitize` preset of CMakePresets.json, build dir build-sanitize), against the same real dockerd,
# Podman, iptables and network namespaces as scripts/test.sh. The same build holds the libFuzzer harnesses:
# `HARDEND_FUZZ_BUILD=build-sanitize fuzz/run.sh 60` runs them (.ci/run does).
#   scripts/sanitize.sh [CTEST ARGS...]     e.g. scripts/sanitize.sh -L unit
# Sets up like scripts/setup.sh (dockerd, Podman, test image), installs clang-14, libclang-rt-14-dev and llvm-14
# (the symbolizer for readable reports) when missing. A sanitizer report fails the test that triggered it.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0; fi
log() { printf '[sanitize] %s\n' "$*"; }

bash scripts/setup.sh
packages=(clang-14 libclang-rt-14-dev llvm-14)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

log "building the sanitize preset in build-sanitize"
cmake --preset sanitize >/dev/null
cmake --build --preset sanitize -j"$(nproc)"
export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-14/bin/llvm-symbolizer
# executor.* are Python-only tests of assets/executor.py: nothing of them is instrumented, and scripts/test.sh
# already ran them.
ctest --preset sanitize --timeout 600 -E '^executor\.' "$@"
