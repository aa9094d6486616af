demisto.results('plain text')
demisto.results({'a': 1})
demisto.results(['x', {'Type': 1, 'ContentsFormat': 'markdown', 'Contents': '**y**'}])
demisto.results(None)
