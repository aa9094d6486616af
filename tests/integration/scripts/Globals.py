# The platform's `from CommonServerPython import *` gives these without imports.
found = [name for name in ('sys', 'os', 'json', 're', 'time', 'traceback', 'datetime', 'timedelta',
                           'demisto', 'tableToMarkdown', 'EntryType', 'DemistoException') if name in globals()]
print(','.join(found))
print(json.dumps({'now_is_datetime': isinstance(datetime.now(), datetime)}))
print('name=' + __name__)
