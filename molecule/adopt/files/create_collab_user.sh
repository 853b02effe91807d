#!/bin/bash
# The lab's create_collab_user.sh as its report shows it: random keys, the
# ${USER}_policy JSON policy (read-only on one folder) attached, and an at job
# that removes the user after DAYS days.
#   create_collab_user.sh COLLAB BUCKET PATH DAYS
set -euo pipefail
COLLAB=$1 BUCKET=$2 FOLDER=$3 DAYS=$4
LOG=/opt/minio-admin/logs/actions.log
ACCESSKEY=$(openssl rand -hex 12)
SECRETKEY=$(openssl rand -hex 24)
mc admin user add nectar "$ACCESSKEY" "$SECRETKEY" >/dev/null
cat > "/tmp/${USER}_policy.json" <<POLICY
{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::${BUCKET}/${FOLDER}/*"]}]}
POLICY
mc admin policy create nectar "${USER}_policy" "/tmp/${USER}_policy.json" >/dev/null
mc admin policy attach nectar "${USER}_policy" --user "$ACCESSKEY" >/dev/null
echo "mc admin user remove nectar $ACCESSKEY" | at now +"$DAYS" days 2>/dev/null
# "Credentials stored in a secure place": the login goes by e-mail, the password by SMS.
install -d -m 0700 /opt/minio-admin/credentials
printf 'ACCESSKEY=%s\nSECRETKEY=%s\nBUCKET=%s\nFOLDER=%s\n' "$ACCESSKEY" "$SECRETKEY" "$BUCKET" "$FOLDER" \
  > "/opt/minio-admin/credentials/${COLLAB}.env"
chmod 0600 "/opt/minio-admin/credentials/${COLLAB}.env"
echo "$(date '+%Y-%m-%d %H:%M:%S') create_collab_user ${COLLAB} ${ACCESSKEY} ro ${BUCKET}/${FOLDER} ${DAYS}d by ${USER}" >> "$LOG"
