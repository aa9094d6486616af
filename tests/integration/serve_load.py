#!/usr/bin/env python3
"""Load test client for `hardend serve` (tests/integration/serve_test.sh): N runs at concurrency C over the unix
socket, a mix of trivial, failing, timing-out and OOM scripts, every 10th submitted with ?async=1 and its result
polled from GET /v1/runs/{id}; checks that every run gets exactly one correct result. A 503 "busy" is not a result:
the run is submitted again after a pause (the count of such retries is printed).
usage: serve_load.py SOCKET RUNS CONCURRENCY; prints a summary and exits 1 on any wrong result."""
import http.client
import json
import socket
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=120)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(120)
        self.sock.connect(self.path)


def kind_of(i):
    if i % 50 == 7:
        return "oom"
    if i % 20 == 3:
        return "timeout"
    if i % 4 == 1:
        return "fail"
    return "ok"


def script_for(i, kind):
    if kind == "ok":
        return {"script": "print('run-%d')" % i, "timeout": 30}
    if kind == "fail":
        return {"script": "raise ValueError('fail-%d')" % i, "timeout": 30}
    if kind == "timeout":
        return {"script": "import time\ntime.sleep(30)", "timeout": 1}
    return {"script": "blocks = []\nwhile True:\n    blocks.append(bytearray(16 * 1024 * 1024))", "timeout": 60}


def check(i, kind, status, result):
    if status != 200:
        return "HTTP %d: %s" % (status, result)
    code = result.get("exit_code")
    if kind == "ok":
        contents = [e.get("Contents") for e in result.get("entries", [])]
        return None if code == 0 and contents == ["run-%d" % i] else "want exit 0 and run-%d, got %s" % (i, result)
    if kind == "fail":
        return None if code == 1 and "fail-%d" % i in (result.get("error") or "") else "want exit 1, got %s" % result
    if kind == "timeout":
        return None if code == 124 and result.get("timed_out") else "want exit 124, got %s" % result
    return None if code == 137 and result.get("oom_killed") else "want exit 137, got %s" % result


local = threading.local()
busy_retries = []  # one item per 503 busy (list.append is atomic)


def request(path, method, target, body=None):
    if not hasattr(local, "connection"):
        local.connection = UnixConnection(path)
    try:
        local.connection.request(method, target, body, {"Content-Type": "application/json"} if body else {})
        response = local.connection.getresponse()
        return response.status, json.loads(response.read())
    except Exception:
        local.connection = UnixConnection(path)  # the next request starts on a fresh connection
        raise


def submit(path, i, kind):
    """The run's (HTTP status, result object), synchronously or through ?async=1 and polling."""
    body = json.dumps(script_for(i, kind))
    asynchronous = i % 10 == 9
    while True:
        status, answer = request(path, "POST", "/v1/runs?async=1" if asynchronous else "/v1/runs", body)
        if status != 503 or "busy" not in answer.get("error", ""):
            break
        busy_retries.append(i)
        time.sleep(0.2)
    if not asynchronous:
        return status, answer
    if status != 202:
        return status, answer
    while True:
        status, state = request(path, "GET", "/v1/runs/" + answer["id"])
        if status != 200 or state.get("status") == "done":
            return (status, state) if status != 200 else (state["http_status"], state["result"])
        time.sleep(0.05)


def one_run(path, i):
    kind = kind_of(i)
    started = time.monotonic()
    try:
        status, result = submit(path, i, kind)
        problem = check(i, kind, status, result)
    except Exception as error:  # a broken connection is a wrong result too
        problem = "request failed: %r" % error
    return i, kind, problem, time.monotonic() - started


def main():
    path, runs, concurrency = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(lambda i: one_run(path, i), range(runs)))
    elapsed = time.monotonic() - started
    seen = sorted(i for i, _, _, _ in results)
    problems = [(i, kind, problem) for i, kind, problem, _ in results if problem]
    kinds = {}
    for _, kind, _, _ in results:
        kinds[kind] = kinds.get(kind, 0) + 1
    print("runs=%d concurrency=%d elapsed=%.1fs kinds=%s async=%d busy_retries=%d wrong=%d" % (
        runs, concurrency, elapsed, kinds, len([i for i in range(runs) if i % 10 == 9]), len(busy_retries),
        len(problems)))
    for i, kind, problem in problems[:10]:
        print("  run %d (%s): %s" % (i, kind, problem[:300]))
    if seen != list(range(runs)) or problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
