# -*- coding: utf-8 -*-
"""Conformance: MinIO's own minio-py functional suite (issue 26) against the SeaweedFS we build.

The suite and its runner are those of tests/integration/minio/test_minio_py_functional.py, where MinIO
passes every case. SeaweedFS fails the four below, each a MinIO extension or S3 Select; the set is
checked exactly, so a case that starts or stops failing shows up here (and docs/seaweedfs.md is updated).
"""

from __future__ import annotations

import s3_conformance

CASES = 61
# case -> why SeaweedFS 4.53 fails it (the same table is in docs/seaweedfs.md)
EXPECTED_FAILURES = {
    # MinIO's versioning extension (<ExcludeFolders>, <ExcludedPrefixes>): SeaweedFS keeps Enabled
    # and drops the extension, so get_bucket_versioning reads exclude_folders back as False.
    "test_set_get_bucket_versioning": "exclude_folders",
    # S3 Select (SelectObjectContent): not implemented, answered 405 MethodNotAllowed.
    "test_select_object_content": "MethodNotAllowed",
    # MinIO's snowball upload (a tar with X-Amz-Meta-Snowball-Auto-Extract, unpacked by the server):
    # SeaweedFS refuses it with InvalidRequest.
    "test_upload_snowball_objects": "InvalidRequest",
    "test_upload_snowball_objects_with_staging": "InvalidRequest",
}


def test_seaweedfs_fails_only_the_recorded_cases_of_the_minio_py_suite(weed, tmp_path):
    results = s3_conformance.run_suite("127.0.0.1:%d" % weed.ports["s3"], weed.admin_key, weed.admin_secret,
                                       weed.ca_path, tmp_path)
    assert len(results) == CASES, [entry["name"] for entry in results]
    failures = s3_conformance.failing(results)
    assert sorted(failures) == sorted(EXPECTED_FAILURES), failures
    for name, marker in EXPECTED_FAILURES.items():
        assert marker in failures[name], (name, failures[name])
