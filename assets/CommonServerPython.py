"""hardend's CommonServerPython: the subset of the platform's script API that hardend provides.

Written for hardend; it reproduces the platform's behaviour (entry shapes, markdown output, argument helpers)
for the functions listed in docs/SCRIPTS.md. Scripts get its public names as globals, exactly as with
`from CommonServerPython import *` on the platform: that is why the modules imported below (sys, os, json,
re, time, traceback ...) and `datetime`/`timedelta` (the classes, as on the platform) are available to a script
that never imports them.
"""
import base64  # noqa: F401 (pre-imported for scripts)
import binascii  # noqa: F401
import collections  # noqa: F401
import gzip  # noqa: F401
import json
import logging  # noqa: F401
import math  # noqa: F401
import os  # noqa: F401
import random  # noqa: F401
import re  # noqa: F401
import socket  # noqa: F401
import ssl  # noqa: F401
import sys
import time  # noqa: F401
import traceback  # noqa: F401
import types  # noqa: F401
import urllib  # noqa: F401
import uuid  # noqa: F401
import warnings  # noqa: F401
import xml.etree.ElementTree as ET  # noqa: F401
import concurrent.futures  # noqa: F401
from abc import abstractmethod  # noqa: F401
from collections import OrderedDict  # noqa: F401
from datetime import datetime, timedelta, timezone  # noqa: F401
from functools import wraps  # noqa: F401
from inspect import currentframe  # noqa: F401
from random import randint  # noqa: F401
from threading import Lock  # noqa: F401
from typing import Any, Callable, Dict, List, Optional, Set, Tuple, Union, cast  # noqa: F401

import demistomock as demisto

IS_PY3 = True
PY_VER_MINOR = sys.version_info[1]
STRING_TYPES = (str, bytes)
STRING_OBJ_TYPES = (str,)

# DEPRECATED on the platform in favour of EntryType / EntryFormat, still used by many scripts.
entryTypes = {
    'note': 1, 'downloadAgent': 2, 'file': 3, 'error': 4, 'pinned': 5, 'userManagement': 6, 'image': 7,
    'playgroundError': 8, 'entryInfoFile': 9, 'warning': 11, 'map': 15, 'debug': 16, 'widget': 17,
}
formats = {
    'html': 'html', 'table': 'table', 'json': 'json', 'text': 'text', 'dbotResponse': 'dbotCommandResponse',
    'markdown': 'markdown',
}


class EntryType(object):
    NOTE = 1
    DOWNLOAD_AGENT = 2
    FILE = 3
    ERROR = 4
    PINNED = 5
    USER_MANAGEMENT = 6
    IMAGE = 7
    PLAYGROUND_ERROR = 8
    ENTRY_INFO_FILE = 9
    VIDEO_FILE = 10
    WARNING = 11
    STATIC_VIDEO_FILE = 12
    MAP_ENTRY_TYPE = 15
    WIDGET = 17
    EXECUTION_METRICS = 19


class EntryFormat(object):
    HTML = 'html'
    TABLE = 'table'
    JSON = 'json'
    TEXT = 'text'
    DBOT_RESPONSE = 'dbotCommandResponse'
    MARKDOWN = 'markdown'

    @classmethod
    def is_valid_type(cls, _type):
        return _type in (cls.HTML, cls.TABLE, cls.JSON, cls.TEXT, cls.MARKDOWN, cls.DBOT_RESPONSE)


class DemistoException(Exception):
    def __init__(self, message, exception=None, res=None, *args):
        self.res = res
        self.message = message
        self.exception = exception
        super(DemistoException, self).__init__(message, exception, *args)

    def __str__(self):
        return str(self.message)


# Commands whose errors the server handles itself: return_error raises instead of writing an entry.
_SERVER_HANDLED_COMMANDS = ('fetch-incidents', 'fetch-credentials', 'long-running-execution', 'fetch-indicators')


class _IntegrationLogger(object):
    """LOG(message): on the platform a buffer printed on errors; here every message is a debug log line at once,
    so nothing is lost when a script forgets LOG.print_log()."""

    def __init__(self):
        self._replace = []

    def add_replace_strs(self, *strings):
        self._replace.extend(s for s in strings if s)

    def _mask(self, message):
        text = message if isinstance(message, str) else str(message)
        for secret in self._replace:
            text = text.replace(secret, '<XX_REPLACED>')
        return text

    def __call__(self, message):
        demisto.debug(self._mask(message))

    def debug(self, message):
        self(message)

    def info(self, message):
        demisto.info(self._mask(message))

    def error(self, message):
        demisto.error(self._mask(message))

    def print_log(self, verbose=False):
        pass

    def set_buffering(self, state):
        pass


