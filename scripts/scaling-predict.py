#!/usr/bin/python3
"""scaling-predict.py - strong and weak scaling predictions of the replay
simulator (scripts/scaling-sim.py) from 1 to 256 nodes, as CSV and plots.

    scripts/scaling-predict.py OUTDIR [--machine FILE] [--tnemu BIN] [--quick]

Problems (synthetic traces: the circuit's gate structure from tnemu, bonds from
the saturating bond model): the 156-qubit kicked-Ising circuit on ibm_fez's
heavy-hex map (20 steps, --order auto; needs ../shared/data), the 100- and
156-qubit brickwork (40 layers, so that chi 4,096 is reached), each at chi 256,
1,024 and 4,096. Strong scaling: the same problem on P = 1 .. 256 ranks, one
rank per node, one thread. Weak scaling: a brickwork of 25 qubits per rank.
Memory-bound layouts: the 156-qubit brickwork at chi 4,096 on ranks of a few
GiB, in teams that split their windows on their grids (mpi/scal_window.c),
32 ranks per node, one thread each.
Writes OUTDIR/predictions.csv, OUTDIR/weak.csv, OUTDIR/strong.png, OUTDIR/weak.png
and OUTDIR/teams-chi4096.csv.
"""
import argparse
import csv
import importlib.util
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
spec = importlib.util.spec_from_file_location("scaling_sim", os.path.join(HERE, "scaling-sim.py"))
sim = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sim)

NODES = [1, 2, 4, 8, 16, 32, 64, 128, 256]
CHIS = [256, 1024, 4096]
# (team size, ranks): one or two sites per team, and without teams for comparison
TEAM_LAYOUTS = [(1, 64), (1, 156), (4, 624), (8, 1248), (16, 1248), (16, 2496)]


def gen(kind, *args):
    out = subprocess.run(["sh", os.path.join(HERE, "gen-circuit.sh"), kind] + [str(a) for a in args],
                         stdout=subprocess.PIPE, check=True, universal_newlines=True).stdout
    f = tempfile.NamedTemporaryFile("w", suffix=".qasm", delete=False)
    f.write(out)
    f.close()
    return f.name


def row(name, chi, r, base):
    mem = max(r["memory_per_rank_bytes"])
    busy = r["compute_seconds_per_rank"]
    mean = sum(busy) / len(busy)
    t = r["predicted_seconds"]
    return {"problem": name, "chi": chi, "ranks": r["ranks"], "predicted_seconds": "%.4g" % t,
            "speedup": "%.3f" % (base / t), "efficiency": "%.3f" % (base / t / r["ranks"]),
            "sites_per_rank": "%.1f" % (r["qubits"] / r["ranks"]),
            "memory_per_rank_GiB": "%.3f" % (mem / 2 ** 30),
            "max_bytes_sent_GiB": "%.3f" % (max(r["bytes_sent_per_rank"]) / 2 ** 30),
            "imbalance": "%.3f" % (max(busy) / mean if mean > 0 else 1),
            "idle_fraction": "%.3f" % (sum(r["idle_seconds_per_rank"]) / (t * r["ranks"]) if t > 0 else 0),
            "boundary_windows": r["boundary_windows"]}


