#!/usr/bin/env bash
# Stop exactly the daemons slurm_up.sh started, by the pid files it left in $SLURMLAB/run
# (slurmd first, then slurmctld, then munged if slurm_up.sh started it).
: "${SLURMLAB:?set SLURMLAB to a scratch directory}"
for name in slurmd slurmctld munged; do
  pidfile="$SLURMLAB/run/$name.pid"
  [ -s "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 1 20); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    echo "slurm_down: stopped $name (pid $pid)"
  fi
  rm -f "$pidfile"
done
