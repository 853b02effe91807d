#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: mc_config
short_description: Write the mc aliases, the mc directories and the lab CA of local users
version_added: 0.1.0
description:
  - For each user named in O(aliases), keeps C(~/.mc), C(~/.mc/certs) and C(~/.mc/certs/CAs) (mode 0700), the lab
    CA in C(~/.mc/certs/CAs) (with O(ca_content)) and C(~/.mc/config.json) (mode 0600), all owned by the user and
    its primary group.
  - The aliases are merged into the existing C(config.json) on the host. Other aliases and settings are kept; an
    alias of this list replaces the alias of that name as a whole (C(url), C(accessKey), C(secretKey),
    C(api=S3v4), C(path=auto)), and the file's C(version) becomes V(10).
  - The configuration is read and merged on the host and never returned, so no user's secrets travel to the
    controller. A diff shows the aliases with every secret key masked.
  - Every user and every path is read and judged before the first write. A user that does not exist, a
    C(config.json) that is not an mc configuration, or a path in the wrong state (a symbolic link, a file where
    a directory is wanted) refuses the whole run, and nothing is changed. Files are replaced atomically
    (a temporary file in the same directory, owner and mode set before any byte is written, then a rename).
author:
  - EGID / UMR 8199 IT team (!UNKNOWN)
attributes:
  check_mode:
    support: full
    description: Reports exactly which paths would change, and writes nothing.
  diff_mode:
    support: full
    description: One diff for the attributes and one for the content of each changed path; secret keys are masked.
  idempotent:
    support: full
    description: A second run with the same aliases reports no change.
options:
  aliases:
    description: The aliases to write, one per entry.
    type: list
    elements: dict
    required: true
    suboptions:
      user:
        description: The local account that gets the alias.
        type: str
        required: true
      alias:
        description: The alias name; O(default_alias) when unset or empty.
        type: str
      url:
        description: The S3 endpoint URL.
        type: str
        required: true
      access_key:
        description: The access key.
        type: str
        required: true
      secret_key:
        description: The secret key. Never returned, logged or shown in a diff.
        type: str
        required: true
  default_alias:
    description: The alias name of an entry that does not name one.
    type: str
    default: nectar
  ca_content:
    description: The lab CA certificate (PEM) to write into each user's C(~/.mc/certs/CAs); unset or empty for none.
    type: str
  ca_name:
    description: The file name of that CA in C(~/.mc/certs/CAs), without the C(.crt) extension.
    type: str
    default: egid-s3share-ca
"""

EXAMPLES = r"""
- name: Give alice the nectar alias and the lab CA
  egid.s3share.mc_config:
    aliases:
      - user: alice
        url: https://nectar.example:9000
        access_key: alice
        secret_key: "{{ vault_alice_secret }}"
    ca_content: "{{ lookup('ansible.builtin.file', 'files/lab-ca.crt', rstrip=false) }}"
"""

RETURN = r"""
users:
  description: Each user, its config.json and the aliases written (names and URLs, never the keys).
  returned: always
  type: list
  elements: dict
  sample:
    - user: alice
      config: /home/alice/.mc/config.json
      aliases:
        nectar: https://nectar.example:9000
      changed: true
entries:
  description: One record per path (V(path), V(state), V(changed), V(changes)), as M(egid.s3share.file_set) returns them.
  returned: always
  type: list
  elements: dict
changed_paths:
  description: The paths that changed (or would change, in check mode).
  returned: always
  type: list
  elements: str
planned_parents:
  description: In check mode, parent directories (a home) that do not exist yet.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.egid.s3share.plugins.module_utils._host import file_set
from ansible_collections.egid.s3share.plugins.module_utils._host import mc_config


def main():
    module = AnsibleModule(
        argument_spec=dict(
            aliases=dict(
                type="list", elements="dict", required=True,
                options=dict(
                    user=dict(type="str", required=True),
                    alias=dict(type="str"),
                    url=dict(type="str", required=True),
                    access_key=dict(type="str", required=True, no_log=False),
                    secret_key=dict(type="str", required=True, no_log=True),
                ),
            ),
            default_alias=dict(type="str", default="nectar"),
            ca_content=dict(type="str"),
            ca_name=dict(type="str", default="egid-s3share-ca"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    try:
        planned = mc_config.plan(params["aliases"], params["default_alias"], params["ca_content"],
                                 params["ca_name"], module.check_mode)
    except (mc_config.McConfigError, file_set.FileSetError) as exc:
        module.fail_json(msg="Nothing was changed. %s" % exc)
    except OSError as exc:
        module.fail_json(msg="Nothing was changed. Failed to read %s: %s" % (exc.filename, exc.strerror))

    done = []
    if not module.check_mode:
        for entry in planned.changed:
            try:
                entry.apply()
            except OSError as exc:
                module.fail_json(msg="Failed to write %s: %s" % (entry.path, exc.strerror),
                                 changed=bool(done), changed_paths=done)
            done.append(entry.path)

    result = planned.report()
    if module._diff:
        result["diff"] = planned.diffs()
    module.exit_json(changed=bool(planned.changed), **result)


if __name__ == "__main__":
    main()
