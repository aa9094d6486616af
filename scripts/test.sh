#!/usr/bin/env bash
# Sets everything up (scripts/setup.sh) and runs the whole test suite: unit, integration (real dockerd),
# lab (network namespaces) and executor tests, through CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Integration tests refuse to skip in CI: the daemon must be there.
ctest --test-dir build --output-on-failure --timeout 600 "$@"
