# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers of plugins/module_utils/_proxmox.py and the small decisions of proxmox_vm_power/_info."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys

import pytest

_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
sys.path.insert(0, os.path.join(_REPO, '.collections'))  # scripts/bootstrap.sh links the collection there

from ansible_collections.egid.s3share.plugins.module_utils import _proxmox  # noqa: E402
from ansible_collections.egid.s3share.plugins.modules import proxmox_vm_info, proxmox_vm_power  # noqa: E402


@pytest.mark.parametrize('text, size', [
    ('50G', 50 * 1024 ** 3), ('5T', 5 * 1024 ** 4), ('670M', 670 * 1024 ** 2), ('1.5G', 1536 * 1024 ** 2),
    ('4096', 4096), ('200GiB', 200 * 1024 ** 3),
])
def test_parse_size(text, size):
    assert _proxmox.parse_size(text) == size


@pytest.mark.parametrize('size, text', [
    (5 * 1024 ** 4, '5T'), (6 * 1024 ** 4, '6T'), (200 * 1024 ** 3, '200G'), (1536 * 1024 ** 2, '1536M'), (1000, '1000'),
])
def test_format_size_uses_the_largest_exact_unit_like_pve(size, text):
    assert _proxmox.format_size(size) == text


def test_size_in_gib_for_allocation():
    assert _proxmox.size_in_gib(5 * 1024 ** 4) == '5120'
    assert _proxmox.size_in_gib(512 * 1024 ** 2) == '0.5'


def test_property_strings_round_trip_in_pve_order():
    parsed = _proxmox.parse_property_string('Dmzprox:107/vm-107-disk-2.qcow2,size=5T,iothread=1,cache=writeback',
                                            'file')
    assert parsed == {'file': 'Dmzprox:107/vm-107-disk-2.qcow2', 'size': '5T', 'iothread': '1', 'cache': 'writeback'}
    assert _proxmox.print_property_string(parsed, 'file') == \
        'Dmzprox:107/vm-107-disk-2.qcow2,cache=writeback,iothread=1,size=5T'
    with pytest.raises(ValueError):
        _proxmox.parse_property_string('a,b')


def test_error_reason_includes_the_per_parameter_errors():
    exc = _proxmox.ResourceException(400, 'Bad Request', 'Parameter verification failed.',
                                     errors={'scsi0': "invalid format - format error\nscsi0.cache: bad\n"})
    assert _proxmox.error_reason(exc) == \
        'HTTP 400 Parameter verification failed. (scsi0: invalid format - format error scsi0.cache: bad)'


def test_connection_options_are_shared_and_secrets_not_logged():
    spec = _proxmox.proxmox_argument_spec()
    assert spec['api_password']['no_log'] and spec['api_token_secret']['no_log']
    assert spec['validate_certs']['default'] is True
    assert spec['api_host']['fallback'][1] == ['PROXMOX_HOST']


@pytest.mark.parametrize('status, state, force, actions', [
    ('stopped', 'started', False, ['start']),
    ('running', 'started', False, []),
    ('running', 'stopped', False, ['shutdown']),
    ('running', 'stopped', True, ['stop']),
    ('stopped', 'stopped', False, []),
    ('running', 'restarted', False, ['shutdown', 'start']),
    ('stopped', 'restarted', False, ['start']),
])
def test_power_actions(status, state, force, actions):
    assert proxmox_vm_power.power_actions(status, state, force) == actions


def test_agent_addresses_skip_loopback_and_link_local():
    interfaces = [
        {'name': 'lo', 'ip-addresses': [{'ip-address': '127.0.0.1'}, {'ip-address': '::1'}]},
        {'name': 'ens18', 'ip-addresses': [{'ip-address': '192.0.2.107'}, {'ip-address': 'fe80::be24:11ff:fe4d:e674'},
                                           {'ip-address': '2001:db8::107'}]},
        {'name': 'ens19'},
    ]
    assert proxmox_vm_info.agent_addresses(interfaces) == ['192.0.2.107', '2001:db8::107']
