# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Builds the MinIO S3 and admin clients (the seam unit tests mock).

No Ansible import: the server-side expiry sweep uses this file too.
"""

import datetime
import hashlib
import json
import traceback
from urllib.parse import urlencode, urlsplit, urlunsplit

MINIO_IMPORT_ERROR = None
try:
    import urllib3
    from minio import Minio, MinioAdmin
    from minio.credentials import Credentials, StaticProvider
    from minio.error import MinioAdminException
    from minio.signer import sign_v4_s3
except ImportError:  # pragma: no cover - reported by the module
    MINIO_IMPORT_ERROR = traceback.format_exc()
    Minio = MinioAdmin = StaticProvider = Credentials = MinioAdminException = sign_v4_s3 = urllib3 = None


class ConnectionSettings:
    """Validated connection options."""

    def __init__(self, endpoint, access_key, secret_key, ca_path=None, validate_certs=True,
                 region="us-east-1", timeout=30):
        if not endpoint:
            raise ValueError("endpoint is required (or MINIO_ENDPOINT)")
        if not access_key or not secret_key:
            raise ValueError("access_key and secret_key are required (or MINIO_ACCESS_KEY / MINIO_SECRET_KEY)")
        if "://" not in endpoint:
            endpoint = "https://" + endpoint
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("endpoint %r must look like https://host:port" % endpoint)
        if parts.path not in ("", "/"):
            raise ValueError("endpoint %r must not have a path" % endpoint)
        self.secure = parts.scheme == "https"
        self.netloc = parts.netloc
        self.url = "%s://%s" % (parts.scheme, parts.netloc)
        self.access_key = access_key
        self.secret_key = secret_key
        self.ca_path = ca_path
        self.validate_certs = validate_certs
        self.region = region or "us-east-1"
        self.timeout = timeout

    @classmethod
    def from_params(cls, params):
        return cls(
            endpoint=params.get("endpoint"),
            access_key=params.get("access_key"),
            secret_key=params.get("secret_key"),
            ca_path=params.get("ca_path"),
            validate_certs=params.get("validate_certs", True),
            region=params.get("region"),
        )


def http_client(settings):
    """A urllib3 pool that verifies TLS against ca_path (or the system CAs)."""
    kwargs = dict(
        timeout=urllib3.Timeout(connect=settings.timeout, read=settings.timeout),
        maxsize=10,
        retries=urllib3.Retry(total=3, backoff_factor=0.2, status_forcelist=[502, 503, 504]),
    )
    if settings.secure and settings.validate_certs:
        kwargs["cert_reqs"] = "CERT_REQUIRED"
        if settings.ca_path:
            kwargs["ca_certs"] = settings.ca_path
        else:
            try:
                import certifi
                kwargs["ca_certs"] = certifi.where()
            except ImportError:  # pragma: no cover
                pass
    elif settings.secure:
        kwargs["cert_reqs"] = "CERT_NONE"
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    return urllib3.PoolManager(**kwargs)


class MinioClients:
    """Lazily built S3 and admin clients for one run."""

    def __init__(self, settings):
        self.settings = settings
        self._s3 = None
        self._admin = None
        self._http = None

    def _pool(self):
        if self._http is None:
            self._http = http_client(self.settings)
        return self._http

    @property
    def s3(self):
        if self._s3 is None:
            self._s3 = Minio(
                self.settings.netloc,
                access_key=self.settings.access_key,
                secret_key=self.settings.secret_key,
                secure=self.settings.secure,
                region=self.settings.region,
                http_client=self._pool(),
            )
        return self._s3

    @property
    def admin(self):
        if self._admin is None:
            self._admin = MinioAdmin(
                endpoint=self.settings.netloc,
                credentials=StaticProvider(self.settings.access_key, self.settings.secret_key),
                region=self.settings.region,
                secure=self.settings.secure,
                http_client=self._pool(),
            )
        return self._admin

    def admin_call(self, method, command, body=None, query=None):
        """One signed call to an admin API path that the SDK does not wrap (export-iam, import-iam-v2,
        export-bucket-metadata, import-bucket-metadata): returns the response body (bytes).

        Raises MinioAdminException, as the SDK's own admin calls do, on any status but 2xx.
        """
        url = urlsplit("%s/minio/admin/v3/%s" % (self.settings.url, command))
        if query:
            url = url._replace(query=urlencode(sorted(query.items())))
        payload = body or b""
        digest = hashlib.sha256(payload).hexdigest()
        now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
        headers = {"Host": url.netloc, "x-amz-date": now.strftime("%Y%m%dT%H%M%SZ"),
                   "x-amz-content-sha256": digest, "Content-Type": "application/octet-stream"}
        if body:
            headers["Content-Length"] = str(len(body))
        headers = sign_v4_s3(method=method, url=url, region=self.settings.region, headers=headers,
                             credentials=Credentials(self.settings.access_key, self.settings.secret_key),
                             content_sha256=digest, date=now)
        response = self._pool().request(method, urlunsplit(url), body=body, headers=headers)
        if response.status not in (200, 204):
            raise MinioAdminException(str(response.status), response.data.decode("utf-8", "replace"))
        return response.data

    def s3_for(self, access_key, secret_key, netloc=None, secure=None):
        """An S3 client with other credentials (password checks, presigning)."""
        return Minio(
            netloc or self.settings.netloc,
            access_key=access_key,
            secret_key=secret_key,
            secure=self.settings.secure if secure is None else secure,
            region=self.settings.region,
            http_client=self._pool(),
        )


class AdminConfigError(ValueError):
    """admin.json cannot be read (denied: the caller may not read it, i.e. it did not come through sudo)."""

    def __init__(self, message, denied=False):
        super().__init__(message)
        self.denied = denied


def read_admin_config(path):
    """The root-only admin.json that roles/minio_admin writes, as a dict (the server programs' one reader of it);
    AdminConfigError (a ValueError) when it cannot be read or is not a JSON object."""
    try:
        with open(path, encoding="utf-8") as handle:
            config = json.load(handle)
    except (OSError, ValueError) as exc:
        raise AdminConfigError("cannot read %s: %s" % (path, exc), denied=isinstance(exc, PermissionError)) from None
    if not isinstance(config, dict):
        raise AdminConfigError("cannot read %s: it is not a JSON object" % path)
    return config


def settings_of_admin_config(config):
    """ConnectionSettings from admin.json's connection keys; ValueError when they are not valid."""
    return ConnectionSettings(
        endpoint=config.get("endpoint"), access_key=config.get("access_key"),
        secret_key=config.get("secret_key"), ca_path=config.get("ca_path") or None,
        validate_certs=bool(config.get("validate_certs", True)), region=config.get("region"))


def settings_from_admin_config(path):
    """(ConnectionSettings, the whole config) from admin.json."""
    config = read_admin_config(path)
    return settings_of_admin_config(config), config


def create_clients(settings):
    """The client factory: the one seam that unit tests replace."""
    if MINIO_IMPORT_ERROR:
        raise ImportError(MINIO_IMPORT_ERROR)
    return MinioClients(settings)
