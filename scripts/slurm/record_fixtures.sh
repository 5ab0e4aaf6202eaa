#!/usr/bin/env bash
# Re-records tests/fixtures/slurm/ (see its README.md) on a throw-away one-node cluster with
# preemption, a short slurmd timeout and memory enforcement, so that every end state mascot
# reads actually happens. Root only; needs the Debian packages (scripts/slurm/up.sh installs
# them) and no cluster running (scripts/slurm/down.sh). Takes about 3 minutes. Stops every
# daemon it started, by PID, and removes its configuration.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="$PWD/tests/fixtures/slurm"
STATE=/run/mascot-slurm-record
SPOOL=/var/spool/mascot-slurm-record
WORK=$(mktemp -d)
MARK="# written by mascot scripts/slurm/up.sh"
H=$(hostname -s)

[ "$(id -u)" = 0 ] || { echo "root only" >&2; exit 2; }
if timeout 5 sinfo >/dev/null 2>&1; then echo "a cluster is running; stop it first" >&2; exit 2; fi
[ ! -f /etc/slurm/slurm.conf ] || grep -qF "$MARK" /etc/slurm/slurm.conf \
    || { echo "/etc/slurm/slurm.conf is not ours" >&2; exit 2; }
mkdir -p "$STATE" "$SPOOL/ctld" "$SPOOL/d" /run/munge

write_conf() { # $1: cgroup (yes|no)
    local proctrack=linuxproc task=none gather="jobacct_gather/linux" params="JobAcctGatherParams=OverMemoryKill"
    if [ "$1" = yes ]; then proctrack=cgroup task=cgroup gather="jobacct_gather/cgroup" params=""; fi
    cat >/etc/slurm/slurm.conf <<CONF
$MARK
ClusterName=record
SlurmctldHost=$H
AuthType=auth/munge
ProctrackType=proctrack/$proctrack
TaskPlugin=task/$task
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$SPOOL/ctld
SlurmdSpoolDir=$SPOOL/d
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
ReturnToService=2
JobAcctGatherType=$gather
JobAcctGatherFrequency=task=1
$params
MinJobAge=600
FirstJobId=5
DefMemPerCPU=1024
SlurmdTimeout=5
PreemptType=preempt/partition_prio
PreemptMode=CANCEL
NodeName=$H CPUs=2 RealMemory=4000 State=UNKNOWN
PartitionName=low Nodes=$H Default=YES MaxTime=INFINITE State=UP PriorityTier=1 OverSubscribe=NO
PartitionName=high Nodes=$H MaxTime=INFINITE State=UP PriorityTier=10 OverSubscribe=NO
CONF
    printf '%s\nCgroupPlugin=cgroup/v1\nConstrainCores=no\nConstrainRAMSpace=%s\nConstrainDevices=no\n' \
        "$MARK" "$1" >/etc/slurm/cgroup.conf
}
stop() { # pid files, in order
    for f in "$@"; do
        [ -f "$f" ] || continue
        local pid; pid=$(cat "$f")
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        rm -f "$f"
    done
}
MUNGED_OURS=0
N=; R=
# The step daemons of the jobs whose slurmd this script kills wait for it forever.
stranded() {
    local pid
    for pid in $(pgrep -x slurmstepd || true); do
        case "$(tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null)" in
            "slurmstepd: [$N.batch]"*|"slurmstepd: [$R.batch]"*) kill -KILL "$pid" 2>/dev/null || true ;;
        esac
    done
}
cleanup() {
    stop "$STATE/slurmd.pid" "$STATE/slurmctld.pid"
    [ -n "$N" ] && stranded
    [ "$MUNGED_OURS" = 1 ] && stop /run/munge/munged.pid
    rm -f /etc/slurm/slurm.conf /etc/slurm/cgroup.conf
    rm -rf "$SPOOL" "$STATE" "$WORK"
}
trap cleanup EXIT
ready() { for _ in $(seq 1 30); do sinfo -h -o %t 2>/dev/null | grep -q idle && return 0; sleep 1; done; return 1; }
sub() { sbatch --parsable --output="$WORK/%j.out" "$@"; }