LOG = _IntegrationLogger()


# ---------------------------------------------------------------------------------------------------------------
# Markdown


MARKDOWN_CHARS = r"\`*_{}[]()#+-!|"


def stringEscapeMD(st, minimal_escaping=False, escape_multiline=False):
    if escape_multiline:
        st = st.replace('\r\n', '<br>').replace('\r', '<br>').replace('\n', '<br>')
    if minimal_escaping:
        return st.replace('|', '\\|').replace('`', '\\`')
    return ''.join('\\' + c if c in MARKDOWN_CHARS else c for c in st)


def flattenCell(data, is_pretty=True):
    """A cell value as text: strings as they are, lists one item per line, anything else as JSON."""
    if isinstance(data, str):
        return data
    if isinstance(data, bytes):
        return data.decode('utf-8', 'replace')
    if isinstance(data, list):
        return ',\n'.join(d.decode('utf-8', 'replace') if isinstance(d, bytes) else str(d) for d in data)
    return json.dumps(data, indent=4 if is_pretty else None, ensure_ascii=False, default=str)


class JsonTransformer(object):
    """Cell formatting for tableToMarkdown. hardend implements the default (flatten) form and `func`;
    the nested key-path rendering of the platform falls back to the flatten form."""

    def __init__(self, flatten=False, keys=None, is_nested=False, func=None):
        self.keys = set(keys or [])
        self.is_nested = is_nested
        self.func = func
        self.flatten = flatten

    def json_to_str(self, json_input, is_pretty=True):
        if self.func:
            return self.func(json_input)
        if isinstance(json_input, str):
            return json_input
        if isinstance(json_input, bytes):
            return json_input.decode('utf-8', 'replace')
        if isinstance(json_input, dict):
            return '\n'.join('{}: {}'.format(k, flattenCell(v, is_pretty)) for k, v in json_input.items())
        return flattenCell(json_input, is_pretty)


def formatCell(data, is_pretty=True, json_transform=None):
    return (json_transform or JsonTransformer(flatten=True)).json_to_str(data, is_pretty)


def create_clickable_url(url, text=None):
    if not url:
        return None
    if isinstance(url, list):
        if isinstance(text, list):
            return ['[{}]({})'.format(t, u) for t, u in zip(text, url)]
        return ['[{}]({})'.format(u, u) for u in url]
    return '[{}]({})'.format(text or url, url)


def url_to_clickable_markdown(data, url_keys):
    if isinstance(data, list):
        return [url_to_clickable_markdown(item, url_keys) for item in data]
    if isinstance(data, dict):
        return {k: create_clickable_url(v) if k in url_keys else url_to_clickable_markdown(v, url_keys)
                for k, v in data.items()}
    return data


def _is_empty_cell(value):
    return value in ('', None, [], {})


def tableToMarkdown(name, t, headers=None, headerTransform=None, removeNull=False, metadata=None, url_keys=None,
                    date_fields=None, json_transform_mapping=None, is_auto_json_transform=False, sort_headers=True):
    """A markdown table as the platform renders it: '### name', the header row, a '---' row, one row per item."""
    if url_keys:
        t = url_to_clickable_markdown(t, url_keys)
    markdown = '### {}\n'.format(name) if name else ''
    if metadata:
        markdown += metadata + '\n'
    if not t:
        return markdown + '**No entries.**\n'
    if not headers and isinstance(t, dict) and len(t) == 1:
        # a single key becomes the one column, its value(s) the rows
        headers = list(t.keys())
        t = list(t.values())[0]
    rows = t if isinstance(t, list) else [t]
    if headers and isinstance(headers, STRING_TYPES):
        headers = [headers]
    if rows and not isinstance(rows[0], dict):
        if not headers:
            raise ValueError("Missing headers param for tableToMarkdown. Example: headers=['Some Header']")
        rows = [{headers[0]: item} for item in rows]
    if not headers:
        headers = list(rows[0].keys()) if rows else []
        if sort_headers:
            headers.sort()
    headers = list(headers)
    if removeNull:
        headers = [h for h in headers if not all(_is_empty_cell(row.get(h)) for row in rows)]
    if not rows or not headers:
        return markdown + '**No entries.**\n'

    mapping = json_transform_mapping or {}
    if headerTransform is None:
        def headerTransform(header):
            return stringEscapeMD(header, True, True)
    markdown += '|' + '|'.join(headerTransform(h) for h in headers) + '|\n'
    markdown += '|' + '|'.join(['---'] * len(headers)) + '|\n'
    for row in rows:
        row = dict(row)
        for field in date_fields or []:
            try:
                row[field] = datetime.fromtimestamp(int(row[field]) / 1000).strftime('%Y-%m-%d %H:%M:%S')
            except Exception:
                pass
        cells = []
        for h in headers:
            value = row.get(h)
            transformer = mapping.get(h) or JsonTransformer(flatten=not is_auto_json_transform)
            text = '' if value is None else formatCell(value, False, transformer)
            cells.append(stringEscapeMD(text, True, True))
        markdown += '| ' + ' | '.join(cells) + ' |\n'
    return markdown


