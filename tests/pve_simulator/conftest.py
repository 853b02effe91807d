# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the simulator's own tests."""

from __future__ import annotations

import pytest

from pve_simulator import SchemaIndex, Simulator

TOKEN_ID = 'automation@pve!ansible'
TOKEN_SECRET = '0b5d2c3e-1111-4222-8333-944455566677'
ROOT_PASSWORD = 'simulator-root-password'


@pytest.fixture(scope='session')
def schema():
    return SchemaIndex()


@pytest.fixture
def pve(schema):
    """A running simulator on a free loopback port, with its own CA."""
    sim = Simulator(users={'root@pam': ROOT_PASSWORD}, tokens={TOKEN_ID: TOKEN_SECRET}, schema=schema,
                    task_delay=0.2, agent_boot_delay=0.3).start()
    yield sim
    sim.stop()
