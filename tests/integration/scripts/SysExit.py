print('exiting with', demisto.args()['code'])
sys.exit(int(demisto.args()['code']))
