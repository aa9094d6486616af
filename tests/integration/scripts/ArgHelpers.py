# The argument helpers scripts use to normalise string arguments from the war room.
args = demisto.args()
ids = argToList(args.get('ids'))
verbose = argToBoolean(args.get('verbose', 'false'))
limit = arg_to_number(args.get('limit'), arg_name='limit', required=True)
print('ids={} verbose={} limit={}'.format(ids, verbose, limit))
