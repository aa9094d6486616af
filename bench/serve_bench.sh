#!/usr/bin/env bash
# Latency and throughput of one script run, same image and same hardening, five ways (issue 6, docs/PERFORMANCE.md):
#   (a) docker run --rm (docker CLI)   (b) docker exec into a running container   (c) hardend script (one-shot)
#   (d) hardend serve, warm `fresh`    (e) hardend serve, warm `reuse`
# for a trivial script and a 50 ms script, at concurrency 1, 4 and 16; prints p50/p99 latency and runs/s.
# (a) and (b) run `python3 -c SCRIPT` (no executor); (c)-(e) run the script through the executor as the API does.
# (d) and (e) talk to the API with a lean HTTP/1.1 client (one keep-alive connection per client thread, the request
# written in one piece, the answer read by Content-Length), as an engine would; one more row, (e') at concurrency 1,
# measures (e) through Python's http.client, whose own parsing adds about a millisecond per request.
# Then (e) at concurrency 1 with the runs 20 ms apart (a run starts 20 ms after the previous one started, or when it
# ended if later): the latency of a run that does not follow another back to back, whose executor and Docker are
# done with the previous run's clean-up (the next run's fork, the last one's teardown: several ms of CPU that a
# back-to-back series overlaps with the next run on 2 cores).
# Last, the sustained throughput of (e): SUSTAINED_RUNS (default 4000) trivial runs at concurrency 4 and 16.
# usage: bench/serve_bench.sh [HARDEND_BINARY] [RUNS_FAST] [RUNS_SLOW]   (not a test; takes a few minutes)
#        bench/serve_bench.sh --cpu [HARDEND_BINARY] [RUNS]   per-run CPU time and page faults of the executor: a
#          reuse pool of one container, RUNS sequential trivial runs through the API, the container's cgroup
#          counters (cpuacct.usage, memory.stat total_pgfault; cgroup v1) before and after, divided by RUNS. CPU
#          time, not wall time: usable on a loaded machine (page faults are exact, CPU time still varies with load).
set -euo pipefail
if [ "${1:-}" = "--cpu" ]; then
  hardend=${2:-$(dirname "$0")/../build/hardend}
  runs=${3:-500}
  work=$(mktemp -d /tmp/hardend-bench.XXXXXX)
  echo '{"containers.isolation": "reuse", "containers.low.water.mark": 1, "containers.high.water.mark": 1, "containers.max.runs": 1000000}' >"$work/cpu.json"
  "$hardend" serve --config "$work/cpu.json" --listen "unix:$work/cpu.sock" >"$work/cpu.log" 2>&1 &
  daemon=$!
  trap 'kill -TERM $daemon 2>/dev/null; wait $daemon 2>/dev/null; rm -rf "$work"' EXIT
  for _ in $(seq 1 100); do curl -sf --unix-socket "$work/cpu.sock" http://x/healthz >/dev/null 2>&1 && break; sleep 0.1; done
  python3 - "$work/cpu.sock" "$runs" <<'PY'
import http.client, json, socket, sys, time
sock_path, runs = sys.argv[1], int(sys.argv[2])
class Unix(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX); self.sock.connect(sock_path)
conn = Unix("x")
def run():
    conn.request("POST", "/v1/runs", json.dumps({"script": "print('hi')"}), {"Content-Type": "application/json"})
    result = json.loads(conn.getresponse().read())
    assert result.get("exit_code") == 0, result
for _ in range(20): run()  # warm-up, and the pool's one container exists
ids = [line for line in __import__("subprocess").run(["docker", "ps", "-q", "--no-trunc", "--filter", "label=io.hardend.kind=warm",
       "--filter", "label=io.hardend.serve=unix:" + sock_path], capture_output=True, text=True).stdout.split()]
assert len(ids) == 1, ids
cpu = "/sys/fs/cgroup/cpuacct/docker/%s/cpuacct.usage" % ids[0]
mem = "/sys/fs/cgroup/memory/docker/%s/memory.stat" % ids[0]
def counters():
    faults = next(int(l.split()[1]) for l in open(mem) if l.startswith("total_pgfault "))
    return int(open(cpu).read()), faults
time.sleep(0.2)
cpu0, faults0 = counters()
for _ in range(runs): run()
time.sleep(0.2)  # the last run's teardown and the next run's prepared process
cpu1, faults1 = counters()
print("executor per trivial run: %.2f ms CPU, %.0f page faults (%d runs, load %s)" % (
    (cpu1 - cpu0) / runs / 1e6, (faults1 - faults0) / runs, runs, open("/proc/loadavg").read().split()[0]))
PY
  exit 0
