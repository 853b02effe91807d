# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The real egid.s3share.proxmox_vm role, run by ansible-playbook against the PVE simulator.

Every request the role sends is validated by the simulator against the
official PVE API schema; a request PVE would reject fails the run.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from conftest import ROOT_PASSWORD, SSH_KEY, lab_vars

# "Virtual Machine 107 (nectar) on node 'dmz-hyp07'", Hardware view of the
# seed's screenshot, as `qm config 107` prints it.
SEED_CONFIG = {
    'name': 'nectar',
    'memory': '16384',
    'sockets': 1,
    'cores': 8,
    'cpu': 'x86-64-v2-AES',
    'scsihw': 'virtio-scsi-single',
    'scsi0': 'Dmzprox:107/vm-107-disk-0.qcow2,cache=writeback,discard=on,iothread=1,size=50G',
    'scsi1': 'Dmzprox:107/vm-107-disk-1.qcow2,cache=writeback,discard=on,iothread=1,size=200G',
    'scsi2': 'Dmzprox:107/vm-107-disk-2.qcow2,cache=writeback,discard=on,iothread=1,size=5T',
}
# "Default (SeaBIOS)", "Default (i440fx)" and "Display Default" are shown
# when the keys are absent from the config.
SEED_ABSENT = ('bios', 'machine', 'vga')
# The MACs are generated; PVE uses its BC:24:11 prefix.
SEED_NICS = {
    'net0': r'^e1000=BC:24:11(?::[0-9A-F]{2}){3},bridge=vmbr0$',
    'net1': r'^e1000=BC:24:11(?::[0-9A-F]{2}){3},bridge=vmbr1$',
}
SEED_ISO = 'Dmzprox:iso/debian-12.11.0-amd64-netinst.iso,media=cdrom,size=670M'
CONFIG_TASK = 'Create or converge VM'
TIB = 1024 ** 4


def qm_config(sim, vmid=107):
    """The config as `qm config` shows it (the API's GET .../config, without digest)."""
    with sim.cluster.lock:
        config = sim.cluster.typed_config(sim.cluster.vms[vmid]['config'])
    config.pop('digest')
    return config


def assert_seed_hardware(config, scsi2_size='5T'):
    expected = dict(SEED_CONFIG, scsi2=SEED_CONFIG['scsi2'].replace('size=5T', 'size=' + scsi2_size))
    for key, value in expected.items():
        assert config.get(key) == value, 'key %s: %r != seed %r' % (key, config.get(key), value)
    for key in SEED_ABSENT:
        assert key not in config, 'key %s should be left to the PVE default' % key
    for key, pattern in SEED_NICS.items():
        assert re.match(pattern, config.get(key, '')), 'key %s: %r' % (key, config.get(key))
    assert 'serial0' not in config


def writes(sim):
    """Requests that could change something (the ticket request is a login)."""
    return [(method, path) for method, path, _params in sim.requests
            if method != 'GET' and path != '/access/ticket']


def test_check_mode_predicts_creation_without_writing(simulator, run_playbook):
    run = run_playbook(lab_vars(simulator), check=True)
    assert run.returncode == 0, run.failures() or run.stderr
    result = run.result(CONFIG_TASK)
    assert result['changed'] and result['created']
    assert result['changes'][0] == 'clone template debian-12-cloudinit to VM 107'
    assert 'resize scsi0 3G -> 50G' in result['changes']
    assert 'add disk scsi2 5T on Dmzprox' in result['changes']
    assert result['config']['scsi2'] == 'storage=Dmzprox,size=5T,cache=writeback,discard=on,iothread=1'
    assert result['config']['memory'] == '16384'
    assert result['diff']['after']['net1'].startswith('model=e1000,bridge=vmbr1')
    assert writes(simulator) == []
    assert simulator.cluster.writes == []
    assert 107 not in simulator.cluster.vms
    assert run.result('Start VM').get('skipped')


