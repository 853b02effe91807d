# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Ansible side shared by every minio_* module.

One connection argument spec (documented by the egid.s3share.minio doc
fragment), the client factory call, the audit log, the difference tracker,
and the one place that turns a MinioActionError into fail_json.
"""

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.egid.s3share.plugins.module_utils._minio import connection
from ansible_collections.egid.s3share.plugins.module_utils._minio.audit import AuditLog, DEFAULT_AUDIT_LOG
from ansible_collections.egid.s3share.plugins.module_utils._minio.names import DEFAULT_RECORDS_BUCKET
from ansible_collections.egid.s3share.plugins.module_utils._minio.diff import DifferenceTracker
from ansible_collections.egid.s3share.plugins.module_utils._minio.errors import MinioActionError


def minio_common_argument_spec():
    """Connection and audit options shared by every module of the action group."""
    return dict(
        endpoint=dict(type="str", fallback=(env_fallback, ["MINIO_ENDPOINT"])),
        access_key=dict(type="str", no_log=False, aliases=["root_user"],
                        fallback=(env_fallback, ["MINIO_ACCESS_KEY", "MINIO_ROOT_USER"])),
        secret_key=dict(type="str", no_log=True, aliases=["root_password"],
                        fallback=(env_fallback, ["MINIO_SECRET_KEY", "MINIO_ROOT_PASSWORD"])),
        ca_path=dict(type="path", fallback=(env_fallback, ["MINIO_CA_PATH"])),
        validate_certs=dict(type="bool", default=True),
        region=dict(type="str", default="us-east-1", fallback=(env_fallback, ["MINIO_REGION"])),
        audit_log=dict(type="path", default=DEFAULT_AUDIT_LOG,
                       fallback=(env_fallback, ["MINIO_AUDIT_LOG"])),
        records_bucket=dict(type="str", default=DEFAULT_RECORDS_BUCKET,
                            fallback=(env_fallback, ["S3SHARE_RECORDS_BUCKET"])),
    )


class MinioModule:
    """AnsibleModule plus clients, audit log and difference tracker."""

    def __init__(self, name, argument_spec, **kwargs):
        spec = minio_common_argument_spec()
        spec.update(argument_spec)
        kwargs.setdefault("supports_check_mode", True)
        self.module = AnsibleModule(argument_spec=spec, **kwargs)
        self.name = name
        self.params = self.module.params
        self.check_mode = self.module.check_mode
        self.tracker = DifferenceTracker()
        self.invocation = None
        if connection.MINIO_IMPORT_ERROR:
            self.module.fail_json(msg=missing_required_lib("minio"), exception=connection.MINIO_IMPORT_ERROR)
        self.audit = AuditLog(self.params["audit_log"], name, check_mode=self.check_mode,
                              secrets=list(self.module.no_log_values))
        try:
            self.audit.ensure_writable()
        except (IOError, OSError) as exc:
            self.module.fail_json(msg="Failed to open the audit log %s: %s" % (self.params["audit_log"], exc))
        try:
            settings = connection.ConnectionSettings.from_params(self.params)
        except ValueError as exc:
            self.module.fail_json(msg=str(exc))
        self.clients = connection.create_clients(settings)

    @property
    def s3(self):
        return self.clients.s3

    @property
    def admin(self):
        return self.clients.admin

    def _invocation(self):
        # A module with large item lists sets self.invocation to a shorter echo of its arguments.
        return {"invocation": self.invocation} if self.invocation is not None else {}

    def refuse(self, action, target, reason, **details):
        """Reject bad input before any change, with one audit line."""
        self.audit.write(action, target, "refused", reason=reason, **details)
        self.module.fail_json(msg=reason, refused=True, **self._invocation())

    def fail(self, error, action=None, target=None, result=None, **details):
        """Report a failed server action (audited as 'failed' when not in check mode).

        The details go to the audit line; ``result`` adds keys to the module's result.
        """
        message = error.message if isinstance(error, MinioActionError) else str(error)
        if action:
            self.audit.write(action, target, "failed", reason=message, **details)
        self.module.fail_json(msg=message, diff=self.tracker.diff() if self.module._diff else None,
                              **dict(result or {}, **self._invocation()))

    def record_change(self, action, target, **details):
        details.setdefault("changes", self.tracker.changed_names() or None)
        self.audit.write(action, target, "changed", **details)

    def exit(self, changed, **result):
        if self.module._diff:
            result["diff"] = self.tracker.diff()
        self.module.exit_json(changed=changed, **result)

    def password_matches(self, access_key, secret_key):
        """True when secret_key is the user's current secret (one signed S3 call)."""
        client = self.clients.s3_for(access_key, secret_key)
        try:
            client.list_buckets()
            return True
        except Exception as exc:  # pylint: disable=broad-except
            code = getattr(exc, "code", None)
            if code == "AccessDenied":
                return True
            if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "XMinioAccessKeyDisabled"):
                return False
            return None