tblToMd = tableToMarkdown


def string_to_table_header(string):
    if isinstance(string, STRING_OBJ_TYPES):
        return ' '.join(word.capitalize() for word in string.replace('_', ' ').split())
    raise Exception('The key is not a string: {}'.format(string))


def pascalToSpace(s):
    if not isinstance(s, STRING_OBJ_TYPES):
        raise TypeError('Input must be a string')
    spaced = re.sub(r'([a-z0-9])([A-Z])', r'\1 \2', s[:1].upper() + s[1:])
    return re.sub(r'([A-Z]+)([A-Z][a-z])', r'\1 \2', spaced)


def underscoreToCamelCase(s, upper_camel=True):
    if not isinstance(s, STRING_OBJ_TYPES):
        return s
    components = s.split('_')
    camel = components[0] + ''.join(c.title() for c in components[1:])
    return camel[:1].upper() + camel[1:] if upper_camel else camel


# ---------------------------------------------------------------------------------------------------------------
# Arguments


def argToList(arg, separator=',', transform=None):
    if not arg:
        return []
    if isinstance(arg, list):
        result = arg
    elif isinstance(arg, STRING_TYPES):
        if isinstance(arg, bytes):
            arg = arg.decode('utf-8', 'replace')
        result = None
        if arg[0] == '[' and arg[-1] == ']':
            try:
                result = json.loads(arg)
            except ValueError:
                demisto.debug('Failed to load {} as JSON, trying to split'.format(arg))
        if result is None:
            result = [s.strip() for s in arg.split(separator)]
    else:
        result = [arg]
    return [transform(s) for s in result] if transform else result


def argToBoolean(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, STRING_OBJ_TYPES):
        if value.lower() in ('true', 'yes'):
            return True
        if value.lower() in ('false', 'no'):
            return False
        raise ValueError('Argument does not contain a valid boolean-like value')
    raise ValueError('Argument is neither a string nor a boolean')


def arg_to_number(arg, arg_name=None, required=False):
    """int(arg) for an int or a numeric string ('12', '1.5' -> 1); None for a missing optional argument."""
    if arg is None or arg == '':
        if required:
            raise ValueError('Missing "{}"'.format(arg_name) if arg_name else 'Missing required argument')
        return None

    def invalid():
        if arg_name:
            return ValueError('Invalid number: "{}"="{}"'.format(arg_name, arg))
        return ValueError('"{}" is not a valid number'.format(arg))

    if isinstance(arg, str):
        if arg.isdigit():
            return int(arg)
        try:
            return int(float(arg))
        except (TypeError, ValueError, OverflowError):
            raise invalid()
    if isinstance(arg, bool):
        raise invalid()
    if isinstance(arg, int):
        return arg
    if isinstance(arg, float) and arg == arg and arg not in (float('inf'), float('-inf')):
        return int(arg)
    raise invalid()


def assign_params(keys_to_ignore=None, values_to_ignore=None, **kwargs):
    ignored_values = values_to_ignore if values_to_ignore is not None else (None, '', [], {}, ())
    ignored_keys = keys_to_ignore or ()
    return {k: v for k, v in kwargs.items() if v not in ignored_values and k not in ignored_keys}