class TestLifecycle:
    """One cluster for a sequence of runs: create, rerun, grow, refuse shrink/detach, drift."""

    def test_creates_the_seed_vm(self, shared_simulator, run_playbook):
        sim = shared_simulator
        run = run_playbook(lab_vars(sim))
        assert run.returncode == 0, run.failures() or run.stderr
        assert run.result(CONFIG_TASK)['created']
        config = qm_config(sim)
        assert_seed_hardware(config)
        # cloud-init: admin user, key, static DMZ address, DNS, search domain.
        assert config['ide2'] == 'Dmzprox:107/vm-107-cloudinit.qcow2,media=cdrom'
        assert config['ciuser'] == 'egidadmin'
        assert unquote(config['sshkeys']).strip() == SSH_KEY
        assert dict(item.split('=') for item in config['ipconfig0'].split(',')) == {
            'ip': '192.0.2.107/24', 'gw': '192.0.2.1'}
        assert config['nameserver'].split() == ['192.0.2.53', '192.0.2.54']
        assert config['searchdomain'] == 'egid.example.org'
        assert config['agent'] in ('1', 'enabled=1')
        assert config['boot'] == 'order=scsi0'
        assert sim.cluster.vms[107]['status'] == 'running'
        assert sim.cluster.volumes['Dmzprox:107/vm-107-disk-2.qcow2']['size'] == 5 * TIB
        # Waited for the guest agent, then handed over.
        assert '192.0.2.107' in run.result('Wait for the guest agent')['ip_addresses']
        assert run.result('Show how the VM is reached', host='nectar')['msg'] == 'nectar 192.0.2.107 egidadmin 107'

    def test_second_run_changes_nothing(self, shared_simulator, run_playbook):
        sim = shared_simulator
        before = sim.cluster.snapshot()
        count = len(writes(sim))
        run = run_playbook(lab_vars(sim))
        assert run.returncode == 0, run.failures() or run.stderr
        assert run.stats()['changed'] == 0
        assert run.result(CONFIG_TASK)['drift'] == []
        assert len(writes(sim)) == count
        assert sim.cluster.snapshot() == before

    def test_check_mode_predicts_growth_without_writing(self, shared_simulator, run_playbook):
        sim = shared_simulator
        before = sim.cluster.snapshot()
        count = len(writes(sim))
        run = run_playbook(lab_vars(sim, proxmox_vm_disks=grown_disks()), check=True)
        assert run.returncode == 0, run.failures() or run.stderr
        result = run.result(CONFIG_TASK)
        assert result['changed'] and result['changes'] == ['resize scsi2 5T -> 6T']
        assert 'size=5T' in result['diff']['before']['scsi2'] and 'size=6T' in result['diff']['after']['scsi2']
        assert len(writes(sim)) == count
        assert sim.cluster.snapshot() == before

    def test_growing_scsi2_resizes_it(self, shared_simulator, run_playbook):
        sim = shared_simulator
        count = len(writes(sim))
        run = run_playbook(lab_vars(sim, proxmox_vm_disks=grown_disks()))
        assert run.returncode == 0, run.failures() or run.stderr
        assert run.result(CONFIG_TASK)['changes'] == ['resize scsi2 5T -> 6T']
        assert writes(sim)[count:] == [('PUT', '/nodes/{node}/qemu/{vmid}/resize')]
        resize = [params for method, path, params in sim.requests if path.endswith('/resize')][-1]
        assert (resize['disk'], resize['size']) == ('scsi2', '6T')
        config = qm_config(sim)
        assert config['scsi2'] == 'Dmzprox:107/vm-107-disk-2.qcow2,cache=writeback,discard=on,iothread=1,size=6T'
        assert sim.cluster.volumes['Dmzprox:107/vm-107-disk-2.qcow2']['size'] == 6 * TIB
        # And it is stable at the new size.
        again = run_playbook(lab_vars(sim, proxmox_vm_disks=grown_disks()))
        assert again.returncode == 0 and again.stats()['changed'] == 0

    def test_shrinking_is_refused_with_nothing_changed(self, shared_simulator, run_playbook):
        sim = shared_simulator
        before = sim.cluster.snapshot()
        count = len(writes(sim))
        run = run_playbook(lab_vars(sim))  # the defaults say 5T again
        assert run.returncode != 0
        message = run.result(CONFIG_TASK)['msg']
        assert message.startswith('Failed to plan the changes of VM nectar (107): ')
        assert 'disk scsi2 is 6T and would shrink to 5T: shrinking disks is refused' in message
        assert len(writes(sim)) == count
        assert sim.cluster.snapshot() == before

    def test_detaching_is_refused_with_nothing_changed(self, shared_simulator, run_playbook):
        sim = shared_simulator
        before = sim.cluster.snapshot()
        count = len(writes(sim))
        run = run_playbook(lab_vars(sim, proxmox_vm_disks=grown_disks()[:2]))
        assert run.returncode != 0
        assert 'disk scsi2 (Dmzprox:107/vm-107-disk-2.qcow2) is not declared: detaching or deleting disks is refused' \
            in run.result(CONFIG_TASK)['msg']
        assert len(writes(sim)) == count
        assert sim.cluster.snapshot() == before

    def test_hardware_drift_is_reported_then_fixed_on_request(self, shared_simulator, run_playbook):
        sim = shared_simulator
        with sim.cluster.lock:
            # Someone changed the VM by hand in the GUI.
            config = sim.cluster.vms[107]['config']
            config['memory'] = '8192'
            mac = config['net1'].split(',')[0].split('=')[1]
            config['net1'] = 'e1000=%s,bridge=vmbr0' % mac
        before = sim.cluster.snapshot()
        run = run_playbook(lab_vars(sim, proxmox_vm_disks=grown_disks()))
        assert run.returncode == 0, run.failures() or run.stderr
        result = run.result(CONFIG_TASK)
        assert not result['changed']
        assert sorted(item['key'] for item in result['drift']) == ['memory', 'net1']
        assert not any(item['applied'] for item in result['drift'])
        assert 'memory, net1' in run.result('Report hardware drift')['msg']
        assert sim.cluster.snapshot() == before

        run = run_playbook(lab_vars(sim, proxmox_vm_disks=grown_disks(), proxmox_vm_apply_hardware_changes=True,
                                    proxmox_vm_allow_reboot=True))
        assert run.returncode == 0, run.failures() or run.stderr
        result = run.result(CONFIG_TASK)
        assert result['changed'] and result['reboot_required']
        assert all(item['applied'] for item in result['drift'])
        config = qm_config(sim)
        assert config['memory'] == '16384'
        assert config['net1'] == 'e1000=%s,bridge=vmbr1' % mac  # same MAC, bridge fixed
        assert run.result('Reboot the VM')['changed']
        assert [path.rsplit('/', 1)[1] for _m, path in writes(sim)[-2:]] == ['shutdown', 'start']
        assert_seed_hardware(config, scsi2_size='6T')


