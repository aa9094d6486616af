#!/usr/bin/env bash
# End-to-end latency of one trivial script: `hardend script` (create, attach, start, executor bootstrap, the
# script, wait, inspect, remove) against `docker run --rm` with the same hardening flags (`hardend policy --json`
# docker_run_args) on the same image running the same one-line program. Median of N runs of each, interleaved so
# that load on a shared machine hits both alike.
#
# Usage: bench/script_latency.sh [HARDEND_BINARY] [IMAGE] [RUNS]
#        (defaults: build/hardend, hardend/python:3.11, 20)
set -euo pipefail

hardend=${1:-build/hardend}
image=${2:-hardend/python:3.11}
runs=${3:-20}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf "print('hi')\n" > "$work/Trivial.py"

mapfile -t flags < <("$hardend" policy --json "$image" | python3 -c \
  'import json, sys; print("\n".join(json.load(sys.stdin)["docker_run_args"]))')

now_ms() { date +%s%N | cut -c1-13; }

# One warm-up of each (page cache, image layers), not counted.
"$hardend" script "$work/Trivial.py" --image "$image" > /dev/null
docker run --rm -i "${flags[@]}" --label io.hardend.test=1 "$image" python3 -u -c "print('hi')" > /dev/null

: > "$work/hardend.ms"
: > "$work/docker.ms"
for ((i = 0; i < runs; i++)); do
  start=$(now_ms)
  out=$("$hardend" script "$work/Trivial.py" --image "$image")
  echo $(( $(now_ms) - start )) >> "$work/hardend.ms"
  [[ "$out" == "hi" ]] || { echo "hardend script printed: $out" >&2; exit 1; }

  start=$(now_ms)
  out=$(docker run --rm -i "${flags[@]}" --label io.hardend.test=1 "$image" python3 -u -c "print('hi')")
  echo $(( $(now_ms) - start )) >> "$work/docker.ms"
  [[ "$out" == "hi" ]] || { echo "docker run printed: $out" >&2; exit 1; }
done

python3 - "$work/hardend.ms" "$work/docker.ms" "$runs" "$image" <<'PY'
import statistics, sys
hardend = [int(x) for x in open(sys.argv[1])]
docker = [int(x) for x in open(sys.argv[2])]
runs, image = sys.argv[3], sys.argv[4]
print(f"Trivial script (print('hi')) on {image}, median of {runs} runs each (ms), load average "
      f"{open('/proc/loadavg').read().split()[0]}:")
print(f"{'':36} {'median':>7} {'min':>6} {'max':>6}")
for name, values in (("hardend script", hardend), ("docker run --rm (same flags)", docker)):
    print(f"{name:36} {statistics.median(values):7.0f} {min(values):6d} {max(values):6d}")
print(f"{'ratio hardend / docker (median)':36} {statistics.median(hardend) / statistics.median(docker):7.2f}")
PY
