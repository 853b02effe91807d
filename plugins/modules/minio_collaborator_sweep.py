#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: minio_collaborator_sweep
short_description: Remove every collaborator past its expiry
version_added: 0.1.0
description:
  - Reads the collaborator records written by M(egid.s3share.minio_collaborator) and, for every collaborator
    whose expiry has passed, disables the user, then removes the user, its policy and its record.
  - Reports exactly what it removed. Safe to run repeatedly and concurrently; whatever another run already
    removed counts as done. One collaborator failing does not stop the others; the module then fails
    after sweeping the rest.
  - The C(egid.s3share.minio_admin) role runs the same code on the server from a systemd timer with
    C(Persistent=true), so expiry holds even if nobody runs a playbook and even after downtime.
author:
  - EGID / UMR 8199 IT team (!UNKNOWN)
options:
  records_bucket:
    description: Admin bucket holding the collaborator records.
    type: str
    default: s3share-admin
  as_of:
    description:
      - Evaluate expiry as of this time (ISO 8601) instead of now. Useful to preview, in check mode,
        what a later sweep will remove.
    type: str
extends_documentation_fragment:
  - egid.s3share.minio
  - egid.s3share.minio.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  idempotent:
    support: full
"""

EXAMPLES = r"""
- name: Remove expired collaborators now
  egid.s3share.minio_collaborator_sweep:

- name: Which collaborators will be gone by the end of the month?
  egid.s3share.minio_collaborator_sweep:
    as_of: "2026-12-31T23:59:59Z"
  check_mode: true
"""

RETURN = r"""
removed:
  description: Collaborators removed by this run (or that would be, in check mode).
  returned: always
  type: list
  elements: dict
  sample: [{"name": "chu-liege", "access_key": "C7Q2ZK4M9T1XW8P0L3RA", "bucket": "ligan",
            "prefix": "results/chu-liege", "expires_at": "2026-12-23T08:00:00Z"}]
kept:
  description: Names of the collaborators that have not expired.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.egid.s3share.plugins.module_utils._minio_collab import (
    CollaboratorStore, parse_time, sweep,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio_errors import MinioActionError
from ansible_collections.egid.s3share.plugins.module_utils._minio_iam import IamState
from ansible_collections.egid.s3share.plugins.module_utils._minio_module import MinioModule


def main():
    m = MinioModule("minio_collaborator_sweep", dict(
        records_bucket=dict(type="str", default="s3share-admin"),
        as_of=dict(type="str"),
    ))
    as_of = None
    if m.params["as_of"]:
        try:
            as_of = parse_time(m.params["as_of"])
        except ValueError as exc:
            m.refuse("sweep_collaborators", "collaborators", str(exc))
    iam = IamState(m.admin)
    store = CollaboratorStore(m.s3, m.params["records_bucket"])
    try:
        removed, kept, errors = sweep(iam, store, check_mode=m.check_mode, as_of=as_of, audit=m.audit)
    except MinioActionError as exc:
        m.fail(exc, "sweep_collaborators", "collaborators")
    m.tracker.add("collaborators", sorted(kept + [r["name"] for r in removed]), sorted(kept))
    if errors:
        m.module.fail_json(msg="Failed to sweep %d collaborator(s): %s" % (len(errors), "; ".join(errors)),
                           removed=removed, kept=kept)
    m.exit(bool(removed), removed=removed, kept=kept)


if __name__ == "__main__":
    main()
