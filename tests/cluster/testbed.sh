#!/usr/bin/env bash
# A multi-host test bed on one machine: N "hosts" as Linux network namespaces, each with
# its own address on a private bridge, its own hostname (given by the commands below),
# and no route anywhere else. Root only (CI runs as root).
#
#   testbed.sh up TAG N     creates hosts TAG-h1..TAG-hN at 10.77.0.1..N/24 and prints
#                           their names; first removes test beds whose creator is gone
#   testbed.sh down TAG     removes them (idempotent)
#   testbed.sh run TAG I CMD...
#                           runs CMD on host I (its namespace and hostname TAG-hI)
#   testbed.sh rsh HOST CMD...
#                           Open MPI's plm_rsh_agent: HOST is an address 10.77.0.I
#
# TAG is "dact<pid>", the pid of the process that owns the test bed: a test bed whose
# owner died (a killed test) is removed by the next `up`. The bridge carries no address
# in the root namespace, so traffic stays between the test hosts.
set -euo pipefail
subnet=10.77.0

bridge_of() { echo "${1}br"; }

down() {
  local tag=$1
  for ns in $(ip netns list | awk '{print $1}' | grep "^${tag}-h" || true); do ip netns del "$ns" 2>/dev/null || true; done
  ip link del "$(bridge_of "$tag")" 2>/dev/null || true
}

remove_orphans() {
  for ns in $(ip netns list | awk '{print $1}' | grep -E '^dact[0-9]+-h' || true); do
    local tag=${ns%%-h*} pid=${ns%%-h*}
    pid=${pid#dact}
    [[ -d /proc/$pid ]] || down "$tag"
  done
}

up() {
  local tag=$1 count=$2
  [[ ${#tag} -le 12 ]] || { echo "testbed: tag '$tag' too long for interface names" >&2; exit 2; }
  remove_orphans
  down "$tag"
  local bridge
  bridge=$(bridge_of "$tag")
  ip link add "$bridge" type bridge
  ip link set "$bridge" up
  for i in $(seq 1 "$count"); do
    local ns=$tag-h$i
    ip netns add "$ns"
    ip link add "${tag}v$i" type veth peer name eth0 netns "$ns"
    ip link set "${tag}v$i" master "$bridge" up
    ip netns exec "$ns" ip addr add "$subnet.$i/24" dev eth0
    ip netns exec "$ns" ip link set eth0 up
    ip netns exec "$ns" ip link set lo up
    echo "$ns $subnet.$i"
  done
}

run() {
  local tag=$1 index=$2
  shift 2
  exec ip netns exec "$tag-h$index" unshare --uts sh -c 'hostname "$0"; exec "$@"' "$tag-h$index" "$@"
}

# Open MPI calls the agent as: AGENT HOST COMMAND (COMMAND one shell string or words).
rsh() {
  local host=$1
  shift
  local index=${host##*.}
  local ns
  ns=$(ip netns list | awk '{print $1}' | grep -E "^dact[0-9]+-h$index\$" | head -n 1)
  [[ -n $ns ]] || { echo "testbed: no test host at $host" >&2; exit 255; }
  exec ip netns exec "$ns" unshare --uts sh -c "hostname $ns; exec $*"
}

command=${1:-}
shift || true
case $command in
  up) up "$@" ;;
  down) down "$@" ;;
  run) run "$@" ;;
  rsh) rsh "$@" ;;
  *) echo "usage: testbed.sh up TAG N | down TAG | run TAG I CMD... | rsh HOST CMD..." >&2; exit 2 ;;
esac
