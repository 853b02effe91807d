#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: admin_install_info
short_description: Read the collection and the Python SDK that the minio_admin role installs on a server
version_added: 0.1.0
description:
  - Reports the collection installed under O(collection_parent) by the P(egid.s3share.minio_admin#role) role
    (a symbolic link C(s3share) to a version directory C(.s3share-*) next to it) with the tree digest of that
    version, and whether the Python environment of O(python) has a distribution that satisfies O(requirement).
  - The tree digest is the one the role's build step computes from the tarball on the controller (both come
    from the collection's C(_host/collection_tree) module utility), so equal digests mean the host holds
    exactly the built collection.
  - Read-only. The accounts, files and units of the host are read with M(egid.s3share.host_info).
author:
  - EGID / UMR 8199 IT team (!UNKNOWN)
attributes:
  check_mode:
    support: full
    description: Reads only; runs the same in check mode.
  diff_mode:
    support: none
    description: Reads only; there is nothing to show as a diff.
  idempotent:
    support: full
    description: Never changes anything.
options:
  collection_parent:
    description: The directory that holds the C(s3share) link and the version directories.
    type: path
    required: true
  python:
    description: The interpreter of the Python environment to check, such as the admin venv's C(bin/python).
    type: path
  requirement:
    description:
      - A requirement specifier such as V(minio>=7.2.15,<8.0), checked with the packaging library that the
        environment's pip vendors. Needs O(python).
    type: str
"""

EXAMPLES = r"""
- name: Read the installed collection and the venv's SDK
  egid.s3share.admin_install_info:
    collection_parent: /opt/minio-admin/lib/ansible_collections/egid
    python: /opt/minio-admin/venv/bin/python
    requirement: minio>=7.2.15,<8.0
  register: installed
"""

RETURN = r"""
collection:
  description: The installed collection.
  returned: always
  type: dict
  contains:
    path:
      description: The path of the C(s3share) link.
      type: str
    kind:
      description: V(link), V(directory) (a plain directory of an older install), V(other) or V(missing).
      type: str
    version:
      description: The version directory the link points to; null unless it is one of O(collection_parent)'s.
      type: str
    digest:
      description: The tree digest of that version directory; null without a version.
      type: str
    versions:
      description: Every version directory found, sorted.
      type: list
      elements: str
  sample:
    path: /opt/minio-admin/lib/ansible_collections/egid/s3share
    kind: link
    version: .s3share-0123456789ab-20260101T000000
    digest: 3f4c0e9d7a3b5e2f0f6a1c1d1b9e8f7a6d5c4b3a29180716f5e4d3c2b1a09f8e
    versions: [.s3share-0123456789ab-20260101T000000]
requirement_satisfied:
  description: Whether O(python) exists and its environment satisfies O(requirement); false without them.
  returned: always
  type: bool
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.egid.s3share.plugins.module_utils._host import collection_tree


def main():
    module = AnsibleModule(
        argument_spec=dict(
            collection_parent=dict(type="path", required=True),
            python=dict(type="path"),
            requirement=dict(type="str"),
        ),
        required_by={"requirement": "python"},
        supports_check_mode=True,
    )
    params = module.params
    try:
        collection = collection_tree.installed_collection(params["collection_parent"])
    except OSError as exc:
        module.fail_json(msg="Failed to read the installed collection under %s: %s"
                         % (params["collection_parent"], exc))
    satisfied = bool(params["python"] and params["requirement"]
                     and collection_tree.requirement_satisfied(params["python"], params["requirement"]))
    module.exit_json(changed=False, collection=collection, requirement_satisfied=satisfied)


if __name__ == "__main__":
    main()
