# -*- coding: utf-8 -*-
"""The SigV4 signer of _seaweedfs/iam_api.py gives the same Authorization as botocore's, an independent signer.

The server side (that SeaweedFS accepts these requests and what each action does) is proved against the real
server in tests/integration/seaweedfs/test_weed_iam_api.py.
"""

import datetime
import hashlib

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from ansible_collections.egid.s3share.plugins.module_utils._seaweedfs.iam_api import sign_v4

ACCESS, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}


def _botocore(method, url, headers, body, region, service):
    request = AWSRequest(method=method, url=url, data=body, headers=dict(headers))
    SigV4Auth(Credentials(ACCESS, SECRET), service, region).add_auth(request)
    return request


@pytest.mark.parametrize("url, body, region, service", [
    ("https://127.0.0.1:8333/", b"Action=ListUsers&Version=2010-05-08", "us-east-1", "iam"),
    ("https://nectar.egid.local:9000/", b"Action=CreateUser&UserName=collab-chu-liege&Version=2010-05-08",
     "eu-west-3", "iam"),
    ("https://127.0.0.1:8333/bucket/a%20b/c.txt?x-id=GetObject&acl=", b"", "us-east-1", "s3"),
])
def test_the_signature_is_botocore_s(url, body, region, service):
    headers = dict(FORM, **{"X-Amz-Content-Sha256": hashlib.sha256(body).hexdigest()})
    reference = _botocore("POST", url, headers, body, region, service)
    when = datetime.datetime.strptime(reference.headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(
        tzinfo=datetime.timezone.utc)
    mine = sign_v4("POST", url, FORM, body, ACCESS, SECRET, region, service, when)
    assert mine["X-Amz-Date"] == reference.headers["X-Amz-Date"]
    assert mine["Authorization"] == reference.headers["Authorization"]


def test_the_secret_is_in_no_header():
    headers = sign_v4("POST", "https://127.0.0.1:8333/", FORM, b"Action=ListUsers", ACCESS, SECRET, "us-east-1", "iam",
                      datetime.datetime(2026, 12, 7, 12, 0, tzinfo=datetime.timezone.utc))
    assert all(SECRET not in value for value in headers.values())
    assert headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261207/us-east-1/iam/")