def remove_nulls_from_dictionary(data):
    for key in list(data.keys()):
        if data[key] in ('', None, [], {}, ()):
            del data[key]


def remove_empty_elements(d):
    def empty(x):
        return x is None or x == {} or x == []

    if not isinstance(d, (dict, list)):
        return d
    if isinstance(d, list):
        return [v for v in (remove_empty_elements(v) for v in d) if not empty(v)]
    return {k: v for k, v in ((k, remove_empty_elements(v)) for k, v in d.items()) if not empty(v)}


def createContext(data, id=None, keyTransform=None, removeNull=False):
    """Flattened dotted keys ({'A.B': 1}) become nested dicts ({'A': {'B': 1}})."""
    if isinstance(data, (list, tuple)):
        return [createContext(d, id, keyTransform, removeNull) for d in data]
    transform = keyTransform or (lambda s: s)
    result = {}
    for key, value in data.items():
        if removeNull and value in ('', None, [], {}):
            continue
        parts = key.split('.')
        current = result
        for part in parts[:-1]:
            current = current.setdefault(part, {})
        current[transform(parts[-1])] = value
    if id is not None:
        result.setdefault('ID', id)
    return result


def encode_string_results(text):
    if isinstance(text, bytes):
        return text.decode('utf-8', 'replace')
    return text


def urljoin(url, suffix=""):
    if url[-1:] != "/":
        url = url + "/"
    if suffix.startswith("/"):
        suffix = suffix[1:]
    return url + suffix


def timestamp_to_datestring(timestamp, date_format="%Y-%m-%dT%H:%M:%S.000Z", is_utc=False):
    seconds = int(timestamp) / 1000.0
    if is_utc or date_format.endswith('Z'):
        return datetime.utcfromtimestamp(seconds).strftime(date_format)
    return datetime.fromtimestamp(seconds).strftime(date_format)


def date_to_timestamp(date_str_or_dt, date_format='%Y-%m-%dT%H:%M:%S'):
    if isinstance(date_str_or_dt, STRING_OBJ_TYPES):
        return int(time.mktime(time.strptime(date_str_or_dt, date_format)) * 1000)
    return int(time.mktime(date_str_or_dt.timetuple()) * 1000)


# ---------------------------------------------------------------------------------------------------------------
# Entries and results


def isError(entry):
    return isinstance(entry, dict) and entry.get('Type') == entryTypes['error']


def is_error(execute_command_result):
    if execute_command_result is None:
        return False
    if isinstance(execute_command_result, list):
        return any(isError(entry) for entry in execute_command_result)
    return isError(execute_command_result)


def get_error(execute_command_result):
    if not is_error(execute_command_result):
        raise ValueError('execute_command_result has no error entry. before using get_error use is_error')
    if isinstance(execute_command_result, dict):
        return execute_command_result['Contents']
    return '\n'.join(str(entry['Contents']) for entry in execute_command_result if isError(entry))


def fileResult(filename, data, file_type=None):
    raise DemistoException('fileResult is not available in hardend script (no war room file store)')


