# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SeaweedFS's IAM API on its S3 port: one signed POST per action, and the few actions the backend seam needs.

The transport of the SeaweedFS side of the backend seam (docs/architecture.md, issue 26); nothing calls it
from a module yet. Requests are signed with AWS Signature Version 4 (service "iam"), sent with urllib3 (which
the admin venv has, through minio) and verified against the lab's CA. Secrets travel only in the signed
request body, never in the URL; errors carry the server's code and message, never the request.

No Ansible import: the server programs will use this file.
"""

import datetime
import hashlib
import hmac
import urllib.parse
import traceback
import xml.etree.ElementTree as ET

URLLIB3_IMPORT_ERROR = None
try:
    import urllib3
    TRANSPORT_ERRORS = (urllib3.exceptions.HTTPError,)
except ImportError:  # the caller reports it; the admin venv has urllib3 through minio
    URLLIB3_IMPORT_ERROR = traceback.format_exc()
    TRANSPORT_ERRORS = ()

ALGORITHM = "AWS4-HMAC-SHA256"
API_VERSION = "2010-05-08"


class IamApiError(Exception):
    """An action the server refused: status, code (EntityAlreadyExists, NoSuchEntity...) and message."""

    def __init__(self, action, status, code, message):
        detail = code if status is None else "%s, HTTP %s" % (code, status)
        super(IamApiError, self).__init__("Failed to %s: %s (%s)" % (action, message or code, detail))
        self.action = action
        self.status = status
        self.code = code


def _hmac(key, text):
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def sign_v4(method, url, headers, body, access_key, secret_key, region, service, now):
    """The headers to send: the given ones plus Host, X-Amz-Date, X-Amz-Content-Sha256 and Authorization.

    Every header given is signed. now is an aware datetime (the request time).
    """
    parts = urllib.parse.urlsplit(url)
    amz_date = now.astimezone(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    payload_hash = hashlib.sha256(body).hexdigest()
    signed = dict((name.lower(), " ".join(str(value).split())) for name, value in headers.items())
    signed.update({"host": parts.netloc, "x-amz-date": amz_date, "x-amz-content-sha256": payload_hash})
    names = sorted(signed)
    query = "&".join(sorted("%s=%s" % (urllib.parse.quote(k, safe="-_.~"), urllib.parse.quote(v, safe="-_.~"))
                            for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)))
    canonical = "\n".join([method, urllib.parse.quote(parts.path or "/", safe="/-_.~"), query,
                           "".join("%s:%s\n" % (name, signed[name]) for name in names),
                           ";".join(names), payload_hash])
    scope = "%s/%s/%s/aws4_request" % (amz_date[:8], region, service)
    string_to_sign = "\n".join([ALGORITHM, amz_date, scope, hashlib.sha256(canonical.encode("utf-8")).hexdigest()])
    key = _hmac(("AWS4" + secret_key).encode("utf-8"), amz_date[:8])
    for step in (region, service, "aws4_request"):
        key = _hmac(key, step)
    signature = hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    out = dict(headers)
    out.update({"Host": parts.netloc, "X-Amz-Date": amz_date, "X-Amz-Content-Sha256": payload_hash,
                "Authorization": "%s Credential=%s/%s, SignedHeaders=%s, Signature=%s"
                                 % (ALGORITHM, access_key, scope, ";".join(names), signature)})
    return out


def _text(root, tag):
    found = root.find(".//{*}" + tag)
    return None if found is None else (found.text or "")


def _all_text(root, tag):
    return [element.text or "" for element in root.iter() if element.tag.rsplit("}", 1)[-1] == tag]


class IamApi(object):
    """The IAM API of one SeaweedFS S3 gateway (endpoint "https://host:port"), as one identity.

    http is a urllib3 PoolManager (or anything with its request()) that verifies the server's certificate.
    """

    def __init__(self, endpoint, access_key, secret_key, http, region="us-east-1", clock=None):
        self.endpoint = endpoint.rstrip("/") + "/"
        self.access_key = access_key
        self._secret_key = secret_key
        self.http = http
        self.region = region
        self.clock = clock or (lambda: datetime.datetime.now(datetime.timezone.utc))

    def call(self, action, **params):
        """POST one action; the parsed response document, or IamApiError."""
        body = urllib.parse.urlencode(sorted(dict(params, Action=action, Version=API_VERSION).items())).encode()
        headers = sign_v4("POST", self.endpoint, {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
                          body, self.access_key, self._secret_key, self.region, "iam", self.clock())
        try:
            response = self.http.request("POST", self.endpoint, body=body, headers=headers, retries=False)
        except TRANSPORT_ERRORS as exc:
            # A refused connection, a certificate that the lab's CA did not sign, a timeout: the endpoint
            # and the reason, never the request (its body holds secrets).
            raise IamApiError(action, None, "Unreachable", "%s: %s" % (self.endpoint, type(exc).__name__))
        try:
            root = ET.fromstring(response.data)
        except ET.ParseError:
            raise IamApiError(action, response.status, "InvalidResponse", "the answer is not an IAM document")
        if response.status != 200:
            raise IamApiError(action, response.status, _text(root, "Code") or "Unknown", _text(root, "Message"))
        return root

    # ------------------------------------------------------------------ users and keys
    def create_user(self, name):
        self.call("CreateUser", UserName=name)

    def delete_user(self, name):
        self.call("DeleteUser", UserName=name)

    # SeaweedFS 4.53 answers ListUsers and ListAccessKeys whole (no Marker, no IsTruncated).
    def list_users(self):
        return sorted(_all_text(self.call("ListUsers"), "UserName"))

    def create_access_key(self, user, access_key, secret_key):
        """Give user this key and secret (both chosen by the caller: a migration keeps them)."""
        self.call("CreateAccessKey", UserName=user, AccessKeyId=access_key, SecretAccessKey=secret_key)

    def delete_access_key(self, user, access_key):
        self.call("DeleteAccessKey", UserName=user, AccessKeyId=access_key)

    def list_access_keys(self, user):
        return sorted(_all_text(self.call("ListAccessKeys", UserName=user), "AccessKeyId"))

    def set_user_enabled(self, user, enabled):
        self.call("SetUserStatus", UserName=user, Status="Active" if enabled else "Inactive")

    # ------------------------------------------------------------------ policies
    def put_user_policy(self, user, name, document):
        """An inline policy (document: the JSON text)."""
        self.call("PutUserPolicy", UserName=user, PolicyName=name, PolicyDocument=document)

    def get_user_policy(self, user, name):
        """The inline policy's JSON text (URL-decoded, as AWS returns it)."""
        return urllib.parse.unquote(_text(self.call("GetUserPolicy", UserName=user, PolicyName=name),
                                          "PolicyDocument") or "")

    def delete_user_policy(self, user, name):
        self.call("DeleteUserPolicy", UserName=user, PolicyName=name)

    # ------------------------------------------------------------------ keys with an expiry
    def create_service_account(self, parent, expiration, description=""):
        """A key acting as parent until expiration (aware datetime); returns (access_key, secret_key)."""
        root = self.call("CreateServiceAccount", ParentUser=parent, Description=description,
                         Expiration=str(int(expiration.timestamp())))
        return _text(root, "AccessKeyId"), _text(root, "SecretAccessKey")
