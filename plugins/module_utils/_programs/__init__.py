# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The server programs: what runs on nectar outside Ansible, one file each, each with its main().

- s3share.py: the s3share command, run through sudo (the verbs are in _s3share/cli.py);
- sweep.py: collaborator-sweep, run by the minio_admin role's timer;
- collector.py: s3share-textfile-collector, run by the monitoring role's timer;
- backup.py: s3share-backup, run by the backup role's timer.

Each reads the root-only admin.json through connection.read_admin_config, the
one config reader, and runs on the collection that minio_admin installs, behind
a launcher of a few lines (a template in its role) started with ``python -I``.
This package sits above _minio, _s3share and _backup, and nothing imports it.
No Ansible import.
"""
