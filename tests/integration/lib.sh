# shellcheck shell=bash disable=SC2154  # hardend and daemon_pid are set by the test that sources this
# Helpers shared by the shell end-to-end tests of the daemon (serve_test.sh, fault_test.sh). Source it; the test
# sets `hardend` (the binary) and `daemon_pid` (of the daemon it started, or empty).
passed=0; failed=0

ok()   { echo "ok   $1  [$(date +%T)]"; passed=$((passed+1)); }
fail() {  # fail NAME [DETAIL...]: each detail on its own line, at most 3000 bytes of each
  echo "FAIL $1  [$(date +%T)]"; shift
  for line in "$@"; do echo "  $line" | head -c 3000; echo; done
  failed=$((failed+1))
}
expect() {  # expect NAME WANT GOT [details]
  if [ "$2" = "$3" ]; then ok "$1"; else fail "$1" "want '$2', got '$3'" "${4:-}"; fi
}
finish() {  # the summary line and the exit status: every check passed
  echo "passed=$passed failed=$failed"
  [ "$failed" = 0 ]
}
# json_field PYTHON_SUBSCRIPT < JSON, e.g. json_field '["entries"][0]["Contents"]'; prints nothing when it is absent.
json_field() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval("d" + sys.argv[1]))' "$1" 2>/dev/null; }

# The system Docker daemon must answer: outside CI the test is skipped without it, in CI it fails.
require_docker() {
  curl -sf --max-time 2 --unix-socket /var/run/docker.sock http://localhost/_ping >/dev/null && return 0
  if [ -z "${CI:-}" ]; then echo "SKIP: no Docker daemon"; exit 0; fi
  echo "FAIL: CI needs the Docker daemon"; exit 1
}

# wait_until SECONDS COMMAND...: true once COMMAND succeeds, false after SECONDS of wall-clock time (the host is
# noisy: a bound by iterations would stretch with the load).
wait_until() {
  local deadline=$(( $(date +%s) + $1 )); shift
  while true; do
    "$@" && return 0
    [ "$(date +%s)" -ge "$deadline" ] && return 1
    sleep 0.2
  done
}

stop_daemon() {  # SIGTERM to the daemon, then its exit code
  kill -TERM "$daemon_pid"; wait "$daemon_pid"; local code=$?; daemon_pid=""; return $code
}

# hardend's iptables chains, read with iptables-save (`iptables -S CHAIN` of iptables-nft 1.8.9 calls a missing
# chain "incompatible").
chain_rules() { iptables-save -t filter | grep -- "^-A $1 "; }
chain_exists() { iptables-save -t filter | grep -q "^:$1 "; }
hardend_chains_exist() { chain_exists HARDEND-USER || chain_exists HARDEND-INPUT; }
# may_create_hardend_chains LABEL: true when the test may apply hardend's rules: iptables works here and hardend's
# chains do not exist yet (never someone's live rules). Otherwise says why ("skip", or a failure in CI when
# iptables is not usable) and returns 1.
may_create_hardend_chains() {
  if ! iptables-save -t filter >/dev/null 2>&1; then
    if [ -n "${CI:-}" ]; then fail "$1: needs iptables in CI"; else echo "skip $1: iptables is not usable here"; fi
    return 1
  fi
  if hardend_chains_exist; then
    echo "skip $1: hardend's chains already exist on this host (not ours to change)"
    return 1
  fi
}
# remove_hardend_chains LABEL: `hardend net remove` (its errors shown when it fails), then checks the chains are gone.
remove_hardend_chains() {
  "$hardend" net remove >/dev/null 2>&1 || "$hardend" net remove
  if hardend_chains_exist; then fail "$1: hardend's chains removed afterwards" "$(iptables-save -t filter | grep HARDEND)"
  else ok "$1: hardend's chains removed afterwards"; fi
}
