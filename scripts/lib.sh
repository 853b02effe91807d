# shellcheck shell=bash
# Shared settings for the project's scripts. Source it; do not run it.
set -euo pipefail

EGID_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Heavy things (venv, Go builds, base image tarball) live outside the repo,
# keyed by version, so a fresh clone reuses them.
EGID_CACHE=${EGID_S3SHARE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/egid-s3share}
export EGID_REPO EGID_CACHE

log() { printf '\033[1m[egid]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31m[egid] error:\033[0m %s\n' "$*" >&2; exit 1; }

need_root() {
  [ "$(id -u)" -eq 0 ] || command -v sudo >/dev/null || die "$1 needs root (or sudo)"
}
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# apt_install PKG...: installs the Debian packages that are missing.
apt_install() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "apt-get not found: install ${missing[*]} by hand (Debian or Ubuntu expected)"
  need_root "installing ${missing[*]}"
  log "installing Debian packages: ${missing[*]}"
  if [ ! -f "$EGID_CACHE/.apt-updated" ] || [ -n "$(find "$EGID_CACHE/.apt-updated" -mmin +720 2>/dev/null)" ]; then
    as_root apt-get update -qq
    mkdir -p "$EGID_CACHE" && touch "$EGID_CACHE/.apt-updated"
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The Python virtual environment, keyed by the requirements and the interpreter.
venv_dir() {
  local key
  key=$( { cat "$EGID_REPO/requirements.txt"; python3 -c 'import sys; print(sys.version)'; } | sha256sum | cut -c1-12)
  echo "$EGID_CACHE/venv-$key"
}
