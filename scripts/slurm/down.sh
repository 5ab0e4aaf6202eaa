#!/usr/bin/env bash
# Stops the one-node cluster that scripts/slurm/up.sh started: the daemons listed in
# $MASCOT_SLURM_STATE/started, by the PIDs in their pid files (SIGTERM, then SIGKILL after
# 15 s), then removes the configuration, spool and log directories up.sh wrote. A cluster
# this script did not start is left alone. Idempotent; exit 0 unless a daemon survives.
set -euo pipefail

STATE="${MASCOT_SLURM_STATE:-/run/mascot-slurm}"
SPOOL=/var/spool/mascot-slurm
LOGS=/var/log/mascot-slurm
MARK="# written by mascot scripts/slurm/up.sh"
say() { echo "slurm-down: $*" >&2; }

[ -f "$STATE/started" ] || { say "nothing to stop (up.sh started no daemon)"; exit 0; }
exec 9>"$STATE/lock"
flock 9

pidfile() {
    case "$1" in
        munged) echo /run/munge/munged.pid ;;
        *) echo "$STATE/$1.pid" ;;
    esac
}

status=0
# Reverse start order: slurmd, slurmctld, munged.
for daemon in $(tac "$STATE/started"); do
    f=$(pidfile "$daemon")
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    kill -0 "$pid" 2>/dev/null || { rm -f "$f"; continue; }
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
        say "$daemon ($pid) ignored SIGTERM; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 0.5
    fi
    if kill -0 "$pid" 2>/dev/null; then say "$daemon ($pid) is still running"; status=1; fi
    rm -f "$f"
    say "stopped $daemon ($pid)"
done
if [ "$status" = 0 ]; then
    for f in /etc/slurm/slurm.conf /etc/slurm/cgroup.conf; do
        [ -f "$f" ] && grep -qF "$MARK" "$f" && rm -f "$f"
    done
    [ "${MASCOT_SLURM_KEEP_LOGS:-0}" = 1 ] || rm -rf "$LOGS"
    rm -rf "$SPOOL"
    rm -f "$STATE/started" "$STATE/apt.log" "$STATE/lock"
    rmdir "$STATE" 2>/dev/null || true
fi
exit "$status"
