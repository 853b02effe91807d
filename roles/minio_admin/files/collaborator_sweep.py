# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Remove expired collaborators: the server-side twin of minio_collaborator_sweep.

Installed by the egid.s3share.minio_admin role as <base>/bin/collaborator-sweep
and run by a systemd timer with the admin venv's Python. It imports the
collection's module_utils from <base>/lib (ansible_collections/egid/s3share/plugins/module_utils),
so the code is the one the modules run. Settings come from the environment (the 0600 env file):
MINIO_ENDPOINT, MINIO_ACCESS_KEY, MINIO_SECRET_KEY, MINIO_CA_PATH,
MINIO_VALIDATE_CERTS, MINIO_AUDIT_LOG, S3SHARE_RECORDS_BUCKET.
Prints a JSON summary; exits 1 when a collaborator could not be removed and
2 on a configuration or connection error.
"""

import json
import os
import sys

# <base>/lib holds the collection's module_utils, installed by the role.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))

# pylint: disable=wrong-import-position
from ansible_collections.egid.s3share.plugins.module_utils._minio_audit import AuditLog  # noqa: E402
from ansible_collections.egid.s3share.plugins.module_utils._minio_collab import (  # noqa: E402
    CollaboratorStore, DEFAULT_RECORDS_BUCKET, sweep,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio_connection import (  # noqa: E402
    ConnectionSettings, create_clients,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio_errors import MinioActionError  # noqa: E402
from ansible_collections.egid.s3share.plugins.module_utils._minio_iam import IamState  # noqa: E402


def main():
    env = os.environ
    try:
        settings = ConnectionSettings(
            endpoint=env.get("MINIO_ENDPOINT"),
            access_key=env.get("MINIO_ACCESS_KEY"),
            secret_key=env.get("MINIO_SECRET_KEY"),
            ca_path=env.get("MINIO_CA_PATH") or None,
            validate_certs=env.get("MINIO_VALIDATE_CERTS", "true").lower() not in ("0", "false", "no"),
            region=env.get("MINIO_REGION"),
        )
    except ValueError as exc:
        print(json.dumps({"failed": True, "msg": str(exc)}))
        return 2
    audit = AuditLog(env.get("MINIO_AUDIT_LOG", "/opt/minio-admin/logs/actions.log"), "collaborator-sweep",
                     secrets=[settings.secret_key], actor="systemd:collaborator-sweep")
    clients = create_clients(settings)
    store = CollaboratorStore(clients.s3, env.get("S3SHARE_RECORDS_BUCKET") or DEFAULT_RECORDS_BUCKET)
    try:
        audit.ensure_writable()
        removed, kept, errors = sweep(IamState(clients.admin), store, audit=audit)
    except (MinioActionError, OSError) as exc:
        print(json.dumps({"failed": True, "msg": str(exc)}))
        return 2
    print(json.dumps({"failed": bool(errors), "removed": removed, "kept": kept, "errors": errors}, sort_keys=True))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
