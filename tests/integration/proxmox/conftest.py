# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures that run the real proxmox_vm role (ansible-playbook) against the PVE simulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(REPO, 'tests'))

from pve_simulator import Simulator  # noqa: E402  pylint: disable=wrong-import-position

PLAYBOOK = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'playbooks', 'converge.yml')
TOKEN_USER = 'automation@pve'
TOKEN_NAME = 'ansible'
TOKEN_SECRET = '7c1f5d2e-6b0a-4c8e-9d3f-2a1b0c9d8e7f'
ROOT_PASSWORD = 'simulator-root-password'

SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTestsOnly+/=0123456789abcdefghij egidadmin@controller'


class PlaybookRun:
    """Outcome of one ansible-playbook run with the ansible.posix.json callback."""

    def __init__(self, proc):
        self.returncode = proc.returncode
        self.stderr = proc.stderr
        try:
            self.data = json.loads(proc.stdout[proc.stdout.index('{'):])
        except ValueError:
            raise AssertionError('ansible-playbook printed no JSON:\n%s\n%s' % (proc.stdout, proc.stderr))

    def stats(self, host='localhost'):
        return self.data['stats'][host]

    def results(self, name_part, host='localhost'):
        found = []
        for play in self.data['plays']:
            for task in play['tasks']:
                if name_part in task['task']['name'] and host in task['hosts']:
                    found.append(task['hosts'][host])
        return found

    def result(self, name_part, host='localhost'):
        found = self.results(name_part, host)
        assert found, 'no task matching %r ran on %s' % (name_part, host)
        return found[-1]

    def failures(self):
        return [(task['task']['name'], result.get('msg'))
                for play in self.data['plays'] for task in play['tasks']
                for result in task['hosts'].values() if result.get('failed')]


def lab_vars(sim, **overrides):
    """The variables of inventories/production for the lab, pointed at the simulator."""
    variables = {
        'proxmox_vm_api_host': '127.0.0.1',
        'proxmox_vm_api_port': sim.port,
        'proxmox_vm_api_user': TOKEN_USER,
        'proxmox_vm_api_token_id': TOKEN_NAME,
        'proxmox_vm_api_token_secret': TOKEN_SECRET,
        'proxmox_vm_ca_path': sim.ca_path,
        'proxmox_vm_admin_ssh_keys': [SSH_KEY],
        'proxmox_vm_ip_cidr': '192.0.2.107/24',
        'proxmox_vm_gateway': '192.0.2.1',
        'proxmox_vm_nameservers': ['192.0.2.53', '192.0.2.54'],
        'proxmox_vm_searchdomain': 'egid.example.org',
        'proxmox_vm_wait_delay': 1,
        'proxmox_vm_wait_timeout': 60,
    }
    variables.update(overrides)
    return variables


@pytest.fixture(scope='session')
def run_playbook(tmp_path_factory):
    """Run the converge playbook with extra vars; returns a PlaybookRun."""
    workdir = tmp_path_factory.mktemp('ansible')
    bindir = os.path.dirname(sys.executable)

    def run(variables, check=False, diff=True):
        varfile = workdir / ('vars-%d.json' % len(list(workdir.iterdir())))
        varfile.write_text(json.dumps(variables))
        command = [os.path.join(bindir, 'ansible-playbook'), '-i', 'localhost,', PLAYBOOK, '-e', '@%s' % varfile]
        if check:
            command.append('--check')
        if diff:
            command.append('--diff')
        env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK='ansible.posix.json', ANSIBLE_NOCOLOR='1',
                   ANSIBLE_LOCAL_TEMP=str(workdir / 'tmp'), ANSIBLE_PYTHON_INTERPRETER=sys.executable,
                   PATH=bindir + os.pathsep + os.environ.get('PATH', ''))
        for name in ('PROXMOX_HOST', 'PROXMOX_USER', 'PROXMOX_PASSWORD', 'PROXMOX_TOKEN_ID', 'PROXMOX_TOKEN_SECRET'):
            env.pop(name, None)
        proc = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)
        return PlaybookRun(proc)

    return run


def make_simulator():
    return Simulator(users={'root@pam': ROOT_PASSWORD},
                     tokens={'%s!%s' % (TOKEN_USER, TOKEN_NAME): TOKEN_SECRET},
                     task_delay=0.2, agent_boot_delay=0.5)


@pytest.fixture
def simulator():
    """A fresh simulated cluster per test."""
    sim = make_simulator().start()
    yield sim
    sim.stop()


@pytest.fixture(scope='module')
def shared_simulator():
    """One simulated cluster for a sequence of runs (create, second run, grow, shrink...)."""
    sim = make_simulator().start()
    yield sim
    sim.stop()
