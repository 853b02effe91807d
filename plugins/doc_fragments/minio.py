# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:

    DOCUMENTATION = r"""
options:
  endpoint:
    description:
      - URL of the MinIO S3 API, for example C(https://nectar.egid.fr:9000).
      - Without a scheme, C(https://) is assumed.
      - If not set, the E(MINIO_ENDPOINT) environment variable is used.
      - Required, through the option or the environment.
    type: str
  access_key:
    description:
      - Access key of an administrator (the MinIO root user).
      - If not set, E(MINIO_ACCESS_KEY) then E(MINIO_ROOT_USER) are used.
    type: str
    aliases: [root_user]
  secret_key:
    description:
      - Secret key of the administrator. Never logged nor returned.
      - If not set, E(MINIO_SECRET_KEY) then E(MINIO_ROOT_PASSWORD) are used.
    type: str
    aliases: [root_password]
  ca_path:
    description:
      - PEM file of the certificate authority that signed the server certificate.
      - When not set, the system and certifi CA bundles are used.
      - If not set, E(MINIO_CA_PATH) is used.
    type: path
  validate_certs:
    description:
      - Verify the server certificate. Only set to V(false) for throw-away test servers.
    type: bool
    default: true
  region:
    description:
      - Region used to sign requests. Setting it avoids one location lookup per bucket.
      - If not set, E(MINIO_REGION) is used, then V(us-east-1).
    type: str
    default: us-east-1
  audit_log:
    description:
      - JSON-lines audit log. Each change and each refusal appends exactly one line holding the UTC
        timestamp, the actor (under sudo the user who ran sudo, from the sudo process's real uid; else the
        login user; never an environment variable, which a caller could set), the module, the action,
        the target and the result. Secrets never appear in it. Appends are serialised with C(flock),
        so concurrent runs never interleave. Check-mode runs write nothing.
      - Set to an empty string to disable auditing (not recommended).
      - If not set, E(MINIO_AUDIT_LOG) is used.
      - The playbooks pass the C(egid.s3share.minio_admin) role's O(audit_log) and O(records_bucket) settings
        (C(minio_admin_audit_log), C(minio_admin_records_bucket)) through C(module_defaults), and the role
        writes the same two values into the server's C(admin.json) for the sweep, so all of them share one setting.
    type: path
    default: /opt/minio-admin/logs/actions.log
  records_bucket:
    description:
      - Admin bucket holding the collaborator records (C(collaborators/<name>.json)). No policy grants it, it is
        never shared, and M(egid.s3share.minio_collaborator) creates it when missing.
      - If not set, E(S3SHARE_RECORDS_BUCKET) is used.
    type: str
    default: s3share-admin
requirements:
  - minio (Python SDK) >= 7.2.15
notes:
  - The modules that take these options belong to the action group C(egid.s3share.minio) (see
    C(meta/runtime.yml)), so the connection options can be set once with C(module_defaults) and
    C(group/egid.s3share.minio). The other modules of the collection are not in it;
    M(egid.s3share.minio_metrics_token) talks to no server, and the Proxmox modules have their own group.
"""

    ATTRIBUTES = r"""
attributes:
  check_mode:
    description: Can run in check mode, predicting exactly what a real run would change, without writing anything.
  diff_mode:
    description: Returns C(diff.before) and C(diff.after) for the attributes it manages.
  idempotent:
    description: A second run with the same options reports C(changed=false).
  action_group:
    description: Belongs to the action group C(egid.s3share.minio), for C(module_defaults).
    support: full
    membership:
      - egid.s3share.minio
"""
