# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Request validation against the official PVE API schema (apidata.js as JSON).

Mirrors PVE::JSONSchema::validate for what an HTTP client can send: every
parameter must be declared (additionalProperties is 0 for all PVE methods),
have the right type, match its enum / pattern / minimum / maximum /
maxLength and its format.  Property strings (an inline "format" map such as
the drive spec of ``scsi[n]``) are split into keys, with default keys,
aliases and key aliases (``e1000=<mac>``), and every key is validated the
same way.  Error texts follow PVE's wording, keyed by parameter name.
"""

import json
import os
import re

from .formats import PROPERTY_FORMATS, FormatError, check_named_format

# The official schema ships with the tests (data/README.md says where it comes
# from); PVE_API_SCHEMA points at another copy, for example a newer PVE's.
DEFAULT_SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "pve-api-schema.json")

_BOOL_TRUE = ('1', 'true', 'yes', 'on')
_BOOL_FALSE = ('0', 'false', 'no', 'off')


def perl_pattern(pattern):
    """Translate a Perl regex from the schema to Python (``(?^:...)`` groups)."""
    return pattern.replace('(?^:', '(?:')


def parse_bool(value):
    text = str(value).strip().lower()
    if text in _BOOL_TRUE:
        return True
    if text in _BOOL_FALSE:
        return False
    raise ValueError(value)


class SchemaIndex:
    """The API tree, indexed by path template."""

    def __init__(self, path=None):
        path = path or os.environ.get('PVE_API_SCHEMA') or DEFAULT_SCHEMA
        if not os.path.exists(path):
            raise FileNotFoundError("the official PVE API schema is not at %s; set PVE_API_SCHEMA to its path" % path)
        with open(path, encoding='utf-8') as handle:
            tree = json.load(handle)
        self.nodes = {}
        self._walk(tree)
        self._matchers = []
        for template in self.nodes:
            regex = '^' + re.sub(r'\\\{([a-z\-_]+)\\\}', r'(?P<\1>[^/]+)', re.escape(template)) + '$'
            self._matchers.append((template.count('{'), re.compile(regex), template))
        # Fixed segments win over parameters (/nodes/{node}/qemu before /nodes/{node}/{x}).
        self._matchers.sort(key=lambda item: item[0])

    def _walk(self, nodes):
        for node in nodes or []:
            self.nodes[node['path']] = node
            self._walk(node.get('children'))

    def match(self, path):
        """Return (template, path parameters) or (None, None)."""
        for _count, regex, template in self._matchers:
            found = regex.match(path)
            if found:
                return template, dict(found.groupdict())
        return None, None

    def method(self, template, method):
        return self.nodes[template].get('info', {}).get(method)


def _index_range(name, definition):
    found = re.search(r'n is 0 to (\d+)', definition.get('description', ''))
    if found:
        return int(found.group(1))
    return 31 if name in ('net', 'ipconfig', 'numa', 'hostpci', 'usb', 'serial', 'parallel') else 255


def lookup_property(properties, key):
    """Find the definition of key, resolving indexed ``name[n]`` entries."""
    if key in properties:
        return properties[key]
    found = re.fullmatch(r'([a-z]+)(\d+)', key)
    if found:
        definition = properties.get(found.group(1) + '[n]')
        if definition is not None and int(found.group(2)) <= _index_range(found.group(1), definition):
            return definition
    return None


def check_value(definition, value, path=''):
    """Validate one scalar value; return an error text or None."""
    kind = definition.get('type', 'string')
    text = str(value)
    if kind == 'boolean':
        try:
            parse_bool(text)
        except ValueError:
            return "type check ('boolean') failed - got '%s'" % text
        return None
    if kind == 'integer':
        if not re.fullmatch(r'[+-]?\d+', text.strip()):
            return "type check ('integer') failed - got '%s'" % text
        number = int(text)
    elif kind == 'number':
        if not re.fullmatch(r'[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?', text.strip()):
            return "type check ('number') failed - got '%s'" % text
        number = float(text)
    else:
        number = None
    if number is not None:
        if 'minimum' in definition and number < definition['minimum']:
            return 'value must have a minimum value of %s' % definition['minimum']
        if 'maximum' in definition and number > definition['maximum']:
            return 'value must have a maximum value of %s' % definition['maximum']
    if 'enum' in definition and text not in [str(item) for item in definition['enum']]:
        return "value '%s' does not have a value in the enumeration '%s'" % (
            text, ', '.join(str(item) for item in definition['enum']))
    if 'maxLength' in definition and len(text) > definition['maxLength']:
        return 'value may only be %s characters long' % definition['maxLength']
    if 'minLength' in definition and len(text) < definition['minLength']:
        return 'value must be at least %s characters long' % definition['minLength']
    if definition.get('pattern') and not re.fullmatch(perl_pattern(definition['pattern']), text):
        return 'value does not match the regex pattern'
    fmt = definition.get('format')
    if isinstance(fmt, str) and fmt in PROPERTY_FORMATS:
        fmt = PROPERTY_FORMATS[fmt]
    if isinstance(fmt, dict):
        _parsed, errors = parse_property_string(fmt, text, path)
        if errors:
            return 'invalid format - format error\n' + ''.join(
                '%s: %s\n' % (key, message) for key, message in errors.items())
    elif isinstance(fmt, str):
        try:
            check_named_format(fmt, text)
        except FormatError as exc:
            return 'invalid format - %s' % exc
    return None


def parse_property_string(fmt, text, path=''):
    """Split a property string like PVE::JSONSchema::parse_property_string.

    Returns (parsed dict with canonical keys, errors dict keyed by
    ``<param>.<key>``).
    """
    prefix = (path + '.') if path else ''
    parsed = {}
    errors = {}
    default_key = next((key for key, item in fmt.items() if item.get('default_key')), None)
    for part in text.split(','):
        if part == '':
            continue
        if '=' in part:
            key, value = part.split('=', 1)
        elif default_key is not None:
            key, value = default_key, part
        else:
            errors[prefix + part] = 'missing key in comma-separated list property'
            continue
        definition = fmt.get(key)
        if definition is None:
            errors[prefix + key] = 'property is not defined in schema and the schema does not allow additional properties'
            continue
        if 'keyAlias' in definition:
            # e.g. "e1000=BC:24:11:..." means model=e1000,macaddr=BC:24:11:...
            parsed[definition['keyAlias']] = key
            key = definition['alias']
            definition = fmt[key]
        elif 'alias' in definition:
            key = definition['alias']
            definition = fmt[key]
        if key in parsed:
            errors[prefix + key] = 'duplicate key in comma-separated list property: %s' % key
            continue
        parsed[key] = value
    for key, value in parsed.items():
        message = check_value(fmt[key], value, prefix + key)
        if message:
            errors[prefix + key] = message
    for key, definition in fmt.items():
        if 'alias' in definition or definition.get('optional') or key in parsed:
            continue
        errors[prefix + key] = 'property is missing and it is not optional'
    return parsed, errors


def validate_parameters(method_info, params):
    """Validate a request's parameters; return a dict of errors (empty if valid)."""
    spec = method_info.get('parameters') or {}
    properties = spec.get('properties') or {}
    errors = {}
    for key, value in params.items():
        definition = lookup_property(properties, key)
        if definition is None:
            if spec.get('additionalProperties', 0):
                continue
            errors[key] = 'property is not defined in schema and the schema does not allow additional properties'
            continue
        if isinstance(value, list):
            if definition.get('type') != 'array':
                errors[key] = 'property is not an array'
                continue
            values = value
        else:
            values = [value]
        for item in values:
            item_def = definition.get('items', definition) if definition.get('type') == 'array' else definition
            message = check_value(item_def, item, key)
            if message:
                errors[key] = message
                break
        requires = definition.get('requires')
        if requires and requires not in params:
            errors[requires] = "parameter is missing and it is required by '%s'" % key
    for key, definition in properties.items():
        if key.endswith('[n]') or definition.get('optional') or key in params:
            continue
        errors[key] = 'property is missing and it is not optional'
    return errors
