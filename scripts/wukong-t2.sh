#!/bin/sh
# wukong-t2.sh - which T2 of the Origin calibration agrees better with the
# Wukong 72 hardware: every run in DATA/origin/wukong72/hardware-results is
# emulated noisy twice, with --t2 ramsey (the Ramsey "T2") and --t2 echo (the
# echo "Ts2"), same seed, trajectories and shots, and each is compared with
# the hardware counts by `tnemu compare`. Prints a Markdown table of the
# TVDs (and the test's p-values) and the sums; leaves the results in OUT.
#
# Usage: sh scripts/wukong-t2.sh [DATA] [OUT]
#   DATA  the shared data folder (default ../shared/data)
#   OUT   where results go (default wukong-t2)
#   TRAJECTORIES (default 2000), SHOTS (default 4000), BOOTSTRAP (default 2000),
#   CALIBRATION (default cloud_chip_config_2026-03-08.json) as in wukong-validate.sh
set -eu
me=wukong-t2
default_out=wukong-t2
. "$(dirname "$0")/wukong-common.sh"

echo "| run | TVD hw-noisy, --t2 ramsey | TVD hw-noisy, --t2 echo | p ramsey | p echo |"
echo "|---|---|---|---|---|"
for res in "$wk"/hardware-results/*.json; do
    name=$(basename "$res" .json)
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["qprog"])' "$res" > "$out/$name.ir"
    for t2 in ramsey echo; do
        "$tnemu" run "$out/$name.ir" --noise "$cal" --t2 "$t2" --shots "$shots" --trajectories "$trajectories" \
            --seed 1 --probabilities -q -o "$out/$name.$t2.json"
        "$tnemu" compare "$out/$name.$t2.json" "$res" --bootstrap "$bootstrap" -q -o "$out/$name.$t2.metrics.json"
    done
    python3 - "$out/$name" "$name" <<'PY'
import json, sys
m = {t: json.load(open("%s.%s.metrics.json" % (sys.argv[1], t))) for t in ("ramsey", "echo")}
tvd = {t: m[t]["comparisons"]["hardware_vs_emulated"]["tvd"]["value"] for t in m}
p = {t: m[t]["consistency"]["p_value_vs_emulated"] for t in m}
print("| %s | %.4f | %.4f | %.3g | %.3g |" % (sys.argv[2], tvd["ramsey"], tvd["echo"], p["ramsey"], p["echo"]))
PY
done | tee "$out/table.md"
python3 - "$out/table.md" <<'PY'
import sys
rows = [l.split("|")[1:-1] for l in open(sys.argv[1]) if l.startswith("| ")]
r = sum(float(x[1]) for x in rows); e = sum(float(x[2]) for x in rows)
better = sum(1 for x in rows if float(x[2]) < float(x[1])), sum(1 for x in rows if float(x[1]) < float(x[2]))
print("| sum of %d runs | %.4f | %.4f | echo closer in %d, ramsey in %d | |" % (len(rows), r, e, better[0], better[1]))
PY
