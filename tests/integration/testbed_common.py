# -*- coding: utf-8 -*-
"""What the MinIO and SeaweedFS test beds share: free loopback ports, a throw-away PKI, a readiness wait.

pytest.ini puts tests/integration on the import path, so minio/minio_testbed.py,
seaweedfs/weed_testbed.py and single test files import these from one place.
"""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
import time
import urllib.request
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def free_ports(count):
    """count distinct loopback ports that were free a moment ago (held open together so none repeats)."""
    sockets = []
    try:
        for _index in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def free_port():
    return free_ports(1)[0]


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_pki(base):
    """A CA valid for a day and a server certificate for 127.0.0.1 and localhost that it signed, under base.

    Written in MinIO's certs directory layout (certs/public.crt, certs/private.key, certs/CAs/ca.crt)
    and with the CA also at base/ca.crt. Returns {"certs_dir", "ca_path", "cert", "key"}.
    """
    base = Path(base)
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (x509.CertificateBuilder().subject_name(_name("s3share test CA")).issuer_name(_name("s3share test CA"))
               .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
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
    certs = base / "certs"
    (certs / "CAs").mkdir(parents=True)
    ca_pem = ca_cert.public_bytes(serialization.Encoding.PEM)
    (certs / "public.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (certs / "private.key").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                          serialization.PrivateFormat.PKCS8,
                                                          serialization.NoEncryption()))
    (certs / "private.key").chmod(0o600)
    (certs / "CAs" / "ca.crt").write_bytes(ca_pem)
    (base / "ca.crt").write_bytes(ca_pem)
    return {"certs_dir": str(certs), "ca_path": str(base / "ca.crt"),
            "cert": str(certs / "public.crt"), "key": str(certs / "private.key")}


def wait_https_ok(url, ca_path, proc, timeout=60):
    """True once url answers 200 over TLS verified against ca_path; False if proc exits or time runs out."""
    context = ssl.create_default_context(cafile=ca_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, context=context, timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.3)
    return False
