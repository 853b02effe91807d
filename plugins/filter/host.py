# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that compare the host state read by egid.s3share.host_info with what a role wants."""

from ansible.errors import AnsibleFilterError

from ansible_collections.egid.s3share.plugins.module_utils._host import wanted as _wanted


def needs_change(wanted, state):
    try:
        return _wanted.needs_change(wanted, state)
    except _wanted.WantedError as exc:
        raise AnsibleFilterError("needs_change: %s" % exc)


def needing_change(wanted_list, states):
    try:
        return _wanted.needing_change(wanted_list, states)
    except _wanted.WantedError as exc:
        raise AnsibleFilterError("needing_change: %s" % exc)


def mount_needs_change(wanted, host_state, device):
    host_state = host_state or {}
    try:
        return _wanted.mount_needs_change(wanted, host_state.get("fstab", []), host_state.get("mounts", []), device)
    except KeyError as exc:
        raise AnsibleFilterError("mount_needs_change: the wanted mount has no %s" % exc)


def size_bytes(value):
    # Imported here so that the other filters load even where the size parser is not importable.
    from ansible_collections.egid.s3share.plugins.module_utils._size import parse_size
    try:
        return parse_size(value)
    except (TypeError, ValueError) as exc:
        raise AnsibleFilterError("size_bytes: %s" % exc)


def storage_plan(disks, host_state, force_format=False, keep=()):
    from ansible_collections.egid.s3share.plugins.module_utils._host import storage_plan as _plan
    try:
        return _plan.plan(disks, host_state, force_format=force_format, keep=keep or ())
    except (KeyError, TypeError, ValueError) as exc:
        raise AnsibleFilterError("storage_plan: %s" % exc)


class FilterModule:
    def filters(self):
        return {
            "needs_change": needs_change,
            "needing_change": needing_change,
            "mount_needs_change": mount_needs_change,
            "size_bytes": size_bytes,
            "storage_plan": storage_plan,
        }
