# hardend in-container executor (protocol version 1; docs/SCRIPTS.md describes it in full).
#
# Started by the bootstrap (assets/bootstrap.py), which passes HARDEND_BOOT (the first stdin line, already parsed)
# and HARDEND_STDIN (the buffered stdin reader, positioned after that line). For every request line it forks a
# fresh "script process" that runs the script with the platform's globals; this process (the "pump") forwards
# everything the script produces to the engine as one-line JSON frames on the ORIGINAL stdout:
#   {"t":"ready"} once, then per run {"t":"stdout"|"stderr","data":...}, {"t":"entry","entry":{...}},
#   {"t":"log","level":...,"msg":...}, {"t":"error","message":...,"traceback":...}, {"t":"truncated","limit":N}
#   and finally {"t":"done","exit_code":N}.
# Only the pump writes to the engine's stdout, so frames never interleave. The script process sends its frames
# through a private pipe; its fds 1 and 2 are pipes too, so output of programs it starts (multiprocessing
# children, subprocesses) is captured. The pump enforces the output cap, so a flood cannot reach the engine.
import builtins
import codecs
import errno
import gc
import io
import json
import linecache
import os
import selectors
import signal
import sys
import threading
import time
import traceback
import types

PROTOCOL_VERSION = 1
DEFAULT_OUTPUT_LIMIT = 10 * 1024 * 1024
# Writes of at most PIPE_BUF bytes to a pipe are atomic: text frames from the script process (and from any
# process it forks) are kept below it so that concurrent writers never interleave inside a line.
ATOMIC_FRAME_BYTES = 4000
PUMP_READ_BYTES = 65536
PUMP_TEXT_FRAME_CHARS = 16384
# After the script process exits, processes it left behind may still hold its pipes: wait this long for them,
# then kill the run's process group.
ORPHAN_GRACE_SECONDS = 0.5
MAX_TRACEBACK_CHARS = 65536
MAX_LEFTOVERS_REPORTED = 8
SCRATCH_MAX_DEPTH = 64  # deeper directories a run made are not removed: the container is then not reused
LEFTOVER_KILL_WAIT_SECONDS = 1.0
GROUP_REAP_SECONDS = 2.0  # reap_killed_group(): the longest a run's killed group may take to be reaped
EXIT_BAD_REQUEST = 2
EXIT_EXECUTOR_FAILURE = 70
PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36


# ---------------------------------------------------------------------------------------------------------------
# JSON encoding shared by both processes


def _json_default(value):
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _replace_non_finite(value):
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return str(value)
    if isinstance(value, dict):
        return {k: _replace_non_finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_replace_non_finite(v) for v in value]
    return value


def encode_frame(frame):
    """One frame as a UTF-8 JSON line. NaN/Infinity are not JSON: they are sent as strings."""
    try:
        text = json.dumps(frame, ensure_ascii=False, separators=(",", ":"), default=_json_default, allow_nan=False)
    except ValueError:
        text = json.dumps(_replace_non_finite(frame), ensure_ascii=False, separators=(",", ":"),
                          default=_json_default, allow_nan=False)
    return (text + "\n").encode("utf-8", "replace")


def write_all(fd, data):
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def utf8_prefix(text, max_bytes):
    """The longest prefix of `text` whose UTF-8 encoding fits in max_bytes."""
    return text.encode("utf-8", "replace")[:max_bytes].decode("utf-8", "ignore")


# ---------------------------------------------------------------------------------------------------------------
# Script process side: frames, stdout/stderr streams, the demisto object


