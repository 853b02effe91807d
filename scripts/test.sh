#!/usr/bin/env bash
# Runs every test of the collection, from a fresh machine:
#   scripts/test.sh            lint, unit, integration, molecule (everything)
#   scripts/test.sh unit integration   only those stages
# Installs what it needs (Debian packages, the Python venv, the Go builds of
# MinIO and mc, the Debian 12 base image, a Docker engine) and caches the
# heavy parts in $EGID_CACHE (default ~/.cache/egid-s3share).
. "$(dirname "$0")/lib.sh"

stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(lint unit integration molecule)

apt_install git openssl ca-certificates curl unzip rsync chromium restic
VENV=$("$EGID_REPO/scripts/bootstrap.sh")
export PATH="$VENV/bin:$PATH" ANSIBLE_FORCE_COLOR=0 PY_COLORS=0 NO_COLOR=1
cd "$EGID_REPO"

# With EGID_TEST_LANES=2 (the default), the integration suite runs in a second
# lane beside the Molecule scenarios: both spend most of their time waiting on
# containers, servers and package installs, so together they take little more
# than the longer of the two. EGID_TEST_LANES=1 runs every suite in turn.
lanes=${EGID_TEST_LANES:-2}

passed=0; failed=0; failures=()
run() {  # run NAME CMD...: one suite
  local name=$1; shift
  log "suite $name: $*"
  local start=$SECONDS
  if "$@"; then
    passed=$((passed + 1)); log "suite $name passed in $((SECONDS - start)) s"
  else
    failed=$((failed + 1)); failures+=("$name"); log "suite $name FAILED after $((SECONDS - start)) s"
  fi
}

sanity() {
  # ansible-test bootstraps pip in its venvs with a script it downloads from a
  # host we cannot reach; give it our stand-in under the cached name it uses.
  local pipv
  pipv=$(python -c 'from ansible_test._internal.python_requirements import get_venv_packages as g
class P: version = "%d.%d" % __import__("sys").version_info[:2]
print(g(P())["pip"])')
  mkdir -p ~/.ansible/test/cache
  cp "$EGID_REPO/scripts/ansible-test-get-pip.py" ~/.ansible/test/cache/get_pip_${pipv//./_}.py
  # ansible-test wants the collection at .../ansible_collections/egid/s3share.
  local tree; tree=$(mktemp -d)
  mkdir -p "$tree/ansible_collections/egid"
  git ls-files -z --cached --others --exclude-standard | rsync -a --from0 --files-from=- ./ "$tree/ansible_collections/egid/s3share/"
  (cd "$tree/ansible_collections/egid/s3share" && git init -q && git add -A && \
     ansible-test sanity --color no --python "$(python -c 'import sys; print("%d.%d" % sys.version_info[:2])')" \
       --exclude molecule/ --exclude scripts/ --exclude benchmarks/ --exclude .ci/)
  local rc=$?; rm -rf "$tree"; return $rc
}

pytest_suite() {
  python -m pytest -p no:cacheprovider -q "$@"
}

for stage in "${stages[@]}"; do
  case "$stage" in
    lint)
      run ansible-lint ansible-lint --profile production
      run sanity sanity
      ;;
    unit)
      run unit pytest_suite tests/unit
      ;;
    integration)
      # Some integration tests use a Debian 12 systemd container of the test bed.
      "$EGID_REPO/scripts/testbed/docker-engine.sh"
      "$EGID_REPO/scripts/testbed/base-image.sh" >/dev/null
      # weed: the SeaweedFS server of tests/integration/seaweedfs (issue 26).
      eval "$("$EGID_REPO/scripts/artifacts.sh" weed)"
      export MINIO_BIN MC_BIN WEED_BIN
      if [ "$lanes" -ge 2 ] && [[ " ${stages[*]} " == *" molecule "* ]]; then
        lane_dir=$(mktemp -d)
        log "suite integration: in a second lane beside Molecule (output at its end)"
        ( passed=0; failed=0; failures=()
          run integration pytest_suite tests/integration tests/pve_simulator
          echo "$passed $failed ${failures[*]}" > "$lane_dir/result" ) > "$lane_dir/log" 2>&1 &
        lane_pid=$!
      else
        run integration pytest_suite tests/integration tests/pve_simulator
      fi
      ;;
    molecule)
      "$EGID_REPO/scripts/testbed/docker-engine.sh"
      "$EGID_REPO/scripts/testbed/base-image.sh" >/dev/null
      "$EGID_REPO/scripts/artifacts.sh" >/dev/null
      for scenario in default check refusals monitoring cluster adopt restore; do
        run "molecule-$scenario" molecule test --scenario-name "$scenario"
      done
      ;;
    *) die "unknown stage '$stage' (lint, unit, integration, molecule)" ;;
  esac
done

if [ -n "${lane_pid:-}" ]; then
  wait "$lane_pid" || true
  cat "$lane_dir/log"
  if read -r lane_passed lane_failed lane_failures < "$lane_dir/result"; then
    passed=$((passed + lane_passed)); failed=$((failed + lane_failed))
    [ -z "$lane_failures" ] || failures+=($lane_failures)
  else
    failed=$((failed + 1)); failures+=(integration)
  fi
  rm -rf "$lane_dir"
fi

[ $failed -eq 0 ] || log "failed suites: ${failures[*]}"
echo "suites: $passed passed, $failed failed"
[ $failed -eq 0 ]
