#!/usr/bin/env bash
# A test host: a Debian 12 container with systemd as PID 1 and the three
# sparse loop disks of nectar passed in.
#   host.sh up NAME HOSTNAME [docker run options, e.g. -p 127.0.0.1:9000:9000]
#   host.sh down NAME
. "$(dirname "$0")/../lib.sh"
here=$(dirname "$0")

up() {
  local name=$1 hostname=$2; shift 2
  "$here/docker-engine.sh"
  local image; image=$("$here/base-image.sh")
  if [ "$(docker inspect -f '{{.State.Running}}' "$name" 2>/dev/null)" != true ]; then
    docker rm -f "$name" >/dev/null 2>&1 || true
    local devices=() line
    while IFS= read -r line; do devices+=(--device "${line#*=}"); done < <("$here/loop-disks.sh" create "$name")
    # systemd as PID 1 without --privileged, which fails on these machines.
    docker run -d --name "$name" --hostname "$hostname" \
      --cap-add SYS_ADMIN --cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw \
      --tmpfs /run --tmpfs /run/lock --stop-signal SIGRTMIN+3 --env container=docker \
      "${devices[@]}" "$@" "$image" >/dev/null
  fi
  local state="" _
  for _ in $(seq 1 120); do
    state=$(docker exec "$name" systemctl is-system-running 2>/dev/null) || true
    case "$state" in running|degraded) break ;; esac
    sleep 1
  done
  case "$state" in
    running|degraded) ;;
    *) docker logs --tail 30 "$name" >&2 || true; die "systemd in $name did not come up (state: ${state:-none})" ;;
  esac
}

down() {
  docker rm -f "$1" >/dev/null 2>&1 || true
  "$here/loop-disks.sh" destroy "$1"
}

case "${1:-}" in
  up) [ $# -ge 3 ] || die "usage: $0 up NAME HOSTNAME [docker options]"; shift; up "$@" ;;
  down) [ $# -eq 2 ] || die "usage: $0 down NAME"; down "$2" ;;
  *) die "usage: $0 up NAME HOSTNAME [docker options] | down NAME" ;;
esac
