#!/usr/bin/env bash
# Builds the libFuzzer harnesses (if needed) and runs each for SECONDS (default 60), one after the other.
#   fuzz/run.sh [SECONDS] [HARNESS...]
# Environment: HARDEND_FUZZ_BUILD (build dir, default <repo>/build-fuzz), HARDEND_FUZZ_JOBS (build -j, default 2),
# HARDEND_FUZZ_UPDATE_CORPUS=1 (merge what the run found into fuzz/corpus/<harness>, minimized, to commit).
# New inputs go to $HARDEND_FUZZ_BUILD/corpus/<harness> (fuzz/corpus is read, not written, unless updating).
# A crash, hang (>10 s for one input), leak or sanitizer report is a non-zero exit; its input is kept in
# fuzz/crashes/<harness>/ (gitignored). Exit status: 0 when no harness failed, 1 otherwise.
set -uo pipefail

fuzz_dir=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$fuzz_dir")
seconds=${1:-60}
shift || true
build=${HARDEND_FUZZ_BUILD:-$repo/build-fuzz}
jobs=${HARDEND_FUZZ_JOBS:-2}
all_harnesses=(config_parse docker_flags image_ref iptables_save executor_frames http_request run_submission listen_address)
if [ $# -eq 0 ]; then harnesses=("${all_harnesses[@]}"); else harnesses=("$@"); fi

if ! [[ $seconds =~ ^[0-9]+$ ]] || [ "$seconds" -eq 0 ]; then
  echo "usage: $0 [SECONDS] [HARNESS...]  (harnesses: ${all_harnesses[*]})" >&2
  exit 2
fi
for tool in clang-14 clang++-14 cmake ninja; do
  command -v "$tool" >/dev/null || { echo "fuzz/run.sh: $tool is missing (apt-get install clang-14 libclang-rt-14-dev cmake ninja-build)" >&2; exit 2; }
done

if [ ! -f "$build/CMakeCache.txt" ]; then
  CC=clang-14 CXX=clang++-14 nice -n 10 cmake -S "$repo" -B "$build" -G Ninja -DHARDEND_FUZZ=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || exit 2
fi
targets=()
for harness in "${harnesses[@]}"; do targets+=("fuzz_$harness"); done
nice -n 10 cmake --build "$build" --target "${targets[@]}" -j "$jobs" >"$build/fuzz-build.log" 2>&1 || {
  tail -40 "$build/fuzz-build.log" >&2
  echo "fuzz/run.sh: build failed (full log: $build/fuzz-build.log)" >&2
  exit 2
}

failed=0
printf '%-16s %10s %10s %8s %8s %8s  %s\n' harness runs exec/s corpus new crash status
for harness in "${harnesses[@]}"; do
  binary="$build/fuzz/fuzz_$harness"
  work="$build/corpus/$harness"
  crashes="$fuzz_dir/crashes/$harness"
  log="$build/fuzz-$harness.log"
  mkdir -p "$work" "$crashes"
  started="$build/fuzz-$harness.started"  # the crash column counts this run's inputs, not older ones kept there
  touch "$started"
  # One process, no fork mode: the machine is shared (nice, one core per harness).
  ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1} \
  UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    nice -n 10 "$binary" "$work" "$fuzz_dir/corpus/$harness" -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$crashes/" >"$log" 2>&1
  status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  new=$(sed -n 's/^stat::new_units_added: *//p' "$log" | tail -1)
  corpus=$(grep -o 'corp: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  found=$(find "$crashes" -type f -newer "$started" | wc -l)
  if [ "$status" -ne 0 ]; then
    failed=1
    verdict="FAILED (exit $status, log $log)"
  else
    verdict=ok
  fi
  printf '%-16s %10s %10s %8s %8s %8s  %s\n' "$harness" "${runs:-?}" "${rate:-?}" "${corpus:-?}" "${new:-?}" \
    "$found" "$verdict"
  if [ "$status" -ne 0 ]; then
    grep -m1 -E 'ERROR: (AddressSanitizer|libFuzzer|LeakSanitizer)|runtime error|fuzz invariant violated' "$log" >&2
    find "$crashes" -type f -newer "$started" -printf '%f\n' >&2
  fi
  if [ "${HARDEND_FUZZ_UPDATE_CORPUS:-0}" = 1 ]; then
    nice -n 10 "$binary" -merge=1 "$fuzz_dir/corpus/$harness" "$work" >>"$log" 2>&1 || true
  fi
done
exit $failed
