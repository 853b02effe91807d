# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of a TLS server bundle (certificate, key, CA chain) before deployment."""

import datetime
import ipaddress

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.x509.oid import ExtensionOID
    from cryptography.x509 import verification
    HAS_CRYPTOGRAPHY = True
    CRYPTOGRAPHY_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - exercised through missing_required_lib
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_IMPORT_ERROR = exc


def _utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def load_certificates(pem_bytes):
    """All certificates of a PEM bundle, in order."""
    return x509.load_pem_x509_certificates(pem_bytes)


def _san_matches(cert, name):
    """True when the certificate's SAN covers a DNS name or an IP address."""
    try:
        san = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
    except x509.ExtensionNotFound:
        return False
    try:
        ip = ipaddress.ip_address(name)
    except ValueError:
        ip = None
    if ip is not None:
        return ip in san.get_values_for_type(x509.IPAddress)
    name = name.lower().rstrip(".")
    for dns in san.get_values_for_type(x509.DNSName):
        dns = dns.lower().rstrip(".")
        if dns == name:
            return True
        # A wildcard covers exactly one left-most label.
        if dns.startswith("*.") and "." in name and name.split(".", 1)[1] == dns[2:]:
            return True
    return False


def check_bundle(cert_pem, key_pem, ca_pem, server_names, min_days_valid=0, now=None):
    """Return (problems, facts) for a server certificate bundle.

    cert_pem: the server certificate, optionally followed by intermediates.
    key_pem: its private key (unencrypted PEM).
    ca_pem: the CA chain that clients trust (root, optionally intermediates).
    server_names: DNS names or IP addresses that the SAN must cover.
    """
    now = now or _utcnow()
    problems = []
    try:
        chain = load_certificates(cert_pem)
    except ValueError as exc:
        return ["the certificate is not valid PEM: %s" % exc], {}
    leaf, intermediates = chain[0], chain[1:]
    facts = {
        "subject": leaf.subject.rfc4514_string(),
        "issuer": leaf.issuer.rfc4514_string(),
        "not_before": leaf.not_valid_before_utc.isoformat(),
        "not_after": leaf.not_valid_after_utc.isoformat(),
        "serial_number": str(leaf.serial_number),
    }

    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError) as exc:
        problems.append("the private key cannot be read (it must be unencrypted PEM): %s" % exc)
    else:
        fmt = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        if key.public_key().public_bytes(*fmt) != leaf.public_key().public_bytes(*fmt):
            problems.append("the private key does not match the certificate (%s)" % facts["subject"])

    if leaf.not_valid_after_utc <= now:
        problems.append("the certificate expired on %s" % facts["not_after"])
    elif leaf.not_valid_after_utc <= now + datetime.timedelta(days=min_days_valid):
        problems.append("the certificate expires on %s, within %d days" % (facts["not_after"], min_days_valid))
    if leaf.not_valid_before_utc > now:
        problems.append("the certificate is not valid before %s" % facts["not_before"])

    for name in server_names:
        if not _san_matches(leaf, name):
            problems.append("the certificate SAN does not cover %s" % name)

    try:
        cas = load_certificates(ca_pem)
    except ValueError as exc:
        problems.append("the CA chain is not valid PEM: %s" % exc)
        return problems, facts
    roots = [c for c in cas if c.subject == c.issuer]
    extra = [c for c in cas if c.subject != c.issuer]
    if not roots:
        problems.append("the CA chain holds no self-signed root certificate")
        return problems, facts
    if problems:
        # Path validation would only repeat the problems above.
        return problems, facts
    builder = verification.PolicyBuilder().store(verification.Store(roots)).time(now)
    for name in server_names or [None]:
        if name is None:
            verifier = builder.build_client_verifier()
            subject = None
        else:
            try:
                subject = x509.IPAddress(ipaddress.ip_address(name))
            except ValueError:
                subject = x509.DNSName(name)
            verifier = builder.build_server_verifier(subject)
        try:
            verifier.verify(leaf, intermediates + extra)
        except verification.VerificationError as exc:
            problems.append("the chain does not verify against the CA%s: %s"
                            % ("" if subject is None else " for %s" % name, exc))
            break
    return problems, facts
