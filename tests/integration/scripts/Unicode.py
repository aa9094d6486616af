print('héllo 日本 🙂')
demisto.results('résumé ✓')
sys.stderr.write('ошибка\n')
return_results(CommandResults(outputs_prefix='Ünï', outputs_key_field='ключ',
                              outputs=[{'ключ': 'значение', 'emoji': '🙂'}]))
