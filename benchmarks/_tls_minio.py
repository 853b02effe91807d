# -*- coding: utf-8 -*-
"""A throw-away MinIO server over TLS for the collaborator benchmarks.

Like tests/integration/minio/minio_testbed.py: a CA made here (kept in a
temporary directory), a server certificate for 127.0.0.1, a single-drive
MinIO on loopback with random root credentials, clients that verify TLS
against the CA (built by the collection's own _minio_connection code), and the
real mc binary configured to trust the CA. Everything lives in one temporary
directory removed on exit.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import secrets
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / ".collections"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from users_server import _free_port, binaries  # noqa: E402,F401  (re-exported)

from ansible_collections.egid.s3share.plugins.module_utils._minio_connection import (  # noqa: E402
    ConnectionSettings, create_clients,
)


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_pki(base):
    """A CA and a server certificate for 127.0.0.1 / localhost; returns (certs_dir, ca_path)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (x509.CertificateBuilder().subject_name(_name("s3share benchmark CA"))
               .issuer_name(_name("s3share benchmark CA")).public_key(ca_key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                            content_commitment=False, key_encipherment=False,
                                            data_encipherment=False, key_agreement=False,
                                            encipher_only=False, decipher_only=False), critical=True)
               .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name("127.0.0.1")).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    certs = Path(base) / "certs"
    (certs / "CAs").mkdir(parents=True)
    ca_pem = ca_cert.public_bytes(serialization.Encoding.PEM)
    (certs / "public.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (certs / "private.key").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                          serialization.PrivateFormat.PKCS8,
                                                          serialization.NoEncryption()))
    (certs / "CAs" / "ca.crt").write_bytes(ca_pem)
    (Path(base) / "ca.crt").write_bytes(ca_pem)
    return str(certs), str(Path(base) / "ca.crt")


class TlsMinio:
    """with TlsMinio(minio_bin, mc_bin) as server: ... (server.clients(), server.mc(...))."""

    def __init__(self, minio_bin, mc_bin=None):
        self.minio_bin = minio_bin
        self.mc_bin = mc_bin
        self.workdir = Path(tempfile.mkdtemp(prefix="s3share-bench-tls-"))
        self.access_key = "bench" + secrets.token_hex(4)
        self.secret_key = secrets.token_urlsafe(24)
        self.port = None
        self.proc = None
        self.log = None
        self.certs_dir, self.ca_path = make_pki(self.workdir / "pki")

    @property
    def endpoint(self):
        return "https://127.0.0.1:%d" % self.port

    def settings(self, access_key=None, secret_key=None):
        return ConnectionSettings(self.endpoint, access_key or self.access_key, secret_key or self.secret_key,
                                  ca_path=self.ca_path)

    def clients(self):
        """Root clients as the modules build them (TLS verified against the benchmark CA)."""
        return create_clients(self.settings())

    def __enter__(self):
        try:
            self._start()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _start(self):
        env = dict(os.environ, MINIO_ROOT_USER=self.access_key, MINIO_ROOT_PASSWORD=self.secret_key,
                   MINIO_BROWSER="off", MINIO_UPDATE="off", MINIO_CI_CD="1")
        (self.workdir / "data").mkdir()
        self.log = open(self.workdir / "server.log", "ab")
        for dummy in range(3):
            self.port = _free_port()
            self.proc = subprocess.Popen(
                [self.minio_bin, "server", "--quiet", "--address", "127.0.0.1:%d" % self.port,
                 "--console-address", "127.0.0.1:%d" % _free_port(), "--certs-dir", self.certs_dir,
                 str(self.workdir / "data")],
                env=env, stdout=self.log, stderr=subprocess.STDOUT)
            if self._wait_ready():
                return
            self._stop()
        raise RuntimeError("MinIO did not start; see %s" % (self.workdir / "server.log"))

    def _wait_ready(self, timeout=60):
        context = ssl.create_default_context(cafile=self.ca_path)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(self.endpoint + "/minio/health/ready", context=context, timeout=2) as r:
                    if r.status == 200:
                        return True
            except OSError:
                pass
            time.sleep(0.3)
        return False

    def _stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __exit__(self, *exc):
        self._stop()
        if self.log:
            self.log.close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    # ------------------------------------------------------------------ mc
    def mc(self, *args, timeout=60):
        """Run the real mc binary with a config directory that trusts the benchmark CA."""
        config = self.workdir / "mc"
        cas = config / "certs" / "CAs"
        if not cas.exists():
            cas.mkdir(parents=True)
            shutil.copy(self.ca_path, cas / "ca.crt")
        return subprocess.run([self.mc_bin, "--config-dir", str(config), "--no-color", "--quiet"] + list(args),
                              capture_output=True, text=True, timeout=timeout, check=False)

    def mc_alias(self, alias, access_key, secret_key):
        proc = self.mc("alias", "set", alias, self.endpoint, access_key, secret_key, "--api", "S3v4")
        if proc.returncode != 0:
            raise RuntimeError("mc alias set failed: %s%s" % (proc.stdout, proc.stderr))
