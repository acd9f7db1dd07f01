#!/bin/sh
# wukong-validate.sh - the real hardware case of `tnemu compare`: every
# Origin Wukong 72 result in DATA/origin/wukong72/hardware-results (Bell pairs
# and readout tests; each JSON carries its circuit as OriginIR under "qprog")
# is emulated noisy with the calibration snapshot of the same days and
# noiselessly, both with --probabilities, and compared with the hardware
# counts. Prints a Markdown table; leaves every result and report in OUT.
#
# Usage: sh scripts/wukong-validate.sh [DATA] [OUT]
#   DATA  the shared data folder (default ../shared/data)
#   OUT   where results and reports go (default wukong-validation)
#   TRAJECTORIES (environment, default 2000), SHOTS of the noisy emulation
#   (default 4000: 2 per trajectory, so that compare can measure how much the
#   trajectories' probabilities vary, instead of bounding it), BOOTSTRAP (default 2000),
#   CALIBRATION (default cloud_chip_config_2026-03-08.json: the cloud's calibration of
#   2026-03-06, the days of the runs; chip_config_*.json is an older snapshot),
#   T2 (ramsey or echo, passed as --t2; default tnemu's, echo: see scripts/wukong-t2.sh)
set -eu
me=wukong-validate
default_out=wukong-validation
. "$(dirname "$0")/wukong-common.sh"

echo "| experiment | circuit | hardware shots | TVD hw-noisy [95%] | TVD hw-ideal [95%] | Hellinger hw-noisy | Hellinger hw-ideal | noisy consistent (p) |"
echo "|---|---|---|---|---|---|---|---|"
for res in "$wk"/hardware-results/*.json; do
    name=$(basename "$res" .json)
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["qprog"])' "$res" > "$out/$name.ir"
    "$tnemu" run "$out/$name.ir" --noise "$cal" ${T2:+--t2 "$T2"} --shots "$shots" --trajectories "$trajectories" \
        --seed 1 --probabilities -q -o "$out/$name.noisy.json"
    "$tnemu" run "$out/$name.ir" --shots 1000 --seed 1 --probabilities -q -o "$out/$name.ideal.json"
    "$tnemu" compare "$out/$name.noisy.json" "$res" --ideal "$out/$name.ideal.json" --bootstrap "$bootstrap" \
        --report "$out/$name.report" -q -o "$out/$name.metrics.json"
    python3 - "$out/$name.metrics.json" "$out/$name.ir" "$name" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
ops = [l for l in open(sys.argv[2]).read().splitlines() if l and not l.startswith(("QINIT", "CREG", "MEASURE"))]
c = m["comparisons"]
def ci(s):
    return "%.3f [%.3f, %.3f]" % (s["value"], s["ci95"][0], s["ci95"][1])
t = m["consistency"]
print("| %s | %s | %d | %s | %s | %.4f | %.4f | %s (%.3g) |" % (
    sys.argv[3], "; ".join(ops), m["inputs"]["hardware"]["shots"], ci(c["hardware_vs_emulated"]["tvd"]),
    ci(c["hardware_vs_ideal"]["tvd"]), c["hardware_vs_emulated"]["hellinger_fidelity"]["value"],
    c["hardware_vs_ideal"]["hellinger_fidelity"]["value"], "yes" if t["consistent_with_emulated"] else "no",
    t["p_value_vs_emulated"]))
EOF
done