fi
hardend=${1:-$(dirname "$0")/../build/hardend}
runs_fast=${2:-200}
runs_slow=${3:-16}
image=hardend/python:3.11
work=$(mktemp -d /tmp/hardend-bench.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  docker rm -f "hardend-bench-exec-$$" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

echo '{}' >"$work/oneshot.json"
echo '{"containers.isolation": "fresh", "containers.low.water.mark": 16, "containers.high.water.mark": 40}' >"$work/fresh.json"
# reuse: low = high water mark, so that the pool never starts containers during a series (the low water mark counts
# idle containers: with busy ones it would grow towards the high water mark while being measured).
echo '{"containers.isolation": "reuse", "containers.low.water.mark": 20, "containers.high.water.mark": 20, "containers.max.runs": 1000000}' >"$work/reuse.json"
mapfile -t run_args < <("$hardend" policy "$image" --json --config "$work/oneshot.json" |
  python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)["docker_run_args"]))')

start_daemon() {  # start_daemon NAME CONFIG
  "$hardend" serve --config "$2" --listen "unix:$work/$1.sock" >"$work/$1.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do curl -sf --unix-socket "$work/$1.sock" http://x/healthz >/dev/null 2>&1 && return; sleep 0.1; done
  echo "daemon $1 did not start:"; cat "$work/$1.log"; exit 1
}
wait_warm() {  # wait_warm NAME COUNT: until COUNT containers are idle
  for _ in $(seq 1 600); do
    idle=$(curl -s --unix-socket "$work/$1.sock" http://x/metrics | awk '/^hardend_pool_containers\{.*state="idle"/{s+=$2} END{print s+0}')
    [ "$idle" -ge "$2" ] && return; sleep 0.5
  done
}
start_daemon fresh "$work/fresh.json"
start_daemon reuse "$work/reuse.json"
docker run -d --rm --name "hardend-bench-exec-$$" --label io.hardend.test=1 "${run_args[@]}" --entrypoint "" "$image" \
  sleep 100000 >/dev/null
wait_warm fresh 16; wait_warm reuse 20

python3 - "$hardend" "$work" "$image" "hardend-bench-exec-$$" "$runs_fast" "$runs_slow" "${run_args[@]}" <<'PY'
import http.client, json, os, socket, statistics, subprocess, sys, threading, time
from concurrent.futures import ThreadPoolExecutor

hardend, work, image, exec_name, runs_fast, runs_slow = sys.argv[1:7]
WARM = 16  # the low water mark of both pools
runs_fast, runs_slow = int(runs_fast), int(runs_slow)
run_args = sys.argv[7:]
scripts = {"trivial": "print('hi')", "50ms": "import time\ntime.sleep(0.05)\nprint('hi')"}
with open(os.path.join(work, "script.py"), "w") as f: pass

class Unix(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=300); self.path = path
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX); self.sock.connect(self.path)

