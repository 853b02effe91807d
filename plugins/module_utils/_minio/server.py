# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the server says about itself (minio_info's server subset).

No Ansible import.
"""

import json

from ansible_collections.egid.s3share.plugins.module_utils._minio.errors import translated


def patch_level(edition):
    """{"level", "advisories"} from a server's ``edition`` (our build: "egid.2 (CVE-2026-41145, ...)";
    docs/security.md). An upstream build leaves it empty: level "" and no advisories."""
    text = (edition or "").strip()
    level, dummy, rest = text.partition(" ")
    if not level.startswith("egid."):
        return {"level": "", "advisories": []}
    advisories = [a.strip() for a in rest.strip().strip("()").split(",") if a.strip()]
    return {"level": level, "advisories": advisories}


def server_info(admin):
    """Mode, versions, KMS and usage of the server, in the module's vocabulary (one admin call)."""
    with translated("read", "server information"):
        info = json.loads(admin.info() or "{}")
    services = info.get("services") or {}
    kms_status = services.get("kmsStatus") or []
    servers = info.get("servers") or []
    levels = [patch_level(s.get("edition")) for s in servers]
    return {
        "mode": info.get("mode"),
        "deployment_id": info.get("deploymentID"),
        "versions": sorted(set(s.get("version") for s in servers if s.get("version"))),
        "patch_levels": sorted(set(level["level"] for level in levels)),
        # Fixed on every server: during a rolling upgrade only what all of them fix counts.
        "advisories": sorted(set.intersection(*[set(level["advisories"]) for level in levels])) if levels else [],
        "kms": bool(kms_status) and all(s.get("status") == "online" for s in kms_status),
        "buckets": (info.get("buckets") or {}).get("count"),
        "objects": (info.get("objects") or {}).get("count"),
        "usage_bytes": (info.get("usage") or {}).get("size"),
    }
