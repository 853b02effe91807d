#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: file_set
short_description: Keep a set of directories and small text files in the declared state in one pass
version_added: 0.1.0
description:
  - Creates directories and writes small text files (configuration, units, certificates, credentials)
    with their owner, group and mode, all in a single module run.
  - The roles of this collection use it where they would otherwise run one
    M(ansible.builtin.file), M(ansible.builtin.copy) or M(ansible.builtin.template) task per path. Each
    of those costs at least one module run on the host (two for an unchanged copy or template), so a
    converge with nothing to do spent most of its time starting Python on the host. One set is one run.
  - Every entry is read and judged before the first write. A missing owner or group, a symbolic link,
    a file where a directory is wanted (or the reverse) or a missing parent directory refuses the whole
    set, and nothing is changed.
  - Files are replaced atomically (a temporary file in the same directory, fsync, rename), keeping the SELinux
    label of the file replaced. The owner and mode are set on the temporary file before its content is written.
  - Large or binary files (the MinIO and mc binaries) are not for this module; use M(ansible.builtin.copy).
  - This module configures the host; it does not write the MinIO audit log, which records S3 actions.
author:
  - EGID / UMR 8199 IT team (!UNKNOWN)
attributes:
  check_mode:
    support: full
    description: >-
      Reports exactly which entries would change and how, and writes nothing. An owner, a group or a
      parent directory that an earlier task of the same check run would create is reported in
      RV(planned_accounts) or RV(planned_parents) instead of failing.
  diff_mode:
    support: full
    description: One diff for the attributes and one for the content of each changed entry; secret content is never shown.
  idempotent:
    support: full
    description: A second run with the same entries reports no change.
options:
  entries:
    description:
      - The directories and files, applied in this order. A parent directory must exist or come earlier in the list.
    type: list
    elements: dict
    required: true
    suboptions:
      path:
        description: Absolute path.
        type: path
        required: true
      state:
        description: What the path is.
        type: str
        choices: [directory, file]
        default: file
      content:
        description:
          - The exact content of a file (UTF-8 text). It appears in diffs.
          - Read a controller file with C(lookup('ansible.builtin.file', path, rstrip=false)) to keep its last newline.
        type: str
      secret_content:
        description:
          - The content of a file that holds a secret (a private key, credentials). It is never returned,
            logged or shown in a diff; a diff only says that it changed.
        type: str
      owner:
        description: User name or uid. Unset keeps the current owner (root for a new path).
        type: str
      group:
        description: Group name or gid. Unset keeps the current group.
        type: str
      mode:
        description:
          - Octal mode as a string, such as V('0640'). Unset keeps the current mode (V('0755') for a new
            directory, V('0644') for a new file).
        type: str
"""

EXAMPLES = r"""
- name: Install the certificate directory, the certificate and its key
  egid.s3share.file_set:
    entries:
      - path: /srv/s3/certs
        state: directory
        owner: root
        group: minio-user
        mode: "0750"
      - path: /srv/s3/certs/public.crt
        content: "{{ lookup('ansible.builtin.file', 'files/nectar.crt', rstrip=false) }}"
        owner: root
        group: minio-user
        mode: "0644"
      - path: /srv/s3/certs/private.key
        secret_content: "{{ lookup('ansible.builtin.file', 'files/nectar.key', rstrip=false) }}"
        owner: root
        group: minio-user
        mode: "0640"
  notify: Restart minio
"""

RETURN = r"""
entries:
  description: One record per entry, in the order given. Contents are never returned.
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: The path.
      type: str
    state:
      description: V(directory) or V(file).
      type: str
    changed:
      description: Whether the entry changed (or would change, in check mode).
      type: bool
    changes:
      description: What changed, among V(created), V(content), V(owner), V(group) and V(mode).
      type: list
      elements: str
  sample:
    - path: /srv/s3/certs/public.crt
      state: file
      changed: true
      changes: [content]
changed_paths:
  description: The paths that changed (or would change, in check mode).
  returned: always
  type: list
  elements: str
planned_accounts:
  description: In check mode, owners and groups that do not exist yet (an earlier task would create them).
  returned: always
  type: list
  elements: str
planned_parents:
  description: In check mode, parent directories that do not exist yet (an earlier task would create them).
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.egid.s3share.plugins.module_utils._host import file_set as _file_set


def main():
    module = AnsibleModule(
        argument_spec=dict(
            entries=dict(
                type="list", elements="dict", required=True,
                options=dict(
                    path=dict(type="path", required=True),
                    state=dict(type="str", choices=["directory", "file"], default="file"),
                    content=dict(type="str"),
                    secret_content=dict(type="str", no_log=True),
                    owner=dict(type="str"),
                    group=dict(type="str"),
                    mode=dict(type="str"),
                ),
                mutually_exclusive=[("content", "secret_content")],
            ),
        ),
        supports_check_mode=True,
    )
    try:
        entries, planned = _file_set.plan(module.params["entries"], module.check_mode)
    except _file_set.FileSetError as exc:
        module.fail_json(msg="Nothing was changed. %s" % exc)
    except OSError as exc:
        module.fail_json(msg="Nothing was changed. Failed to read %s: %s" % (exc.filename, exc.strerror))

    changed = [e for e in entries if e.changes]
    if changed and not module.check_mode:
        done = []
        for entry in changed:
            try:
                entry.apply()
            except OSError as exc:
                module.fail_json(msg="Failed to write %s: %s" % (entry.path, exc.strerror),
                                 changed=bool(done), changed_paths=done)
            done.append(entry.path)

    result = dict(
        changed=bool(changed),
        entries=[e.report() for e in entries],
        changed_paths=[e.path for e in changed],
        planned_accounts=planned["accounts"],
        planned_parents=planned["parents"],
    )
    if module._diff:
        result["diff"] = [d for e in changed for d in e.diffs()]
    module.exit_json(**result)


if __name__ == "__main__":
    main()
