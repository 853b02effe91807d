# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One place that turns SDK and server errors into readable messages.

Every message has the shape ``Failed to <action> <object>: <server reason>``.
This file must not import Ansible: the expiry sweep runs it on the server
outside Ansible (see roles/minio_admin).
"""

import json

# Server codes meaning "the change you asked for is already in effect".
ALREADY_APPLIED_CODES = frozenset((
    "XMinioAdminPolicyChangeAlreadyApplied",
    "BucketAlreadyOwnedByYou",
))

NOT_FOUND_CODES = frozenset((
    "XMinioAdminNoSuchUser",
    "XMinioAdminNoSuchGroup",
    "XMinioAdminNoSuchPolicy",
    "XMinioAdminNoSuchQuotaConfiguration",
    "NoSuchBucket",
    "NoSuchKey",
    "NoSuchTagSet",
    "ServerSideEncryptionConfigurationNotFoundError",
    "ObjectLockConfigurationNotFoundError",
))

# Reasons that deserve more than the server's own words.
_HINTS = {
    "NotImplemented:Server side encryption specified but KMS is not configured":
        "the server has no KMS configured, so SSE-S3 is unavailable "
        "(configure KES or set MINIO_KMS_SECRET_KEY on the server)",
    "XMinioIAMPolicyInUse":
        "the policy is still attached to users or groups; detach it first",
    "XMinioAdminGroupNotEmpty":
        "the group still has members",
    "BucketNotEmpty":
        "the bucket is not empty (use force: true to delete its objects)",
}


class MinioActionError(Exception):
    """A failed action, with a message ready for the user."""

    def __init__(self, action, obj, reason, code=None):
        self.action = action
        self.obj = obj
        self.reason = reason
        self.code = code
        super().__init__(self.message)

    @property
    def message(self):
        target = (" %s" % self.obj) if self.obj else ""
        return "Failed to %s%s: %s" % (self.action, target, self.reason)


class Refused(ValueError):
    """Base of the refusals (bad input, or a conflict with what exists): worded for the user, never translated."""


def error_code(exc):
    """Return the server's error code for an SDK exception, or None."""
    code = getattr(exc, "code", None)
    if isinstance(code, str) and not code.isdigit():
        return code
    body = getattr(exc, "_body", None)
    if body:
        try:
            return json.loads(body).get("Code")
        except (ValueError, AttributeError):
            return None
    return None


def error_reason(exc):
    """Return the server's human reason for an SDK exception."""
    code = error_code(exc)
    message = getattr(exc, "message", None)
    body = getattr(exc, "_body", None)
    if body and not message:
        try:
            message = json.loads(body).get("Message")
        except (ValueError, AttributeError):
            message = body.strip()
    if not message:
        message = str(exc) or exc.__class__.__name__
    hint = _HINTS.get("%s:%s" % (code, message)) or _HINTS.get(code or "")
    if hint:
        return "%s (%s: %s)" % (hint, code, message)
    if code:
        return "%s: %s" % (code, message)
    return message


def is_not_found(exc):
    code = error_code(exc)
    if code in NOT_FOUND_CODES:
        return True
    return str(getattr(exc, "_code", "")) == "404" and code is None


def translate(action, obj, exc):
    """Build the MinioActionError for an exception raised by the SDK."""
    if isinstance(exc, MinioActionError):
        return exc
    return MinioActionError(action, obj, error_reason(exc), error_code(exc))


class translated:
    """Context manager: any SDK or server error inside becomes MinioActionError("Failed to <action> <obj>: ...").

    ``not_found_ok=True`` swallows a "not found" answer (the object is already
    absent) and sets ``self.not_found``; ``ok_codes`` swallows the server codes
    given (for example ALREADY_APPLIED_CODES) and sets ``self.code``. A
    MinioActionError or a Refused raised inside passes through unchanged.

        with translated("remove", "user %s" % name, not_found_ok=True):
            admin.user_remove(name)
    """

    def __init__(self, action, obj, not_found_ok=False, ok_codes=()):
        self.action = action
        self.obj = obj
        self.not_found_ok = not_found_ok
        self.ok_codes = frozenset(ok_codes)
        self.not_found = False
        self.code = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, traceback):
        if exc is None or isinstance(exc, (MinioActionError, Refused)) or not isinstance(exc, Exception):
            return False
        if self.not_found_ok and is_not_found(exc):
            self.not_found = True
            return True
        code = error_code(exc)
        if code is not None and code in self.ok_codes:
            self.code = code
            return True
        raise translate(self.action, self.obj, exc) from exc


def call(action, obj, func, *args, **kwargs):
    """Run one SDK call and return its result; "already applied" answers count as success (None).

    The same contract as ProxmoxClient.call in _proxmox/api.py: (action, obj,
    func, *args, **kwargs), and a failure raises an error worded
    "Failed to <action> <obj>: <reason>".
    """
    with translated(action, obj, ok_codes=ALREADY_APPLIED_CODES):
        return func(*args, **kwargs)
    return None


def absent_if_not_found(action, obj, func, *args, **kwargs):
    """Run one removal; a "not found" answer means it is already absent.

    Returns True when the call removed something, False when there was nothing
    to remove. Any other error raises MinioActionError.
    """
    with translated(action, obj, not_found_ok=True):
        func(*args, **kwargs)
        return True
    return False
