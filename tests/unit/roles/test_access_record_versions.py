# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The access audit keeps the version a request named (issue 20, item 3): a delete of one version is for good,
a delete without one only adds a delete marker, and the log must tell them apart.

MinIO puts the versionId of a single-object request in the entry's requestQuery, and those of a multi-object
delete in api.objects (madmin-go's audit.Entry); the receiver keeps no other query parameter."""

import importlib.machinery
import importlib.util
import os

_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def _load_receiver():
    path = os.path.join(_REPO, "roles", "monitoring", "files", "access_audit_receiver.py")
    loader = importlib.machinery.SourceFileLoader("access_audit_receiver_versions", path)
    spec = importlib.util.spec_from_loader("access_audit_receiver_versions", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


receiver = _load_receiver()


def test_a_delete_of_one_version_keeps_its_version_id_and_no_other_query_parameter():
    entry = {"time": "2026-12-04T20:00:00Z", "accessKey": "sgressier-s3",
             "api": {"name": "DeleteObject", "bucket": "ligan", "object": "data/run.txt", "statusCode": 204},
             "requestQuery": {"versionId": "1af94d31-1e26-4ff2-8e7e-b8aa6d332918",
                              "X-Amz-Signature": "abcdef0123456789"}}
    record = receiver.access_record(entry)
    assert record["version_id"] == "1af94d31-1e26-4ff2-8e7e-b8aa6d332918"
    assert "abcdef0123456789" not in repr(record)
    soft = receiver.access_record(dict(entry, requestQuery={}))
    assert "version_id" not in soft


def test_a_multi_object_delete_keeps_each_version_id():
    entry = {"api": {"name": "DeleteMultipleObjects", "bucket": "ligan", "statusCode": 200,
                     "objects": [{"objectName": "data/a.txt", "versionId": "v-1"}, {"objectName": "data/b.txt"}]}}
    record = receiver.access_record(entry)
    assert record["objects"] == ["data/a.txt", "data/b.txt"]
    assert record["object_versions"] == [{"object": "data/a.txt", "version_id": "v-1"}]
