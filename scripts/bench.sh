#!/bin/sh
# bench.sh - make bench: the machine and its ZGEMM rate, the 100-qubit
# brickwork of issue 2 at several bond dimensions (wall time, gate and sampling
# time for 1000 shots, peak memory, fidelity estimate), the time of one
# two-qubit gate at chi 128..1024 against its linear-algebra floor
# (build/bench-gate), sampling throughput at 156 qubits, and the eigensolver
# timings behind the --scalapack-min default.
# BENCH_CHIS (default "64 256 512"; empty: none) picks the brickwork bond dimensions; each
# runs three ways: one process in Vidal form (the default, 2 BLAS threads),
# two ranks in Vidal form (mpirun -n 2, one BLAS thread each: the segments'
# gates run at the same time), and one process in the centre form
# (--canonical center). BENCH_FORMS (default "vidal vidal2 center") picks them.
# The long-range set (issue 22; BENCH_LONGRANGE=0 skips it): QFT-48 and QFT-63
# on random product states (QASMBench qft_n63's gate order, cx/u1) and 64
# qubits of random long-range CX at chi 64, QV-100 at chi 16, tnemu on 2
# threads: wall time, decompositions, swaps (by themselves + fused into gates),
# the initial order's swap distance, fidelity estimate. Peers in the same run
# when given as commands that take CIRCUIT.qasm CHI and print their wall
# seconds on the last line of stdout: TNEMU_BENCH_AER (Qiskit Aer's MPS),
# TNEMU_BENCH_QUIMB (quimb's CircuitMPS); skipped with a note otherwise (they
# are built beside the project, never in it: see BENCHMARKS.md).
# Writes bench-results.json in the build folder; BENCHMARKS.md records numbers.
set -eu
cd "$(dirname "$0")/.."
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
BUILD=${TNEMU_BUILD:-build}
CHIS=${BENCH_CHIS-64 256 512}   # BENCH_CHIS= (empty): no brickwork runs
FORMS=${BENCH_FORMS:-vidal vidal2 center}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem/ {print $2}') GiB"
sh scripts/gen-circuit.sh brickwork 100 20 1 measure > "$work/bw100.qasm"
out="$BUILD/bench-results.json"
echo "[" > "$out"
sep=""
for chi in $CHIS; do
    for form in $FORMS; do
        case $form in
        vidal) set -- bin/tnemu ;;
        vidal2) set -- mpirun -n 2 -x OPENBLAS_NUM_THREADS=1 bin/tnemu ;;
        center) set -- bin/tnemu --canonical center ;;
        *) echo "bench.sh: unknown form $form (vidal, vidal2 or center)" >&2; exit 2 ;;
        esac
        if [ "$1" = bin/tnemu ]; then shift; set -- bin/tnemu run "$@"; else set -- "$@" run; fi
        # the maximum resident set over the ranks (GNU time sees mpirun's children too)
        /usr/bin/time -f "%e %M" -o "$work/time" "$@" "$work/bw100.qasm" --chi "$chi" --shots 1000 --seed 1 -q -o "$work/r.json"
        read -r wall rss < "$work/time"
        perl -MJSON::PP -e '
            my ($f, $chi, $form, $wall, $rss) = @ARGV; local $/; open(my $fh, "<", $f) or die; my $r = decode_json(<$fh>);
            printf "brickwork 100q depth 20 chi %4d %-7s: wall %7.2f s, gates %7.2f s, sampling %6.2f s, peak %6.0f MiB, fidelity %.6f\n",
                $chi, $form, $wall, $r->{timing}{gates}, $r->{timing}{sample}, $rss / 1024, $r->{fidelity_estimate};
        ' "$work/r.json" "$chi" "$form" "$wall" "$rss"
        printf '%s{"circuit": "brickwork100_d20", "chi": %s, "form": "%s", "wall_seconds": %s, "peak_rss_kib": %s, "result": %s}\n' \
            "$sep" "$chi" "$form" "$wall" "$rss" "$(cat "$work/r.json")" >> "$out"
        sep=","
    done
