#!/usr/bin/env bash
# Sparse loop devices standing in for nectar's three Proxmox disks:
# system 50 GiB (scsi0), cache 200 GiB (scsi1), data 5 TiB (scsi2).
#   loop-disks.sh create NAME   attach (or reuse) NAME's disks, print "role=/dev/loopN" lines
#   loop-disks.sh destroy NAME  detach them and remove the backing files
#   loop-disks.sh wipe NAME ROLE  zero the first MiBs of one disk (a blank disk again)
#   loop-disks.sh unplug NAME ROLE  hide one disk's filesystem (its first sector saved aside and zeroed):
#                                 blkid finds nothing, as if the disk were gone; run with NAME stopped
#   loop-disks.sh replug NAME ROLE  put that sector back (the same filesystem, UUID and data)
# Backing files live in $EGID_CACHE/disks and take almost no space until written.
# EGID_DISK_LAYOUT="data1=4G data2=4G" gives another layout (roles and sizes;
# "none" for no disk), as the cluster scenario's nodes have; create records it
# next to the files so that destroy finds the same disks.
. "$(dirname "$0")/../lib.sh"

dir="$EGID_CACHE/disks"
declare -A SIZES=()
ORDER=()
layout() {
  local spec=${EGID_DISK_LAYOUT:-system=50G cache=200G data=5T} item
  [ -z "${1:-}" ] || [ ! -f "$dir/$1.layout" ] || spec=$(cat "$dir/$1.layout")
  [ "$spec" != none ] || return 0
  for item in $spec; do
    [[ $item =~ ^[a-z0-9]+=[0-9]+[KMGT]$ ]] || die "bad disk in EGID_DISK_LAYOUT: $item (want role=SIZE, e.g. data1=4G)"
    SIZES[${item%%=*}]=${item#*=}; ORDER+=("${item%%=*}")
  done
}

attached() { losetup -j "$1" -O NAME -n 2>/dev/null | head -n 1 | tr -d ' '; }

create() {
  need_root "attaching loop devices"
  [ -e /dev/loop-control ] || as_root modprobe loop 2>/dev/null || die "no /dev/loop-control: loop devices are unavailable"
  mkdir -p "$dir"
  layout
  echo "${EGID_DISK_LAYOUT:-system=50G cache=200G data=5T}" > "$dir/$1.layout"
  local role file dev
  for role in "${ORDER[@]}"; do
    file="$dir/$1-$role.img"
    [ -f "$file" ] || truncate -s "${SIZES[$role]}" "$file"
    dev=$(attached "$file")
    [ -n "$dev" ] || dev=$(as_root losetup --find --show "$file") || die "losetup failed for $file"
    echo "$role=$dev"
  done
}

destroy() {
  layout "$1"
  local role file dev
  for role in "${ORDER[@]}"; do
    file="$dir/$1-$role.img"
    [ -f "$file" ] || continue
    local tries=0
    while dev=$(attached "$file"); [ -n "$dev" ]; do
      # A device still held (a container being removed) detaches a moment later.
      [ $tries -lt 30 ] || die "$dev ($file) stays attached"
      as_root losetup -d "$dev" 2>/dev/null || true
      tries=$((tries + 1)); sleep 0.5
    done
    rm -f "$file" "$file.sector0"
  done
  rm -f "$dir/$1.layout"
}

wipe() {
  local file="$dir/$1-$2.img" dev
  dev=$(attached "$file"); [ -n "$dev" ] || die "$1-$2 is not attached"
  as_root wipefs -a -q "$dev"
  as_root dd if=/dev/zero of="$dev" bs=1M count=16 conv=fsync status=none
}

# Through the device, with direct I/O, so that its page cache holds no stale copy.
unplug() {
  local file="$dir/$1-$2.img" dev
  dev=$(attached "$file"); [ -n "$dev" ] || die "$1-$2 is not attached"
  [ -s "$file.sector0" ] || as_root dd if="$dev" of="$file.sector0" bs=512 count=1 iflag=direct status=none
  as_root dd if=/dev/zero of="$dev" bs=512 count=1 oflag=direct conv=fsync status=none
  as_root blockdev --flushbufs "$dev"
}

replug() {
  local file="$dir/$1-$2.img" dev
  dev=$(attached "$file"); [ -n "$dev" ] || die "$1-$2 is not attached"
  [ -s "$file.sector0" ] || die "$1-$2 was not unplugged"
  as_root dd if="$file.sector0" of="$dev" bs=512 count=1 oflag=direct conv=fsync status=none
  as_root blockdev --flushbufs "$dev"
  rm -f "$file.sector0"
}

case "${1:-}" in
  create) [ -n "${2:-}" ] || die "usage: $0 create NAME"; create "$2" ;;
  destroy) [ -n "${2:-}" ] || die "usage: $0 destroy NAME"; destroy "$2" ;;
  wipe|unplug|replug) [ -n "${3:-}" ] || die "usage: $0 $1 NAME ROLE"; "$1" "$2" "$3" ;;
  *) die "usage: $0 create|destroy NAME | wipe|unplug|replug NAME ROLE" ;;
esac
