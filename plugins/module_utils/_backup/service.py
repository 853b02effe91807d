# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The minio_restore module's run: the plan, the refusals with their audit line, then the restore."""

from ansible_collections.egid.s3share.plugins.module_utils._backup import bundle, restore
from ansible_collections.egid.s3share.plugins.module_utils._backup.job import read_settings, repository_of
from ansible_collections.egid.s3share.plugins.module_utils._backup.restic import ResticError, redact_repository
from ansible_collections.egid.s3share.plugins.module_utils._minio.errors import MinioActionError


def restore_run(m):
    """m: a MinioModule with the settings, snapshot and force options."""
    params = m.params
    try:
        settings = read_settings(params["settings"])
    except ValueError as exc:
        m.refuse("restore", params["settings"], str(exc))
    settings.setdefault("audit_log", params["audit_log"])
    repo = repository_of(settings)
    try:
        result, iam, buckets = restore.plan(repo, settings, m.clients, params["snapshot"], params["force"])
    except (restore.RestoreError, bundle.BundleError, ResticError) as exc:
        m.refuse("restore", redact_repository(settings["repository"]), str(exc))
    except Exception as exc:  # pylint: disable=broad-except
        m.fail(MinioActionError("read", "the target server", str(exc)), action="restore",
               target=redact_repository(settings["repository"]))
    if result["already_restored"] or m.check_mode:
        m.module.exit_json(changed=not result["already_restored"], snapshot=result["snapshot"], plan=result)
    try:
        details = restore.apply(repo, settings, m.clients, m.audit, result, iam, buckets)
    except (ResticError, OSError) as exc:
        m.fail(MinioActionError("restore", "snapshot %s" % result["snapshot"][:8], str(exc)), action="restore",
               target=result["snapshot"])
    except Exception as exc:  # pylint: disable=broad-except
        m.fail(MinioActionError("restore", "snapshot %s" % result["snapshot"][:8], str(exc)), action="restore",
               target=result["snapshot"])
    m.module.exit_json(changed=True, snapshot=result["snapshot"], plan=result, restored=details)
