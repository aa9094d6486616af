#!/usr/bin/env bash
# `hardend run` vs `docker run --rm` with the same hardening flags, same image, same command, same run.
# Prints median and p90 wall time of N runs each (interleaved, so machine noise hits both alike) and the ratio.
# usage: bench/run_latency.sh [N=20] [IMAGE=hardend/python:3.11]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20}
image=${2:-hardend/python:3.11}
hardend=${HARDEND_BIN:-./build/hardend}
docker_cli=$(command -v docker) || { echo "needs the docker CLI for the baseline" >&2; exit 2; }

# The same flags hardend applies, as `hardend policy` renders them.
mapfile -t flags < <("$hardend" policy --json "$image" | python3 -c 'import json,sys; [print(a) for a in json.load(sys.stdin)["docker_run_args"]]')

now() { date +%s%N; }
hardend_ms=(); docker_ms=()
"$hardend" run "$image" -- true >/dev/null            # warm the image cache for both
"$docker_cli" run --rm "${flags[@]}" "$image" true >/dev/null
for _ in $(seq 1 "$n"); do
  t0=$(now); "$hardend" run "$image" -- true >/dev/null; t1=$(now)
  "$docker_cli" run --rm "${flags[@]}" "$image" true >/dev/null; t2=$(now)
  hardend_ms+=($(( (t1 - t0) / 1000000 ))); docker_ms+=($(( (t2 - t1) / 1000000 )))
done

python3 - "$n" "${hardend_ms[*]}" "${docker_ms[*]}" "${flags[*]}" <<'PY'
import statistics, sys
n = int(sys.argv[1])
h = sorted(map(int, sys.argv[2].split())); d = sorted(map(int, sys.argv[3].split()))
p90 = lambda xs: xs[min(len(xs) - 1, int(round(0.9 * (len(xs) - 1))))]
print(f"flags: {sys.argv[4]}")
print(f"{'':28}{'median ms':>10}{'p90 ms':>10}")
print(f"{'docker run --rm (baseline)':28}{statistics.median(d):>10.0f}{p90(d):>10}")
print(f"{'hardend run':28}{statistics.median(h):>10.0f}{p90(h):>10}")
print(f"ratio hardend/docker (median): {statistics.median(h) / statistics.median(d):.2f}  (n={n}, interleaved)")
PY
