# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the monitoring role: MinIO's audit webhook settings, decided in Python."""

from ansible.errors import AnsibleFilterError

from ansible_collections.egid.s3share.plugins.module_utils._minio.metrics import audit_webhook_env, env_mismatches


def access_audit_webhook_env(port, token, target="s3share", queue_dir="/srv/s3/cache/audit-queue"):
    try:
        return audit_webhook_env(port, token, target=target, queue_dir=queue_dir)
    except (TypeError, ValueError) as exc:
        raise AnsibleFilterError("access_audit_webhook_env: %s" % exc)


def env_mismatches_filter(current, wanted):
    if not isinstance(wanted, dict) or not isinstance(current or {}, dict):
        raise AnsibleFilterError("env_mismatches: both sides must be dictionaries")
    return env_mismatches(current, wanted)


class FilterModule:
    def filters(self):
        return {
            "access_audit_webhook_env": access_audit_webhook_env,
            "env_mismatches": env_mismatches_filter,
        }
