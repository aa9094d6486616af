# hardend bootstrap: the program passed to `python3 -u -c`. It reads ONE line from stdin, a JSON object
# {"executor": "<source>", "modules": {...}, "mode": "once"|"loop"}, and runs the executor it carries, so
# nothing is written into the (read-only) container filesystem and nothing is bind-mounted.
# The buffered stdin reader is handed over: it may already hold the bytes of the following request line.
import json
import sys

_stdin = sys.stdin.buffer
_line = _stdin.readline()
if not _line:
    sys.stderr.write("hardend bootstrap: stdin closed before the executor line\n")
    sys.exit(2)
_boot = json.loads(_line)
exec(compile(_boot["executor"], "hardend_executor.py", "exec"),
     {"__name__": "hardend_executor", "HARDEND_BOOT": _boot, "HARDEND_STDIN": _stdin})
