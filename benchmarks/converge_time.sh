#!/usr/bin/env bash
# Wall time of a first converge of site.yml on a blank Debian 12 host and of
# the idempotent second converge (target: under 30 s), on a throw-away
# container with the three loop disks. The controller-side Go build is
# cached beforehand, so the first figure is the deployment itself.
#   benchmarks/converge_time.sh
#   SECOND_RUNS=3 benchmarks/converge_time.sh   # several idempotent converges
#   SITE_ARGS="--skip-tags monitoring" benchmarks/converge_time.sh   # site.yml without its monitoring play
# (the machine is shared: with other work running, one figure is noisy; the
# median of several is steadier).
. "$(dirname "$0")/../scripts/lib.sh"
VENV=$("$EGID_REPO/scripts/bootstrap.sh")
export PATH="$VENV/bin:$PATH"
cd "$EGID_REPO"
NAME=egid-bench-nectar
"$EGID_REPO/scripts/artifacts.sh" >/dev/null
"$EGID_REPO/scripts/testbed/host.sh" down "$NAME"
"$EGID_REPO/scripts/testbed/host.sh" up "$NAME" nectar
trap '"$EGID_REPO/scripts/testbed/host.sh" down "$NAME"' EXIT

converge() {
  local start end out
  out=$(mktemp)
  start=$(date +%s.%N)
  # shellcheck disable=SC2086  # SITE_ARGS holds several words on purpose
  ansible-playbook site.yml -e ansible_host="$NAME" ${SITE_ARGS:-} >"$out" 2>&1 || { tail -n 30 "$out" >&2; die "converge failed"; }
  end=$(date +%s.%N)
  echo "$(echo "$end - $start" | bc) $(grep -oE 'nectar +: ok=[0-9]+ +changed=[0-9]+' "$out" | grep -oE 'changed=[0-9]+')"
  rm -f "$out"
}
command -v bc >/dev/null || apt_install bc
read -r first first_changed < <(converge)
seconds=()
for _ in $(seq "${SECOND_RUNS:-1}"); do
  read -r second second_changed < <(converge)
  seconds+=("$second")
  printf 'idempotent converge: %6.1f s (%s)\n' "$second" "$second_changed"
done
second=$(printf '%s\n' "${seconds[@]}" | sort -n | sed -n "$(( (${#seconds[@]} + 1) / 2 ))p")
# Module runs per play of one more converge with nothing to do: a count that,
# unlike the times above, does not move with the machine's load.
# shellcheck disable=SC2086
ANSIBLE_STDOUT_CALLBACK=ansible.posix.json ansible-playbook site.yml -e ansible_host="$NAME" ${SITE_ARGS:-} \
  | python3 "$EGID_REPO/benchmarks/module_runs.py"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores; site.yml ${SITE_ARGS:-(all plays)}"
printf 'first converge:  %6.1f s (%s)\n' "$first" "$first_changed"
printf 'second converge: %6.1f s (median of %d, %s, target < 30 s)\n' "$second" "${#seconds[@]}" "$second_changed"
printf 'ratio second/first: %.2f\n' "$(echo "$second / $first" | bc -l)"