class CommandResults(object):
    """A command's result: readable markdown, context outputs (under outputs_prefix, keyed by outputs_key_field)
    and the raw response. to_context() gives the entry the platform would write."""

    def __init__(self, outputs_prefix=None, outputs_key_field=None, outputs=None, indicators=None,
                 readable_output=None, raw_response=None, indicators_timeline=None, indicator=None,
                 ignore_auto_extract=False, mark_as_note=False, scheduled_command=None, relationships=None,
                 entry_type=None, content_format=None, execution_metrics=None, replace_existing=False):
        if raw_response is None:
            raw_response = outputs
        if outputs is not None:
            if not isinstance(outputs, dict) and not outputs_prefix:
                raise ValueError('outputs_prefix is missing')
            if outputs_prefix == '.':
                raise ValueError('outputs_prefix cannot be a period.')
        if outputs_key_field is None:
            self._outputs_key_field = []
        elif isinstance(outputs_key_field, STRING_OBJ_TYPES):
            self._outputs_key_field = [outputs_key_field]
        elif isinstance(outputs_key_field, list):
            self._outputs_key_field = outputs_key_field
        else:
            raise TypeError('Invalid type for outputs_key_field: {}'.format(type(outputs_key_field)))
        self.outputs_prefix = outputs_prefix
        self.outputs = outputs
        self.readable_output = readable_output
        self.raw_response = raw_response
        self.indicators_timeline = indicators_timeline
        self.ignore_auto_extract = ignore_auto_extract
        self.mark_as_note = mark_as_note
        self.relationships = relationships
        self.entry_type = EntryType.NOTE if entry_type is None else entry_type
        self.content_format = content_format
        self.replace_existing = replace_existing

    @property
    def outputs_key_field(self):
        return self._outputs_key_field

    def to_context(self):
        outputs = {}
        human_readable = self.readable_output or None
        if self.outputs is not None and self.outputs != []:
            if not self.readable_output:
                if isinstance(self.outputs, (dict, list)):
                    human_readable = tableToMarkdown('Results', self.outputs)
                else:
                    human_readable = self.outputs
            if self.outputs_prefix and self.replace_existing:
                path, _, key = self.outputs_prefix.rpartition('.')
                if not path:
                    raise DemistoException('outputs_prefix must be a nested path to replace an existing key.')
                outputs[path + '(true)'] = {key: self.outputs}
            elif self.outputs_prefix and self._outputs_key_field:
                condition = ' && '.join('val.{0} && val.{0} == obj.{0}'.format(k) for k in self._outputs_key_field)
                outputs['{}({})'.format(self.outputs_prefix, condition)] = self.outputs
            elif self.outputs_prefix:
                outputs[str(self.outputs_prefix)] = self.outputs
            else:
                outputs.update(self.outputs)
        content_format = self.content_format
        if content_format is None:
            text_like = isinstance(self.raw_response, STRING_TYPES + (int,))
            content_format = EntryFormat.TEXT if text_like else EntryFormat.JSON
        return {
            'Type': self.entry_type,
            'ContentsFormat': content_format,
            'Contents': self.raw_response,
            'HumanReadable': human_readable,
            'EntryContext': outputs,
            'IndicatorTimeline': self.indicators_timeline or [],
            'IgnoreAutoExtract': bool(self.ignore_auto_extract),
            'Note': bool(self.mark_as_note),
            'Relationships': self.relationships or [],
        }


def return_results(results):
    """Writes CommandResults, entry dicts, strings or a list of them as entries."""
    if results is None:
        demisto.results(None)
        return
    if hasattr(results, 'to_context'):
        demisto.results(results.to_context())
        return
    if isinstance(results, list) and results:
        plain = []
        for result in results:
            if isinstance(result, (dict, str)):
                plain.append(result)
            else:
                return_results(result)
        if plain:
            demisto.results(plain)
        return
    demisto.results(results)


def return_outputs(readable_output, outputs=None, raw_response=None, timeline=None, ignore_auto_extract=False):
    entry = {
        'Type': entryTypes['note'],
        'HumanReadable': readable_output,
        'ContentsFormat': formats['text'] if isinstance(raw_response, STRING_TYPES) else formats['json'],
        'Contents': raw_response,
        'EntryContext': outputs,
        'IgnoreAutoExtract': ignore_auto_extract,
        'IndicatorTimeline': timeline,
    }
    if readable_output and not outputs and not raw_response:
        entry['Contents'] = readable_output
        entry['ContentsFormat'] = formats['text']
    elif outputs and raw_response is None:
        entry['Contents'] = outputs
    demisto.results(entry)


def return_warning(message, exit=False, warning='', outputs=None, ignore_auto_extract=False):
    LOG(message)
    if warning:
        LOG(warning)
    demisto.results({
        'Type': entryTypes['warning'],
        'ContentsFormat': formats['text'],
        'IgnoreAutoExtract': ignore_auto_extract,
        'Contents': str(message),
        'EntryContext': outputs,
    })
    if exit:
        sys.exit(0)


def return_error(message, error='', outputs=None):
    """Writes an error entry and ends the script with sys.exit(0), as the platform does: the error entry is what
    marks the run failed (hardend script exits 1). Commands the server handles itself get an exception instead."""
    message = message if isinstance(message, str) else str(message)
    LOG(message)
    if error:
        LOG(str(error))
    if demisto.command() in _SERVER_HANDLED_COMMANDS:
        raise Exception(message)
    demisto.results({
        'Type': entryTypes['error'],
        'ContentsFormat': formats['text'],
        'Contents': message,
        'EntryContext': outputs,
    })
    sys.exit(0)
