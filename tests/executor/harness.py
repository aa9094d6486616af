"""Runs the in-container executor on the host exactly as a container would: `python3 -u -c BOOTSTRAP`, the
bootstrap line and the request line on stdin, frames on stdout (docs/SCRIPTS.md)."""
import json
import os
import subprocess
from pathlib import Path

SOURCE_DIR = Path(__file__).resolve().parents[2]
ASSETS = SOURCE_DIR / "assets"
# The guide's examples live in ../shared next to the clone; the repository keeps a byte-identical copy of
# TestMemory.py (checked by the integration suite) for checkouts without it.
_SHARED_EXAMPLES = SOURCE_DIR.parent / "shared" / "examples"
EXAMPLES = Path(os.environ.get("HARDEND_EXAMPLES", _SHARED_EXAMPLES if _SHARED_EXAMPLES.is_dir()
                               else SOURCE_DIR / "tests" / "integration" / "scripts"))
# The test image's interpreter is Debian's Python 3.11, the same files as the host's /usr/bin/python3.
PYTHON = os.environ.get("HARDEND_TEST_PYTHON", "/usr/bin/python3")


def asset(name):
    return (ASSETS / name).read_text(encoding="utf-8")


def executor_command():
    return [PYTHON, "-u", "-c", asset("bootstrap.py")]


def bootstrap_line(mode="once", scratch=None, sysv_ipc=False):
    line = {"executor": asset("executor.py"), "modules": {"CommonServerPython": asset("CommonServerPython.py")},
            "mode": mode}
    if scratch is not None:
        line["scratch"] = scratch
    if sysv_ipc:
        line["scratch_sysv_ipc"] = True  # only ever in an IPC namespace of the test's own
    return json.dumps(line) + "\n"


def request_line(source, name="test_script", args=None, params=None, command="", output_limit=None, run_id=None,
                 last=False):
    request = {"script": source, "name": name, "args": args or {}, "params": params or {}, "command": command}
    if output_limit is not None:
        request["output_limit"] = output_limit
    if run_id is not None:
        request["id"] = run_id
    if last:
        request["last"] = True
    return json.dumps(request) + "\n"


class Run:
    """One executor process's frames, with the views the tests need."""

    def __init__(self, stdout, stderr, returncode):
        self.raw_stdout = stdout
        self.raw_stderr = stderr.decode("utf-8", "replace")
        self.returncode = returncode
        self.frames = [json.loads(line) for line in stdout.decode("utf-8").splitlines() if line.strip()]

    def of(self, kind):
        return [f for f in self.frames if f["t"] == kind]

    @property
    def entries(self):
        return [f["entry"] for f in self.of("entry")]

    @property
    def stdout(self):
        return "".join(f["data"] for f in self.of("stdout"))

    @property
    def stderr(self):
        return "".join(f["data"] for f in self.of("stderr"))

    @property
    def logs(self):
        return [(f["level"], f["msg"]) for f in self.of("log")]

    @property
    def errors(self):
        return self.of("error")

    @property
    def done(self):
        done = self.of("done")
        assert len(done) == 1, "expected exactly one done frame, got {}: {}".format(len(done), self.frames)
        return done[0]

    @property
    def exit_code(self):
        return self.done["exit_code"]


class LoopExecutor:
    """A loop-mode executor fed one request at a time: for tests that act between runs."""

    def __init__(self, scratch=None, sysv_ipc=False, preexec_fn=None):
        self.proc = subprocess.Popen(executor_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0,
                                     preexec_fn=preexec_fn)
        self.buffer = b""
        self.frames = []
        self.proc.stdin.write(bootstrap_line("loop", scratch, sysv_ipc).encode())

    def send(self, line):
        self.proc.stdin.write(line.encode())

    def until_done(self):
        """The frames up to the next done frame; returns that done frame."""
        while True:
            while b"\n" not in self.buffer:
                data = os.read(self.proc.stdout.fileno(), 65536)
                if not data:
                    raise AssertionError("the executor ended early; frames: %s" % self.frames)
                self.buffer += data
            line, self.buffer = self.buffer.split(b"\n", 1)
            frame = json.loads(line)
            self.frames.append(frame)
            if frame["t"] == "done":
                return frame

    def printed(self):
        return "".join(f["data"] for f in self.frames if f["t"] == "stdout")

    def close(self):
        """Closes stdin; returns the exit code (the process is killed if it does not end within 30 s)."""
        try:
            self.proc.stdin.close()
            return self.proc.wait(timeout=30)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self.proc.stdout.close()


def run_executor(stdin_text, preexec_fn=None, timeout=120, env=None):
    process = subprocess.run(executor_command(), input=stdin_text.encode("utf-8"), capture_output=True,
                             timeout=timeout, preexec_fn=preexec_fn, env=env)
    return Run(process.stdout, process.stderr, process.returncode)


def run_script(source, preexec_fn=None, timeout=120, **request):
    return run_executor(bootstrap_line("once") + request_line(source, **request), preexec_fn, timeout)
