print('never printed: the script does not compile')


if True print('bad')
