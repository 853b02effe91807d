#!/usr/bin/env bash
# Makes sure a Docker engine answers. Uses a running one; otherwise installs
# Debian's docker.io and starts dockerd in the background. Idempotent.
. "$(dirname "$0")/../lib.sh"

if docker info >/dev/null 2>&1; then
  exit 0
fi
command -v dockerd >/dev/null || apt_install docker.io
command -v dockerd >/dev/null || die "dockerd is still missing after installing docker.io"
need_root "starting dockerd"

log "starting dockerd in the background (log: $EGID_CACHE/dockerd.log)"
mkdir -p "$EGID_CACHE"
# The default bridge and iptables NAT give containers the package mirrors;
# nothing here needs a registry (images are imported, never pulled).
as_root sh -c "nohup dockerd --host=unix:///var/run/docker.sock >'$EGID_CACHE/dockerd.log' 2>&1 &"
for _ in $(seq 1 60); do
  docker info >/dev/null 2>&1 && exit 0
  sleep 1
done
tail -n 30 "$EGID_CACHE/dockerd.log" >&2 || true
die "dockerd did not answer within 60 s (see $EGID_CACHE/dockerd.log)"
