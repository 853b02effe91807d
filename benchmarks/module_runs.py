#!/usr/bin/env python3
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Count the module runs of a playbook run, per play, from the ansible.posix.json callback's output.

A module run is a task result that was not skipped and whose action runs a
module (on the host or delegated), not a controller-side action (assert,
debug, set_fact, include, meta). Unlike a wall time, the count does not move
with the machine's load:
  ANSIBLE_STDOUT_CALLBACK=ansible.posix.json ansible-playbook site.yml | benchmarks/module_runs.py
"""

import json
import sys

CONTROLLER_ACTIONS = {
    "assert", "debug", "set_fact", "fail", "meta", "include_tasks", "import_tasks", "include_role",
    "import_role", "include_vars", "validate_argument_spec", "pause", "add_host", "group_by",
}


def short(action):
    return action.rsplit(".", 1)[-1]


def count(run):
    rows = []
    for play in run.get("plays", []):
        runs = 0
        for task in play.get("tasks", []):
            for result in task.get("hosts", {}).values():
                if result.get("skipped") or short(result.get("action", "")) in CONTROLLER_ACTIONS:
                    continue
                items = result.get("results") if isinstance(result.get("results"), list) else [result]
                runs += sum(1 for item in items if not item.get("skipped"))
        rows.append((play["play"]["name"], runs))
    return rows


def main():
    rows = count(json.load(sys.stdin))
    width = max(len(name) for name, _ in rows)
    for name, runs in rows:
        print("%-*s %4d" % (width, name, runs))
    print("%-*s %4d" % (width, "total", sum(runs for _, runs in rows)))


if __name__ == "__main__":
    main()
