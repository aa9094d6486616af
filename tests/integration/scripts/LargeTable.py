rows = [{'id': i, 'name': 'row-{}'.format(i), 'tags': ['t{}'.format(i % 2)]} for i in range(5000)]
return_results(CommandResults(outputs_prefix='Big', outputs_key_field='id', outputs=rows,
                              readable_output=tableToMarkdown('Big', rows, headers=['id', 'name', 'tags'])))
