# The script process itself grows past the memory limit and is killed by the kernel.
blocks = []
while True:
    blocks.append(b'z' * (64 << 20))
