#!/usr/bin/env bash
# Issue 8 end to end against a real rootful Podman (its Docker-compatible API): `hardend run`, `hardend script`
# with the guide's TestMemory.py, `hardend check`, `hardend policy`, image import, and the error when the Podman
# service does not answer. usage: podman_test.sh HARDEND_BINARY SOURCE_DIR
# Skips (exit 77) only when podman is not installed; CI installs it (scripts/setup.sh), so there it always runs.
# $DOCKER_HOST points at a socket that does not exist: a command that reached for Docker instead of Podman fails.
set -uo pipefail
hardend=${1:?hardend binary}; src=${2:?source dir}
image=hardend/python:3.11
work=$(mktemp -d /tmp/hardend-podman-test.XXXXXX)
socket=${HARDEND_PODMAN_SOCKET:-unix:///run/podman/podman.sock}
socket_path=${socket#unix://}
export HARDEND_PODMAN_SOCKET=$socket
export DOCKER_HOST=unix://$work/no-docker-here.sock
unset HARDEND_CONFIG
passed=0; failed=0

if ! command -v podman >/dev/null; then echo "SKIP: podman is not installed (scripts/setup.sh installs it)"; exit 77; fi

api() { curl -s --max-time 30 --unix-socket "$socket_path" "$@"; }
cleanup() {
  # Every container with the test label, also after a failure; the tiny test image.
  for id in $(api "http://d/v1.41/containers/json?all=1&filters=%7B%22label%22%3A%5B%22io.hardend.test%3D1%22%5D%7D" |
      python3 -c 'import json,sys; [print(c["Id"]) for c in json.load(sys.stdin)]' 2>/dev/null); do
    api -X DELETE "http://d/v1.41/containers/$id?force=1" >/dev/null
  done
  api -X DELETE "http://d/v1.41/images/hardend-podman-test/tiny:1?force=1" >/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

if ! api -f http://d/_ping >/dev/null; then
  echo "FAIL: podman is installed but nothing answers on $socket; start it with:"
  echo "  podman system service --time=0 $socket &   (or: systemctl start podman.socket; or run scripts/setup.sh)"
  exit 1
fi

check() {  # check NAME EXPECTED_EXIT ACTUAL_EXIT [grep-pattern file]...
  local name=$1 want=$2 got=$3; shift 3
  local ok=1
  [ "$want" = "$got" ] || { echo "  exit code: want $want, got $got"; ok=0; }
  while [ $# -ge 2 ]; do
    grep -qE -- "$1" "$2" || { echo "  '$1' not found in $(basename "$2"):"; sed 's/^/    | /' "$2" | head -30; ok=0; }
    shift 2
  done
  if [ $ok = 1 ]; then echo "ok   $name"; passed=$((passed+1)); else echo "FAIL $name"; failed=$((failed+1)); fi
}
containers_left() {
  api "http://d/v1.41/containers/json?all=1&filters=%7B%22label%22%3A%5B%22io.hardend.test%3D1%22%5D%7D" |
    python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'
}

# The test image in Podman's store (scripts/setup.sh imports it; import it here when it is missing).
if ! "$hardend" --runtime podman image exists "$image" >/dev/null 2>&1; then
  bash "$src/scripts/build-test-rootfs.sh" "$work/rootfs.tar" >/dev/null && "$hardend" --runtime podman image import "$work/rootfs.tar" "$image"
  rm -f "$work/rootfs.tar"
fi

# What Podman's containers may get: the hard RLIMIT_NOFILE, and RLIMIT_NPROC at most kernel.pid_max.
nofile_hard=$(ulimit -Hn)
nproc_ceiling=$(ulimit -Hu); pid_max=$(cat /proc/sys/kernel/pid_max)
if [ "$nproc_ceiling" = unlimited ] || [ "$pid_max" -lt "$nproc_ceiling" ]; then nproc_ceiling=$pid_max; fi

# Every container gets the test label; the rest is the hardened default.
cat >"$work/podman.json" <<JSON
{"container.runtime": "podman", "python.pass.extra.keys": "--label=io.hardend.test=1"}
JSON
cat >"$work/enforce.json" <<JSON
{"container.runtime": "podman", "podman.limits.enforce": true, "python.pass.extra.keys": "--label=io.hardend.test=1"}
JSON
cat >"$work/docker.json" <<JSON
{"python.pass.extra.keys": "--label=io.hardend.test=1"}
JSON

# ---- image import keeps the tag on Podman (its compat API ignores the `tag` parameter)
mkdir -p "$work/tiny" && echo hello >"$work/tiny/hello" && tar -C "$work/tiny" -cf "$work/tiny.tar" .
"$hardend" --runtime podman image import "$work/tiny.tar" hardend-podman-test/tiny:1 >"$work/out" 2>&1
rc=$?; "$hardend" --runtime podman image exists hardend-podman-test/tiny:1 >>"$work/out" 2>&1
check "image import names the image name:tag in Podman's store" 0 $((rc + $?)) 'imported hardend-podman-test/tiny:1' "$work/out"

# ---- hardend run: non-root, nofile as configured, nproc within the host, on Podman, nothing left behind
# (The test image has sh and python3 but no grep/awk; Podman sets container=podman in every container's environment.)
"$hardend" --runtime podman --config "$work/docker.json" run "$image" -- python3 -c '
import os, resource
print("uid=%d gid=%d" % (os.getuid(), os.getgid()))
print("nofile=%d:%d" % resource.getrlimit(resource.RLIMIT_NOFILE))
print("nproc=%d:%d" % resource.getrlimit(resource.RLIMIT_NPROC))
print("runtime=" + os.environ.get("container", "docker"))
try:
    open("/x", "w")
except OSError:
    print("read-only-root")' >"$work/out" 2>"$work/err"
check "run --runtime podman: uid 4000, nofile 1024:8192, nproc $nproc_ceiling, read-only root" 0 $? \
  '^uid=4000 gid=4000$' "$work/out" '^nofile=1024:8192$' "$work/out" "^nproc=$nproc_ceiling:$nproc_ceiling\$" "$work/out" \
  '^runtime=podman$' "$work/out" '^read-only-root$' "$work/out" \
  'podman: memory limit left out' "$work/err" "podman: nproc rlimit set to $nproc_ceiling:$nproc_ceiling" "$work/err"
if grep -q "operation not permitted" "$work/err"; then echo "FAIL the OCI runtime's rlimit error came back"; failed=$((failed+1)); fi

# container.runtime from the config selects Podman too; memory, CPU and PIDs are left out by default.
# (Podman applies its own default pids limit, 2048, when the container asks for none.)
"$hardend" --config "$work/podman.json" run "$image" -- sh -c \
  'echo runtime=$container; cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max' \
  >"$work/out" 2>"$work/err"
check "run with container.runtime=podman: on Podman, no memory limit, not hardend's 256 PIDs" 0 $? \
  '^runtime=podman$' "$work/out" '^9223372036854[0-9]+$' "$work/out" '^(max|2048)$' "$work/out"

# podman.limits.enforce: memory, CPU, PIDs applied by rootful Podman on this cgroup v1 host.
"$hardend" --config "$work/enforce.json" run "$image" -- sh -c \
  'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/cpu/cpu.cfs_quota_us' \
  >"$work/out" 2>"$work/err"
check "run with podman.limits.enforce: 1g, 256 PIDs, 1 CPU in the cgroups" 0 $? \
  '^1073741824$' "$work/out" '^256$' "$work/out" '^100000$' "$work/out" 'limits applied \(podman.limits.enforce' "$work/err"

# An explicit nofile above the host's hard limit is clamped (and said), never the OCI runtime's error.
cat >"$work/high.json" <<JSON
{"container.runtime": "podman", "python.pass.extra.keys": "--label=io.hardend.test=1##--ulimit=nofile=$((nofile_hard + 1000)):$((nofile_hard + 1000))"}
JSON
"$hardend" --config "$work/high.json" run "$image" -- sh -c 'echo nofile=$(ulimit -Sn):$(ulimit -Hn)' >"$work/out" 2>"$work/err"
check "run: nofile above the host's hard limit is clamped to $nofile_hard" 0 $? \
  "^nofile=$nofile_hard:$nofile_hard\$" "$work/out" "clamped to $nofile_hard:$nofile_hard" "$work/err"

# ---- hardend policy: the left-out limits with the reason, the rlimits Podman needs
"$hardend" --runtime podman --config "$work/docker.json" policy "$image" --json >"$work/json" 2>"$work/err"
rc=$?
python3 - "$work/json" "$nproc_ceiling" >"$work/parsed" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); spec = d["spec"]
assert d["runtime"] == "podman", d["runtime"]
for field in ("memory", "nano_cpus", "pids_limit"):
    assert spec[field]["value"] is None and spec[field]["source"] == "runtime podman", spec[field]
notes = "\n".join(d["notes"])
for limit in ("memory", "CPU", "PIDs"):
    assert f"podman: {limit} limit left out (the hardening guide" in notes, notes
assert {"name": "nproc", "soft": int(sys.argv[2]), "hard": int(sys.argv[2])} in spec["ulimits"]["value"], spec["ulimits"]
print("policy-ok")
PY
check "policy --runtime podman --json: limits left out with the reason, nproc set" 0 $rc 'policy-ok' "$work/parsed"

# ---- hardend script with the guide's memory test, unchanged
memory_script="$src/../shared/examples/TestMemory.py"
[ -f "$memory_script" ] || memory_script="$src/tests/integration/scripts/TestMemory.py"
"$hardend" --config "$work/podman.json" script "$memory_script" >"$work/out" 2>"$work/err"
check "script TestMemory.py on Podman (default: no memory limit) allocates 1g" 0 $? \
  'Success allocating memory of size: 1073741824' "$work/out"
"$hardend" --config "$work/enforce.json" script "$memory_script" >"$work/out" 2>"$work/err"
check "script TestMemory.py on Podman with podman.limits.enforce is stopped at 1g" 1 $? \
  'Return code from sub process indicates failure: -9' "$work/out"
cat >"$work/marker.py" <<'PY'
import os
print("runtime=" + os.environ.get("container", "docker"))
PY
"$hardend" --config "$work/podman.json" script "$work/marker.py" >"$work/out" 2>"$work/err"
check "script runs on Podman" 0 $? 'runtime=podman' "$work/out"

# ---- hardend check: honest by default (left-out limits fail, with the reason), passing with enforce
"$hardend" --config "$work/podman.json" check --image "$image" --json >"$work/json" 2>"$work/err"
rc=$?
python3 - "$work/json" >"$work/parsed" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
status = {c["check"]: c for c in d["checks"]}
for name in ("Memory", "CPUs", "PIDs"):
    assert not status[name]["passed"], status[name]
    assert "left out on Podman" in status[name]["status"] and "podman.limits.enforce" in status[name]["status"], status[name]
for name in ("Non-root User", "File Descriptors", "Capabilities", "No New Privileges", "Seccomp", "Read-only Root"):
    assert status[name]["passed"], status[name]
assert d["passed"] is False
print("check-default-ok")
PY
check "check on Podman: memory, CPUs, PIDs fail with the reason; the rest passes" 1 $rc 'check-default-ok' "$work/parsed"

"$hardend" --config "$work/enforce.json" check --image "$image" >"$work/out" 2>"$work/err"
check "check on Podman with podman.limits.enforce passes every check" 0 $? 'Memory' "$work/out"

# ---- the Podman service not answering: a clear error with the command that starts it
HARDEND_PODMAN_SOCKET=unix://$work/none.sock "$hardend" --runtime podman --config "$work/docker.json" \
  run "$image" -- true >"$work/out" 2>"$work/err"
check "run with no Podman service says how to start it" 125 $? \
  "Podman at unix://$work/none.sock does not answer" "$work/err" \
  'systemctl start podman.socket or podman system service --time=0' "$work/err"

left=$(containers_left)
check "no container left behind" 0 "$left"

echo "podman: $passed passed, $failed failed"
[ "$failed" = 0 ]
