#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: host_info
short_description: Read the accounts, files, units, packages and disks the roles decide on, in one run
version_added: 0.1.0
description:
  - Reads, in one module run, the host state a role needs before it acts. Accounts and groups from the
    passwd and group databases, files with C(lstat) and their sha256, units with one C(systemctl show),
    packages with one C(dpkg-query), and the disks with C(lsblk), C(blkid --probe), C(findmnt) and
    C(/etc/fstab).
  - Returns typed values (numbers, booleans, octal mode strings) so that a role compares them to the
    same "wanted" structure its acting task uses, with P(egid.s3share.needs_change#filter) and
    P(egid.s3share.storage_plan#filter), instead of parsing a shell probe's text.
  - Changes nothing.
author:
  - EGID / UMR 8199 IT team (!UNKNOWN)
attributes:
  check_mode:
    support: full
    description: Reads the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is no diff.
  idempotent:
    support: full
    description: Never changes anything.
options:
  accounts:
    description: Account names to look up.
    type: list
    elements: str
    default: []
  groups:
    description: Group names to look up.
    type: list
    elements: str
    default: []
  files:
    description: Paths to C(lstat). A symbolic link is described itself, not followed.
    type: list
    elements: path
    default: []
  units:
    description: systemd units to describe, for example C(minio.service).
    type: list
    elements: str
    default: []
  packages:
    description: Debian packages whose installation is checked.
    type: list
    elements: str
    default: []
  disks:
    description:
      - When given, the block devices, their signatures, the mounts and the fstab entries are read.
    type: dict
    suboptions:
      sizes:
        description:
          - Sizes in bytes of the wanted disks. Only devices of one of these sizes are probed with
            C(blkid --probe), so that a role never opens a disk it has no business with.
        type: list
        elements: int
        default: []
notes:
  - In a container, C(lsblk) also lists the host's disks (it reads C(/sys)); only those with a device node
    in this host's C(/dev) are returned.
"""

EXAMPLES = r"""
- name: Read the account, the binary and the service
  egid.s3share.host_info:
    accounts: [minio-user]
    groups: [minio-user]
    files: [/usr/local/bin/minio]
    units: [minio.service]
  register: _host

- name: Install the binary only when it differs
  ansible.builtin.copy:
    src: minio
    dest: "{{ _binary.path }}"
    owner: "{{ _binary.owner }}"
    group: "{{ _binary.group }}"
    mode: "{{ _binary.mode }}"
  vars:
    _binary: {path: /usr/local/bin/minio, owner: root, group: root, mode: "0755", sha256: "{{ minio_sha256 }}"}
  when: _binary | egid.s3share.needs_change(_host.files[_binary.path])

- name: Read the disks of 200 GiB and 5 TiB
  egid.s3share.host_info:
    disks:
      sizes: [214748364800, 5497558138880]
"""

RETURN = r"""
accounts:
  description: For each account asked, whether it exists and its passwd entry.
  returned: always
  type: dict
  sample: {"minio-user": {"exists": true, "uid": 999, "gid": 999, "group": "minio-user",
           "home": "/nonexistent", "shell": "/usr/sbin/nologin"}}
groups:
  description: For each group asked, whether it exists and its gid.
  returned: always
  type: dict
  sample: {"minio-user": {"exists": true, "gid": 999}}
files:
  description:
    - For each path asked, whether it exists, its type (file, directory, link, other), owner, group, uid, gid,
      mode (four octal digits), size, the sha256 of a regular file, and a link's target as written and resolved
      (realpath).
  returned: always
  type: dict
  sample: {"/usr/local/bin/minio": {"exists": true, "type": "file", "owner": "root", "group": "root",
           "uid": 0, "gid": 0, "mode": "0755", "size": 104857600, "sha256": "9f86d0..."}}
units:
  description: For each unit asked, its LoadState (load_state), UnitFileState (enabled) and ActiveState (active).
  returned: always
  type: dict
  sample: {"minio.service": {"load_state": "loaded", "enabled": "enabled", "active": "active"}}
packages:
  description: For each package asked, whether it is installed.
  returned: always
  type: dict
  sample: {"xfsprogs": true}
block_devices:
  description: Block devices of this host (whole disks and loop devices, no partitions), with size in bytes.
  returned: always
  type: list
  elements: dict
  sample: [{"name": "/dev/sdc", "size": 5497558138880, "type": "disk", "ro": false, "serial": "drive-scsi2", "wwn": ""}]
signatures:
  description: For each device of a wanted size, what C(blkid --probe) found; blank when it found nothing.
  returned: always
  type: dict
  sample: {"/dev/sdc": {"blank": false, "type": "xfs", "uuid": "0b6f...", "pttype": "", "label": "s3data"}}
mounts:
  description: The mount table (source, target, fstype).
  returned: always
  type: list
  elements: dict
fstab:
  description: The entries of C(/etc/fstab) (source, target, fstype, options, dump, passno).
  returned: always
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.egid.s3share.plugins.module_utils._host import host_state


def main():
    module = AnsibleModule(
        argument_spec=dict(
            accounts=dict(type="list", elements="str", default=[]),
            groups=dict(type="list", elements="str", default=[]),
            files=dict(type="list", elements="path", default=[]),
            units=dict(type="list", elements="str", default=[]),
            packages=dict(type="list", elements="str", default=[]),
            disks=dict(type="dict", options=dict(sizes=dict(type="list", elements="int", default=[]))),
        ),
        supports_check_mode=True,
    )

    def run(argv):
        return module.run_command(argv, environ_update={"LC_ALL": "C"})

    try:
        state = host_state.read_host(
            run, accounts=module.params["accounts"], groups=module.params["groups"],
            files=module.params["files"], units=module.params["units"],
            packages=module.params["packages"], disks=module.params["disks"])
    except host_state.HostStateError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, **state)


if __name__ == "__main__":
    main()
