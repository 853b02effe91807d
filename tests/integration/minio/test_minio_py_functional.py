# -*- coding: utf-8 -*-
"""Conformance: MinIO's own minio-py functional suite (issue 26) passes in full against the MinIO we build.

The same pinned suite runs against SeaweedFS in tests/integration/seaweedfs/test_weed_minio_py_functional.py;
docs/seaweedfs.md records which cases SeaweedFS fails and why.
"""

from __future__ import annotations

import s3_conformance

# Cases of MINT_MODE=full in minio 7.2.20, counting those that run a second time with SSE-C.
CASES = 61


def test_minio_passes_every_case_of_the_minio_py_suite(server, tmp_path):
    results = s3_conformance.run_suite("127.0.0.1:%d" % server.port, server.access_key, server.secret_key,
                                       server.ca_path, tmp_path)
    assert len(results) == CASES, [entry["name"] for entry in results]
    assert s3_conformance.failing(results) == {}
