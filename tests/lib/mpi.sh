# mpi.sh - runs a TAP test program under mpirun with several rank counts and
# merges their output into one TAP stream (sourced by the .t scripts).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
export OPENBLAS_NUM_THREADS=1
# oversubscribed ranks give up their core while they wait (a busy machine is normal here)
export OMPI_MCA_mpi_yield_when_idle=1
# A hang guard, not a time limit: on a loaded machine an oversubscribed 4-rank
# run under the sanitizers has needed more than 10 minutes.
MPI_TEST_TIMEOUT=${MPI_TEST_TIMEOUT:-2400}

# run_tap_under_ranks PROGRAM P1 P2 ...: every "ok N - x" line of the run on P
# ranks becomes "ok M - [P ranks] x"; a crashed or failing run is a failure.
run_tap_under_ranks() {
    prog=$1; shift
    total=0
    out=$(mktemp)
    for p in "$@"; do
        if timeout "$MPI_TEST_TIMEOUT" mpirun -n "$p" --oversubscribe "$prog" > "$out" 2> "$out.err"; then status=0; else status=$?; fi
        lines=$(grep -E '^(not )?ok ' "$out" | sed -E "s/^((not )?ok) [0-9]+ (- )?/\1 - [$p ranks] /")
        if [ -n "$lines" ]; then
            echo "$lines" | while IFS= read -r line; do echo "$line"; done > "$out.lines"
            n=$(wc -l < "$out.lines")
            i=0
            while IFS= read -r line; do
                i=$((i + 1))
                echo "$line" | sed -E "s/^((not )?ok) -/\1 $((total + i)) -/"
            done < "$out.lines"
            total=$((total + n))
        fi
        total=$((total + 1))
        if [ "$status" -eq 0 ]; then
            echo "ok $total - $prog exited cleanly on $p ranks"
        else
            [ "$status" -eq 124 ] && echo "# (killed by the hang guard after $MPI_TEST_TIMEOUT s)"
            echo "not ok $total - $prog exited with status $status on $p ranks"
            sed 's/^/# /' "$out.err" | head -20
        fi
    done
    echo "1..$total"
    rm -f "$out" "$out.err" "$out.lines"
}
