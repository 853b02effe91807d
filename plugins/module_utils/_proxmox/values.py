# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PVE property strings, sizes and booleans, parsed and printed as PVE does.

Used by the planner (plan.py and its device classes) to compare states. Sizes
are read by _size.parse_size: a bare unit letter is binary, as in PVE.
No Ansible import.
"""

from ansible_collections.egid.s3share.plugins.module_utils._size import UNITS


def parse_property_string(text, default_key=None):
    """Split "a,b=c" into a dict; an unnamed first part goes to default_key."""
    result = {}
    for part in str(text).split(","):
        if part == "":
            continue
        if "=" in part:
            key, value = part.split("=", 1)
            result[key] = value
        elif default_key is not None and default_key not in result:
            result[default_key] = part
        else:
            raise ValueError("cannot parse property string %r" % text)
    return result


def print_property_string(values, default_key=None):
    """Default key first without its name, the other keys sorted, as PVE prints them."""
    parts = []
    if default_key and values.get(default_key) is not None:
        parts.append(str(values[default_key]))
    for key in sorted(values):
        if key != default_key and values[key] is not None:
            parts.append("%s=%s" % (key, values[key]))
    return ",".join(parts)


def format_size(size):
    """bytes -> the largest exact unit, like PVE (5497558138880 -> '5T')."""
    for unit in ("T", "G", "M", "K"):
        if size % UNITS[unit] == 0:
            return "%d%s" % (size // UNITS[unit], unit)
    return str(size)


def size_in_gib(size):
    """Bytes -> the STORAGE:SIZE_IN_GiB allocation number ('5120', or '0.5')."""
    value = size / float(UNITS["G"])
    return ("%d" % value) if value == int(value) else ("%g" % value)


def bool_value(value):
    return str(value).strip().lower() in ("1", "true", "yes", "on")
