# -*- coding: utf-8 -*-
"""Fixtures for the SeaweedFS integration tests; the implementation is in weed_testbed.py.

ONE `weed server` serves the whole session (it starts in a few seconds, but
master, volume, filer and gateway are one process). Skipped without WEED_BIN:
    eval "$(scripts/artifacts.sh weed)"; export WEED_BIN
The helpers live in a uniquely named module so that this directory can be
collected together with other test directories that also have a conftest.py.
"""

from __future__ import annotations

from weed_testbed import weed, weed_bin  # noqa: F401  pylint: disable=unused-import
