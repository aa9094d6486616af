# multiprocessing under the non-root user and the PIDs limit: a pool and a plain Process.
from multiprocessing import Pool, Process


def square(value):
    return value * value


def child():
    print('child uid', os.getuid())


if __name__ in ('__main__', 'builtins'):
    with Pool(4) as pool:
        print('squares', pool.map(square, range(8)))
    process = Process(target=child)
    process.start()
    process.join()
    print('exitcode', process.exitcode, 'uid', os.getuid(), 'gid', os.getgid())
