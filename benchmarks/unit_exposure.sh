#!/usr/bin/env bash
# Prints the `systemd-analyze security` exposure of our minio.service and of a
# reference with upstream's settings (minio-service's linux-systemd unit: a
# dedicated User/Group and ProtectProc=invisible, no other sandboxing), both
# scored offline on a deployed host.
#   benchmarks/unit_exposure.sh [CONTAINER]   (default: egid-demo-nectar)
set -euo pipefail
host=${1:-egid-demo-nectar}
docker exec -i "$host" bash -s <<'SH'
set -euo pipefail
tmp=$(mktemp -d)
cp /etc/systemd/system/minio.service "$tmp/minio.service"
# The reference: our unit up to the sandboxing block, plus upstream's one directive.
mkdir -p "$tmp/ref"
sed -e '/^# Sandboxing/,/^$/d' -e 's/^UMask=.*$/ProtectProc=invisible/' /etc/systemd/system/minio.service \
  > "$tmp/ref/minio.service"
ours=$(systemd-analyze security --offline=true "$tmp/minio.service" 2>/dev/null | sed -n 's/.*Overall exposure level for minio.service: \([0-9.]*\).*/\1/p')
ref=$(systemd-analyze security --offline=true "$tmp/ref/minio.service" 2>/dev/null | sed -n 's/.*Overall exposure level for minio.service: \([0-9.]*\).*/\1/p')
echo "exposure (0 = locked down, 10 = fully exposed)"
echo "  egid.s3share minio.service: $ours"
echo "  upstream-equivalent unit:   $ref"
awk -v a="$ours" -v b="$ref" 'BEGIN { printf "  ratio ours/upstream:        %.2f\n", a / b }'
rm -rf "$tmp"
SH
