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
        ${TNEMU_EXEC:+exec} srun --mpi=pmix --ntasks="$np" --kill-on-bad-exit=1 "$TNEMU" "$@"
    else
        extra=""
        [ "${OVERSUBSCRIBE:-0}" = 1 ] && extra="--oversubscribe --mca mpi_yield_when_idle 1"
        [ "$(id -u)" = 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
        # shellcheck disable=SC2086
        ${TNEMU_EXEC:+exec} mpirun -n "$np" $extra "$TNEMU" "$@"
    fi
}