done
echo "one two-qubit gate against the dense linear algebra it needs (build/bench-gate)"
"$BUILD/bench-gate" | tee "$work/gate.txt"
gate_json=$(tail -n 1 "$work/gate.txt")
printf ',{"per_gate": %s}\n' "$gate_json" >> "$out"
if [ -f ../shared/data/ibm-backends/fez/conf_fez.json ]; then
    sh scripts/gen-circuit.sh kicked-ising ../shared/data/ibm-backends/fez/conf_fez.json 5 > "$work/ki.qasm"
    bin/tnemu run "$work/ki.qasm" --chi 64 --shots 100000 --seed 1 -q -o "$work/ki.json"
    perl -MJSON::PP -e '
        local $/; open(my $fh, "<", $ARGV[0]) or die; my $r = decode_json(<$fh>);
        printf "sampling at 156 qubits (kicked Ising on fez, chi 64, max bond %d): 100000 shots in %.2f s = %.0f shots/s\n",
            $r->{max_bond_dimension}, $r->{timing}{sample}, 100000 / $r->{timing}{sample};
    ' "$work/ki.json"
    printf ',{"circuit": "kicked_ising_fez_156q", "chi": 64, "shots": 100000, "result": %s}\n' "$(cat "$work/ki.json")" >> "$out"
fi
echo "]" >> "$out"
longrange() {   # name, circuit, chi
    /usr/bin/time -f "%e" -o "$work/time" env OMP_NUM_THREADS=2 bin/tnemu run "$2" --chi "$3" --seed 1 -q -o "$work/lr.json"
    perl -MJSON::PP -e '
        my ($f, $name, $chi, $wall) = @ARGV; local $/; open(my $fh, "<", $f) or die; my $r = decode_json(<$fh>);
        printf "%-22s chi %3d tnemu: wall %7.2f s, gates %7.2f s, decompositions %6d, swaps %5d + %5d fused, swap distance %6d, fidelity %.6f\n",
            $name, $chi, $wall, $r->{timing}{gates}, $r->{decompositions}, $r->{swaps}, $r->{fused_swaps},
            $r->{swap_distance}, $r->{fidelity_estimate};
    ' "$work/lr.json" "$1" "$3" "$(cat "$work/time")"
    printf ',{"circuit": "%s", "chi": %s, "wall_seconds": %s, "result": %s}\n' "$1" "$3" "$(cat "$work/time")" \
        "$(cat "$work/lr.json")" >> "$out"
    for peer in AER QUIMB; do
        eval "cmd=\${TNEMU_BENCH_$peer:-}"
        if [ -z "$cmd" ]; then echo "$(printf '%-22s' "$1") chi $(printf '%3d' "$3") $peer: skipped (TNEMU_BENCH_$peer not set)"; continue; fi
        secs=$($cmd "$2" "$3" | tail -n 1) || secs="failed"
        echo "$(printf '%-22s' "$1") chi $(printf '%3d' "$3") $peer: wall $secs s"
    done
}
if [ "${BENCH_LONGRANGE:-1}" != 0 ]; then
    sed -i '$ d' "$out"   # reopen the array
    echo "long-range circuits (issue 22)"
    sh scripts/gen-circuit.sh qft 48 1 > "$work/qft48.qasm"
    sh scripts/gen-circuit.sh qft 63 1 > "$work/qft63.qasm"
    sh scripts/gen-circuit.sh random-cx 64 20 1 > "$work/rcx64.qasm"
    sh scripts/gen-circuit.sh qv 100 100 1 > "$work/qv100.qasm"
    longrange qft48_random_product "$work/qft48.qasm" 64
    longrange qft63_random_product "$work/qft63.qasm" 64
    longrange random_cx64_20layers "$work/rcx64.qasm" 64
    longrange qv100_d100 "$work/qv100.qasm" 16
    echo "]" >> "$out"
fi
echo "eigensolver of a Gram split: LAPACK on one rank vs ScaLAPACK on 2 ranks (median of 3)"
mpirun -n 2 --oversubscribe -x OPENBLAS_NUM_THREADS=1 "$BUILD/bench-eigh" 512 1024 2048
echo "results: $out"
