#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: adopt_info
short_description: Read a hand-made MinIO host and decide what adopting it means, before any change
version_added: 0.1.0
description:
  - Reads the installed MinIO's release (C(minio --version)), its settings file, the owner of its data
    directory and the old audit log, and decides the adoption plan in Python (upgrade, root credential
    rotation, archive of the old log) with the refusals (a downgrade, root credentials that differ and may not
    be rotated, a KMS setting that would be lost, a log archive already there).
  - Read-only; the same answer in check mode. Never returns a secret (the root credentials are only compared).
author:
  - EGID / UMR 8199 IT team (!UNKNOWN)
options:
  binary_path:
    description: The installed MinIO binary.
    type: path
    default: /usr/local/bin/minio
  env_path:
    description: The settings file of the running service.
    type: path
    default: /etc/default/minio
  data_path:
    description: The data directory, whose owner is returned.
    type: path
    default: /srv/s3/data
  audit_log:
    description: The old actions.log, where the collection's JSON audit log goes too.
    type: path
    default: /opt/minio-admin/logs/actions.log
  pinned_release:
    description: The release the collection installs.
    type: str
    required: true
  root_user:
    description: The root user in the vault.
    type: str
    required: true
  root_password:
    description: The root password in the vault.
    type: str
    required: true
  rotate_root:
    description: Allow replacing running root credentials that differ from the vault's.
    type: bool
    default: false
  volumes:
    description:
      - The C(MINIO_VOLUMES) that M(egid.s3share.minio_server) will write. When the running one differs, adoption
        is refused (MinIO would restart on another directory). Unset skips the comparison.
    type: str
  extra_env_keys:
    description:
      - The keys of C(minio_server_extra_env). A running setting that the collection's settings file neither
        writes nor carries over in them (a C(MINIO_KMS_*), for example) refuses the adoption.
    type: list
    elements: str
    default: []
  read_at_jobs:
    description:
      - Read the C(at) queue and return the jobs that remove a MinIO user (C(found.at_jobs)), so that check
        mode predicts what M(egid.s3share.minio_adopt) will take over even before the admin tooling exists.
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    description: Reads and decides the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is no diff.
  idempotent:
    support: full
    description: Never changes anything.
"""

EXAMPLES = r"""
- name: Decide the adoption
  egid.s3share.adopt_info:
    pinned_release: RELEASE.2025-10-15T17-29-55Z
    root_user: "{{ minio_server_root_user }}"
    root_password: "{{ minio_server_root_password }}"
  register: adoption
"""

RETURN = r"""
plan:
  description: installed_release, pinned_release, upgrade, rotate_root, archive_log, archive_path,
    root_credentials (match, differ or unknown) and problems (the refusals, empty when adoption may go on).
  returned: always
  type: dict
found:
  description: What was read (no secret), including data_owner and data_group of O(data_path), env_keys and
    at_jobs.
  returned: always
  type: dict
"""

import grp
import os
import pwd

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.egid.s3share.plugins.module_utils._host import adopt_plan, at_queue


def _read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def _owner(path):
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None, None
    try:
        owner = pwd.getpwuid(st.st_uid).pw_name
    except KeyError:
        owner = str(st.st_uid)
    try:
        group = grp.getgrgid(st.st_gid).gr_name
    except KeyError:
        group = str(st.st_gid)
    return owner, group


def _at_jobs(module):
    """The queued jobs that remove a MinIO user (none when at is not installed)."""
    if not module.get_bin_path("atq"):
        return []

    def run(argv):
        rc, out, err = module.run_command(argv, environ_update={"LC_ALL": "C"})
        if rc != 0:
            module.fail_json(msg="Failed to run %s: %s" % (" ".join(argv), (err or out).strip()))
        return out

    try:
        queue = at_queue.read_queue(lambda: run(["atq"]), lambda job_id: run(["at", "-c", str(job_id)]))
    except at_queue.AtQueueError as exc:
        module.fail_json(msg="Failed to read the at queue: %s" % exc)
    # The same reading as egid.s3share.minio_adopt: a job it cannot read is listed with its error.
    return [{"id": job["id"], "runs_at": job["runs_at"].strftime("%Y-%m-%dT%H:%M:%SZ"),
             "access_keys": [r["access_key"] for r in job["removes"]], "other": job["other"],
             "error": job.get("error")}
            for job in queue if job["removes"] or job.get("error")]


def main():
    module = AnsibleModule(argument_spec=dict(
        binary_path=dict(type="path", default="/usr/local/bin/minio"),
        env_path=dict(type="path", default="/etc/default/minio"),
        data_path=dict(type="path", default="/srv/s3/data"),
        audit_log=dict(type="path", default="/opt/minio-admin/logs/actions.log"),
        pinned_release=dict(type="str", required=True),
        root_user=dict(type="str", required=True, no_log=False),
        root_password=dict(type="str", required=True, no_log=True),
        rotate_root=dict(type="bool", default=False),
        volumes=dict(type="str"),
        extra_env_keys=dict(type="list", elements="str", default=[], no_log=False),
        read_at_jobs=dict(type="bool", default=True),
    ), supports_check_mode=True)
    p = module.params
    binary = {"path": p["binary_path"], "exists": os.path.exists(p["binary_path"]), "version_output": None}
    if binary["exists"]:
        rc, out, err = module.run_command([p["binary_path"], "--version"], environ_update={"LC_ALL": "C"})
        binary["version_output"] = (out or err).strip()
    env_text = _read(p["env_path"])
    env = adopt_plan.parse_env_file(env_text) if env_text is not None else None
    log_text = _read(p["audit_log"])
    audit_log = dict(path=p["audit_log"], exists=log_text is not None, **adopt_plan.legacy_log_state(log_text))
    found = {"binary": binary, "env": env, "env_path": p["env_path"], "audit_log": audit_log,
             "archive_exists": os.path.exists(p["audit_log"] + ".pre-adoption")}
    try:
        decided = adopt_plan.plan(found, p["pinned_release"], p["root_user"], p["root_password"],
                                  rotate_root=p["rotate_root"], volumes=p["volumes"],
                                  extra_keys=p["extra_env_keys"])
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    owner, group = _owner(p["data_path"])
    shown = dict(found, env=None, env_keys=sorted(env) if env is not None else None,
                 volumes=(env or {}).get("MINIO_VOLUMES"), data_owner=owner, data_group=group,
                 at_jobs=_at_jobs(module) if p["read_at_jobs"] else None)
    module.exit_json(changed=False, plan=decided, found=shown)


if __name__ == "__main__":
    main()
