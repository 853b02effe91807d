# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Error translation: "Failed to <action> <object>: <server reason>", already-applied is no change."""

import json

import pytest
from minio.error import MinioAdminException, S3Error

from ansible_collections.egid.s3share.plugins.module_utils._minio.errors import (
    MinioActionError, absent_if_not_found, call, error_code, is_not_found, translate,
    translated,
)


def admin_error(status, code, message):
    return MinioAdminException(str(status), json.dumps({"Code": code, "Message": message, "Resource": "/x"}))


def s3_error(code, message):
    return S3Error(None, code, message, "/b", "req", "host")


def test_admin_error_message():
    exc = admin_error(404, "XMinioAdminNoSuchUser", "The specified user does not exist.")
    err = translate("remove", "user alice", exc)
    assert err.message == "Failed to remove user alice: XMinioAdminNoSuchUser: The specified user does not exist."
    assert is_not_found(exc) and error_code(exc) == "XMinioAdminNoSuchUser"


def test_s3_error_with_hint():
    exc = s3_error("NotImplemented", "Server side encryption specified but KMS is not configured")
    message = translate("set default encryption on", "bucket ligan", exc).message
    assert message.startswith("Failed to set default encryption on bucket ligan: the server has no KMS configured")
    assert "MINIO_KMS_SECRET_KEY" in message


def test_policy_in_use_hint():
    exc = admin_error(400, "XMinioIAMPolicyInUse", "The policy cannot be removed, as it is in use")
    assert "still attached" in translate("remove", "policy p", exc).message


def test_already_applied_is_no_change():
    exc = admin_error(400, "XMinioAdminPolicyChangeAlreadyApplied", "The specified policy change is already in effect.")
    assert error_code(exc) == "XMinioAdminPolicyChangeAlreadyApplied"

    def attach():
        raise exc
    assert call("attach", "policy p", attach) is None


def test_call_success_and_failure():
    assert call("list", "users", lambda: "ok") == "ok"

    def boom():
        raise admin_error(403, "AccessDenied", "Access Denied.")
    with pytest.raises(MinioActionError) as exc:
        call("list", "users", boom)
    assert str(exc.value) == "Failed to list users: AccessDenied: Access Denied."
    assert exc.value.code == "AccessDenied"


def test_connection_errors_keep_their_reason():
    err = translate("list", "users", OSError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"))
    assert err.message == "Failed to list users: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"


def test_translated_names_the_action_and_the_object():
    with pytest.raises(MinioActionError) as exc:
        with translated("read", "group g"):
            raise admin_error(403, "AccessDenied", "Access Denied.")
    assert exc.value.message == "Failed to read group g: AccessDenied: Access Denied."
    assert isinstance(exc.value.__cause__, MinioAdminException)


def test_translated_lets_a_translated_error_through_unchanged():
    inner = MinioActionError("create", "user u", "reason")
    with pytest.raises(MinioActionError) as exc:
        with translated("read", "group g"):
            raise inner
    assert exc.value is inner


def test_translated_not_found_ok_records_the_absence():
    with translated("remove", "user u", not_found_ok=True) as outcome:
        raise admin_error(404, "XMinioAdminNoSuchUser", "The specified user does not exist.")
    assert outcome.not_found
    with pytest.raises(MinioActionError):
        with translated("remove", "user u"):
            raise admin_error(404, "XMinioAdminNoSuchUser", "The specified user does not exist.")


def test_translated_ok_codes():
    with translated("create", "record r", ok_codes=("PreconditionFailed",)) as outcome:
        raise s3_error("PreconditionFailed", "At least one of the pre-conditions you specified did not hold")
    assert outcome.code == "PreconditionFailed"


def test_translated_leaves_non_errors_alone():
    with pytest.raises(KeyboardInterrupt):
        with translated("list", "users"):
            raise KeyboardInterrupt()


def test_absent_if_not_found():
    removed = []
    assert absent_if_not_found("remove", "user u", removed.append, "u") is True
    assert removed == ["u"]

    def missing(name):
        raise admin_error(404, "XMinioAdminNoSuchUser", "The specified user does not exist.")
    assert absent_if_not_found("remove", "user u", missing, "u") is False

    def denied(name):
        raise admin_error(403, "AccessDenied", "Access Denied.")
    with pytest.raises(MinioActionError) as exc:
        absent_if_not_found("remove", "user u", denied, "u")
    assert exc.value.message == "Failed to remove user u: AccessDenied: Access Denied."