class Lean:
    """POST over one keep-alive unix socket connection; the answer is read by its Content-Length."""
    def __init__(self, path):
        self.path, self.sock, self.buffer = path, None, b""
    def post(self, target, body):
        if self.sock is None:
            self.sock = socket.socket(socket.AF_UNIX); self.sock.settimeout(300); self.sock.connect(self.path)
            self.buffer = b""
        self.sock.sendall(b"POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                          b"Content-Length: %d\r\n\r\n%s" % (target.encode(), len(body), body))
        while b"\r\n\r\n" not in self.buffer: self.receive()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        fields = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
        length = int(fields["content-length"])
        while len(self.buffer) < length: self.receive()
        answer, self.buffer = self.buffer[:length], self.buffer[length:]
        if fields.get("connection", "").lower() == "close": self.sock.close(); self.sock = None
        return status, answer
    def receive(self):
        data = self.sock.recv(65536)
        if not data: raise ConnectionError("the daemon closed the connection")
        self.buffer += data

local = threading.local()
def api(sock, source, client=Lean):
    name = sock + client.__name__
    conn = getattr(local, name, None)
    if conn is None:
        conn = client(os.path.join(work, sock + ".sock")); setattr(local, name, conn)
    body = json.dumps({"script": source})
    if client is Lean:
        status, answer = conn.post("/v1/runs", body.encode())
    else:
        conn.request("POST", "/v1/runs", body, {"Content-Type": "application/json"})
        response = conn.getresponse(); status, answer = response.status, response.read()
    result = json.loads(answer)
    assert status == 200 and result["exit_code"] == 0, result

def cli(argv):
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

def script_file(name, source):
    path = os.path.join(work, name + ".py")
    with open(path, "w") as f: f.write(source)
    return path

ways = {
    "(a) docker run --rm": lambda s: cli(["docker", "run", "--rm", "--label", "io.hardend.test=1"] + run_args +
                                          ["--entrypoint", "", image, "python3", "-c", s]),
    "(b) docker exec": lambda s: cli(["docker", "exec", exec_name, "python3", "-c", s]),
    "(c) hardend script": lambda s: cli([hardend, "script", "--config", os.path.join(work, "oneshot.json"),
                                         script_file("oneshot_%d" % threading.get_ident(), s)]),
    "(d) serve fresh": lambda s: api("fresh", s),
    "(e) serve reuse": lambda s: api("reuse", s),
    "(e') serve reuse, http.client": lambda s: api("reuse", s, Unix),
}
slow = {"(a) docker run --rm", "(c) hardend script"}

def idle_containers(sock):
    conn = Unix(os.path.join(work, sock + ".sock"))
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    conn.close()
    return sum(float(line.split()[-1]) for line in text.splitlines()
               if line.startswith("hardend_pool_containers{") and 'state="idle"' in line)

def wait_warm(sock, count):
    for _ in range(1200):
        if idle_containers(sock) >= count: return
        time.sleep(0.25)

def ended_warm_containers():
    out = subprocess.run(["docker", "ps", "-aq", "--filter", "label=io.hardend.kind=warm", "--filter", "status=exited"],
                         check=True, capture_output=True, text=True).stdout
    return len(out.split())

def wait_quiet():
    """Before every series: the fresh pool refilled and its used containers removed, so that no series pays
    for the container starts and removals that an earlier (d) series caused."""
    wait_warm("fresh", WARM)
    for _ in range(240):
        if ended_warm_containers() == 0: break
        time.sleep(0.25)
    time.sleep(1)

def measure(way, source, concurrency):
    runs = runs_slow if way in slow else (runs_fast if way != "(d) serve fresh" else max(runs_slow, 32))
    latencies = []
    def one(_):
        t = time.monotonic(); ways[way](source); latencies.append(time.monotonic() - t)
    # (d) is measured while the pool is warm: bursts of WARM runs, each started once WARM containers are idle
    # (the time spent waiting for the refill between bursts is not counted in runs/s).
    rounds = [runs] if way != "(d) serve fresh" else [min(WARM, runs - r) for r in range(0, runs, WARM)]
    elapsed = 0.0
    for count in rounds:
        if way == "(d) serve fresh": wait_warm("fresh", WARM)
        started = time.monotonic()
        with ThreadPoolExecutor(concurrency) as pool: list(pool.map(one, range(count)))
        elapsed += time.monotonic() - started
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000
    return runs, p(0.5), p(0.99), runs / elapsed

print("| script | way | concurrency | runs | p50 ms | p99 ms | runs/s |")
print("|---|---|---|---|---|---|---|")
p50 = {}
for name, source in scripts.items():
    for concurrency in (1, 4, 16):
        for way in ways:
            if way.startswith("(e')") and concurrency != 1: continue
            wait_quiet()
            runs, median, p99, rate = measure(way, source, concurrency)
            p50[(name, way, concurrency)] = median
            print("| %s | %s | %d | %d | %.1f | %.1f | %.1f |" % (name, way, concurrency, runs, median, p99, rate),
                  flush=True)
print()
wait_quiet()
spaced = []
for _ in range(runs_fast):
    started = time.monotonic()
    api("reuse", scripts["trivial"])
    spaced.append(time.monotonic() - started)
    time.sleep(max(0.0, 0.02 - (time.monotonic() - started)))
spaced.sort()
spaced_p50 = spaced[len(spaced) // 2] * 1000
print("(e) serve reuse, trivial, concurrency 1, runs 20 ms apart: %d runs, p50 %.1f ms, p99 %.1f ms" %
      (len(spaced), spaced_p50, spaced[min(len(spaced) - 1, int(0.99 * len(spaced)))] * 1000), flush=True)
sustained = int(os.environ.get("SUSTAINED_RUNS", "4000"))
for concurrency in (4, 16):
    wait_quiet()
    started = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(lambda _: api("reuse", scripts["trivial"]), range(sustained)))
    elapsed = time.monotonic() - started
    print("sustained (e) serve reuse, trivial, concurrency %d: %d runs in %.1f s = %.1f runs/s" %
          (concurrency, sustained, elapsed, sustained / elapsed), flush=True)
print()
for name in scripts:
    a = p50[(name, "(a) docker run --rm", 1)]
    for way in ("(c) hardend script", "(d) serve fresh", "(e) serve reuse", "(e') serve reuse, http.client"):
        print("%s, concurrency 1: (a)/%s p50 ratio = %.1fx" % (name, way, a / p50[(name, way, 1)]))
print("trivial, concurrency 1: (a)/(e) serve reuse, runs 20 ms apart, p50 ratio = %.1fx" %
      (p50[("trivial", "(a) docker run --rm", 1)] / spaced_p50))
PY
