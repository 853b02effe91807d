# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for a distributed MinIO (several hosts in minio_servers)."""

from ansible.errors import AnsibleFilterError

from ansible_collections.egid.s3share.plugins.module_utils._host import minio_volumes as _volumes


def minio_volumes(hosts, drives, port=9000, scheme="https"):
    try:
        return _volumes.volumes(hosts, drives, port=port, scheme=scheme)
    except (TypeError, ValueError) as exc:
        raise AnsibleFilterError("minio_volumes: %s" % exc)


class FilterModule:
    def filters(self):
        return {"minio_volumes": minio_volumes}
