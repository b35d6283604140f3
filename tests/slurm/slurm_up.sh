#!/usr/bin/env bash
# Stand up a real single-node SLURM cluster on loopback for the tests: munged, slurmctld and
# slurmd from Debian's packages, node "localhost" with one fake GPU (a typed GRES backed by
# /dev/null), partitions "cpu" (default) and "gpu" as named in profiles/slurm/config.yaml.
# No slurmdbd: the profile polls job states with squeue, which needs MinJobAge below.
#
# Usage (as root): SLURMLAB=/scratch/dir tests/slurm/slurm_up.sh
# All state, logs and pid files live under $SLURMLAB; the pids of the daemons this script
# started are in $SLURMLAB/run/*.pid and the configuration files it wrote are listed in
# $SLURMLAB/run/config_files; slurm_down.sh stops exactly those daemons and removes exactly
# those files. A munged that was already running is used as it is and left alone; a slurm.conf
# that this script did not write is never replaced.
set -euo pipefail
: "${SLURMLAB:?set SLURMLAB to a scratch directory}"
export DEBIAN_FRONTEND=noninteractive

log() { echo "slurm_up: $*"; }

if pgrep -x slurmctld >/dev/null || pgrep -x slurmd >/dev/null; then
  echo "slurm_up: a slurmctld or slurmd is already running on this machine; not touching it" \
       "(a test cluster left over from a killed run stops with SLURMLAB=<its dir> tests/slurm/slurm_down.sh)" >&2
  exit 3
fi
WRITTEN_BY="# Written by tests/slurm/slurm_up.sh"
if [ -e /etc/slurm/slurm.conf ] && ! head -1 /etc/slurm/slurm.conf | grep -qF "$WRITTEN_BY"; then
  echo "slurm_up: /etc/slurm/slurm.conf was not written by this script (a site configuration?);" \
       "not replacing it" >&2
  exit 3
fi

# 1. packages (Debian 12: Slurm 22.05, MUNGE 0.5.15). Without systemd the postinst scripts
#    do not start the daemons; they are started by hand below.
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null \
   || ! command -v munged >/dev/null || ! command -v sbatch >/dev/null; then
  log "installing munge slurmctld slurmd slurm-client"
  apt-get -o DPkg::Lock::Timeout=300 update -qq
  apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends \
    munge slurmctld slurmd slurm-client >/dev/null
fi

# 2. scratch dirs; fresh state so no drained node or old job records survive from a past run
mkdir -p "$SLURMLAB"/{state,spool,log,run} /etc/slurm
rm -rf "${SLURMLAB:?}"/state/* "${SLURMLAB:?}"/spool/* "${SLURMLAB:?}"/run/*

# 3. munge: key, socket dir, daemon as user munge (reuse one that already answers)
if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  log "munged already running; using it"
else
  if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=128 status=none
  fi
  chown -R munge:munge /etc/munge
  chmod 0700 /etc/munge
  chmod 0600 /etc/munge/munge.key
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  chmod 0755 /run/munge
  runuser -u munge -- /usr/sbin/munged          # daemonizes; writes /run/munge/munged.pid
  cp /run/munge/munged.pid "$SLURMLAB/run/munged.pid"
  munge -n | unmunge >/dev/null
fi

# 4. node shape from the machine itself (slurmd -C); RealMemory at 90% (more than the
#    machine has would make the node INVAL)
read -r CPUS SOCKETS CORES THREADS MEM < <(slurmd -C | head -1 | awk '{
  for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
  print v["CPUs"], v["SocketsPerBoard"], v["CoresPerSocket"], v["ThreadsPerCore"], v["RealMemory"] }')
MEM=$(( MEM * 90 / 100 ))

printf '%s\n' /etc/slurm/slurm.conf /etc/slurm/gres.conf > "$SLURMLAB/run/config_files"
cat > /etc/slurm/slurm.conf <<EOF
$WRITTEN_BY (single-node test cluster; state under $SLURMLAB)
ClusterName=musicrec-ci
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
StateSaveLocation=$SLURMLAB/state
SlurmdSpoolDir=$SLURMLAB/spool
SlurmctldPidFile=$SLURMLAB/run/slurmctld.pid
SlurmdPidFile=$SLURMLAB/run/slurmd.pid
SlurmctldLogFile=$SLURMLAB/log/slurmctld.log
SlurmdLogFile=$SLURMLAB/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
MailProg=/bin/true
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1024
ReturnToService=2
# finished jobs stay visible to "squeue --states=all" for 10 min: the snakemake plugin polls
# with squeue when there is no accounting and needs MinJobAge >= 3 x its first-check delay
MinJobAge=600
GresTypes=gpu
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$CPUS Boards=1 SocketsPerBoard=$SOCKETS CoresPerSocket=$CORES ThreadsPerCore=$THREADS RealMemory=$MEM Gres=gpu:testgpu:1 State=UNKNOWN
PartitionName=cpu Nodes=localhost Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes=localhost Default=NO MaxTime=INFINITE State=UP
EOF

# a GPU GRES needs a device file; Count= alone registers 0 GPUs and drains the node
cat > /etc/slurm/gres.conf <<EOF
$WRITTEN_BY
AutoDetect=off
NodeName=localhost Name=gpu Type=testgpu File=/dev/null
EOF

# 5. daemons (both daemonize and write the pid files named above)
/usr/sbin/slurmctld
/usr/sbin/slurmd -N localhost

# 6. wait for the node; resume it if it registered as DOWN/DRAIN
state=""
for _ in $(seq 1 30); do
  state=$(sinfo -h -n localhost -o %T 2>/dev/null | head -1 || true)
  case "$state" in
    idle|mixed) break ;;
    drain*|down*|inval*) scontrol update nodename=localhost state=resume 2>/dev/null || true ;;
  esac
  sleep 1
done
sinfo
case "$state" in
  idle|mixed) log "node localhost is $state" ;;
  *) echo "slurm_up: node not ready: '$state'" >&2; sinfo -R >&2; exit 1 ;;
esac
