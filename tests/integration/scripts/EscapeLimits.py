# Raising limits or privileges from inside must fail.
import resource
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
print('nofile', soft, hard)
for name, attempt in (
        ('setrlimit above hard', lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (hard + 1, hard + 1))),
        ('setrlimit nproc unlimited', lambda: resource.setrlimit(resource.RLIMIT_NPROC,
                                                                  (resource.RLIM_INFINITY, resource.RLIM_INFINITY))),
        ('setuid 0', lambda: os.setuid(0)),
        ('setgid 0', lambda: os.setgid(0)),
        ('chroot', lambda: os.chroot('/tmp'))):
    try:
        attempt()
        print(name, 'SUCCEEDED')
    except (OSError, ValueError) as error:
        print(name, 'failed', type(error).__name__)
with open('/proc/self/status') as status:
    for line in status:
        if line.startswith(('CapEff', 'CapPrm', 'NoNewPrivs')):
            print(line.split()[0], line.split()[1])
print('uid', os.getuid())
