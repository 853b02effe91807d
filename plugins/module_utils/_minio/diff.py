# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small difference tracker for diff mode, and set reconciliation."""

import copy

MEMBERSHIP_MODES = ("present", "absent", "exact")


class DifferenceTracker:
    """Records before/after values of the attributes a module manages."""

    def __init__(self):
        self._items = []

    def add(self, name, before=None, after=None):
        for item in self._items:
            if item["name"] == name:
                item["after"] = copy.deepcopy(after)
                return
        self._items.append({"name": name, "before": copy.deepcopy(before), "after": copy.deepcopy(after)})

    def changed_names(self):
        return [item["name"] for item in self._items if item["before"] != item["after"]]

    def get_before(self):
        return dict((item["name"], item["before"]) for item in self._items)

    def get_after(self):
        return dict((item["name"], item["after"]) for item in self._items)

    def diff(self):
        return {"before": self.get_before(), "after": self.get_after()}


def reconcile_set(current, wanted, mode):
    """Membership with present/absent/exact semantics.

    Returns (to_add, to_remove, result) as sorted lists. ``wanted=None`` means
    "leave alone".
    """
    current = set(current or [])
    if wanted is None:
        return [], [], sorted(current)
    wanted = set(wanted)
    if mode == "present":
        to_add, to_remove = wanted - current, set()
    elif mode == "absent":
        to_add, to_remove = set(), wanted & current
    elif mode == "exact":
        to_add, to_remove = wanted - current, current - wanted
    else:
        raise ValueError("unknown membership mode %r" % (mode,))
    return sorted(to_add), sorted(to_remove), sorted((current | to_add) - to_remove)
