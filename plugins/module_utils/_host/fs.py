# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one atomic file write of the host code.

replace_file() writes a temporary file in the target's directory, sets its owner
and mode before any byte is written (a secret is never readable by anyone else,
even for a moment), writes, fsyncs, copies the SELinux label of the file it
replaces, renames it over the target and fsyncs the directory.

Why not AnsibleModule.atomic_move: it copies the old file's owner and mode onto
the new content (undoing a wanted mode change, and showing new content under an
old, wider mode), and on a new file it resets the mode to 0666 minus the umask
and the owner to the module's user, so a new secret would be readable until the
caller chmods it. A rename keeps what this function set; only the label has to
be carried over, and libselinux's setfilecon() is this same setxattr call.
No Ansible import: the server programs may use it too.
"""

import errno
import os
import tempfile

# Extended attributes of the replaced file that the new one keeps. A new file
# gets the label the kernel gives any file created in its directory.
KEPT_XATTRS = ("security.selinux",)

# No such attribute, or a filesystem or kernel without extended attributes.
_ABSENT = (errno.ENODATA, errno.ENOTSUP, errno.EOPNOTSUPP)


def _copy_xattrs(source, target_fd):
    for name in KEPT_XATTRS:
        try:
            value = os.getxattr(source, name, follow_symlinks=False)
        except OSError as exc:
            if exc.errno in _ABSENT:
                continue
            raise
        os.setxattr(target_fd, name, value)


def fsync_directory(directory):
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def replace_file(path, data, mode=0o644, uid=-1, gid=-1):
    """Create or replace path with data (bytes) atomically, owned by uid:gid (-1 keeps) with mode.

    A reader sees the old file or the new one, never a part; after a crash the
    new one is on disk once this returns. The temporary file is removed on any
    error, and the target is then untouched.
    """
    directory = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)
            if uid != -1 or gid != -1:
                os.fchown(handle.fileno(), uid, gid)
            os.fchmod(handle.fileno(), mode)
            if os.path.lexists(path):
                _copy_xattrs(path, handle.fileno())
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.rename(tmp, path)
    except BaseException:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        raise
    fsync_directory(directory)
