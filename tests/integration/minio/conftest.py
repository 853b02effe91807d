# -*- coding: utf-8 -*-
"""Fixtures for the MinIO integration tests; the implementation is in minio_testbed.py.

The helpers live in a uniquely named module so that this directory can be
collected together with other test directories that also have a conftest.py.
"""

from __future__ import annotations

from minio_testbed import ansible, binaries, mc, pki, prefix, server, server_nokms  # noqa: F401  pylint: disable=unused-import
