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
  trust_host_cas "$name"
}

# Where this machine reaches the package registries through a TLS-inspecting
# proxy, its extra CAs are in /usr/local/share/ca-certificates: give them to
# the test host too (and to pip, which otherwise trusts only certifi), as the
# lab's own hosts would trust their network's CA.
trust_host_cas() {
  local crt found=0
  for crt in /usr/local/share/ca-certificates/*.crt; do
    [ -f "$crt" ] || continue
    docker exec "$1" test -f "/usr/local/share/ca-certificates/$(basename "$crt")" 2>/dev/null && continue
    docker cp "$crt" "$1:/usr/local/share/ca-certificates/" >/dev/null
    found=1
  done
  [ $found -eq 1 ] || return 0
  docker exec "$1" sh -c 'update-ca-certificates >/dev/null 2>&1 &&
    printf "[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n" > /etc/pip.conf'
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
