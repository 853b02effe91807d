# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters the roles use to decide in Python rather than in Jinja."""

from ansible.errors import AnsibleFilterError

from ansible_collections.egid.s3share.plugins.module_utils._minio.policy import PolicyError, link_signer_policy
from ansible_collections.egid.s3share.plugins.module_utils._s3share.delegation import parse_delegations


def delegation_link_paths(delegations, extra=None):
    """Every "<bucket>/<root>" a delegated group may share, plus extra ones."""
    try:
        dummy, parsed = parse_delegations({"delegations": delegations or []})
    except ValueError as exc:
        raise AnsibleFilterError("minio_admin_delegations: %s" % exc)
    paths = set(extra or [])
    for delegation in parsed:
        paths.update("%s/%s" % (bucket, root) for bucket in delegation.buckets for root in delegation.path_roots)
    return sorted(paths)


def link_signer_policy_document(paths):
    try:
        return link_signer_policy(paths)
    except PolicyError as exc:
        raise AnsibleFilterError(str(exc))


def delegations_document(delegations, admin_groups=None):
    """The delegations.json the s3share command reads, validated the way the command validates it."""
    document = {"admin_groups": list(admin_groups or []), "delegations": list(delegations or [])}
    try:
        dummy, parsed = parse_delegations(document)
    except ValueError as exc:
        raise AnsibleFilterError("minio_admin_delegations: %s" % exc)
    return {"admin_groups": document["admin_groups"], "delegations": [d.as_dict() for d in parsed]}


class FilterModule:
    def filters(self):
        return {
            "delegation_link_paths": delegation_link_paths,
            "link_signer_policy": link_signer_policy_document,
            "delegations_document": delegations_document,
        }
