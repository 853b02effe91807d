# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""IAM policy templates and order-insensitive policy comparison.

No Ansible import: the server-side expiry sweep uses this file too.
"""

import copy
import json
import re

POLICY_VERSION = "2012-10-17"
TEMPLATES = ("read-only", "read-write", "custom")

# Keys whose values are sets: a single string equals a one-element list.
_SET_KEYS = ("Action", "NotAction", "Resource", "NotResource")

# Matched with fullmatch(): "$" would accept a trailing newline.
_BUCKET_RE = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_PREFIX_SEGMENT_RE = re.compile(r"[A-Za-z0-9._+=@,-]+")
_IPV4_RE = re.compile(r"\d+\.\d+\.\d+\.\d+")


class PolicyError(ValueError):
    """Invalid template input or policy document."""


def validate_bucket_name(bucket):
    """Return an error message for an invalid bucket name, or None."""
    if not isinstance(bucket, str) or not _BUCKET_RE.fullmatch(bucket):
        return ("invalid bucket name %r: 3-63 characters, lower-case letters, "
                "digits, '.' and '-', starting and ending with a letter or digit" % (bucket,))
    if ".." in bucket or _IPV4_RE.fullmatch(bucket):
        return "invalid bucket name %r" % (bucket,)
    return None


def normalize_prefix(prefix):
    """Validate a key prefix inside a bucket and return it without the trailing '/'.

    Refuses what could widen a grant or escape the bucket: '..', '.', empty
    segments, a leading '/', wildcards ('*', '?'), policy variables ('${').
    An empty prefix means the whole bucket.
    """
    if prefix is None:
        return ""
    if not isinstance(prefix, str):
        raise PolicyError("prefix must be a string")
    if prefix.startswith("/"):
        raise PolicyError("invalid prefix %r: it must not start with '/' (it is relative to the bucket)" % prefix)
    stripped = prefix[:-1] if prefix.endswith("/") else prefix
    if stripped == "":
        return ""
    for segment in stripped.split("/"):
        if segment in ("", ".", ".."):
            raise PolicyError("invalid prefix %r: empty, '.' or '..' path segments would leave the intended folder" % prefix)
        if not _PREFIX_SEGMENT_RE.fullmatch(segment):
            raise PolicyError("invalid prefix %r: only letters, digits and . _ + = @ , - are allowed "
                              "in a segment (no wildcards such as '*' or '?', no '${')" % prefix)
    return stripped


def folder_prefix(prefix, refused, whole_bucket_message):
    """normalize_prefix for a grant that must name one folder: an invalid prefix, or none (the whole
    bucket), raises refused(message), the caller's own refusal."""
    try:
        prefix = normalize_prefix(prefix)
    except PolicyError as exc:
        raise refused(str(exc))
    if not prefix:
        raise refused(whole_bucket_message)
    return prefix


def _arn(bucket, key=None):
    if key is None:
        return "arn:aws:s3:::%s" % bucket
    return "arn:aws:s3:::%s/%s" % (bucket, key)


