#!/usr/bin/env bash
# End-to-end tests of the `hardend` command line against the real daemon: exit codes, output, --json, errors,
# Ctrl-C, and that no container is left behind. usage: cli_test.sh BUILD_DIR SOURCE_DIR
set -uo pipefail
build=${1:?build dir}; src=${2:?source dir}
hardend="$build/hardend"
image=hardend/python:3.11
work=$(mktemp -d /tmp/hardend-cli-test.XXXXXX)
passed=0; failed=0

cleanup() {
  # Remove anything this test created, even after a failure.
  for id in $(curl -s --unix-socket /var/run/docker.sock \
      "http://localhost/v1.41/containers/json?all=1&filters=%7B%22label%22%3A%5B%22io.hardend.managed%22%5D%7D" |
      python3 -c 'import json,sys; [print(c["Id"]) for c in json.load(sys.stdin)]'); do
    curl -s --unix-socket /var/run/docker.sock -X DELETE "http://localhost/v1.41/containers/$id?force=1" >/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT

if ! curl -sf --max-time 2 --unix-socket /var/run/docker.sock http://localhost/_ping >/dev/null; then
  if [ -z "${CI:-}" ]; then echo "SKIP: no Docker daemon"; exit 0; fi
  echo "FAIL: CI needs the Docker daemon"; exit 1
fi

check() {  # check NAME EXPECTED_EXIT ACTUAL_EXIT [grep-pattern file]...
  local name=$1 want=$2 got=$3; shift 3
  local ok=1
  [ "$want" = "$got" ] || { echo "  exit code: want $want, got $got"; ok=0; }
  while [ $# -ge 2 ]; do
    grep -qE -- "$1" "$2" || { echo "  '$1' not found in $(basename "$2"):"; sed 's/^/    | /' "$2" | head -20; ok=0; }
    shift 2
  done
  if [ $ok = 1 ]; then echo "ok   $name"; passed=$((passed+1)); else echo "FAIL $name"; failed=$((failed+1)); fi
}

# The command's exit code, stdout and stderr come through unchanged.
"$hardend" run "$image" -- python3 -c 'import sys; print("to-out"); print("to-err", file=sys.stderr); sys.exit(3)' \
  >"$work/out" 2>"$work/err"
check "run passes exit code and streams" 3 $? '^to-out$' "$work/out" '^to-err$' "$work/err"

# --json: one object with the result.
"$hardend" run --json "$image" -- id >"$work/json" 2>"$work/err"
rc=$?
python3 - "$work/json" >"$work/parsed" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["exit_code"] == 0 and d["timed_out"] is False and d["oom_killed"] is False, d
assert "uid=4000" in d["stdout"], d["stdout"]
assert d["stdout_truncated"] is False and isinstance(d["duration_ms"], int)
print("json-ok")
PY
check "run --json reports the result (uid 4000)" 0 $rc 'json-ok' "$work/parsed"

# Timeout: killed, reported, exit 124.
"$hardend" run --timeout 1 "$image" -- python3 -c 'import time; time.sleep(300)' >"$work/out" 2>"$work/err"
check "run --timeout kills and exits 124" 124 $? 'timeout' "$work/err"

# OOM: reported with the limit, exit 137.
echo '{"docker.memory.limit": "64m"}' >"$work/small.conf"
"$hardend" run --config "$work/small.conf" "$image" -- python3 -c 'b = bytearray(512 << 20)' >"$work/out" 2>"$work/err"
check "run reports OOM with the limit, exit 137" 137 $? 'memory limit of 64m \(OOM\)' "$work/err"

# Output cap in --json mode.
echo '{"run.output.limit": "1k"}' >"$work/cap.conf"
"$hardend" run --json --config "$work/cap.conf" "$image" -- python3 -c 'print("x" * 100000)' >"$work/json" 2>"$work/err"
rc=$?
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["stdout_truncated"] and len(d["stdout"]) == 1024, d; print("cap-ok")' \
  "$work/json" >"$work/parsed" 2>&1
check "run --json caps output at run.output.limit" 0 $rc 'cap-ok' "$work/parsed"

# A missing image: hardend's own error, exit 125.
"$hardend" run hardend-test/no-such-image:1 -- true >"$work/out" 2>"$work/err"
check "missing image is a clear error (125)" 125 $? 'No such image|no such image' "$work/err"

# A stopped daemon (an endpoint where none listens): clear error.
DOCKER_HOST=unix:///tmp/hardend-no-daemon.sock "$hardend" run "$image" -- true >"$work/out" 2>"$work/err"
check "unreachable daemon is a clear error" 125 $? 'cannot connect to the Docker daemon at unix:///tmp/hardend-no-daemon.sock' "$work/err"

# Ctrl-C: the container is killed and removed.
"$hardend" run "$image" -- python3 -c 'import time; print("up", flush=True); time.sleep(300)' >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 1 100); do grep -q up "$work/out" 2>/dev/null && break; sleep 0.1; done
kill -INT $pid; wait $pid
check "Ctrl-C kills and removes (exit 130)" 130 $? 'interrupted' "$work/err"

# Policy: the guide's demisto/dl example with sources (example-full.json also has a demisto/dl:1.4 key: any other
# tag gets the image-wide 2g).
"$hardend" policy --no-daemon --json demisto/dl:1.5 --config "$src/configs/example-full.json" >"$work/json" 2>"$work/err"
rc=$?
python3 - "$work/json" >"$work/parsed" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
m = d["spec"]["memory"]
assert m["value"] == 2 << 30 and m["source"] == "python.pass.extra.keys.demisto/dl", m
assert d["spec"]["pids_limit"]["value"] == 256, d["spec"]["pids_limit"]
assert "--memory=2g" in d["docker_run_args"], d["docker_run_args"]
print("policy-ok")
PY
check "policy demisto/dl:1.5 shows 2g from the per-image key" 0 $rc 'policy-ok' "$work/parsed"

"$hardend" policy --no-daemon demisto/dl:1.4 --config "$src/configs/example-full.json" >"$work/out" 2>"$work/err"
check "policy table: image:tag key wins for demisto/dl:1.4" 0 $? 'python.pass.extra.keys.demisto/dl:1.4' "$work/out" 'docker run .*--memory=4g' "$work/out"

# Config validation: errors with file:line:col, exit 1.
printf '{\n  "docker.run.internal.asuser": true,\n  "limit.docker.memroy": true,\n  "docker.memory.limit": "lots"\n}\n' >"$work/bad.conf"
"$hardend" config validate --config "$work/bad.conf" >"$work/out" 2>"$work/err"
check "config validate reports line:col and suggestions" 1 $? 'bad.conf:4:[0-9]+: docker.memory.limit' "$work/err" 'did you mean limit.docker.memory' "$work/err"
"$hardend" config validate --config "$src/configs/example-full.json" >"$work/out" 2>"$work/err"
check "example config is valid" 0 $? 'valid' "$work/out"
printf '{"python.pass.extra.keys": "--privileged"}' >"$work/unsafe.conf"
"$hardend" run --config "$work/unsafe.conf" "$image" -- true >"$work/out" 2>"$work/err"
check "isolation-breaking flag refused with key and flag" 2 $? 'python.pass.extra.keys: .*--privileged' "$work/err"

"$hardend" swap-check --json >"$work/json" 2>"$work/err"
rc=$?
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["swap_limit_supported"] in (True, False); print("swap-ok")' "$work/json" >"$work/parsed" 2>&1
[ $rc = 0 ] || [ $rc = 1 ]; check "swap-check --json" 0 $? 'swap-ok' "$work/parsed"

# Nothing left behind by any of the above.
left=$(curl -s --unix-socket /var/run/docker.sock \
  "http://localhost/v1.41/containers/json?all=1&filters=%7B%22label%22%3A%5B%22io.hardend.managed%22%5D%7D" |
  python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$left" = 0 ]; check "no container left behind" 0 $? '.' /dev/stdin <<<"x"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
