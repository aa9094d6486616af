# Read-only root: nothing outside the tmpfs mounts may be written, and /tmp is noexec.
import subprocess
results = {}
for path in ('/etc/hardend-escape', '/usr/hardend-escape', '/hardend-escape', '/home/hardend-escape',
             '/var/hardend-escape', '/proc/sys/kernel/hostname', '/sys/fs/cgroup/hardend-escape',
             '/tmp/allowed', '/dev/shm/allowed'):
    try:
        with open(path, 'w') as handle:
            handle.write('x')
        results[path] = 'written'
    except OSError as error:
        results[path] = type(error).__name__ + ':' + str(error.errno)
for path, outcome in sorted(results.items()):
    print(path, outcome)
with open('/tmp/run.sh', 'w') as script:
    script.write('#!/bin/sh\necho executed\n')
os.chmod('/tmp/run.sh', 0o755)
try:
    subprocess.run(['/tmp/run.sh'], check=True)
except OSError as error:
    print('exec from /tmp', type(error).__name__ + ':' + str(error.errno))