def grown_disks():
    return [{'slot': 'scsi0', 'size': '50G'}, {'slot': 'scsi1', 'size': '200G'}, {'slot': 'scsi2', 'size': '6T'}]


@pytest.mark.parametrize('overrides, message', [
    ({'proxmox_vm_storage': 'Dmzprox2'},
     'Failed to find storage Dmzprox2 for VM nectar: not available on node dmz-hyp07 (storages: Dmzprox, local)'),
    ({'proxmox_vm_node': 'dmz-hyp99'},
     'Failed to find node dmz-hyp99 for VM nectar: not a node of the cluster (nodes: dmz-hyp07, dmz-hyp08)'),
    ({'proxmox_vm_template': 'debian-13-cloudinit'},
     'Failed to find template debian-13-cloudinit for VM nectar: no template with that name or VMID in the cluster '
     '(templates: debian-12-cloudinit (9000))'),
    ({'proxmox_vm_internal_bridge': 'vmbr9'},
     'Failed to find bridge vmbr9 for VM nectar net1: not a bridge of node dmz-hyp07 (bridges: vmbr0, vmbr1)'),
    ({'proxmox_vm_install_method': 'import', 'proxmox_vm_cloud_image': 'Dmzprox:import/debian-13-genericcloud-amd64.qcow2'},
     'Failed to find volume Dmzprox:import/debian-13-genericcloud-amd64.qcow2 for VM nectar: it is not on storage Dmzprox'),
    ({'proxmox_vm_storage': 'local'},
     'Failed to use storage local for VM nectar: it does not allow disk images (content: backup,iso,vztmpl)'),
], ids=['storage', 'node', 'template', 'bridge', 'cloud-image', 'storage-without-images'])
def test_missing_prerequisite_fails_before_any_write(simulator, run_playbook, overrides, message):
    before = simulator.cluster.snapshot()
    run = run_playbook(lab_vars(simulator, **overrides))
    assert run.returncode != 0
    assert run.result(CONFIG_TASK)['msg'] == message
    assert writes(simulator) == []
    assert simulator.cluster.snapshot() == before


