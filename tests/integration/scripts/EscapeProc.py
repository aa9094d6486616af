# The container has its own PID namespace: /proc shows only its own processes, never the host's.
pids = sorted(int(name) for name in os.listdir('/proc') if name.isdigit())
commands = set()
for pid in pids:
    try:
        with open('/proc/{}/cmdline'.format(pid), 'rb') as handle:
            commands.add(handle.read().split(b'\0')[0].decode(errors='replace'))
    except OSError:
        pass
with open('/proc/1/environ', 'rb') as handle:
    pid1_env = handle.read()
print('pids', len(pids), 'max', max(pids))
print('commands', sorted(commands))
print('pid1 environ readable', len(pid1_env) > 0)
host_daemons = [c for c in commands if any(d in c for d in ('dockerd', 'containerd', 'systemd', 'init'))]
print('host daemons', host_daemons)
