# Tries to start 400 processes: the PIDs limit (256) must stop it well before.
import signal
children = []
error = None
for _ in range(400):
    try:
        pid = os.fork()
    except OSError as fork_error:
        error = type(fork_error).__name__
        break
    if pid == 0:
        signal.pause()
        os._exit(0)
    children.append(pid)
for pid in children:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
print('started', len(children), 'then', error)
