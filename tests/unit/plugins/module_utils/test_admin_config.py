# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""admin.json's one reader (connection.read_admin_config), as s3share, the sweep, the collector and the backup
use it; and the sweep program's refusals before it talks to a server (the sweep itself runs against a real
MinIO in tests/integration/minio/test_minio_admin_sweep.py)."""

import json

import pytest

from ansible_collections.egid.s3share.plugins.module_utils._minio import connection
from ansible_collections.egid.s3share.plugins.module_utils._programs import sweep as sweep_program


def test_the_reader_gives_the_config_and_its_connection_settings(tmp_path):
    path = tmp_path / "admin.json"
    path.write_text(json.dumps({"endpoint": "https://127.0.0.1:9000", "access_key": "root", "secret_key": "s" * 40,
                                "ca_path": "", "audit_log": "/var/a.log"}))
    settings, config = connection.settings_from_admin_config(str(path))
    assert config["audit_log"] == "/var/a.log"
    assert (settings.access_key, settings.secret_key, settings.ca_path) == ("root", "s" * 40, None)


@pytest.mark.parametrize("content, message", [("[1, 2]", "not a JSON object"), ("{nope", "cannot read"),
                                              (None, "No such file")])
def test_the_reader_refuses_what_is_not_a_config(tmp_path, content, message):
    path = tmp_path / "admin.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(connection.AdminConfigError, match=message) as caught:
        connection.read_admin_config(str(path))
    assert isinstance(caught.value, ValueError) and not caught.value.denied


def test_a_config_the_caller_may_not_read_is_said_so(tmp_path, monkeypatch):
    def denied(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr("builtins.open", denied)
    with pytest.raises(connection.AdminConfigError) as caught:
        connection.read_admin_config(str(tmp_path / "admin.json"))
    assert caught.value.denied


def test_the_sweep_exits_2_on_a_bad_config_and_records_a_failure_without_a_server(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    assert sweep_program.main(["--config", str(bad)], state_dir=str(tmp_path / "state")) == 2
    assert json.loads(capsys.readouterr().out) == {"failed": True, "msg": "cannot read %s: it is not a JSON object"
                                                   % bad}
    # The OnFailure= unit's run: one audit line and the state file, even when the connection keys are not valid.
    config = tmp_path / "admin.json"
    config.write_text(json.dumps({"endpoint": "not a url", "audit_log": str(tmp_path / "actions.log")}))
    state = tmp_path / "state"
    assert sweep_program.main(["--config", str(config), "--record-failure", "minio-collaborator-sweep.service"],
                              state_dir=str(state)) == 0
    line = json.loads((tmp_path / "actions.log").read_text().splitlines()[-1])
    assert (line["action"], line["result"], line["actor"]) == ("sweep_failed", "failed", sweep_program.ACTOR)
    assert json.loads((state / "sweep.json").read_text())["last_result"] == "failed"
    assert oct((state / "sweep.json").stat().st_mode & 0o777) == "0o644"
    # Without --record-failure, the same keys are refused before any connection.
    assert sweep_program.main(["--config", str(config)], state_dir=str(state)) == 2
    assert json.loads(capsys.readouterr().out)["failed"]
