#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: minio_collaborator_sweep
short_description: Remove every collaborator past its expiry
version_added: 0.1.0
description:
  - Removes every collaborator whose expiry has passed (its user, derived access keys, policy and record).
    MinIO already refuses an expired collaborator, because each collaborator policy ends its grants at the
    expiry; the sweep cleans up.
  - Finds expired collaborators from the C(collab-*) policies (one admin call lists every policy with its
    document, another every user) and reads only the records of the expired ones, so the number of list calls
    does not grow with the number of collaborators.
  - Handles each collaborator on its own. A record that cannot be read, or that does not name a collaborator (its
    access key is not a collaborator key, its policy is not C(collab-<name>), or its user holds other policies),
    is reported in RV(errors), audited and left alone; the others are still processed, then the module fails.
  - Safe to run repeatedly and concurrently; whatever another run already removed counts as done.
  - With O(orphans=report) or O(orphans=remove), also compares the records with the IAM state (one listing of the
    records) and reports, or removes, records without a policy and C(collab-*) policies or users without a record.
  - The C(egid.s3share.minio_admin) role runs the same code on the server from a systemd timer with
    C(Persistent=true), so expiry holds even if nobody runs a playbook and even after downtime.
author:
  - EGID / UMR 8199 IT team (!UNKNOWN)
options:
  as_of:
    description:
      - Evaluate expiry as of this time (ISO 8601) instead of now. Useful to preview, in check mode,
        what a later sweep will remove.
    type: str
  orphans:
    description: What to do with orphans (see above).
    type: str
    choices: [ignore, report, remove]
    default: ignore
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
errors:
  description: Collaborators that could not be processed, with the reason.
  returned: always
  type: list
  elements: dict
orphans:
  description: Orphans found with O(orphans=report) or O(orphans=remove).
  returned: always
  type: list
  elements: dict
  sample: [{"name": "old-collab", "problem": "no record", "users": ["C7Q2ZK4M9T1XW8P0L3RA"], "removed": true}]
"""

from ansible_collections.egid.s3share.plugins.module_utils._minio.collab.service import Collaborators
from ansible_collections.egid.s3share.plugins.module_utils._minio.collab.sweep import sweep
from ansible_collections.egid.s3share.plugins.module_utils._minio.times import parse_time
from ansible_collections.egid.s3share.plugins.module_utils._minio.errors import MinioActionError
from ansible_collections.egid.s3share.plugins.module_utils._minio.module import MinioModule


def main():
    m = MinioModule("minio_collaborator_sweep", dict(
        as_of=dict(type="str"),
        orphans=dict(type="str", default="ignore", choices=["ignore", "report", "remove"]),
    ))
    as_of = None
    if m.params["as_of"]:
        try:
            as_of = parse_time(m.params["as_of"])
        except ValueError as exc:
            m.refuse("sweep_collaborators", "collaborators", str(exc))
    manager = Collaborators.from_clients(m.clients, m.params["records_bucket"], m.audit.actor,
                                         check_mode=m.check_mode)
    try:
        result = sweep(manager, as_of=as_of, audit=m.audit, orphans=m.params["orphans"])
    except MinioActionError as exc:
        m.fail(exc, "sweep_collaborators", "collaborators")
    removed = [r["name"] for r in result.removed]
    m.tracker.add("collaborators", sorted(result.kept + removed), sorted(result.kept))
    changed = bool(result.removed) or any(o.get("removed") for o in result.orphans)
    if result.errors:
        m.module.fail_json(msg="Failed to sweep %d collaborator(s): %s" % (
            len(result.errors), "; ".join("%s: %s" % (e["name"], e["reason"]) for e in result.errors)),
            changed=changed, **result.as_dict())
    m.exit(changed, **result.as_dict())


if __name__ == "__main__":
    main()
