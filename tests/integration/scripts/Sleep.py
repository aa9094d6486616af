print('going to sleep')
time.sleep(600)
print('woke up')
