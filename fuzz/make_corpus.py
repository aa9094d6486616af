#!/usr/bin/env python3
"""Writes the seed corpora fuzz/corpus/<harness>/ from the repository's real examples (configs/, tests/data/,
docs/SCRIPTS.md frames, docs/API.md requests). Run from anywhere; it rewrites only files named seed-*.
libFuzzer adds what it finds next to them when fuzz/run.sh runs (those files are named by their SHA-1)."""
import glob
import os

FUZZ = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(FUZZ)


def write(harness, name, data):
    directory = os.path.join(FUZZ, "corpus", harness)
    os.makedirs(directory, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(directory, "seed-" + name), "wb") as out:
        out.write(data)


def read(path):
    with open(os.path.join(ROOT, path), "rb") as f:
        return f.read()


# config_parse: byte 0 '0' = normal, '1' = strict, then the config file.
for path in sorted(glob.glob(os.path.join(ROOT, "configs", "*.json")) + glob.glob(os.path.join(ROOT, "tests", "data", "config", "*"))):
    base = os.path.basename(path)
    write("config_parse", base, b"0" + read(path))
    write("config_parse", "strict-" + base, b"1" + read(path))
write("config_parse", "empty-object", b"0{}")
write("config_parse", "syntax-error", b'0{"limit.docker.memory": tru,\n}')
write("config_parse", "per-image", b'0{"python.pass.extra.keys.demisto/dl:1.4": "--memory=4g##--cpus=2",'
      b' "docker.run.allow.unsafe": ["--privileged"], "python.pass.extra.keys.x/y": "--privileged"}')

# docker_flags: byte 0 '0' = nothing allowed, '1' = "ALLOW,...\nVALUE".
flags = {
    "recommended": "--pids-limit=256##--ulimit=nofile=1024:8192",
    "dl": "--memory=2g##--ulimit=nofile=1024:8192##--pids-limit=256",
    "network": "--network=aws-metadata##--pids-limit=256",
    "all-safe": "--memory=512m##--memory-swap=-1##--cpus=1.5##--pids-limit=-1##--ulimit=nproc=64:128##--user=4000:4000"
                "##--read-only=true##--cap-drop=ALL##--cap-add=NET_BIND_SERVICE##--security-opt=no-new-privileges"
                "##--tmpfs=/tmp:rw,size=64m##--env=A=b##--label=x=y##--shm-size=64m##--stop-timeout=5",
    "spaces": "-m 2g ## --cpus 1 ## -e X=1",
    "privileged": "--privileged",
    "typo": "--memroy=2g",
    "single-dash": "-memory=2g",
}
for name, value in flags.items():
    write("docker_flags", name, "0" + value)
write("docker_flags", "allowed", "1--privileged,--network=host,--cap-add=sys_admin,-v=/a:/b\n"
      "--privileged##--net=host##--cap-add=CAP_SYS_ADMIN##--volume=/a:/b##--pid=host##--device=/dev/fuse")
write("docker_flags", "allowed-security", "1--security-opt=seccomp:unconfined,--user=root\n"
      "--security-opt=seccomp=unconfined##--user=0:0##--security-opt=label=disable")

# image_ref
for i, ref in enumerate(["demisto/dl:1.4", "hardend/python:3.11", "python", "registry.local:5000/team/img:tag",
                         "localhost/x@sha256:" + "ab" * 32, "docker.io/library/alpine:3.19", "a__b-c.d/e:f_g.h-i",
                         "UPPER/case", " padded", "x:" + "t" * 129]):
    write("image_ref", str(i), ref)

# iptables_save: byte 0 '0' = the filter table ('1' nat, '2' raw, '3' mangle).
for path in sorted(glob.glob(os.path.join(ROOT, "tests", "data", "net", "save_*.txt"))):
    write("iptables_save", os.path.basename(path), b"0" + read(path))
write("iptables_save", "quotes", b'0*filter\n:INPUT ACCEPT [0:0]\n:HARDEND-INPUT - [0:0]\n-A INPUT -j HARDEND-INPUT\n'
      b'-A HARDEND-INPUT -m comment --comment "hardend: \\"block\\" host" -j DROP\nCOMMIT\n')
write("iptables_save", "nat", b"1*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER\nCOMMIT\n")

