#!/usr/bin/env bash
# Fault injection on `hardend serve` and the CLI (issue 7, requirement 4; docs/API.md "Failures and recovery"):
#  1. dockerd restarted in the middle of runs: the runs in flight fail with a clear error (no hang, no wrong
#     result), the daemon keeps running, /healthz says "runtime unavailable" meanwhile, and the pool recovers by
#     itself once dockerd is back (recovery time measured: dockerd answering -> first successful run);
#  2. idle warm containers killed from outside: the next run still succeeds (dead ones never used), they are removed;
#  3. the runtime socket missing at start: clear error, retries with backoff (logged), 503 "runtime unavailable"
#     meanwhile, serving once the socket appears (time measured); --runtime-wait gives up with exit 2; SIGTERM exits 0;
#  4. iptables rules deleted from outside: repaired by server.network.reconcile (repair time measured; hardend's
#     own chains only, skipped when they pre-exist);
#  5. the config replaced with garbage and reloaded (POST /v1/reload and SIGHUP): rejected with the errors, the
#     old config keeps serving;
#  6. disk full: `hardend script|run|policy > /dev/full` exit non-zero naming what could not be written; the daemon
#     with its log on a full tmpfs keeps serving.
# 1-3 (and 5, 6) use a PRIVATE dockerd (own data-root, exec-root, socket, containerd, bridge; no iptables):
# the system dockerd is never stopped. It is killed and its data removed at the end, even on failure.
# With $HARDEND_RELIABILITY_OUT set, one JSON line per scenario is appended there (docs/RELIABILITY.md).
# usage: fault_test.sh HARDEND_BINARY SOURCE_DIR
set -uo pipefail
hardend=${1:?hardend binary}; src=${2:?source dir}
image=hardend/python:3.11
work=$(mktemp -d /tmp/hardend-fault-test.XXXXXX)
sock="$work/api.sock"
fault_id=hardend-fault-$$
dexec=/run/$fault_id
droot=/var/lib/$fault_id
dsock=$dexec/docker.sock
# The private dockerd gets a bridge of its own: with `--bridge none` dockerd DELETES the host's docker0 at start
# (removeDefaultBridgeInterface), which breaks the system daemon's default network for every later test.
# Its subnet must be one this machine does not use at all (a clash would shadow a real route or gateway): the
# first of a few /24s of the benchmarking range 198.18.0.0/15 (RFC 2544, never routed on the internet) that only the
# default route covers. No traffic goes there: the private daemon's containers run with network mode none.
dbridge=hdfault$(($$ % 100000))
dbridge_cidr=""
for candidate in 198.18.251 198.18.252 198.19.251 198.19.252; do
  if ! ip -4 route show to match "$candidate.1" | grep -qv '^default'; then dbridge_cidr="$candidate.1/24"; break; fi
done
docker0_before=$(ip link show docker0 2>/dev/null)
daemon_pid=""; dockerd_pid=""; net_applied=""; tmpfs_mounted=""
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
export HARDEND_TEST_SOURCE="$src"

