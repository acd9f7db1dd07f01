#!/usr/bin/python3
"""scaling-validate.py - the replay simulator beside measured runs.

    scripts/scaling-validate.py DIR [--prefix strong]

For every DIR/PREFIX-np<N>.json with its trace DIR/PREFIX-np<N>.trace
(scripts/scaling-study.sh and slurm/strong-scaling.sbatch write both), prints
and writes DIR/validation.csv: the measured gate phase (seconds, bytes sent
per rank, state bytes per rank) beside (a) the prediction from the trace of
the fewest ranks replayed on N ranks (each window at its measured seconds)
and (b) the run's own trace replayed on N ranks (which checks the schedule
and the waits alone). Bytes are compared with the trace's gate-phase counts.
"""
import csv
import glob
import importlib.util
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("scaling_sim", os.path.join(HERE, "scaling-sim.py"))
sim = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sim)


def main(argv):
    if not argv or argv[0].startswith("-"):
        sys.stderr.write("usage: scaling-validate.py DIR [--prefix strong]\n")
        return 2
    d = argv[0]
    prefix = argv[2] if len(argv) > 2 and argv[1] == "--prefix" else "strong"
    runs = {}
    for f in glob.glob(os.path.join(d, "%s-np*.json" % prefix)):
        m = re.search(r"-np(\d+)\.json$", f)
        t = f[:-5] + ".trace"
        if m and os.path.exists(t):
            runs[int(m.group(1))] = (f, t)
    if not runs:
        sys.stderr.write("scaling-validate: no %s-np*.json with a .trace in %s\n" % (prefix, d))
        return 2
    base = sim.read_trace(runs[min(runs)][1])
    rows = []
    for np_ in sorted(runs):
        res = json.load(open(runs[np_][0]))
        own = sim.read_trace(runs[np_][1])
        # the lenders the run had: lazy returns when any rank lent lazily (results
        # before them, and TNEMU_BLOCKING_LENDERS runs, say none)
        lent = sum(x.get("lazy_lends", 0) for x in res.get("mpi", {}).get("per_rank", []))
        protocol = "async" if lent > 0 else "blocking"
        a = sim.simulate(base, np_, times="trace", protocol=protocol)
        b = sim.simulate(own, np_, times="trace", protocol=protocol)
        # the slowest rank's gate phase (the trace's per-rank lines; results
        # before 2026-12-07 gave rank 0's as timing.gates)
        measured = max(v[0] for v in own.ranks.values()) if own.ranks else res["timing"]["gates"]
        bytes_meas = [own.ranks[r][1] for r in sorted(own.ranks)]
        rows.append({"ranks": np_, "lenders": protocol, "measured_gate_s": "%.2f" % measured,
                     "predicted_from_np%d_s" % min(runs): "%.2f" % a["predicted_seconds"],
                     "error_pct": "%.1f" % (100 * (a["predicted_seconds"] / measured - 1)),
                     "own_trace_replay_s": "%.2f" % b["predicted_seconds"],
                     "own_error_pct": "%.1f" % (100 * (b["predicted_seconds"] / measured - 1)),
                     "bytes_sent_measured": " ".join(map(str, bytes_meas)),
                     "bytes_sent_predicted": " ".join(map(str, a["bytes_sent_per_rank"])),
                     "state_bytes_measured": " ".join(str(x.get("peak_state_bytes", 0))
                                                      for x in res.get("mpi", {}).get("per_rank", [])) or
                     str(res.get("peak_state_bytes", 0)),
                     "state_bytes_predicted": " ".join(map(str, a["state_bytes_per_rank"]))})
    out = os.path.join(d, "validation.csv")
    with open(out + ".tmp", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    os.replace(out + ".tmp", out)
    for r in rows:
        print("validation: %d rank(s): measured %s s, predicted %s s (%s%%), own trace %s s (%s%%); bytes %s vs %s"
              % (r["ranks"], r["measured_gate_s"], list(r.values())[3], r["error_pct"], r["own_trace_replay_s"],
                 r["own_error_pct"], r["bytes_sent_measured"], r["bytes_sent_predicted"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
