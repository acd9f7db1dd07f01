# slurm/common.sh - sourced by every template in slurm/: where tnemu is and
# how to launch it on the allocation's ranks.
#
#   TNEMU         the binary (default: $TNEMU_HOME/bin/tnemu)
#   TNEMU_HOME    the tnemu checkout or install prefix (default: the submit directory)
#   TNEMU_LAUNCH  srun, mpirun or auto (default). auto: `srun --mpi=pmix` when this
#                 SLURM has the pmix plugin, else mpirun (Open MPI reads the allocation).
#                 On the single-machine test cluster (scripts/slurm-local.sh) two slurmd
#                 share one host and PMIx's per-node directory, so tests set mpirun.
#   OVERSUBSCRIBE 1: let mpirun place more ranks than cores (tests on small machines)
#   TERM_WAIT     seconds mpirun waits after a SIGTERM before it passes SIGTERM on to
#                 the ranks, and again before SIGKILL (Open MPI's odls_base_sigkill_timeout,
#                 whose default of 1 s is too short to write a checkpoint); default 10,
#                 so 2 x TERM_WAIT stays below SLURM's usual KillWait of 30 s
#
# Signals. SLURM ends a job at its time limit (and on scancel or preemption) with
# SIGTERM and, KillWait seconds later, SIGKILL. tnemu run --checkpoint DIR writes a
# checkpoint and exits 3 on SIGTERM or SIGUSR1 at its next poll (a few gates, a
# chunk of shots, a trajectory); tnemu batch stops handing out tasks, lets the
# running ones finish, writes the results so far and exits 3. srun passes both
# signals to every task; Open MPI's mpirun passes SIGUSR1 on at once but treats
# SIGTERM as an abort (TERM_WAIT above, then SIGKILL; its exit status is then 1).
# The supported way is therefore a warning signal well before the limit:
#   #SBATCH --signal=B:USR1@120   the batch shell gets USR1 120 s before the limit and
#                                 passes it to the launcher (tnemu_launch_forwarding);
#                                 right for these templates, whichever launcher they use
#   srun --signal=USR1@120 ...    in a script of your own: USR1 straight to a step's tasks
TNEMU_HOME=${TNEMU_HOME:-${SLURM_SUBMIT_DIR:-$(pwd)}}
TNEMU=${TNEMU:-$TNEMU_HOME/bin/tnemu}
TNEMU_LAUNCH=${TNEMU_LAUNCH:-auto}
[ -x "$TNEMU" ] || { echo "tnemu: $TNEMU is not an executable (set TNEMU or TNEMU_HOME)" >&2; exit 2; }

launch_mode() {
    case "$TNEMU_LAUNCH" in
    srun|mpirun) echo "$TNEMU_LAUNCH" ;;
    auto)
        if command -v srun >/dev/null 2>&1 && [ -n "${SLURM_JOB_ID:-}" ] && srun --mpi=list 2>&1 | grep -q pmix; then
            echo srun
        else
            echo mpirun
        fi ;;
    *) echo "tnemu: TNEMU_LAUNCH must be srun, mpirun or auto, not '$TNEMU_LAUNCH'" >&2; exit 2 ;;
    esac
}

