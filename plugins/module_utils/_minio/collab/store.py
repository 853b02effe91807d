# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collaborator records: one JSON object per collaborator in the admin bucket, read and written as root.

No Ansible import: the server-side sweep and the s3share command use this file.
"""

import io
import json

from ansible_collections.egid.s3share.plugins.module_utils._minio.bucket import bucket_exists
from ansible_collections.egid.s3share.plugins.module_utils._minio.collab.validation import RecordError
from ansible_collections.egid.s3share.plugins.module_utils._minio.errors import absent_if_not_found, call, translated
from ansible_collections.egid.s3share.plugins.module_utils._minio.names import (
    DEFAULT_RECORDS_BUCKET, RECORD_PREFIX, record_key,
)


class CollaboratorStore:
    """Records in the admin bucket, read and written with the root client."""

    def __init__(self, s3, bucket=DEFAULT_RECORDS_BUCKET):
        self.s3 = s3
        self.bucket = bucket
        self._exists = None

    def bucket_exists(self):
        if self._exists is None:
            self._exists = bucket_exists(self.s3, self.bucket)
        return self._exists

    def ensure_bucket(self):
        if self.bucket_exists():
            return False
        call("create", "bucket %s" % self.bucket, self.s3.make_bucket, self.bucket)
        self._exists = True
        return True

    def get(self, name):
        """The record, None when there is none; RecordError when it is not JSON."""
        if not self.bucket_exists():
            return None
        response = None
        try:
            with translated("read", "collaborator record %s" % name, not_found_ok=True) as outcome:
                response = self.s3.get_object(self.bucket, record_key(name))
                data = response.read()
        finally:
            if response is not None:
                response.close()
                response.release_conn()
        if outcome.not_found:
            return None
        try:
            return json.loads(data.decode("utf-8"))
        except ValueError as exc:
            raise RecordError(name, "not valid JSON (%s)" % exc)

    @staticmethod
    def _encode(record):
        return json.dumps(record, sort_keys=True, indent=1).encode("utf-8")

    def create(self, record):
        """Write a new record only if none exists (If-None-Match: *). False when one already does."""
        data = self._encode(record)
        headers = {"If-None-Match": "*", "Content-Type": "application/json"}
        with translated("create", "collaborator record %s" % record["name"],
                        ok_codes=("PreconditionFailed",)) as outcome:
            # minio-py's put_object turns unknown headers into user metadata, so the conditional
            # write goes through its signed request helper.
            self.s3._execute("PUT", self.bucket, record_key(record["name"]),  # pylint: disable=protected-access
                             body=data, headers=headers)
        return outcome.code is None

    def put(self, record):
        data = self._encode(record)
        call("write", "collaborator record %s" % record["name"], self.s3.put_object, self.bucket,
             record_key(record["name"]), io.BytesIO(data), len(data), content_type="application/json")

    def delete(self, name):
        absent_if_not_found("remove", "collaborator record %s" % name, self.s3.remove_object, self.bucket,
                            record_key(name))

    def names(self):
        """Every record's name (one listing of the records folder)."""
        if not self.bucket_exists():
            return []
        result = []
        with translated("list", "collaborator records in bucket %s" % self.bucket):
            for obj in self.s3.list_objects(self.bucket, prefix=RECORD_PREFIX, recursive=True):
                key = obj.object_name
                if key.endswith(".json") and "/" not in key[len(RECORD_PREFIX):]:
                    result.append(key[len(RECORD_PREFIX):-len(".json")])
        return sorted(result)
