# 200 MB of printed text: cut at the output cap, the script itself ends normally.
line = 'x' * 1023
for _ in range(200 * 1024):
    print(line)
print('flood done', file=sys.stderr)
