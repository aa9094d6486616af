# 200 MB written around the executor, straight into the container's stdout pipe (which the executor, PID 1, keeps
# on a private fd), in 1 MiB lines and in one endless line: only the engine's own cap can bound this. Needs
# CAP_SYS_PTRACE (the executor is not dumpable): the test grants it with a weakened policy.
def pipe_links(pid):
    links = {}
    for fd in os.listdir('/proc/{}/fd'.format(pid)):
        try:
            links[int(fd)] = os.readlink('/proc/{}/fd/{}'.format(pid, fd))
        except OSError:
            pass
    return links


executor = pipe_links(1)
mine = set(pipe_links('self').values())  # the script's own pipes to the executor
engine_stdout = [fd for fd, link in executor.items() if link.startswith('pipe:') and link not in mine and
                 link not in (executor.get(0), executor.get(1), executor.get(2))]
if len(engine_stdout) != 1:
    sys.exit('cannot tell the container stdout among {}'.format(executor))
chunk = b'y' * (1 << 20)
with open('/proc/1/fd/{}'.format(engine_stdout[0]), 'wb', buffering=0) as stdout:
    for _ in range(100):
        stdout.write(chunk[:-1] + b'\n')
    for _ in range(100):
        stdout.write(chunk)
    stdout.write(b'\n')
demisto.results('raw flood done')
