# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers of plugins/module_utils/_proxmox/ (api.py, values.py, finder.py) and the small decisions of proxmox_vm_power/_info."""

import pytest

from ansible_collections.egid.s3share.plugins.module_utils._proxmox import api as _proxmox
from ansible_collections.egid.s3share.plugins.module_utils._proxmox import values
from ansible_collections.egid.s3share.plugins.module_utils._proxmox.finder import find_template, find_vm
from ansible_collections.egid.s3share.plugins.module_utils._size import parse_size
from ansible_collections.egid.s3share.plugins.modules import proxmox_vm_info, proxmox_vm_power


@pytest.mark.parametrize('text, size', [
    ('50G', 50 * 1024 ** 3), ('5T', 5 * 1024 ** 4), ('670M', 670 * 1024 ** 2), ('1.5G', 1536 * 1024 ** 2),
    ('4096', 4096), ('200GiB', 200 * 1024 ** 3),
])
def test_parse_size(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize('size, text', [
    (5 * 1024 ** 4, '5T'), (6 * 1024 ** 4, '6T'), (200 * 1024 ** 3, '200G'), (1536 * 1024 ** 2, '1536M'), (1000, '1000'),
])
def test_format_size_uses_the_largest_exact_unit_like_pve(size, text):
    assert values.format_size(size) == text


def test_size_in_gib_for_allocation():
    assert values.size_in_gib(5 * 1024 ** 4) == '5120'
    assert values.size_in_gib(512 * 1024 ** 2) == '0.5'


def test_property_strings_round_trip_in_pve_order():
    parsed = values.parse_property_string('Dmzprox:107/vm-107-disk-2.qcow2,size=5T,iothread=1,cache=writeback',
                                          'file')
    assert parsed == {'file': 'Dmzprox:107/vm-107-disk-2.qcow2', 'size': '5T', 'iothread': '1', 'cache': 'writeback'}
    assert values.print_property_string(parsed, 'file') == \
        'Dmzprox:107/vm-107-disk-2.qcow2,cache=writeback,iothread=1,size=5T'
    with pytest.raises(ValueError):
        values.parse_property_string('a,b')


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


RESOURCES = [
    {'type': 'qemu', 'vmid': 107, 'name': 'nectar', 'node': 'dmz-hyp07', 'template': 0},
    {'type': 'qemu', 'vmid': 9000, 'name': 'debian-12-cloudinit', 'node': 'dmz-hyp07', 'template': 1},
    {'type': 'qemu', 'vmid': 201, 'name': 'twin', 'node': 'dmz-hyp07'},
    {'type': 'qemu', 'vmid': 202, 'name': 'twin', 'node': 'dmz-hyp08'},
    {'type': 'lxc', 'vmid': 300, 'name': 'nectar', 'node': 'dmz-hyp07'},
]


def test_one_finder_by_vmid_or_name_qemu_only():
    assert find_vm(RESOURCES, name='nectar')['vmid'] == 107  # the container of the same name is not a VM
    assert find_vm(RESOURCES, vmid=107)['name'] == 'nectar'
    assert find_vm(RESOURCES, name='nectar', vmid=107)['vmid'] == 107
    assert find_vm(RESOURCES, name='absent') is None and find_vm(RESOURCES, vmid=300) is None


def test_finder_refuses_ambiguity_a_foreign_vmid_and_templates():
    with pytest.raises(_proxmox.ProxmoxError, match=r'^Failed to find VM twin: 2 VMs have that name \(VMIDs 201, 202\); set vmid$'):
        find_vm(RESOURCES, name='twin')
    assert find_vm(RESOURCES, name='twin', vmid=202)['node'] == 'dmz-hyp08'
    with pytest.raises(_proxmox.ProxmoxError, match="^Failed to use VMID 107 for VM honey: it belongs to VM 'nectar'$"):
        find_vm(RESOURCES, name='honey', vmid=107, label='VM honey')
    with pytest.raises(_proxmox.ProxmoxError, match='^Failed to manage VM 9000: VMID 9000 is a template$'):
        find_vm(RESOURCES, vmid=9000)
    assert find_vm(RESOURCES, vmid=9000, templates=True)['template'] == 1


def test_template_by_name_or_vmid():
    assert find_template(RESOURCES, 'debian-12-cloudinit', 'VM nectar')['vmid'] == 9000
    assert find_template(RESOURCES, '9000', 'VM nectar')['vmid'] == 9000
    with pytest.raises(_proxmox.ProxmoxError, match=r'templates: debian-12-cloudinit \(9000\)'):
        find_template(RESOURCES, 'nectar', 'VM nectar')


def test_agent_addresses_skip_loopback_and_link_local():
    interfaces = [
        {'name': 'lo', 'ip-addresses': [{'ip-address': '127.0.0.1'}, {'ip-address': '::1'}]},
        {'name': 'ens18', 'ip-addresses': [{'ip-address': '192.0.2.107'}, {'ip-address': 'fe80::be24:11ff:fe4d:e674'},
                                           {'ip-address': '2001:db8::107'}]},
        {'name': 'ens19'},
    ]
    assert proxmox_vm_info.agent_addresses(interfaces) == ['192.0.2.107', '2001:db8::107']


# ---------------------------------------------------------------------------
# The client factory seam: proxmoxer.ProxmoxAPI replaced by a fake.

class FailJson(Exception):
    pass


class FakeModule:
    def __init__(self, **params):
        self.params = dict(api_host='pve.example.org', api_port=8006, api_user='automation@pve', api_password=None,
                           api_token_id=None, api_token_secret=None, validate_certs=True, ca_path=None, api_timeout=30)
        self.params.update(params)

    def fail_json(self, **kwargs):
        raise FailJson(kwargs['msg'])


class FakeEndpoint:
    """Attribute/call chain like proxmoxer's ProxmoxResource, answering from a dict of path -> value."""

    def __init__(self, answers, path=''):
        self._answers = answers
        self._path = path

    def __getattr__(self, name):
        return FakeEndpoint(self._answers, self._path + '/' + name)

    def __call__(self, name):
        return FakeEndpoint(self._answers, self._path + '/' + str(name))

    def get(self, **params):
        value = self._answers[self._path]
        if isinstance(value, Exception):
            raise value
        return value.pop(0) if isinstance(value, list) else value


def fake_factory(answers, calls):
    def factory(host, **kwargs):
        calls.append((host, kwargs))
        return FakeEndpoint(answers)
    return factory


def test_token_is_preferred_and_the_ca_file_is_the_verification(monkeypatch):
    calls = []
    monkeypatch.setattr(_proxmox, 'HAS_PROXMOXER', True)
    monkeypatch.setattr(_proxmox, 'ProxmoxAPI', fake_factory({'/version': {'version': '9.1.1'}}, calls))
    module = FakeModule(api_token_id='automation@pve!ansible', api_token_secret='s3cret', api_password='ignored',
                        ca_path='/etc/ssl/egid/pve-root-ca.pem')
    client = _proxmox.ProxmoxClient(module)
    assert client.version == {'version': '9.1.1'}
    host, kwargs = calls[0]
    assert host == 'pve.example.org'
    assert kwargs['user'] == 'automation@pve' and kwargs['token_name'] == 'ansible'
    assert kwargs['token_value'] == 's3cret' and 'password' not in kwargs
    assert kwargs['verify_ssl'] == '/etc/ssl/egid/pve-root-ca.pem'


def test_password_login_and_missing_credentials(monkeypatch):
    calls = []
    monkeypatch.setattr(_proxmox, 'HAS_PROXMOXER', True)
    monkeypatch.setattr(_proxmox, 'ProxmoxAPI', fake_factory({'/version': {}}, calls))
    _proxmox.ProxmoxClient(FakeModule(api_password='pw', api_token_id=''))
    assert calls[0][1]['password'] == 'pw' and calls[0][1]['verify_ssl'] is True
    with pytest.raises(FailJson, match='set api_token_id and api_token_secret, or api_password'):
        _proxmox.ProxmoxClient(FakeModule(api_password='', api_token_id=''))
    with pytest.raises(FailJson, match='api_token_id is set but api_token_secret is empty'):
        _proxmox.ProxmoxClient(FakeModule(api_token_id='ansible', api_token_secret=''))


def test_connection_failure_names_the_action_and_the_reason(monkeypatch):
    refused = _proxmox.ResourceException(401, 'Unauthorized', 'invalid token value!')
    monkeypatch.setattr(_proxmox, 'HAS_PROXMOXER', True)
    monkeypatch.setattr(_proxmox, 'ProxmoxAPI', fake_factory({'/version': refused}, []))
    with pytest.raises(FailJson) as error:
        _proxmox.ProxmoxClient(FakeModule(api_token_id='ansible', api_token_secret='wrong'))
    assert str(error.value) == 'Failed to connect to Proxmox VE API at pve.example.org:8006: HTTP 401 invalid token value!'
    assert 'wrong' not in str(error.value)


def test_missing_proxmoxer_is_reported(monkeypatch):
    monkeypatch.setattr(_proxmox, 'HAS_PROXMOXER', False)
    with pytest.raises(FailJson, match='proxmoxer'):
        _proxmox.ProxmoxClient(FakeModule(api_password='pw'))


def test_a_failed_task_is_an_error_with_its_exit_status(monkeypatch):
    upid = 'UPID:dmz-hyp07:00001001:00007007:6B03E4CF:qmstart:107:automation@pve!ansible:'
    answers = {'/version': {}, '/nodes/dmz-hyp07/tasks/%s/status' % upid: [
        {'status': 'running'}, {'status': 'stopped', 'exitstatus': "bridge 'vmbr9' does not exist"}]}
    monkeypatch.setattr(_proxmox, 'HAS_PROXMOXER', True)
    monkeypatch.setattr(_proxmox, 'ProxmoxAPI', fake_factory(answers, []))
    client = _proxmox.ProxmoxClient(FakeModule(api_password='pw'))
    with pytest.raises(_proxmox.ProxmoxError) as error:
        client.wait_task('dmz-hyp07', upid, 'start', 'VM nectar (107)', interval=0)
    assert str(error.value) == "Failed to start VM nectar (107): task %s ended with: bridge 'vmbr9' does not exist" % upid