write_conf no
chown munge:munge /run/munge
if ! { [ -f /run/munge/munged.pid ] && kill -0 "$(cat /run/munge/munged.pid)" 2>/dev/null; }; then
    su -s /bin/sh munge -c "/usr/sbin/munged --pid-file=/run/munge/munged.pid"; MUNGED_OURS=1
fi
/usr/sbin/slurmctld -c; /usr/sbin/slurmd; ready

A=$(sub -p low -c 2 --mem=100M -J rec/preempted --wrap 'sleep 60')
B=$(sub -p low -c 1 --mem=100M --time=1 -J rec/timeout --wrap 'sleep 200')
O=$(sub -p low -c 1 --mem=60M -J rec/oom --wrap 'python3 -c "x=bytearray(600*1024*1024); import time; time.sleep(20)"')
C=$(sub -p low -c 1 --mem=100M -J rec/cancelled --wrap 'sleep 60')
F=$(sub -p low -c 1 --mem=100M -J rec/failed --wrap 'echo boom >&2; exit 7')
sleep 3; scancel "$C"; sleep 1
P=$(sub -p high -c 2 --mem=100M -J rec/preemptor --wrap 'sleep 2')
sleep 5
echo "waiting for the time limit of job $B" >&2
until squeue -h -t all -j "$B" -o %T | grep -q TIMEOUT; do sleep 5; done
N=$(sub --no-requeue -p low -c 1 --mem=100M -J rec/node_fail --wrap 'sleep 60')
R=$(sub -p low -c 1 --mem=100M -J rec/requeued --wrap 'sleep 60')
sleep 3
kill -9 "$(cat "$STATE/slurmd.pid")"
until squeue -h -t all -j "$N" -o %T | grep -q NODE_FAIL; do sleep 2; done
squeue -h -t all -o '%i|%T|%r' >"$OUT/squeue_mixed.txt"
for j in "$A" "$O" "$C" "$F" "$P" "$B" "$N" "$R"; do scontrol show job -o "$j"; done >"$WORK/scontrol.txt"

# Memory enforcement by cgroup: OUT_OF_MEMORY.
stop "$STATE/slurmctld.pid"; rm -f "$STATE/slurmd.pid"
write_conf yes
/usr/sbin/slurmctld; /usr/sbin/slurmd; sleep 3
scontrol update nodename="$H" state=resume 2>/dev/null || true; ready
O2=$(sub -p low -c 1 --mem=60M -J rec/oom --wrap 'python3 -c "x=bytearray(600*1024*1024); import time; time.sleep(20)"')
until squeue -h -t all -j "$O2" -o %T | grep -q OUT_OF_MEMORY; do sleep 1; done
F2=$(sub -p low -c 1 --mem=50M -J rec/fails --wrap 'exit 2')
D=$(sub -p low -c 1 --mem=50M --dependency=afterok:"$F2" --kill-on-invalid-dep=yes -J rec/dependant --wrap true)
RN=$(sub -p low -c 1 --mem=50M -J rec/running --wrap 'sleep 30')
sleep 1
squeue -h -t all -o '%i|%T|%r' -j "$F2,$D,$RN" >"$OUT/squeue_dependency_pending.txt"
sleep 4
squeue -h -t all -o '%i|%T|%r' -j "$F2,$D,$RN" >"$OUT/squeue_dependency_cancelled.txt"
for j in "$F2" "$D" "$RN" "$O2"; do scontrol show job -o "$j"; done >>"$WORK/scontrol.txt"
scancel "$RN"
# Paths of the throw-away work directory are written as the README's /tmp/slurmrec.
sed "s#$WORK#/tmp/slurmrec#g" "$WORK/scontrol.txt" >"$OUT/scontrol_show_job_o.txt"
echo "recorded into $OUT" >&2
