#!/bin/sh
# scaling-study.sh - a strong-scaling study of tnemu: runs one problem on
# several rank counts (through SLURM with slurm/strong-scaling.sbatch when a
# cluster answers, else locally with mpirun), collects the result JSON into
# one CSV, draws time, speedup, parallel efficiency and peak memory per rank
# (PNG), fits the old curve model (scripts/scaling-model.py) and puts the
# replay simulator's predictions from each run's gate trace beside the
# measurements (scripts/scaling-validate.py, docs/scaling.md). Runs are in the
# default (Vidal) form.
#
# Usage:
#   sh scripts/scaling-study.sh run DIR [RANKS...]     run and collect (RANKS default: 1 2 4)
#   sh scripts/scaling-study.sh collect DIR            CSV, plots and model from DIR/strong-np*.json
# Parameters (environment):
#   CIRCUIT   the circuit (default: a brickwork of QUBITS qubits and DEPTH layers)
#   QUBITS, DEPTH   default 40 and 16;  CHI default 128;  SHOTS default 100;  ARGS extra run options
#   MODE      slurm, local or auto (default: slurm if `sinfo` answers, else local)
#   NODES     SLURM nodes to ask for (default 1);  OVERSUBSCRIBE=1 lets ranks exceed cores
#   RANKS_PER_NODE  ranks per node assumed in the predictions (default: the largest run's
#                   ranks divided by NODES)
#   THREADS   threads per rank (OMP_NUM_THREADS and TNEMU_BLAS_THREADS; default 1)
#   TEAM      ranks per team (--team-size; default 1: every rank owns its own segment)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
fail() { echo "scaling-study: $*" >&2; exit 2; }
cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || fail "usage: scaling-study.sh run|collect DIR [RANKS...]"
shift 2

collect() {
    ls "$dir"/strong-np*.json >/dev/null 2>&1 || fail "no results in $dir (strong-np*.json)"
    [ -x "$here/build/pingpong" ] || env -u MAKEFLAGS -u MAKELEVEL make -C "$here" -s SANITIZE= build/pingpong >/dev/null   # the plain build, also when called from make check SANITIZE=1
    if [ ! -f "$dir/pingpong.json" ]; then
        OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun --oversubscribe -n 2 \
            "$here/build/pingpong" > "$dir/pingpong.json" || fail "the ping-pong measurement failed"
    fi
    /usr/bin/python3 "$here/scripts/scaling-model.py" "$dir" "${RANKS_PER_NODE:-0}"
    if ls "$dir"/strong-np*.trace >/dev/null 2>&1; then
        /usr/bin/python3 "$here/scripts/scaling-validate.py" "$dir" || echo "scaling-study: no simulator comparison" >&2
    fi
}

run() {
    ranks=${*:-1 2 4}
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    circuit=${CIRCUIT:-}
    if [ -z "$circuit" ]; then
        circuit=$dir/brickwork.qasm
        sh "$here/scripts/gen-circuit.sh" brickwork "${QUBITS:-40}" "${DEPTH:-16}" 1 measure > "$circuit"
    fi
    max=1
    for np in $ranks; do [ "$np" -gt "$max" ] && max=$np; done
    mode=${MODE:-auto}
    if [ "$mode" = auto ]; then
        if command -v sinfo >/dev/null 2>&1 && sinfo -h >/dev/null 2>&1; then mode=slurm; else mode=local; fi
    fi
    echo "scaling-study: $mode, ranks $ranks, circuit $circuit, chi ${CHI:-128}"
    if [ "$mode" = slurm ]; then
        sbatch -W -N "${NODES:-1}" -n "$max" -o "$dir/slurm-%j.out" \
            --export=ALL,TNEMU_HOME="$here",CIRCUIT="$circuit",CHI="${CHI:-128}",SHOTS="${SHOTS:-100}",DIR="$dir",RANKS="$ranks",THREADS="${THREADS:-1}",TEAM="${TEAM:-}" \
            "$here/slurm/strong-scaling.sbatch" >/dev/null || fail "the SLURM job failed (see $dir/slurm-*.out)"
    else
        extra=""
        [ "${OVERSUBSCRIBE:-0}" = 1 ] && extra="--oversubscribe --mca mpi_yield_when_idle 1"
        for np in $ranks; do
            # shellcheck disable=SC2086
            OMP_NUM_THREADS=${THREADS:-1} TNEMU_BLAS_THREADS=${THREADS:-1} \
            OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun -n "$np" $extra "$here/bin/tnemu" run "$circuit" \
                --chi "${CHI:-128}" --shots "${SHOTS:-100}" --seed 1 -q --trace "$dir/strong-np$np.trace" \
                -o "$dir/strong-np$np.json" ${TEAM:+--team-size "$TEAM"} ${ARGS:-} \
                || fail "the run on $np rank(s) failed"
        done
    fi
    collect
}

case "$cmd" in
run) run "$@" ;;
collect) collect ;;
*) fail "unknown command '$cmd' (run or collect)" ;;
esac
