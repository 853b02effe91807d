# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read the host state the roles decide on: accounts, groups, files, units, packages, disks.

Everything here only reads. The roles call it once (module host_info) and
run an acting module only where the state differs from the wanted one, so
the readers return plain, typed JSON values and never a command's raw text.
The parsers take the text a command printed, so that they can be tested on
real samples; read_host() runs the commands through the caller's runner
(AnsibleModule.run_command in the module). No Ansible import.
"""

import grp
import hashlib
import json
import os
import pwd
import stat

LSBLK_ARGV = ["lsblk", "--json", "--bytes", "--nodeps", "--paths", "--output", "NAME,SIZE,TYPE,RO,SERIAL,WWN"]
FINDMNT_ARGV = ["findmnt", "--json", "--list", "--output", "SOURCE,TARGET,FSTYPE"]
UNIT_PROPERTIES = "LoadState,UnitFileState,ActiveState"
_CHUNK = 1024 * 1024


class HostStateError(Exception):
    """A reading failed; the message names the command or path and the reason."""


# Accounts and groups -------------------------------------------------------

def account_state(name):
    """The passwd entry of an account, with the name of its primary group."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return {"exists": False}
    try:
        group = grp.getgrgid(entry.pw_gid).gr_name
    except KeyError:
        group = None
    return {"exists": True, "uid": entry.pw_uid, "gid": entry.pw_gid, "group": group,
            "home": entry.pw_dir, "shell": entry.pw_shell}


def group_state(name):
    try:
        return {"exists": True, "gid": grp.getgrnam(name).gr_gid}
    except KeyError:
        return {"exists": False}


# Files ---------------------------------------------------------------------

def _name_of(lookup, ident):
    try:
        return lookup(ident)[0]
    except KeyError:
        return str(ident)


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_state(path):
    """lstat of a path: type, owner, group, mode ("0755"), size, and sha256 or link target.

    A symbolic link is described itself (not followed); its target is given
    as written (target) and resolved (realpath).
    """
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return {"exists": False}
    except OSError as exc:
        raise HostStateError("Failed to read %s: %s" % (path, exc.strerror))
    if stat.S_ISREG(st.st_mode):
        kind = "file"
    elif stat.S_ISDIR(st.st_mode):
        kind = "directory"
    elif stat.S_ISLNK(st.st_mode):
        kind = "link"
    else:
        kind = "other"
    state = {
        "exists": True,
        "type": kind,
        "owner": _name_of(pwd.getpwuid, st.st_uid),
        "group": _name_of(grp.getgrgid, st.st_gid),
        "uid": st.st_uid,
        "gid": st.st_gid,
        "mode": "%04o" % stat.S_IMODE(st.st_mode),
        "size": st.st_size,
    }
    try:
        if kind == "file":
            state["sha256"] = sha256_of(path)
        elif kind == "link":
            state["target"] = os.readlink(path)
            state["realpath"] = os.path.realpath(path)
    except OSError as exc:
        raise HostStateError("Failed to read %s: %s" % (path, exc.strerror))
    return state


# Units and packages --------------------------------------------------------

def parse_systemctl_show(text, names):
    """`systemctl show --property=LoadState,UnitFileState,ActiveState NAME...` -> {name: state}.

    systemctl prints one block per unit, in the order asked, separated by an
    empty line; the properties come in systemd's own order.
    """
    blocks = []
    current = {}
    for line in text.splitlines():
        if not line.strip():
            if current:
                blocks.append(current)
                current = {}
            continue
        key, sep, value = line.partition("=")
        if sep:
            current[key] = value
    if current:
        blocks.append(current)
    if len(blocks) != len(names):
        raise HostStateError("systemctl show described %d units for %d asked (%s)"
                             % (len(blocks), len(names), ", ".join(names)))
    return {
        name: {"load_state": block.get("LoadState", ""),
               "enabled": block.get("UnitFileState", ""),
               "active": block.get("ActiveState", "")}
        for name, block in zip(names, blocks)
    }


def parse_dpkg_query(text, names):
    """`dpkg-query --show --showformat '${Package}\\t${db:Status-Status}\\n' NAME...` -> {name: installed}."""
    installed = set()
    for line in text.splitlines():
        package, sep, status = line.partition("\t")
        if sep and status.strip() == "installed":
            installed.add(package.strip())
    return {name: name.split(":", 1)[0] in installed for name in names}


# Disks ---------------------------------------------------------------------