def test_import_of_the_cloud_image_with_password_login(simulator, run_playbook):
    variables = lab_vars(simulator, proxmox_vm_install_method='import', proxmox_vm_api_user='root@pam',
                         proxmox_vm_api_token_id='', proxmox_vm_api_token_secret='',
                         proxmox_vm_api_password=ROOT_PASSWORD, proxmox_vm_vmid=0)
    run = run_playbook(variables)
    assert run.returncode == 0, run.failures() or run.stderr
    vmid = run.result(CONFIG_TASK)['vmid']
    assert vmid == 100  # allocated by /cluster/nextid
    create = [params for method, path, params in simulator.requests if (method, path) == ('POST', '/nodes/{node}/qemu')]
    assert create[0]['scsi0'] == ('Dmzprox:0,import-from=Dmzprox:import/debian-12-genericcloud-amd64.qcow2,'
                                  'format=qcow2,cache=writeback,discard=on,iothread=1')
    config = qm_config(simulator, vmid)
    assert config['scsi0'] == 'Dmzprox:100/vm-100-disk-0.qcow2,cache=writeback,discard=on,iothread=1,size=50G'
    assert config['scsi2'] == 'Dmzprox:100/vm-100-disk-2.qcow2,cache=writeback,discard=on,iothread=1,size=5T'
    assert config['ide2'] == 'Dmzprox:100/vm-100-cloudinit.qcow2,media=cdrom'
    # Found again by name on the second run, through a ticket and CSRF token.
    again = run_playbook(variables)
    assert again.returncode == 0 and again.stats()['changed'] == 0
    assert sorted(simulator.cluster.vms) == [100, 9000]


def test_netinst_iso_alternative_matches_the_screenshot(simulator, run_playbook):
    run = run_playbook(lab_vars(simulator, proxmox_vm_install_method='iso', proxmox_vm_wait_for='none',
                                proxmox_vm_add_host=False, proxmox_vm_ip_cidr=''))
    assert run.returncode == 0, run.failures() or run.stderr
    config = qm_config(simulator)
    assert_seed_hardware(config)
    assert config['ide2'] == SEED_ISO
    assert config['boot'] == 'order=scsi0;ide2;net0'
    assert not any(key in config for key in ('ciuser', 'sshkeys', 'ipconfig0'))
    again = run_playbook(lab_vars(simulator, proxmox_vm_install_method='iso', proxmox_vm_wait_for='none',
                                  proxmox_vm_add_host=False, proxmox_vm_ip_cidr=''))
    assert again.returncode == 0 and again.stats()['changed'] == 0


@pytest.mark.parametrize('overrides, message', [
    ({'proxmox_vm_api_token_secret': 'not-the-secret'}, 'HTTP 401 invalid token value!'),
    ({'proxmox_vm_ca_path': ''}, 'CERTIFICATE_VERIFY_FAILED'),
], ids=['bad-token', 'unknown-ca'])
def test_authentication_and_tls_failures_are_clear(simulator, run_playbook, overrides, message):
    run = run_playbook(lab_vars(simulator, **overrides))
    assert run.returncode != 0
    failure = run.result(CONFIG_TASK)['msg']
    assert failure.startswith('Failed to connect to Proxmox VE API at 127.0.0.1:%d: ' % simulator.port)
    assert message in failure
    assert 'not-the-secret' not in str(run.data)
    assert writes(simulator) == []
