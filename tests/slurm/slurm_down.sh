#!/usr/bin/env bash
# Stop exactly the daemons slurm_up.sh started, by the pid files it left in $SLURMLAB/run
# (slurmd first, then slurmctld, then munged if slurm_up.sh started it), then remove the
# configuration files it wrote (listed in $SLURMLAB/run/config_files). SLURM's client stays
# installed; a slurm.conf left naming the stopped controller would make every `scontrol` retry
# for MessageTimeout (about 9 s), and with it every snakemake start (the SLURM executor plugin
# runs `scontrol show config` when it is imported).
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

config_files="$SLURMLAB/run/config_files"
if [ -s "$config_files" ]; then
  while read -r conf; do
    [ -e "$conf" ] || continue
    rm -f "$conf"
    echo "slurm_down: removed $conf"
  done < "$config_files"
  rm -f "$config_files"
fi
