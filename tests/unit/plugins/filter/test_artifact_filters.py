# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filters that decide which patches the minio_artifacts role applies and how a component is built, and the
pinned series itself."""

import hashlib
from pathlib import Path

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.egid.s3share.plugins.filter.artifacts import (FilterModule, artifact_build_plan,
                                                                       artifact_patch_problems, artifact_patch_set)

ROLE = Path(__file__).resolve().parents[4] / "roles" / "minio_artifacts"
RELEASE = "RELEASE.2025-10-15T17-29-55Z"
A = "a" * 64
B = "b" * 64


def _series(*items, level="egid.1"):
    return {RELEASE: {"level": level, "series": [dict(zip(("file", "sha256", "advisory"), item)) for item in items]}}


def test_a_release_without_patches_is_built_as_tagged():
    # The adopt scenario builds the lab's old release through the same role: the series is not for it.
    old = "RELEASE.2025-04-22T22-12-26Z"
    for patches, release in (({}, RELEASE), ({RELEASE: {"level": "egid.1", "series": []}}, RELEASE),
                             (_series(("x.patch", A, "CVE-1")), old)):
        assert artifact_patch_set(patches, release, "/p") == {"level": "", "patches": [], "key": "",
                                                              "release_tag": release, "summary": ""}


def test_the_level_and_advisories_name_the_build():
    plan = artifact_patch_set(_series(("0001-v.patch", A, ""), ("0002-fix.patch", B, "CVE-2026-41145"),
                                      ("0003-more.patch", A.upper(), "CVE-2026-41145")), RELEASE, "/p/minio")
    assert plan["release_tag"] == RELEASE + ".egid.1"
    assert plan["summary"] == "egid.1 (CVE-2026-41145)"
    assert [p["path"] for p in plan["patches"]] == ["/p/minio/0001-v.patch", "/p/minio/0002-fix.patch",
                                                    "/p/minio/0003-more.patch"]
    assert plan["patches"][2]["sha256"] == A  # compared with stat's lower-case checksum
    assert plan["key"].startswith("egid.1-") and len(plan["key"]) == len("egid.1-") + 12


def test_any_change_of_the_set_changes_the_key():
    base = artifact_patch_set(_series(("1.patch", A, "X"), ("2.patch", B, "Y")), RELEASE, "/p")["key"]
    changed = [
        _series(("1.patch", A, "X"), ("2.patch", A, "Y")),                 # content
        _series(("2.patch", B, "Y"), ("1.patch", A, "X")),                 # order
        _series(("1.patch", A, "X")),                                      # one fewer
        _series(("1.patch", A, "X"), ("2.patch", B, "Z")),                 # advisory id (printed by --version)
        _series(("1.patch", A, "X"), ("2.patch", B, "Y"), level="egid.2"),  # level
    ]
    keys = {artifact_patch_set(p, RELEASE, "/p")["key"] for p in changed}
    assert base not in keys and len(keys) == len(changed)
    # The same set gives the same key: a warm run finds the cached binary.
    assert artifact_patch_set(_series(("1.patch", A, "X"), ("2.patch", B, "Y")), RELEASE, "/elsewhere")["key"] == base


@pytest.mark.parametrize("patches", [
    _series(("1.patch", "abc", "X")),
    _series(("../1.patch", A, "X")),
    _series(("1.diff", A, "X")),
    _series(("1.patch", A, "X"), ("1.patch", B, "Y")),
    _series(("1.patch", A, "X Y")),
    _series(("1.patch", A, "X,Y")),
    _series(("1.patch", A, "X"), level="egid.1.2"),
    _series(("1.patch", A, "X"), level="egid"),
    {RELEASE: {"level": "egid.1", "series": ["1.patch"]}},
    [],
])
def test_a_bad_patch_set_is_refused(patches):
    with pytest.raises(AnsibleFilterError):
        artifact_patch_set(patches, RELEASE, "/p")


def test_problems_name_each_missing_or_changed_patch():
    results = [{"item": {"file": "1.patch", "path": "/p/1.patch", "sha256": A}, "stat": {"exists": True, "checksum": A}},
               {"item": {"file": "2.patch", "path": "/p/2.patch", "sha256": A}, "stat": {"exists": True, "checksum": B}},
               {"item": {"file": "3.patch", "path": "/p/3.patch", "sha256": A}, "stat": {"exists": False}}]
    assert artifact_patch_problems(results) == ["2.patch has sha256 %s, pinned %s" % (B, A), "/p/3.patch is missing"]
    assert artifact_patch_problems(results[:1]) == [] and artifact_patch_problems([]) == []


def test_the_pinned_series_matches_the_files():
    """Editing a patch without pinning it again fails here, before a build would."""
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    pinned = defaults["minio_artifacts_minio_patches"]
    assert defaults["minio_artifacts_minio_release"] in pinned
    files = set()
    for release in pinned:
        plan = artifact_patch_set(pinned, release, str(ROLE / "files" / "patches" / "minio"))
        for patch in plan["patches"]:
            assert hashlib.sha256(Path(patch["path"]).read_bytes()).hexdigest() == patch["sha256"], patch["file"]
            text = Path(patch["path"]).read_text()
            header = text.split("\n---\n", 1)[0]
            for field in ("Description:", "Origin:", "Author:", "Last-Update:"):
                assert field in header, "%s has no DEP-3 %s" % (patch["file"], field)
            assert patch["advisory"] == "" or "Bug:" in header, patch["file"]
            files.add(patch["file"])
    # No patch file lies around unpinned.
    assert files == {p.name for p in (ROLE / "files" / "patches" / "minio").glob("*.patch")}


def test_the_filters_are_registered():
    assert set(FilterModule().filters()) == {"artifact_patch_set", "artifact_patch_problems", "artifact_build_plan"}


# --------------------------------------------------------------------------- artifact_build_plan
UNPATCHED = {"level": "", "patches": [], "key": "", "release_tag": "4.53", "summary": ""}
WEED = {"module": "github.com/seaweedfs/seaweedfs", "version": "v0.0.0-20261109003541-7506e5f91cd6",
        "source_sha256": A, "release": "4.53", "commit": "7506e5f91cd6", "package": "./weed",
        "ldflags": ["-s -w", "-X {module}/weed/util/version.COMMIT={commit}"],
        "version_argv": ["version"], "version_expect": [" {release} {commit} "],
        "commit_in_name": True, "go_min_version": "1.26.6"}


def _minio_spec(release=RELEASE, commit="9e49d5e7a648f00e26f2246f4dc28e6b07f8c84a"):
    # The role's defaults as Ansible renders them: Jinja has filled the time and the year, the filter the rest.
    return {"module": "github.com/minio/minio", "version": "v0.0.0-20251015172955-9e49d5e7a648", "source_sha256": B,
            "release": release, "commit": commit, "package": ".",
            "ldflags": ["-s -w", "-X {module}/cmd.Version=2025-10-15T17:29:55Z", "-X {module}/cmd.CopyrightYear=2025",
                        "-X {module}/cmd.ReleaseTag={release_tag}", "-X {module}/cmd.CommitID={commit}",
                        "-X {module}/cmd.ShortCommitID={short_commit}",
                        "-X '{module}/cmd.PatchLevel={patch_summary}'"],
            "version_argv": ["--version"], "version_expect": ["{release_tag}", "Patches: {patch_summary}"],
            "go_min_version": "1.24"}


def test_a_patched_minio_keeps_its_ldflags_version_check_and_cache_name():
    """The string the role passed before the components declared their build: the cache stays valid."""
    patches = artifact_patch_set(_series(("0001-v.patch", A, ""), ("0002-fix.patch", B, "CVE-2026-41145")),
                                 RELEASE, "/p")
    plan = artifact_build_plan(_minio_spec(), patches)
    module = "github.com/minio/minio"
    assert plan["ldflags"] == (
        "-s -w -X %(m)s/cmd.Version=2025-10-15T17:29:55Z -X %(m)s/cmd.CopyrightYear=2025"
        " -X %(m)s/cmd.ReleaseTag=%(r)s.egid.1 -X %(m)s/cmd.CommitID=9e49d5e7a648f00e26f2246f4dc28e6b07f8c84a"
        " -X %(m)s/cmd.ShortCommitID=9e49d5e7a648 -X '%(m)s/cmd.PatchLevel=egid.1 (CVE-2026-41145)'"
        % {"m": module, "r": RELEASE})
    assert plan["version_expect"] == [RELEASE + ".egid.1", "Patches: egid.1 (CVE-2026-41145)"]
    assert plan["key"] == RELEASE + "-" + patches["key"]
    assert plan["source_dir"] == module + "@v0.0.0-20251015172955-9e49d5e7a648"
    assert plan["zip_url_path"] == module + "/@v/v0.0.0-20251015172955-9e49d5e7a648.zip"
    assert (plan["package"], plan["version_argv"], plan["go_min_version"]) == (".", ["--version"], "1.24")


def test_an_unpatched_build_leaves_out_what_names_the_patch_summary():
    old = "RELEASE.2025-04-22T22-12-26Z"
    plan = artifact_build_plan(_minio_spec(old, "0d7408fc9969"), artifact_patch_set({}, old, "/p"))
    assert "PatchLevel" not in plan["ldflags"] and plan["ldflags"].endswith("-X github.com/minio/minio/cmd."
                                                                            "ShortCommitID=0d7408fc9969")
    assert plan["version_expect"] == [old] and plan["key"] == old


def test_weed_is_named_by_its_commit_too():
    plan = artifact_build_plan(WEED, UNPATCHED)
    assert plan["ldflags"] == "-s -w -X github.com/seaweedfs/seaweedfs/weed/util/version.COMMIT=7506e5f91cd6"
    assert plan["version_expect"] == [" 4.53 7506e5f91cd6 "] and plan["version_argv"] == ["version"]
    assert plan["key"] == "4.53-7506e5f91cd6" and plan["package"] == "./weed"
    assert plan["source_dir"] == "github.com/seaweedfs/seaweedfs@v0.0.0-20261109003541-7506e5f91cd6"
    # Another commit that prints the same version number is another cached binary.
    assert artifact_build_plan(dict(WEED, commit="0123456789ab"), UNPATCHED)["key"] == "4.53-0123456789ab"
    assert artifact_build_plan(dict(WEED, commit_in_name=False), UNPATCHED)["key"] == "4.53"


def test_the_proxy_url_escapes_upper_case():
    plan = artifact_build_plan(dict(WEED, module="github.com/Azure/Thing", version="v1.2.3-RC1"), UNPATCHED)
    assert plan["zip_url_path"] == "github.com/!azure/!thing/@v/v1.2.3-!r!c1.zip"
    assert plan["source_dir"] == "github.com/Azure/Thing@v1.2.3-RC1"  # the zip holds the path as written


@pytest.mark.parametrize("change", [
    {"module": "minio"}, {"module": "github.com/x y/z"}, {"version": "1.2.3"}, {"version": "latest"},
    {"source_sha256": "abc"}, {"source_sha256": A.upper()}, {"release": "4.53/x"}, {"release": ""},
    {"commit": "7506e5f"}, {"commit": "XYZ506e5f91cd6"}, {"package": "weed"}, {"package": "./../x"},
    {"package": "/abs"}, {"ldflags": "-s -w"}, {"ldflags": ["-X {modul}/v={commit}"]}, {"version_argv": []},
    {"version_argv": "version"}, {"version_expect": []}, {"version_expect": ["{patch_summary}"]},
    {"commit_in_name": "yes"}, {"go_min_version": "go1.26"}, {"go_min_version": ""},
])
def test_a_bad_build_declaration_is_refused(change):
    with pytest.raises(AnsibleFilterError):
        artifact_build_plan(dict(WEED, **change), UNPATCHED)


def test_the_patch_set_must_come_from_artifact_patch_set():
    for bad in ({}, None, "4.53"):
        with pytest.raises(AnsibleFilterError):
            artifact_build_plan(WEED, bad)
    with pytest.raises(AnsibleFilterError):
        artifact_build_plan(["not", "a", "dict"], UNPATCHED)


def test_every_component_declares_its_build_in_the_defaults():
    """minio and mc keep their cache names; weed is declared but not in the default list."""
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    assert defaults["minio_artifacts_components"] == ["minio", "mc"]
    specs = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())
    choices = specs["argument_specs"]["main"]["options"]["minio_artifacts_components"]["choices"]
    assert choices == ["minio", "mc", "weed"]
    for name in choices:
        for field in ("release", "module_version", "commit", "source_sha256", "patches", "module", "package",
                      "ldflags", "version_argv", "version_expect", "url", "sha256"):
            assert "minio_artifacts_%s_%s" % (name, field) in defaults, (name, field)
    weed = {field: defaults["minio_artifacts_weed_" + field]
            for field in ("module", "release", "commit", "package", "ldflags", "version_argv", "version_expect",
                          "commit_in_name", "go_min_version", "source_sha256")}
    weed["version"] = defaults["minio_artifacts_weed_module_version"]
    plan = artifact_build_plan(weed, artifact_patch_set(defaults["minio_artifacts_weed_patches"], weed["release"], "/p"))
    assert plan["key"] == "4.53-7506e5f91cd6"
    assert plan["source_dir"] == "github.com/seaweedfs/seaweedfs@v0.0.0-20261109003541-7506e5f91cd6"
