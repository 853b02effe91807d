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
# The demo's mailbox (a Maildir): the sample share's mail and nectar's alert mail.
maildir="$EGID_CACHE/demo-mail"
mkdir -p "$maildir"/{tmp,new,cur}
# The API and console are published on this machine's loopback only; the
# mailbox is nectar's /var/mail/egid-demo, where its mail relay delivers.
"$EGID_REPO/scripts/testbed/host.sh" up "$NAME" nectar -p 127.0.0.1:9000:9000 -p 127.0.0.1:9001:9001 \
  -v "$maildir:/var/mail/egid-demo"
if ! docker inspect -f '{{range .Mounts}}{{.Destination}} {{end}}' "$NAME" | grep -q '/var/mail/egid-demo'; then
  log "WARNING: $NAME was made by an older demo.sh: its alert mail stays inside it" \
      "(docker exec $NAME ls /var/mail/egid-demo/new); run 'scripts/demo.sh down' then this again"
fi

log "installing nectar's mail relay (the demo's own: Alertmanager mails 127.0.0.1:25)"
ansible-playbook playbooks/demo_mailbox.yml
log "running site.yml against the demo inventory"
ansible-playbook site.yml
# A real SMTP server on loopback receives the sample's e-mail into the same Maildir.
if ! (exec 3<>/dev/tcp/127.0.0.1/8025) 2>/dev/null; then
  nohup "$VENV/bin/python" -m aiosmtpd -n -l 127.0.0.1:8025 -c aiosmtpd.handlers.Mailbox "$maildir" \
    >"$EGID_CACHE/demo-smtp.log" 2>&1 &
  sleep 1
fi
log "running a sample share_results"
docker exec "$NAME" sh -c 'mkdir -p /var/tmp/egid-demo/results/chu-liege/variants &&
  cd /var/tmp/egid-demo/results/chu-liege &&
  [ -f README.txt ] || { echo "Sample results of the chu-liege project" > README.txt;
    head -c 4194304 /dev/urandom > variants/sample.vcf.gz; sha256sum README.txt variants/sample.vcf.gz > SHA256SUMS; }'
ansible-playbook share_results.yml -e @inventories/demo/sample_share.yml

cat <<MSG

MinIO is deployed on the container "$NAME" (hostname nectar).
  Console: https://localhost:9001   (the demo CA: $EGID_CACHE/pki/demo/ca.crt)
  S3 API:  https://localhost:9000
  Root login: egid-admin, password in $EGID_CACHE/secrets/demo-minio-root-password
  mc inside the host: docker exec -it $NAME mc ls nectar
  The demo's mailbox: $maildir/new/ (the sample share's e-mail, and nectar's alerts;
    the secret for the "SMS": ~/.egid-s3share/deliveries/)
  Try an alert: docker exec $NAME systemctl stop minio, then within about 3 minutes
    grep -l MinioDown $maildir/new/*   (docker exec $NAME systemctl start minio: the RESOLVED mail)
  Prometheus: https://127.0.0.1:9090 inside nectar (user admin, password in
    $EGID_CACHE/secrets/demo-monitoring-web-admin, certificate /etc/prometheus/s3share-web/cert.pem)
Remove it with: scripts/demo.sh down
MSG
