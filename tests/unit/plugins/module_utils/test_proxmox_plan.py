# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Decisions of egid.s3share.proxmox_vm_config (plugins/module_utils/_proxmox/plan.py): normalisation, plan, creation request."""

import copy

import pytest

from ansible_collections.egid.s3share.plugins.module_utils._proxmox import plan as planner

TIB = 1024 ** 4
SEED_CONFIG = {
    'name': 'nectar', 'memory': '16384', 'sockets': 1, 'cores': 8, 'cpu': 'x86-64-v2-AES',
    'scsihw': 'virtio-scsi-single', 'ostype': 'l26', 'agent': '1', 'onboot': 1, 'boot': 'order=scsi0',
    'scsi0': 'Dmzprox:107/vm-107-disk-0.qcow2,cache=writeback,discard=on,iothread=1,size=50G',
    'scsi1': 'Dmzprox:107/vm-107-disk-1.qcow2,cache=writeback,discard=on,iothread=1,size=200G',
    'scsi2': 'Dmzprox:107/vm-107-disk-2.qcow2,cache=writeback,discard=on,iothread=1,size=5T',
    'ide2': 'Dmzprox:107/vm-107-cloudinit.qcow2,media=cdrom',
    'net0': 'e1000=BC:24:11:4D:E6:74,bridge=vmbr0', 'net1': 'e1000=BC:24:11:C8:A4:C2,bridge=vmbr1',
    'ciuser': 'egidadmin', 'sshkeys': 'ssh-ed25519%20AAAAkey%20admin%40egid%0A',
    'ipconfig0': 'ip=192.0.2.107/24,gw=192.0.2.1', 'nameserver': '192.0.2.53', 'searchdomain': 'egid.example.org',
    'digest': '0' * 40,
}


def disk(slot, size):
    return {'slot': slot, 'size': size, 'storage': 'Dmzprox', 'format': 'qcow2', 'cache': 'writeback',
            'discard': True, 'iothread': True, 'ssd': False, 'purpose': None}


def nic(slot, bridge):
    return {'slot': slot, 'model': 'e1000', 'bridge': bridge, 'tag': None, 'firewall': False, 'macaddr': None}


@pytest.fixture
def params():
    return {
        'name': 'nectar', 'vmid': 107, 'node': 'dmz-hyp07', 'clone': 'debian-12-cloudinit', 'import_from': None,
        'iso': None, 'iso_drive': 'ide2', 'memory': 16384, 'sockets': 1, 'cores': 8, 'cpu': 'x86-64-v2-AES',
        'bios': 'seabios', 'machine': 'i440fx', 'scsihw': 'virtio-scsi-single', 'ostype': 'l26', 'vga': 'default',
        'serial_console': False, 'agent': True, 'onboot': True,
        'disks': [disk('scsi0', '50G'), disk('scsi1', '200G'), disk('scsi2', '5T')],
        'nics': [nic('net0', 'vmbr0'), nic('net1', 'vmbr1')],
        'cloud_init': {'drive': 'ide2', 'user': 'egidadmin', 'password': None, 'ssh_keys': ['ssh-ed25519 AAAAkey admin@egid'],
                       'ip_configs': ['ip=192.0.2.107/24,gw=192.0.2.1'], 'nameservers': ['192.0.2.53'],
                       'searchdomain': 'egid.example.org'},
        'apply_hardware_changes': False, 'task_timeout': 900,
    }


def plan(config, params, **kwargs):
    return planner.plan_changes(planner.normalise_config(config), params, **kwargs)


def test_seed_config_matches_the_declaration(params):
    result = plan(SEED_CONFIG, params)
    assert result['updates'] == {} and result['delete'] == [] and result['resizes'] == []
    assert result['drift'] == [] and result['changes'] == []


def test_defaults_left_out_of_the_config_compare_equal():
    state = planner.normalise_config({})
    assert state['scalars']['bios'] == 'seabios'
    assert state['scalars']['machine'] == 'i440fx'
    assert planner.normalise_config({'machine': 'pc'})['scalars']['machine'] == 'i440fx'
    assert planner.normalise_config({'memory': 'current=2048'})['scalars']['memory'] == '2048'
    assert planner.normalise_config({'agent': 'enabled=1'})['scalars']['agent'] == '1'


def test_growing_a_disk_is_a_resize(params):
    params['disks'][2]['size'] = '6T'
    result = plan(SEED_CONFIG, params)
    assert result['resizes'] == [('scsi2', '6T', 5 * TIB, 6 * TIB)]
    assert result['updates'] == {}
    assert result['changes'] == ['resize scsi2 5T -> 6T']


def test_shrinking_a_disk_is_refused(params):
    params['disks'][2]['size'] = '4T'
    with pytest.raises(planner.PlanError, match='disk scsi2 is 5T and would shrink to 4T: shrinking disks is refused'):
        plan(SEED_CONFIG, params)