# executor_frames: 4 header bytes (chunk-1, line limit selector, output limit/16, outcome bits), then stdout.
run = (b'{"t":"ready","protocol":1,"mode":"once","pid":7,"python":"3.11.2"}\n'
       b'{"t":"stdout","data":"hello {\'a\': 1}\\n"}\n'
       b'{"t":"entry","entry":{"Type":1,"ContentsFormat":"json","Contents":[{"id":1}],"HumanReadable":"x","EntryContext":{"A":1}}}\n'
       b'{"t":"log","level":"debug","msg":"dbg 5"}\n'
       b'{"t":"stderr","data":"warn\\n"}\n'
       b'{"t":"error","message":"ZeroDivisionError: division by zero","type":"ZeroDivisionError",'
       b'"traceback":"Traceback (most recent call last):\\n  File \\"TestMemory.py\\", line 3\\n","line":3}\n'
       b'{"t":"truncated","limit":1024}\n'
       b'{"t":"done","duration_ms":92,"exit_code":1,"id":"r1"}\n')
write("executor_frames", "run", b"\x07\x07\x40\x00" + run)
write("executor_frames", "run-bytewise-timeout", b"\x00\x07\x40\x05" + run)
write("executor_frames", "killed", b"\x0f\x07\x40\x02" + b'{"t":"stdout","data":"x"}\n{"t":"done","exit_code":137,"signal":9}\n')
write("executor_frames", "garbage", b"\x03\x01\x01\x0c" + b"not a frame\r\n\xff\xfe{\"t\":5}\n" + b"y" * 300 + b"\n{\"t\":\"done\"")
write("executor_frames", "error-entry", b"\x1f\x07\x10\x00" + b'{"t":"entry","entry":{"Type":4,"Contents":"boom"}}\n{"t":"done","exit_code":0}\n')

# http_request: byte 0 bit 0 = over TCP (token needed), bit 1 = 64-byte body limit; then the connection's bytes.
def request(method, target, body=b"", headers=()):
    lines = [f"{method} {target} HTTP/1.1", "Host: localhost"] + list(headers)
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body

write("http_request", "policy", b"\x00" + request("GET", "/v1/policy/demisto%2Fdl:1.4"))
write("http_request", "policy-plain", b"\x00" + request("GET", "/v1/policy/demisto/boto3py3"))
write("http_request", "run", b"\x00" + request("POST", "/v1/runs?async=1", b'{"script": "print(1)", "args": {"a": 1}, "timeout": 5}'))
write("http_request", "run-argv-tcp", b"\x01" + request("POST", "/v1/runs", b'{"argv": ["id", "-u"], "image": "hardend/python:3.11"}',
                                                         ["Authorization: Bearer s3cr3t-token"]))
write("http_request", "check-keepalive", b"\x00" + request("POST", "/v1/check", b'{"memory": "64m", "pids": 64}')
      + request("GET", "/v1/runs/0123456789abcdef0123456789abcdef") + request("GET", "/healthz"))
write("http_request", "chunked", b"\x00" + b"POST /v1/runs HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      b"5\r\n{\"arg\r\n10\r\nv\": [\"true\"]}    \r\n0\r\n\r\n")
write("http_request", "too-large", b"\x02" + request("POST", "/v1/check", b'{"image": "' + b"a" * 100 + b'"}'))
write("http_request", "tcp-no-token", b"\x01" + request("GET", "/v1/config", headers=["Authorization: Bearer wrong"]))

# run_submission: a POST /v1/runs or /v1/check body.
for name, body in {
    "script": '{"script": "import demistomock as demisto\\nprint(demisto.args())", "name": "Test", "args": {"x": 1},'
              ' "params": {}, "command": "test-module", "image": "demisto/dl:1.4", "timeout": 30}',
    "argv": '{"argv": ["id", "-u"], "image": "hardend/python:3.11", "timeout": 0}',
    "both": '{"script": "x", "argv": ["y"]}',
    "check": '{"image": "demisto/dl", "memory": "64m", "memory_check": "allocate", "pids": 64, "fds_soft": 1024,'
             ' "fds_hard": 2048, "cpus": 1.5, "cpu_measure": true}',
    "check-all": '{"all_images": true}',
    "empty": "",
}.items():
    write("run_submission", name, body)

# listen_address: server.listen values.
for i, text in enumerate(["unix:/run/hardend/hardend.sock", "unix:///tmp/h.sock", "tcp://127.0.0.1:8080",
                          "tcp://[::1]:8080", "tcp://localhost:1", "tcp://0.0.0.0:80", "tcp://10.0.0.1:80",
                          "unix:relative", "tcp://127.0.0.1:99999"]):
    write("listen_address", str(i), text)
