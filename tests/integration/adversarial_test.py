#!/usr/bin/env python3
"""Adversarial scripts against a real `hardend serve` and the real Docker daemon (issue 7, requirement 3).

Every hostile script runs THROUGH THE API (POST /v1/runs on a `fresh` daemon, unix socket in a temp dir) and THROUGH
THE CLI (`hardend script FILE --json`, one-shot), both under the default hardened policy (1 CPU, 1g memory, no extra
swap, 256 PIDs, nofile 1024:8192, uid 4000, caps dropped, no-new-privileges, read-only root, tmpfs /tmp); the two
run at the same time. For each scenario the test asserts
  - the expected outcome (limit hit AND reported as such in the result object: exit_code, timed_out, oom_killed,
    truncated, error; docs/SCRIPTS.md section 3) and that nothing escaped;
  - that the daemon keeps serving: a trivial run issued DURING the attack succeeds (latency recorded, generous
    bound TRIVIAL_BOUND_S);
  - that nothing is left behind: no container (by the daemon's label, or this test's label for the CLI) and no
    host process in the cgroup of any container the scenario started.
A second daemon in `reuse` mode (one warm container) checks that after a fork bomb, a setsid'd leftover, a killed
executor and a corrupted protocol stream, the next run sees a clean container (no process of the attack in /proc)
and gets its own result. Connecting to this machine's own address runs on a network that `hardend net apply`
hardened (hardend's own chains, removed afterwards; skipped when they existed before the test).

With $HARDEND_RELIABILITY_OUT set, one JSON line per scenario and path is appended to that file (the table of
docs/RELIABILITY.md, scripts/reliability.sh).

usage: adversarial_test.py HARDEND_BINARY SOURCE_DIR [--only NAME[,NAME...]]
Exit 0 when every assertion held (or skipped without Docker outside CI), 1 otherwise."""
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

IMAGE = "hardend/python:3.11"
TRIVIAL_BOUND_S = 30.0  # generous: the machine is shared and noisy; performance is measured by benchmarks
SETTLE_S = 30.0  # how long containers may take to disappear after a run before they count as left behind
DAEMON_RSS_BOUND_KB = 300 * 1024
SANITIZED = bool(os.environ.get("HARDEND_SANITIZED"))  # the sanitize preset's tests (RSS bounds do not apply)
OUTPUT_LIMIT = 10 * 1024 * 1024  # run.output.limit default
TEST_ID = str(os.getpid())
MARKER = "31337"  # argv of processes an attack leaves behind on purpose (`sleep 31337`)


# ---------------------------------------------------------------------------------------------------------------
# Plumbing: HTTP over unix sockets, the Docker API, the daemons.

class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=300):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.unix_path)


def http_json(path, method, target, body=None, timeout=300):
    connection = UnixConnection(path, timeout)
    try:
        payload = json.dumps(body) if isinstance(body, (dict, list)) else body
        connection.request(method, target, payload, {"Content-Type": "application/json"} if payload else {})
        response = connection.getresponse()
        data = response.read()
        try:
            return response.status, json.loads(data) if data else None
        except ValueError:
            return response.status, {"raw": data[:2000].decode("utf-8", "replace"), "raw_bytes": len(data)}
    finally:
        connection.close()


def docker(method, target, body=None, timeout=60):
    return http_json("/var/run/docker.sock", method, "/v1.41" + target, body, timeout)


def containers_with_label(label):
    query = urllib.parse.quote(json.dumps({"label": [label]}))
    status, listing = docker("GET", "/containers/json?all=1&filters=" + query)
    return listing if status == 200 else []


def remove_container(container_id):
    docker("DELETE", "/containers/%s?force=1" % container_id)


def host_processes_of(container_ids):
    """Host pids whose cgroup is the one of any of these containers (cgroupfs v1: .../docker/<full id>)."""
    found = []
    ids = [i for i in container_ids if i]
    if not ids:
        return found
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/cgroup" % entry) as cgroup_file:
                text = cgroup_file.read()
        except OSError:
            continue
        if any(i in text for i in ids):
            found.append(int(entry))
    return found


class ContainerWatch:
    """Collects the ids of every container that carries `label` while a scenario runs (listing every 0.25 s), so
    that its processes can be looked for on the host after the scenario, even once the container is gone."""

    def __init__(self, label, exclude_label=None):
        self.label, self.exclude_label = label, exclude_label
        self.seen = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self):
        while not self._stop.is_set():
            self.poll()
            self._stop.wait(0.25)

    def poll(self):
        for container in containers_with_label(self.label):
            if self.exclude_label and self.exclude_label in (container.get("Labels") or {}):
                continue
            self.seen.add(container["Id"])

    def current(self):
        return [c for c in containers_with_label(self.label)
                if not (self.exclude_label and self.exclude_label in (c.get("Labels") or {}))]

    def stop(self):
        self._stop.set()
        self._thread.join()
        self.poll()