class ScriptFrames:
    """Frame writer of the script process (and of every process it forks). Thread-safe; fork-safe."""

    def __init__(self, fd, text_limit):
        self.fd = fd
        self.text_left = text_limit
        self.truncated = False
        self.lock = threading.Lock()

    def after_fork_in_child(self):
        self.lock = threading.Lock()

    def emit(self, frame):
        line = encode_frame(frame)
        with self.lock:
            write_all(self.fd, line)

    def text(self, kind, text):
        """stdout/stderr text, cut at this process's share of the output cap, in atomic-size frames."""
        if not text:
            return
        size = len(text.encode("utf-8", "replace"))
        if size > self.text_left:
            text = utf8_prefix(text, max(self.text_left, 0))
            self.text_left = 0
            if text:
                self._text_frames(kind, text)
            if not self.truncated:
                self.truncated = True
                self.emit({"t": "truncated"})
            return
        self.text_left -= size
        self._text_frames(kind, text)

    def _text_frames(self, kind, text):
        step = ATOMIC_FRAME_BYTES // 2
        start = 0
        while start < len(text):
            piece = text[start:start + step]
            line = encode_frame({"t": kind, "data": piece})
            # Escaped control characters or wide characters can make a piece too big: halve it until it fits.
            while len(line) > ATOMIC_FRAME_BYTES and len(piece) > 1:
                piece = piece[:len(piece) // 2]
                line = encode_frame({"t": kind, "data": piece})
            with self.lock:
                write_all(self.fd, line)
            start += len(piece)

    def log(self, level, message):
        self.emit({"t": "log", "level": level, "msg": message})


class FrameTextStream(io.TextIOBase):
    """sys.stdout / sys.stderr of the script: line-buffered text that becomes stdout/stderr frames in order with
    the script's entries (raw writes to fds 1 and 2 are captured separately by the pump)."""

    encoding = "utf-8"
    errors = "strict"

    def __init__(self, frames, kind, fd):
        super().__init__()
        self._frames = frames
        self._kind = kind
        self._fd = fd
        self._pending = []
        self._pending_chars = 0
        self._lock = threading.Lock()
        self.buffer = _BinaryAdapter(self)

    def after_fork_in_child(self):
        self._lock = threading.Lock()

    def writable(self):
        return True

    def isatty(self):
        return False

    def fileno(self):
        return self._fd

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError("write() argument must be str, not {}".format(type(text).__name__))
        with self._lock:
            self._pending.append(text)
            self._pending_chars += len(text)
            must_flush = "\n" in text or self._pending_chars >= ATOMIC_FRAME_BYTES
        if must_flush:
            self.flush()
        return len(text)

    def flush(self):
        with self._lock:
            text = "".join(self._pending)
            self._pending = []
            self._pending_chars = 0
        if text:
            self._frames.text(self._kind, text)

    def close(self):
        self.flush()  # the script cannot close the channel itself; later writes still work


class _BinaryAdapter:
    """sys.stdout.buffer: bytes are decoded incrementally (a character may be split across writes)."""

    def __init__(self, stream):
        self._stream = stream
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def write(self, data):
        self._stream.write(self._decoder.decode(bytes(data)))
        return len(data)

    def flush(self):
        self._stream.flush()

    def writable(self):
        return True

    def fileno(self):
        return self._stream.fileno()


def normalize_entries(results):
    """demisto.results(...) accepts an entry dict, a list of results, a string or any JSON value."""
    if results is None:
        return []
    if isinstance(results, (list, tuple)):
        entries = []
        for item in results:
            entries.extend(normalize_entries(item) if not isinstance(item, (list, tuple)) else [_plain_entry(item)])
        return entries
    if isinstance(results, dict) and any(k in results for k in ("Type", "Contents", "ContentsFormat")):
        entry = dict(results)
        entry.setdefault("Type", 1)
        entry.setdefault("ContentsFormat", "json" if isinstance(entry.get("Contents"), (dict, list)) else "text")
        entry.setdefault("Contents", None)
        entry.setdefault("HumanReadable", None)
        entry.setdefault("EntryContext", None)
        return [entry]
    return [_plain_entry(results)]


def _plain_entry(value):
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text_like = isinstance(value, str)
    return {"Type": 1, "ContentsFormat": "text" if text_like else "json", "Contents": value,
            "HumanReadable": None, "EntryContext": None}


def _format_message(message, args):
    message = message if isinstance(message, str) else str(message)
    if args:
        try:
            return message % args
        except (TypeError, ValueError):
            return " ".join([message] + [str(a) for a in args])
    return message


class Demisto:
    """The `demisto` object (also importable as `demistomock`). Server-side calls that need a real XSOAR
    server (executeCommand, incidents, files) answer as a server without that data would; see docs/SCRIPTS.md."""

    def __init__(self, request, frames):
        self._frames = frames
        self.bind(request)

    def bind(self, request):
        """The run's own request: a prepared script process gets it only after its platform modules exist."""
        self._args = request.get("args") or {}
        self._params = request.get("params") or {}
        self._command = request.get("command") or ""
        self._context = request.get("context") or {}
        self._integration_context = {}
        self._last_run = {}
        self.callingContext = {"args": self._args, "command": self._command,
                               "context": {"IntegrationBrand": "", "ParentEntry": None, "ExecutedCommands": None}}

    def args(self):
        return self._args

    def params(self):
        return self._params

    def command(self):
        return self._command

    def getArg(self, name):
        return self._args.get(name)

    def getParam(self, name):
        return self._params.get(name)

    def results(self, results):
        for entry in normalize_entries(results):
            self._frames.emit({"t": "entry", "entry": entry})

    def log(self, message, *args):
        self._frames.log("info", _format_message(message, args))

    def debug(self, message, *args):
        self._frames.log("debug", _format_message(message, args))

    def info(self, message, *args):
        self._frames.log("info", _format_message(message, args))

    def warning(self, message, *args):
        self._frames.log("warning", _format_message(message, args))

    def error(self, message, *args):
        self._frames.log("error", _format_message(message, args))

    def context(self):
        return self._context

    def setContext(self, key, value):
        self._context[key] = value

    def get(self, obj, field, defaultParam=None):
        current = obj
        for part in str(field).split("."):
            if isinstance(current, dict) and part in current:
                current = current[part]
            else:
                return defaultParam
        return current

    def gets(self, obj, field):
        return str(self.get(obj, field, ""))

    def dt(self, obj, transform):
        return self.get(obj, transform)

    def incidents(self):
        return [{}]

    def incident(self):
        return {}

    def investigation(self):
        return {"id": "1"}

    def executeCommand(self, command, args=None):
        return [{"Type": 4, "ContentsFormat": "text", "HumanReadable": None, "EntryContext": None,
                 "Contents": "executeCommand is not available in hardend script: {}".format(command)}]

    def getIntegrationContext(self):
        return self._integration_context

    def setIntegrationContext(self, context):
        self._integration_context = context

    def getLastRun(self):
        return self._last_run

    def setLastRun(self, value):
        self._last_run = value

    def uniqueFile(self):
        import uuid
        return str(uuid.uuid4())

    def getLicenseID(self):
        return "hardend"

    def demistoVersion(self):
        return {"version": "6.10.0", "buildNumber": "0", "platform": "hardend"}


# ---------------------------------------------------------------------------------------------------------------
# Script process: set up, run, report


def script_filename(name):
    base = os.path.basename(str(name or "")).strip() or "script"
    return base if base.endswith(".py") else base + ".py"


def exit_code_of_system_exit(exc):
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    sys.stderr.write("{}\n".format(code))
    return 1


def error_frame(exc, filename):
    """Traceback of the script's own frames (those of the executor are dropped), with its line numbers."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != filename:
        tb = tb.tb_next
    if isinstance(exc, SyntaxError) and exc.filename == filename:
        tb = None
    elif tb is None:
        tb = exc.__traceback__
    text = "".join(traceback.format_exception(type(exc), exc, tb))
    if len(text) > MAX_TRACEBACK_CHARS:
        text = text[:MAX_TRACEBACK_CHARS // 2] + "\n...\n" + text[-MAX_TRACEBACK_CHARS // 2:]
    message = "".join(traceback.format_exception_only(type(exc), exc)).strip().splitlines()[-1]
    frame = {"t": "error", "message": message, "type": type(exc).__name__, "traceback": text}
    line = getattr(exc, "lineno", None) if isinstance(exc, SyntaxError) else None
    if line is None and tb is not None:
        while tb.tb_next is not None and tb.tb_next.tb_frame.f_code.co_filename == filename:
            tb = tb.tb_next
        line = tb.tb_lineno
    if line is not None:
        frame["line"] = line
    return frame


def install_platform_modules(module_codes):
    """The demistomock / CommonServerPython / CommonServerUserPython modules, as the platform provides them.
    Nothing in them depends on the request or on the process (demisto gets both later)."""
    demisto = Demisto({}, None)
    sys.modules["demistomock"] = demisto
    common = types.ModuleType("CommonServerPython")
    common.__file__ = "CommonServerPython.py"
    sys.modules["CommonServerPython"] = common
    exec(module_codes["CommonServerPython"], common.__dict__)
    sys.modules["CommonServerUserPython"] = types.ModuleType("CommonServerUserPython")
    return demisto, common


def script_main_module(common):
    """The script's module: `from CommonServerPython import *` (public names, including the modules it
    imported, such as sys and os) as its globals; registered as __main__ so pickling by reference works."""
    main_module = types.ModuleType("__main__")
    namespace = main_module.__dict__
    for name, value in common.__dict__.items():
        if not name.startswith("_"):
            namespace[name] = value
    namespace.update({"__name__": "__main__", "__builtins__": builtins})
    return main_module


def finish_like_interpreter():
    """What a normal interpreter exit does: join non-daemon threads, then run atexit handlers
    (multiprocessing joins its children there)."""
    try:
        threading._shutdown()
    except Exception:
        traceback.print_exc()
    try:
        import atexit
        atexit._run_exitfuncs()
    except Exception:
        traceback.print_exc()


class ScriptWorld:
    """The platform modules and the script's globals, built ONCE in the pump, which never runs a script: every
    script process inherits them, pristine, through its fork (as it inherits the pre-imported modules), and what
    a script changes in them dies with its process. A failure is kept and reported as each run's error once the
    request is there (a broken shim is hardend's bug)."""

    def __init__(self, module_codes):
        self.failure = None
        try:
            self.demisto, common = install_platform_modules(module_codes)
            self.main_module = script_main_module(common)
        except BaseException as exc:
            self.failure = (exc, traceback.format_exc())
        # The script process's own frames channel and sys.stdin/stdout/stderr are built here too, once: objects
        # made in a freshly forked process write to pages shared with the pump, and every such page costs the
        # process a copy-on-write fault. The frames pipe is moved to the fd reserved here (a /dev/null
        # placeholder in the pump, never written there).
        self.frames_fd = os.open(os.devnull, os.O_WRONLY)
        self.frames = ScriptFrames(self.frames_fd, DEFAULT_OUTPUT_LIMIT)
        self.stdin = open(os.devnull, "r")  # the executor's own stdin (the request stream) is not the script's
        self.stdout = FrameTextStream(self.frames, "stdout", 1)
        self.stderr = FrameTextStream(self.frames, "stderr", 2)

    def enter(self, frames):
        """In the script process: its frames channel and its __main__."""
        if self.failure is None:
            self.demisto._frames = frames
            sys.modules["__main__"] = self.main_module


def run_script(request, frames, world):
    filename = script_filename(request.get("name"))
    source = request.get("script") or ""
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    if world.failure is not None:
        exc, text = world.failure
        frames.emit({"t": "error", "message": "hardend executor: cannot set up the script API: {!r}".format(exc),
                     "traceback": text})
        return EXIT_EXECUTOR_FAILURE
    world.demisto.bind(request)
    namespace = world.main_module.__dict__
    namespace["__file__"] = filename
    try:
        code = compile(source, filename, "exec")
        exec(code, namespace)
        exit_code = 0
    except SystemExit as exc:
        exit_code = exit_code_of_system_exit(exc)
    except BaseException as exc:
        frames.emit(error_frame(exc, filename))
        exit_code = 1
    finish_like_interpreter()
    return exit_code


def announce_exit(frames_fd, exit_code):
    """The script process's last words: its exit code, then its ends of the pipes closed, so that the pump can
    finish the run while the kernel still tears this process down. An unused prepared process (no request)
    says nothing."""
    try:
        if exit_code is not None:  # formatted by hand: the script may have broken the json module
            write_all(frames_fd, b'{"t":"exit","exit_code":%d}\n' % (int(exit_code) & 0xFF))
        for fd in (1, 2, frames_fd):
            os.close(fd)
    except BaseException:
        pass


def read_to_end(fd):
    chunks = []
    while True:
        data = os.read(fd, PUMP_READ_BYTES)
        if not data:
            return b"".join(chunks)
        chunks.append(data)


def read_request_pipe(fd):
    """The request line the pump hands over, or None when the pump closes the pipe without one."""
    data = read_to_end(fd)
    os.close(fd)
    return json.loads(data) if data else None


def warm_up():
    """In the prepared script process, before its request: what every run does first (decode the request,
    compile a source, encode an entry frame) is done once on throwaway values. A forked process shares its pages
    with the pump until it writes to them, and the interpreter writes (reference counts, caches) to every object
    it uses: the copy-on-write faults of these first uses then fall here, off the run's critical path (measured
    in a warm container: about 0.4 ms of a trivial run's 2.6 ms). Nothing it makes is kept. Only a speed-up: a
    failure here changes nothing for the run."""
    try:
        json.loads('{"script": "", "args": {}, "params": {}, "output_limit": 1}')
        compile("value = [1]\n", "<hardend warm-up>", "exec")
        encode_frame({"t": "entry", "entry": normalize_entries("warm-up")[0]})
    except Exception:
        pass


def script_process_main(request_r, world, stdout_w, stderr_w, frames_w):
    """Runs in the forked script process: everything that does not need the request is done before it waits
    for it on `request_r`, so the fork and the set-up are off the run's critical path. Returns the exit code."""
    os.setpgid(0, 0)  # the run is one process group: leftovers are killed together
    set_dumpable(True)  # only the pump stays out of the script's reach (set_dumpable)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(stdout_w, 1)
    os.dup2(stderr_w, 2)
    os.dup2(frames_w, world.frames_fd, inheritable=False)
    for fd in (devnull, stdout_w, stderr_w, frames_w):
        if fd > 2:
            os.close(fd)
    frames = world.frames
    sys.stdin = world.stdin
    sys.stdout = world.stdout
    sys.stderr = world.stderr
    streams = (sys.stdout, sys.stderr)

    def before_fork():
        for stream in streams:
            stream.flush()

    def after_fork_in_child():
        frames.after_fork_in_child()
        for stream in streams:
            stream.after_fork_in_child()

    os.register_at_fork(before=before_fork, after_in_child=after_fork_in_child)
    world.enter(frames)
    warm_up()
    request = read_request_pipe(request_r)
    if request is None:
        return None  # discarded unused: nothing ran
    frames.text_left = output_limit_of(request)
    exit_code = run_script(request, frames, world)
    for stream in streams:
        try:
            stream.flush()
        except Exception:
            pass
    return exit_code


# ---------------------------------------------------------------------------------------------------------------
# Pump side: one run = fork, forward frames under the output cap, reap, report done


class EngineOutput:
    """The original stdout: only the pump writes here, one whole line per write."""

    def __init__(self, fd):
        self.fd = fd

    def emit(self, frame):
        write_all(self.fd, encode_frame(frame))

    def line(self, line):
        write_all(self.fd, line)


class RunPump:
    """Forwards one run's output to the engine. Text (stdout, stderr, log) and entries have a budget of
    `limit` bytes each; beyond it data is dropped and one truncated frame is sent."""

    TEXT_PREFIXES = (b'{"t":"stdout"', b'{"t":"stderr"', b'{"t":"log"')
    ENTRY_PREFIX = b'{"t":"entry"'
    TRUNCATED_PREFIX = b'{"t":"truncated"'
    EXIT_PREFIX = b'{"t":"exit"'

    def __init__(self, out, limit):
        self.out = out
        self.limit = limit
        self.text_left = limit
        self.entry_left = limit
        self.truncated_sent = False
        self.max_child_line = 2 * limit + 65536
        self.child_buffer = bytearray()
        self.discarding_child_line = False
        self.decoders = {}
        self.reported_exit = None  # the script process's own exit code, sent just before it exits
        # pump_run() killed the run's group after that report while the script process had not ended yet: on its
        # way out, but not scheduled (a fork bomb's children starve the container's CPU), or a script that
        # forged the report and ran on. Its SIGKILL is then the executor's clean-up, not the run's outcome.
        self.killed_after_exit_report = False

    def mark_truncated(self):
        if not self.truncated_sent:
            self.truncated_sent = True
            self.out.emit({"t": "truncated", "limit": self.limit})

    def raw_text(self, kind, data, final=False):
        """Bytes written straight to fd 1 or 2 (by the script or programs it started)."""
        decoder = self.decoders.setdefault(kind, codecs.getincrementaldecoder("utf-8")("replace"))
        text = decoder.decode(data, final)
        if not text:
            return
        if self.text_left <= 0:
            self.mark_truncated()
            return
        size = len(text.encode("utf-8"))
        cut = size > self.text_left
        if cut:
            text = utf8_prefix(text, self.text_left)
        self.text_left -= min(size, self.text_left)
        for start in range(0, len(text), PUMP_TEXT_FRAME_CHARS):
            self.out.emit({"t": kind, "data": text[start:start + PUMP_TEXT_FRAME_CHARS]})
        if cut:
            self.mark_truncated()

    def child_bytes(self, data):
        """Frame lines from the script process; only complete lines are forwarded."""
        start = 0
        while True:
            newline = data.find(b"\n", start)
            if newline < 0:
                rest = data[start:]
                if self.discarding_child_line:
                    return
                self.child_buffer += rest
                if len(self.child_buffer) > self.max_child_line:
                    self.child_buffer = bytearray()
                    self.discarding_child_line = True
                    self.mark_truncated()
                return
            piece = data[start:newline + 1]
            start = newline + 1
            if self.discarding_child_line:
                self.discarding_child_line = False
                continue
            if self.child_buffer:
                self.child_buffer += piece
                line = bytes(self.child_buffer)
                self.child_buffer = bytearray()
            else:
                line = bytes(piece)
            self.child_line(line)

    def child_line(self, line):
        if line.startswith(self.TEXT_PREFIXES):
            if len(line) <= self.text_left:
                self.text_left -= len(line)
                self.out.line(line)
            else:
                self._cut_text_frame(line)
        elif line.startswith(self.ENTRY_PREFIX):
            if len(line) <= self.entry_left:
                self.entry_left -= len(line)
                self.out.line(line)
            else:
                self.entry_left = 0
                self.mark_truncated()
        elif line.startswith(self.TRUNCATED_PREFIX):
            self.mark_truncated()
        elif line.startswith(self.EXIT_PREFIX):
            try:
                code = json.loads(line).get("exit_code")
            except ValueError:
                code = None
            if isinstance(code, int) and self.reported_exit is None:
                self.reported_exit = code & 0xFF
        else:
            self.out.line(line)

    def _cut_text_frame(self, line):
        budget = self.text_left
        self.text_left = 0
        try:
            frame = json.loads(line)
            field = "data" if "data" in frame else "msg"
            frame[field] = utf8_prefix(str(frame.get(field, "")), max(budget - 64, 0))
            if frame[field]:
                self.out.emit(frame)
        except ValueError:
            pass
        self.mark_truncated()

    def finish(self):
        for kind in list(self.decoders):
            self.raw_text(kind, b"", final=True)


def _pidfd(pid):
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None  # old kernel: fall back to polling waitpid


def pump_run(pid, stdout_r, stderr_r, frames_r, pump):
    """Forwards until the script process has ended and its pipes are drained. The end is its exit frame (sent,
    with its fds closed, just before os._exit: the kernel's teardown of the process is then off the run's
    critical path) or else its wait status. Returns its wait status, or None when it reported its exit code
    and is not reaped yet (reap_script_process() does that after the done frame)."""
    selector = selectors.DefaultSelector()
    kinds = {stdout_r: "stdout", stderr_r: "stderr", frames_r: "frames"}
    for fd in kinds:
        os.set_blocking(fd, False)
        selector.register(fd, selectors.EVENT_READ)
    pidfd = _pidfd(pid)
    if pidfd is not None:
        selector.register(pidfd, selectors.EVENT_READ)
    open_fds = set(kinds)
    status = None
    deadline = None
    killed_group = False
    while open_fds:
        if deadline is None:
            timeout = None if pidfd is not None else 0.01
        else:
            timeout = deadline - time.monotonic()
            if timeout <= 0:
                if killed_group:
                    break
                _kill_group(pid)  # leftovers still hold the pipes: end them, then read what they wrote
                killed_group = True
                pump.killed_after_exit_report = status is None and pump.reported_exit is not None
                deadline = time.monotonic() + ORPHAN_GRACE_SECONDS
                continue
        for key, _ in selector.select(timeout):
            fd = key.fd
            if fd == pidfd:
                selector.unregister(pidfd)
                os.close(pidfd)
                pidfd = None
                continue
            try:
                data = os.read(fd, PUMP_READ_BYTES)
            except BlockingIOError:
                continue
            if not data:
                selector.unregister(fd)
                open_fds.discard(fd)
                continue
            if kinds[fd] == "frames":
                pump.child_bytes(data)
            else:
                pump.raw_text(kinds[fd], data)
        if status is None:
            waited, wait_status = os.waitpid(pid, os.WNOHANG)
            if waited:
                status = wait_status
        if deadline is None and (status is not None or pump.reported_exit is not None):
            deadline = time.monotonic() + ORPHAN_GRACE_SECONDS
    if pidfd is not None:
        os.close(pidfd)
    selector.close()
    for fd in kinds:
        os.close(fd)
    if status is None and pump.reported_exit is None:
        status = os.waitpid(pid, 0)[1]
    if not killed_group:
        _kill_group(pid)
    if status is not None:
        _reap_orphans()
    pump.finish()
    return status


def end_script_process(pid):
    """A run whose process reported its exit: it is ending (or ended by the group kill unless it left its
    group): make sure, before anything looks for leftovers. Still our unreaped child: the pid is no one else's."""
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def reap_script_process(pid):
    """After the done frame of a run whose process reported its exit (end_script_process() ended it): reap it
    and the orphans."""
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
    _reap_orphans()


def _kill_group(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _reap_orphans():
    """As PID 1 of the container the executor inherits the run's orphans: reap them (the PIDs limit counts)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def reap_killed_group(pgid):
    """After the done frame (so the run's answer does not wait for it) and before the next run's process exists:
    reap the processes of the run's group, which got SIGKILL, until none is left (dying ones become zombies within
    milliseconds, but a fork bomb leaves hundreds), at most GROUP_REAP_SECONDS. In a reused container a zombie left
    here would be seen by the next run and count against its PIDs limit."""
    deadline = time.monotonic() + GROUP_REAP_SECONDS
    while True:
        _reap_orphans()
        if not _group_has_processes(pgid) or time.monotonic() >= deadline:
            return
        time.sleep(0.005)


def _group_has_processes(pgid):
    if os.getpid() == 1 and only_known_processes((1,)):
        return False
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _process_stat(int(entry))
            if stat is not None and stat[3] == pgid:
                return True
    return False


def _process_stat(pid):
    """(name, state, parent pid, process group) of a process, from /proc; None when it is gone."""
    try:
        fd = os.open("/proc/%d/stat" % pid, os.O_RDONLY)
    except OSError:
        return None
    try:
        data = os.read(fd, 4096)
    except OSError:
        return None
    finally:
        os.close(fd)
    close = data.rfind(b")")  # the name may hold spaces and parentheses itself
    fields = data[close + 2:].split()
    if len(fields) < 3:
        return None
    name = data[data.find(b"(") + 1:close].decode("utf-8", "replace")
    return name, fields[0].decode("ascii", "replace"), int(fields[1]), int(fields[2])


# The container's own cgroup, as Docker and Podman mount it (cgroup v1 pids controller, cgroup v2 namespaced).
CGROUP_PROCS_FILES = ("/sys/fs/cgroup/pids/cgroup.procs", "/sys/fs/cgroup/cgroup.procs")


def only_known_processes(known, files=CGROUP_PROCS_FILES):
    """True when the container's cgroup holds no process but `known` (which includes this one): one file read
    instead of a walk through /proc (about 0.1 ms of a trivial run). The first readable file that lists this
    process counts: one that does not is some other cgroup. A process cannot leave a container's cgroup (the
    cgroup filesystem is mounted read-only), so any other process, dying or not, shows up and sends the caller
    to the full walk. Only meaningful as the container's PID 1: on a host other processes share the cgroup."""
    me = os.getpid()
    for path in files:
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            continue
        try:
            pids = {int(pid) for pid in read_to_end(fd).split()}
        except (OSError, ValueError):
            continue
        finally:
            os.close(fd)
        if me in pids:
            return pids <= set(known)
    return False


def find_leftover_processes(run_pid):
    """Processes of the container that are still alive after a run and that the run's group kill missed: they
    left the run's process group (setsid, setpgid, a double-forked daemon) and would live on into the next run.
    Everything else a run started is either dead (a zombie, reaped later) or in the run's group, which has just
    been sent SIGKILL (it cannot fork any more and dies on its own). Called after that kill and before the next
    run's process exists, so every other live process is a leftover. As the container's PID 1 every process in
    /proc is ours; elsewhere (the host-side tests) only our descendants are, which orphans stay as we are their
    subreaper (become_subreaper()). Returns [(pid, name)]."""
    me = os.getpid()
    if me == 1 and only_known_processes((me, run_pid)):
        return []
    stats = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != me:
            stat = _process_stat(int(entry))
            if stat is not None:
                stats[int(entry)] = stat
    if me != 1:
        stats = {pid: stat for pid, stat in stats.items() if _descends_from(pid, me, stats)}
    return [(pid, stat[0]) for pid, stat in sorted(stats.items())
            if stat[1] not in ("Z", "X", "x") and stat[3] != run_pid and pid != run_pid]


def _descends_from(pid, ancestor, stats):
    seen = set()
    while pid in stats and pid not in seen:
        seen.add(pid)
        pid = stats[pid][2]
        if pid == ancestor:
            return True
    return False


def set_dumpable(dumpable):
    """PR_SET_DUMPABLE. The pump is made non-dumpable before it forks any script process: a script runs as
    the same user as the pump, and a dumpable pump could be opened through /proc/1/mem, /proc/1/fd or ptrace by
    the script it runs, which could then rewrite the pump and see every later run's request in a `reuse`
    container (args, params, credentials). Non-dumpable, those need CAP_SYS_PTRACE, which the container does
    not have. The script process makes itself dumpable again (a normal process to itself and its children).
    Returns whether the call succeeded."""
    return _prctl(PR_SET_DUMPABLE, 1 if dumpable else 0)


def _libc():
    """The C library through ctypes, loaded once, in the pump: script processes inherit it (a CDLL made in each
    script process cost about 30 copy-on-write faults per run). None when ctypes cannot load it."""
    global _libc_handle
    if _libc_handle is None:
        try:
            import ctypes
            _libc_handle = ctypes.CDLL(None, use_errno=True)
        except (ImportError, OSError):
            return None
    return _libc_handle


_libc_handle = None


def _prctl(option, value):
    libc = _libc()
    try:
        return libc is not None and libc.prctl(option, value, 0, 0, 0) == 0
    except AttributeError:
        return False


def become_subreaper():
    """Outside a container (where the executor is not PID 1) orphans of a run would go to the host's init and
    escape find_leftover_processes(): make them ours, as they are in a container."""
    if os.getpid() != 1:
        _prctl(PR_SET_CHILD_SUBREAPER, 1)


class ScratchSpace:
    """What a run of a loop-mode container can leave for the next run in it, besides processes: files in the
    writable directories (the engine lists the tmpfs mounts, /dev/shm and /dev/mqueue in the boot line as
    "scratch") and, in the container's private IPC namespace ("scratch_sysv_ipc"), SysV shared memory, message
    queues and semaphores: a script's temporary files, credentials it saved, something planted for the next
    run. What exists when the executor starts belongs to the image or the runtime and is kept, unless a run
    changed it (_identity: replaced, written, chmod-ed), and a kept directory is judged the same way inside;
    after each run everything else is removed, without following symlinks (a run can plant them) and making
    directories writable where the run had made them read-only. What cannot be removed is reported in the run's
    done frame ("scratch_left"), and the engine then never gives that container another run."""

    def __init__(self, paths, sysv_ipc=False):
        self.dirs = []
        for path in paths if isinstance(paths, list) else []:
            if not isinstance(path, str) or not path.startswith("/"):
                continue
            try:
                fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
            except OSError:
                continue  # no such mount in this container: nothing to clean there
            try:
                self.dirs.append((path, _snapshot(fd)))
            except OSError:
                self.dirs.append((path, None))  # unreadable: every wipe reports it, so the container serves one run
            finally:
                os.close(fd)
        self.sysv = {}
        for kind in SYSV_IPC_KINDS if sysv_ipc is True else ():
            try:
                self.sysv[kind] = frozenset(_sysv_ids(kind))
            except OSError:
                pass  # a kernel without SysV IPC: no such objects to clean

    def wipe(self):
        """Removes what runs added; returns (the first few paths it could not remove, how many). Never raises:
        whatever goes wrong counts as not removed."""
        left = []
        for path, kept in self.dirs:
            try:
                fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
            except OSError:
                left.append(path)
                continue
            try:
                if kept is None:
                    left.append(path)
                else:
                    _wipe_dir(fd, path, kept, left)
            except Exception:
                left.append(path)
            finally:
                os.close(fd)
        for kind, kept in self.sysv.items():
            try:
                left.extend("sysv {} {}".format(kind, i) for i in _sysv_ids(kind) - kept if not _sysv_remove(kind, i))
            except Exception:
                left.append("sysv " + kind)
        return left[:MAX_LEFTOVERS_REPORTED], len(left)


SYSV_IPC_KINDS = ("shm", "msg", "sem")


def _snapshot(dir_fd, depth=0):
    """What a scratch directory holds when the executor starts: {name: (identity, the snapshot inside it when
    it is a directory, False for a directory it cannot read, None for anything else)}. Docker and Podman start
    these directories empty, so this is normally {}."""
    kept = {}
    with os.scandir(dir_fd) as entries:
        for entry in entries:
            inside = None  # not a directory
            if entry.is_dir(follow_symlinks=False):
                inside = False  # a directory it cannot see into (too deep, unreadable): never vouched for
                try:
                    fd = os.open(entry.name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dir_fd)
                    try:
                        inside = _snapshot(fd, depth + 1) if depth < SCRATCH_MAX_DEPTH else False
                    finally:
                        os.close(fd)
                except OSError:
                    pass
            kept[entry.name] = (_identity(entry), inside)
    return kept


def _wipe_dir(dir_fd, path, kept, left):
    """Removes from dir_fd what is not in its snapshot `kept`, or changed since (_identity); a kept directory is
    wiped the same way inside, so nothing planted deeper in it stays, and the image's files around it do."""
    with os.scandir(dir_fd) as entries:
        found = [(e.name, _identity(e)) for e in entries]
    for name, identity in found:
        was = kept.get(name)
        if was is not None and was[0] == identity:
            if was[1] is False:
                left.append(os.path.join(path, name))  # what a run did inside it cannot be judged
            elif was[1] is not None:
                fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dir_fd)
                try:
                    _wipe_dir(fd, os.path.join(path, name), was[1], left)
                finally:
                    os.close(fd)
            continue
        if not _remove_entry(dir_fd, name):
            left.append(os.path.join(path, name))


