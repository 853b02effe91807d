# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""MINIO_VOLUMES for one server or for a distributed MinIO, from the inventory.

One host: its drive paths, space-separated (today's single-node value, "/srv/s3/data").
Several hosts: one server pool, written with MinIO's ellipsis notation when the
host names and the drive paths are numbered runs ("https://s3node{1...4}:9000/srv/s3/data{1...2}"),
which MinIO expands itself; otherwise every endpoint is listed (MinIO treats a list
without ellipses as one pool). A list of host lists is several pools, one argument each
(MinIO's rule: one pool per space-separated argument with ellipses). No Ansible import.
"""

import re

_NUMBERED = re.compile(r"^(.*?)(\d+)(\D*)$")


class VolumesError(ValueError):
    pass


def ellipsis(names):
    """"s3node{1...4}" for s3node1..s3node4 (consecutive, same prefix and suffix); None otherwise."""
    if len(names) < 2:
        return None
    parts = [_NUMBERED.match(n) for n in names]
    if not all(parts):
        return None
    prefixes = set((m.group(1), m.group(3)) for m in parts)
    if len(prefixes) != 1:
        return None
    digits = [m.group(2) for m in parts]
    # Zero-padded numbers keep their width in MinIO's expansion ({01...04}); mixed widths do not expand.
    if len(set(len(d) for d in digits)) != 1 and any(d.startswith("0") for d in digits):
        return None
    numbers = [int(d) for d in digits]
    if numbers != list(range(numbers[0], numbers[0] + len(numbers))):
        return None
    prefix, suffix = prefixes.pop()
    return "%s{%s...%s}%s" % (prefix, digits[0], digits[-1], suffix)


def _pool(hosts, drives, port, scheme):
    host_pattern = ellipsis(hosts)
    drive_pattern = ellipsis(drives)
    if host_pattern and drive_pattern:
        return "%s://%s:%d%s" % (scheme, host_pattern, port, drive_pattern)
    # MinIO refuses an argument that mixes expanded and listed parts: list everything.
    return " ".join("%s://%s:%d%s" % (scheme, h, port, d) for h in hosts for d in drives)


def volumes(hosts, drives, port=9000, scheme="https"):
    """The MINIO_VOLUMES value; see the module docstring."""
    if isinstance(drives, str):
        drives = [drives]
    drives = list(drives)
    if not drives or not all(isinstance(d, str) and d.startswith("/") for d in drives):
        raise VolumesError("the drives must be absolute paths, got %r" % (drives,))
    if len(set(drives)) != len(drives):
        raise VolumesError("a drive path is listed twice: %s" % ", ".join(drives))
    hosts = list(hosts or [])
    pools = hosts if hosts and all(isinstance(h, (list, tuple)) for h in hosts) else [hosts]
    seen = set()
    for pool in pools:
        for host in pool:
            if not isinstance(host, str) or not host or host in seen:
                raise VolumesError("each host must be a name listed once, got %r" % (host,))
            seen.add(host)
    if len(pools) == 1 and len(pools[0]) <= 1:
        return " ".join(drives)
    if any(len(pool) < 2 for pool in pools):
        raise VolumesError("each server pool needs at least two hosts: %r" % (pools,))
    if len(pools) > 1 and any(not (ellipsis(pool) and ellipsis(drives)) for pool in pools):
        raise VolumesError("several server pools need numbered host names and drive paths, which MinIO expands "
                           "(e.g. s3node{1...4} and /srv/s3/data{1...2}): %r" % (pools,))
    return " ".join(_pool(pool, drives, int(port), scheme) for pool in pools)
