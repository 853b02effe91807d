# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Ansible side shared by every proxmox_* module (the counterpart of _minio/module.py).

One connection argument spec (documented by the egid.s3share.proxmox doc
fragment, set once for the action group ``group/egid.s3share.proxmox``), the
client, made on first use, and the one place that turns a ProxmoxError into
fail_json.
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.egid.s3share.plugins.module_utils._proxmox.api import (
    PROXMOX_REQUIRED_ONE_OF, PROXMOX_REQUIRED_TOGETHER, ProxmoxClient, proxmox_argument_spec,
)
from ansible_collections.egid.s3share.plugins.module_utils._proxmox.errors import ProxmoxError


class ProxmoxModule:
    """AnsibleModule with the connection options, plus the Proxmox VE client."""

    def __init__(self, argument_spec, required_one_of=None, required_together=None, **kwargs):
        spec = proxmox_argument_spec()
        spec.update(argument_spec)
        kwargs.setdefault("supports_check_mode", True)
        self.module = AnsibleModule(
            argument_spec=spec,
            required_one_of=PROXMOX_REQUIRED_ONE_OF + list(required_one_of or []),
            required_together=PROXMOX_REQUIRED_TOGETHER + list(required_together or []),
            **kwargs)
        self.params = self.module.params
        self.check_mode = self.module.check_mode
        self._client = None

    @property
    def client(self):
        """The ProxmoxClient, connected on first use (a failed connection fails the task)."""
        if self._client is None:
            self._client = ProxmoxClient(self.module)
        return self._client

    def fail(self, msg, **kwargs):
        self.module.fail_json(msg=msg, **kwargs)

    def run(self, action):
        """Exit with the result of action(self); a ProxmoxError fails the task with its message."""
        try:
            result = action(self)
        except ProxmoxError as exc:
            self.module.fail_json(msg=str(exc))
        self.module.exit_json(**result)
