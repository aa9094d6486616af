def parse(value):
    return int(value)


def main():
    print('parsing')
    parse(demisto.args().get('value', 'not a number'))


main()
