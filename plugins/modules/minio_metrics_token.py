#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: minio_metrics_token
short_description: Keep a MinIO Prometheus bearer token for a dedicated metrics identity in a file
version_added: 0.1.0
description:
  - Writes to O(path) the bearer token that MinIO accepts on its C(/minio/v2/metrics/*) endpoints, the one
    C(mc admin prometheus generate) prints. It is a JSON web token signed with HS512 under the identity's
    secret key, naming its access key, so Prometheus scrapes with a user whose only grant is
    C(admin:Prometheus) instead of the root credentials.
  - The token in place is kept while it is signed by O(secret_key) for O(access_key) and stays valid for more
    than O(renew_before_days) days; otherwise a new one, valid O(lifetime_days) days, replaces it atomically.
    A new secret for the identity therefore gives a new token on the next run, and the old one stops working
    at once on the server.
  - The token is never returned or logged. The module talks to no server; it runs where the file lives.
author:
  - EGID / UMR 8199 IT team (!UNKNOWN)
attributes:
  check_mode:
    support: full
    description: Reports whether the token would be replaced, without writing.
  diff_mode:
    support: full
    description: Shows the identity and expiry of the token before and after (never the token).
  idempotent:
    support: full
    description: A valid token for the same identity and secret is kept.
options:
  path:
    description: File that holds the token (Prometheus reads it with C(credentials_file)).
    type: path
    required: true
  access_key:
    description: Access key of the metrics identity.
    type: str
    required: true
  secret_key:
    description: Secret key of the metrics identity. Used to sign and to check the token; never returned.
    type: str
    required: true
  lifetime_days:
    description: Validity of a new token.
    type: int
    default: 365
  renew_before_days:
    description: Replace the token when it expires within this many days.
    type: int
    default: 30
extends_documentation_fragment:
  - ansible.builtin.files
"""

EXAMPLES = r"""
- name: Bearer token of the metrics identity, readable by Prometheus only
  egid.s3share.minio_metrics_token:
    path: /etc/prometheus/minio-metrics.token
    access_key: s3share-metrics
    secret_key: "{{ vault_minio_metrics_secret }}"
    owner: root
    group: prometheus
    mode: "0640"
"""

RETURN = r"""
access_key:
  description: The identity the token names.
  returned: always
  type: str
  sample: s3share-metrics
expires_at:
  description: When the token in place after the run expires (UTC, ISO 8601).
  returned: always
  type: str
  sample: "2027-11-23T16:40:09Z"
reason:
  description: Why the token was (or would be) replaced; absent when it was kept.
  returned: when changed
  type: str
  sample: the current token is signed with another secret
"""

import os
import tempfile
import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.egid.s3share.plugins.module_utils._minio.metrics import (
    prometheus_token, token_claims, token_problem,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio.times import format_epoch

DAY = 86400


def read_token(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read().strip()
    except FileNotFoundError:
        return None


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            access_key=dict(type="str", required=True, no_log=False),
            secret_key=dict(type="str", required=True, no_log=True),
            lifetime_days=dict(type="int", default=365),
            renew_before_days=dict(type="int", default=30),
        ),
        add_file_common_args=True,
        supports_check_mode=True,
    )
    params = module.params
    path, access_key = params["path"], params["access_key"]
    if params["lifetime_days"] <= params["renew_before_days"] or params["renew_before_days"] < 0:
        module.fail_json(msg="lifetime_days must be greater than renew_before_days, which must not be negative")
    if not params["secret_key"]:
        module.fail_json(msg="secret_key must not be empty")
    now = int(time.time())
    try:
        current = read_token(path)
    except (OSError, UnicodeDecodeError) as exc:
        module.fail_json(msg="Failed to read the metrics token %s: %s" % (path, to_native(exc)))
    reason = "there is no token yet" if current is None else token_problem(
        current, access_key, params["secret_key"], now, params["renew_before_days"] * DAY)
    before = None
    if current is not None:
        try:
            claims = token_claims(current)
            before = {"access_key": claims.get("sub"), "expires_at": format_epoch(claims["exp"])
                      if isinstance(claims.get("exp"), int) else None}
        except ValueError:
            before = {"access_key": None, "expires_at": None}
    result = dict(changed=False, access_key=access_key)
    if reason is None:
        result["expires_at"] = before["expires_at"]
    else:
        expires = now + params["lifetime_days"] * DAY
        result.update(changed=True, reason=reason, expires_at=format_epoch(expires))
        if not module.check_mode:
            token = prometheus_token(access_key, params["secret_key"], expires)
            directory = os.path.dirname(path) or "."
            try:
                fd, tmp = tempfile.mkstemp(prefix=".metrics-token.", dir=directory)
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(token + "\n")
                module.atomic_move(tmp, path)
            except OSError as exc:
                module.fail_json(msg="Failed to write the metrics token %s: %s" % (path, to_native(exc)))
    if module._diff:
        result["diff"] = {"before": before or {}, "after": {"access_key": access_key,
                                                            "expires_at": result["expires_at"]}}
    file_args = module.load_file_common_arguments(params)
    if os.path.exists(path):
        result["changed"] = module.set_fs_attributes_if_different(file_args, result["changed"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
