#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: tls_bundle_check
short_description: Validate a TLS server certificate, its key and CA chain before deploying them
version_added: 0.1.0
description:
  - Reads a certificate, its private key and the CA chain from files on the host where it runs
    (the controller, in the M(egid.s3share.minio_server) role) and checks, with the Python
    C(cryptography) library, that the key matches the certificate, that the SAN covers every
    server name, that the certificate is valid now (and for O(min_days_valid) more days), and that
    the chain verifies against the CA.
  - Fails with one message that names every problem found. It never changes anything.
author:
  - EGID / UMR 8199 IT team (!UNKNOWN)
requirements:
  - cryptography >= 43.0
attributes:
  check_mode:
    support: full
    description: The module only reads.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to diff.
  idempotent:
    support: full
    description: The same inputs give the same answer.
options:
  certificate_path:
    description: PEM file with the server certificate, optionally followed by intermediates.
    type: path
    required: true
  private_key_path:
    description: PEM file with the unencrypted private key. Its content is never returned.
    type: path
    required: true
  ca_path:
    description: PEM file with the CA chain that clients trust (a self-signed root, optionally intermediates).
    type: path
    required: true
  server_names:
    description: DNS names or IP addresses that clients use; the SAN must cover each one.
    type: list
    elements: str
    default: []
  min_days_valid:
    description: Fail when the certificate expires within this many days.
    type: int
    default: 0
"""

EXAMPLES = r"""
- name: Validate the lab certificate on the controller
  egid.s3share.tls_bundle_check:
    certificate_path: files/nectar.crt
    private_key_path: files/nectar.key
    ca_path: files/lab-ca.crt
    server_names: [nectar.egid.local]
    min_days_valid: 14
  delegate_to: localhost
"""

RETURN = r"""
certificate:
  description: Facts about the server certificate.
  returned: when the certificate could be read
  type: dict
  contains:
    subject:
      description: Subject, RFC 4514.
      type: str
      sample: CN=nectar.egid.local
    issuer:
      description: Issuer, RFC 4514.
      type: str
      sample: CN=EGID demo CA
    not_before:
      description: Start of validity, ISO 8601 UTC.
      type: str
    not_after:
      description: End of validity, ISO 8601 UTC.
      type: str
    serial_number:
      description: Serial number, decimal.
      type: str
problems:
  description: Every problem found; empty when the bundle is valid.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.egid.s3share.plugins.module_utils import _tls


def main():
    module = AnsibleModule(
        argument_spec=dict(
            certificate_path=dict(type="path", required=True),
            private_key_path=dict(type="path", required=True),
            ca_path=dict(type="path", required=True),
            server_names=dict(type="list", elements="str", default=[]),
            min_days_valid=dict(type="int", default=0),
        ),
        supports_check_mode=True,
    )
    if not _tls.HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib("cryptography"), exception=str(_tls.CRYPTOGRAPHY_IMPORT_ERROR))

    contents = {}
    for option in ("certificate_path", "private_key_path", "ca_path"):
        try:
            with open(module.params[option], "rb") as handle:
                contents[option] = handle.read()
        except OSError as exc:
            module.fail_json(msg="Failed to read %s %s: %s" % (option, module.params[option], exc.strerror), problems=[])

    problems, facts = _tls.check_bundle(
        contents["certificate_path"], contents["private_key_path"], contents["ca_path"],
        module.params["server_names"], module.params["min_days_valid"])
    if problems:
        module.fail_json(
            msg="TLS bundle %s is not usable: %s" % (module.params["certificate_path"], "; ".join(problems)),
            problems=problems, certificate=facts)
    module.exit_json(changed=False, problems=[], certificate=facts)


if __name__ == "__main__":
    main()
