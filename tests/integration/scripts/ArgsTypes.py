# Every argument with its Python type, as demisto.args() gives it.
demisto.results({name: [type(value).__name__, value] for name, value in demisto.args().items()})