class Daemon:
    def __init__(self, hardend, work, name, config):
        self.hardend = hardend
        self.socket = os.path.join(work, name + ".sock")
        self.listen = "unix:" + self.socket
        self.label = "io.hardend.serve=" + self.listen
        self.config_path = os.path.join(work, name + ".json")
        self.log_path = os.path.join(work, name + ".log")
        with open(self.config_path, "w") as config_file:
            json.dump(config, config_file, indent=1)
        self.process = None

    def start(self):
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen([self.hardend, "serve", "--config", self.config_path, "--listen", self.listen],
                                        stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                if http_json(self.socket, "GET", "/healthz", timeout=5)[0] == 200:
                    return True
            except OSError:
                pass
            time.sleep(0.1)
        return False

    def run(self, body, timeout=300):
        return http_json(self.socket, "POST", "/v1/runs", body, timeout)

    def rss_kb(self):
        try:
            with open("/proc/%d/status" % self.process.pid) as status:
                return int(re.search(r"VmRSS:\s+(\d+)", status.read()).group(1))
        except (OSError, AttributeError):
            return -1

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for container in containers_with_label(self.label):
            remove_container(container["Id"])

    def tail(self, lines=20):
        try:
            with open(self.log_path, errors="replace") as log:
                return "".join(log.readlines()[-lines:])
        except OSError:
            return ""


# ---------------------------------------------------------------------------------------------------------------
# The hostile scripts. Each one prints "ADV-HOST <hostname>" first (the container's short id), then attacks, and
# where the result needs facts from inside, prints one line "ADV-FACTS <json>".

HEADER = "import os, sys, time, json, socket\nprint('ADV-HOST', socket.gethostname(), flush=True)\n"
FACTS = "def facts(**kw):\n    print('ADV-FACTS ' + json.dumps(kw), flush=True)\n"
HOLD = "\ntime.sleep(3.0)  # stay in flight while the concurrent trivial run is issued\n"

FORK_BOMB = HEADER + FACTS + r"""
import errno
forked = 0
while True:
    try:
        pid = os.fork()
    except OSError as exc:
        refused = exc.errno
        break
    if pid == 0:
        # the classic bomb: every child forks forever as well. (A fork refused by the PIDs cgroup still copies the
        # process first, so retrying without a pause starves everything in the container's 1 CPU, the executor
        # included: the run then ends at its timeout instead of by itself. Both outcomes are accepted below.)
        while True:
            try:
                os.fork()
            except OSError:
                time.sleep(0.5)
    forked += 1
time.sleep(1.0)
visible = sum(1 for p in os.listdir('/proc') if p.isdigit())
facts(refused_errno=refused, forked_by_parent=forked, processes_visible=visible)
time.sleep(3.0)  # hold every PID while the concurrent trivial run goes on
"""

MEMORY_HOG = HEADER + r"""
blocks = []
while True:
    blocks.append(b'\x01' * (64 << 20))  # touched pages, not a lazy calloc
    time.sleep(0.2)  # about 3 s to the limit: the concurrent trivial run is issued meanwhile
"""

FD_EXHAUSTION = HEADER + FACTS + r"""
import resource
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
fds = []
def open_until_refused():
    while True:
        try:
            fds.append(os.open('/dev/null', os.O_RDONLY))
        except OSError as exc:
            return exc.errno
first_errno = open_until_refused()
opened_at_soft = len(fds)
try:
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard * 2, hard * 2))
    above_hard = 'raised'
except (ValueError, OSError) as exc:
    above_hard = 'refused: ' + str(exc)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
second_errno = open_until_refused()
facts(soft=soft, hard=hard, first_errno=first_errno, opened_at_soft=opened_at_soft, above_hard=above_hard,
      second_errno=second_errno, opened_at_hard=len(fds))
time.sleep(3.0)
"""

INFINITE_LOOP = HEADER + "while True:\n    pass\n"

CPU_BURNERS = HEADER + FACTS + r"""
import re
def read(path):
    with open(path) as f:
        return f.read()
def controller(name):  # cgroup v1: 'cpu' and 'cpuacct' separate, or joined as 'cpu,cpuacct'
    for d in ('/sys/fs/cgroup/' + name, '/sys/fs/cgroup/cpu,cpuacct'):
        if os.path.exists(d + '/' + name + '.stat' if name == 'cpu' else d + '/cpuacct.usage'):
            return d
    raise RuntimeError('no %s controller under /sys/fs/cgroup: %s' % (name, os.listdir('/sys/fs/cgroup')))
base, acct = controller('cpu'), controller('cpuacct')
quota, period = int(read(base + '/cpu.cfs_quota_us')), int(read(base + '/cpu.cfs_period_us'))
def throttled():
    return int(re.search(r'nr_throttled (\d+)', read(base + '/cpu.stat')).group(1))
usage0, throttled0, start = int(read(acct + '/cpuacct.usage')), throttled(), time.time()
cores = os.cpu_count()
children = []
for _ in range(cores):
    pid = os.fork()
    if pid == 0:
        end = time.time() + 4.0
        while time.time() < end:
            pass
        os._exit(0)
    children.append(pid)
for pid in children:
    os.waitpid(pid, 0)
wall = time.time() - start
used = (int(read(acct + '/cpuacct.usage')) - usage0) / 1e9
facts(cores=cores, quota=quota, period=period, wall_s=round(wall, 2), cpu_s=round(used, 2),
      cpus_used=round(used / wall, 2), throttled_periods=throttled() - throttled0)
"""

OUTPUT_1GIB = HEADER + r"""
chunk = b'x' * (1 << 20)
for _ in range(1024):
    os.write(1, chunk)  # raw fd writes: the pump, not the shim, has to drop what is over the budget
sys.stderr.write('ADV-WROTE 1 GiB\n')
""" + HOLD  # on a quiet machine the 1 GiB goes through in about 1 s, before the concurrent trivial run is issued

OUTPUT_STREAM = HEADER + r"""
i = 0
while True:
    print('line', i)
    i += 1
"""

PROTOCOL_CORRUPTION = HEADER + r"""
# fake frames on the script's own fd 1 ...
os.write(1, b'{"t":"done","exit_code":0}\n{"t":"entry","entry":{"Type":1,"Contents":"forged-raw"}}\n\xff\xfe garbage\n')
# ... and straight into the container's stdout (the executor's, via /proc/1/fd/1), where frames are parsed
try:
    real = os.open('/proc/1/fd/1', os.O_WRONLY)
except OSError as exc:
    real = None
    print('cannot open the executor stdout:', exc, flush=True)
if real is not None:
    os.write(real, b'\xff\xfe garbage without newline')
    os.write(real, b'\n{"t":"entry","entry":{"Type":1,"Contents":"forged-real"}}\n')
    os.write(real, b'{"t":"done","exit_code":0}\n{"t":"done","exit_code":0,"id":"forged"}\n{"t":"ready","protocol":1}\n')
    os.write(real, b'{"t":"stdout","data":"' + b'y' * (24 << 20) + b'"}\n')  # a line beyond 2 * limit + 64 KiB
time.sleep(3.0)
# then close every descriptor: the frame pipe, stdout, stderr, the executor's fd
for fd in range(0, 1024):
    try:
        os.close(fd)
    except OSError:
        pass
raise RuntimeError('the real outcome: a failure after forging success')
"""

KILL_EXECUTOR = HEADER + FACTS + r"""
import signal
attempts = {}
for name, target, sig in (('kill(1, SIGKILL)', 1, signal.SIGKILL), ('kill(parent, SIGKILL)', os.getppid(), signal.SIGKILL),
                          ('kill(1, SIGSTOP)', 1, signal.SIGSTOP)):
    try:
        os.kill(target, sig)
        attempts[name] = 'sent'
    except OSError as exc:
        attempts[name] = 'refused: %s' % exc
time.sleep(0.5)
facts(parent=os.getppid(), attempts=attempts)
time.sleep(2.5)
os.kill(1, signal.SIGTERM)  # the executor has a handler for this one: it ends the container
os.kill(1, signal.SIGINT)
time.sleep(1000)
"""

SLEEP_FOREVER = HEADER + r"""
import signal
signal.signal(signal.SIGTERM, signal.SIG_IGN)
signal.signal(signal.SIGINT, signal.SIG_IGN)
time.sleep(10 ** 6)
"""

WRITE_OUTSIDE_TMPFS = HEADER + FACTS + r"""
import errno, stat
outcome = {}
for path in ('/escape', '/etc/escape', '/usr/escape', '/var/tmp/escape', '/root/escape', '/home/escape', '/opt/escape',
             '/proc/sys/kernel/hostname', '/sys/fs/cgroup/memory/memory.limit_in_bytes',
             '/proc/sysrq-trigger', '/etc/passwd'):
    try:
        with open(path, 'a') as f:
            f.write('x')
        outcome[path] = 'written'
    except OSError as exc:
        outcome[path] = errno.errorcode.get(exc.errno, str(exc.errno))
def exec_status(directory):  # the tmpfs mounts are writable: a program written there must not run
    path = directory + '/prog'
    with open(path, 'w') as f:
        f.write('#!/bin/sh\necho ran\n')
    os.chmod(path, 0o755)
    pid = os.fork()
    if pid == 0:
        try:
            os.execv(path, [path])
        except OSError as exc:
            os._exit(100 + exc.errno)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
tmp_exec, shm_exec = exec_status('/tmp'), exec_status('/dev/shm')
facts(outside=outcome, tmp_written=os.path.getsize('/tmp/prog') > 0, tmp_exec_status=tmp_exec, shm_exec_status=shm_exec)
""" + HOLD

SETUID = HEADER + FACTS + r"""
import errno, subprocess
found = []
for top in ('/bin', '/sbin', '/usr', '/opt', '/etc'):
    for root, dirs, files in os.walk(top):
        for name in files:
            path = os.path.join(root, name)
            try:
                if os.lstat(path).st_mode & 0o6000:
                    found.append(path)
            except OSError:
                pass
result = {'setuid_files': sorted(found)}
for path in sorted(found):
    if os.path.basename(path) == 'supy':  # this test's setuid-root copy of python3
        out = subprocess.run([path, '-c', 'import os; print(os.getuid(), os.geteuid())'], capture_output=True, text=True)
        result['supy_ids'] = out.stdout.strip()
def attempt(name, call):
    try:
        call()
        result[name] = 'allowed'
    except OSError as exc:
        result[name] = errno.errorcode.get(exc.errno, str(exc.errno))
attempt('setuid(0)', lambda: os.setuid(0))
attempt('setgid(0)', lambda: os.setgid(0))
with open('/tmp/own', 'w') as f:
    f.write('x')
attempt('chown(own, 0)', lambda: os.chown('/tmp/own', 0, 0))
attempt('chmod(own, 04755)', lambda: os.chmod('/tmp/own', 0o4755))
with open('/proc/self/status') as f:
    status = dict(line.split(':', 1) for line in f if ':' in line)
result['NoNewPrivs'] = status['NoNewPrivs'].strip()
result['CapEff'] = status['CapEff'].strip()
facts(**result)
""" + HOLD

RAW_SOCKETS = HEADER + FACTS + r"""
import errno
result = {}
for name, args in (('AF_INET/SOCK_RAW/ICMP', (socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)),
                   ('AF_INET/SOCK_RAW/TCP', (socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)),
                   ('AF_PACKET/SOCK_RAW', (socket.AF_PACKET, socket.SOCK_RAW, 0x0300))):
    try:
        socket.socket(*args).close()
        result[name] = 'opened'
    except OSError as exc:
        result[name] = errno.errorcode.get(exc.errno, str(exc.errno))
facts(**result)
""" + HOLD

# PID 1 is the executor, same user as the script: in a reuse container a script that could open its memory or
# trace it would rewrite the process that forks (and sees the requests of) every later run.
TAMPER_EXECUTOR = HEADER + FACTS + r"""
import ctypes, errno
libc = ctypes.CDLL(None, use_errno=True)
result = {}
for name, path, mode in (('open /proc/1/mem rw', '/proc/1/mem', 'r+b'), ('open /proc/1/environ', '/proc/1/environ', 'rb')):
    try:
        open(path, mode, buffering=0).close()
        result[name] = 'opened'
    except OSError as exc:
        result[name] = errno.errorcode.get(exc.errno, str(exc.errno))
try:
    os.listdir('/proc/1/fd')
    result['list /proc/1/fd'] = 'opened'
except OSError as exc:
    result['list /proc/1/fd'] = errno.errorcode.get(exc.errno, str(exc.errno))
result['ptrace seize 1'] = 'opened' if libc.ptrace(0x4206, 1, 0, 0) == 0 else errno.errorcode.get(ctypes.get_errno())
facts(**result)
"""

UNSHARE = HEADER + FACTS + r"""
import ctypes, errno
libc = ctypes.CDLL(None, use_errno=True)
result = {}
for name, flag in (('CLONE_NEWUSER', 0x10000000), ('CLONE_NEWNS', 0x00020000), ('CLONE_NEWNET', 0x40000000),
                   ('CLONE_NEWPID', 0x20000000), ('CLONE_NEWUSER|CLONE_NEWNS', 0x10020000)):
    if libc.unshare(flag) == 0:
        result[name] = 'allowed'
    else:
        result[name] = errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))
result['unshare_binary'] = [p for p in ('/bin/unshare', '/usr/bin/unshare') if os.path.exists(p)]
facts(**result)
""" + HOLD

MOUNT = HEADER + FACTS + r"""
import ctypes, errno
libc = ctypes.CDLL(None, use_errno=True)
os.makedirs('/tmp/m', exist_ok=True)
result = {}
for name, args in (('tmpfs on /tmp/m', (b'none', b'/tmp/m', b'tmpfs', 0, None)),
                   ('proc on /tmp/m', (b'proc', b'/tmp/m', b'proc', 0, None)),
                   ('bind / on /tmp/m', (b'/', b'/tmp/m', None, 4096, None)),
                   ('remount / rw', (None, b'/', None, 32 | 4096, None))):
    if libc.mount(*args) == 0:
        result[name] = 'mounted'
    else:
        result[name] = errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))
result['mount_binary'] = [p for p in ('/bin/mount', '/usr/bin/mount', '/sbin/mount') if os.path.exists(p)]
facts(**result)
""" + HOLD

HOST_FILES = HEADER + FACTS + r"""
import hashlib
files = {}
for path in ('/etc/shadow', '/proc/1/root/etc/shadow', '/host/etc/shadow', '/etc/hostname', '/proc/1/root/etc/hostname',
             '/proc/1/cmdline', '/proc/1/environ', '/etc/gshadow'):
    try:
        with open(path, 'rb') as f:
            files[path] = hashlib.sha256(f.read()).hexdigest()
    except OSError as exc:
        files[path] = 'error: %s' % exc.strerror
sockets = {}
for path in ('/var/run/docker.sock', '/run/docker.sock', '/run/podman/podman.sock', '/proc/1/root/var/run/docker.sock',
             '/run/containerd/containerd.sock', '/var/run/hardend/hardend.sock'):
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(2)
        s.connect(path)
        sockets[path] = 'connected'
        s.close()
    except OSError as exc:
        sockets[path] = 'error: %s' % exc.strerror
with open('/proc/1/cmdline', 'rb') as f:
    pid1 = f.read().split(b'\0')[0].decode()
facts(files=files, sockets=sockets, pid1=pid1, visible_pids=sum(1 for p in os.listdir('/proc') if p.isdigit()))
""" + HOLD

CONNECT_TEMPLATE = HEADER + FACTS + r"""
try:
    socket.create_connection((%(address)r, %(port)d), timeout=3).close()
    outcome = 'connected'
except OSError as exc:
    outcome = 'blocked: %%s' %% (exc.strerror or type(exc).__name__)
facts(connect=outcome)
""" + HOLD

# Reuse mode: what the next run sees in /proc, and a process left behind by setsid.
PROBE = r"""
import os, json, socket
procs = []
for p in os.listdir('/proc'):
    if p.isdigit():
        try:
            with open('/proc/%s/cmdline' % p, 'rb') as f:
                cmdline = f.read().replace(b'\0', b' ').decode('utf-8', 'replace')[:60]
            with open('/proc/%s/stat' % p) as f:
                state = f.read().rsplit(')', 1)[1].split()[0]
            procs.append([int(p), state, cmdline])
        except OSError:
            pass
scratch = {}
for d in ('/tmp', '/dev/shm', '/dev/mqueue'):
    try:
        scratch[d] = sorted(os.listdir(d))
    except OSError as exc:
        scratch[d] = 'error: %s' % exc.strerror
for kind in ('shm', 'msg', 'sem'):
    with open('/proc/sysvipc/' + kind) as f:
        scratch['sysv ' + kind] = [line.split()[1] for line in f.readlines()[1:]]
print(json.dumps({"host": socket.gethostname(), "self": os.getpid(), "procs": sorted(procs), "scratch": scratch}))
"""

# Reuse mode: files, a POSIX message queue and SysV IPC objects a run leaves in its container, for the next run.
PLANT_FILES = HEADER + r"""
for d in ('/tmp', '/dev/shm'):
    os.makedirs(d + '/planted/deeper')
    with open(d + '/planted/deeper/credentials.json', 'w') as f:
        f.write('{"token": "of the previous run"}')
    os.chmod(d + '/planted/deeper', 0o500)
    os.chmod(d + '/planted', 0o000)
    with open(d + '/.hidden', 'w') as f:
        f.write('x')
    os.symlink('/etc', d + '/etc-link')
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
queue = libc.mq_open(b'/planted', os.O_CREAT | os.O_RDWR, 0o600, None)
objects = [libc.shmget(0, 4096, 0o1600), libc.msgget(0, 0o1600), libc.semget(0, 1, 0o1600)]
print('planted', sorted(os.listdir('/tmp')), sorted(os.listdir('/dev/shm')),
      'mqueue', sorted(os.listdir('/dev/mqueue')), 'sysv', all(i >= 0 for i in objects), flush=True)
"""

SETSID_LEFTOVER = HEADER + r"""
pid = os.fork()
if pid == 0:
    os.setsid()  # leaves the run's process group
    if os.fork() == 0:
        os.execv('/bin/sleep', ['sleep', '%s'])
    os._exit(0)
os.waitpid(pid, 0)
time.sleep(0.2)
print('left sleep %s behind in its own session', flush=True)
""" % (MARKER, MARKER)


# ---------------------------------------------------------------------------------------------------------------
# Reading a result.

def text_of(result):
    """Printed text of a result: the note entries' contents, joined."""
    return "\n".join(e.get("Contents") for e in (result or {}).get("entries", [])
                     if isinstance(e, dict) and isinstance(e.get("Contents"), str))


def host_of(result):
    match = re.search(r"ADV-HOST (\w+)", text_of(result))
    return match.group(1) if match else None


def facts_of(result):
    match = re.search(r"ADV-FACTS (\{.*\})", text_of(result))
    try:
        return json.loads(match.group(1)) if match else None
    except ValueError:
        return None


def brief(result):
    if not isinstance(result, dict):
        return repr(result)[:300]
    keys = ("exit_code", "timed_out", "oom_killed", "truncated", "error")
    return ", ".join("%s=%s" % (k, json.dumps(result.get(k))[:120]) for k in keys)


class Verdict:
    """One scenario's checks on one path (api/cli). `check(cond, what)` records a failure when cond is false."""

    def __init__(self, name, via):
        self.name, self.via = name, via
        self.failures = []
        self.observed = ""  # what the table shows
        self.extra = ""  # printed only

    def check(self, condition, what):
        if not condition:
            self.failures.append(what)
        return condition


# ---------------------------------------------------------------------------------------------------------------
# The checks of each scenario: (result, verdict) -> observed text. Every `v.check` names what would make it fail.

def expect_fork_bomb(r, v):
    f = facts_of(r) or {}
    # Fails if the PIDs limit is not applied: fork would go on (until the host's limit) instead of EAGAIN.
    v.check(f.get("refused_errno") == 11, "fork refused with EAGAIN (PIDs limit), facts %s" % f)
    # Fails if more than 256 processes could exist in the container.
    v.check(0 < f.get("processes_visible", 10 ** 6) <= 256, "at most 256 processes visible, facts %s" % f)
    # Fails if the run is not ended: by itself (exit 0: the bomb itself is the script's business) or, when the bomb
    # starved the executor on the container's 1 CPU, by its timeout, reported as such.
    v.check((r.get("exit_code") == 0 and not r.get("timed_out")) or (r.get("exit_code") == 124 and r.get("timed_out")),
            "exit 0, or 124 with timed_out: %s" % brief(r))
    return "fork refused (errno %s) at %s processes; %s" % (f.get("refused_errno"), f.get("processes_visible"), brief(r))


def expect_memory_hog(r, v):
    # Fails if the memory limit is missing (the host has 24 GiB: the hog would then run until the timeout) or if
    # the OOM kill is not reported as such.
    v.check(r.get("exit_code") == 137 and r.get("oom_killed") is True, "exit 137 + oom_killed: %s" % brief(r))
    v.check("out of memory" in (r.get("error") or ""), "error says out of memory: %s" % brief(r))
    return brief(r)


def expect_fd_exhaustion(r, v):
    f = facts_of(r) or {}
    # Fails if the nofile limit is not 1024:8192 or not enforced.
    v.check((f.get("soft"), f.get("hard")) == (1024, 8192), "nofile 1024:8192, facts %s" % f)
    v.check(f.get("first_errno") == 24 and f.get("opened_at_soft", 10 ** 6) < 1024, "EMFILE below 1024, facts %s" % f)
    v.check(str(f.get("above_hard", "")).startswith("refused"), "raising nofile above the hard limit refused: %s" % f)
    v.check(f.get("second_errno") == 24 and f.get("opened_at_hard", 10 ** 6) < 8192, "EMFILE below 8192: %s" % f)
    v.check(r.get("exit_code") == 0, "exit 0: %s" % brief(r))
    return "EMFILE at %s fds (soft), %s (hard); above hard: %s; %s" % (
        f.get("opened_at_soft"), f.get("opened_at_hard"), f.get("above_hard"), brief(r))


def expect_timeout(seconds):
    def check(r, v):
        # Fails if the timeout does not stop the run, or stops it without saying so.
        v.check(r.get("exit_code") == 124 and r.get("timed_out") is True, "exit 124 + timed_out: %s" % brief(r))
        v.check(("timed out after %ds" % seconds) in (r.get("error") or ""), "error names the timeout: %s" % brief(r))
        # Fails if the run went on long after its timeout (a kill that did not work).
        v.check(r.get("duration_ms", 10 ** 9) < (seconds + 20) * 1000, "ended within timeout + 20 s: %s" % r.get("duration_ms"))
        return brief(r) + ", duration_ms=%s" % r.get("duration_ms")
    return check


def expect_cpu_burners(r, v):
    f = facts_of(r) or {}
    # Fails if the container has no 1-CPU CFS quota (--cpus missing) ...
    v.check(f.get("quota") == f.get("period") == 100000, "CFS quota = period (1 CPU), facts %s" % f)
    # ... or gets more than 1 CPU with a burner on every core. On a saturated host (load average 30 while this was
    # written) the burners get less than a CPU anyway: then only the quota check above can fail.
    v.check(0 < f.get("cpus_used", 99) <= 1.3, "at most 1.3 CPUs used by %s burners, facts %s" % (f.get("cores"), f))
    v.check(r.get("exit_code") == 0, "exit 0: %s" % brief(r))
    return "%s burners used %s CPUs (%s throttled periods); %s" % (
        f.get("cores"), f.get("cpus_used"), f.get("throttled_periods"), brief(r))


def expect_truncated_output(r, v):
    text = len(text_of(r).encode())
    # Fails if output beyond run.output.limit reaches the result, or if the cut is not reported.
    v.check(r.get("truncated") is True, "truncated reported: %s" % brief(r))
    v.check(text <= OUTPUT_LIMIT + 65536, "text in the result at most the 10 MiB limit: %d bytes" % text)
    v.check(r.get("exit_code") == 0, "exit 0 (the script survives the cut): %s" % brief(r))
    return "%d bytes of text kept; %s, duration_ms=%s" % (text, brief(r), r.get("duration_ms"))


def expect_stream_timeout(seconds):
    timeout_check = expect_timeout(seconds)

    def check(r, v):
        observed = timeout_check(r, v)
        text = len(text_of(r).encode())
        # Fails if the endless stream is kept beyond the output limit.
        v.check(text <= OUTPUT_LIMIT + 65536, "text at most the output limit: %d bytes" % text)
        return "%s; %d bytes kept" % (observed, text)
    return check


def expect_protocol_corruption(r, v):
    entries = [e.get("Contents") for e in r.get("entries", []) if isinstance(e, dict)]
    # Fails if a forged frame is taken for a real one: a forged entry as its own entry, or the forged "done" with
    # exit 0 deciding the run (the script really ends with an exception).
    v.check("forged-raw" not in entries and "forged-real" not in entries, "no forged entry: %s" % entries[:5])
    v.check(r.get("exit_code") == 1 and r.get("error"), "the real failure (exit 1 with an error): %s" % brief(r))
    return brief(r)


def expect_kill_executor(r, v):
    f = facts_of(r) or {}
    # Fails if the script could kill its executor silently: the run must end (not run into its 30 s timeout) and be
    # reported as failed with a reason.
    v.check(not r.get("timed_out") and r.get("exit_code") not in (0, 124, None), "failed, not timed out: %s" % brief(r))
    v.check(bool(r.get("error")), "an error says why: %s" % brief(r))
    # Fails if SIGKILL/SIGSTOP from inside reached PID 1 (the executor): the facts line, printed after them, is
    # forwarded by the executor and would be missing (or the run would hang stopped until the timeout).
    v.check(bool(f.get("attempts")), "the executor kept forwarding output after SIGKILL/SIGSTOP: facts %s" % f)
    return "SIGKILL/SIGSTOP of PID 1 %s (executor kept working: %s); then SIGTERM: %s" % (
        "sent" if f.get("attempts") else "?", bool(f.get("attempts")), brief(r))


def expect_writes_refused(r, v):
    f = facts_of(r) or {}
    outside = f.get("outside") or {}
    # Fails if any path outside the tmpfs mounts is writable (the read-only root missing), or /tmp allows exec.
    v.check(outside and all(o != "written" for o in outside.values()), "every write outside tmpfs refused: %s" % outside)
    v.check(f.get("tmp_written") is True, "/tmp (tmpfs) is writable: %s" % f)
    v.check(f.get("tmp_exec_status") not in (0, None), "/tmp is noexec: %s" % f)
    v.check(f.get("shm_exec_status") not in (0, None), "/dev/shm (Docker's tmpfs) is noexec: %s" % f)
    v.check(r.get("exit_code") == 0, "exit 0: %s" % brief(r))
    return "refused: %s; exec from /tmp, /dev/shm: status %s, %s (EACCES = 113)" % (
        sorted(set(outside.values())), f.get("tmp_exec_status"), f.get("shm_exec_status"))


def expect_setuid(r, v):
    f = facts_of(r) or {}
    # Fails if the setuid-root copy of python3 runs with euid 0 (no-new-privileges missing), or uid changes work.
    v.check(f.get("supy_ids") == "4000 4000", "setuid-root binary keeps euid 4000: %s" % f.get("supy_ids"))
    v.check(f.get("setuid(0)") == "EPERM" and f.get("setgid(0)") == "EPERM", "setuid/setgid(0) EPERM: %s" % f)
    v.check(f.get("chown(own, 0)") == "EPERM", "chown to root EPERM: %s" % f)
    v.check(f.get("NoNewPrivs") == "1" and f.get("CapEff") == "0000000000000000", "NoNewPrivs 1, no caps: %s" % f)
    return "setuid files %s; supy ran as uid/euid %s; setuid(0) %s; NoNewPrivs %s" % (
        f.get("setuid_files"), f.get("supy_ids"), f.get("setuid(0)"), f.get("NoNewPrivs"))


def expect_all_refused(allowed_words):
    def check(r, v):
        f = dict(facts_of(r) or {})
        tried = {k: val for k, val in f.items() if not k.endswith("_binary")}
        # Fails if any attempt succeeded (a capability such as NET_RAW/SYS_ADMIN left, or seccomp off).
        v.check(tried and all(val not in allowed_words for val in tried.values()), "every attempt refused: %s" % f)
        v.check(r.get("exit_code") == 0, "exit 0: %s" % brief(r))
        return "; ".join("%s: %s" % kv for kv in sorted(f.items()))
    return check


def expect_planted(r, v):
    # Fails if the attack could not even write its files (then an empty /tmp afterwards would prove nothing).
    planted = "planted ['.hidden', 'etc-link', 'planted'] ['.hidden', 'etc-link', 'planted'] mqueue ['planted'] sysv True"
    v.check(planted in text_of(r), "the run planted its files, a message queue and SysV objects: %s" % brief(r))
    return "planted in /tmp, /dev/shm, /dev/mqueue and SysV IPC" if planted in text_of(r) else brief(r)


def make_expect_host_files(shadow_hash):
    def check(r, v):
        f = facts_of(r) or {}
        files, sockets = f.get("files") or {}, f.get("sockets") or {}
        # Fails if any file read inside has the content of the host's /etc/shadow, if any engine socket answers, or
        # if PID 1 is not the container's own executor (a host PID namespace).
        v.check(files and shadow_hash not in files.values(), "the host's /etc/shadow is not readable: %s" % files)
        v.check(sockets and all(s != "connected" for s in sockets.values()), "no engine socket reachable: %s" % sockets)
        v.check(f.get("pid1") == "python3" and f.get("visible_pids", 99) <= 4, "own PID namespace: %s" % f)
        return "files: %s; sockets: %s; pid 1 %s" % (
            sorted(set(x.split(":")[0] if x.startswith("error") else "read(not host's)" for x in files.values())),
            sorted(set(sockets.values())), f.get("pid1"))
    return check


def expect_blocked(r, v):
    f = facts_of(r) or {}
    # Fails if the connection to this machine's own address succeeds on the hardened network (rules missing).
    v.check(str(f.get("connect", "")).startswith("blocked"), "connection blocked: %s" % f)
    return "%s; %s" % (f.get("connect"), brief(r))


# ---------------------------------------------------------------------------------------------------------------
# The test.

class AdversarialTest:
    def __init__(self, hardend, source, only):
        self.hardend, self.source, self.only = hardend, source, only
        self.work = tempfile.mkdtemp(prefix="hardend-adversarial-")
        self.rows_path = os.environ.get("HARDEND_RELIABILITY_OUT")
        self.passed = self.failed = 0
        self.cli_label = "io.hardend.test.adv=" + TEST_ID
        self.suid_image = "hardend-test/adv-suid-%s:1" % TEST_ID
        self.net_image = "hardend-test/adv-net-%s:1" % TEST_ID
        self.net_name = "hardend-test-adv-%s" % TEST_ID
        self.net_bridge = "hdt-adv-%s" % (int(TEST_ID) % 10000)
        self.net_applied = False
        self.open_network = "hardend-test-adv-open-%s" % TEST_ID
        self.open_bridge = "hdt-ado-%s" % (int(TEST_ID) % 10000)
        self.networks = []
        self.images = []
        self.daemons = []
        self.trivial_count = 0

    # --- reporting ---
    def report(self, verdict, expected, trivial_ms=None, recovery_s=None, leftovers=0):
        ok = not verdict.failures
        if ok:
            self.passed += 1
            print("ok   %-24s %-4s %s | %s" % (verdict.name, verdict.via, verdict.observed[:200], verdict.extra), flush=True)
        else:
            self.failed += 1
            print("FAIL %-24s %-4s %s | %s" % (verdict.name, verdict.via, verdict.observed[:300], verdict.extra), flush=True)
            for failure in verdict.failures:
                print("       - " + failure[:600], flush=True)
        if self.rows_path:
            row = {"suite": "adversarial", "scenario": verdict.name, "via": verdict.via, "expected": expected,
                   "observed": verdict.observed, "trivial_run_ms": trivial_ms, "recovery_s": recovery_s,
                   "leftovers": leftovers, "ok": ok}
            with open(self.rows_path, "a") as rows:
                rows.write(json.dumps(row) + "\n")

    def wanted(self, name):
        return not self.only or name in self.only

    # --- set-up ---
    def setup(self):
        # Every run goes on a network of this test's own (a plain bridge, no rule of hardend): the default bridge
        # may be in use or broken by other tests on this machine, and this keeps every container of the test on an
        # interface it created. The policy is otherwise the default hardened one.
        status, answer = docker("POST", "/networks/create", {
            "Name": self.open_network, "CheckDuplicate": True, "Labels": {"io.hardend.test": "1"},
            "Options": {"com.docker.network.bridge.name": self.open_bridge}})
        if status != 201:
            raise RuntimeError("cannot create the network %s: %s %s" % (self.open_network, status, answer))
        self.networks.append(self.open_network)
        self.base_keys = "--label=io.hardend.test=1##--label=" + self.cli_label
        open_keys = "--network=" + self.open_network + "##" + self.base_keys
        common = {"python.pass.extra.keys": open_keys,
                  "network.block.host": False, "network.default.block": [],
                  "network.networks": {self.net_name: {"bridge": self.net_bridge, "block": ["host"]},
                                       self.open_network: {"bridge": self.open_bridge, "block": []}},
                  "python.pass.extra.keys." + self.net_image.split(":")[0]:
                      "--network=" + self.net_name + "##" + self.base_keys,
                  "server.drain.seconds": 5}
        self.fresh = Daemon(self.hardend, self.work, "fresh", dict(common, **{
            "containers.isolation": "fresh", "containers.low.water.mark": 0}))
        self.reuse = Daemon(self.hardend, self.work, "reuse", dict(common, **{
            "containers.isolation": "reuse", "containers.low.water.mark": 1, "containers.high.water.mark": 1}))
        self.cli_config = self.fresh.config_path
        for daemon in (self.fresh, self.reuse):
            self.daemons.append(daemon)
            if not daemon.start():
                raise RuntimeError("daemon did not start:\n" + daemon.tail())
        # A setuid-root copy of python3 in an image of its own (the test image has no setuid binary at all).
        self.build_suid_image()

    def build_suid_image(self):
        name = "hardend-adv-suid-" + TEST_ID
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)
        made = subprocess.run(["docker", "run", "--name", name, "--user", "0", "--label", "io.hardend.test=1",
                               "--network", self.open_network,
                               "--entrypoint", "python3", IMAGE, "-c",
                               "import shutil, os; shutil.copy('/usr/bin/python3.11', '/usr/bin/supy'); "
                               "os.chown('/usr/bin/supy', 0, 0); os.chmod('/usr/bin/supy', 0o4755)"],
                              capture_output=True, text=True)
        committed = subprocess.run(["docker", "commit", "--change", "LABEL io.hardend.test=1", name, self.suid_image],
                                   capture_output=True, text=True)
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)
        if made.returncode != 0 or committed.returncode != 0:
            raise RuntimeError("cannot build the setuid image: %s %s" % (made.stderr, committed.stderr))
        self.images.append(self.suid_image)
        # Control: without no-new-privileges (plain docker run, same user) the copy does become euid 0, so the
        # setuid scenario's "euid stays 4000" can fail.
        control = subprocess.run(["docker", "run", "--rm", "--user", "4000:4000", "--label", "io.hardend.test=1",
                                  "--network", self.open_network, "--entrypoint", "/usr/bin/supy", self.suid_image,
                                  "-c", "import os; print(os.getuid(), os.geteuid())"], capture_output=True, text=True)
        if control.stdout.strip() != "4000 0":
            raise RuntimeError("the setuid-root copy does not work without the policy (want '4000 0'): %r %r" % (
                control.stdout, control.stderr))
        print("     control: the setuid-root python3 copy without the policy runs as uid/euid %s" % control.stdout.strip())

    def cleanup(self):
        for daemon in self.daemons:
            daemon.stop()
        for container in containers_with_label(self.cli_label):
            remove_container(container["Id"])
        if self.net_applied:
            subprocess.run([self.hardend, "--config", self.cli_config, "net", "remove", "--networks"],
                           capture_output=True)
        for image in self.images:
            subprocess.run(["docker", "rmi", "-f", image], capture_output=True)
        for network in self.networks:
            docker("DELETE", "/networks/" + network)
        shutil.rmtree(self.work, ignore_errors=True)

    # --- running things ---
    def cli_script(self, source, timeout, image=None, server=None):
        path = os.path.join(self.work, "attack-%d.py" % time.monotonic_ns())
        with open(path, "w") as script_file:
            script_file.write(source)
        argv = [self.hardend, "script", path, "--json", "--timeout", str(timeout)]
        argv += ["--server", server] if server else ["--config", self.cli_config]
        if image:
            argv += ["--image", image]
        try:
            done = subprocess.run(argv, capture_output=True, timeout=timeout + 120)
        except subprocess.TimeoutExpired:
            return {"error": "the CLI did not return within its timeout + 120 s"}
        try:
            result = json.loads(done.stdout)
        except ValueError:
            return {"error": "no JSON on stdout (exit %d): %s %s" % (done.returncode, done.stdout[:300],
                                                                    done.stderr[:500])}
        result["_cli_exit"] = done.returncode
        return result

    def api_script(self, daemon, source, timeout, image=None):
        body = {"script": source, "timeout": timeout}
        if image:
            body["image"] = image
        try:
            status, result = daemon.run(body, timeout=timeout + 120)
        except OSError as exc:
            return {"error": "request failed: %s" % exc, "_http": None}
        if not isinstance(result, dict):
            result = {"error": repr(result)}
        result["_http"] = status
        return result

    def trivial_run(self, daemon):
        """A trivial run through the API: (latency ms or None, failure text or None)."""
        self.trivial_count += 1
        word = "trivial-%d" % self.trivial_count
        start = time.monotonic()
        result = self.api_script(daemon, "print(%r)" % word, 60)
        latency = (time.monotonic() - start) * 1000
        if result.get("_http") != 200 or result.get("exit_code") != 0 or text_of(result) != word:
            return None, "trivial run failed: HTTP %s %s" % (result.get("_http"), brief(result))
        return round(latency), None

    def settle(self, watch, seen_hosts):
        """Leftovers after a scenario: containers still there SETTLE_S after the runs (removed then, so the next
        scenario starts clean) plus host processes in the cgroup of any container the scenario started."""
        deadline = time.time() + SETTLE_S
        left = watch.current()
        while left and time.time() < deadline:
            time.sleep(0.25)
            left = watch.current()
        watch.stop()
        ids = set(watch.seen) | {c["Id"] for c in left}
        ids |= {h for h in seen_hosts if h}
        processes = host_processes_of(sorted(ids))
        for container in left:
            remove_container(container["Id"])
        return len(left) + len(processes), left, processes

    # --- one scenario, API and CLI at once ---
    def scenario(self, name, source, timeout, expected, check, image=None, trivial_after=2.0, via_server=False):
        """One attack through the API and the one-shot CLI at once (and, with via_server, `hardend script --server`
        against the same daemon as well), a trivial run issued meanwhile, then the checks of each path."""
        if not self.wanted(name):
            return
        paths = ["api", "cli"] + (["cli-server"] if via_server else [])
        watches = {"daemon": ContainerWatch(self.fresh.label),
                   "cli": ContainerWatch(self.cli_label, exclude_label="io.hardend.serve")}
        watch_of = {"api": "daemon", "cli": "cli", "cli-server": "daemon"}
        results = {}
        finished_at = {}

        def attack(via):
            if via == "api":
                results[via] = self.api_script(self.fresh, source, timeout, image)
            elif via == "cli":
                results[via] = self.cli_script(source, timeout, image)
            else:
                results[via] = self.cli_script(source, timeout, image, server=self.fresh.listen)
            finished_at[via] = time.monotonic()

        threads = [threading.Thread(target=attack, args=(via,)) for via in paths]
        rss_before = self.fresh.rss_kb()
        for thread in threads:
            thread.start()
        time.sleep(trivial_after)
        issued_during = {via: via not in finished_at for via in paths}
        trivial_ms, trivial_error = self.trivial_run(self.fresh)
        trivial_overlapped = {via: via not in finished_at for via in paths}
        for thread in threads:
            thread.join()
        # recovery: from the attack's answer to the next normal run answered by the same daemon
        after_ms, after_error = self.trivial_run(self.fresh)
        recovery_s = round(time.monotonic() - finished_at["api"], 2) if after_ms is not None else None
        rss_after = self.fresh.rss_kb()
        settled = {key: self.settle(watch, [host_of(results[via]) for via in paths if watch_of[via] == key])
                   for key, watch in watches.items()}
        for via in paths:
            result = results[via]
            verdict = Verdict(name, via)
            # Fails if the daemon answers the attack with anything but 200 + a result object (a crash, a 5xx), or
            # the CLI exits with a code other than the result's exit_code.
            if via == "api":
                verdict.check(result.get("_http") == 200, "HTTP 200 with a result: %s" % brief(result))
            else:
                verdict.check(result.get("_cli_exit") == result.get("exit_code"),
                              "CLI exit code = result exit_code: %s vs %s" % (result.get("_cli_exit"), brief(result)))
            try:
                verdict.observed = check(result, verdict)
            except Exception as exc:  # a malformed result is a failure of this scenario, not of the whole test
                verdict.check(False, "checking the result raised %r: %s" % (exc, brief(result)))
                verdict.observed = brief(result)
            # Fails if the daemon stopped serving during the attack (trivial run failed or took > TRIVIAL_BOUND_S).
            verdict.check(trivial_error is None, trivial_error or "")
            verdict.check(trivial_ms is None or trivial_ms <= TRIVIAL_BOUND_S * 1000,
                          "trivial run during the attack within %d s: %s ms" % (TRIVIAL_BOUND_S, trivial_ms))
            if via != "cli":
                verdict.check(after_error is None, "a run after the attack: %s" % after_error)
                # Fails if the attack made the daemon hold its output (e.g. buffering the 1 GiB). Not under
                # AddressSanitizer (HARDEND_SANITIZED, scripts/sanitize.sh): its quarantine keeps freed memory
                # resident, so RSS says nothing there; the normal build asserts the bound.
                if not SANITIZED:
                    verdict.check(rss_after < DAEMON_RSS_BOUND_KB,
                                  "daemon RSS %d kB < %d kB" % (rss_after, DAEMON_RSS_BOUND_KB))
            leftovers, left, processes = settled[watch_of[via]]
            # Fails if a container or a process of the attack is still there SETTLE_S after the run (for the daemon's
            # paths: any container of the fresh daemon, which keeps none idle, so this counts both daemon paths).
            verdict.check(leftovers == 0, "left behind: containers %s, host processes %s" % (
                [c["Id"][:12] for c in left], processes))
            # Fails if the trivial run was not issued while the attack was in flight (the attack ended too soon to
            # show anything about serving meanwhile).
            verdict.check(issued_during[via], "the trivial run was issued while the attack ran")
            verdict.extra = "trivial run %s ms (issued during the attack: %s, answered before it ended: %s)" % (
                trivial_ms, issued_during[via], trivial_overlapped[via])
            if via != "cli":
                verdict.extra += ", daemon RSS %d -> %d kB" % (rss_before, rss_after)
            self.report(verdict, expected, trivial_ms, recovery_s if via == "api" else None, leftovers)

    # --- reuse mode: the next run must be clean ---
    def probe(self):
        start = time.monotonic()
        result = self.api_script(self.reuse, PROBE, 60)
        elapsed = time.monotonic() - start
        try:
            return json.loads(text_of(result)), elapsed, result
        except ValueError:
            return None, elapsed, result

    def reuse_case(self, name, source, timeout, expected, baseline, expect_attack=None, same_container=False):
        """The attack runs in the reuse pool's one container; the next run must be clean. Its own outcome is not
        the point unless expect_attack (a scenario check) is given. same_container: the next run must be served
        by the same container (the attack must not make it unusable; clean must come from the clean-up)."""
        if not self.wanted("reuse_" + name.replace(" ", "_")):
            return
        verdict = Verdict("reuse: " + name, "api")
        before, _, _ = self.probe()
        attack = self.api_script(self.reuse, source, timeout)
        attack_host = host_of(attack)
        attack_observed = expect_attack(attack, verdict) if expect_attack else None
        after_attack = time.monotonic()
        probe, _, raw = self.probe()
        recovery_s = round(time.monotonic() - after_attack, 2)
        leftovers = 0
        if probe is None:
            verdict.check(False, "the next run answers with its own result: %s" % brief(raw))
            verdict.observed = brief(raw)
        else:
            strangers = [p for p in probe["procs"] if MARKER in p[2]]
            zombies = sum(1 for p in probe["procs"] if p[1] == "Z")
            # Fails if a process the attack left (marked `sleep 31337`) is visible to the next run.
            verdict.check(not strangers, "no process of the attack visible: %s" % strangers)
            # Fails if the next run finds files in /tmp, /dev/shm or /dev/mqueue or SysV IPC objects (a previous
            # run's, or any at all).
            verdict.check(all(v == [] for v in probe.get("scratch", {"?": "not reported"}).values()),
                          "empty /tmp, /dev/shm, /dev/mqueue and SysV IPC: %s" % probe.get("scratch"))
            # Fails if the next run sees more processes than a clean container shows (fork-bomb children).
            verdict.check(len(probe["procs"]) <= baseline, "at most %d processes visible (a clean container), got %d: %s" % (
                baseline, len(probe["procs"]), probe["procs"][:12]))
            leftovers = max(len(strangers), len(probe["procs"]) - baseline)
            recycled = probe["host"] != (before or {}).get("host")
            if same_container:
                verdict.check(not recycled, "the same container serves the next run (%s, before %s)" % (
                    probe["host"], (before or {}).get("host")))
            verdict.observed = "next run in %s container (%s), %d processes visible (%d zombies)%s" % (
                "a new" if recycled else "the same", probe["host"], len(probe["procs"]), zombies,
                ", attack's processes: %s" % strangers if strangers else "")
        # Fails if the pool does not serve normally after the attack. (No run concurrent with the attack here: the
        # pool has one container; recovery_s is the time from the attack's answer to the next run's answer.)
        _, trivial_error = self.trivial_run(self.reuse)
        verdict.check(trivial_error is None, "the pool serves normally afterwards: %s" % trivial_error)
        if attack_observed:
            verdict.observed = "attack: %s; %s" % (attack_observed, verdict.observed)
        del attack_host
        self.report(verdict, expected, None, recovery_s, leftovers)

    def reuse_cases(self):
        if self.only and not any(n.startswith("reuse_") for n in self.only):
            return
        watch = ContainerWatch(self.reuse.label)
        self.probe()
        baseline_probe, _, raw = self.probe()
        if baseline_probe is None:
            print("FAIL reuse baseline probe: %s" % brief(raw))
            self.failed += 1
            return
        baseline = len(baseline_probe["procs"])
        print("     reuse baseline: %d processes in a clean warm container %s" % (baseline, baseline_probe["procs"]))
        self.reuse_case("fork bomb", FORK_BOMB, 30, "next run: no bomb process left", baseline)
        self.reuse_case("setsid leftover", SETSID_LEFTOVER, 30,
                        "next run: the setsid'd process is gone (container recycled)", baseline)
        self.reuse_case("killed executor", KILL_EXECUTOR, 30, "next run in a clean container", baseline)
        # The forged frames must not be read as the next run's result (exact answer checked by probe's JSON parse).
        self.reuse_case("protocol corruption", PROTOCOL_CORRUPTION, 30, "next run gets its own result", baseline)
        # The same container serves the next run (nothing in this attack recycles it): its files must be gone.
        self.reuse_case("files for the next run", PLANT_FILES, 30,
                        "next run: nothing in /tmp, /dev/shm, /dev/mqueue, SysV IPC; same container", baseline,
                        expect_planted, same_container=True)
        # Fails if the script can open the executor's memory, descriptors or environment, or trace it.
        self.reuse_case("tamper with the executor", TAMPER_EXECUTOR, 30,
                        "PID 1's /proc/1/mem, fd, environ and ptrace refused; next run clean", baseline,
                        expect_all_refused({"opened"}))
        self.reuse.stop()
        watch.stop()
        processes = host_processes_of(sorted(watch.seen))
        left = watch.current()
        verdict = Verdict("reuse: daemon stop", "api")
        # Fails if stopping the reuse daemon leaves a container or a process of one behind.
        verdict.check(not left and not processes, "left: %s %s" % ([c["Id"][:12] for c in left], processes))
        verdict.observed = "SIGTERM: %d containers, %d host processes left" % (len(left), len(processes))
        self.report(verdict, "nothing left behind", None, None, len(left) + len(processes))

    # --- this machine's own address ---
    def own_address_case(self):
        if not self.wanted("own_address"):
            return
        saved = subprocess.run(["iptables-save", "-t", "filter"], capture_output=True, text=True)
        if saved.returncode != 0:
            if os.environ.get("CI"):
                self.failed += 1
                print("FAIL own_address: iptables is needed in CI: %s" % saved.stderr)
            else:
                print("skip own_address: iptables is not usable here")
            return
        if "HARDEND-" in saved.stdout:
            print("skip own_address: hardend's chains already exist on this host (not ours to change)")
            return
        address = primary_address()
        if address is None:
            print("skip own_address: no non-loopback IPv4 address outside Docker's bridges")
            return
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind((address, 0))
        listener.listen(16)
        port = listener.getsockname()[1]
        accepted = []

        def accept_loop():
            while True:
                try:
                    connection, peer = listener.accept()
                except OSError:
                    return
                accepted.append(peer)
                connection.close()

        threading.Thread(target=accept_loop, daemon=True).start()
        try:
            self.net_applied = True
            applied = subprocess.run([self.hardend, "--config", self.cli_config, "net", "apply"],
                                     capture_output=True, text=True)
            if applied.returncode != 0:
                self.failed += 1
                print("FAIL own_address: hardend net apply: %s %s" % (applied.stdout, applied.stderr))
                return
            subprocess.run(["docker", "tag", IMAGE, self.net_image], capture_output=True)
            self.images.append(self.net_image)
            source = CONNECT_TEMPLATE % {"address": address, "port": port}
            # Control: the same script on this test's open network (no rule for it) reaches the listener; without
            # it "blocked" could come from anything (no route, no listener).
            control = self.api_script(self.fresh, source, 30)
            control_facts = facts_of(control) or {}
            print("     control on the open network: %s (listener saw %s)" % (control_facts.get("connect"), accepted))
            if control_facts.get("connect") != "connected":
                self.failed += 1
                print("FAIL own_address control: the unrestricted container should connect: %s" % brief(control))
                return
            self.scenario("own_address", source, 30, "connection to %s refused/timed out on hardend's network" % address,
                          expect_blocked, image=self.net_image, trivial_after=1.0)
        finally:
            listener.close()
            removed = subprocess.run([self.hardend, "--config", self.cli_config, "net", "remove", "--networks"],
                                     capture_output=True, text=True)
            after = subprocess.run(["iptables-save", "-t", "filter"], capture_output=True, text=True).stdout
            verdict = Verdict("own_address: rules removed", "cli")
            verdict.check(removed.returncode == 0 and "HARDEND-" not in after,
                          "hardend net remove leaves no HARDEND chain: %s %s" % (removed.stderr, after.count("HARDEND-")))
            verdict.observed = "net remove exit %d" % removed.returncode
            self.net_applied = removed.returncode != 0
            if verdict.failures:
                self.report(verdict, "no hardend chain left")

    # --- all of it ---
    def run(self):
        shadow = open("/etc/shadow", "rb").read() if os.access("/etc/shadow", os.R_OK) else b"not readable"
        shadow_hash = hashlib.sha256(shadow).hexdigest()
        self.scenario("fork_bomb", FORK_BOMB, 30, "fork refused (EAGAIN) at <= 256 PIDs; ends (exit 0, or 124 when the "
                      "bomb starves the executor)", expect_fork_bomb,
                      via_server=True)
        self.scenario("memory_hog", MEMORY_HOG, 60, "OOM at 1g: exit 137, oom_killed, error says out of memory",
                      expect_memory_hog, trivial_after=1.0)
        self.scenario("fd_exhaustion", FD_EXHAUSTION, 30, "EMFILE at 1024 (soft) and 8192 (hard); above hard refused",
                      expect_fd_exhaustion)
        self.scenario("infinite_loop", INFINITE_LOOP, 5, "timeout: exit 124, timed_out, error names 5s",
                      expect_timeout(5), via_server=True)
        self.scenario("cpu_burners", CPU_BURNERS, 30, "a burner per core gets <= 1 CPU (CFS quota)", expect_cpu_burners)
        self.scenario("output_1gib", OUTPUT_1GIB, 120, "1 GiB of raw output: truncated at 10 MiB, exit 0",
                      expect_truncated_output)
        self.scenario("output_stream", OUTPUT_STREAM, 6, "endless small prints: timeout after 6s, output bounded",
                      expect_stream_timeout(6))
        self.scenario("protocol_corruption", PROTOCOL_CORRUPTION, 30,
                      "forged frames/garbage/closed fds: the real failure reported (exit 1), nothing forged",
                      expect_protocol_corruption, via_server=True)
        self.scenario("kill_executor", KILL_EXECUTOR, 30,
                      "SIGKILL of PID 1 ignored; SIGTERM ends the container: reported failed, not timed out",
                      expect_kill_executor, via_server=True)
        self.scenario("sleep_forever", SLEEP_FOREVER, 5, "timeout (SIGTERM ignored): exit 124, timed_out",
                      expect_timeout(5))
        self.scenario("write_outside_tmpfs", WRITE_OUTSIDE_TMPFS, 30, "EROFS/EACCES outside tmpfs; /tmp noexec",
                      expect_writes_refused)
        self.scenario("setuid", SETUID, 30, "setuid-root python keeps euid 4000 (no-new-privileges); setuid(0) EPERM",
                      expect_setuid, image=self.suid_image, trivial_after=1.0)
        self.scenario("raw_sockets", RAW_SOCKETS, 30, "raw and packet sockets: EPERM",
                      expect_all_refused({"opened"}), trivial_after=1.0)
        self.scenario("unshare", UNSHARE, 30, "unshare of every namespace: EPERM", expect_all_refused({"allowed"}),
                      trivial_after=1.0)
        self.scenario("mount", MOUNT, 30, "mount/bind/remount: EPERM", expect_all_refused({"mounted"}),
                      trivial_after=1.0)
        self.scenario("tamper_executor", TAMPER_EXECUTOR + HOLD, 30,
                      "the executor (PID 1, same user) cannot be opened or traced: EACCES/EPERM",
                      expect_all_refused({"opened"}), trivial_after=1.0)
        self.scenario("host_files", HOST_FILES, 30, "host's /etc/shadow, engine sockets, host PID 1 unreachable",
                      make_expect_host_files(shadow_hash), trivial_after=1.0)
        self.own_address_case()
        self.reuse_cases()


