# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Names shared by the MinIO side: where the collaborator records live and what their policies are called.

Generic code (the module wrapper, the IAM set, the metrics) imports these
from here, not from the collaborator package. No Ansible import.
"""

DEFAULT_RECORDS_BUCKET = "s3share-admin"
RECORD_PREFIX = "collaborators/"
POLICY_PREFIX = "collab-"


def policy_name(name):
    return POLICY_PREFIX + name


def record_key(name):
    return "%s%s.json" % (RECORD_PREFIX, name)