def _identity(entry):
    """What must not change for a kept entry (not followed): a file's inode and ctime (replaced, written or
    chmod-ed, it differs); a directory's inode, mode and owner (its ctime changes with every entry added or
    removed inside it, which _wipe_dir judges one by one)."""
    try:
        stat = entry.stat(follow_symlinks=False)
    except OSError:
        return None
    if entry.is_dir(follow_symlinks=False):
        return "dir", stat.st_ino, stat.st_mode, stat.st_uid, stat.st_gid
    return stat.st_ino, stat.st_ctime_ns


def _sysv_ids(kind):
    """The ids of this IPC namespace's SysV objects of a kind (second column of /proc/sysvipc/KIND)."""
    with open("/proc/sysvipc/" + kind) as listing:
        return {int(line.split()[1]) for line in listing.readlines()[1:] if line.strip()}


def _sysv_remove(kind, ident):
    """IPC_RMID; True when the object is gone (removed now, or already)."""
    import ctypes
    libc = _libc()
    ipc_rmid = 0
    if kind == "shm":
        result = libc.shmctl(ident, ipc_rmid, None)
    elif kind == "msg":
        result = libc.msgctl(ident, ipc_rmid, None)
    else:
        result = libc.semctl(ident, 0, ipc_rmid)
    return result == 0 or ctypes.get_errno() in (errno.EINVAL, errno.EIDRM)


