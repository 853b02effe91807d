# -*- coding: utf-8 -*-
"""server.patch_level: the patch level a server reports in the admin API's edition field (patch 0014)."""

from __future__ import annotations

import pytest

from ansible_collections.egid.s3share.plugins.module_utils._minio.server import patch_level


@pytest.mark.parametrize("edition,expected", [
    ("egid.2 (CVE-2026-41145, CVE-2026-40344, EGID-2026-002)",
     {"level": "egid.2", "advisories": ["CVE-2026-41145", "CVE-2026-40344", "EGID-2026-002"]}),
    ("egid.10 ()", {"level": "egid.10", "advisories": []}),
    ("", {"level": "", "advisories": []}),
    (None, {"level": "", "advisories": []}),
    ("Enterprise", {"level": "", "advisories": []}),
])
def test_patch_level(edition, expected):
    assert patch_level(edition) == expected
