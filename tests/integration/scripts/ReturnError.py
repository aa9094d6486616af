print('before')
return_error('it broke: ' + demisto.args().get('why', 'no reason'))
print('not reached')