def _remove_entry(dir_fd, name, depth=0):
    """Removes dir_fd/name, a directory with its contents; never follows a symlink. True when it is gone."""
    try:
        os.unlink(name, dir_fd=dir_fd)
        return True
    except FileNotFoundError:
        return True
    except IsADirectoryError:
        pass
    except OSError:
        return False
    if depth > SCRATCH_MAX_DEPTH:
        return False
    try:
        os.chmod(name, 0o700, dir_fd=dir_fd, follow_symlinks=False)  # a run may have left it unreadable
    except OSError:
        pass
    try:
        fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dir_fd)
    except OSError:
        return False
    try:
        for child in os.listdir(fd):
            _remove_entry(fd, child, depth + 1)
    except OSError:
        return False
    finally:
        os.close(fd)
    try:
        os.rmdir(name, dir_fd=dir_fd)
        return True
    except OSError:
        return False


def report_leftovers(done, run_pid):
    """Puts the run's leftover processes (if any) into its done frame, so that the engine never gives this
    container another run, and kills them (the engine removes the container in any case)."""
    leftovers = find_leftover_processes(run_pid)
    if not leftovers:
        return
    done["leftover"] = len(leftovers)
    done["leftover_processes"] = ["{} {}".format(pid, name) for pid, name in leftovers[:MAX_LEFTOVERS_REPORTED]]
    for pid, _ in leftovers:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    # Wait (briefly: SIGKILL cannot be caught) until they are dead, so that the next check does not report them
    # again while the kernel still tears them down. Only ever paid by a container that is being recycled.
    deadline = time.monotonic() + LEFTOVER_KILL_WAIT_SECONDS
    alive = [pid for pid, _ in leftovers]
    while alive and time.monotonic() < deadline:
        _reap_orphans()
        alive = [pid for pid in alive if (_process_stat(pid) or ("", "X"))[1] not in ("Z", "X", "x")]
        if alive:
            time.sleep(0.005)


