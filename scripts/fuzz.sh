#!/bin/sh
# fuzz.sh - runs one libFuzzer harness (tests/fuzz/fuzz_NAME.c) for SECONDS:
# builds it (make fuzz), seeds its corpus from the hand-written inputs in
# tests/fuzz/corpus-NAME and from ../shared/data at run time (never copied into
# the repository), and keeps the grown corpus and any crash in build-fuzz/.
#
# Usage: sh scripts/fuzz.sh NAME SECONDS [DATA]
#   NAME  qasm, originir, json (noise models, counts), adapters (spec), qnn
#         (spec), batch (manifest) or checkpoint (the read side of --resume)
#   DATA  the shared data folder (default ../shared/data beside the checkout)
# Prints libFuzzer's last status line (executions, coverage); exit status 1 if
# a crash, leak or timeout was found (its input is in build-fuzz/crash-NAME-*).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
name=${1:-}
seconds=${2:-}
data=${3:-$here/../shared/data}
case "$name" in qasm|originir|json|adapters|qnn|batch|checkpoint) ;;
*) echo "fuzz: NAME must be qasm, originir, json, adapters, qnn, batch or checkpoint" >&2; exit 2 ;; esac
case "$seconds" in ''|*[!0-9]*) echo "fuzz: SECONDS must be a whole number" >&2; exit 2 ;; esac
make -C "$here" -s fuzz >/dev/null
corpus=$here/build-fuzz/corpus-$name
seeds=$here/build-fuzz/seeds-$name
mkdir -p "$corpus" "$seeds"
cp "$here"/tests/fuzz/corpus-"$name"/* "$seeds"/ 2>/dev/null || true
case "$name" in adapters|qnn) cp "$here"/examples/"$name"/*.json "$seeds"/ 2>/dev/null || true ;; esac
if [ -d "$data" ]; then
    case "$name" in
    qasm) find "$data/qasmbench" -name '*.qasm' -size -64k -exec cp {} "$seeds"/ \; 2>/dev/null || true ;;
    originir) cp "$data"/origin/originir-samples/*.ir "$seeds"/ 2>/dev/null || true ;;
    json) for f in "$data"/ibm-backends/*/props_*.json "$data"/origin/wukong72/*config*.json \
                   "$data"/origin/wukong72/hardware-results/*.json; do
              [ -f "$f" ] && cp "$f" "$seeds"/
          done ;;
    esac
fi
log=$here/build-fuzz/fuzz-$name.log
set +e
"$here/build-fuzz/fuzz_$name" "$corpus" "$seeds" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -max_len=65536 -artifact_prefix="$here/build-fuzz/crash-$name-" -print_final_stats=1 > "$log" 2>&1
status=$?
set -e
grep -E "DONE|^stat::number_of_executed_units|^stat::peak_rss_mb" "$log" | tail -3
[ "$status" = 0 ] || { echo "fuzz: $name found a problem (see $log)" >&2; exit 1; }
