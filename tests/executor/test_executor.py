"""The in-container executor and its CommonServerPython shim, run on the host as a container runs them.

Each test is a small script as operators write them; the expected results are the platform's behaviour
(entries, markdown, exit codes) as documented in docs/SCRIPTS.md. Run: /usr/bin/python3 -m unittest -v
(from this directory), or through CTest (label unit).
"""
import json
import os
import resource
import sys
import textwrap
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))

from harness import (EXAMPLES, LoopExecutor, asset, bootstrap_line, executor_command, request_line,  # noqa: E402
                     run_executor, run_script)


def _parent_of(pid):
    try:
        with open("/proc/%s/stat" % pid, "rb") as stat:
            return int(stat.read().rsplit(b")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def script(text):
    return textwrap.dedent(text).lstrip("\n")


def become_nobody():
    os.setgid(65534)
    os.setuid(65534)


class ProtocolTests(unittest.TestCase):
    @unittest.skipUnless(os.geteuid() == 0, "needs root to run the executor as another user")
    def test_the_script_cannot_open_or_trace_its_executor(self):
        # As in a container: the executor and the script run as one unprivileged user. Fails if the executor stays
        # dumpable (the script could then rewrite it through /proc/PID/mem) or if the script process stays
        # non-dumpable itself (prctl PR_GET_DUMPABLE = 3).
        run = run_script(script("""
            import ctypes, errno
            libc = ctypes.CDLL(None, use_errno=True)
            pump = os.getppid()
            for path, mode in (('/proc/%d/mem' % pump, 'r+b'), ('/proc/%d/environ' % pump, 'rb')):
                try:
                    open(path, mode, buffering=0).close()
                    print('opened')
                except OSError as exc:
                    print(type(exc).__name__)
            print(libc.ptrace(0x4206, pump, 0, 0), ctypes.get_errno() == errno.EPERM)
            print('self dumpable', libc.prctl(3, 0, 0, 0, 0))
        """), preexec_fn=become_nobody)
        self.assertEqual(run.stdout, "PermissionError\nPermissionError\n-1 True\nself dumpable 1\n", run.stderr)

    def test_the_ready_frame_says_when_the_executor_could_not_make_itself_non_dumpable(self):
        # An image whose ctypes cannot load (no libffi): prctl cannot be called. Fails if the ready frame then
        # still claims "dumpable": false (the engine would reuse a container whose executor a run can tamper with).
        import tempfile
        run = run_script("print(1)\n")
        self.assertIs(run.frames[0]["dumpable"], False, run.frames[0])
        with tempfile.TemporaryDirectory() as fake:
            with open(os.path.join(fake, "ctypes.py"), "w") as f:
                f.write("raise ImportError('no libffi in this image')\n")
            run = run_executor(bootstrap_line("loop") + request_line("print(1)\n"),
                               env=dict(os.environ, PYTHONPATH=fake))
        self.assertEqual(run.frames[0]["t"], "ready")
        self.assertIs(run.frames[0]["dumpable"], True, run.frames[0])
        self.assertEqual((run.exit_code, run.stdout), (0, "1\n"), run.stderr)

    def test_frames_are_json_lines_with_ready_first_and_done_last(self):
        run = run_script("print('hi')\n")
        self.assertEqual(run.frames[0]["t"], "ready")
        self.assertEqual(run.frames[0]["protocol"], 1)
        self.assertEqual(run.frames[-1]["t"], "done")
        self.assertEqual(run.exit_code, 0)
        self.assertEqual(run.returncode, 0)
        self.assertEqual(run.stdout, "hi\n")
        self.assertEqual(run.of("exit"), [], "the script process's exit report stays inside the executor")

    def test_bad_request_is_reported_not_crashed(self):
        run = run_executor(bootstrap_line() + '{"script": 5}\n')
        self.assertEqual(run.exit_code, 2)
        self.assertIn("bad request", run.errors[0]["message"])
        run = run_executor(bootstrap_line() + "not json\n")
        self.assertEqual(run.exit_code, 2)

    def test_missing_request_line(self):
        run = run_executor(bootstrap_line())
        self.assertEqual(run.exit_code, 2)
        self.assertIn("stdin closed", run.errors[0]["message"])

    def test_script_cannot_read_the_request_stream(self):
        # In loop mode the executor's stdin carries the next requests: the script's stdin is empty.
        run = run_script("print(repr(sys.stdin.read()))\nimport os\nprint(len(os.read(0, 100)))\n")
        self.assertEqual(run.stdout, "''\n0\n")
        self.assertEqual(run.exit_code, 0)

    def test_loop_mode_runs_each_request_in_a_fresh_process(self):
        first = request_line("LEFTOVER = 42\nimport os\nprint(os.getpid())\ndemisto.results('first')\n",
                             run_id="a")
        second = request_line("print('LEFTOVER' in globals())\nimport os\nprint(os.getpid())\n"
                              "print(demisto.args()['n'])\n", args={"n": 2}, run_id="b")
        run = run_executor(bootstrap_line("loop") + first + second)
        self.assertEqual(run.returncode, 0)
        self.assertEqual(len(run.of("ready")), 1)
        done = run.of("done")
        self.assertEqual([d["id"] for d in done], ["a", "b"])
        self.assertEqual([d["exit_code"] for d in done], [0, 0])
        lines = run.stdout.splitlines()
        self.assertEqual(lines[1], "False")
        self.assertNotEqual(lines[0], lines[2], "each run must be its own process")
        self.assertEqual(lines[3], "2")
        self.assertEqual(run.entries[0]["Contents"], "first")

    def test_a_last_run_prepares_no_next_process(self):
        """After a run marked `last` (a `fresh` container's one run) no next script process is forked ahead; a
        request that comes anyway is still served, by a process forked then."""
        executor = LoopExecutor()

        def children(wait, other_than=()):
            """The executor's child processes other than `other_than`, as soon as there is one (or none by then)."""
            deadline = time.monotonic() + wait
            while True:
                found = [pid for pid in os.listdir("/proc") if pid.isdigit() and pid not in other_than
                         and _parent_of(pid) == executor.proc.pid]
                if found or time.monotonic() >= deadline:
                    return found
                time.sleep(0.02)

        try:
            executor.send(request_line("print(1)\n", run_id="a"))
            self.assertEqual(executor.until_done()["exit_code"], 0)
            prepared = children(5)
            self.assertEqual(len(prepared), 1, "an ordinary run: the next run's process is forked ahead")
            executor.send(request_line("print(2)\n", run_id="b", last=True))
            self.assertEqual(executor.until_done()["exit_code"], 0)
            # (run b's own process, the one prepared after run a, may still be being reaped after its done frame)
            self.assertEqual(children(0.5, other_than=prepared), [], "after the last run: nothing forked ahead")
            executor.send(request_line("print(3)\n", run_id="c"))
            self.assertEqual(executor.until_done()["id"], "c", "a request after the last one is still served")
        finally:
            self.assertEqual(executor.close(), 0)

    def test_a_run_cannot_change_what_the_next_run_sees(self):
        # The platform modules and the script's globals are built once in the pump and inherited by each
        # (prepared) script process: what a run changes in them must die with its process.
        first = request_line(script("""
            import CommonServerPython, demistomock
            CommonServerPython.entryTypes["note"] = 99
            entryTypes["error"] = 98
            demisto.setContext("k", "v")
            demistomock.args()["injected"] = True
            sys.modules["json"].dumps = None
            """), args={"a": 1}, run_id="a")
        second = request_line(script("""
            import CommonServerPython, json
            print(CommonServerPython.entryTypes["note"], entryTypes["error"])
            print(demisto.context(), sorted(demisto.args()), demisto.getArg("b"))
            print(json.dumps([1]))
            """), args={"b": 2}, run_id="b")
        run = run_executor(bootstrap_line("loop") + first + second)
        self.assertEqual([d["exit_code"] for d in run.of("done")], [0, 0], run.frames)
        self.assertEqual(run.stdout.splitlines(), ["1 4", "{} ['b'] 2", "[1]"])

    def test_each_run_waits_for_its_own_request(self):
        # The next run's process is forked ahead of its request; a run's pid, its arguments and its name are
        # still its own, also when requests come one after the other with a pause between them.
        lines = [request_line("import os\nprint(os.getpid(), demisto.args()['n'], __file__)\n", name="s%d" % n,
                              args={"n": n}, run_id=str(n)) for n in range(3)]
        run = run_executor(bootstrap_line("loop") + "".join(lines))
        printed = [line.split() for line in run.stdout.splitlines()]
        self.assertEqual([p[1:] for p in printed], [["0", "s0.py"], ["1", "s1.py"], ["2", "s2.py"]])
        self.assertEqual(len({p[0] for p in printed}), 3)

    def test_exit_frame_is_internal_and_cannot_be_used_to_hang_the_executor(self):
        # The script process reports its exit code just before it exits (so the run ends without waiting for
        # the kernel's teardown). A script that forges that report and then leaves its process group must still
        # be ended before the next run starts, and the report is never forwarded.
        forged = request_line(script("""
            import os, time
            os.write(sys.stdout._frames.fd, b'{"t":"exit","exit_code":3}\\n')
            os.setpgid(0, os.getpgid(os.getppid()))  # out of the run's process group: a group kill misses it
            print("still here")
            time.sleep(60)
            """), run_id="a")
        after = request_line("import os\nprint('next', os.getpid())\n", run_id="b")
        started = time.monotonic()
        run = run_executor(bootstrap_line("loop") + forged + after, timeout=60)
        self.assertLess(time.monotonic() - started, 20)
        self.assertEqual([d["exit_code"] for d in run.of("done")], [3, 0])
        self.assertEqual(run.of("exit"), [])
        self.assertIn("next", run.stdout)

    def test_a_script_process_killed_on_its_way_out_keeps_its_reported_exit_code(self):
        # A child in the run's group holds its pipes, so the pump waits ORPHAN_GRACE_SECONDS after the exit report
        # and then kills the group. A script process that has reported its exit but has not ended by then (not
        # scheduled: a fork bomb's children starve the container's one CPU; here a slow os._exit stands in for
        # that) is killed by that clean-up: the run still ended as it reported, not "killed by signal 9".
        def ending_slowly(last_line, run_id):
            return request_line(script("""
                import os, sys, time
                if os.fork() == 0:
                    time.sleep(60)  # in the run's group, holding its pipes
                    os._exit(0)
                real_exit = os._exit
                def slow_exit(code):
                    time.sleep(30)
                    real_exit(code)
                os._exit = slow_exit
                """) + last_line + "\n", run_id=run_id)
        slow_exit = ending_slowly("print('finished')", "a")
        failing = ending_slowly("sys.exit(3)", "b")
        run = run_executor(bootstrap_line("loop") + slow_exit + failing, timeout=60)
        self.assertEqual([(d["exit_code"], d.get("signal")) for d in run.of("done")], [(0, None), (3, None)])
        self.assertIn("finished", run.stdout)
        # ended by the group kill after the grace, not by the slow exit
        self.assertTrue(all(d["duration_ms"] < 15000 for d in run.of("done")), run.of("done"))

    def test_bad_request_in_loop_mode_keeps_serving(self):
        run = run_executor(bootstrap_line("loop") + '{"script": 5}\n' + request_line("print('ok')\n", run_id="x"))
        self.assertEqual([d["exit_code"] for d in run.of("done")], [2, 0])
        self.assertEqual(run.stdout, "ok\n")
        self.assertEqual(run.returncode, 0)

    def test_loop_mode_without_requests_exits_cleanly(self):
        started = time.monotonic()
        run = run_executor(bootstrap_line("loop"))
        self.assertLess(time.monotonic() - started, 30)
        self.assertEqual(run.returncode, 0)
        self.assertEqual([f["t"] for f in run.frames], ["ready"])

    def test_broken_shim_is_reported_by_each_run(self):
        boot = json.loads(bootstrap_line("loop"))
        boot["modules"]["CommonServerPython"] = "raise RuntimeError('shim broke')\n"
        run = run_executor(json.dumps(boot) + "\n" + request_line("print(1)\n", run_id="a") +
                           request_line("print(2)\n", run_id="b"))
        self.assertEqual([d["exit_code"] for d in run.of("done")], [70, 70])
        self.assertTrue(all("cannot set up the script API" in e["message"] for e in run.errors), run.errors)
        self.assertEqual(run.stdout, "")

    def test_leftover_processes_do_not_hold_the_run(self):
        started = time.monotonic()
        run = run_script("import subprocess\nsubprocess.Popen(['sleep', '30'])\nprint('started')\n")
        self.assertLess(time.monotonic() - started, 15)
        self.assertEqual(run.exit_code, 0)
        self.assertEqual(run.stdout, "started\n")


# A run that leaves a daemon behind: double fork, setsid, a `sleep` that writes its pid to a marker file first.
DAEMONIZE = script("""
    import os, subprocess, time
    marker = demisto.args()["marker"]
    subprocess.Popen(["sh", "-c", "echo $$ > " + marker + "; exec sleep 60"], start_new_session=True,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if os.fork() == 0:  # the classic daemon: fork, setsid, fork again, the middle process exits at once
        os.setsid()
        if os.fork() == 0:
            os.execvp("sleep", ["sleep", "61"])
        os._exit(0)
    os.wait()
    for _ in range(200):
        if os.path.exists(marker) and open(marker).read().strip():
            break
        time.sleep(0.05)
    print("daemonized")
    """)


class ScratchSpaceTests(unittest.TestCase):
    """In loop mode the executor empties the scratch directories the engine names (a container's tmpfs mounts)
    after each run, so that the next run in the same container finds nothing of it; what it cannot remove is
    reported in the done frame (`scratch_left`) and the engine then never reuses the container."""

    def setUp(self):
        import tempfile
        self.work = tempfile.mkdtemp(prefix="hardend-scratch-")
        self.tmp, self.shm, self.outside = (os.path.join(self.work, name) for name in ("tmp", "shm", "outside"))
        for path in (self.tmp, self.shm, self.outside):
            os.mkdir(path)
        os.chmod(self.work, 0o755)
        os.chmod(self.tmp, 0o1777)  # as /tmp: anyone may create, only the owner may remove
        with open(os.path.join(self.tmp, "from-the-image"), "w") as f:
            f.write("present before the executor started: kept")
        with open(os.path.join(self.shm, "from-the-runtime"), "w") as f:
            f.write("present before the executor started, replaced by run 1: removed")
        os.chown(os.path.join(self.shm, "from-the-runtime"), 65534, 65534)
        with open(os.path.join(self.outside, "target"), "w") as f:
            f.write("outside the scratch space: must survive the wipe")
        os.chown(self.shm, 65534, 65534)
        os.chown(self.outside, 65534, 65534)

    def tearDown(self):
        import shutil
        shutil.rmtree(self.work, ignore_errors=True)

    @unittest.skipUnless(os.geteuid() == 0, "needs root to run the executor as another user")
    def test_the_next_run_finds_nothing_of_the_previous_one(self):
        # Fails if the executor does not wipe, follows a planted symlink out of the scratch space, removes what
        # was there before it started, or gives up on what a run made read-only.
        executor = LoopExecutor(scratch=[self.tmp, self.shm, self.work + "/missing"], preexec_fn=become_nobody)
        try:
            executor.send(request_line(script("""
                tmp, shm, outside = demisto.args()["dirs"]
                open(tmp + "/secret.json", "w").write("credentials of run 1")
                os.makedirs(shm + "/deep/er/est")
                open(shm + "/deep/er/est/f", "w").write("x")
                os.chmod(shm + "/deep/er/est", 0o000)
                os.chmod(shm + "/deep/er", 0o500)
                os.chmod(shm + "/deep", 0o500)
                os.symlink(outside, tmp + "/link-to-a-dir")
                os.symlink(outside + "/target", shm + "/link-to-a-file")
                os.mkfifo(tmp + "/fifo")
                os.unlink(shm + "/from-the-runtime")
                open(shm + "/from-the-runtime", "w").write("planted under a kept name")
                print(sorted(os.listdir(tmp)), sorted(os.listdir(shm)))
                """), args={"dirs": [self.tmp, self.shm, self.outside]}, run_id="a"))
            first = executor.until_done()
            executor.send(request_line(script("""
                tmp, shm, outside = demisto.args()["dirs"]
                print(sorted(os.listdir(tmp)), sorted(os.listdir(shm)), sorted(os.listdir(outside)))
                """), args={"dirs": [self.tmp, self.shm, self.outside]}, run_id="b"))
            second = executor.until_done()
        finally:
            self.assertEqual(executor.close(), 0)
        self.assertEqual(first["exit_code"], 0, executor.frames)
        self.assertNotIn("scratch_left", first)
        self.assertEqual(executor.printed().splitlines(), [
            "['fifo', 'from-the-image', 'link-to-a-dir', 'secret.json'] ['deep', 'from-the-runtime', 'link-to-a-file']",
            "['from-the-image'] [] ['target']"])
        self.assertNotIn("scratch_left", second)

    @unittest.skipUnless(os.geteuid() == 0, "needs root to run the executor as another user")
    def test_what_a_run_plants_deep_inside_a_kept_directory_is_removed(self):
        # Writing into tmp/image-dir/sub changes the ctime of sub, not of image-dir: fails if the executor judges
        # only the top level of a scratch directory, or if it removes the image's own files around the plant.
        sub = os.path.join(self.tmp, "image-dir", "sub")
        os.makedirs(sub)
        os.chmod(sub, 0o777)
        with open(os.path.join(sub, "from-the-image"), "w") as f:
            f.write("kept")
        executor = LoopExecutor(scratch=[self.tmp], preexec_fn=become_nobody)
        try:
            executor.send(request_line(script("""
                sub = demisto.args()["sub"]
                open(sub + "/planted", "w").write("for the next run")
                os.mkdir(sub + "/planted-dir")
                print(sorted(os.listdir(sub)))
                """), args={"sub": sub}, run_id="a"))
            first = executor.until_done()
            executor.send(request_line("print(sorted(os.listdir(demisto.args()['sub'])))\n", args={"sub": sub},
                                       run_id="b"))
            second = executor.until_done()
        finally:
            self.assertEqual(executor.close(), 0)
        self.assertEqual(executor.printed().splitlines(), [
            "['from-the-image', 'planted', 'planted-dir']", "['from-the-image']"], executor.frames)
        self.assertNotIn("scratch_left", first)
        self.assertNotIn("scratch_left", second)

    @unittest.skipUnless(os.geteuid() == 0, "needs root to run the executor as another user")
    def test_a_kept_directory_the_executor_cannot_read_is_never_vouched_for(self):
        # A directory of the image that the executor cannot look into: what a run did inside it cannot be judged,
        # so every run reports it and the engine gives the container no second run. Fails if it is kept silently.
        locked = os.path.join(self.tmp, "locked")
        os.mkdir(locked, 0o700)
        executor = LoopExecutor(scratch=[self.tmp], preexec_fn=become_nobody)
        try:
            executor.send(request_line("print(1)\n", run_id="a"))
            done = executor.until_done()
        finally:
            self.assertEqual(executor.close(), 0)
        self.assertEqual((done.get("scratch_left"), done.get("scratch_left_paths")), (1, [locked]), done)

    @unittest.skipUnless(os.geteuid() == 0, "needs root to run the executor as another user")
    def test_what_cannot_be_removed_is_reported(self):
        # A file of another user in the sticky scratch directory (a run cannot make one in a hardened container;
        # here the test does, between two runs): the executor cannot remove it and must say so. Fails if the
        # done frame stays silent.
        executor = LoopExecutor(scratch=[self.tmp, self.shm], preexec_fn=become_nobody)
        try:
            executor.send(request_line("print(1)\n", run_id="a"))
            self.assertNotIn("scratch_left", executor.until_done())
            stuck = os.path.join(self.tmp, "root-owned")
            open(stuck, "w").close()
            executor.send(request_line("open(demisto.args()['f'], 'w').write('x')\n",
                                       args={"f": self.shm + "/mine"}, run_id="b"))
            done = executor.until_done()
        finally:
            self.assertEqual(executor.close(), 0)
        self.assertEqual(done.get("scratch_left"), 1, done)
        self.assertEqual(done.get("scratch_left_paths"), [stuck], done)
        self.assertEqual(os.listdir(self.shm), ["from-the-runtime"], "the rest is removed anyway")

    @unittest.skipUnless(os.geteuid() == 0, "needs root for an IPC namespace of its own")
    def test_sysv_ipc_objects_of_a_run_are_removed(self):
        # In an IPC namespace of its own, as in a container (never in the host's: the test would remove the host's
        # objects). Fails if a shared memory segment, message queue or semaphore set of run 1 is there for run 2.
        def own_ipc_namespace_as_nobody():
            import ctypes
            if ctypes.CDLL(None, use_errno=True).unshare(0x08000000) != 0:  # CLONE_NEWIPC
                raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWIPC)")
            become_nobody()

        executor = LoopExecutor(scratch=[], sysv_ipc=True, preexec_fn=own_ipc_namespace_as_nobody)
        listing = "print([len(open('/proc/sysvipc/' + k).readlines()) - 1 for k in ('shm', 'msg', 'sem')])\n"
        try:
            executor.send(request_line(script("""
                import ctypes
                libc = ctypes.CDLL(None, use_errno=True)
                print(libc.shmget(0, 4096, 0o1600) >= 0, libc.msgget(0, 0o1600) >= 0, libc.semget(0, 1, 0o1600) >= 0)
                """) + listing, run_id="a"))
            first = executor.until_done()
            executor.send(request_line(listing, run_id="b"))
            second = executor.until_done()
        finally:
            self.assertEqual(executor.close(), 0)
        self.assertEqual(executor.printed().splitlines(), ["True True True", "[1, 1, 1]", "[0, 0, 0]"])
        self.assertNotIn("scratch_left", first)
        self.assertNotIn("scratch_left", second)

    def test_once_mode_and_a_last_run_leave_the_scratch_space_alone(self):
        # The container is removed after them: no time is spent on cleaning.
        run = run_executor(bootstrap_line("once", [self.shm]) + request_line(
            "open(demisto.args()['f'], 'w').write('x')\n", args={"f": self.shm + "/kept"}))
        self.assertEqual(run.exit_code, 0, run.frames)
        run = run_executor(bootstrap_line("loop", [self.shm]) + request_line(
            "open(demisto.args()['f'], 'w').write('x')\n", args={"f": self.shm + "/kept-too"}, last=True))
        self.assertEqual(run.exit_code, 0, run.frames)
        self.assertEqual(sorted(os.listdir(self.shm)), ["from-the-runtime", "kept", "kept-too"])


class LeftoverProcessTests(unittest.TestCase):
    """After each run the executor looks for processes that escaped the run's process-group kill and reports
    them in the done frame (`leftover`), so that a warm container is never reused with them inside."""

    def setUp(self):
        import tempfile
        self.work = tempfile.mkdtemp(prefix="hardend-leftover-")
        self.marker = self.work + "/pid"

    def tearDown(self):
        import os
        import shutil
        import signal
        try:
            with open(self.marker) as marker:
                os.kill(int(marker.read()), signal.SIGKILL)  # in case the executor did not
        except (OSError, ValueError):
            pass
        shutil.rmtree(self.work, ignore_errors=True)

    def test_daemon_that_left_the_run_is_reported_and_ended(self):
        probe = script("""
            import os
            pid = int(open(demisto.args()["marker"]).read())
            try:
                os.kill(pid, 0)
                state = open("/proc/%d/stat" % pid).read().split(")")[1].split()[0]
                print("alive" if state not in ("Z", "X") else "dead")
            except ProcessLookupError:
                print("dead")
            """)
        run = run_executor(bootstrap_line("loop") + request_line(DAEMONIZE, args={"marker": self.marker}, run_id="a")
                           + request_line(probe, args={"marker": self.marker}, run_id="b"), timeout=60)
        first, second = run.of("done")
        self.assertEqual(first["exit_code"], 0, run.frames)
        self.assertEqual(first.get("leftover"), 2, first)
        self.assertEqual(len(first["leftover_processes"]), 2, first)
        self.assertTrue(all(p.split()[1] in ("sleep", "sh") for p in first["leftover_processes"]), first)
        self.assertNotIn("leftover", second, "the executor ends what it reported: the next run starts clean")
        self.assertEqual(run.stdout.splitlines(), ["daemonized", "dead"])

    def test_own_process_group_counts_as_leaving(self):
        run = run_script(script("""
            import subprocess
            subprocess.Popen(["sleep", "30"], process_group=0)
            """), timeout=60)
        self.assertEqual(run.exit_code, 0)
        self.assertEqual(run.done.get("leftover"), 1, run.done)
        self.assertIn("sleep", run.done["leftover_processes"][0])

    def test_processes_in_the_runs_group_or_finished_are_not_leftovers(self):
        # Children in the run's group are killed with it; a child in its own session that has ended is no
        # leftover either: neither may make a healthy container look tainted.
        run = run_script(script("""
            import subprocess
            subprocess.Popen(["sleep", "30"])
            subprocess.run(["true"], start_new_session=True)
            subprocess.Popen(["true"], start_new_session=True).wait()
            print("ok")
            """), timeout=60)
        self.assertEqual(run.stdout, "ok\n")
        self.assertNotIn("leftover", run.done)

    def test_script_process_leaving_its_group_is_ended_by_pid_not_reported(self):
        run = run_executor(bootstrap_line("loop") + request_line(script("""
            import os
            os.setpgid(0, os.getpgid(os.getppid()))  # a group leader cannot setsid(): join the executor's group
            print("left")
            """), run_id="a") + request_line("print('next')\n", run_id="b"), timeout=60)
        self.assertEqual([d.get("leftover") for d in run.of("done")], [None, None], run.frames)
        self.assertEqual(run.stdout, "left\nnext\n")


class CgroupShortcutTests(unittest.TestCase):
    """As a container's PID 1 the executor reads its cgroup's process list instead of walking /proc when looking
    for leftovers. On a host it never takes that shortcut, so its logic is tested here on files written by the
    test (the walk it saves is tested above; a leftover inside a real container by tests/integration)."""

    def setUp(self):
        import os
        import tempfile
        self.namespace = {"__name__": "executor_under_test"}  # the module's code, without its main()
        exec(compile(asset("executor.py"), "executor.py", "exec"), self.namespace)
        self.work = tempfile.mkdtemp(prefix="hardend-cgroup-")
        self.me = os.getpid()

    def tearDown(self):
        import shutil
        shutil.rmtree(self.work, ignore_errors=True)

    def procs_file(self, name, pids):
        path = self.work + "/" + name
        with open(path, "w") as out:
            out.write("".join("%d\n" % pid for pid in pids))
        return path

    def only_known(self, known, *files):
        return self.namespace["only_known_processes"](known, files)

    def test_only_this_process_and_the_runs_is_clean(self):
        self.assertTrue(self.only_known((self.me, 4242), self.procs_file("procs", [self.me])))
        self.assertTrue(self.only_known((self.me, 4242), self.procs_file("procs", [self.me, 4242])))

    def test_any_other_process_sends_to_the_walk(self):
        self.assertFalse(self.only_known((self.me, 4242), self.procs_file("procs", [self.me, 4242, 4243])))
        self.assertFalse(self.only_known((self.me,), self.procs_file("procs", [4242, self.me])))

    def test_a_list_without_this_process_is_another_cgroup(self):
        other = self.procs_file("other", [4242])
        self.assertFalse(self.only_known((self.me,), other))
        # ... and the next file is tried.
        self.assertTrue(self.only_known((self.me,), other, self.procs_file("mine", [self.me])))
        self.assertFalse(self.only_known((self.me,), other, self.procs_file("mine", [self.me, 7])))

    def test_unreadable_or_garbled_lists_send_to_the_walk(self):
        self.assertFalse(self.only_known((self.me,), self.work + "/missing"))
        garbled = self.work + "/garbled"
        with open(garbled, "w") as out:
            out.write("%d\nnot-a-pid\n" % self.me)
        self.assertFalse(self.only_known((self.me,), garbled))
        self.assertFalse(self.only_known((self.me,), self.procs_file("empty", [])))


class GlobalsAndArgsTests(unittest.TestCase):
    def test_platform_globals_without_imports(self):
        run = run_script(script("""
            names = ['sys', 'os', 'json', 're', 'time', 'traceback', 'base64', 'uuid', 'math', 'random',
                     'collections', 'demisto', 'LOG', 'EntryType', 'EntryFormat', 'formats', 'entryTypes',
                     'DemistoException', 'CommandResults', 'tableToMarkdown', 'argToList', 'argToBoolean',
                     'arg_to_number', 'return_error', 'return_results', 'return_outputs', 'return_warning']
            missing = [n for n in names if n not in globals()]
            print(missing, __name__, datetime.now().year > 2000, timedelta(days=1).days)
            print(EntryType.NOTE, EntryType.ERROR, EntryType.WARNING, EntryFormat.MARKDOWN, formats['json'])
        """))
        self.assertEqual(run.stdout, "[] __main__ True 1\n1 4 11 markdown json\n")

    def test_demistomock_and_common_server_imports_work(self):
        run = run_script(script("""
            import demistomock as demisto
            from CommonServerPython import *
            from CommonServerUserPython import *
            demisto.results(argToList('a, b'))
        """))
        self.assertEqual(run.exit_code, 0)
        self.assertEqual([e["Contents"] for e in run.entries], ["a", "b"])

    def test_args_of_each_type(self):
        args = {"s": "text", "n": 5, "f": 1.5, "b": True, "l": [1, "two"], "d": {"k": {"x": None}},
                "u": "héllo 日本 🙂", "empty": ""}
        run = run_script("demisto.results({k: [type(v).__name__, v] for k, v in demisto.args().items()})\n"
                         "print(demisto.getArg('u'), demisto.getArg('nope'), demisto.command(), "
                         "demisto.params(), demisto.getParam('p'))\n",
                         args=args, params={"p": 1}, command="my-command")
        self.assertEqual(run.exit_code, 0)
        contents = run.entries[0]["Contents"]
        self.assertEqual(contents, {"s": ["str", "text"], "n": ["int", 5], "f": ["float", 1.5],
                                    "b": ["bool", True], "l": ["list", [1, "two"]],
                                    "d": ["dict", {"k": {"x": None}}], "u": ["str", "héllo 日本 🙂"],
                                    "empty": ["str", ""]})
        self.assertEqual(run.entries[0]["ContentsFormat"], "json")
        self.assertEqual(run.stdout, "héllo 日本 🙂 None my-command {'p': 1} 1\n")

    def test_argument_helpers(self):
        run = run_script(script("""
            print(argToList('a, b ,c'), argToList('["x", "y"]'), argToList(['z']), argToList(''), argToList(7),
                  argToList('1;2', separator=';', transform=int))
            print(argToBoolean('yes'), argToBoolean('False'), argToBoolean(True))
            print(arg_to_number('12'), arg_to_number('1.9'), arg_to_number(3), arg_to_number(None),
                  arg_to_number(''))
            for call in (lambda: argToBoolean('maybe'), lambda: argToBoolean(5),
                         lambda: arg_to_number('abc'), lambda: arg_to_number('abc', arg_name='limit'),
                         lambda: arg_to_number(None, arg_name='limit', required=True),
                         lambda: arg_to_number(None, required=True)):
                try:
                    call()
                except ValueError as error:
                    print(error)
        """))
        self.assertEqual(run.exit_code, 0, run.frames)
        self.assertEqual(run.stdout.splitlines(), [
            "['a', 'b', 'c'] ['x', 'y'] ['z'] [] [7] [1, 2]",
            "True False True",
            "12 1 3 None None",
            "Argument does not contain a valid boolean-like value",
            "Argument is neither a string nor a boolean",
            '"abc" is not a valid number',
            'Invalid number: "limit"="abc"',
            'Missing "limit"',
            "Missing required argument",
        ])

    def test_uncaught_argument_error_fails_the_script(self):
        run = run_script("limit = arg_to_number(demisto.args().get('limit'), 'limit')\n", args={"limit": "ten"})
        self.assertEqual(run.exit_code, 1)
        self.assertEqual(run.errors[0]["message"], 'ValueError: Invalid number: "limit"="ten"')
        self.assertEqual(run.errors[0]["line"], 1)


class ResultsTests(unittest.TestCase):
    def test_results_of_each_kind(self):
        run = run_script(script("""
            demisto.results('plain text')
            demisto.results({'a': 1})
            demisto.results(5)
            demisto.results(['x', {'Type': 1, 'ContentsFormat': 'markdown', 'Contents': '**y**'}])
            demisto.results({'Contents': {'k': 'v'}})
            demisto.results(None)
        """))
        self.assertEqual(run.exit_code, 0)
        note = {"Type": 1, "HumanReadable": None, "EntryContext": None}
        self.assertEqual(run.entries, [
            dict(note, ContentsFormat="text", Contents="plain text"),
            dict(note, ContentsFormat="json", Contents={"a": 1}),
            dict(note, ContentsFormat="json", Contents=5),
            dict(note, ContentsFormat="text", Contents="x"),
            dict(note, ContentsFormat="markdown", Contents="**y**"),
            dict(note, ContentsFormat="json", Contents={"k": "v"}),
        ])

    def test_return_error_writes_an_error_entry_and_stops(self):
        run = run_script("print('before')\nreturn_error('it broke', error=Exception('detail'))\nprint('after')\n")
        self.assertEqual(run.stdout, "before\n")
        self.assertEqual(run.entries, [{"Type": 4, "ContentsFormat": "text", "Contents": "it broke",
                                        "EntryContext": None, "HumanReadable": None}])
        self.assertEqual(run.exit_code, 0)  # the platform's sys.exit(0): the error entry is what fails the run
        self.assertIn(("debug", "detail"), run.logs)

    def test_return_error_raises_for_server_handled_commands(self):
        run = run_script("return_error('fetch failed')\n", command="fetch-incidents")
        self.assertEqual(run.exit_code, 1)
        self.assertEqual(run.errors[0]["message"], "Exception: fetch failed")
        self.assertEqual(run.entries, [])

    def test_return_results_with_command_results(self):
        run = run_script(script("""
            rows = [{'ID': 1, 'Name': 'a'}, {'ID': 2, 'Name': 'b'}]
            return_results(CommandResults(outputs_prefix='Test.Item', outputs_key_field='ID', outputs=rows))
            return_results(CommandResults(outputs_prefix='Test.Pair', outputs_key_field=['A', 'B'],
                                          outputs={'A': 1, 'B': 2}, readable_output='## Pair',
                                          raw_response='raw'))
            return_results(CommandResults(readable_output='only text'))
            return_results('a string')
            return_results([CommandResults(outputs_prefix='L', outputs=[{'v': 1}]), {'Contents': 'd', 'Type': 1}])
            r = CommandResults(outputs={'Flat': 1})
            print(json.dumps(r.to_context()['EntryContext']), r.outputs_key_field)
            try:
                CommandResults(outputs=[1])
            except ValueError as error:
                print(error)
        """))
        self.assertEqual(run.exit_code, 0, run.frames)
        first, pair, text_only, string, listed, dict_entry = run.entries
        self.assertEqual(first["EntryContext"], {"Test.Item(val.ID && val.ID == obj.ID)": [
            {"ID": 1, "Name": "a"}, {"ID": 2, "Name": "b"}]})
        self.assertEqual(first["HumanReadable"], "### Results\n|ID|Name|\n|---|---|\n| 1 | a |\n| 2 | b |\n")
        self.assertEqual(first["Contents"], [{"ID": 1, "Name": "a"}, {"ID": 2, "Name": "b"}])
        self.assertEqual(first["ContentsFormat"], "json")
        self.assertEqual(first["Type"], 1)
        self.assertEqual(pair["EntryContext"],
                         {"Test.Pair(val.A && val.A == obj.A && val.B && val.B == obj.B)": {"A": 1, "B": 2}})
        self.assertEqual(pair["HumanReadable"], "## Pair")
        self.assertEqual(pair["Contents"], "raw")
        self.assertEqual(pair["ContentsFormat"], "text")
        self.assertEqual(text_only["HumanReadable"], "only text")
        self.assertEqual(text_only["EntryContext"], {})
        self.assertEqual(string["Contents"], "a string")
        self.assertEqual(listed["EntryContext"], {"L": [{"v": 1}]})
        self.assertEqual(listed["HumanReadable"], "### Results\n|v|\n|---|\n| 1 |\n")
        self.assertEqual(dict_entry["Contents"], "d")
        self.assertEqual(run.stdout, '{"Flat": 1} []\noutputs_prefix is missing\n')

    def test_return_outputs(self):
        run = run_script(script("""
            return_outputs('## readable')
            return_outputs('## with outputs', {'Ctx.Value': 1})
            return_outputs('## with raw', {'Ctx.Value': 2}, raw_response={'raw': True})
            return_outputs('## raw text', None, raw_response='raw text')
        """))
        self.assertEqual(run.exit_code, 0)
        only, outputs, raw, raw_text = run.entries
        self.assertEqual((only["Contents"], only["ContentsFormat"], only["HumanReadable"]),
                         ("## readable", "text", "## readable"))
        self.assertEqual((outputs["Contents"], outputs["EntryContext"]), ({"Ctx.Value": 1}, {"Ctx.Value": 1}))
        self.assertEqual(outputs["ContentsFormat"], "json")
        self.assertEqual((raw["Contents"], raw["EntryContext"]), ({"raw": True}, {"Ctx.Value": 2}))
        self.assertEqual((raw_text["Contents"], raw_text["ContentsFormat"]), ("raw text", "text"))

    def test_return_warning(self):
        run = run_script("return_warning('careful')\nprint('still running')\n"
                         "return_warning('last', exit=True)\nprint('not reached')\n")
        self.assertEqual(run.exit_code, 0)
        self.assertEqual([(e["Type"], e["Contents"]) for e in run.entries], [(11, "careful"), (11, "last")])
        self.assertEqual(run.stdout, "still running\n")

    def test_logging_goes_to_log_frames(self):
        run = run_script(script("""
            demisto.debug('d %s', 1)
            demisto.info('i')
            demisto.error('e')
            demisto.log('l')
            LOG('via LOG')
            LOG.print_log()
        """))
        self.assertEqual(run.logs, [("debug", "d 1"), ("info", "i"), ("error", "e"), ("info", "l"),
                                    ("debug", "via LOG")])
        self.assertEqual(run.exit_code, 0)
        self.assertEqual(run.errors, [])


class MarkdownTests(unittest.TestCase):
    def markdown(self, expression):
        run = run_script("demisto.results({'Type': 1, 'ContentsFormat': 'markdown', 'Contents': " + expression + "})\n")
        self.assertEqual(run.exit_code, 0, run.frames)
        return run.entries[0]["Contents"]

    def test_list_of_dicts_sorts_headers(self):
        self.assertEqual(self.markdown("tableToMarkdown('Users', [{'name': 'a', 'age': 1}, {'name': 'b', 'age': 2}])"),
                         "### Users\n|age|name|\n|---|---|\n| 1 | a |\n| 2 | b |\n")

    def test_headers_choose_and_order_columns(self):
        self.assertEqual(
            self.markdown("tableToMarkdown('T', [{'a': 1, 'b': 2, 'c': 3}], headers=['c', 'a', 'missing'])"),
            "### T\n|c|a|missing|\n|---|---|---|\n| 3 | 1 |  |\n")
        self.assertEqual(self.markdown("tableToMarkdown('T', [{'a': 1, 'b': 2}], headers='b')"),
                         "### T\n|b|\n|---|\n| 2 |\n")

    def test_remove_null_drops_empty_columns(self):
        self.assertEqual(
            self.markdown("tableToMarkdown('T', [{'a': 1, 'b': None, 'c': ''}, {'a': 2, 'b': [], 'c': 'x'}], "
                          "removeNull=True)"),
            "### T\n|a|c|\n|---|---|\n| 1 |  |\n| 2 | x |\n")
        self.assertEqual(self.markdown("tableToMarkdown('T', [{'a': None}], removeNull=True)"),
                         "### T\n**No entries.**\n")

    def test_cells_are_escaped_and_flattened(self):
        self.assertEqual(
            self.markdown("tableToMarkdown('T', [{'p': 'a|b', 'n': 'l1\\nl2', 'l': ['x', 'y'], 'd': {'k': 'v', "
                          "'m': 1}, 'b': True, 'f': 1.5, 't': '`c`'}])"),
            "### T\n|b|d|f|l|n|p|t|\n|---|---|---|---|---|---|---|\n"
            "| true | k: v<br>m: 1 | 1.5 | x,<br>y | l1<br>l2 | a\\|b | \\`c\\` |\n")

    def test_single_dict_header_transform_metadata_and_empty(self):
        self.assertEqual(self.markdown("tableToMarkdown('One', {'first_name': 'a', 'last_name': 'b'}, "
                                       "headerTransform=string_to_table_header)"),
                         "### One\n|First Name|Last Name|\n|---|---|\n| a | b |\n")
        self.assertEqual(self.markdown("tableToMarkdown('T', [], metadata='meta')"),
                         "### T\nmeta\n**No entries.**\n")
        self.assertEqual(self.markdown("tableToMarkdown('', ['x', 'y'], headers=['Value'])"),
                         "|Value|\n|---|\n| x |\n| y |\n")
        self.assertEqual(self.markdown("tableToMarkdown('T', {'ips': ['1.1.1.1', '2.2.2.2']})"),
                         "### T\n|ips|\n|---|\n| 1.1.1.1 |\n| 2.2.2.2 |\n")
        self.assertEqual(self.markdown("tableToMarkdown('T', [{'b': 1, 'a': 2}], sort_headers=False)"),
                         "### T\n|b|a|\n|---|---|\n| 1 | 2 |\n")

    def test_primitive_rows_need_headers(self):
        run = run_script("tableToMarkdown('T', [1, 2])\n")
        self.assertEqual(run.exit_code, 1)
        self.assertIn("Missing headers param for tableToMarkdown", run.errors[0]["message"])

    def test_large_table(self):
        run = run_script(script("""
            rows = [{'id': i, 'name': 'row-{}'.format(i), 'tags': ['t{}'.format(i % 3)]} for i in range(5000)]
            return_results(CommandResults(outputs_prefix='Big', outputs_key_field='id', outputs=rows,
                                          readable_output=tableToMarkdown('Big', rows, headers=['id', 'name', 'tags'])))
        """))
        self.assertEqual(run.exit_code, 0)
        entry = run.entries[0]
        lines = entry["HumanReadable"].splitlines()
        self.assertEqual(len(lines), 5003)
        self.assertEqual(lines[:4], ["### Big", "|id|name|tags|", "|---|---|---|", "| 0 | row-0 | t0 |"])
        self.assertEqual(lines[-1], "| 4999 | row-4999 | t1 |")
        self.assertEqual(len(entry["EntryContext"]["Big(val.id && val.id == obj.id)"]), 5000)


class FailureTests(unittest.TestCase):
    def test_exception_traceback_has_the_scripts_line_numbers(self):
        run = run_script(script("""
            def parse(value):
                return int(value)


            def main():
                parse('not a number')


            main()
        """), name="Parser")
        self.assertEqual(run.exit_code, 1)
        error = run.errors[0]
        self.assertEqual(error["message"], "ValueError: invalid literal for int() with base 10: 'not a number'")
        self.assertEqual(error["line"], 2)
        traceback = error["traceback"]
        self.assertIn('File "Parser.py", line 9, in <module>', traceback)
        self.assertIn('File "Parser.py", line 6, in main', traceback)
        self.assertIn('File "Parser.py", line 2, in parse\n    return int(value)', traceback)
        self.assertNotIn("hardend_executor", traceback)

    def test_exception_inside_the_shim_shows_the_scripts_call(self):
        run = run_script("x = 1\nargToBoolean('perhaps')\n", name="Flags")
        self.assertIn('File "Flags.py", line 2, in <module>', run.errors[0]["traceback"])
        self.assertIn('CommonServerPython.py', run.errors[0]["traceback"])

    def test_syntax_error_has_the_line_number(self):
        run = run_script("print('ok')\n\nif True print('bad')\n", name="Broken")
        self.assertEqual(run.exit_code, 1)
        error = run.errors[0]
        self.assertEqual(error["type"], "SyntaxError")
        self.assertEqual(error["line"], 3)
        self.assertIn('File "Broken.py", line 3', error["traceback"])
        self.assertIn("if True print('bad')", error["traceback"])
        self.assertEqual(run.stdout, "")  # nothing of the script ran

    def test_sys_exit_codes(self):
        cases = [("sys.exit(0)", 0, ""), ("sys.exit(3)", 3, ""), ("sys.exit()", 0, ""), ("sys.exit(None)", 0, ""),
                 ("sys.exit('fatal: bad input')", 1, "fatal: bad input\n"), ("exit(4)", 4, ""),
                 ("raise SystemExit(5)", 5, ""), ("os._exit(6)", 6, "")]
        for statement, code, stderr in cases:
            with self.subTest(statement=statement):
                run = run_script("import os\nprint('x')\n" + statement + "\nprint('not reached')\n")
                self.assertEqual(run.exit_code, code)
                self.assertEqual(run.stdout, "x\n")
                self.assertEqual(run.stderr, stderr)
                self.assertEqual(run.errors, [])
        run = run_script("try:\n    sys.exit(2)\nfinally:\n    print('finally ran')\n")
        self.assertEqual((run.exit_code, run.stdout), (2, "finally ran\n"))

    def test_killed_script_reports_the_signal(self):
        run = run_script("import os, signal\nprint('bye')\nos.kill(os.getpid(), signal.SIGKILL)\n")
        self.assertEqual(run.done["signal"], 9)
        self.assertEqual(run.exit_code, 137)
        self.assertEqual(run.stdout, "bye\n")


class OutputTests(unittest.TestCase):
    def test_unicode_everywhere(self):
        run = run_script(script("""
            print('héllo 日本 🙂')
            demisto.results('résumé ✓')
            sys.stderr.write('ошибка\\n')
            import os
            os.write(1, 'raw ü\\n'.encode('utf-8') + b'bad \\xff\\n')
            print(tableToMarkdown('Ü', [{'ключ': 'значение'}]))
        """))
        self.assertEqual(run.exit_code, 0)
        self.assertIn("héllo 日本 🙂\n", run.stdout)
        self.assertIn("raw ü\nbad \ufffd\n", run.stdout)
        self.assertIn("### Ü\n|ключ|\n|---|\n| значение |\n", run.stdout)
        self.assertEqual(run.entries[0]["Contents"], "résumé ✓")
        self.assertEqual(run.stderr, "ошибка\n")

    def test_output_of_child_processes_is_captured(self):
        run = run_script(script("""
            from multiprocessing import Process
            import subprocess

            def child(word):
                print('from child', word, demisto.args()['x'])
                sys.stderr.write('child stderr\\n')

            p = Process(target=child, args=('hi',))
            p.start()
            p.join()
            print('child exit', p.exitcode)
            subprocess.run(['echo', 'from echo'])
            subprocess.run(['sh', '-c', 'echo to-stderr >&2'])
        """), args={"x": 7})
        self.assertEqual(run.exit_code, 0, run.frames)
        self.assertEqual(run.stdout, "from child hi 7\nchild exit 0\nfrom echo\n")
        self.assertEqual(run.stderr, "child stderr\nto-stderr\n")

    def test_multiprocessing_pool_pickles_script_functions(self):
        run = run_script(script("""
            from multiprocessing import Pool

            def square(n):
                return n * n

            with Pool(2) as pool:
                demisto.results(pool.map(square, [1, 2, 3]))
        """))
        self.assertEqual(run.exit_code, 0, run.frames)
        self.assertEqual([e["Contents"] for e in run.entries], [1, 4, 9])

    def test_print_flood_is_cut_at_the_output_limit(self):
        run = run_script("for i in range(20000):\n    print('x' * 99)\ndemisto.results('still here')\n",
                         output_limit=10000)
        self.assertEqual(run.exit_code, 0)
        self.assertLessEqual(len(run.stdout.encode()), 10000)
        self.assertGreater(len(run.stdout), 5000)
        self.assertEqual(len(run.of("truncated")), 1)
        self.assertEqual(run.entries[0]["Contents"], "still here")  # entries have their own budget

    def test_raw_fd_flood_is_cut_at_the_output_limit(self):
        run = run_script("import os\nfor i in range(3000):\n    os.write(1, b'y' * 1000)\n"
                         "    os.write(2, b'z' * 1000)\n", output_limit=50000)
        self.assertEqual(run.exit_code, 0)
        self.assertLessEqual(len(run.stdout) + len(run.stderr), 50000)
        self.assertEqual(len(run.of("truncated")), 1)
        self.assertLess(len(run.raw_stdout), 80000)

    def test_huge_entry_is_dropped_not_forwarded(self):
        run = run_script("demisto.results('a' * 200000)\ndemisto.results('small')\n", output_limit=100000)
        self.assertEqual(run.exit_code, 0)
        self.assertEqual(len(run.of("truncated")), 1)
        self.assertLess(len(run.raw_stdout), 100000)


class MemoryTestScript(unittest.TestCase):
    """The hardening guide's TestMemory.py, unchanged. On the host there is no container memory limit, so the
    address-space limit makes the child's 1 GiB allocation fail instead (MemoryError, exit code 1); the -9 path
    (OOM kill under the container's 1g limit) and the success path are integration tests."""

    def test_unchanged_script_reports_the_failed_child(self):
        source = (EXAMPLES / "TestMemory.py").read_text(encoding="utf-8")

        def limit_address_space():
            resource.setrlimit(resource.RLIMIT_AS, (512 << 20, 512 << 20))

        run = run_script(source, name="TestMemory", preexec_fn=limit_address_space)
        self.assertEqual(run.errors, [], run.frames)
        self.assertEqual(run.entries, [{"Type": 4, "ContentsFormat": "text", "EntryContext": None,
                                        "HumanReadable": None,
                                        "Contents": "Return code from sub process indicates failure: 1"}])
        self.assertIn("MemoryError", run.stderr)
        self.assertIn('File "TestMemory.py", line 9, in big_string', run.stderr)
        self.assertNotIn("Success allocating", run.stdout)


if __name__ == "__main__":
    unittest.main()