def template_policy(template, bucket, prefix=""):
    """Build the policy document for a template on a bucket and an optional prefix.

    read-only: s3:GetObject on the prefix, and s3:ListBucket conditioned on
    ``<prefix>/`` and ``<prefix>/*`` so that ``mc ls`` and the console can browse
    the folder, and nothing else. The bare prefix is deliberately not listable:
    listing ``results/chu-liege`` would reveal ``results/chu-liege-2/``.
    read-write: the same plus PutObject, DeleteObject and multipart uploads.
    s3:ListBucketMultipartUploads and s3:GetBucketLocation are granted only on
    a whole bucket: MinIO accepts no s3:prefix condition on the first, so on a
    prefix it would list the uploads in progress of every other folder, and
    it uses the second to decide which buckets ListBuckets and AccountInfo
    show, with their sizes and top-level folders. mc and the SDKs do without
    it (they fall back to the configured region).
    """
    if template not in ("read-only", "read-write"):
        raise PolicyError("unknown template %r (expected read-only or read-write)" % (template,))
    message = validate_bucket_name(bucket)
    if message:
        raise PolicyError(message)
    prefix = normalize_prefix(prefix)
    objects = _arn(bucket, (prefix + "/*") if prefix else "*")
    list_statement = {"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": [_arn(bucket)]}
    if prefix:
        list_statement["Condition"] = {"StringLike": {"s3:prefix": [prefix + "/", prefix + "/*"]}}
    statements = [
        {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": [objects]},
        list_statement,
    ]
    if template == "read-write":
        statements[0]["Action"] = [
            "s3:GetObject", "s3:PutObject", "s3:DeleteObject",
            "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts",
        ]
        if not prefix:
            statements.append({"Effect": "Allow", "Action": ["s3:ListBucketMultipartUploads", "s3:GetBucketLocation"],
                               "Resource": [_arn(bucket)]})
    return {"Version": POLICY_VERSION, "Statement": statements}


# What an internal account (a lab member's key, from the templates) must never do:
# - mint access keys of its own: MinIO lets any user create service accounts
#   for itself (without expiry) and change its own secret unless a Deny says
#   otherwise, and the collection never needs an internal account to do either
#   (admins make accounts with the root key); so no admin action at all;
# - destroy object versions for good: a DeleteObject naming a version removes
#   that version (MinIO checks s3:DeleteObject only, with the s3:versionid
#   condition key), so any request naming a version is refused for deletes;
#   a plain delete only adds a delete marker, which an admin can remove to
#   restore the object. s3:DeleteObjectVersion and the tagging/retention
#   actions on versions are never granted; they are denied too, in case a
#   custom grant adds them.
# MinIO matches s3:DeleteObjectVersion only against itself (unlike
# s3:GetObjectVersion, which also matches s3:GetObject), so the unconditional
# deny below does not stop plain deletes.
_INTERNAL_DENIALS = (
    {"Effect": "Deny", "Action": ["admin:*"]},
    {"Effect": "Deny", "Action": ["s3:DeleteObject"], "Resource": ["arn:aws:s3:::*"],
     "Condition": {"StringLike": {"s3:versionid": ["?*"]}}},
    {"Effect": "Deny", "Action": ["s3:DeleteObjectVersion", "s3:DeleteObjectVersionTagging",
                                  "s3:PutObjectVersionTagging", "s3:BypassGovernanceRetention",
                                  "s3:PutObjectRetention", "s3:PutBucketVersioning",
                                  "s3:PutLifecycleConfiguration",
                                  "s3:ForceDeleteBucket", "s3:DeleteBucket"],
     "Resource": ["arn:aws:s3:::*"]},
)


def internal_policy(template, bucket, prefix=""):
    """The policy of an internal account: template_policy() and the denials above.

    What egid.s3share.minio_policy, egid.s3share.minio_iam and ``s3share user
    add`` give for a template (collaborators get collaborator_policy()).
    """
    document = template_policy(template, bucket, prefix)
    document["Statement"].extend(json.loads(json.dumps(_INTERNAL_DENIALS)))
    return document


# What a collaborator must never do, whatever MinIO's defaults are:
# - admin:*: MinIO lets any user create service accounts (access keys) for
#   itself and reset its own secret unless an explicit Deny says otherwise;
# - STS is allowed, on purpose: the web console logs in with AssumeRole on
#   the user's keys, and MinIO evaluates the temporary keys against the
#   parent's policy, read again on each request (this one: same folder, same
#   expiring Allows, same Denies) and refuses them as soon as the parent is
#   disabled or removed. Temporary keys cannot mint further keys, and the
#   server caps their lifetime (MINIO_STS_DURATION, roles/minio_server). A
#   Deny on aws:principaltype "AssumedRole" stopped only the console: a
#   client that sends a "Principaltype: User" header passes it (docs/console.md);
# - any request naming an object version, and the version actions: old
#   versions and delete markers stay out of reach even where a bucket keeps
#   them. MinIO answers ListObjectVersions with s3:ListBucket when
#   s3:ListBucketVersions is refused, so listing is closed by the layout
#   instead (the shared area is excluded from versioning; see _minio.collab).
#   s3:GetObjectVersion is not in the list: MinIO lets a statement naming it
#   match s3:GetObject too (ActionSet.Match), so denying it would deny every
#   download; the s3:versionid condition covers version reads.
_VERSION_ACTIONS = [
    "s3:GetObjectVersionTagging", "s3:GetObjectVersionAttributes",
    "s3:PutObjectVersionTagging", "s3:DeleteObjectVersion", "s3:DeleteObjectVersionTagging",
    "s3:ListBucketVersions", "s3:GetObjectVersionForReplication",
]
# Signature V2 (s3:signatureversion "AWS"): a SigV2 presigned URL has no
# 7-day limit (MinIO serves one until its Expires, e.g. 2036), and V2 signs
# with SHA-1. Every collection client signs V4, so V2 is denied outright.
_DENY_SIGV2 = {"Effect": "Deny", "Action": ["s3:*"], "Resource": ["arn:aws:s3:::*"],
               "Condition": {"StringEquals": {"s3:signatureversion": ["AWS"]}}}
_EXPIRY_CONDITION = "DateLessThan"
_EXPIRY_KEY = "aws:CurrentTime"


def collaborator_policy(access, bucket, prefix, expires_at):
    """The policy of an external collaborator: one folder, until expires_at (an RFC 3339 UTC string).

    Every Allow carries ``DateLessThan aws:CurrentTime``, so MinIO itself
    refuses the collaborator at its expiry, to the second, whether or not the
    sweep has run yet. The Deny statements are listed above.
    """
    if not prefix:
        raise PolicyError("a collaborator policy needs a prefix: collaborators never get a whole bucket")
    document = template_policy(access, bucket, prefix)
    until = {_EXPIRY_CONDITION: {_EXPIRY_KEY: [expires_at]}}
    for statement in document["Statement"]:
        condition = statement.setdefault("Condition", {})
        condition.update(until)
    document["Statement"].extend([
        {"Effect": "Deny", "Action": ["admin:*"]},
        {"Effect": "Deny", "Action": ["s3:DeleteObject"], "Resource": ["arn:aws:s3:::*"],
         "Condition": {"StringLike": {"s3:versionid": ["?*"]}}},
        # Reads except versionId=null: the web console downloads so, and "null" names the only version an
        # unversioned or excluded folder holds (a folder with older versions is refused, _minio.collab).
        {"Effect": "Deny", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::*"],
         "Condition": {"StringLike": {"s3:versionid": ["?*"]}, "StringNotEquals": {"s3:versionid": ["null"]}}},
        {"Effect": "Deny", "Action": list(_VERSION_ACTIONS), "Resource": ["arn:aws:s3:::*"]},
        copy.deepcopy(_DENY_SIGV2),
    ])
    return document


def policy_expiry(document):
    """The expiry written by collaborator_policy(), or None when the document carries none.

    The earliest DateLessThan aws:CurrentTime of the Allow statements: the
    moment MinIO stops granting anything. Reads the document as it is (the
    sweep calls this for every collaborator policy, so no normalisation).
    """
    if isinstance(document, (bytes, str)):
        try:
            document = json.loads(document)
        except ValueError:
            return None
    statements = document.get("Statement") if isinstance(document, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list):
        return None
    found = []
    for statement in statements:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        condition = statement.get("Condition") or {}
        values = condition.get(_EXPIRY_CONDITION, {}).get(_EXPIRY_KEY) if isinstance(condition, dict) else None
        if not values:
            return None  # an Allow without a time limit: no expiry for the whole policy
        found.extend(_as_list(values))
    return min(str(v) for v in found) if found else None


def _sorted_unique(values):
    unique = {}
    for value in values:
        unique[json.dumps(value, sort_keys=True)] = value
    return [unique[key] for key in sorted(unique)]


def _as_list(value):
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _normalize_condition(condition):
    result = {}
    for operator, block in condition.items():
        if not isinstance(block, dict):
            raise PolicyError("condition %r must map keys to values" % operator)
        result[operator] = dict(
            (key, _sorted_unique(str(v) if isinstance(v, bool) else v for v in _as_list(value)))
            for key, value in block.items()
        )
    return result


def _normalize_statement(statement):
    if not isinstance(statement, dict):
        raise PolicyError("every statement must be an object")
    result = {}
    for key, value in statement.items():
        if key in _SET_KEYS:
            result[key] = _sorted_unique(_as_list(value))
        elif key == "Condition":
            result[key] = _normalize_condition(value or {})
            if not result[key]:
                del result[key]
        elif key == "Principal" and isinstance(value, dict):
            result[key] = dict((k, _sorted_unique(_as_list(v))) for k, v in value.items())
        elif key == "Sid" and not value:
            continue
        else:
            result[key] = value
    if result.get("Effect") not in ("Allow", "Deny"):
        raise PolicyError("every statement needs Effect Allow or Deny")
    return result


def normalize_policy(policy):
    """Return a canonical form of a policy document (dict, or JSON text).

    Statement order, action/resource order and duplicates do not matter, and a
    single string equals a one-element list.
    """
    if isinstance(policy, (bytes, bytearray)):
        policy = policy.decode("utf-8")
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError as exc:
            raise PolicyError("the policy is not valid JSON: %s" % exc)
    if not isinstance(policy, dict):
        raise PolicyError("the policy must be a JSON object")
    statements = policy.get("Statement")
    if statements is None:
        raise PolicyError("the policy has no Statement")
    statements = [_normalize_statement(s) for s in _as_list(statements)]
    if not statements:
        raise PolicyError("the policy has no Statement")
    result = dict((k, v) for k, v in policy.items() if k not in ("Statement", "ID", "Id"))
    result.setdefault("Version", POLICY_VERSION)
    result["Statement"] = _sorted_unique(statements)
    return result


def policies_equal(left, right):
    """True when two policy documents grant the same thing."""
    return canonical_json(left) == canonical_json(right)


def canonical_json(policy):
    return json.dumps(normalize_policy(policy), sort_keys=True, separators=(",", ":"))


def link_signer_policy(paths):
    """The policy of the identity that signs presigned links: read the given folders, nothing else.

    paths: "<bucket>/<folder>/" strings. A presigned URL carries the signer's
    rights, so the signer may only GetObject in the shareable folders (no
    listing, no versions), and, like a collaborator, can mint nothing.
    """
    resources = []
    for path in sorted(set(paths)):
        bucket, sep, folder = str(path).partition("/")
        message = validate_bucket_name(bucket)
        if message or not sep:
            raise PolicyError("invalid link path %r: expected <bucket>/<folder>/" % (path,))
        folder = normalize_prefix(folder)
        if not folder:
            raise PolicyError("invalid link path %r: links are never signed for a whole bucket" % (path,))
        resources.append(_arn(bucket, folder + "/*"))
    if not resources:
        raise PolicyError("the link identity needs at least one folder to read")
    return {"Version": POLICY_VERSION, "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": resources},
        {"Effect": "Deny", "Action": ["admin:*"]},
        {"Effect": "Deny", "Action": ["s3:*"], "Resource": ["arn:aws:s3:::*"],
         "Condition": {"StringEquals": {"aws:principaltype": ["AssumedRole"]}}},
        {"Effect": "Deny", "Action": ["s3:GetObject", "s3:DeleteObject"], "Resource": ["arn:aws:s3:::*"],
         "Condition": {"StringLike": {"s3:versionid": ["?*"]}}},
        copy.deepcopy(_DENY_SIGV2),
    ]}
