rows = [{'ID': 1, 'Name': 'a'}, {'ID': 2, 'Name': 'b'}]
return_results(CommandResults(outputs_prefix='Test.Item', outputs_key_field='ID', outputs=rows))
return_results('a string')
