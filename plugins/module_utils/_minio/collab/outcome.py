# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a run did to one collaborator. No Ansible import."""


class Outcome:
    """What a run did to one collaborator."""

    def __init__(self, changed, record, credentials=None, expired=False, action="set_collaborator",
                 details=None):
        self.changed = changed
        self.record = record
        self.credentials = credentials
        self.expired = expired
        self.action = action
        self.details = details or {}
