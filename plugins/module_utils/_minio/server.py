# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the server says about itself (minio_info's server subset).

No Ansible import.
"""

import json

from ansible_collections.egid.s3share.plugins.module_utils._minio.errors import translated


def server_info(admin):
    """Mode, versions, KMS and usage of the server, in the module's vocabulary (one admin call)."""
    with translated("read", "server information"):
        info = json.loads(admin.info() or "{}")
    services = info.get("services") or {}
    kms_status = services.get("kmsStatus") or []
    return {
        "mode": info.get("mode"),
        "deployment_id": info.get("deploymentID"),
        "versions": sorted(set(s.get("version") for s in info.get("servers") or [] if s.get("version"))),
        "kms": bool(kms_status) and all(s.get("status") == "online" for s in kms_status),
        "buckets": (info.get("buckets") or {}).get("count"),
        "objects": (info.get("objects") or {}).get("count"),
        "usage_bytes": (info.get("usage") or {}).get("size"),
    }
