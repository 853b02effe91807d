# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWS Signature Version 4 of one S3 request (header authorisation, UNSIGNED-PAYLOAD over TLS).

The payload is not hashed for the signature: its integrity is the job of the
x-amz-checksum-sha256 header, which the server checks on receipt and which is
signed with the other x-amz-* headers.
"""

import datetime
import hashlib
import hmac
import urllib.parse

UNSIGNED = "UNSIGNED-PAYLOAD"
_SAFE = "-_.~"


def quote(value, safe=_SAFE):
    return urllib.parse.quote(value, safe=safe)


def canonical_query(query):
    return "&".join("%s=%s" % (quote(k), quote(str(v))) for k, v in sorted((query or {}).items()))


def _hmac(key, text):
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


class Signer:
    """Signs requests for one access key; the derived key is cached per day."""

    def __init__(self, access_key, secret_key, region="us-east-1", session_token=None, service="s3"):
        self.access_key = access_key
        self._secret = secret_key
        self.region = region
        self.session_token = session_token
        self.service = service
        self._day = None
        self._key = None

    def _signing_key(self, day):
        if day != self._day:
            key = _hmac(("AWS4" + self._secret).encode("utf-8"), day)
            for part in (self.region, self.service, "aws4_request"):
                key = _hmac(key, part)
            self._day, self._key = day, key
        return self._key

    def sign(self, method, host, path, query, headers, now=None):
        """Return the headers to send (the given ones plus date, payload, token and Authorization).

        path is already URI-encoded (S3 encodes it once); header names are lowercased.
        """
        now = now or datetime.datetime.now(datetime.timezone.utc)
        stamp = now.strftime("%Y%m%dT%H%M%SZ")
        day = stamp[:8]
        out = {k.lower(): str(v).strip() for k, v in headers.items()}
        out["host"] = host
        out["x-amz-date"] = stamp
        out.setdefault("x-amz-content-sha256", UNSIGNED)
        if self.session_token:
            out["x-amz-security-token"] = self.session_token
        signed = sorted(k for k in out if k == "host" or k.startswith("x-amz-") or k in ("content-md5", "content-type"))
        canonical = "\n".join([method, path, canonical_query(query),
                               "".join("%s:%s\n" % (k, out[k]) for k in signed), ";".join(signed),
                               out["x-amz-content-sha256"]])
        scope = "%s/%s/%s/aws4_request" % (day, self.region, self.service)
        to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode("utf-8")).hexdigest()])
        signature = hmac.new(self._signing_key(day), to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
        out["authorization"] = "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (
            self.access_key, scope, ";".join(signed), signature)
        return out
