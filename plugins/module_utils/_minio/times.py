# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Times as the collection writes them: aware UTC datetimes, ISO 8601 with a Z.

The one home of the time helpers (collaborator records, the sweep, the
metrics, s3share, the share links). No Ansible import.
"""

import datetime
import time


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def parse_time(value):
    """Parse an ISO 8601 time (date, or date and time) as an aware UTC datetime."""
    if isinstance(value, datetime.datetime):
        moment = value
    else:
        text = str(value).strip()
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            moment = datetime.datetime.fromisoformat(text)
        except ValueError:
            raise ValueError("invalid time %r: use ISO 8601, for example 2026-12-31T18:00:00Z" % (value,))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.astimezone(datetime.timezone.utc)


def format_time(moment):
    return moment.astimezone(datetime.timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_epoch(seconds):
    """format_time for a Unix time in seconds."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))
