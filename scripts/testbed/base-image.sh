#!/usr/bin/env bash
# Builds (once) the Debian 12 image with systemd as PID 1 used for "nectar"
# and the other test hosts. No registry is reachable, so the root filesystem
# comes from debootstrap and is turned into an image with `docker import`.
# The tag is a hash of the recipe, so changing the package list rebuilds it.
# Run containers with --stop-signal SIGRTMIN+3 so that systemd shuts down.
# The files under image/ (the test bed's stand-ins for udev and for the fstab
# generator's device entries, so that a container boots as a VM does) are a
# layer on top: changing them rebuilds that layer only, not the debootstrap.
# Prints the image reference on stdout.
. "$(dirname "$0")/../lib.sh"

SUITE=bookworm
MIRROR=${EGID_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# Enough for Ansible (python3, python3-apt) and for the roles' own checks;
# the roles still install what they need (xfsprogs, ca-certificates, ...).
PACKAGES=systemd,systemd-sysv,dbus,python3,python3-apt,python3-venv,sudo,ca-certificates,iproute2,procps,xfsprogs,util-linux,curl,openssl,less

# Bump RECIPE when the trimming below changes; the tag follows the recipe.
RECIPE=1
key=$(echo "$SUITE $PACKAGES $RECIPE" | sha256sum | cut -c1-12)
BASE="egid-s3share/debian12-rootfs:$key"
files="$(cd "$(dirname "$0")" && pwd)/image"
layer=$( { echo "$key"; cd "$files" && find . -type f | LC_ALL=C sort | while IFS= read -r f; do
           printf '%s %s\n' "$(stat -c %a "$f")" "$(sha256sum "$f")"; done; } | sha256sum | cut -c1-12)
IMAGE="egid-s3share/debian12-systemd:$layer"

"$(dirname "$0")/docker-engine.sh"
if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "$IMAGE"; exit 0
fi

tarball="$EGID_CACHE/images/debian12-systemd-$key.tar"
if [ ! -s "$tarball" ]; then
  need_root "debootstrap"
  apt_install debootstrap
  rootfs=$(mktemp -d "$EGID_CACHE/rootfs.XXXXXX")
  trap 'as_root rm -rf "$rootfs"' EXIT
  log "debootstrap $SUITE into $rootfs (a few minutes, once)"
  as_root debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$rootfs" "$MIRROR" >"$EGID_CACHE/debootstrap.log" 2>&1 \
    || { tail -n 20 "$EGID_CACHE/debootstrap.log" >&2; die "debootstrap failed (log: $EGID_CACHE/debootstrap.log)"; }
  # Trim what a container does not need, and what would fight the host.
  as_root chroot "$rootfs" sh -ec '
    apt-get clean; rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
    : > /etc/machine-id
    for u in systemd-resolved systemd-timesyncd getty@tty1 console-getty; do
      systemctl mask "$u.service" >/dev/null 2>&1 || true
    done
    systemctl mask dev-hugepages.mount sys-fs-fuse-connections.mount systemd-remount-fs.service >/dev/null 2>&1 || true
    echo "deb '"$MIRROR"' bookworm main" > /etc/apt/sources.list
    echo "deb http://deb.debian.org/debian-security bookworm-security main" >> /etc/apt/sources.list
  '
  mkdir -p "$(dirname "$tarball")"
  as_root tar -C "$rootfs" --numeric-owner -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
  as_root rm -rf "$rootfs"; trap - EXIT
fi
if ! docker image inspect "$BASE" >/dev/null 2>&1; then
  log "importing $BASE"
  docker import --change 'CMD ["/lib/systemd/systemd"]' --change 'ENV container=docker' "$tarball" "$BASE" >/dev/null
fi
log "adding the test bed's boot files to $IMAGE"
cid=$(docker create "$BASE" /bin/sh -ec 'mkdir -p /etc/systemd/system/sysinit.target.wants
  ln -sf ../egid-testbed-disk-links.service /etc/systemd/system/sysinit.target.wants/')
trap 'docker rm -f "$cid" >/dev/null 2>&1 || true' EXIT
docker cp "$files/." "$cid:/"
docker start -a "$cid" >/dev/null
docker commit --change 'CMD ["/lib/systemd/systemd"]' --change 'ENV container=docker' "$cid" "$IMAGE" >/dev/null
echo "$IMAGE"
