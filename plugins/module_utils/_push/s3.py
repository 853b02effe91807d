# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The S3 calls the push needs, over keep-alive HTTPS connections (one per thread), with retries.

A lean client on http.client rather than botocore: the part buffer is sent as
it is (no copy, no second checksum), and the benchmark (benchmarks/push.py)
measures it against the other clients. Path-style addressing, as MinIO serves.

Retries: a dropped connection, a timeout, a 5xx or a SlowDown is retried with
backoff for up to `retry_seconds` (a restarted MinIO comes back within it); an
answer the server gives on purpose (AccessDenied, BadDigest...) is not.
"""

import base64
import http.client
import random
import socket
import ssl
import threading
import time
import xml.etree.ElementTree as ET

from . import sigv4

_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
_RETRY_CODES = {"SlowDown", "InternalError", "ServiceUnavailable", "RequestTimeout", "XMinioServerNotInitialized",
                "XMinioBackendDown"}


class S3Error(Exception):
    """An answer of the server (code, message, HTTP status) or a transport failure (code 'Unreachable')."""

    def __init__(self, action, code, message, status=0, request_id=""):
        detail = ", HTTP %d" % status if status else ""
        Exception.__init__(self, "Failed to %s: %s (%s%s)" % (action, message or code, code, detail))
        self.action = action
        self.code = code
        self.message = message
        self.status = status
        self.request_id = request_id


def _text(node, name, default=""):
    child = node.find(_NS + name)
    if child is None:
        child = node.find(name)
    return child.text if child is not None and child.text is not None else default


def _findall(node, name):
    return node.findall(_NS + name) or node.findall(name)


def b64(digest):
    return base64.b64encode(digest).decode("ascii")


class Client:
    def __init__(self, account, timeout=120, retry_seconds=90, on_retry=None):
        self.account = account
        self.signer = sigv4.Signer(account.access_key, account.secret_key, account.region, account.session_token)
        self.timeout = timeout
        self.retry_seconds = retry_seconds
        self.on_retry = on_retry
        self._local = threading.local()
        self._context = None
        if account.scheme == "https":
            self._context = ssl.create_default_context()
            for path in account.ca_files:
                self._context.load_verify_locations(cafile=path)
        self.requests = 0
        self.retries = 0

    # ---------------------------------------------------------------- transport
    def _connection(self):
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self._context is not None:
                conn = http.client.HTTPSConnection(self.account.host, self.account.port, timeout=self.timeout,
                                                   context=self._context, blocksize=1 << 20)
            else:
                conn = http.client.HTTPConnection(self.account.host, self.account.port, timeout=self.timeout,
                                                  blocksize=1 << 20)
            # http.client sends the headers and a bytearray body in two writes: without TCP_NODELAY, Nagle and
            # the server's delayed ACK hold the body back (up to 40 ms a request, the whole cost of a small file).
            conn.connect()
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._local.conn = conn
        return conn

    def _drop(self):
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
        self._local.conn = None

    def close(self):
        self._drop()

    def request(self, action, method, bucket, key="", query=None, headers=None, body=None, ok=(200,)):
        """One call, retried on transport failures and 5xx; returns (status, headers, body bytes).

        A status outside ok raises S3Error with the server's code and message.
        """
        path = "/" + sigv4.quote(bucket) + "/" + sigv4.quote(key, safe="-_.~/") if key else "/" + sigv4.quote(bucket)
        if key == "" and method == "GET":
            path += "/" if not path.endswith("/") else ""
        url = path + ("?" + sigv4.canonical_query(query) if query else "")
        deadline = time.monotonic() + self.retry_seconds
        attempt = 0
        while True:
            attempt += 1
            signed = self.signer.sign(method, self.account.netloc, path, query, headers or {})
            try:
                conn = self._connection()
                conn.request(method, url, body=body, headers=signed)
                resp = conn.getresponse()
                data = resp.read()
                status, answer = resp.status, {k.lower(): v for k, v in resp.getheaders()}
                self.requests += 1
                if resp.will_close:
                    self._drop()
            except (OSError, http.client.HTTPException, socket.timeout, ssl.SSLError) as exc:
                self._drop()
                if isinstance(exc, ssl.SSLCertVerificationError):
                    raise S3Error(action, "TLSVerify", str(exc))
                error = S3Error(action, "Unreachable", "%s: %s" % (type(exc).__name__, exc))
            else:
                if status in ok:
                    return status, answer, data
                error = self._error(action, status, data, answer)
                if not (status >= 500 or error.code in _RETRY_CODES):
                    raise error
            if time.monotonic() >= deadline:
                raise error
            self.retries += 1
            if self.on_retry:
                self.on_retry(error, attempt)
            time.sleep(min(5.0, 0.2 * 2 ** min(attempt, 5)) * (0.5 + random.random() / 2))

    @staticmethod
    def _error(action, status, data, headers):
        code, message = "HTTP%d" % status, ""
        if data:
            try:
                root = ET.fromstring(data)
                code, message = _text(root, "Code", code), _text(root, "Message")
            except ET.ParseError:
                message = data[:200].decode("utf-8", "replace")
        elif status == 404:
            code = "NoSuchKey"
        return S3Error(action, code, message, status, headers.get("x-amz-request-id", ""))

    # ---------------------------------------------------------------- calls
    def head(self, bucket, key):
        """The object's headers (with its checksum), or None when there is none."""
        try:
            return self.request("read %s" % key, "HEAD", bucket, key, headers={"x-amz-checksum-mode": "ENABLED"})[1]
        except S3Error as exc:
            if exc.status == 404:
                return None
            raise

    def any_object(self, bucket, prefix):
        """Whether at least one object exists under prefix (one listing call)."""
        data = self.request("list %s/%s" % (bucket, prefix), "GET", bucket,
                            query={"list-type": "2", "prefix": prefix, "max-keys": "1"})[2]
        return bool(_findall(ET.fromstring(data), "Contents"))

    def put(self, bucket, key, body, checksum_b64, metadata=None):
        headers = {"x-amz-checksum-sha256": checksum_b64, "content-type": "application/octet-stream"}
        headers.update({"x-amz-meta-" + k: v for k, v in (metadata or {}).items()})
        return self.request("put %s" % key, "PUT", bucket, key, headers=headers, body=body)[1]

    def get(self, bucket, key):
        return self.request("get %s" % key, "GET", bucket, key)[2]

    def create_upload(self, bucket, key, metadata=None):
        headers = {"x-amz-checksum-algorithm": "SHA256", "content-type": "application/octet-stream"}
        headers.update({"x-amz-meta-" + k: v for k, v in (metadata or {}).items()})
        data = self.request("start the upload of %s" % key, "POST", bucket, key, query={"uploads": ""},
                            headers=headers)[2]
        return _text(ET.fromstring(data), "UploadId")

    def upload_part(self, bucket, key, upload_id, number, body, checksum_b64):
        headers = {"x-amz-checksum-sha256": checksum_b64}
        answer = self.request("send part %d of %s" % (number, key), "PUT", bucket, key,
                              query={"partNumber": str(number), "uploadId": upload_id}, headers=headers, body=body)[1]
        return answer.get("etag", "")

    def list_parts(self, bucket, key, upload_id):
        """{number: (size, etag, checksum)} of the parts the server holds for this upload."""
        parts, marker = {}, "0"
        while True:
            data = self.request("list the parts of %s" % key, "GET", bucket, key,
                                query={"uploadId": upload_id, "part-number-marker": marker, "max-parts": "1000"})[2]
            root = ET.fromstring(data)
            for part in _findall(root, "Part"):
                parts[int(_text(part, "PartNumber"))] = (int(_text(part, "Size", "0")), _text(part, "ETag"),
                                                         _text(part, "ChecksumSHA256"))
            if _text(root, "IsTruncated") != "true":
                return parts
            marker = _text(root, "NextPartNumberMarker")

    def complete_upload(self, bucket, key, upload_id, parts):
        """parts: [(number, etag, checksum_b64)]. Returns the answer's headers and body."""
        body = "".join("<Part><PartNumber>%d</PartNumber><ETag>%s</ETag><ChecksumSHA256>%s</ChecksumSHA256></Part>"
                       % (n, etag.replace("&", "&amp;").replace("<", "&lt;"), checksum) for n, etag, checksum in parts)
        body = ('<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">%s'
                "</CompleteMultipartUpload>" % body).encode("utf-8")
        status, headers, data = self.request("complete the upload of %s" % key, "POST", bucket, key,
                                             query={"uploadId": upload_id}, body=body,
                                             headers={"content-type": "application/xml"})
        # A 200 can still carry an error document (the server failed after answering).
        root = ET.fromstring(data) if data else None
        if root is not None and root.tag.endswith("Error"):
            raise self._error("complete the upload of %s" % key, 500, data, headers)
        return headers, data

    def abort_upload(self, bucket, key, upload_id):
        try:
            self.request("abort the upload of %s" % key, "DELETE", bucket, key, query={"uploadId": upload_id},
                         ok=(200, 204))
        except S3Error as exc:
            if exc.code != "NoSuchUpload":
                raise

    def list_uploads(self, bucket, prefix):
        """Yield (key, upload_id, initiated ISO string) of the multipart uploads under prefix, page by page.

        MinIO lists the uploads of one key only (prefix must be the whole key).
        """
        key_marker, id_marker = "", ""
        while True:
            query = {"uploads": "", "prefix": prefix, "max-uploads": "1000"}
            if key_marker:
                query.update({"key-marker": key_marker, "upload-id-marker": id_marker})
            root = ET.fromstring(self.request("list the uploads of %s/%s" % (bucket, prefix), "GET", bucket,
                                              query=query)[2])
            for upload in _findall(root, "Upload"):
                yield _text(upload, "Key"), _text(upload, "UploadId"), _text(upload, "Initiated")
            if _text(root, "IsTruncated") != "true":
                return
            key_marker, id_marker = _text(root, "NextKeyMarker"), _text(root, "NextUploadIdMarker")
            if not key_marker:
                return