def decode_request(line):
    request = json.loads(line)
    if not isinstance(request, dict):
        raise ValueError("the request is not a JSON object")
    if not isinstance(request.get("script"), str):
        raise ValueError('the request has no "script" string')
    for field in ("args", "params"):
        if request.get(field) is not None and not isinstance(request[field], dict):
            raise ValueError('"{}" must be a JSON object'.format(field))
    return request


def output_limit_of(request):
    limit = request.get("output_limit")
    return limit if isinstance(limit, int) and limit > 0 else DEFAULT_OUTPUT_LIMIT


class PreparedRun:
    """The next run's script process, forked ahead of its request: it sets up the platform modules and then
    waits for the request on a private pipe. Each run still gets a fresh process forked from the pump, the pump
    forks it only after the previous run's process group is gone and its orphans are reaped, and it is used for
    exactly one request (or discarded unused)."""

    def __init__(self, out, world):
        stdout_r, stdout_w = os.pipe()
        stderr_r, stderr_w = os.pipe()
        frames_r, frames_w = os.pipe()
        request_r, request_w = os.pipe()
        # Objects that exist now outlive every run: moving them out of the collector's reach keeps the child's
        # collections from touching (and copying) the pump's pages.
        gc.freeze()
        pid = os.fork()
        if pid == 0:
            exit_code = EXIT_EXECUTOR_FAILURE
            try:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                for fd in (stdout_r, stderr_r, frames_r, request_w, out.fd):
                    os.close(fd)
                exit_code = script_process_main(request_r, world, stdout_w, stderr_w, frames_w)
            except BaseException:
                try:
                    os.write(2, traceback.format_exc().encode("utf-8", "replace"))
                except OSError:
                    pass
            finally:
                announce_exit(world.frames_fd, exit_code)
                os._exit(exit_code or 0)
        try:
            os.setpgid(pid, pid)  # also from this side: no window in which a kill of the group could miss it
        except OSError:
            pass
        for fd in (stdout_w, stderr_w, frames_w, request_r):
            os.close(fd)
        self.pid = pid
        self.pipes = (stdout_r, stderr_r, frames_r)
        self.request_w = request_w

    def hand_over(self, line):
        """Gives the process its request (the raw line; it decodes it itself)."""
        try:
            write_all(self.request_w, line if isinstance(line, bytes) else line.encode("utf-8"))
        except OSError:
            pass  # it died before reading: its wait status tells the run what happened
        os.close(self.request_w)
        self.request_w = None

    def discard(self):
        """Ends an unused prepared process (the executor is leaving)."""
        if self.request_w is not None:
            os.close(self.request_w)
            self.request_w = None
        _kill_group(self.pid)
        for fd in self.pipes:
            os.close(fd)
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass
        _reap_orphans()


