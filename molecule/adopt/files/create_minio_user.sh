#!/bin/bash
# The lab's create_minio_user.sh as its report describes it: an internal
# bioinformatician with read-write access to one bucket.
#   create_minio_user.sh USER PASSWORD BUCKET
set -euo pipefail
NAME=$1 PASSWORD=$2 BUCKET=$3
LOG=/opt/minio-admin/logs/actions.log
cat > "/tmp/${NAME}_rw.json" <<POLICY
{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": ["s3:*"], "Resource": ["arn:aws:s3:::${BUCKET}", "arn:aws:s3:::${BUCKET}/*"]}]}
POLICY
mc admin user add nectar "$NAME" "$PASSWORD" >/dev/null
mc admin policy create nectar "${NAME}_rw" "/tmp/${NAME}_rw.json" >/dev/null
mc admin policy attach nectar "${NAME}_rw" --user "$NAME" >/dev/null
rm -f "/tmp/${NAME}_rw.json"
echo "$(date '+%Y-%m-%d %H:%M:%S') create_minio_user ${NAME} rw ${BUCKET} by ${SUDO_USER:-${USER:-root}}" >> "$LOG"
