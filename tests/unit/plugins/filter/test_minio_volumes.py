# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""minio_volumes: MINIO_VOLUMES from the inventory, for nectar alone and for a cluster."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.egid.s3share.plugins.filter.cluster import minio_volumes
from ansible_collections.egid.s3share.plugins.module_utils._host.minio_volumes import ellipsis

DRIVES = ["/srv/s3/data1", "/srv/s3/data2"]


def test_one_host_keeps_the_single_node_value():
    assert minio_volumes(["nectar"], ["/srv/s3/data"]) == "/srv/s3/data"
    assert minio_volumes([], "/srv/s3/data") == "/srv/s3/data"
    assert minio_volumes(["nectar"], DRIVES) == "/srv/s3/data1 /srv/s3/data2"


def test_numbered_hosts_and_drives_use_minio_expansion():
    hosts = ["s3node1", "s3node2", "s3node3", "s3node4"]
    assert minio_volumes(hosts, DRIVES) == "https://s3node{1...4}:9000/srv/s3/data{1...2}"
    fqdns = ["minio%02d.lab.example" % i for i in range(1, 5)]
    assert minio_volumes(fqdns, DRIVES, 9443) == "https://minio{01...04}.lab.example:9443/srv/s3/data{1...2}"


def test_other_names_are_listed_one_endpoint_each():
    assert minio_volumes(["alpha", "beta"], DRIVES) == (
        "https://alpha:9000/srv/s3/data1 https://alpha:9000/srv/s3/data2 "
        "https://beta:9000/srv/s3/data1 https://beta:9000/srv/s3/data2")
    # Expanded hosts with listed drives would mix both forms, which MinIO refuses.
    assert minio_volumes(["n1", "n2"], ["/a", "/b/x"]) == "https://n1:9000/a https://n1:9000/b/x https://n2:9000/a https://n2:9000/b/x"


def test_several_pools_one_argument_each():
    pools = [["s3node1", "s3node2", "s3node3", "s3node4"], ["s3node5", "s3node6", "s3node7", "s3node8"]]
    assert minio_volumes(pools, DRIVES) == ("https://s3node{1...4}:9000/srv/s3/data{1...2} "
                                            "https://s3node{5...8}:9000/srv/s3/data{1...2}")


@pytest.mark.parametrize("names, expected", [
    (["a1", "a2", "a3"], "a{1...3}"), (["a1", "a3"], None), (["a1", "b2"], None), (["a"], None),
    (["n9", "n10"], "n{9...10}"), (["n09", "n10"], "n{09...10}"), (["n9", "n010"], None), (["x", "y"], None)])
def test_ellipsis(names, expected):
    assert ellipsis(names) == expected


@pytest.mark.parametrize("hosts, drives, message", [
    (["a1", "a2"], ["data"], "absolute paths"),
    (["a1", "a2"], ["/d", "/d"], "listed twice"),
    (["a1", "a1"], ["/d"], "listed once"),
    ([["a1", "a2"], ["b"]], ["/d1", "/d2"], "at least two hosts"),
    ([["a1", "a2"], ["x", "y"]], ["/d1", "/d2"], "numbered host names"),
])
def test_bad_input_is_refused(hosts, drives, message):
    with pytest.raises(AnsibleFilterError, match=message):
        minio_volumes(hosts, drives)