def install_stop_handler(current_run):
    """`docker stop` sends SIGTERM to PID 1, which ignores it unless it has a handler: end the running (or
    prepared) script's process group and exit at once instead of waiting for the daemon's SIGKILL."""

    def stop(signum, frame):
        if current_run.get("pid"):
            _kill_group(current_run["pid"])
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, stop)


def serve_request(line, out, prepared, current_run, scratch=None):
    """One run in the prepared script process; returns the exit code reported in its done frame, or None when
    the request was rejected before reaching the process (which then stays prepared for the next one). With
    `scratch` (loop mode) what the run wrote to the scratch directories is removed before its done frame."""
    started = time.monotonic()
    try:
        request = decode_request(line)
    except ValueError as exc:
        out.emit({"t": "error", "message": "hardend executor: bad request: {}".format(exc), "traceback": ""})
        out.emit({"t": "done", "exit_code": EXIT_BAD_REQUEST})
        return None
    pid = prepared.pid
    prepared.hand_over(line)
    pump = RunPump(out, output_limit_of(request))
    status = pump_run(pid, *prepared.pipes, pump)
    if status is None:
        end_script_process(pid)
    done = {"t": "done", "duration_ms": int((time.monotonic() - started) * 1000)}
    if status is None or (pump.killed_after_exit_report and os.WIFSIGNALED(status) and
                          os.WTERMSIG(status) == signal.SIGKILL):
        done["exit_code"] = pump.reported_exit
    elif os.WIFSIGNALED(status):
        done["signal"] = os.WTERMSIG(status)
        done["exit_code"] = 128 + os.WTERMSIG(status)
    else:
        done["exit_code"] = os.waitstatus_to_exitcode(status)
    if request.get("id") is not None:
        done["id"] = request["id"]
    current_run["last"] = request.get("last") is True
    report_leftovers(done, pid)
    if scratch is not None and "leftover" not in done and not current_run["last"]:
        # (a container with leftover processes, or after its last run, is never reused: nothing to clean for)
        left, count = scratch.wipe()
        if count:
            done["scratch_left"] = count
            done["scratch_left_paths"] = left
    out.emit(done)
    if status is None:
        reap_script_process(pid)
    reap_killed_group(pid)
    current_run["pid"] = None
    return done["exit_code"]


