return_warning('careful')
print('still running')
return_warning('last', exit=True)
print('not reached')
