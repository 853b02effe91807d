# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a folder can be shared without exposing old data (versions, delete markers).

No Ansible import: the server-side sweep and the s3share command use this file.
"""

from ansible_collections.egid.s3share.plugins.module_utils._minio.errors import translated


def shared_area_problem(s3, bucket, prefix, scan=True):
    """Why a folder cannot be shared without exposing old data, or None.

    MinIO answers ListObjectVersions with s3:ListBucket, so no policy can hide
    old versions and delete markers from whoever may list a folder. The shared
    area must therefore keep none: the bucket is unversioned, or the folder
    lies under one of its versioning ExcludedPrefixes (``results/`` in the
    lab's buckets, whose source of truth is NFS), and no version from an
    earlier setting is left. ``scan`` lists the folder's versions (done when
    the grant is created or moved).
    """
    with translated("read the versioning of", "bucket %s" % bucket):
        config = s3.get_bucket_versioning(bucket)
    folder = prefix + "/"
    if config.status == "Enabled":
        excluded = [p for p in (config.excluded_prefixes or []) if folder.startswith(p)]
        if not excluded:
            return ("bucket %s keeps object versions under %s, so deleted files would stay readable; exclude "
                    "the shared area from versioning first (egid.s3share.minio_bucket "
                    "versioning_excluded_prefixes: ['results/'])" % (bucket, folder))
    if not scan:
        return None
    with translated("list the versions in", "%s/%s" % (bucket, folder)):
        for obj in s3.list_objects(bucket, prefix=folder, recursive=True, include_version=True):
            if obj.is_delete_marker or str(obj.is_latest).lower() != "true":
                return ("%s/%s still holds old versions or delete markers (for example %s); remove them first "
                        "(mc rm --recursive --versions --non-current --force ALIAS/%s/%s)"
                        % (bucket, folder, obj.object_name, bucket, folder))
    return None


def versioned_objects_problem(s3, bucket, prefix):
    """Why adopting a folder would lock its collaborator out, or None.

    Objects written while the folder was versioned keep a version id; mc names
    it when it downloads, and the collaborator policy refuses any request that
    names a version. Such a folder must be rewritten unversioned first.
    """
    folder = prefix + "/"
    with translated("list the versions in", "%s/%s" % (bucket, folder)):
        for obj in s3.list_objects(bucket, prefix=folder, recursive=True, include_version=True):
            if obj.version_id not in (None, "", "null"):
                return ("%s/%s holds objects written while it was versioned (for example %s): the collaborator "
                        "policy refuses requests naming a version, so mc could no longer download them; copy the "
                        "folder onto itself once it is excluded from versioning, then run again"
                        % (bucket, folder, obj.object_name))
    return None
