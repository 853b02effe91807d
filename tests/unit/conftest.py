# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Puts this checkout on the import path as ``ansible_collections.egid.s3share``.

A plain ``python -m pytest tests/unit`` then works from a fresh clone, with no
set-up step and no path code in the test files. The collection is reached the
way Ansible reaches it: through ``.collections/ansible_collections/egid/s3share``,
the link that scripts/bootstrap.sh makes (``../../..``, this checkout). When the
link is missing it is made here, in the same place and the same way, so that
the tests that run a module in a child Python (``PYTHONPATH=.collections``)
find it too. ``.collections/`` is in .gitignore.

This file is loaded before any test module of tests/unit is imported.
Helpers shared by several test files live next to it (tests/unit/minio_fakes.py):
pytest puts this directory on sys.path because it holds this conftest.py.
"""

import importlib
import os
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS = os.path.join(REPO, ".collections")
LINK = os.path.join(COLLECTIONS, "ansible_collections", "egid", "s3share")
LINK_TARGET = os.path.join("..", "..", "..")  # relative, as in scripts/bootstrap.sh: survives a moved checkout


def _link_collection():
    """Make LINK point at this checkout (if it does not already); raise UsageError if it cannot."""
    if os.path.realpath(LINK) == os.path.realpath(REPO):
        return
    if os.path.exists(LINK) and not os.path.islink(LINK):
        raise pytest.UsageError("%s is a directory, not the link to this checkout that scripts/bootstrap.sh makes; "
                                "remove it" % LINK)
    try:
        os.makedirs(os.path.dirname(LINK), exist_ok=True)
        if os.path.islink(LINK):  # a stale link, e.g. to another checkout
            os.unlink(LINK)
        os.symlink(LINK_TARGET, LINK)
    except OSError as exc:
        raise pytest.UsageError("Failed to link this checkout as %s: %s" % (LINK, exc))


_link_collection()
# pytest.ini already lists .collections; if it did not exist at start-up, the
# import system has remembered "nothing there", so forget that.
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)
sys.path_importer_cache.pop(COLLECTIONS, None)
importlib.invalidate_caches()