def _flag(value):
    """lsblk prints booleans as true/false (2.37+) or "0"/"1" (older)."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true")


def parse_lsblk(text):
    """`lsblk --json --bytes --nodeps --paths --output NAME,SIZE,TYPE,RO,SERIAL,WWN` -> list of devices."""
    try:
        devices = json.loads(text)["blockdevices"]
    except (ValueError, KeyError, TypeError) as exc:
        raise HostStateError("Failed to parse the output of lsblk: %s" % exc)
    out = []
    for dev in devices:
        out.append({
            "name": dev["name"],
            "size": int(dev.get("size") or 0),
            "type": dev.get("type") or "",
            "ro": _flag(dev.get("ro", False)),
            "serial": (dev.get("serial") or "").strip(),
            "wwn": (dev.get("wwn") or "").strip(),
        })
    return out


def parse_blkid_export(rc, text):
    """`blkid --probe --output export DEV` -> signature; exit code 2 means no signature at all."""
    if rc == 2:
        return {"blank": True, "type": "", "uuid": "", "pttype": "", "label": ""}
    if rc != 0:
        raise HostStateError("blkid exited with %d" % rc)
    tags = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip():
            tags[key.strip()] = value
    return {"blank": False, "type": tags.get("TYPE", ""), "uuid": tags.get("UUID", ""),
            "pttype": tags.get("PTTYPE", ""), "label": tags.get("LABEL", "")}


def parse_findmnt(text):
    """`findmnt --json --list --output SOURCE,TARGET,FSTYPE` -> list of mounts."""
    if not text.strip():
        return []
    try:
        mounts = json.loads(text)["filesystems"]
    except (ValueError, KeyError, TypeError) as exc:
        raise HostStateError("Failed to parse the output of findmnt: %s" % exc)
    return [{"source": m.get("source") or "", "target": m.get("target") or "", "fstype": m.get("fstype") or ""}
            for m in mounts]


def parse_fstab(text):
    """The entries of an fstab, comments and blank lines left out; dump and passno default to "0"."""
    entries = []
    for line in text.splitlines():
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        if len(fields) < 3:
            continue
        fields = fields + ["defaults", "0", "0"][len(fields) - 3:]
        entries.append({"source": fields[0], "target": fields[1], "fstype": fields[2],
                        "options": fields[3], "dump": fields[4], "passno": fields[5]})
    return entries


def is_block_device(path):
    """True for a device node this host has. In a container, /sys (hence lsblk) also lists the host's disks."""
    try:
        return stat.S_ISBLK(os.stat(path).st_mode)
    except OSError:
        return False


# The whole reading ---------------------------------------------------------

def _run(run, argv, ok=(0,)):
    rc, out, err = run(argv)
    if rc not in ok:
        raise HostStateError("Failed to run %s (exit code %d): %s" % (argv[0], rc, (err or out).strip()))
    return rc, out


def read_disks(run, sizes, fstab_path="/etc/fstab"):
    """Block devices present on this host, the signatures of those of a wanted size, the mounts and fstab."""
    devices = [d for d in parse_lsblk(_run(run, LSBLK_ARGV)[1]) if is_block_device(d["name"])]
    wanted = set(int(s) for s in sizes)
    signatures = {}
    for dev in devices:
        if dev["size"] in wanted:
            rc, out = _run(run, ["blkid", "--probe", "--output", "export", dev["name"]], ok=(0, 2))
            signatures[dev["name"]] = parse_blkid_export(rc, out)
    mounts = parse_findmnt(_run(run, FINDMNT_ARGV, ok=(0, 1))[1])
    try:
        with open(fstab_path) as handle:
            fstab = parse_fstab(handle.read())
    except FileNotFoundError:
        fstab = []
    except OSError as exc:
        raise HostStateError("Failed to read %s: %s" % (fstab_path, exc.strerror))
    return {"block_devices": devices, "signatures": signatures, "mounts": mounts, "fstab": fstab}


def read_host(run, accounts=(), groups=(), files=(), units=(), packages=(), disks=None):
    """The whole reading, in typed JSON. run(argv) -> (rc, stdout, stderr)."""
    state = {
        "accounts": {name: account_state(name) for name in accounts},
        "groups": {name: group_state(name) for name in groups},
        "files": {path: file_state(path) for path in files},
        "units": {},
        "packages": {},
        "block_devices": [],
        "signatures": {},
        "mounts": [],
        "fstab": [],
    }
    units = list(units)
    if units:
        out = _run(run, ["systemctl", "show", "--property=" + UNIT_PROPERTIES, "--"] + units)[1]
        state["units"] = parse_systemctl_show(out, units)
    packages = list(packages)
    if packages:
        # Exit code 1 when a package is unknown to dpkg: it is then not installed.
        out = _run(run, ["dpkg-query", "--show", "--showformat", "${Package}\t${db:Status-Status}\n", "--"]
                   + packages, ok=(0, 1))[1]
        state["packages"] = parse_dpkg_query(out, packages)
    if disks is not None:
        state.update(read_disks(run, disks.get("sizes") or []))
    return state
