# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Named string formats of the PVE API schema.

The schema refers to formats such as ``pve-node`` or ``pve-vm-cpu-conf`` by
name only; their definitions live in PVE's Perl code (PVE::JSONSchema,
PVE::QemuServer).  This module re-implements the ones the collection's
requests can hit, with the same rules and the same wording of errors as
PVE 8/9.  A named format that is not implemented here is accepted and
recorded in ``UNCHECKED_FORMATS`` so that the tests can show the gap.
"""

from __future__ import annotations

import ipaddress
import re

UNCHECKED_FORMATS = set()


class FormatError(ValueError):
    """A value does not match its named format."""


def _regex(pattern, value, message):
    if not re.fullmatch(pattern, value):
        raise FormatError(message)


def _ip(value, version=None):
    try:
        addr = ipaddress.ip_address(value)
    except ValueError as exc:
        raise FormatError("value '%s' does not look like a valid IP address" % value) from exc
    if version and addr.version != version:
        raise FormatError("value '%s' does not look like a valid IPv%d address" % (value, version))


def _cidr(value, version=None):
    try:
        net = ipaddress.ip_interface(value)
    except ValueError as exc:
        raise FormatError("value '%s' does not look like a valid CIDR network" % value) from exc
    if '/' not in value:
        raise FormatError("value '%s' does not look like a valid CIDR network" % value)
    if version and net.version != version:
        raise FormatError("value '%s' does not look like a valid IPv%d CIDR network" % (value, version))


STORAGE_ID = r'(?i:[a-z][a-z0-9\-_.]*[a-z0-9])'
VOLUME_ID = r'(?i:([a-z][a-z0-9\-_.]*[a-z0-9]):(.+))'

# CPU models accepted by PVE 8/9 for "cputype" (PVE::QemuServer::CPUConfig).
CPU_MODELS = {
    '486', 'athlon', 'Broadwell', 'Broadwell-IBRS', 'Broadwell-noTSX', 'Broadwell-noTSX-IBRS',
    'Cascadelake-Server', 'Cascadelake-Server-noTSX', 'Cascadelake-Server-v2', 'Cascadelake-Server-v4',
    'Cascadelake-Server-v5', 'Conroe', 'Cooperlake', 'Cooperlake-v2', 'core2duo', 'coreduo', 'EPYC',
    'EPYC-Genoa', 'EPYC-IBPB', 'EPYC-Milan', 'EPYC-Milan-v2', 'EPYC-Rome', 'EPYC-Rome-v2', 'EPYC-Rome-v3',
    'EPYC-Rome-v4', 'EPYC-v3', 'EPYC-v4', 'GraniteRapids', 'Haswell', 'Haswell-IBRS', 'Haswell-noTSX',
    'Haswell-noTSX-IBRS', 'host', 'Icelake-Client', 'Icelake-Client-noTSX', 'Icelake-Server',
    'Icelake-Server-noTSX', 'Icelake-Server-v3', 'Icelake-Server-v4', 'Icelake-Server-v5',
    'Icelake-Server-v6', 'IvyBridge', 'IvyBridge-IBRS', 'KnightsMill', 'kvm32', 'kvm64', 'max', 'Nehalem',
    'Nehalem-IBRS', 'Opteron_G1', 'Opteron_G2', 'Opteron_G3', 'Opteron_G4', 'Opteron_G5', 'Penryn',
    'pentium', 'pentium2', 'pentium3', 'phenom', 'qemu32', 'qemu64', 'SandyBridge', 'SandyBridge-IBRS',
    'SapphireRapids', 'SapphireRapids-v2', 'Skylake-Client', 'Skylake-Client-IBRS',
    'Skylake-Client-noTSX-IBRS', 'Skylake-Client-v4', 'Skylake-Server', 'Skylake-Server-IBRS',
    'Skylake-Server-noTSX-IBRS', 'Skylake-Server-v4', 'Skylake-Server-v5', 'Westmere', 'Westmere-IBRS',
    'x86-64-v2', 'x86-64-v2-AES', 'x86-64-v3', 'x86-64-v4',
}

# Sub-schemas for named formats that are themselves property strings, in the
# same shape as the schema's inline "format" maps.
PROPERTY_FORMATS = {
    'pve-vm-cpu-conf': {
        'cputype': {'type': 'string', 'default_key': 1, 'optional': 1, 'format': 'pve-cpu-model'},
        'flags': {'type': 'string', 'optional': 1,
                  'pattern': r'(?:[+-][a-zA-Z0-9\-_.]+)(?:;[+-][a-zA-Z0-9\-_.]+)*'},
        'guest-phys-bits': {'type': 'integer', 'optional': 1, 'minimum': 32, 'maximum': 64},
        'hidden': {'type': 'boolean', 'optional': 1},
        'hv-vendor-id': {'type': 'string', 'optional': 1, 'pattern': r'[a-zA-Z0-9]{1,12}'},
        'phys-bits': {'type': 'string', 'optional': 1, 'pattern': r'(?:host|\d+)'},
        'reported-model': {'type': 'string', 'optional': 1, 'enum': sorted(CPU_MODELS - {'host', 'max'})},
    },
    'pve-qm-ipconfig': {
        'ip': {'type': 'string', 'optional': 1, 'format': 'pve-ipv4-config'},
        'gw': {'type': 'string', 'optional': 1, 'format': 'ipv4'},
        'ip6': {'type': 'string', 'optional': 1, 'format': 'pve-ipv6-config'},
        'gw6': {'type': 'string', 'optional': 1, 'format': 'ipv6'},
    },
    'pve-qm-boot': {
        'legacy': {'type': 'string', 'optional': 1, 'default_key': 1, 'pattern': r'[acdn]{1,4}'},
        'order': {'type': 'string', 'optional': 1, 'format': 'pve-qm-bootdev-list'},
    },
}


def _check_cpu_model(value):
    if value not in CPU_MODELS and not value.startswith('custom-'):
        raise FormatError("Built-in cputype '%s' is not defined (missing 'custom-' prefix?)" % value)


def _list_of(item_check, separators=r'[,;\s]+'):
    def check(value):
        for item in re.split(separators, value.strip()):
            if item:
                item_check(item)
    return check


def _configid(value):
    _regex(r'(?i:[a-z][a-z0-9_-]+)', value, "invalid configuration ID '%s'" % value)


def _bootdev(value):
    _regex(r'(?:ide|sata|scsi|virtio|efidisk|tpmstate)\d+|net\d+|hostpci\d+|usb\d+', value,
           "invalid boot device '%s'" % value)


def _ipv4_config(value):
    if value == 'dhcp':
        return
    _cidr(value, 4)


def _ipv6_config(value):
    if value in ('dhcp', 'auto'):
        return
    _cidr(value, 6)


STRING_FORMATS = {
    'pve-node': lambda v: _regex(r'(?i:[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?)', v,
                                 "value '%s' does not look like a valid node name" % v),
    'pve-storage-id': lambda v: _regex(STORAGE_ID, v, "storage ID '%s' contains illegal characters" % v),
    'pve-volume-id': lambda v: _regex(VOLUME_ID, v, "unable to parse volume ID '%s'" % v),
    'pve-volume-id-or-qm-path': lambda v: (
        None if v in ('none', 'cdrom') or v.startswith('/dev/')
        else _regex(VOLUME_ID, v, "unable to parse volume ID '%s'" % v)),
    'pve-volume-id-or-absolute-path': lambda v: (
        None if v.startswith('/')
        else _regex(VOLUME_ID, v, "unable to parse volume ID '%s'" % v)),
    'disk-size': lambda v: _regex(r'\d+(?:\.\d+)?[KMGT]?', v, "unable to parse size '%s'" % v),
    'urlencoded': lambda v: _regex(r"[-%a-zA-Z0-9_.!~*'()]*", v,
                                   "invalid urlencoded string: %s" % v),
    'dns-name': lambda v: _regex(
        r'(?:[a-zA-Z0-9](?:[a-zA-Z0-9\-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9\-]*[a-zA-Z0-9])?)*', v,
        "value '%s' does not look like a valid DNS name" % v),
    'pve-bridge-id': lambda v: _regex(r'[-_.\w\d]+', v, "invalid bridge ID '%s'" % v),
    'mac-addr': lambda v: _regex(r'(?i:[a-f0-9][02468ace](?::[a-f0-9]{2}){5})', v,
                                 "value '%s' does not look like a valid unicast MAC address" % v),
    'address-list': _list_of(_ip, r'[,;\s]+'),
    'ipv4': lambda v: _ip(v, 4),
    'ipv6': lambda v: _ip(v, 6),
    'ip': _ip,
    'CIDR': _cidr,
    'CIDRv4': lambda v: _cidr(v, 4),
    'CIDRv6': lambda v: _cidr(v, 6),
    'pve-ipv4-config': _ipv4_config,
    'pve-ipv6-config': _ipv6_config,
    'pve-configid': _configid,
    'pve-configid-list': _list_of(_configid),
    'pve-qm-bootdev-list': _list_of(_bootdev, r';'),
    'pve-cpu-model': _check_cpu_model,
    'pve-tag-list': _list_of(lambda v: _regex(r'(?i:[a-z0-9_][a-z0-9_\-+.]*)', v, "invalid tag '%s'" % v)),
    'pve-storage-content': lambda v: _regex(r'images|rootdir|vztmpl|iso|backup|snippets|import', v,
                                            "invalid content type '%s'" % v),
    'pve-storage-content-list': _list_of(
        lambda v: _regex(r'images|rootdir|vztmpl|iso|backup|snippets|import|none', v,
                         "invalid content type '%s'" % v), r','),
    'pve-iface': lambda v: _regex(r'[a-zA-Z][a-zA-Z0-9_]{1,20}(?:[:.]\d+)?', v, "invalid network interface name '%s'" % v),
    'pve-realm': lambda v: _regex(r'[A-Za-z][A-Za-z0-9.\-_]+', v, "invalid realm '%s'" % v),
    'pve-poolid': lambda v: _regex(r'[A-Za-z0-9_\-]+(?:/[A-Za-z0-9_\-]+){0,2}', v, "invalid pool ID '%s'" % v),
    # pve-vmid is an integer with minimum/maximum in the schema itself.
    'pve-vmid': lambda v: None,
}


def check_named_format(name, value):
    """Validate value against a named string format; raises FormatError."""
    check = STRING_FORMATS.get(name)
    if check is None:
        UNCHECKED_FORMATS.add(name)
        return
    check(value)
