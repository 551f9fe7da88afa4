#!/usr/bin/env bash
# A one-node Slurm cluster for tests: munged, slurmctld and slurmd (Debian's slurm-wlm)
# with a generated slurm.conf, everything under DIR. Root only (CI runs as root).
#
#   slurm_local.sh up DIR OWNER_PID   starts the cluster and waits until its node takes
#                                     jobs; clients then need SLURM_CONF=DIR/slurm.conf
#   slurm_local.sh down DIR           stops it with every job process (idempotent)
#
# The daemons run in a PID namespace of their own (unshare --pid --kill-child), so one
# kill of the namespace's parent ends them and every process of every job, however the
# jobs detached; a watchdog does that as soon as OWNER_PID (the test) is gone, so a
# killed test leaves nothing running. No cgroups: proctrack/linuxproc and task/none.
set -euo pipefail

wait_until() {  # SECONDS CONDITION...: polls CONDITION every 0.2 s
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

free_port() {  # the first of PORT, PORT+1, ... that nothing listens on
  local port=$1
  while ss -Hltn "sport = :$port" | grep -q .; do port=$((port + 1)); done
  echo "$port"
}

write_config() {
  local dir=$1 owner=$2
  local controller_port node_port
  controller_port=$(free_port $((20000 + owner % 20000)))
  node_port=$(free_port $((controller_port + 1)))
  cat >"$dir/slurm.conf" <<EOF
ClusterName=dact
SlurmctldHost=$(hostname -s)(127.0.0.1)
SlurmctldPort=$controller_port
SlurmdPort=$node_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
# cred_expire is also how long a requeued job waits before it may start again (and
# must: until then slurmd refuses the job's revoked credential); 120 s by default.
AuthInfo=socket=$dir/munge/socket,cred_expire=10
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
KillWait=10
MinJobAge=300
# A job in "urgent" preempts jobs in "test" by requeueing them; they get their --signal
# at once (preempt_send_user_signal) and GraceTime seconds before SIGTERM.
PreemptType=preempt/partition_prio
PreemptMode=REQUEUE
SlurmctldParameters=preempt_send_user_signal
NodeName=$(hostname -s) NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP PriorityTier=1 GraceTime=60
PartitionName=urgent Nodes=ALL MaxTime=INFINITE State=UP PriorityTier=2 PreemptMode=OFF
EOF
}

up() {
  local dir=$1 owner=$2
  for tool in munged slurmctld slurmd sinfo; do
    command -v "$tool" >/dev/null || { echo "slurm_local: $tool is missing (apt-get install slurm-wlm munge)" >&2; exit 3; }
  done
  mkdir -p "$dir/munge" "$dir/state" "$dir/spool"
  chmod 711 "$dir/munge"  # clients need to reach the socket; the key is 0400
  head -c 1024 /dev/urandom >"$dir/munge/key"
  chmod 400 "$dir/munge/key"
  write_config "$dir" "$owner"
  cat >"$dir/daemons.sh" <<EOF
munged --foreground --force --key-file=$dir/munge/key --socket=$dir/munge/socket \
  --pid-file=$dir/munge/pid --seed-file=$dir/munge/seed --log-file=$dir/munged.log &
for i in \$(seq 50); do [ -S $dir/munge/socket ] && break; sleep 0.1; done
export SLURM_CONF=$dir/slurm.conf
slurmctld -D -i >>$dir/slurmctld.out 2>&1 &
slurmd -D >>$dir/slurmd.out 2>&1 &
wait
EOF
  # setsid: the daemons do not belong to the caller's process group or terminal.
  setsid unshare --pid --fork --mount-proc --kill-child bash "$dir/daemons.sh" </dev/null >"$dir/daemons.out" 2>&1 &
  echo $! >"$dir/namespace.pid"
  (
    trap '' HUP
    while kill -0 "$owner" 2>/dev/null && [[ -e $dir/namespace.pid ]]; do sleep 1; done
    down "$dir"
  ) </dev/null >/dev/null 2>&1 &
  export SLURM_CONF=$dir/slurm.conf
  if ! wait_until 60 node_takes_jobs; then
    echo "slurm_local: the node did not come up within 60 s; logs:" >&2
    tail -n 20 "$dir"/*.log "$dir"/*.out >&2 || true
    down "$dir"
    exit 1
  fi
}

node_takes_jobs() { sinfo -h -o %t 2>/dev/null | grep -qx idle; }

down() {
  local dir=$1
  [[ -e $dir/namespace.pid ]] || return 0
  kill -9 "$(cat "$dir/namespace.pid")" 2>/dev/null || true
  rm -f "$dir/namespace.pid"
}

command=${1:-}
shift || true
case $command in
  up) up "$@" ;;
  down) down "$@" ;;
  *) echo "usage: slurm_local.sh up DIR OWNER_PID | down DIR" >&2; exit 2 ;;
esac
