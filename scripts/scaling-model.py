#!/usr/bin/python3
"""scaling-model.py - CSV, plots and performance model of a scaling study.

Usage: /usr/bin/python3 scripts/scaling-model.py DIR [RANKS_PER_NODE]

Reads DIR/strong-np<N>.json (tnemu run results) and DIR/pingpong.json
(latency, bandwidth), writes DIR/scaling.csv and DIR/scaling.png, and prints
the measurements beside the model's predictions for 16, 64 and 256 nodes.

The model (docs/scaling.md): on P ranks a run takes
    T(P) = S + W / P + C (P - 1) + comm(P)
S is the part that does not divide (every rank performs the chain's sweeps in
order: tnemu's serial-equivalent arithmetic), W the part that divides
(decompositions on the ScaLAPACK grid, sampling and trajectory farms), C the
cost each added rank brings (the state passing along one more segment
boundary, synchronisation),
comm(P) = m(P) * latency + b(P) / bandwidth, with b(P) the largest number of
bytes a rank sent and m(P) = b(P) / (mean message size) from the runs, both
growing linearly in P from the measured runs. S and W are fitted by least
squares (S, W, C >= 0) to T(P) - comm(P) over the measured rank counts; the
compute part of the 1-rank run is also checked against the bond-dimension
profile (sum over bonds of chi^3, the cost of one sweep).
"""
import csv
import glob
import json
import os
import re
import sys

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    plt = None


def fail(msg):
    sys.stderr.write("scaling-model: %s\n" % msg)
    sys.exit(2)


def load(dir_):
    rows = []
    for path in glob.glob(os.path.join(dir_, "strong-np*.json")):
        m = re.search(r"strong-np(\d+)\.json$", path)
        try:
            with open(path) as f:
                r = json.load(f)
        except (OSError, ValueError) as e:
            fail("%s: %s" % (path, e))
        per = r["mpi"].get("per_rank", [])
        rows.append({
            "ranks": int(m.group(1)),
            "wall_s": r["timing"]["total"],
            "gates_s": r["timing"]["gates"],
            "compute_max_s": max((p["compute_seconds"] for p in per), default=r["timing"]["total"]),
            "wait_max_s": max((p["wait_seconds"] for p in per), default=0.0),
            "bytes_sent_max": max((p["bytes_sent"] for p in per), default=0),
            "peak_memory_max_MiB": max((p["peak_memory_bytes"] for p in per), default=r["peak_memory_bytes"]) / 2**20,
            "peak_state_max_MiB": max((p["peak_state_bytes"] for p in per), default=r["peak_state_bytes"]) / 2**20,
            "chi3_sum": sum(c ** 3 for c in r["bond_dimensions"]),
            "fidelity": r["fidelity_estimate"],
        })
    if not rows:
        fail("no strong-np*.json in %s" % dir_)
    rows.sort(key=lambda x: x["ranks"])
    base = rows[0]["wall_s"] * rows[0]["ranks"]
    for x in rows:
        x["speedup"] = rows[0]["wall_s"] / x["wall_s"]
        x["efficiency"] = x["speedup"] * rows[0]["ranks"] / x["ranks"]
    return rows


def linear(xs, ys):
    """y = a + b x by least squares (b = 0 from one point)."""
    n = len(xs)
    if n == 1:
        return ys[0], 0.0
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx else 0.0
    return my - b * mx, b


