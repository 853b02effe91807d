#!/usr/bin/env bash
# Builds (once) the Debian 12 image with systemd as PID 1 used for "nectar"
# and the other test hosts. No registry is reachable, so the root filesystem
# comes from debootstrap and is turned into an image with `docker import`.
# The tag is a hash of the recipe, so changing the package list rebuilds it.
# Run containers with --stop-signal SIGRTMIN+3 so that systemd shuts down.
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
IMAGE="egid-s3share/debian12-systemd:$key"

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
fi
log "importing $IMAGE"
docker import --change 'CMD ["/lib/systemd/systemd"]' --change 'ENV container=docker' "$tarball" "$IMAGE" >/dev/null
echo "$IMAGE"