def warm_up_pump():
    """After each fork the pump shares all its pages with the new script process, and its first write to each
    costs a copy-on-write fault; the interpreter writes to every object it uses. A throwaway pass through what
    a run does on the pump's side (decode a request, forward frames and text, select, emit a done frame, the
    cgroup read), on data of its own and into /dev/null, takes most of those faults now, between runs: about
    160 faults of a trivial run fell to about 20 (measured with getrusage in a warm container). Only a
    speed-up: should it fail (no fd left), runs work the same."""
    fds = []
    try:
        fds.append(os.open(os.devnull, os.O_WRONLY))
        fds.extend(os.pipe())
        sink = EngineOutput(fds[0])
        decode_request(b'{"script": "", "args": {}, "params": {}, "id": "0"}\n')
        pump = RunPump(sink, DEFAULT_OUTPUT_LIMIT)
        pump.child_bytes(b'{"t":"entry","entry":{"Type":1,"Contents":"ok"}}\n{"t":"exit","exit_code":0}\n')
        pump.raw_text("stdout", b"warm-up\n")
        pump.finish()
        with selectors.DefaultSelector() as selector:
            selector.register(fds[1], selectors.EVENT_READ)
            selector.select(0)
        sink.emit({"t": "done", "duration_ms": 0, "exit_code": 0, "id": "0"})
        only_known_processes((os.getpid(),))
    except Exception:
        pass
    finally:
        for fd in fds:
            os.close(fd)


