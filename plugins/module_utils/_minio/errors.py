# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One place that turns SDK and server errors into readable messages.

Every message has the shape ``Failed to <action> <object>: <server reason>``.
This file must not import Ansible: the expiry sweep runs it on the server
outside Ansible (see roles/minio_admin).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

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
        super(MinioActionError, self).__init__(self.message)

    @property
    def message(self):
        target = (" %s" % self.obj) if self.obj else ""
        return "Failed to %s%s: %s" % (self.action, target, self.reason)


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


def is_already_applied(exc):
    return error_code(exc) in ALREADY_APPLIED_CODES


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


def call(action, obj, func, *args, **kwargs):
    """Run one SDK call; "already applied" answers count as success.

    Returns (result, applied) where applied is False when the server said the
    change was already in effect.
    """
    try:
        return func(*args, **kwargs), True
    except MinioActionError:
        raise
    except Exception as exc:  # pylint: disable=broad-except
        if is_already_applied(exc):
            return None, False
        raise translate(action, obj, exc)
