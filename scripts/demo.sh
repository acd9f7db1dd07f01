#!/bin/sh
# demo.sh - the built-in demo (make demo): emulates 156-qubit circuits and
# prints readable summaries. Needs no data beyond what it generates.
# Everything it makes stays in demo/ in the checkout (DEMO_DIR=... elsewhere),
# so that it can be opened afterwards (README.md, "The demo"):
#   ghz156.qasm, ghz.json          1. the GHZ circuit and its result
#   brick156.qasm, brick.json      2. the truncated random brickwork and its result
#   brick156-info.txt              3. tnemu info on the brickwork
#   adapters.json                  4. the Cayley adapter blocks' result
# DEMO_RANKS=P runs on P MPI ranks (default 2); TNEMU=PATH another binary
# than bin/tnemu (tests/demo.t runs the build under test).
set -eu
cd "$(dirname "$0")/.."
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
out=${DEMO_DIR:-demo}
tnemu=${TNEMU:-bin/tnemu}
mkdir -p "$out"
launch="mpirun -n ${DEMO_RANKS:-2} --oversubscribe"
command -v mpirun >/dev/null 2>&1 || launch=""

echo "== 1. GHZ state on 156 qubits: only 0...0 and 1...1 may appear, <Z0 Z155> = 1"
sh scripts/gen-circuit.sh ghz 156 > "$out/ghz156.qasm"
$launch "$tnemu" run "$out/ghz156.qasm" --shots 1000 --seed 7 \
    --observable "Z0 Z155" --observable "X0" -o "$out/ghz.json"
echo
echo "== 2. Random brickwork circuit, 156 qubits, depth 16, bond dimension capped at 64 (truncated)"
sh scripts/gen-circuit.sh brickwork 156 16 2026 measure > "$out/brick156.qasm"
$launch "$tnemu" run "$out/brick156.qasm" --chi 64 --shots 1000 --seed 7 \
    --observable "Z0" --observable "Z77 Z78" -o "$out/brick.json"
echo
echo "== 3. What would it cost? tnemu info on the same circuit (first and last lines; all in $out/brick156-info.txt)"
"$tnemu" info "$out/brick156.qasm" --chi 64 > "$out/brick156-info.txt"
sed -n '1,8p;$p' "$out/brick156-info.txt"
echo
echo "== 4. Cayley unitary adapter blocks: 12 pieces of 4 activations on 2-qubit blocks, 100000 shots each"
$launch "$tnemu" adapters examples/adapters/line-k2.json -o "$out/adapters.json"
echo
echo "demo done: the circuits and results are in $out/ (ghz.json, brick.json, brick156-info.txt, adapters.json)"
