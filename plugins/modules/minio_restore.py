#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: minio_restore
short_description: Restore a backup of egid.s3share.backup onto a new MinIO server
version_added: 0.1.0
description:
  - Reads a restic snapshot that the C(s3share-backup) job of the C(egid.s3share.backup) role made, checks every
    staged file it uses (the exports, each record and object) against the sha256 the backup recorded, and
    verifies the backed-up audit log against the chain head the backup kept.
  - Then imports the bucket settings and the IAM export (users keep their secret keys and status, service accounts
    their expiry, policies and groups their members), puts the collaborator records back, and moves the audit logs
    into place; the audit line of the restore is appended to the restored chain. The new host's own audit lines
    from before the restore are kept beside it, named in that line.
  - A server that already holds buckets is live and is refused, unless O(force=true).
  - Check mode reads the repository and reports what would be restored, changing nothing.
  - A second run after the same snapshot was restored reports no change; so does a run for the latest snapshot
    once the restored server has backed itself up (its own snapshots are then the latest).
author:
  - EGID / UMR 8199 IT team (!UNKNOWN)
options:
  settings:
    description: The backup settings the C(egid.s3share.backup) role wrote on the host (repository, password file).
    type: path
    default: /etc/s3share-backup/backup.json
  snapshot:
    description: The snapshot to restore, by id or short id, or C(latest).
    type: str
    default: latest
  force:
    description:
      - Restore onto a server that already holds buckets, or a backup whose audit log does not verify.
    type: bool
    default: false
extends_documentation_fragment:
  - egid.s3share.minio
  - egid.s3share.minio.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  idempotent:
    support: full
"""

EXAMPLES = r"""
- name: Restore the last backup onto a new nectar
  egid.s3share.minio_restore:
    endpoint: https://nectar.egid.local:9000
    access_key: "{{ minio_server_root_user }}"
    secret_key: "{{ minio_server_root_password }}"
"""

RETURN = r"""
snapshot:
  description: The restored snapshot's id.
  returned: always
  type: str
plan:
  description:
    - What the snapshot holds (C(iam) counts, C(buckets), C(records), C(audit_head)), the C(audit_verify) report,
      and C(already_restored).
  returned: always
  type: dict
restored:
  description: What was done (the restore's audit line), when something was restored.
  returned: changed and not check mode
  type: dict
"""

from ansible_collections.egid.s3share.plugins.module_utils._minio.module import MinioModule
from ansible_collections.egid.s3share.plugins.module_utils._backup.service import restore_run


def main():
    m = MinioModule("minio_restore", dict(
        settings=dict(type="path", default="/etc/s3share-backup/backup.json"),
        snapshot=dict(type="str", default="latest"),
        force=dict(type="bool", default=False),
    ))
    restore_run(m)


if __name__ == "__main__":
    main()