def test_an_undeclared_disk_is_never_detached(params):
    params['disks'] = params['disks'][:2]
    with pytest.raises(planner.PlanError, match=r'disk scsi2 \(Dmzprox:107/vm-107-disk-2.qcow2\) is not declared'):
        plan(SEED_CONFIG, params)


def test_a_disk_on_another_storage_is_not_moved(params):
    params['disks'][1]['storage'] = 'Fastprox'
    with pytest.raises(planner.PlanError, match='disk scsi1 is on storage Dmzprox, not Fastprox'):
        plan(SEED_CONFIG, params)


def test_all_errors_are_reported_together(params):
    params['disks'] = [disk('scsi0', '40G'), disk('scsi1', '200G')]
    with pytest.raises(planner.PlanError) as error:
        plan(SEED_CONFIG, params)
    assert 'scsi0 is 50G and would shrink to 40G' in str(error.value)
    assert 'disk scsi2' in str(error.value)


def test_a_new_disk_is_allocated(params):
    params['disks'].append(disk('scsi3', '1T'))
    result = plan(SEED_CONFIG, params)
    assert result['updates'] == {'scsi3': 'Dmzprox:1024,format=qcow2,cache=writeback,discard=on,iothread=1'}


def test_hardware_drift_is_reported_not_applied(params):
    config = dict(SEED_CONFIG, memory='8192', cores=4, net1='virtio=BC:24:11:C8:A4:C2,bridge=vmbr1',
                  scsi1='Dmzprox:107/vm-107-disk-1.qcow2,cache=none,size=200G')
    result = plan(config, params, running=True)
    assert sorted(item['key'] for item in result['drift']) == ['cores', 'memory', 'net1', 'scsi1']
    assert not any(item['applied'] for item in result['drift'])
    assert result['updates'] == {} and not result['reboot_required']


def test_hardware_drift_is_applied_on_request_keeping_mac_and_volume(params):
    params['apply_hardware_changes'] = True
    config = dict(SEED_CONFIG, memory='8192', net1='virtio=BC:24:11:C8:A4:C2,bridge=vmbr1',
                  scsi1='Dmzprox:107/vm-107-disk-1.qcow2,cache=none,size=200G', machine='q35', vga='serial0',
                  serial0='socket')
    result = plan(config, params, running=True)
    assert result['updates'] == {
        'memory': '16384',
        'net1': 'e1000=BC:24:11:C8:A4:C2,bridge=vmbr1',
        'scsi1': 'Dmzprox:107/vm-107-disk-1.qcow2,cache=writeback,discard=on,iothread=1',
    }
    assert sorted(result['delete']) == ['machine', 'serial0', 'vga']
    assert result['reboot_required']


def test_nic_without_declared_mac_ignores_the_mac(params):
    config = dict(SEED_CONFIG, net0='e1000=BC:24:11:00:00:01,bridge=vmbr0')
    assert plan(config, params)['drift'] == []
    params['nics'][0]['macaddr'] = 'bc:24:11:4d:e6:74'
    result = plan(config, params)
    assert [item['key'] for item in result['drift']] == ['net0']


def test_cloud_init_settings_are_updated_without_drift(params):
    config = dict(SEED_CONFIG, ipconfig0='ip=192.0.2.99/24,gw=192.0.2.1', searchdomain='old.example.org')
    result = plan(config, params)
    assert result['updates'] == {'ipconfig0': 'gw=192.0.2.1,ip=192.0.2.107/24', 'searchdomain': 'egid.example.org'}
    assert result['drift'] == []


def test_ssh_keys_are_url_encoded_and_compared_decoded(params):
    params['cloud_init']['ssh_keys'] = ['ssh-ed25519 AAAAkey admin@egid', 'ssh-ed25519 BBBBkey+/= other@egid']
    result = plan(SEED_CONFIG, params)
    assert result['updates'] == {
        'sshkeys': 'ssh-ed25519%20AAAAkey%20admin%40egid%0Assh-ed25519%20BBBBkey%2B%2F%3D%20other%40egid%0A'}


def test_password_is_only_set_when_the_vm_has_none(params):
    params['cloud_init']['password'] = 'S3cret!'
    assert plan(SEED_CONFIG, params)['updates'] == {'cipassword': 'S3cret!'}
    assert plan(dict(SEED_CONFIG, cipassword='**********'), params)['updates'] == {}


