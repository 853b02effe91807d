# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter that builds the minio_admin role's directory entries."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.egid.s3share.plugins.filter.admin import FilterModule, path_entries


def test_each_path_once_in_order_with_the_attributes():
    # The defaults make the log directory and the audit log's directory the same path.
    paths = ["/opt/minio-admin", "/opt/minio-admin/bin", "/opt/minio-admin/logs", "/opt/minio-admin/logs/"]
    assert path_entries(paths, state="directory", owner="root", group="root", mode="0750") == [
        {"path": "/opt/minio-admin", "state": "directory", "owner": "root", "group": "root", "mode": "0750"},
        {"path": "/opt/minio-admin/bin", "state": "directory", "owner": "root", "group": "root", "mode": "0750"},
        {"path": "/opt/minio-admin/logs", "state": "directory", "owner": "root", "group": "root", "mode": "0750"},
    ]


def test_unset_attributes_are_left_out():
    assert path_entries(["/a"], state="directory", mode=None) == [{"path": "/a", "state": "directory"}]
    assert path_entries([]) == []


@pytest.mark.parametrize("paths", ["/a", ["relative/path"], [None]])
def test_bad_paths_are_refused(paths):
    with pytest.raises(AnsibleFilterError):
        path_entries(paths)


def test_an_unknown_attribute_is_refused():
    with pytest.raises(AnsibleFilterError, match="unknown attribute"):
        path_entries(["/a"], mod="0750")


def test_registered_name():
    assert FilterModule().filters()["path_entries"] is path_entries


def test_contents_give_each_file_its_own():
    assert path_entries(["/l/a.py", "/l/b.py"], contents=["A\n", "B\n"], owner="root", mode="0644") == [
        {"path": "/l/a.py", "owner": "root", "mode": "0644", "content": "A\n"},
        {"path": "/l/b.py", "owner": "root", "mode": "0644", "content": "B\n"},
    ]


@pytest.mark.parametrize("contents", ["A", ["A"], ["A", "B", "C"]])
def test_contents_must_match_the_paths(contents):
    with pytest.raises(AnsibleFilterError, match="one per path"):
        path_entries(["/l/a.py", "/l/b.py"], contents=contents)
