# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The simulator accepts what PVE accepts and rejects what PVE rejects.

Cases come from the official schema and from the seed's screenshot of VM 107.
"""

from __future__ import annotations

import hashlib
import os
import re
import time

import pytest
import requests
from pve_simulator.conftest import ROOT_PASSWORD, TOKEN_ID, TOKEN_SECRET

from pve_simulator import validate_parameters
from pve_simulator.formats import UNCHECKED_FORMATS
from pve_simulator.schema import DEFAULT_SCHEMA

CONFIG = '/nodes/{node}/qemu/{vmid}/config'
SEED_DRIVES = [
    'Dmzprox:107/vm-107-disk-0.qcow2,cache=writeback,discard=on,iothread=1,size=50G',
    'Dmzprox:107/vm-107-disk-1.qcow2,cache=writeback,discard=on,iothread=1,size=200G',
    'Dmzprox:107/vm-107-disk-2.qcow2,cache=writeback,discard=on,iothread=1,size=5T',
]


def config_errors(schema, method='POST', **params):
    params.setdefault('node', 'dmz-hyp07')
    params.setdefault('vmid', '107')
    return validate_parameters(schema.method(CONFIG, method), params)


# ---------------------------------------------------------------- schema


@pytest.mark.parametrize('key, value', [
    ('scsi0', SEED_DRIVES[0]),
    ('scsi1', SEED_DRIVES[1]),
    ('scsi2', SEED_DRIVES[2]),
    ('scsi2', 'Dmzprox:5120,format=qcow2,cache=writeback,discard=on,iothread=1'),
    ('scsi0', 'Dmzprox:0,import-from=Dmzprox:import/debian-12-genericcloud-amd64.qcow2,format=qcow2'),
    ('scsi0', 'file=Dmzprox:107/vm-107-disk-0.qcow2,cache=writeback'),
    ('ide2', 'Dmzprox:iso/debian-12.11.0-amd64-netinst.iso,media=cdrom,size=670M'),
    ('ide2', 'Dmzprox:cloudinit,format=qcow2'),
    ('ide2', 'none,media=cdrom'),
    ('net0', 'e1000=BC:24:11:4D:E6:74,bridge=vmbr0'),
    ('net1', 'e1000=BC:24:11:C8:A4:C2,bridge=vmbr1'),
    ('net1', 'model=e1000,bridge=vmbr1,macaddr=BC:24:11:C8:A4:C2,tag=42,firewall=1'),
    ('net0', 'virtio,bridge=vmbr0'),
    ('memory', '16384'),
    ('memory', 'current=16384'),
    ('sockets', '1'),
    ('cores', '8'),
    ('cpu', 'x86-64-v2-AES'),
    ('cpu', 'cputype=host,flags=+aes;-pcid'),
    ('scsihw', 'virtio-scsi-single'),
    ('bios', 'seabios'),
    ('machine', 'pc'),
    ('machine', 'q35'),
    ('machine', 'pc-i440fx-9.2+pve1'),
    ('agent', '1'),
    ('agent', 'enabled=1,fstrim_cloned_disks=1'),
    ('ipconfig0', 'ip=192.0.2.107/24,gw=192.0.2.1'),
    ('ipconfig1', 'ip=dhcp'),
    ('nameserver', '192.0.2.53 192.0.2.54'),
    ('sshkeys', 'ssh-ed25519%20AAAAC3NzaC1lZDI1NTE5AAAAI%2B%2F%3D%20admin%40egid%0A'),
    ('boot', 'order=scsi0;ide2;net0'),
    ('onboot', 'true'),
    ('delete', 'vga,serial0'),
    ('digest', 'b2e16cb0df9f9034de281d4949163c406558872f'),
    ('name', 'nectar'),
])
def test_schema_accepts_what_pve_accepts(schema, key, value):
    assert config_errors(schema, **{key: value}) == {}


@pytest.mark.parametrize('key, value, message', [
    ('foo', '1', 'property is not defined in schema and the schema does not allow additional properties'),
    ('scsi31', 'Dmzprox:10', 'property is not defined in schema'),
    ('cores', 'eight', "type check ('integer') failed - got 'eight'"),
    ('cores', '0', 'value must have a minimum value of 1'),
    ('scsihw', 'virtio-scsi', "value 'virtio-scsi' does not have a value in the enumeration 'lsi, lsi53c810, "
                              "virtio-scsi-pci, virtio-scsi-single, megasas, pvscsi'"),
    ('bios', 'uefi', "value 'uefi' does not have a value in the enumeration 'seabios, ovmf'"),
    # "i440fx" is what the GUI shows, but the machine type PVE accepts is "pc".
    ('machine', 'i440fx', 'machine.type: value does not match the regex pattern'),
    ('memory', '16G', "memory.current: type check ('integer') failed - got '16G'"),
    ('memory', '8', 'memory.current: value must have a minimum value of 16'),
    ('scsi0', 'Dmzprox:50,cache=fast', "scsi0.cache: value 'fast' does not have a value in the enumeration"),
    ('scsi0', 'Dmzprox:50,discard=yes', "scsi0.discard: value 'yes' does not have a value in the enumeration 'ignore, on'"),
    ('scsi0', 'Dmzprox:50,iothread=maybe', "scsi0.iothread: type check ('boolean') failed - got 'maybe'"),
    ('scsi0', 'Dmzprox:50,bogus=1', 'scsi0.bogus: property is not defined in schema'),
    ('scsi0', 'cache=writeback', 'scsi0.file: property is missing and it is not optional'),
    ('scsi0', 'Dmzprox:50,size=5 T', "scsi0.size: invalid format - unable to parse size '5 T'"),
    ('scsi0', 'Dmzprox:50,format=qcow3', "scsi0.format: value 'qcow3' does not have a value in the enumeration"),
    ('scsi0', 'Dmzprox:50,Dmzprox:60', 'scsi0.file: duplicate key in comma-separated list property: file'),
    ('scsi0', '1storage:50', "unable to parse volume ID '1storage:50'"),
    ('net0', 'e1000=BD:24:11:4D:E6:74,bridge=vmbr0', 'net0.macaddr: invalid format'),
    ('net0', 'e1000,bridge=vmbr0,tag=5000', 'net0.tag: value must have a maximum value of 4094'),
    ('net0', 'rtl9999,bridge=vmbr0', "net0.model: value 'rtl9999' does not have a value in the enumeration"),
    ('net0', 'bridge=vmbr0', 'net0.model: property is missing and it is not optional'),
    ('cpu', 'x86-64-v5', "cpu.cputype: invalid format - Built-in cputype 'x86-64-v5' is not defined"),
    ('ipconfig0', 'ip=192.0.2.107,gw=192.0.2.1', "ipconfig0.ip: invalid format - value '192.0.2.107' does not look "
                                                 "like a valid CIDR network"),
    ('ipconfig0', 'ip=192.0.2.107/24,gw=192.0.2.300', 'ipconfig0.gw: invalid format'),
    ('sshkeys', 'ssh-ed25519 AAAAC3Nza admin@egid', 'invalid format - invalid urlencoded string'),
    ('nameserver', '192.0.2.999', 'invalid format'),
    ('boot', 'order=scsi0;floppy0', "boot.order: invalid format - invalid boot device 'floppy0'"),
    ('onboot', 'perhaps', "type check ('boolean') failed - got 'perhaps'"),
    ('digest', 'x' * 41, 'value may only be 40 characters long'),
    ('name', 'nectar_vm', "invalid format - value 'nectar_vm' does not look like a valid DNS name"),
    ('delete', 'vga,9serial', "invalid configuration ID '9serial'"),
])
def test_schema_rejects_what_pve_rejects(schema, key, value, message):
    errors = config_errors(schema, **{key: value})
    assert key in errors, errors
    assert message in errors[key]


def test_schema_checks_path_parameters_and_required_ones(schema):
    errors = config_errors(schema, vmid='99', node='dmz_hyp07')
    assert errors['vmid'] == 'value must have a minimum value of 100'
    assert errors['node'] == "invalid format - value 'dmz_hyp07' does not look like a valid node name"
    resize = schema.method('/nodes/{node}/qemu/{vmid}/resize', 'PUT')
    errors = validate_parameters(resize, {'node': 'dmz-hyp07', 'vmid': '107', 'disk': 'scsi31', 'size': '-1G'})
    assert 'does not have a value in the enumeration' in errors['disk']
    assert errors['size'] == 'value does not match the regex pattern'
    errors = validate_parameters(resize, {'node': 'dmz-hyp07', 'vmid': '107'})
    assert errors == {'disk': 'property is missing and it is not optional',
                      'size': 'property is missing and it is not optional'}
    clone = schema.method('/nodes/{node}/qemu/{vmid}/clone', 'POST')
    assert 'format' in validate_parameters(clone, {'node': 'n', 'vmid': '9000', 'newid': '107', 'format': 'qcow3'})


def test_every_named_format_the_config_endpoint_uses_is_checked(schema):
    UNCHECKED_FORMATS.clear()
    config_errors(schema, scsi0=SEED_DRIVES[0], net0='e1000=BC:24:11:4D:E6:74,bridge=vmbr0', cpu='host',
                  ipconfig0='ip=dhcp', nameserver='192.0.2.53', sshkeys='a', boot='order=scsi0', name='nectar',
                  tags='s3;minio', delete='vga', ide2='Dmzprox:cloudinit')
    assert UNCHECKED_FORMATS == set()


def test_the_schema_is_the_official_tree(schema):
    # The official schema shipped in data/: the whole API, including what the role uses.
    assert len(schema.nodes) > 400
    for path in ('/nodes/{node}/qemu', '/nodes/{node}/qemu/{vmid}/config', '/nodes/{node}/qemu/{vmid}/resize',
                 '/access/ticket', '/cluster/nextid', '/nodes/{node}/tasks/{upid}/status'):
        assert path in schema.nodes


def test_the_shipped_schema_is_the_one_its_readme_names():
    # data/README.md records the digest of apidata.js converted unchanged; an edit by hand fails here.
    with open(os.path.join(os.path.dirname(DEFAULT_SCHEMA), "README.md"), encoding="utf-8") as handle:
        recorded = re.search(r"sha256 of `pve-api-schema.json`:\s+`([0-9a-f]{64})`", handle.read()).group(1)
    with open(DEFAULT_SCHEMA, "rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == recorded


# ------------------------------------------------------------------ HTTP


def token_session(pve, secret=TOKEN_SECRET):
    session = requests.Session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE would override session.verify
    session.verify = pve.ca_path
    session.headers['Authorization'] = 'PVEAPIToken=%s=%s' % (TOKEN_ID, secret)
    return session


def wait_task(session, pve, node, upid):
    for _attempt in range(100):
        status = session.get('%s/nodes/%s/tasks/%s/status' % (pve.base_url, node, upid)).json()['data']
        if status['status'] == 'stopped':
            return status
        time.sleep(0.05)
    raise AssertionError('task did not finish')


def test_envelope_tls_and_unknown_paths(pve):
    session = token_session(pve)
    answer = session.get(pve.base_url + '/version')
    assert answer.status_code == 200
    assert answer.json() == {'data': {'version': '9.1.1', 'release': '9.1', 'repoid': '42fbb3a3', 'console': 'xtermjs'}}
    assert session.get(pve.base_url + '/nodes/dmz-hyp07/nonexistent').status_code == 501
    assert session.delete(pve.base_url + '/version').status_code == 501
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(pve.base_url + '/version', timeout=5)  # the system store does not know the test CA


def test_ticket_cookie_and_csrf(pve):
    url = pve.base_url
    bad = requests.post(url + '/access/ticket', data={'username': 'root@pam', 'password': 'nope'}, verify=pve.ca_path)
    assert bad.status_code == 401
    login = requests.post(url + '/access/ticket', data={'username': 'root@pam', 'password': ROOT_PASSWORD},
                          verify=pve.ca_path)
    assert login.status_code == 200
    data = login.json()['data']
    assert data['ticket'].startswith('PVE:root@pam:') and data['username'] == 'root@pam'
    cookies = {'PVEAuthCookie': data['ticket']}
    assert requests.get(url + '/nodes', cookies=cookies, verify=pve.ca_path).status_code == 200
    assert requests.get(url + '/nodes', verify=pve.ca_path).reason == 'No ticket'
    forged = {'PVEAuthCookie': data['ticket'][:-4] + 'abcd'}
    assert requests.get(url + '/nodes', cookies=forged, verify=pve.ca_path).status_code == 401
    # Writes need the CSRF token header as well as the cookie.
    write = url + '/nodes/dmz-hyp07/qemu/9000/status/start'
    no_csrf = requests.post(write, cookies=cookies, verify=pve.ca_path)
    assert (no_csrf.status_code, no_csrf.reason) == (401, 'Permission check failed (invalid csrf token)')
    with_csrf = requests.post(write, cookies=cookies, headers={'CSRFPreventionToken': data['CSRFPreventionToken']},
                              verify=pve.ca_path)
    assert with_csrf.status_code == 500  # authenticated; PVE refuses to start a template
    assert with_csrf.json()['message'] == "you can't start a VM if it's a template\n"


def test_api_token_header(pve):
    assert token_session(pve).get(pve.base_url + '/nodes').status_code == 200
    wrong = token_session(pve, 'wrong').get(pve.base_url + '/nodes')
    assert (wrong.status_code, wrong.reason) == (401, 'invalid token value!')


def test_invalid_request_gets_400_in_pve_format(pve):
    answer = token_session(pve).post(pve.base_url + '/nodes/dmz-hyp07/qemu',
                                     data={'vmid': '107', 'scsi0': 'Dmzprox:50,cache=fast', 'cores': 'eight'})
    assert (answer.status_code, answer.reason) == (400, 'Parameter verification failed.')
    body = answer.json()
    assert body['data'] is None
    assert body['errors']['cores'] == "type check ('integer') failed - got 'eight'\n"
    assert body['errors']['scsi0'].startswith('invalid format - format error\nscsi0.cache: ')
    assert pve.cluster.writes == [] and 107 not in pve.cluster.vms


def test_create_runs_as_a_task_with_pve_volume_names(pve):
    session = token_session(pve)
    url = pve.base_url + '/nodes/dmz-hyp07/qemu'
    answer = session.post(url, data={
        'vmid': '107', 'name': 'nectar', 'memory': '16384', 'sockets': '1', 'cores': '8', 'cpu': 'x86-64-v2-AES',
        'scsihw': 'virtio-scsi-single', 'ide2': 'Dmzprox:iso/debian-12.11.0-amd64-netinst.iso,media=cdrom',
        'scsi0': 'Dmzprox:50,format=qcow2,cache=writeback,discard=on,iothread=1',
        'scsi1': 'Dmzprox:200,format=qcow2,cache=writeback,discard=on,iothread=1',
        'scsi2': 'Dmzprox:5120,format=qcow2,cache=writeback,discard=on,iothread=1',
        'net0': 'e1000,bridge=vmbr0', 'net1': 'e1000,bridge=vmbr1'})
    assert answer.status_code == 200
    upid = answer.json()['data']
    assert re.match(r'^UPID:dmz-hyp07:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:qmcreate:107:automation@pve!ansible:$', upid)
    # While the task runs the VM is locked, as on PVE.
    running = session.get('%s/nodes/dmz-hyp07/tasks/%s/status' % (pve.base_url, upid)).json()['data']
    assert running['status'] == 'running'
    locked = session.post(url + '/107/config', data={'memory': '8192'})
    assert (locked.status_code, locked.json()['message']) == (500, 'VM 107 is locked (create)\n')
    assert wait_task(session, pve, 'dmz-hyp07', upid)['exitstatus'] == 'OK'
    config = session.get(url + '/107/config').json()['data']
    # The seed's screenshot, key by key (MACs are generated with PVE's prefix).
    assert config['scsi0'] == 'Dmzprox:107/vm-107-disk-0.qcow2,cache=writeback,discard=on,iothread=1,size=50G'
    assert config['scsi1'] == 'Dmzprox:107/vm-107-disk-1.qcow2,cache=writeback,discard=on,iothread=1,size=200G'
    assert config['scsi2'] == 'Dmzprox:107/vm-107-disk-2.qcow2,cache=writeback,discard=on,iothread=1,size=5T'
    assert config['ide2'] == 'Dmzprox:iso/debian-12.11.0-amd64-netinst.iso,media=cdrom,size=670M'
    assert re.match(r'^e1000=BC:24:11(:[0-9A-F]{2}){3},bridge=vmbr0$', config['net0'])
    assert (config['memory'], config['cores'], config['sockets']) == ('16384', 8, 1)
    assert config['boot'] == 'order=scsi0;ide2;net0'
    assert re.match(r'^[0-9a-f]{40}$', config['digest'])
    content = session.get(pve.base_url + '/nodes/dmz-hyp07/storage/Dmzprox/content', params={'vmid': '107'}).json()
    assert sorted(item['volid'] for item in content['data']) == [
        'Dmzprox:107/vm-107-disk-%d.qcow2' % index for index in range(3)]
    # A second create with the same VMID is refused.
    again = session.post(url, data={'vmid': '107'})
    assert again.status_code == 500 and 'already exists' in again.json()['message']


def test_config_digest_resize_and_power(pve):
    session = token_session(pve)
    base = pve.base_url + '/nodes/dmz-hyp07/qemu'
    upid = session.post(base, data={'vmid': '110', 'scsi0': 'Dmzprox:5120,format=qcow2', 'agent': '1',
                                    'net0': 'e1000,bridge=vmbr9', 'ipconfig0': 'ip=192.0.2.110/24'}).json()['data']
    wait_task(session, pve, 'dmz-hyp07', upid)
    digest = session.get(base + '/110/config').json()['data']['digest']
    stale = session.put(base + '/110/config', data={'memory': '4096', 'digest': '0' * 40})
    assert stale.status_code == 500 and 'detected modified configuration' in stale.json()['message']
    assert session.put(base + '/110/config', data={'memory': '4096', 'digest': digest}).json() == {'data': None}
    assert session.get(base + '/110/config').json()['data']['memory'] == '4096'
    shrink = session.put(base + '/110/resize', data={'disk': 'scsi0', 'size': '4T'})
    assert (shrink.status_code, shrink.json()['message']) == (500, 'shrinking disks is not supported\n')
    grow = session.put(base + '/110/resize', data={'disk': 'scsi0', 'size': '+1T'}).json()['data']
    assert wait_task(session, pve, 'dmz-hyp07', grow)['exitstatus'] == 'OK'
    assert session.get(base + '/110/config').json()['data']['scsi0'].endswith(',size=6T')
    # Starting with a bridge the node lacks fails in the task, like on PVE.
    start = session.post(base + '/110/status/start').json()['data']
    assert wait_task(session, pve, 'dmz-hyp07', start)['exitstatus'] == "bridge 'vmbr9' does not exist"
    assert session.get(base + '/110/status/current').json()['data']['status'] == 'stopped'
    not_running = session.get(base + '/110/agent/network-get-interfaces')
    assert not_running.json()['message'] == 'VM 110 is not running\n'
    wait_task(session, pve, 'dmz-hyp07', session.post(base + '/110/config', data={'net0': 'e1000,bridge=vmbr0'}).json()['data'])
    start = session.post(base + '/110/status/start').json()['data']
    assert wait_task(session, pve, 'dmz-hyp07', start)['exitstatus'] == 'OK'
    booting = session.get(base + '/110/agent/network-get-interfaces')
    assert booting.json()['message'] == 'QEMU guest agent is not running\n'
    time.sleep(0.35)
    interfaces = session.get(base + '/110/agent/network-get-interfaces').json()['data']['result']
    assert [address['ip-address'] for address in interfaces[1]['ip-addresses']] == ['192.0.2.110']
    stop = session.post(base + '/110/status/shutdown').json()['data']
    assert wait_task(session, pve, 'dmz-hyp07', stop)['exitstatus'] == 'OK'
    assert session.get(base + '/110/status/current').json()['data']['status'] == 'stopped'


def test_clone_of_the_cloud_init_template(pve):
    session = token_session(pve)
    upid = session.post(pve.base_url + '/nodes/dmz-hyp07/qemu/9000/clone',
                        data={'newid': '107', 'name': 'nectar', 'full': '1', 'storage': 'Dmzprox',
                              'format': 'qcow2'}).json()['data']
    assert ':qmclone:9000:' in upid
    assert wait_task(session, pve, 'dmz-hyp07', upid)['exitstatus'] == 'OK'
    config = session.get(pve.base_url + '/nodes/dmz-hyp07/qemu/107/config').json()['data']
    assert config['scsi0'] == 'Dmzprox:107/vm-107-disk-0.qcow2,iothread=1,size=3G'
    assert config['ide2'] == 'Dmzprox:107/vm-107-cloudinit.qcow2,media=cdrom'
    assert config['name'] == 'nectar' and 'template' not in config
    assert config['net0'] != 'virtio=BC:24:11:00:90:00,bridge=vmbr0'  # a new MAC


def test_cluster_and_node_listings(pve):
    session = token_session(pve)
    url = pve.base_url
    assert [node['node'] for node in session.get(url + '/nodes').json()['data']] == ['dmz-hyp07', 'dmz-hyp08']
    assert session.get(url + '/cluster/nextid').json()['data'] == 100
    taken = session.get(url + '/cluster/nextid', params={'vmid': '9000'})
    assert taken.status_code == 400 and taken.json()['errors']['vmid'] == 'VM 9000 already exists\n'
    vms = session.get(url + '/cluster/resources', params={'type': 'vm'}).json()['data']
    assert [(vm['vmid'], vm['name'], vm['template']) for vm in vms] == [(9000, 'debian-12-cloudinit', 1)]
    bad_type = session.get(url + '/cluster/resources', params={'type': 'vms'})
    assert bad_type.status_code == 400
    storages = session.get(url + '/nodes/dmz-hyp07/storage', params={'content': 'images'}).json()['data']
    assert [item['storage'] for item in storages] == ['Dmzprox']
    isos = session.get(url + '/nodes/dmz-hyp07/storage/Dmzprox/content', params={'content': 'iso'}).json()['data']
    assert [(item['volid'], item['size']) for item in isos] == [
        ('Dmzprox:iso/debian-12.11.0-amd64-netinst.iso', 670 * 1024 ** 2)]
    bridges = session.get(url + '/nodes/dmz-hyp07/network', params={'type': 'any_bridge'}).json()['data']
    assert [item['iface'] for item in bridges] == ['vmbr0', 'vmbr1']
    unknown = session.get(url + '/nodes/dmz-hyp99/storage')
    assert unknown.status_code == 500 and "hostname lookup 'dmz-hyp99' failed" in unknown.json()['message']
