#!/usr/bin/python3
"""scaling-machine.py - the machine description scripts/scaling-sim.py and
`tnemu plan` read, from this machine's measurements.

    scripts/scaling-machine.py BENCH_GATE_OUTPUT PINGPONG_JSON [--cores N] [--name NAME]

BENCH_GATE_OUTPUT is what build/bench-gate printed (its last line is JSON:
the Vidal-form gate time per chi); PINGPONG_JSON what build/pingpong printed
(latency and bandwidth between two ranks). Prints the machine JSON:
cores_per_node, gate_rates ([chi, GFLOP/s per core] pairs), latency_s and
bandwidth_Bps (between nodes; here the two ranks of one host), intra_* (within
a node) and the efficiencies the model assumes for what cannot be measured on
one small machine (threads, ScaLAPACK), marked as assumed.
"""
import argparse
import json
import os
import sys


def fail(msg):
    sys.stderr.write("scaling-machine: %s\n" % msg)
    sys.exit(2)


def last_json(path):
    try:
        lines = [l for l in open(path) if l.strip().startswith("{")]
        return json.loads(lines[-1])
    except (OSError, IndexError, ValueError) as e:
        fail("%s: no JSON line (%s)" % (path, e))


def main(argv):
    ap = argparse.ArgumentParser(prog="scaling-machine.py")
    ap.add_argument("bench")
    ap.add_argument("pingpong")
    ap.add_argument("--cores", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--name", default="this machine")
    a = ap.parse_args(argv)
    if not 1 <= a.cores <= 65536:
        fail("--cores: %d is out of range (1 to 65536)" % a.cores)
    b, p = last_json(a.bench), last_json(a.pingpong)
    rates = []
    for g in b.get("gates", []):
        # bench-gate's work count, 170.7 chi^3 (its printed gflop is rounded)
        x = float(g["chi"])
        gf = g.get("vidal_gflops") or (170.6667 * x ** 3 / 1e9 / g["vidal_seconds"] if g.get("vidal_seconds") else 0)
        if gf > 0:
            rates.append([g["chi"], round(gf, 3)])
    if not rates:
        fail("%s: no gate rates" % a.bench)
    m = {
        "name": a.name,
        "cores_per_node": a.cores,
        "gate_rates": rates,
        "zgemm_gflops": b.get("zgemm_gflops"),
        "latency_s": p["latency_s"], "bandwidth_Bps": p["bandwidth_Bps"],
        "intra_latency_s": p["latency_s"], "intra_bandwidth_Bps": p["bandwidth_Bps"],
        "one_site_gflops": 1.0,
        "thread_efficiency": 0.9, "blas_thread_efficiency": 0.6, "scalapack_efficiency": 0.5,
        "assumed": ["one_site_gflops", "thread_efficiency", "blas_thread_efficiency", "scalapack_efficiency"],
    }
    print(json.dumps(m, indent=1).replace("[\n  ", "[").replace(",\n   ", ", ").replace("\n  ]", "]"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
