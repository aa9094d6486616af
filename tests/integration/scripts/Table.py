print(tableToMarkdown('People', [{'name': 'Ada', 'role': 'engineer'}, {'name': 'Grace Hopper', 'role': 'admiral'}]))