def test_fresh_clone_is_fully_converged(params):
    template = {'name': 'debian-12-cloudinit', 'template': 1, 'memory': '2048', 'cores': 2, 'sockets': 1,
                'cpu': 'x86-64-v2-AES', 'scsihw': 'virtio-scsi-single', 'agent': '1', 'ostype': 'l26',
                'scsi0': 'Dmzprox:9000/base-9000-disk-0.qcow2,iothread=1,size=3G',
                'ide2': 'Dmzprox:9000/vm-9000-cloudinit.qcow2,media=cdrom',
                'net0': 'virtio=BC:24:11:00:90:00,bridge=vmbr0', 'serial0': 'socket', 'vga': 'serial0',
                'boot': 'order=scsi0'}
    result = planner.plan_changes(planner.predicted_clone(template, params), params, fresh=True)
    assert result['drift'] == []
    assert result['resizes'] == [('scsi0', '50G', 3 * 1024 ** 3, 50 * 1024 ** 3)]
    assert result['updates']['scsi2'] == 'Dmzprox:5120,format=qcow2,cache=writeback,discard=on,iothread=1'
    assert result['updates']['net0'] == 'e1000,bridge=vmbr0'
    assert result['updates']['memory'] == '16384'
    assert sorted(result['delete']) == ['serial0', 'vga']
    assert 'ide2' not in result['updates']  # the template's cloud-init drive is kept


def test_clone_of_a_template_with_a_bigger_disk_is_refused_before_cloning(params):
    template = {'template': 1, 'scsi0': 'Dmzprox:9000/base-9000-disk-0.qcow2,size=64G',
                'net0': 'virtio=BC:24:11:00:90:00,bridge=vmbr0'}
    with pytest.raises(planner.PlanError, match='would shrink'):
        planner.plan_changes(planner.predicted_clone(template, params), params, fresh=True)


def test_creation_request_for_the_netinst_iso(params):
    params.update(clone=None, iso='Dmzprox:iso/debian-12.11.0-amd64-netinst.iso', cloud_init=None)
    request = planner.creation_request(params, 107)
    assert request == {
        'vmid': 107, 'name': 'nectar', 'memory': '16384', 'sockets': '1', 'cores': '8', 'cpu': 'x86-64-v2-AES',
        'scsihw': 'virtio-scsi-single', 'ostype': 'l26', 'agent': 'enabled=1', 'onboot': '1',
        'boot': 'order=scsi0;ide2;net0',
        'scsi0': 'Dmzprox:50,format=qcow2,cache=writeback,discard=on,iothread=1',
        'scsi1': 'Dmzprox:200,format=qcow2,cache=writeback,discard=on,iothread=1',
        'scsi2': 'Dmzprox:5120,format=qcow2,cache=writeback,discard=on,iothread=1',
        'net0': 'e1000,bridge=vmbr0', 'net1': 'e1000,bridge=vmbr1',
        'ide2': 'Dmzprox:iso/debian-12.11.0-amd64-netinst.iso,media=cdrom',
    }


def test_creation_request_imports_the_cloud_image(params):
    params.update(clone=None, import_from='Dmzprox:import/debian-12-genericcloud-amd64.qcow2')
    request = planner.creation_request(params, 107)
    assert request['scsi0'] == ('Dmzprox:0,import-from=Dmzprox:import/debian-12-genericcloud-amd64.qcow2,'
                                'format=qcow2,cache=writeback,discard=on,iothread=1')
    assert request['ide2'] == 'Dmzprox:cloudinit,format=qcow2'
    assert request['sshkeys'] == 'ssh-ed25519%20AAAAkey%20admin%40egid%0A'
    assert request['ipconfig0'] == 'gw=192.0.2.1,ip=192.0.2.107/24'


def test_cloud_init_drive_slot_holding_an_iso_is_refused(params):
    config = dict(SEED_CONFIG, ide2='Dmzprox:iso/debian-12.11.0-amd64-netinst.iso,media=cdrom,size=670M')
    with pytest.raises(planner.PlanError, match='slot ide2 for the cloud-init drive holds Dmzprox:iso/'):
        plan(config, params)


@pytest.mark.parametrize('change, problem', [
    (lambda p: p['disks'].append(disk('scsi0', '1T')), 'slots used twice: scsi0'),
    (lambda p: p['disks'].append(disk('scsi31', '1T')), 'scsi31 is not a disk slot'),
    (lambda p: p['disks'].append(disk('scsi5', '5 tera')), "disk scsi5: invalid size '5 tera'"),
    (lambda p: p['disks'].append(disk('scsi5', '512M')), 'disk scsi5: size 512M is under 1G'),
    (lambda p: p['nics'].append(nic('eth0', 'vmbr0')), 'eth0 is not a NIC slot'),
    (lambda p: p.update(iso='Dmzprox:iso/x.iso', clone=None), 'cloud_init needs a cloud image'),
    (lambda p: p['cloud_init'].update(ip_configs=['ip=dhcp'] * 3), 'more ip_configs than NICs'),
])
def test_declaration_errors_need_no_api_call(params, change, problem):
    params = copy.deepcopy(params)
    change(params)
    assert any(problem in item for item in planner.validate_declaration(params))


def test_valid_declaration_has_no_problem(params):
    assert planner.validate_declaration(params) == []