def primary_address():
    """This machine's first non-loopback IPv4 address that is not on a Docker, Podman or test bridge."""
    out = subprocess.run(["ip", "-4", "-o", "addr", "show"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 4 or fields[1] == "lo":
            continue
        if fields[1].startswith(("docker", "br-", "veth", "hdt", "cni-", "podman")):
            continue
        return fields[3].split("/")[0]
    return None


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    hardend, source = sys.argv[1], sys.argv[2]
    only = set()
    if len(sys.argv) > 4 and sys.argv[3] == "--only":
        only = set(sys.argv[4].split(","))
    try:
        if docker("GET", "/_ping", timeout=5)[0] != 200:
            raise OSError("no answer")
    except OSError as exc:
        if not os.environ.get("CI"):
            print("SKIP: no Docker daemon (%s)" % exc)
            return 0
        print("FAIL: CI needs the Docker daemon")
        return 1
    if docker("GET", "/images/%s/json" % IMAGE)[0] != 200:
        print("FAIL: %s missing: run scripts/setup.sh" % IMAGE)
        return 1
    test = AdversarialTest(hardend, source, only)
    started = time.monotonic()
    try:
        test.setup()
        test.run()
    except Exception as exc:
        test.failed += 1
        print("FAIL the test itself: %r" % exc)
        for daemon in test.daemons:
            print(daemon.tail())
        import traceback
        traceback.print_exc()
    finally:
        test.cleanup()
    print("passed=%d failed=%d (%.0f s)" % (test.passed, test.failed, time.monotonic() - started))
    return 0 if test.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