def compile_modules(sources):
    if "CommonServerPython" not in sources:
        raise ValueError('the executor line carries no "CommonServerPython" module')
    codes = {}
    for name, source in sources.items():
        filename = name + ".py"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        codes[name] = compile(source, filename, "exec")
    return codes


def main(boot, stdin):
    # Before anything of a script runs in a process of ours. It fails only where ctypes cannot load the C library
    # (an image without libffi): the ready frame then says so, and the engine gives such a container one run.
    dumpable = not set_dumpable(False)
    out = EngineOutput(os.dup(1))
    os.dup2(2, 1)  # a stray print of the executor itself must never corrupt the frame stream
    mode = boot.get("mode", "once")
    world = ScriptWorld(compile_modules(boot.get("modules") or {}))
    scratch = ScratchSpace(boot.get("scratch"), boot.get("scratch_sysv_ipc")) if mode == "loop" else None
    current_run = {"pid": None}
    install_stop_handler(current_run)
    become_subreaper()

    def prepare():
        prepared = PreparedRun(out, world)
        current_run["pid"] = prepared.pid
        warm_up_pump()
        return prepared

    prepared = prepare()
    out.emit({"t": "ready", "protocol": PROTOCOL_VERSION, "mode": mode, "pid": os.getpid(),
              "python": "{}.{}.{}".format(*sys.version_info[:3]), "dumpable": dumpable})
    if mode == "loop":
        while True:
            line = stdin.readline()
            if not line:
                if prepared is not None:
                    prepared.discard()
                return 0
            if not line.strip():
                continue
            if prepared is None:
                prepared = prepare()
            if serve_request(line, out, prepared, current_run, scratch) is not None:
                # The next run's process is forked right after this run's done frame: off its critical path.
                # Not after a run the engine called the last (a `fresh` pool's container serves one run): that
                # fork and its warm-up would cost CPU that the next runs need, for a process never used.
                prepared = None if current_run.pop("last", False) else prepare()
    line = stdin.readline()
    exit_code = serve_request(line, out, prepared, current_run) if line.strip() else None
    if exit_code is None:
        prepared.discard()
        if not line.strip():
            out.emit({"t": "error", "message": "hardend executor: stdin closed before the request",
                      "traceback": ""})
            out.emit({"t": "done", "exit_code": EXIT_BAD_REQUEST})
        return EXIT_BAD_REQUEST
    return min(exit_code, 255)


if __name__ == "hardend_executor":
    # Every frame is already written with os.write: skip the interpreter's slow teardown.
    os._exit(main(HARDEND_BOOT, HARDEND_STDIN))  # noqa: F821 (both are given by the bootstrap)
