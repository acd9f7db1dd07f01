#!/bin/sh
# demo.sh - the built-in demo (make demo): emulates 156-qubit circuits and
# prints readable summaries. Needs no data beyond what it generates.
set -eu
cd "$(dirname "$0")/.."
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
launch="mpirun -n ${DEMO_RANKS:-2} --oversubscribe"
command -v mpirun >/dev/null 2>&1 || launch=""

echo "== 1. GHZ state on 156 qubits: only 0...0 and 1...1 may appear, <Z0 Z155> = 1"
sh scripts/gen-circuit.sh ghz 156 > "$work/ghz156.qasm"
$launch bin/tnemu run "$work/ghz156.qasm" --shots 1000 --seed 7 \
    --observable "Z0 Z155" --observable "X0" -o "$work/ghz.json"
echo
echo "== 2. Random brickwork circuit, 156 qubits, depth 16, bond dimension capped at 64 (truncated)"
sh scripts/gen-circuit.sh brickwork 156 16 2026 measure > "$work/brick156.qasm"
$launch bin/tnemu run "$work/brick156.qasm" --chi 64 --shots 1000 --seed 7 \
    --observable "Z0" --observable "Z77 Z78" -o "$work/brick.json"
echo
echo "== 3. What would it cost? tnemu info on the same circuit (first and last lines)"
bin/tnemu info "$work/brick156.qasm" --chi 64 | sed -n '1,8p;$p'
echo
echo "== 4. Cayley unitary adapter blocks: 12 pieces of 4 activations on 2-qubit blocks, 100000 shots each"
$launch bin/tnemu adapters examples/adapters/line-k2.json -o "$work/adapters.json"
echo
echo "demo done: result JSON files were written in a temporary folder (see tnemu run --help, -o FILE)"
