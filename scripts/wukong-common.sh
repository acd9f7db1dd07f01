# wukong-common.sh - the set-up both Wukong scripts share (sourced, not run):
# the folders, the run sizes from the environment and the checks. The caller
# sets `me` (its name for messages) and `default_out` first; takes DATA and
# OUT from "$@".
here=$(cd "$(dirname "$0")/.." && pwd)
data=${1:-$here/../shared/data}
out=${2:-$default_out}
trajectories=${TRAJECTORIES:-2000}
shots=${SHOTS:-4000}
bootstrap=${BOOTSTRAP:-2000}
wk=$data/origin/wukong72
cal=$wk/${CALIBRATION:-cloud_chip_config_2026-03-08.json}
tnemu=$here/bin/tnemu
[ -d "$wk/hardware-results" ] || { echo "$me: no $wk/hardware-results" >&2; exit 2; }
[ -f "$cal" ] || { echo "$me: no calibration $cal" >&2; exit 2; }
[ -x "$tnemu" ] || { echo "$me: build tnemu first (make)" >&2; exit 2; }
mkdir -p "$out"
