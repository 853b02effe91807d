# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The mc alias merge of egid.s3share.mc_config, on real files in a temporary home.

The one seam is the account lookup: the users "alice" and "bob" are the
account running the tests with a home under tmp_path, so the files are
really written, with their owner and mode, by the same code the module runs.
"""

import json
import os
import pwd
import stat
import subprocess
import sys

import pytest

from ansible_collections.egid.s3share.plugins.module_utils._host import file_set
from ansible_collections.egid.s3share.plugins.module_utils._host import mc_config

SECRET = "s3cr3t/with+special=chars"
OTHER_SECRET = "the-other-secret-value"
URL = "https://nectar.example:9000"
CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))


@pytest.fixture
def homes(tmp_path, monkeypatch):
    me = pwd.getpwuid(os.getuid())
    homes = {}
    for user in ("alice", "bob"):
        home = tmp_path / user
        home.mkdir()
        homes[user] = home

    def getpwnam(name):
        if name not in homes:
            raise KeyError(name)
        return pwd.struct_passwd((name, "x", me.pw_uid, me.pw_gid, name, str(homes[name]), "/bin/bash"))

    monkeypatch.setattr(mc_config.pwd, "getpwnam", getpwnam)
    return homes


def alias(user="alice", name=None, url=URL, access_key="alice", secret_key=SECRET):
    return {"user": user, "alias": name, "url": url, "access_key": access_key, "secret_key": secret_key}


def converge(aliases, check_mode=False, ca=CA, default_alias="nectar"):
    plan = mc_config.plan(aliases, default_alias, ca, "egid-s3share-ca", check_mode)
    if not check_mode:
        for entry in plan.changed:
            entry.apply()
    return plan


def config_of(home):
    return json.loads((home / ".mc" / "config.json").read_text())


def test_first_run_creates_the_directories_the_ca_and_the_config(homes):
    plan = converge([alias()])
    mc = homes["alice"] / ".mc"
    assert plan.report()["changed_paths"] == [str(mc), str(mc / "certs"), str(mc / "certs" / "CAs"),
                                              str(mc / "certs" / "CAs" / "egid-s3share-ca.crt"),
                                              str(mc / "config.json")]
    for directory in (mc, mc / "certs", mc / "certs" / "CAs"):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert stat.S_IMODE((mc / "config.json").stat().st_mode) == 0o600
    assert stat.S_IMODE((mc / "certs" / "CAs" / "egid-s3share-ca.crt").stat().st_mode) == 0o644
    assert (mc / "certs" / "CAs" / "egid-s3share-ca.crt").read_text() == CA
    assert config_of(homes["alice"]) == {"version": "10", "aliases": {"nectar": {
        "url": URL, "accessKey": "alice", "secretKey": SECRET, "api": "S3v4", "path": "auto"}}}
    # The exact text the role has always written (to_nice_json(indent=2)), so an upgrade changes nothing.
    assert (mc / "config.json").read_text() == json.dumps(config_of(homes["alice"]), indent=2, sort_keys=True)
    assert not list(mc.glob(".config.json.*")), "a temporary file was left behind"


def test_second_run_changes_nothing(homes):
    converge([alias(), alias("bob", "lab", access_key="bob")])
    again = converge([alias(), alias("bob", "lab", access_key="bob")])
    assert again.changed == [] and again.diffs() == []


def test_other_aliases_and_settings_are_kept_and_a_wanted_alias_is_replaced_whole(homes):
    mc = homes["alice"] / ".mc"
    mc.mkdir(mode=0o700)
    (mc / "config.json").write_text(json.dumps({
        "version": "9", "extra": {"keep": True},
        "aliases": {
            "play": {"url": "https://play.min.io", "accessKey": "p", "secretKey": OTHER_SECRET, "api": "S3v4",
                     "path": "auto"},
            "nectar": {"url": "https://old:9000", "accessKey": "old", "secretKey": "old", "api": "s3v2",
                       "path": "dns", "stale": 1}}}))
    converge([alias()])
    assert config_of(homes["alice"]) == {
        "version": "10", "extra": {"keep": True},
        "aliases": {
            "play": {"url": "https://play.min.io", "accessKey": "p", "secretKey": OTHER_SECRET, "api": "S3v4",
                     "path": "auto"},
            "nectar": {"url": URL, "accessKey": "alice", "secretKey": SECRET, "api": "S3v4", "path": "auto"}}}


def test_default_alias_later_entries_win_and_users_keep_their_own_aliases(homes):
    converge([alias(name=""), alias(name="nectar", url="https://second:9000"), alias("bob", "lab", access_key="bob")],
             default_alias="nectar")
    assert config_of(homes["alice"])["aliases"]["nectar"]["url"] == "https://second:9000"
    assert list(config_of(homes["alice"])["aliases"]) == ["nectar"]
    assert list(config_of(homes["bob"])["aliases"]) == ["lab"]


def test_check_mode_predicts_exactly_and_writes_nothing(homes):
    predicted = converge([alias()], check_mode=True)
    assert not (homes["alice"] / ".mc").exists()
    real = converge([alias()])
    assert predicted.report()["changed_paths"] == real.report()["changed_paths"]
    # A changed secret: check mode sees it, and the real run then changes exactly that file.
    predicted = converge([alias(secret_key=OTHER_SECRET)], check_mode=True)
    assert config_of(homes["alice"])["aliases"]["nectar"]["secretKey"] == SECRET
    assert predicted.report()["changed_paths"] == [str(homes["alice"] / ".mc" / "config.json")]
    assert converge([alias(secret_key=OTHER_SECRET)]).report()["changed_paths"] == \
        predicted.report()["changed_paths"]


def test_mode_drift_is_repaired(homes):
    converge([alias()])
    config = homes["alice"] / ".mc" / "config.json"
    config.chmod(0o644)
    plan = converge([alias()])
    assert [e.report()["changes"] for e in plan.changed] == [["mode"]]
    assert stat.S_IMODE(config.stat().st_mode) == 0o600


def test_no_secret_in_the_report_or_the_diff(homes):
    mc = homes["alice"] / ".mc"
    mc.mkdir(mode=0o700)
    (mc / "config.json").write_text(json.dumps({"version": "10", "aliases": {
        "play": {"url": "https://play.min.io", "accessKey": "p", "secretKey": OTHER_SECRET}}}))
    plan = converge([alias()], check_mode=True)
    shown = json.dumps([plan.report(), plan.diffs()])
    assert SECRET not in shown and OTHER_SECRET not in shown
    content = [d for d in plan.diffs() if d["before_header"] == str(mc / "config.json")]
    assert len(content) == 1  # besides the attributes' own record ("<path> (attributes)")
    after = json.loads(content[0]["after"])
    assert after["aliases"]["nectar"] == {"url": URL, "accessKey": "alice", "secretKey": mc_config.SECRET_CHANGED_MASK,
                                          "api": "S3v4", "path": "auto"}
    assert after["aliases"]["play"]["secretKey"] == mc_config.SECRET_MASK
    assert json.loads(content[0]["before"])["aliases"]["play"]["secretKey"] == mc_config.SECRET_MASK
    assert plan.report()["users"] == [{"user": "alice", "config": str(mc / "config.json"),
                                       "aliases": {"nectar": URL}, "changed": True}]


def test_a_changed_secret_alone_shows_in_the_diff(homes):
    converge([alias()])
    plan = converge([alias(secret_key=OTHER_SECRET)], check_mode=True)
    content = [d for d in plan.diffs() if d["before"] != d["after"] and "aliases" in d["after"]]
    assert len(content) == 1
    assert mc_config.SECRET_CHANGED_MASK in content[0]["after"]
    assert mc_config.SECRET_CHANGED_MASK not in content[0]["before"]


def test_a_missing_user_is_refused_by_name_before_any_write(homes):
    with pytest.raises(mc_config.McConfigError, match="do not exist on this host: carol, dave"):
        converge([alias(), alias("carol"), alias("dave")])
    assert not (homes["alice"] / ".mc").exists()


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", '{"aliases": []}'])
def test_a_config_that_is_not_an_mc_configuration_is_refused(homes, content):
    mc = homes["bob"] / ".mc"
    mc.mkdir(mode=0o700)
    (mc / "config.json").write_text(content)
    with pytest.raises(mc_config.McConfigError, match="config.json"):
        converge([alias(), alias("bob")])
    assert not (homes["alice"] / ".mc").exists(), "alice was changed although bob's run was refused"
    assert (mc / "config.json").read_text() == content


def test_a_symlinked_config_is_refused(homes, tmp_path):
    mc = homes["alice"] / ".mc"
    mc.mkdir(mode=0o700)
    (tmp_path / "elsewhere.json").write_text("{}")
    os.symlink(str(tmp_path / "elsewhere.json"), str(mc / "config.json"))
    with pytest.raises(mc_config.McConfigError, match="not a regular file"):
        converge([alias()])


def test_a_file_where_the_mc_directory_should_be_is_refused(homes):
    (homes["alice"] / ".mc").write_text("")
    with pytest.raises(file_set.FileSetError, match="not a directory"):
        converge([alias()])


def test_without_a_ca_no_ca_file_is_written(homes):
    converge([alias()], ca="")
    assert list((homes["alice"] / ".mc" / "certs" / "CAs").iterdir()) == []


def test_merge_and_mask_on_their_own():
    current = {"aliases": {"a": {"secretKey": "x"}, "b": "not a dict"}, "other": 1}
    merged = mc_config.merge(current, {"c": {"url": "u", "secretKey": "y"}})
    assert merged == {"version": "10", "other": 1,
                      "aliases": {"a": {"secretKey": "x"}, "b": "not a dict", "c": {"url": "u", "secretKey": "y"}}}
    assert current == {"aliases": {"a": {"secretKey": "x"}, "b": "not a dict"}, "other": 1}, "the input was changed"
    assert mc_config.masked(merged, current)["aliases"] == {
        "a": {"secretKey": mc_config.SECRET_MASK}, "b": "not a dict",
        "c": {"url": "u", "secretKey": mc_config.SECRET_CHANGED_MASK}}


def test_module_refuses_a_missing_user_and_returns_no_secret(tmp_path):
    """The module as Ansible runs it (a separate process): an unknown user is refused before any write."""
    args = tmp_path / "args.json"
    args.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": {
        "aliases": [{"user": "no-such-user-egid", "url": URL, "access_key": "k", "secret_key": SECRET}],
        "_ansible_diff": True}}))
    proc = subprocess.run(
        [sys.executable, "-m", "ansible_collections.egid.s3share.plugins.modules.mc_config", str(args)],
        cwd=str(tmp_path), env=dict(os.environ, PYTHONPATH=os.path.join(_REPO, ".collections")),
        capture_output=True, text=True, check=False)
    result = json.loads(proc.stdout)
    assert result["failed"] is True
    assert result["msg"] == "Nothing was changed. These users do not exist on this host: no-such-user-egid."
    assert SECRET not in proc.stdout
