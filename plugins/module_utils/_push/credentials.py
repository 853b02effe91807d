# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The endpoint and the user's own keys: an mc alias (~/.mc/config.json) or the AWS_* variables.

The target is written as mc writes it, ALIAS/BUCKET/PREFIX, when ALIAS names an
alias of the mc configuration (the one roles/mc_client writes); otherwise it is
BUCKET/PREFIX and the keys come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
(AWS_SESSION_TOKEN), the endpoint from AWS_ENDPOINT_URL and the CA from
AWS_CA_BUNDLE. The secret is never taken from an argument.
"""

import glob
import json
import os
import re
import urllib.parse

_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


class CredentialsError(Exception):
    """No usable account: the message says where it looked."""


class Account:
    def __init__(self, endpoint, access_key, secret_key, region="us-east-1", session_token=None, ca_files=(),
                 source=""):
        parsed = urllib.parse.urlsplit(endpoint)
        if parsed.scheme not in ("https", "http") or not parsed.hostname:
            raise CredentialsError("the endpoint %r is not an http(s) URL" % endpoint)
        self.endpoint = endpoint.rstrip("/")
        self.scheme = parsed.scheme
        self.host = parsed.hostname
        self.port = parsed.port or (443 if parsed.scheme == "https" else 80)
        self.netloc = parsed.netloc
        self.access_key = access_key
        self.secret_key = secret_key
        self.region = region
        self.session_token = session_token
        self.ca_files = list(ca_files)
        self.source = source

    def __repr__(self):  # never the secret
        return "Account(%s, %s, from %s)" % (self.endpoint, self.access_key, self.source)


def mc_config_dir(given=None):
    return given or os.environ.get("MC_CONFIG_DIR") or os.path.join(os.path.expanduser("~"), ".mc")


def _mc_aliases(config_dir):
    path = os.path.join(config_dir, "config.json")
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle).get("aliases") or {}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise CredentialsError("cannot read the mc configuration %s: %s" % (path, exc))


def _mc_cas(config_dir):
    return sorted(p for p in glob.glob(os.path.join(config_dir, "certs", "CAs", "*")) if os.path.isfile(p))


def split_target(target):
    """'bucket/prefix' -> (bucket, prefix ending in '/' or '')."""
    bucket, dummy, prefix = target.strip("/").partition("/")
    if not _BUCKET.fullmatch(bucket):
        raise CredentialsError("%r is not a bucket name" % bucket)
    prefix = prefix.strip("/")
    if any(part in ("", ".", "..") for part in prefix.split("/")) and prefix:
        raise CredentialsError("the prefix %r has an empty, . or .. component" % prefix)
    return bucket, (prefix + "/" if prefix else "")


def resolve(target, alias=None, config_dir=None, environ=None):
    """Return (account, bucket, prefix) for target, ALIAS/BUCKET/PREFIX or BUCKET/PREFIX."""
    environ = os.environ if environ is None else environ
    config_dir = mc_config_dir(config_dir)
    aliases = _mc_aliases(config_dir)
    rest = target
    if alias is None:
        first = target.strip("/").split("/", 1)[0]
        if first in aliases:
            alias, rest = first, target.strip("/")[len(first) + 1:]
    if alias is not None:
        entry = aliases.get(alias)
        if not entry:
            raise CredentialsError("no alias %r in %s/config.json (mc alias list)" % (alias, config_dir))
        for field in ("url", "accessKey", "secretKey"):
            if not entry.get(field):
                raise CredentialsError("the mc alias %r has no %s" % (alias, field))
        cas = _mc_cas(config_dir)
        if environ.get("AWS_CA_BUNDLE"):
            cas.append(environ["AWS_CA_BUNDLE"])
        account = Account(entry["url"], entry["accessKey"], entry["secretKey"],
                          region=entry.get("region") or environ.get("AWS_REGION") or "us-east-1",
                          session_token=entry.get("sessionToken") or None, ca_files=cas,
                          source="mc alias %s" % alias)
    else:
        missing = [k for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL") if not environ.get(k)]
        if missing:
            raise CredentialsError("%r does not start with an mc alias of %s/config.json, and %s %s not set"
                                   % (target, config_dir, ", ".join(missing), "is" if len(missing) == 1 else "are"))
        account = Account(environ["AWS_ENDPOINT_URL"], environ["AWS_ACCESS_KEY_ID"], environ["AWS_SECRET_ACCESS_KEY"],
                          region=environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or "us-east-1",
                          session_token=environ.get("AWS_SESSION_TOKEN") or None,
                          ca_files=[environ["AWS_CA_BUNDLE"]] if environ.get("AWS_CA_BUNDLE") else [],
                          source="AWS_* variables")
    bucket, prefix = split_target(rest)
    return account, bucket, prefix