docker_api() {  # docker_api SOCKET METHOD PATH [curl args]
  local socket=$1 method=$2 path=$3; shift 3
  curl -s --max-time 20 --unix-socket "$socket" -X "$method" "http://localhost/v1.41$path" "$@"
}
# Ids of the containers a daemon of this test started (label io.hardend.serve = its listen address).
our_containers() {  # our_containers DOCKER_SOCKET [STATUS]
  local filter
  filter=$(python3 -c 'import json,sys,urllib.parse
f={"label": ["io.hardend.serve=" + sys.argv[1]]}
if sys.argv[2]: f["status"] = [sys.argv[2]]
print(urllib.parse.quote(json.dumps(f)))' "unix:$sock" "${2:-}")
  docker_api "$1" GET "/containers/json?all=1&filters=$filter" | python3 -c 'import json,sys
try: [print(c["Id"]) for c in json.load(sys.stdin)]
except Exception: pass'
}
stop_private_dockerd() {
  [ -n "$dockerd_pid" ] || return 0
  kill -TERM "$dockerd_pid" 2>/dev/null
  for _ in $(seq 1 200); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$dockerd_pid" 2>/dev/null
  wait "$dockerd_pid" 2>/dev/null
  dockerd_pid=""
}
cleanup() {
  [ -n "$daemon_pid" ] && kill -KILL "$daemon_pid" 2>/dev/null
  if [ -n "$dockerd_pid" ]; then
    for id in $(our_containers "$dsock"); do docker_api "$dsock" DELETE "/containers/$id?force=1" >/dev/null; done
    stop_private_dockerd
  fi
  # Its containerd (a child of dockerd) exits with it; anything of its own left under exec-root is killed.
  if [ -f "$dexec/containerd/containerd.pid" ]; then kill -KILL "$(cat "$dexec/containerd/containerd.pid")" 2>/dev/null; fi
  [ -n "$net_applied" ] && "$hardend" net remove >/dev/null 2>&1
  for id in $(our_containers /var/run/docker.sock); do docker_api /var/run/docker.sock DELETE "/containers/$id?force=1" >/dev/null; done
  [ -n "$tmpfs_mounted" ] && umount "$work/full" 2>/dev/null
  grep -q " $dexec/" /proc/mounts && grep " $dexec/" /proc/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null
  grep -q " $droot/" /proc/mounts && grep " $droot/" /proc/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null
  ip link del "$dbridge" 2>/dev/null
  rm -rf "$dexec" "$droot" "$work"
}
trap cleanup EXIT

require_docker
if [ "$(id -u)" != 0 ] || ! command -v dockerd >/dev/null; then
  if [ -z "${CI:-}" ]; then echo "SKIP: needs root and dockerd for a private Docker daemon"; exit 0; fi
  echo "FAIL: CI needs root and dockerd"; exit 1
fi

now() { date +%s.%N; }
elapsed() { python3 -c 'import sys; print(f"{float(sys.argv[2]) - float(sys.argv[1]):.2f}")' "$1" "$2"; }
# figure SCENARIO VIA EXPECTED OBSERVED RECOVERY_S|null LEFTOVERS OK(true|false)
figure() {
  [ -n "${HARDEND_RELIABILITY_OUT:-}" ] || return 0
  python3 -c 'import json,sys
a=sys.argv[1:]
print(json.dumps({"suite": "fault", "scenario": a[0], "via": a[1], "expected": a[2], "observed": a[3],
  "trivial_run_ms": None, "recovery_s": None if a[4] == "null" else float(a[4]), "leftovers": int(a[5]),
  "ok": a[6] == "true"}))' "$@" >>"$HARDEND_RELIABILITY_OUT"
}
failed_before=0
scenario_ok() { [ "$failed" = "$failed_before" ] && echo true || echo false; }
begin_scenario() { failed_before=$failed; echo "--- $1"; }

start_private_dockerd() {
  mkdir -p "$dexec" "$droot"
  if [ -z "$dbridge_cidr" ]; then echo "no unused subnet for the private dockerd's bridge" >>"$work/dockerd.log"; return 1; fi
  if ! ip link show "$dbridge" >/dev/null 2>&1; then
    ip link add "$dbridge" type bridge && ip addr add "$dbridge_cidr" dev "$dbridge" && ip link set "$dbridge" up ||
      return 1
  fi
  echo '{}' >"$dexec/daemon.json"  # not /etc/docker/daemon.json: nothing of the system daemon's settings
  dockerd --config-file "$dexec/daemon.json" --data-root "$droot/docker" --exec-root "$dexec" \
    --pidfile "$dexec/dockerd.pid" -H "unix://$dsock" --bridge "$dbridge" --iptables=false --ip-masq=false --ip-forward=false \
    --containerd-namespace hardend-fault --containerd-plugins-namespace hardend-fault-plugins \
    >>"$work/dockerd.log" 2>&1 &
  dockerd_pid=$!
  for _ in $(seq 1 300); do
    curl -sf --max-time 1 --unix-socket "$dsock" http://localhost/_ping >/dev/null 2>&1 && return 0
    kill -0 "$dockerd_pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
start_daemon() {  # start_daemon CONFIG [extra serve args]: waits for /healthz to answer (any status)
  local config=$1; shift
  "$hardend" serve --config "$config" --listen "unix:$sock" "$@" >>"$work/daemon.log" 2>&1 &
  daemon_pid=$!
  for _ in $(seq 1 200); do
    [ -S "$sock" ] && curl -s -o /dev/null --max-time 2 --unix-socket "$sock" http://x/healthz 2>/dev/null && return 0
    kill -0 "$daemon_pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
api() { curl -s --max-time 120 --unix-socket "$sock" "$@"; }
trivial='{"script": "print(6 * 7)"}'
trivial_ok() {  # a trivial run answers 200 with the right result
  [ "$(api -o "$work/trivial.out" -w '%{http_code}' --data "$trivial" http://x/v1/runs)" = 200 ] &&
    [ "$(json_field '["entries"][0]["Contents"]' <"$work/trivial.out")" = 42 ]
}
health() { curl -s --max-time 3 -o "$work/health.out" -w '%{http_code}' --unix-socket "$sock" http://x/healthz; }

# --- The private dockerd, with the test image copied from the system daemon (docker save | docker load). ---
if ! start_private_dockerd; then
  fail "private dockerd starts" "$(tail -20 "$work/dockerd.log")"
  finish; exit 1
fi
docker_api /var/run/docker.sock GET "/images/$(python3 -c 'import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1], safe=""))' "$image")/get" --max-time 120 |
  docker_api "$dsock" POST "/images/load?quiet=1" --max-time 120 -H 'Content-Type: application/x-tar' --data-binary @- >"$work/load.out"
if ! docker_api "$dsock" GET "/images/$image/json" | grep -q '"Id"'; then
  fail "test image loaded into the private dockerd" "$(cat "$work/load.out")"
  finish; exit 1
fi
export DOCKER_HOST="unix://$dsock"   # every hardend below talks to the private daemon (until scenario 4)

# Containers of the private daemon get network mode none (nothing of the network is under test here).
cat >"$work/serve.json" <<JSON
{"python.pass.extra.keys": "--network=none", "containers.low.water.mark": 2, "docker.memory.limit": "256m",
 "server.drain.seconds": 10}
JSON

# === 1. dockerd restarted in the middle of runs. ===
begin_scenario "1. dockerd restarted in the middle of runs"
if ! start_daemon "$work/serve.json" || ! trivial_ok; then
  fail "daemon on the private dockerd serves a trivial run" "$(cat "$work/trivial.out" 2>/dev/null)" "$(tail -20 "$work/daemon.log")"
  finish; exit 1
fi
ok "daemon on the private dockerd serves a trivial run"
slow='{"script": "import time\ntime.sleep(40)\nprint(\"finished\")", "timeout": 100}'
inflight_pids=()
for i in 1 2 3; do
  (api -o "$work/inflight.$i.out" -w '%{http_code}' --max-time 150 --data "$slow" http://x/v1/runs >"$work/inflight.$i.status"; echo $? >"$work/inflight.$i.curl") &
  inflight_pids+=($!)
done
three_in_flight() { [ "$(api http://x/metrics | awk '/^hardend_runs_in_flight /{print $2}')" = 3 ]; }
wait_until 20 three_in_flight
sleep 1
restart_started=$(now)
kill -TERM "$dockerd_pid"
saw_503=""
for _ in $(seq 1 300); do  # while dockerd stops (its containers get 10 s to end), /healthz turns 503
  if [ "$(health)" = 503 ] && grep -q "runtime unavailable" "$work/health.out"; then saw_503=1; fi
  kill -0 "$dockerd_pid" 2>/dev/null || break
  sleep 0.1
done
wait "$dockerd_pid" 2>/dev/null; dockerd_pid=""
says_runtime_unavailable() { [ "$(health)" = 503 ] && grep -q "runtime unavailable" "$work/health.out"; }
[ -n "$saw_503" ] || { wait_until 10 says_runtime_unavailable && saw_503=1; }  # the daemon's ping (every 2 s)
if [ -n "$saw_503" ]; then ok "1: /healthz answers 503 \"runtime unavailable\" while dockerd is down"
else fail "1: /healthz answers 503 \"runtime unavailable\" while dockerd is down" "$(cat "$work/health.out")"; fi
# A run submitted while dockerd is down fails at once with the runtime's error (no hang).
down_status=$(api -o "$work/down.out" -w '%{http_code}' --max-time 60 --data "$trivial" http://x/v1/runs)
if [ "$down_status" = 502 ] && grep -qi "docker\|connect\|runtime" "$work/down.out"; then ok "1: a run while dockerd is down: 502 naming the runtime"
else fail "1: a run while dockerd is down: 502 naming the runtime" "status $down_status" "$(cat "$work/down.out")"; fi
if ! start_private_dockerd; then fail "1: private dockerd restarts" "$(tail -20 "$work/dockerd.log")"; fi
dockerd_up=$(now)
for pid in "${inflight_pids[@]}"; do wait "$pid"; done
inflight_failed_clearly=0; inflight_details=""
for i in 1 2 3; do
  status=$(cat "$work/inflight.$i.status"); curl_code=$(cat "$work/inflight.$i.curl")
  body=$(cat "$work/inflight.$i.out")
  inflight_details+="run $i: curl $curl_code, HTTP $status: ${body:0:400}"$'\n'
  # Not a hang (curl answered), not a wrong result ("finished" would be a lie: the container died), an error
  # that says what happened.
  if [ "$curl_code" = 0 ] && ! grep -q '"finished' "$work/inflight.$i.out" &&
     python3 - "$work/inflight.$i.out" "$status" <<'PY'
import json, sys
body = json.load(open(sys.argv[1])); status = int(sys.argv[2])
if status != 200:
    sys.exit(0 if body.get("error") else 1)
# A 200 must be an honest failed result: a non-zero exit code and an error that says how the container ended (its
# PID 1 ended by a signal, or the runtime could not say), not one that blames the script.
error = body.get("error") or ""
sys.exit(0 if body.get("exit_code", 0) != 0 and ("by signal" in error or "runtime" in error) else 1)
PY
  then inflight_failed_clearly=$((inflight_failed_clearly + 1)); fi
done
expect "1: the 3 runs in flight end with a clear error (no hang, no wrong result)" 3 "$inflight_failed_clearly" "$inflight_details"
inflight_error=$(python3 -c 'import json,sys; print((json.load(open(sys.argv[1])).get("error") or "")[:200])' "$work/inflight.1.out" 2>/dev/null)
if kill -0 "$daemon_pid" 2>/dev/null; then ok "1: the daemon did not exit"; else fail "1: the daemon did not exit" "$(tail -20 "$work/daemon.log")"; fi
recovered=""
wait_until 90 trivial_ok && recovered=$(now)
recovery_s=null
if [ -n "$recovered" ]; then
  recovery_s=$(elapsed "$dockerd_up" "$recovered")
  ok "1: the pool recovered by itself: first successful run ${recovery_s} s after dockerd answered again"
else
  fail "1: the pool recovered by itself" "$(cat "$work/trivial.out")" "$(tail -20 "$work/daemon.log")"
fi
healthy() { [ "$(health)" = 200 ]; }
wait_until 10 healthy
expect "1: /healthz is 200 again" 200 "$(health)" "$(cat "$work/health.out")"
not_running() { our_containers "$dsock" exited; our_containers "$dsock" created; our_containers "$dsock" dead; }
no_leftovers() { [ -z "$(not_running)" ]; }
wait_until 10 no_leftovers
leftovers=$(not_running | wc -l)
expect "1: the outage's exited containers were removed" 0 "$leftovers" \
  "$(docker_api "$dsock" GET "/containers/json?all=1" | python3 -c 'import json,sys
for c in json.load(sys.stdin): print(c["Id"][:12], c["State"], c["Status"], "created", c["Created"])')" \
  "$(grep -E "runtime\.(unavailable|recovered)" "$work/daemon.log" | tail -3)"
if grep -q "runtime.recovered" "$work/daemon.log"; then ok "1: the recovery is logged ($(grep -o 'down_seconds[^ ,]*[ ,]*[0-9.]*' "$work/daemon.log" | tail -1))"
else fail "1: the recovery is logged" "$(tail -20 "$work/daemon.log")"; fi
figure "dockerd restarted during 3 runs" api \
  "runs in flight fail with a clear error; daemon keeps running; /healthz 503 while down; pool recovers by itself" \
  "$inflight_failed_clearly/3 failed clearly (e.g. \"$inflight_error\"); /healthz 503 while down: ${saw_503:-no}; first run ok ${recovery_s} s after dockerd up (restart took $(elapsed "$restart_started" "$dockerd_up") s)" \
  "$recovery_s" "$leftovers" "$(scenario_ok)"

# === 2. Idle warm containers killed from outside. ===
begin_scenario "2. warm containers killed from outside"
pool_warm() { [ "$(our_containers "$dsock" running | wc -l)" -ge 2 ]; }
wait_until 30 pool_warm
victims=$(our_containers "$dsock" running)
victim_count=$(echo "$victims" | grep -c .)
expect "2: the pool is warm (at least 2 idle containers)" yes "$([ "$victim_count" -ge 2 ] && echo yes)"
for id in $victims; do docker_api "$dsock" POST "/containers/$id/kill" >/dev/null; done
victims_dead() { local id; for id in $victims; do docker_api "$dsock" GET "/containers/$id/json" | grep -q '"Running":true' && return 1; done; return 0; }
wait_until 20 victims_dead
next_run=failed
if trivial_ok; then next_run=ok; ok "2: the next run succeeds (the dead idle containers are not used)"
else fail "2: the next run succeeds (the dead idle containers are not used)" "$(cat "$work/trivial.out")" "$(tail -10 "$work/daemon.log")"; fi
victims_left() { local id n=0; for id in $victims; do [ "$(docker_api "$dsock" GET "/containers/$id/json" -o /dev/null -w '%{http_code}')" = 404 ] || n=$((n + 1)); done; echo $n; }
victims_gone() { [ "$(victims_left)" = 0 ]; }
wait_until 20 victims_gone
left=$(victims_left)
expect "2: the killed containers were removed" 0 "$left"
if grep -q "container.dead" "$work/daemon.log"; then ok "2: logged as container.dead"; else fail "2: logged as container.dead" "$(tail -10 "$work/daemon.log")"; fi
wait_until 30 pool_warm
expect "2: the pool is refilled to its low water mark" 2 "$(our_containers "$dsock" running | wc -l)"
figure "idle warm containers killed from outside" api "the next run succeeds; dead containers removed and replaced" \
  "next run $next_run; $((victim_count - left))/$victim_count killed containers removed; $(our_containers "$dsock" running | wc -l) running after refill" \
  null "$left" "$(scenario_ok)"

# === 5. Config replaced with garbage and reloaded (same daemon). ===
begin_scenario "5. garbage config reloaded"
limit_script='{"script": "print(open(\"/sys/fs/cgroup/memory/memory.limit_in_bytes\").read().strip())"}'
cp "$work/serve.json" "$work/serve.good.json"
head -c 300 /dev/urandom >"$work/serve.json"
status=$(api -o "$work/reload.out" -w '%{http_code}' -X POST http://x/v1/reload)
if [ "$status" = 422 ] && grep -q 'serve.json' "$work/reload.out" && grep -q '"errors"' "$work/reload.out"; then ok "5: POST /v1/reload of garbage: 422 with the errors"
else fail "5: POST /v1/reload of garbage: 422 with the errors" "status $status" "$(head -c 1000 "$work/reload.out")"; fi
printf '{"docker.memory.limit": "lots", "containers.isolation": "shared", "python.pass.extra.keys": "--privileged"}' >"$work/serve.json"
status=$(api -o "$work/reload2.out" -w '%{http_code}' -X POST http://x/v1/reload)
if [ "$status" = 422 ] && grep -q 'docker.memory.limit' "$work/reload2.out"; then ok "5: invalid values: 422 naming the keys"
else fail "5: invalid values: 422 naming the keys" "status $status" "$(cat "$work/reload2.out")"; fi
rejected_before=$(grep -c "reload.rejected" "$work/daemon.log")
head -c 300 /dev/urandom >"$work/serve.json"
kill -HUP "$daemon_pid"
sighup_rejected() { [ "$(grep -c "reload.rejected" "$work/daemon.log")" -gt "$rejected_before" ]; }
wait_until 10 sighup_rejected
if [ "$(grep -c "reload.rejected" "$work/daemon.log")" -gt "$rejected_before" ]; then ok "5: SIGHUP with garbage: rejected and logged"
else fail "5: SIGHUP with garbage: rejected and logged" "$(tail -5 "$work/daemon.log")"; fi
old_policy=$(api --data "$limit_script" http://x/v1/runs | json_field '["entries"][0]["Contents"]')
expect "5: the old config keeps serving (a run gets the old 256m limit)" "$((256 << 20))" "$old_policy"
kill -0 "$daemon_pid" 2>/dev/null && ok "5: the daemon is still running" || fail "5: the daemon is still running"
cp "$work/serve.good.json" "$work/serve.json"
figure "config replaced with garbage, reloaded (API and SIGHUP)" api \
  "reload rejected with its errors; the old config keeps serving" \
  "422 with errors; SIGHUP rejected; run got memory limit $old_policy" null 0 "$(scenario_ok)"

# === 6a. The daemon's log on a full tmpfs (the one file it writes): it keeps serving. ===
begin_scenario "6a. daemon log on a full disk"
stop_daemon; expect "SIGTERM: exit 0" 0 $?
mkdir -p "$work/full"
if mount -t tmpfs -o size=64k tmpfs "$work/full" 2>"$work/mount.err"; then
  tmpfs_mounted=1
  dd if=/dev/zero of="$work/full/filler" bs=4k count=100 2>/dev/null  # fills it: ENOSPC
  "$hardend" serve --config "$work/serve.json" --listen "unix:$sock" 2>"$work/full/daemon.log" &
  daemon_pid=$!
  wait_until 30 healthy
  if trivial_ok && trivial_ok; then ok "6a: with its log on a full disk the daemon still serves runs"
  else fail "6a: with its log on a full disk the daemon still serves runs" "$(cat "$work/trivial.out" 2>/dev/null)"; fi
  rm -f "$work/full/filler"
  trivial_ok; kill -0 "$daemon_pid" 2>/dev/null && ok "6a: the daemon did not crash" || fail "6a: the daemon did not crash"
  stop_daemon; expect "6a: SIGTERM: exit 0" 0 $?
  figure "daemon log on a full tmpfs" api "the daemon keeps serving; no crash" "runs ok; exit 0 on SIGTERM" null \
    "$(our_containers "$dsock" | wc -l)" "$(scenario_ok)"
else
  if [ -n "${CI:-}" ]; then fail "6a: mount a tmpfs" "$(cat "$work/mount.err")"; else echo "skip 6a: cannot mount a tmpfs: $(cat "$work/mount.err")"; fi
fi

# === 6b. Disk full while the CLI writes its result. ===
begin_scenario "6b. CLI output to a full disk"
printf 'return_results("hello")\n' >"$work/hello.py"
"$hardend" script --config "$work/serve.json" "$work/hello.py" >/dev/full 2>"$work/err"; code=$?
if [ $code = 2 ] && grep -q "could not write the output to standard output" "$work/err"; then ok "6b: script > /dev/full: exit 2 naming what was lost"
else fail "6b: script > /dev/full: exit 2 naming what was lost" "exit $code" "$(cat "$work/err")"; fi
"$hardend" script --config "$work/serve.json" --json "$work/hello.py" >/dev/full 2>"$work/err"; code_json=$?
expect "6b: script --json > /dev/full: exit 2" 2 "$code_json" "$(cat "$work/err")"
"$hardend" run --config "$work/serve.json" --json "$image" -- echo hi >/dev/full 2>"$work/err"; code_run=$?
if [ $code_run = 125 ] && grep -q "could not write the output" "$work/err"; then ok "6b: run --json > /dev/full: exit 125 (hardend's own failure), message"
else fail "6b: run --json > /dev/full: exit 125 (hardend's own failure), message" "exit $code_run" "$(cat "$work/err")"; fi
"$hardend" run --config "$work/serve.json" "$image" -- sh -c 'exit 3' >/dev/full 2>"$work/err"; code_run3=$?
expect "6b: run without output > /dev/full keeps the command's exit code" 3 "$code_run3" "$(cat "$work/err")"
"$hardend" policy --config "$work/serve.json" "$image" >/dev/full 2>"$work/err"; code_policy=$?
expect "6b: policy > /dev/full: exit 2" 2 "$code_policy" "$(cat "$work/err")"
"$hardend" script --config "$work/serve.json" "$work/hello.py" >"$work/hello.out" 2>&1; code_ok=$?
expect "6b: the same script to a writable file: exit 0 (the check is not a tautology)" "0 hello" "$code_ok $(cat "$work/hello.out")"
left_cli=$(curl -s --unix-socket "$dsock" "http://x/v1.41/containers/json?all=1&filters=%7B%22label%22%3A%5B%22io.hardend.managed%22%5D%7D" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
expect "6b: nothing left behind (no container)" 0 "$left_cli"
figure "CLI output to a full disk (/dev/full)" cli \
  "clear error naming standard output; non-zero exit (2; run: 125); nothing left behind" \
  "script $code, script --json $code_json, run --json $code_run, policy $code_policy" null "$left_cli" "$(scenario_ok)"

# === 3. The runtime socket missing at start. ===
begin_scenario "3. runtime socket missing at start"
later="$work/later/docker.sock"; mkdir -p "$work/later"
DOCKER_HOST="unix://$later" "$hardend" serve --config "$work/serve.json" --listen "unix:$sock" --runtime-wait 2 >"$work/giveup.log" 2>&1; code=$?; giveup_code=$code
if [ $code = 2 ] && grep -q "did not answer within 2 s" "$work/giveup.log"; then ok "3: --runtime-wait 2: gives up with exit 2"
else fail "3: --runtime-wait 2: gives up with exit 2" "exit $code" "$(cat "$work/giveup.log")"; fi
: >"$work/daemon.log"
DOCKER_HOST="unix://$later" start_daemon "$work/serve.json"
status=$(health)
waiting_status=$status
if [ "$status" = 503 ] && grep -q "runtime unavailable" "$work/health.out"; then ok "3: while waiting: /healthz 503 \"runtime unavailable\""
else fail "3: while waiting: /healthz 503 \"runtime unavailable\"" "status $status" "$(cat "$work/health.out")" "$(cat "$work/daemon.log")"; fi
expect "3: while waiting: a run is refused with 503" 503 "$(api -o /dev/null -w '%{http_code}' --data "$trivial" http://x/v1/runs)"
three_attempts() { [ "$(grep -c "runtime.unavailable" "$work/daemon.log")" -ge 3 ]; }
wait_until 20 three_attempts
if grep -q 'runtime.unavailable attempt=3 .*retry_in_seconds=4' "$work/daemon.log" &&
   grep -q "later/docker.sock" "$work/daemon.log"; then ok "3: each attempt logged with the socket and the growing wait (1, 2, 4 s)"
else fail "3: each attempt logged with the socket and the growing wait" "$(cat "$work/daemon.log")"; fi
ln -s "$dsock" "$later"   # the socket appears
appeared=$(now)
served=""
serving_again() { healthy && trivial_ok; }
kill -0 "$daemon_pid" 2>/dev/null && wait_until 60 serving_again && served=$(now)
wait_s=null
if [ -n "$served" ]; then wait_s=$(elapsed "$appeared" "$served"); ok "3: serving once the socket appears (first run ok after ${wait_s} s)"
else fail "3: serving once the socket appears" "$(cat "$work/daemon.log")"; fi
stop_daemon; expect "3: SIGTERM: exit 0" 0 $?
rm -f "$later"
DOCKER_HOST="unix://$later" start_daemon "$work/serve.json"
sleep 0.5
stop_daemon; expect "3: SIGTERM while waiting for the runtime: exit 0" 0 $?
figure "runtime socket missing at start" api \
  "clear error; retries with backoff (1, 2, 4.. 15 s, logged); /healthz 503 meanwhile; serves once it appears" \
  "$(grep -c "runtime.unavailable" "$work/daemon.log") attempts logged, /healthz $waiting_status while waiting; first run ok ${wait_s} s after the socket appeared; --runtime-wait 2: exit $giveup_code" \
  "$wait_s" "$(our_containers "$dsock" | wc -l)" "$(scenario_ok)"

# The private dockerd is no longer needed.
for id in $(our_containers "$dsock"); do docker_api "$dsock" DELETE "/containers/$id?force=1" >/dev/null; done
stop_private_dockerd
unset DOCKER_HOST

# === 4. iptables rules deleted from outside (system dockerd; hardend's own chains only). ===
begin_scenario "4. iptables rules deleted from outside"
if may_create_hardend_chains 4; then
  cat >"$work/net.json" <<JSON
{"server.network.reconcile": true, "server.network.reconcile.seconds": 5, "containers.low.water.mark": 0}
JSON
  net_applied=1
  : >"$work/daemon.log"
  if start_daemon "$work/net.json"; then
    before=$(chain_rules HARDEND-USER | md5sum)
    victims=$(chain_rules HARDEND-USER | grep -- '-j DROP\|-j REJECT' | sed 's/^-A /-D /')
    count=$(echo "$victims" | grep -c .)
    while read -r victim; do [ -n "$victim" ] && eval "iptables $victim"; done <<<"$victims"
    deleted=$(now)
    expect "4: $count blocking rules deleted from outside" 0 "$(chain_rules HARDEND-USER | grep -c -- '-j DROP\|-j REJECT')"
    repaired=""
    rules_back() { [ "$(chain_rules HARDEND-USER | md5sum)" = "$before" ]; }
    wait_until 40 rules_back && repaired=$(now)
    repair_s=null
    if [ -n "$repaired" ]; then repair_s=$(elapsed "$deleted" "$repaired"); ok "4: repaired by reconciliation after ${repair_s} s"
    else fail "4: repaired by reconciliation" "$(iptables-save -t filter | grep HARDEND)" "$(tail -5 "$work/daemon.log")"; fi
    # The log line comes right after the rules are back: wait for it, do not race it.
    if wait_until 10 grep -q "network.drift.repaired" "$work/daemon.log"; then ok "4: the repair is logged"; else fail "4: the repair is logged"; fi
    stop_daemon; expect "4: daemon exits 0" 0 $?
  else
    fail "4: daemon starts with server.network.reconcile" "$(cat "$work/daemon.log")"
  fi
  remove_hardend_chains 4
  net_applied=""
  figure "iptables rules deleted from outside" api "repaired by the periodic reconciliation (server.network.reconcile)" \
    "$count rules deleted; repaired after ${repair_s:-null} s" "${repair_s:-null}" 0 "$(scenario_ok)"
fi

# The private dockerd (started and restarted above) must leave the system daemon's network alone.
if [ -n "$docker0_before" ]; then
  if ip link show docker0 >/dev/null 2>&1; then ok "the host's docker0 bridge is still there"
  else fail "the host's docker0 bridge is still there" "the private dockerd removed it"; fi
fi

finish
