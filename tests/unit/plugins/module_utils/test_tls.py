# -*- coding: utf-8 -*-
"""Decisions of the TLS bundle check, on certificates made here with cryptography."""

from __future__ import annotations

import datetime
import ipaddress

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ansible_collections.egid.s3share.plugins.module_utils import _tls

NOW = datetime.datetime(2026, 11, 23, 12, 0, tzinfo=datetime.timezone.utc)


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _ca(common_name='Test CA'):
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (x509.CertificateBuilder().subject_name(_name(common_name)).issuer_name(_name(common_name))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(NOW - datetime.timedelta(days=30)).not_valid_after(NOW + datetime.timedelta(days=3650))
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False))
    return key, builder.sign(key, hashes.SHA256())


def _leaf(ca_key, ca_cert, names=('nectar', '127.0.0.1'), days=(-1, 365), key=None):
    key = key or ec.generate_private_key(ec.SECP256R1())
    alt = []
    for name in names:
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alt.append(x509.DNSName(name))
    builder = (x509.CertificateBuilder().subject_name(_name(names[0])).issuer_name(ca_cert.subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(NOW + datetime.timedelta(days=days[0]))
               .not_valid_after(NOW + datetime.timedelta(days=days[1]))
               .add_extension(x509.SubjectAlternativeName(alt), critical=False)
               .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False))
    return key, builder.sign(ca_key, hashes.SHA256())


def _pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


@pytest.fixture(scope='module')
def pki():
    ca_key, ca = _ca()
    key, cert = _leaf(ca_key, ca)
    return {'ca_key': ca_key, 'ca': ca, 'key': key, 'cert': cert}


def test_a_valid_bundle_has_no_problem(pki):
    problems, facts = _tls.check_bundle(_pem(pki['cert']), _key_pem(pki['key']), _pem(pki['ca']),
                                        ['nectar', '127.0.0.1'], now=NOW)
    assert problems == []
    assert facts['subject'] == 'CN=nectar'


def test_a_key_of_another_certificate_is_refused(pki):
    other = ec.generate_private_key(ec.SECP256R1())
    problems = _tls.check_bundle(_pem(pki['cert']), _key_pem(other), _pem(pki['ca']), ['nectar'], now=NOW)[0]
    assert problems == ['the private key does not match the certificate (CN=nectar)']


def test_an_expired_certificate_is_refused(pki):
    key, cert = _leaf(pki['ca_key'], pki['ca'], days=(-10, -1))
    problems = _tls.check_bundle(_pem(cert), _key_pem(key), _pem(pki['ca']), ['nectar'], now=NOW)[0]
    assert len(problems) == 1 and problems[0].startswith('the certificate expired on ')


def test_a_certificate_expiring_soon_is_refused_with_a_margin(pki):
    key, cert = _leaf(pki['ca_key'], pki['ca'], days=(-1, 5))
    assert _tls.check_bundle(_pem(cert), _key_pem(key), _pem(pki['ca']), ['nectar'], now=NOW)[0] == []
    problems = _tls.check_bundle(_pem(cert), _key_pem(key), _pem(pki['ca']), ['nectar'], min_days_valid=14,
                                 now=NOW)[0]
    assert len(problems) == 1 and 'within 14 days' in problems[0]


def test_names_outside_the_san_are_refused(pki):
    problems = _tls.check_bundle(_pem(pki['cert']), _key_pem(pki['key']), _pem(pki['ca']),
                                 ['nectar.egid.example.org', '10.0.0.7'], now=NOW)[0]
    assert problems == ['the certificate SAN does not cover nectar.egid.example.org',
                        'the certificate SAN does not cover 10.0.0.7']


def test_a_wildcard_covers_one_label_only(pki):
    key, cert = _leaf(pki['ca_key'], pki['ca'], names=('*.egid.example.org',))
    assert _tls.check_bundle(_pem(cert), _key_pem(key), _pem(pki['ca']), ['nectar.egid.example.org'], now=NOW)[0] == []
    problems = _tls.check_bundle(_pem(cert), _key_pem(key), _pem(pki['ca']), ['a.nectar.egid.example.org'],
                                 now=NOW)[0]
    assert problems == ['the certificate SAN does not cover a.nectar.egid.example.org']


def test_a_chain_from_another_ca_does_not_verify(pki):
    _other_key, other_ca = _ca('Other CA')
    problems = _tls.check_bundle(_pem(pki['cert']), _key_pem(pki['key']), _pem(other_ca), ['nectar'], now=NOW)[0]
    assert len(problems) == 1 and problems[0].startswith('the chain does not verify against the CA for nectar')


def test_garbage_is_reported_not_raised(pki):
    problems, facts = _tls.check_bundle(b'not a pem', _key_pem(pki['key']), _pem(pki['ca']), ['nectar'], now=NOW)
    assert facts == {} and problems[0].startswith('the certificate is not valid PEM')
    problems = _tls.check_bundle(_pem(pki['cert']), b'nope', _pem(pki['ca']), ['nectar'], now=NOW)[0]
    assert problems[0].startswith('the private key cannot be read')