def lstsq(a, y):
    """Least squares by the normal equations (a few columns); None if singular."""
    n = len(a[0])
    m = [[sum(r[i] * r[j] for r in a) for j in range(n)] + [sum(r[i] * v for r, v in zip(a, y))] for i in range(n)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        if abs(m[p][c]) < 1e-300:
            return None
        m[c], m[p] = m[p], m[c]
        for r in range(n):
            if r != c:
                f = m[r][c] / m[c][c]
                m[r] = [u - f * v for u, v in zip(m[r], m[c])]
    return [m[i][n] / m[i][i] for i in range(n)]


def fit(rows, lat, bw):
    # bytes per rank grow with P from the multi-rank runs (0 on one rank)
    multi = [x for x in rows if x["ranks"] > 1]
    a_b, b_b = linear([x["ranks"] for x in multi], [x["bytes_sent_max"] for x in multi]) if multi else (0.0, 0.0)
    msg = 1 << 20   # mean message: one site tensor of a few MiB at large chi; only latency terms use it

    def comm(p):
        if p <= 1:
            return 0.0
        b = max(a_b + b_b * p, 0.0)
        return (b / msg) * lat + b / bw

    # T - comm = S + W / P + C (P - 1): least squares with S, W, C >= 0 (every subset of free terms tried)
    cols = [lambda p: 1.0, lambda p: 1.0 / p, lambda p: p - 1.0]
    ys = [x["wall_s"] - comm(x["ranks"]) for x in rows]
    best = None
    for mask in range(1, 8):
        use = [k for k in range(3) if mask >> k & 1]
        if len(use) > len(rows):
            continue
        a = [[cols[k](x["ranks"]) for k in use] for x in rows]
        coef = lstsq(a, ys)
        if coef is None or min(coef) < 0:
            continue
        full = [0.0, 0.0, 0.0]
        for k, c in zip(use, coef):
            full[k] = c
        res = sum((full[0] + full[1] / x["ranks"] + full[2] * (x["ranks"] - 1) - y) ** 2 for x, y in zip(rows, ys))
        if best is None or res < best[0] - 1e-15:
            best = (res, full)
    s, w, c = best[1] if best else (sum(ys) / len(ys), 0.0, 0.0)
    return s, w, c, comm


def main():
    if len(sys.argv) < 2:
        fail("usage: scaling-model.py DIR [RANKS_PER_NODE]")
    dir_ = sys.argv[1]
    rows = load(dir_)
    try:
        with open(os.path.join(dir_, "pingpong.json")) as f:
            pp = json.load(f)
        lat, bw = pp["latency_s"], pp["bandwidth_Bps"]
    except (OSError, ValueError, KeyError):
        lat, bw = 2e-6, 1e10   # a typical InfiniBand link when not measured
    s, w, c, comm = fit(rows, lat, bw)
    model = lambda p: s + w / p + c * (p - 1) + comm(p)
    rpn = int(sys.argv[2]) if len(sys.argv) > 2 and int(sys.argv[2]) > 0 else max(x["ranks"] for x in rows)
    fields = ["ranks", "wall_s", "gates_s", "compute_max_s", "wait_max_s", "bytes_sent_max", "peak_memory_max_MiB",
              "peak_state_max_MiB", "speedup", "efficiency", "model_s", "fidelity", "chi3_sum"]
    for x in rows:
        x["model_s"] = model(x["ranks"])
    with open(os.path.join(dir_, "scaling.csv"), "w", newline="") as f:
        wr = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        wr.writeheader()
        for x in rows:
            wr.writerow({k: (round(v, 6) if isinstance(v, float) else v) for k, v in x.items()})
    print("model: T(P) = %.4g s + %.4g s / P + %.4g s (P - 1) + comm(P); latency %.3g s, bandwidth %.3g B/s"
          % (s, w, c, lat, bw))
    print("%6s %10s %10s %9s %11s %14s" % ("ranks", "measured", "model", "speedup", "efficiency", "peak MiB/rank"))
    for x in rows:
        print("%6d %10.3f %10.3f %9.2f %11.2f %14.1f" % (x["ranks"], x["wall_s"], x["model_s"], x["speedup"],
                                                        x["efficiency"], x["peak_memory_max_MiB"]))
    preds = []
    for nodes in (16, 64, 256):
        p = nodes * rpn
        t = model(p)
        preds.append((nodes, p, t))
        print("%6s %10s %10.3f %9.2f %11.3f   (prediction: %d nodes x %d ranks)" % (p, "-", t, rows[0]["wall_s"] / t,
              rows[0]["wall_s"] / t / p * rows[0]["ranks"], nodes, rpn))
    with open(os.path.join(dir_, "predictions.csv"), "w") as f:
        f.write("nodes,ranks,model_s\n")
        for nodes, p, t in preds:
            f.write("%d,%d,%.6f\n" % (nodes, p, t))
    if plt is None:
        sys.stderr.write("scaling-model: matplotlib missing: no plots (apt-get install python3-matplotlib)\n")
        return
    fig, ax = plt.subplots(2, 2, figsize=(10, 7.5))
    r = [x["ranks"] for x in rows]
    pr = sorted(set(r + [p for _, p, _ in preds]))
    ax[0][0].loglog(r, [x["wall_s"] for x in rows], "o-", label="measured")
    ax[0][0].loglog(pr, [model(p) for p in pr], "--", label="model")
    ax[0][0].set_title("wall time (s)")
    ax[0][1].plot(r, [x["speedup"] for x in rows], "o-", label="measured")
    ax[0][1].plot(r, r, ":", color="gray", label="ideal")
    ax[0][1].set_title("speedup")
    ax[1][0].plot(r, [x["efficiency"] for x in rows], "o-")
    ax[1][0].set_ylim(0, 1.1)
    ax[1][0].set_title("parallel efficiency")
    ax[1][1].plot(r, [x["peak_memory_max_MiB"] for x in rows], "o-", label="peak RSS")
    ax[1][1].plot(r, [x["peak_state_max_MiB"] for x in rows], "s-", label="state")
    ax[1][1].set_title("peak memory per rank (MiB)")
    for a in (ax[0][0], ax[0][1], ax[1][1]):
        a.legend()
    for a in ax.flat:
        a.set_xlabel("ranks")
        a.grid(True, alpha=0.3)
    fig.tight_layout()
    tmp = os.path.join(dir_, ".scaling.tmp.png")
    fig.savefig(tmp, dpi=100)
    os.replace(tmp, os.path.join(dir_, "scaling.png"))


if __name__ == "__main__":
    main()