def main(argv):
    ap = argparse.ArgumentParser(prog="scaling-predict.py")
    ap.add_argument("outdir")
    ap.add_argument("--machine", default=os.path.join(ROOT, "docs", "scaling", "machine-cluster.json"))
    ap.add_argument("--tnemu", default=os.path.join(ROOT, "build", "tnemu"))
    ap.add_argument("--quick", action="store_true", help="chi 256 only, fewer rank counts (a smoke test)")
    ap.add_argument("--weak-only", action="store_true", help="keep OUTDIR/predictions.csv, redo the weak scaling")
    ap.add_argument("--teams-only", action="store_true", help="only OUTDIR/teams-chi4096.csv")
    a = ap.parse_args(argv)
    os.makedirs(a.outdir, exist_ok=True)
    machine = sim.read_machine(a.machine)
    team_layouts(a.outdir, machine, a.tnemu)
    if a.teams_only:
        return 0
    chis = [256] if a.quick else CHIS
    nodes = [1, 2, 4] if a.quick else NODES
    problems = [("brickwork-100", gen("brickwork", 100, 40, 1), []), ("brickwork-156", gen("brickwork", 156, 40, 1), [])]
    data = os.environ.get("TNEMU_SHARED_DATA", os.path.join(ROOT, "..", "shared", "data"))
    fez = os.path.join(data, "ibm-backends", "fez", "conf_fez.json")
    if os.path.exists(fez):
        problems.append(("kicked-ising-156-fez", gen("kicked-ising", fez, 20), ["--order", "auto"]))
    else:
        sys.stderr.write("scaling-predict: no %s: the heavy-hex problem is left out\n" % fez)
    rows = []
    if a.weak_only:
        problems = []
        with open(os.path.join(a.outdir, "predictions.csv")) as f:
            rows = list(csv.DictReader(f))
    for name, circuit, args in problems:
        structure = sim.structure_trace(circuit, args, a.tnemu)
        for chi in chis:
            t = sim.saturate(structure, chi)
            base = None
            for p in nodes:
                r = sim.simulate(t, p, 1, 1, machine, 1, "model")
                base = base or r["predicted_seconds"]
                rows.append(row(name, chi, r, base))
                print("%-22s chi %5d  P %4d  %10.1f s  eff %s  mem/rank %s GiB" % (
                    name, chi, p, r["predicted_seconds"], rows[-1]["efficiency"], rows[-1]["memory_per_rank_GiB"]))
    with open(os.path.join(a.outdir, "predictions.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    weak = []
    base = {}
    for p in nodes:   # one structure per size, every chi on it
        circuit = gen("brickwork", 25 * p, 40, 1)
        structure = sim.structure_trace(circuit, [], a.tnemu)
        os.unlink(circuit)
        for chi in chis:
            r = sim.simulate(sim.saturate(structure, chi), p, 1, 1, machine, 1, "model")
            x = row("brickwork-25-per-rank", chi, r, base.setdefault(chi, r["predicted_seconds"]))
            # weak: the problem grows, and its edges (bonds below chi) are a smaller share of it, so
            # T(1) / T(P) would mix that in; the parallel efficiency is the serial time over P T(P)
            x["efficiency"] = "%.3f" % (sum(r["compute_seconds_per_rank"]) / (p * r["predicted_seconds"]))
            x["speedup"] = ""
            weak.append(x)
            print("weak chi %5d  P %4d  %d qubits  %10.1f s  eff %s" % (chi, p, 25 * p, r["predicted_seconds"],
                                                                       x["efficiency"]))
    with open(os.path.join(a.outdir, "weak.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(weak[0]))
        w.writeheader()
        w.writerows(weak)
    plot(a.outdir, rows, weak)
    return 0


def team_layouts(outdir, machine, tnemu):
    """The 156-qubit brickwork (40 layers) at chi 4,096 in teams: predicted
    time and the most any leader and any other member holds."""
    circuit = gen("brickwork", 156, 40, 1)
    t = sim.saturate(sim.structure_trace(circuit, [], tnemu), 4096)
    os.unlink(circuit)
    rows = []
    for team, ranks in TEAM_LAYOUTS:
        r = sim.simulate(t, ranks, 1, team, machine, 32, "model")
        mem = r["memory_per_rank_bytes"]
        leader = max(mem[0::team])
        member = max([m for i, m in enumerate(mem) if i % team] or [0])
        rows.append({"problem": "brickwork-156", "chi": 4096, "ranks": ranks, "team_size": team,
                     "segments": r["segments"], "ranks_per_node": 32,
                     "predicted_seconds": "%.4g" % r["predicted_seconds"],
                     "leader_GiB": "%.3f" % (leader / 2 ** 30), "member_GiB": "%.3f" % (member / 2 ** 30),
                     "fits_2GiB_per_rank": "yes" if max(leader, member) <= 2 ** 31 else "no"})
        print("chi 4096 teams of %2d on %4d ranks: %8.0f s, leader %s GiB, member %s GiB" % (
            team, ranks, r["predicted_seconds"], rows[-1]["leader_GiB"], rows[-1]["member_GiB"]))
    with open(os.path.join(outdir, "teams-chi4096.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def plot(outdir, rows, weak):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        sys.stderr.write("scaling-predict: no matplotlib: CSV only\n")
        return
    fig, ax = plt.subplots(1, 3, figsize=(15, 4.5))
    for (name, chi) in sorted({(r["problem"], r["chi"]) for r in rows}, key=lambda x: (x[0], int(x[1]))):
        pts = [r for r in rows if r["problem"] == name and r["chi"] == chi]
        x = [int(r["ranks"]) for r in pts]
        ax[0].loglog(x, [float(r["predicted_seconds"]) for r in pts], "o-", label="%s chi %s" % (name, chi))
        ax[1].semilogx(x, [float(r["efficiency"]) for r in pts], "o-")
        ax[2].loglog(x, [float(r["memory_per_rank_GiB"]) for r in pts], "o-")
    ax[0].set_title("predicted gate time (s)")
    ax[1].set_title("strong-scaling efficiency")
    ax[2].set_title("memory per rank (GiB)")
    for a in ax:
        a.set_xlabel("ranks (one per node)")
    ax[0].legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(os.path.join(outdir, "strong.png"), dpi=90)
    fig, ax = plt.subplots(1, 1, figsize=(5, 4))
    for chi in sorted({r["chi"] for r in weak}, key=int):
        pts = [r for r in weak if r["chi"] == chi]
        ax.semilogx([int(r["ranks"]) for r in pts], [float(r["efficiency"]) for r in pts], "o-", label="chi %s" % chi)
    ax.set_title("weak scaling: 25 qubits per rank, 40 layers")
    ax.set_xlabel("ranks (one per node)")
    ax.set_ylabel("parallel efficiency: serial time / (P T(P))")
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(outdir, "weak.png"), dpi=90)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
