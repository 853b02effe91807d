#!/usr/bin/env bash
# The main job on the embedded default: deploys a local Debian 12 systemd
# container as "nectar" with site.yml, then runs a sample share_results.
#   scripts/demo.sh          deploy (idempotent; run it again to converge)
#   scripts/demo.sh down     remove the container and its disks
. "$(dirname "$0")/lib.sh"
NAME=egid-demo-nectar

if [ "${1:-}" = down ]; then
  "$EGID_REPO/scripts/testbed/host.sh" down "$NAME"
  exit 0
fi

apt_install git openssl ca-certificates curl unzip
VENV=$("$EGID_REPO/scripts/bootstrap.sh")
export PATH="$VENV/bin:$PATH"
cd "$EGID_REPO"
"$EGID_REPO/scripts/artifacts.sh" >/dev/null
# The API and console are published on this machine's loopback only.
"$EGID_REPO/scripts/testbed/host.sh" up "$NAME" nectar -p 127.0.0.1:9000:9000 -p 127.0.0.1:9001:9001

log "running site.yml against the demo inventory"
ansible-playbook site.yml
log "running a sample share_results"
ansible-playbook share_results.yml -e @inventories/demo/sample_share.yml

cat <<MSG

MinIO is deployed on the container "$NAME" (hostname nectar).
  Console: https://localhost:9001   (the demo CA: $EGID_CACHE/pki/demo/ca.crt)
  S3 API:  https://localhost:9000
  Root login: egid-admin, password in $EGID_CACHE/secrets/demo-minio-root-password
  mc inside the host: docker exec -it $NAME mc ls nectar
Remove it with: scripts/demo.sh down
MSG
