# -*- coding: utf-8 -*-
"""Raw HTTP for the advisory regression tests: the exploits are sent byte for byte.

Every request goes to the loopback test server of minio_testbed.py, with TLS
verified through the test CA. ``forged_*`` build the credentials an attacker
has: a real access key (internal access keys are user names) with a
signature of zeros.
"""

from __future__ import annotations

import datetime
import hashlib
import http.client
import json
import re
import secrets
import ssl
from dataclasses import dataclass, field

ZERO_SIGNATURE = "0" * 64
UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict = field(default_factory=dict)

    @property
    def code(self):
        """The S3 error code of an XML error body, or None."""
        match = re.search(rb"<Code>([^<]+)</Code>", self.body or b"")
        return match.group(1).decode() if match else None


def connect(server, port=None):
    context = ssl.create_default_context(cafile=server.ca_path)
    return http.client.HTTPSConnection("127.0.0.1", port or server.port, context=context, timeout=60)


def send(server, method, path, body=b"", headers=None, conn=None, port=None) -> Reply:
    """One request; on ``conn`` when given (kept open), else on a new connection."""
    own = conn is None
    conn = conn or connect(server, port)
    try:
        conn.request(method, path, body=body or None, headers=dict(headers or {}))
        response = conn.getresponse()
        data = response.read()
        return Reply(response.status, data, {k.lower(): v for k, v in response.getheaders()})
    finally:
        if own:
            conn.close()


def signed_headers(server, method, path, access_key, secret_key, body=b"", headers=None):
    """SigV4 headers (payload hashed) for ``path``, as botocore computes them."""
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    headers = dict(headers or {})
    headers["x-amz-content-sha256"] = hashlib.sha256(body).hexdigest()
    request = AWSRequest(method=method, url=server.endpoint + path, data=body, headers=headers)
    S3SigV4Auth(Credentials(access_key, secret_key), "s3", "us-east-1").add_auth(request)
    return dict(request.headers.items())


def _scope(access_key):
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y%m%dT%H%M%SZ"), "%s/%s/us-east-1/s3/aws4_request" % (access_key, now.strftime("%Y%m%d"))


def forged_authorization(access_key):
    """Headers of a SigV4 Authorization that names ``access_key`` with a signature of zeros."""
    amz_date, scope = _scope(access_key)
    return {"x-amz-date": amz_date,
            "Authorization": "AWS4-HMAC-SHA256 Credential=%s, SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
                             "Signature=%s" % (scope, ZERO_SIGNATURE)}


def forged_query(access_key):
    """A query string of SigV4 credentials for ``access_key`` with a signature of zeros."""
    from urllib.parse import urlencode
    amz_date, scope = _scope(access_key)
    return urlencode({"X-Amz-Algorithm": "AWS4-HMAC-SHA256", "X-Amz-Credential": scope, "X-Amz-Date": amz_date,
                      "X-Amz-Expires": "3600", "X-Amz-SignedHeaders": "host", "X-Amz-Signature": ZERO_SIGNATURE})


def make_user(server, statements, tag="adv"):
    """A new internal user whose only policy is ``statements``; returns (access_key, secret_key)."""
    dummy, admin = server.clients()
    access_key = tag + secrets.token_hex(4)
    secret_key = secrets.token_urlsafe(24)
    admin.user_add(access_key, secret_key)
    name = "p-" + access_key
    admin.policy_add(name, policy={"Version": "2012-10-17", "Statement": statements})
    admin.attach_policy([name], user=access_key)
    return access_key, secret_key


def object_exists(server, bucket, key):
    from minio.error import S3Error
    s3, dummy = server.clients()
    try:
        s3.stat_object(bucket, key)
        return True
    except S3Error as exc:
        if exc.code in ("NoSuchKey", "NoSuchObject", "ResourceNotFound"):
            return False
        raise


def new_bucket(server, tag="adv"):
    s3, dummy = server.clients()
    bucket = tag + "-" + secrets.token_hex(4)
    s3.make_bucket(bucket)
    return bucket


def dumps(value):
    return json.dumps(value, sort_keys=True)
