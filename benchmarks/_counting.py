# -*- coding: utf-8 -*-
"""Call counting for benchmarks (benchmark-only code; nothing in plugins/ imports it).

Two layers, both on the real SDK objects (no mock):
- CountingProxy wraps a Minio or MinioAdmin client and counts the calls our
  code makes through it, by method name. Calls of the SDK's private request
  helpers (``_url_open`` for admin paths the SDK has no method for,
  ``_execute`` for the conditional record write) are counted too, labelled
  with the admin command or the HTTP method. The time spent in each method
  is summed too (for list_objects, a generator, only the call itself).
- count_http_requests() wraps the urllib3 pool the clients share and counts
  the HTTP requests that really leave the process, so a paginated listing
  (one list_objects call, one request per 1000 keys) shows its pages.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from urllib.parse import parse_qsl, urlsplit

LIST_METHODS = ("user_list", "policy_list", "group_list", "list_objects")


class CountingProxy:
    """Wraps a client and counts the calls made through it, by method name."""

    def __init__(self, client):
        self._client = client
        self._lock = threading.Lock()
        self.calls = Counter()
        self.seconds = Counter()

    def __getattr__(self, name):
        attr = getattr(self._client, name)
        if not callable(attr):
            return attr

        def counted(*args, **kwargs):
            label = name
            if name == "_url_open":
                command = kwargs.get("command")
                label = "_url_open:%s" % getattr(command, "value", command)
            elif name == "_execute":
                label = "_execute:%s" % (args[0] if args else kwargs.get("method"))
            started = time.perf_counter()
            try:
                return attr(*args, **kwargs)
            finally:
                with self._lock:
                    self.calls[label] += 1
                    self.seconds[label] += time.perf_counter() - started
        return counted

    @property
    def total(self):
        return sum(self.calls.values())


def _classify(method, url):
    parts = urlsplit(url)
    path = parts.path
    if path.startswith("/minio/admin/"):
        return "admin %s" % path.rsplit("/", 1)[-1]
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    segments = [s for s in path.split("/") if s]
    if len(segments) <= 1:
        if "list-type" in query:
            return "s3 ListObjectsV2 (page)"
        if "versions" in query:
            return "s3 ListObjectVersions (page)"
        keys = sorted(k for k in query if k not in ("prefix", "delimiter", "max-keys", "encoding-type"))
        return "s3 %s bucket%s" % (method, ("?" + ",".join(keys)) if keys else "")
    return "s3 %s object" % method


def count_http_requests(pool):
    """Wrap pool.urlopen in place; return a Counter of requests by kind (filled as requests go out)."""
    counter = Counter()
    lock = threading.Lock()
    original = pool.urlopen

    def urlopen(method, url, *args, **kwargs):
        with lock:
            counter[_classify(method, url)] += 1
        return original(method, url, *args, **kwargs)

    pool.urlopen = urlopen
    return counter


def list_calls(*proxies):
    """How many listing calls (users, policies, groups, objects) went through the proxies."""
    return sum(p.calls.get(name, 0) for p in proxies for name in LIST_METHODS)


def fmt_calls(counter, seconds=None):
    """name=count, or name=count/total seconds when seconds (a Counter by the same names) is given."""
    if seconds is None:
        return ", ".join("%s=%d" % (k, v) for k, v in sorted(counter.items())) or "-"
    return ", ".join("%s=%d/%.2fs" % (k, v, seconds.get(k, 0.0)) for k, v in sorted(counter.items())) or "-"
