#!/bin/sh
# slurm-local.sh - a real SLURM cluster on this machine, for tests and demos:
# slurmctld and N slurmd "nodes" (node1..nodeN, started as `slurmd -N nodeX`)
# from Debian's slurm-wlm, AuthType=auth/none, loopback ports, every state,
# spool and log file under one directory. Nothing is mocked.
#
# Usage:
#   sh scripts/slurm-local.sh start DIR [NODES]   write DIR/slurm.conf, start the daemons, wait until
#                                                 the nodes are idle; prints `export SLURM_CONF=...`
#   sh scripts/slurm-local.sh stop DIR            stop the daemons started in DIR
#   sh scripts/slurm-local.sh status DIR          sinfo of the cluster in DIR
# NODES defaults to 2; CPUS (environment) sets CPUs per node (default 2).
# Needs root (the daemons run as root) and slurmctld/slurmd on PATH or in /usr/sbin.
# MPI jobs on this cluster: launch with mpirun inside the allocation (two slurmd on
# one host share PMIx's per-node directory, so srun --mpi=pmix fails) and export
# OMPI_MCA_btl=self,tcp (Open MPI's shared-memory transport would mix the two
# "nodes'" segments, which live on the same host).
set -eu
PATH=$PATH:/usr/sbin
cmd=${1:-}
dir=${2:-}
nodes=${3:-2}
cpus=${CPUS:-2}
fail() { echo "slurm-local: $*" >&2; exit 2; }
[ -n "$cmd" ] && [ -n "$dir" ] || fail "usage: slurm-local.sh start|stop|status DIR [NODES]"
case "$nodes" in ''|*[!0-9]*) fail "NODES must be a number from 1 to 16, not '$nodes'";; esac
[ "$nodes" -ge 1 ] && [ "$nodes" -le 16 ] || fail "NODES must be a number from 1 to 16, not '$nodes'"

# A free TCP port on loopback, from a range chosen by this script's PID.
free_port() {
    p=$1
    while ss -ltnH "sport = :$p" 2>/dev/null | grep -q .; do p=$((p + 1)); done
    echo "$p"
}

start() {
    command -v slurmctld >/dev/null || fail "slurmctld not found (apt-get install slurm-wlm)"
    mkdir -p "$dir/state" "$dir/spool" "$dir/log"
    dir=$(cd "$dir" && pwd)
    base=$((20000 + ($$ % 20000)))
    ctld_port=$(free_port "$base")
    node_lines=""
    i=1
    port=$((ctld_port + 1))
    while [ "$i" -le "$nodes" ]; do
        port=$(free_port "$port")
        node_lines="${node_lines}NodeName=node$i NodeHostname=localhost NodeAddr=127.0.0.1 Port=$port CPUs=$cpus RealMemory=2000 State=UNKNOWN
"
        port=$((port + 1))
        i=$((i + 1))
    done
    cat > "$dir/slurm.conf" <<CONF
# written by scripts/slurm-local.sh: a local test cluster
ClusterName=tnemu-local
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$ctld_port
AuthType=auth/none
CredType=cred/none
# a requeued job may start again cred_expire + 1 s after it stopped (default 120 s)
AuthInfo=cred_expire=10
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/%n
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.%n.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.%n.log
ProctrackType=proctrack/pgid
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
LaunchParameters=use_interactive_step
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MinJobAge=300
KillWait=5
SlurmdTimeout=30
InactiveLimit=0
$node_lines
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
CONF
    export SLURM_CONF="$dir/slurm.conf"
    slurmctld -c -f "$SLURM_CONF" || fail "slurmctld did not start (see $dir/log/slurmctld.log)"
    i=1
    while [ "$i" -le "$nodes" ]; do
        mkdir -p "$dir/spool/node$i"
        slurmd -N "node$i" -f "$SLURM_CONF" || fail "slurmd node$i did not start (see $dir/log/slurmd.node$i.log)"
        i=$((i + 1))
    done
    tries=0
    while :; do
        idle=$(sinfo -h -N -t idle -o "%N" 2>/dev/null | sort -u | wc -l)
        [ "$idle" -ge "$nodes" ] && break
        tries=$((tries + 1))
        [ "$tries" -le 60 ] || { stop; fail "the nodes did not become idle in 30 s (see $dir/log)"; }
        sleep 0.5
    done
    echo "export SLURM_CONF=$SLURM_CONF"
}

stop() {
    for f in "$dir"/slurmd.*.pid "$dir"/slurmctld.pid; do
        [ -f "$f" ] || continue
        pid=$(cat "$f")
        kill "$pid" 2>/dev/null || true
    done
    sleep 1
    for f in "$dir"/slurmd.*.pid "$dir"/slurmctld.pid; do
        [ -f "$f" ] || continue
        kill -9 "$(cat "$f")" 2>/dev/null || true
        rm -f "$f"
    done
}

case "$cmd" in
start) start ;;
stop) stop ;;
status) SLURM_CONF="$dir/slurm.conf" sinfo ;;
*) fail "unknown command '$cmd' (start, stop or status)" ;;
esac
