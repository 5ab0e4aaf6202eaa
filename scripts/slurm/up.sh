#!/usr/bin/env bash
# Starts a one-node SLURM cluster on this machine for mascot's cluster tests and for trying
# `mascot run --executor slurm` locally: installs Debian's `slurmctld slurmd slurm-client
# munge` when missing, writes /etc/slurm/slurm.conf, starts munged, slurmctld and slurmd, and
# waits until the node accepts jobs.
#
# Idempotent: when a cluster already answers (`sinfo` shows a usable node) it does nothing.
# Daemons it starts are listed in $MASCOT_SLURM_STATE/started; scripts/slurm/down.sh stops
# exactly those, by PID, and removes what this script created.
#
# Exit status: 0 the cluster is up; 2 it cannot be started here (not root, no apt-get, the
# packages cannot be installed, or a foreign slurm.conf is in place); 1 it failed to start
# (the daemons' log tails are printed).
set -euo pipefail

STATE="${MASCOT_SLURM_STATE:-/run/mascot-slurm}"
SPOOL=/var/spool/mascot-slurm
LOGS=/var/log/mascot-slurm
CONF=/etc/slurm/slurm.conf
MARK="# written by mascot scripts/slurm/up.sh"

say() { echo "slurm-up: $*" >&2; }
cannot() { say "cannot start a cluster here: $*"; exit 2; }

node_ready() {
    # "idle", "mix" or "alloc" (with an optional `*`/`~` suffix): the node takes jobs.
    local states
    states=$(timeout 10 sinfo -h -o '%t' 2>/dev/null) || return 1
    grep -Eq '^(idle|mix|mixed|alloc|allocated)' <<<"$states"
}

if command -v sinfo >/dev/null 2>&1 && node_ready; then
    say "a cluster is already up"; exit 0
fi

[ "$(id -u)" = 0 ] || cannot "not root (the daemons need root)"

mkdir -p "$STATE"
exec 9>"$STATE/lock"
flock 9
# Another caller may have started it while this one waited for the lock.
if command -v sinfo >/dev/null 2>&1 && node_ready; then
    say "a cluster is already up"; exit 0
fi

need=()
for cmd in /usr/sbin/slurmctld:slurmctld /usr/sbin/slurmd:slurmd /usr/bin/sbatch:slurm-client /usr/sbin/munged:munge; do
    [ -x "${cmd%%:*}" ] || need+=("${cmd##*:}")
done
if [ ${#need[@]} -gt 0 ]; then
    command -v apt-get >/dev/null 2>&1 || cannot "missing ${need[*]} and no apt-get"
    say "installing ${need[*]}"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"; } \
        >"$STATE/apt.log" 2>&1 || { tail -20 "$STATE/apt.log" >&2; cannot "apt-get install ${need[*]} failed"; }
fi

if [ -f "$CONF" ] && ! grep -qF "$MARK" "$CONF"; then
    cannot "$CONF exists and was not written by this script; start that cluster yourself"
fi

H=$(hostname -s)
CPUS=$(nproc)
MEM=$(( $(free -m | awk '/Mem:/{print $2}') - 1024 ))
mkdir -p /etc/slurm "$SPOOL/ctld" "$SPOOL/d" "$LOGS" /run/munge
cat >"$CONF.tmp" <<CONF
$MARK
ClusterName=mascot
SlurmctldHost=$H
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$SPOOL/ctld
SlurmdSpoolDir=$SPOOL/d
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd.log
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
MinJobAge=600
DefMemPerCPU=1024
PreemptType=preempt/none
NodeName=$H CPUs=$CPUS RealMemory=$MEM State=UNKNOWN
PartitionName=debug Nodes=$H Default=YES MaxTime=INFINITE State=UP
CONF
mv "$CONF.tmp" "$CONF"
# 22.05 has no "disabled" cgroup plugin; v1 without constraints works in containers.
if [ ! -f /etc/slurm/cgroup.conf ] || grep -qF "$MARK" /etc/slurm/cgroup.conf; then
    printf '%s\nCgroupPlugin=cgroup/v1\nConstrainCores=no\nConstrainRAMSpace=no\nConstrainDevices=no\n' "$MARK" \
        >/etc/slurm/cgroup.conf
fi
if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null
    chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key
fi

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
started() { echo "$1" >>"$STATE/started"; }
dump_logs() {
    for f in "$LOGS/slurmctld.log" "$LOGS/slurmd.log" "$STATE/munged.log"; do
        [ -f "$f" ] && { say "--- tail of $f"; tail -15 "$f" >&2; }
    done
}

chown munge:munge /run/munge
if ! alive /run/munge/munged.pid; then
    su -s /bin/sh munge -c "/usr/sbin/munged --pid-file=/run/munge/munged.pid --log-file=/var/log/munge/munged.log" 9>&- \
        || { dump_logs; say "munged failed to start"; exit 1; }
    started munged
fi
if ! alive "$STATE/slurmctld.pid"; then
    # -c: start with an empty job queue (the state directory is this script's own).
    /usr/sbin/slurmctld -c 9>&- || { dump_logs; say "slurmctld failed to start"; exit 1; }
    started slurmctld
fi
if ! alive "$STATE/slurmd.pid"; then
    /usr/sbin/slurmd 9>&- || { dump_logs; say "slurmd failed to start"; exit 1; }
    started slurmd
fi

for _ in $(seq 1 60); do
    if node_ready; then say "cluster up: node $H, $CPUS CPUs, ${MEM} MB, partition debug"; exit 0; fi
    # A node left DOWN/DRAIN by an earlier run is returned to service.
    scontrol update nodename="$H" state=resume >/dev/null 2>&1 || true
    sleep 1
done
dump_logs
say "the node did not become idle within 60 s"
exit 1