# tnemu_launch NP ARGS...: tnemu ARGS on NP ranks of this allocation. With
# TNEMU_EXEC=1 the launcher replaces the (sub)shell, so that a signal sent to
# `$!` reaches srun or mpirun, which pass it on to every rank.
tnemu_launch() {
    np=$1
    shift
    if [ "$(launch_mode)" = srun ]; then
        ${TNEMU_EXEC:+exec} srun --mpi=pmix --ntasks="$np" --kill-on-bad-exit=1 \
            ${SLURM_CPUS_PER_TASK:+--cpus-per-task="$SLURM_CPUS_PER_TASK"} "$TNEMU" "$@"
    else
        extra=""
        [ "${SLURM_CPUS_PER_TASK:-1}" -gt 1 ] && extra="--bind-to none"   # a rank's threads on its C cores, not one
        [ "${OVERSUBSCRIBE:-0}" = 1 ] && extra="--oversubscribe --mca mpi_yield_when_idle 1"
        [ -n "${OMPI_MCA_odls_base_sigkill_timeout:-}" ] || extra="$extra --mca odls_base_sigkill_timeout ${TERM_WAIT:-10}"
        [ "$(id -u)" = 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
        # shellcheck disable=SC2086
        ${TNEMU_EXEC:+exec} mpirun -n "$np" $extra "$TNEMU" "$@"
    fi
}

# tnemu_launch_forwarding NP ARGS...: tnemu_launch in the background, with SIGUSR1
# and SIGTERM to this shell passed on to the launcher as SIGUSR1 (which srun and
# mpirun pass to every rank); returns tnemu's exit status (3: stopped by the signal).
tnemu_launch_forwarding() {
    launcher=""
    trap '[ -n "$launcher" ] && kill -USR1 "$launcher" 2>/dev/null || true' USR1 TERM
    (TNEMU_EXEC=1 tnemu_launch "$@") &
    launcher=$!
    status=0
    while :; do
        wait "$launcher" && status=0 || status=$?
        kill -0 "$launcher" 2>/dev/null || break   # wait returns early when a trapped signal arrives
    done
    trap - USR1 TERM
    return "$status"
}

# tnemu_threads: threads per rank. With sbatch --cpus-per-task=C each rank owns C
# cores: OMP_NUM_THREADS (tnemu's OpenMP loops over the gates of a layer) defaults
# to C, srun gets --cpus-per-task=C (srun does not inherit it since SLURM 22.05) and
# mpirun --bind-to none. Without --cpus-per-task it defaults to 1: one rank per core.
# BLAS stays on one thread (results the same bits on any thread count) unless you
# export TNEMU_BLAS_THREADS (docs/tnemu.1, ENVIRONMENT). Values you export are kept.
tnemu_threads() {
    export OMP_NUM_THREADS="${OMP_NUM_THREADS:-${SLURM_CPUS_PER_TASK:-1}}"
    echo "tnemu: $OMP_NUM_THREADS thread(s) per rank (OMP_NUM_THREADS), BLAS on ${TNEMU_BLAS_THREADS:-1}"
}

# tnemu_journaled COMMAND INPUT ARGS...: `tnemu COMMAND INPUT ARGS` (qnn, adapters or
# batch) on every rank with a journal of the tasks done in $DIR (default
# journal-$SLURM_JOB_ID, the same after a requeue): --resume DIR when DIR/journal
# exists, else --checkpoint DIR. USR1 or TERM to the batch shell (#SBATCH
# --signal=B:USR1@120) stops tnemu after the tasks under way (exit 3); with REQUEUE=1
# (default) the job then requeues itself and its next start does only the rest.
tnemu_journaled() {
    command=$1
    input=$2
    shift 2
    DIR=${DIR:-journal-${SLURM_JOB_ID:-local}}
    if [ -f "$DIR/journal" ]; then
        echo "tnemu: resuming from the journal in $DIR (start ${SLURM_RESTART_COUNT:-0})"
        journal="--resume $DIR"
    else
        journal="--checkpoint $DIR"
    fi
    status=0
    # shellcheck disable=SC2086
    tnemu_launch_forwarding "${SLURM_NTASKS:-1}" "$command" "$input" $journal "$@" || status=$?
    if [ "$status" = 3 ] && [ "${REQUEUE:-1}" = 1 ] && [ -n "${SLURM_JOB_ID:-}" ]; then
        echo "tnemu: stopped; the journal is in $DIR; requeueing job $SLURM_JOB_ID"
        scontrol requeue "$SLURM_JOB_ID"
        return 0
    fi
    return "$status"
}
