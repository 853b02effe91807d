# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""_minio.metrics: the metrics bearer token, the textfile metrics and the audit webhook settings.

The token is checked against an independent HS512 JWT verification written here
from RFC 7519 (base64url, HMAC-SHA512), so a mistake in the module cannot hide
behind its own verifier. The real MinIO accepts it in molecule/monitoring.
"""

import base64
import hashlib
import hmac
import json
import os
import pathlib
import pwd
import shutil
import subprocess
import tempfile

import pytest

from ansible_collections.egid.s3share.plugins.module_utils._minio import metrics

SECRET = "metrics-secret-0123456789"


def _verify(token, secret):
    head, claims, signature = token.split(".")
    expected = base64.urlsafe_b64encode(
        hmac.new(secret.encode(), ("%s.%s" % (head, claims)).encode(), hashlib.sha512).digest()).rstrip(b"=")
    assert signature.encode() == expected

    def decode(part):
        return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return decode(head), decode(claims)


def test_token_is_an_hs512_jwt_naming_the_identity():
    token = metrics.prometheus_token("s3share-metrics", SECRET, 2000000000)
    header, claims = _verify(token, SECRET)
    assert header == {"alg": "HS512", "typ": "JWT"}
    assert claims == {"exp": 2000000000, "iss": "prometheus", "sub": "s3share-metrics"}


def test_token_kept_while_valid_and_replaced_for_each_reason():
    now = 1700000000
    token = metrics.prometheus_token("s3share-metrics", SECRET, now + 100 * 86400)
    assert metrics.token_problem(token, "s3share-metrics", SECRET, now, 30 * 86400) is None
    assert "another secret" in metrics.token_problem(token, "s3share-metrics", "other-secret-123", now, 30 * 86400)
    assert "another identity" in metrics.token_problem(
        metrics.prometheus_token("root", SECRET, now + 100 * 86400), "s3share-metrics", SECRET, now, 30 * 86400)
    assert "expires at" in metrics.token_problem(token, "s3share-metrics", SECRET, now + 80 * 86400, 30 * 86400)
    assert "unreadable" in metrics.token_problem("garbage", "s3share-metrics", SECRET, now, 0)
    assert "unreadable" in metrics.token_problem("a.!!.c", "s3share-metrics", SECRET, now, 0)


def test_token_refuses_empty_credentials():
    with pytest.raises(ValueError):
        metrics.prometheus_token("s3share-metrics", "", 1)


def test_textfile_format_is_stable_and_escaped():
    textfile = metrics.Textfile()
    textfile.add("b_metric", "Second.", 2, {"path": 'a"b\\c'})
    textfile.add("a_metric", "First.", True)
    textfile.add("b_metric", "Second.", 1.5, {"path": "/x"})
    assert textfile.render() == (
        "# HELP a_metric First.\n# TYPE a_metric gauge\na_metric 1\n"
        "# HELP b_metric Second.\n# TYPE b_metric gauge\n"
        'b_metric{path="/x"} 1.5\nb_metric{path="a\\"b\\\\c"} 2\n')
    with pytest.raises(ValueError):
        textfile.add("bad-name", "x", 1)


def _samples(text):
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


def test_sweep_state_as_written_by_the_sweep_and_its_failure_unit():
    textfile = metrics.Textfile()
    metrics.add_sweep_metrics(textfile, {"last_run": "2026-11-23T16:00:00.000000Z",
                                         "last_success": "2026-11-23T16:00:00.000000Z",
                                         "last_failure": "2026-11-23T15:00:00.500000Z", "last_result": "ok",
                                         "kept": 3, "removed": 1, "errors": 0})
    values = _samples(textfile.render())
    assert values["s3share_sweep_last_success_timestamp_seconds"] == 1795449600.0
    assert values["s3share_sweep_last_failure_timestamp_seconds"] == 1795446000.5
    assert values["s3share_sweep_last_result_ok"] == 1
    assert values["s3share_sweep_last_removed"] == 1
    failed = metrics.Textfile()
    metrics.add_sweep_metrics(failed, {"last_failure": "2026-11-23T16:02:00.000000Z", "last_result": "failed"})
    values = _samples(failed.render())
    assert values["s3share_sweep_last_result_ok"] == 0
    assert values["s3share_sweep_last_success_timestamp_seconds"] == 0
    missing = metrics.Textfile()
    metrics.add_sweep_metrics(missing, None)
    assert _samples(missing.render())["s3share_sweep_state_readable"] == 0


def test_collaborators_counted_with_the_soonest_expiry_and_no_name():
    now = 1795449600.0
    textfile = metrics.Textfile()
    metrics.add_collaborator_metrics(textfile, [
        {"name": "chu-liege", "bucket": "ligan", "expires_at": now + 86400},
        {"name": "impact-lyon", "bucket": "impact-pm", "expires_at": now + 3 * 86400},
        {"name": "old", "bucket": "ligan", "expires_at": now - 86400},
    ], now)
    rendered = textfile.render()
    values = _samples(rendered)
    assert values["s3share_collaborators_active"] == 2
    assert values["s3share_collaborators_total"] == 3
    assert values["s3share_collaborators_next_expiry_timestamp_seconds"] == now + 86400
    # Issue 20: no collaborator's name nor bucket in what node-exporter serves.
    for word in ("chu-liege", "impact-lyon", "old", "ligan", "impact-pm"):
        assert word not in rendered
    none_active = metrics.Textfile()
    metrics.add_collaborator_metrics(none_active, [{"name": "old", "bucket": "ligan", "expires_at": now - 1}], now)
    assert "s3share_collaborators_next_expiry_timestamp_seconds" not in _samples(none_active.render())
    unreadable = metrics.Textfile()
    metrics.add_collaborator_metrics(unreadable, None, now)
    assert _samples(unreadable.render()) == {"s3share_collaborators_readable": 0}


def test_textfile_written_for_its_group_only(tmp_path):
    import grp
    group = grp.getgrgid(os.getgid()).gr_name
    path = tmp_path / "s3share.prom"
    metrics.write_atomically(str(path), "x 1\n", 0o640, group)
    assert path.read_text() == "x 1\n"
    assert oct(path.stat().st_mode & 0o777) == "0o640"
    assert path.stat().st_gid == os.getgid()
    assert [p.name for p in tmp_path.iterdir()] == ["s3share.prom"]


def test_certificate_end_date_read_by_openssl(tmp_path):
    key, cert = tmp_path / "k.pem", tmp_path / "c.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "10", "-subj", "/CN=nectar"], check=True, capture_output=True)
    textfile = metrics.Textfile()
    metrics.add_certificate_metrics(textfile, [str(cert), str(tmp_path / "missing.pem")])
    values = _samples(textfile.render())
    import time
    left = values['s3share_tls_certificate_not_after_timestamp_seconds{path="%s"}' % cert] - time.time()
    assert 9 * 86400 < left <= 10 * 86400
    assert values['s3share_tls_certificate_readable{path="%s"}' % (tmp_path / "missing.pem")] == 0


def test_appendable_without_writing(tmp_path):
    log = tmp_path / "actions.log"
    log.write_text("x\n")
    assert metrics.appendable(str(log))
    assert log.read_text() == "x\n"
    assert metrics.appendable(str(tmp_path / "new.log"))  # the writer creates it
    assert not metrics.appendable(str(tmp_path / "no-dir" / "new.log"))


@pytest.mark.skipif(os.geteuid() != 0, reason="taking another account's identity needs root")
def test_appendable_as_the_writer():
    # Not under tmp_path: pytest's own base directory is closed to other accounts.
    directory = tempfile.mkdtemp(prefix="s3share-metrics-")
    os.chmod(directory, 0o755)
    log = pathlib.Path(directory) / "access.jsonl"
    log.write_text("")
    os.chmod(str(log), 0o600)  # root's own file: root may append, nobody may not
    assert metrics.appendable(str(log), "root")
    assert not metrics.appendable(str(log), "nobody")
    os.chown(str(log), pwd.getpwnam("nobody").pw_uid, -1)
    assert metrics.appendable(str(log), "nobody")
    shutil.rmtree(directory)


def test_collect_writes_everything_even_when_records_fail(tmp_path):
    state = tmp_path / "sweep.json"
    state.write_text(json.dumps({"last_result": "ok", "last_success": "2026-11-23T16:00:00Z"}))

    def broken():
        raise ConnectionError("MinIO is down")
    text = metrics.collect({"sweep_state": str(state), "certificates": [],
                            "logs": [{"name": "admin", "path": str(tmp_path / "a.log"), "user": None}]}, broken, now=5.0)
    values = _samples(text)
    assert values["s3share_collaborators_readable"] == 0
    assert values["s3share_sweep_last_result_ok"] == 1
    assert values['s3share_audit_log_writable{log="admin",path="%s"}' % (tmp_path / "a.log")] == 1
    assert values["s3share_textfile_collector_last_run_timestamp_seconds"] == 5.0


def test_audit_webhook_env_and_mismatches():
    env = metrics.audit_webhook_env(9099, "A" * 20)
    assert env == {
        "MINIO_AUDIT_WEBHOOK_ENABLE_s3share": "on",
        "MINIO_AUDIT_WEBHOOK_ENDPOINT_s3share": "http://127.0.0.1:9099/minio/audit",
        "MINIO_AUDIT_WEBHOOK_AUTH_TOKEN_s3share": "Bearer " + "A" * 20,
        "MINIO_AUDIT_WEBHOOK_QUEUE_DIR_s3share": "/srv/s3/cache/audit-queue",
    }
    assert metrics.env_mismatches(dict(env, OTHER="x"), env) == []
    assert metrics.env_mismatches({"MINIO_AUDIT_WEBHOOK_ENABLE_s3share": "on"}, env) == [
        "MINIO_AUDIT_WEBHOOK_AUTH_TOKEN_s3share", "MINIO_AUDIT_WEBHOOK_ENDPOINT_s3share",
        "MINIO_AUDIT_WEBHOOK_QUEUE_DIR_s3share"]
    for bad in ("short", "has space in it 1234", ""):
        with pytest.raises(ValueError):
            metrics.audit_webhook_env(9099, bad)
    with pytest.raises(ValueError):
        metrics.audit_webhook_env(70000, "A" * 20)


def test_filters_wrap_the_errors_for_ansible():
    from ansible.errors import AnsibleFilterError
    from ansible_collections.egid.s3share.plugins.filter.monitoring import FilterModule
    filters = FilterModule().filters()
    env = filters["access_audit_webhook_env"](9099, "B" * 32)
    assert env["MINIO_AUDIT_WEBHOOK_ENDPOINT_s3share"] == "http://127.0.0.1:9099/minio/audit"
    assert filters["env_mismatches"](env, env) == []
    with pytest.raises(AnsibleFilterError, match="16 to 128"):
        filters["access_audit_webhook_env"](9099, "short")
    with pytest.raises(AnsibleFilterError):
        filters["env_mismatches"]("not a dict", env)


# --- the installed build (docs/security.md) -------------------------------------

PATCHED_VERSION = """minio version RELEASE.2025-10-15T17-29-55Z.egid.1 (commit-id=9e49d5e7a648f00e26f2246f4dc28e6b07f8c84a)
Patches: egid.1 (CVE-2026-41145, CVE-2026-40344, minio-pr21651)
Runtime: go1.26.8 linux/amd64
License: GNU AGPLv3 - https://www.gnu.org/licenses/agpl-3.0.html
Copyright: 2015-2025 MinIO, Inc.
"""
UPSTREAM_VERSION = """minio version RELEASE.2025-04-22T22-12-26Z (commit-id=0d7408fc9969caf07de6a8c3a84f9fbb10a6739e)
Runtime: go1.24.2 linux/amd64
"""


def test_minio_build_reads_the_release_and_the_patch_level():
    from ansible_collections.egid.s3share.plugins.module_utils._minio.metrics import minio_build
    assert minio_build(PATCHED_VERSION) == {"release": "RELEASE.2025-10-15T17-29-55Z.egid.1", "patch_level": "egid.1",
                                            "advisories": ["CVE-2026-41145", "CVE-2026-40344", "minio-pr21651"]}
    assert minio_build(UPSTREAM_VERSION) == {"release": "RELEASE.2025-04-22T22-12-26Z", "patch_level": "",
                                             "advisories": []}
    with pytest.raises(ValueError):
        minio_build("minio version DEVELOPMENT.GOGET (commit-id=DEVELOPMENT.GOGET)\n")


def test_build_metrics_name_the_patch_level_or_say_unreadable():
    from ansible_collections.egid.s3share.plugins.module_utils._minio.metrics import Textfile, add_build_metrics
    textfile = Textfile()
    add_build_metrics(textfile, "/usr/local/bin/minio", reader=lambda path: PATCHED_VERSION)
    text = textfile.render()
    assert ('s3share_minio_build_info{advisories="CVE-2026-41145,CVE-2026-40344,minio-pr21651",'
            'patch_level="egid.1",path="/usr/local/bin/minio",release="RELEASE.2025-10-15T17-29-55Z.egid.1"} 1') in text
    assert 's3share_minio_build_patched_advisories{path="/usr/local/bin/minio"} 3' in text
    assert 's3share_minio_build_readable{path="/usr/local/bin/minio"} 1' in text

    def missing(path):
        raise FileNotFoundError(path)
    textfile = Textfile()
    add_build_metrics(textfile, "/nowhere/minio", reader=missing)
    text = textfile.render()
    assert 's3share_minio_build_readable{path="/nowhere/minio"} 0' in text and "s3share_minio_build_info" not in text
