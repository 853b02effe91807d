#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: minio_adopt
short_description: Take over the pending deletions and report the accounts of a MinIO set up by hand
version_added: 0.1.0
description:
  - Runs on the MinIO host as root. Reads the C(at) queue (C(atq), C(at -c N)) and finds every job that runs
    C(mc admin user remove ALIAS KEY), as the lab's C(create_collab_user.sh) schedules them.
  - Each such job becomes a collaborator record (C(egid.s3share.minio_collaborator)'s records) named
    O(name_prefix) + the access key, with the job's time as its expiry and the bucket and folder read from the
    policy attached to the user. The user keeps its access key and secret; its policies are replaced by the
    read-only C(collab-<name>) policy, which ends at the expiry; the sweep removes it when its time comes.
  - A job is removed (C(atrm)) only after its record was written and read back. A conversion that is refused
    (ambiguous policy, a shared folder that keeps versions) leaves the job and the user as they are.
  - A job whose user no longer exists is reported in RV(stale), and removed with O(stale_at_jobs=remove).
  - Jobs that do something else are left alone and listed in RV(other).
  - Reports, without changing them, the users that are neither collaborators nor in O(managed_users), and
    compares each policy they hold with the collection's template for its bucket or folder (RV(accounts)).
author:
  - EGID / UMR 8199 IT team (!UNKNOWN)
options:
  name_prefix:
    description: Prefix of the collaborator names given to adopted users (the lab's scripts kept no name).
    type: str
    default: lab-
  stale_at_jobs:
    description: What to do with a job whose MinIO user no longer exists.
    type: str
    choices: [remove, keep]
    default: remove
  mc_aliases:
    description:
      - The mc aliases under which the lab's scripts reach this server. A job that removes a user through
        another alias concerns another server; it is listed in RV(other) and left alone.
    type: list
    elements: str
    default: [nectar]
  managed_users:
    description: Users the collection manages (the inventory's internal users); not reported.
    type: list
    elements: str
    default: []
  managed_policy_prefixes:
    description: Policy name prefixes the collection manages; not reported.
    type: list
    elements: str
    default: []
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
- name: Take over the lab's pending deletions
  egid.s3share.minio_adopt:
    managed_users: [bioinfo-demo]
    managed_policy_prefixes: [rw-]
"""

RETURN = r"""
converted:
  description: Jobs converted into collaborator records (their job removed, except in check mode).
  returned: always
  type: list
  elements: dict
  sample: [{"id": 3, "runs_at": "2026-12-23T08:00:00Z", "access_key": "3f2a...", "name": "lab-3f2a...",
            "bucket": "ligan", "prefix": "results/chu-liege", "expires_at": "2026-12-23T08:00:00Z"}]
stale:
  description: Jobs whose MinIO user no longer exists, with C(action) removed or kept.
  returned: always
  type: list
  elements: dict
refused:
  description: Jobs left as they were, with the reason.
  returned: always
  type: list
  elements: dict
other:
  description: Jobs that are not a MinIO user removal, left alone.
  returned: always
  type: list
  elements: dict
accounts:
  description: The users and policies left alone; each policy with its template and, when it differs, a diff.
  returned: always
  type: dict
"""

from ansible_collections.egid.s3share.plugins.module_utils._minio.adopt import JobRunner, account_report, adopt_at_jobs
from ansible_collections.egid.s3share.plugins.module_utils._minio.collab.service import Collaborators
from ansible_collections.egid.s3share.plugins.module_utils._host.at_queue import AtQueueError
from ansible_collections.egid.s3share.plugins.module_utils._minio.errors import MinioActionError
from ansible_collections.egid.s3share.plugins.module_utils._minio.module import MinioModule


def main():
    m = MinioModule("minio_adopt", dict(
        name_prefix=dict(type="str", default="lab-"),
        stale_at_jobs=dict(type="str", default="remove", choices=["remove", "keep"]),
        mc_aliases=dict(type="list", elements="str", default=["nectar"]),
        managed_users=dict(type="list", elements="str", default=[]),
        managed_policy_prefixes=dict(type="list", elements="str", default=[]),
    ))
    module = m.module

    def run(argv):
        rc, out, err = module.run_command(argv, environ_update={"LC_ALL": "C"})
        if rc != 0:
            module.fail_json(msg="Failed to run %s: %s" % (" ".join(argv), (err or out).strip()))
        return out

    runner = JobRunner(lambda: run(["atq"]), lambda job: run(["at", "-c", str(job)]),
                       lambda job: run(["atrm", str(job)]))
    manager = Collaborators.from_clients(m.clients, m.params["records_bucket"], m.audit.actor,
                                         check_mode=m.check_mode)
    try:
        result = adopt_at_jobs(manager, runner, audit=m.audit, name_prefix=m.params["name_prefix"],
                               stale=m.params["stale_at_jobs"], tracker=m.tracker,
                               aliases=m.params["mc_aliases"])
        result["accounts"] = account_report(manager.iam, m.params["managed_users"],
                                            m.params["managed_policy_prefixes"])
    except AtQueueError as exc:
        m.refuse("adopt_at_jobs", "at queue", str(exc))
    except MinioActionError as exc:
        m.fail(exc, "adopt_at_jobs", "at queue")
    changed = bool(result["converted"] and any(c.get("changed") for c in result["converted"])) or any(
        s["action"] == "removed" for s in result["stale"])
    m.exit(changed, **result)


if __name__ == "__main__":
    main()
