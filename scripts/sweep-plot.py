#!/usr/bin/python3
"""sweep-plot.py - the PNG of `tnemu adapters SPEC --sweep DIR`.

Usage: /usr/bin/python3 scripts/sweep-plot.py SWEEP.csv OUT.png

Reads the sweep CSV (block_qubits, noise_scale, mean_relative_error, ...) and
draws the mean relative error of the reconstructed adapter outputs against
the noise scale, one line per block size, on a log scale: how the error
grows with k and with noise. Needs Debian's python3-matplotlib. Exit status
2 with a one-line message on a bad argument or file.
"""
import csv
import os
import sys

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    sys.stderr.write("sweep-plot: matplotlib is missing (apt-get install python3-matplotlib)\n")
    sys.exit(2)


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("sweep-plot: usage: sweep-plot.py SWEEP.csv OUT.png\n")
        sys.exit(2)
    try:
        with open(sys.argv[1]) as f:
            rows = list(csv.DictReader(f))
        series = {}
        for r in rows:
            series.setdefault(int(r["block_qubits"]), []).append(
                (float(r["noise_scale"]), float(r["mean_relative_error"]), float(r["two_qubit_gates_per_block"])))
    except (OSError, KeyError, ValueError) as e:
        sys.stderr.write("sweep-plot: %s: %s\n" % (sys.argv[1], e))
        sys.exit(2)
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    for k in sorted(series):
        pts = sorted(series[k])
        ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-", label="k = %d (%.0f CZ per block)" % (k, pts[0][2]))
    ax.set_xlabel("noise scale (x calibrated error rates)")
    ax.set_ylabel("mean relative L2 error of U x")
    ax.set_yscale("log")
    ax.set_title("Cayley adapter blocks: error against block size and noise")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    tmp = sys.argv[2] + ".tmp.png"
    fig.savefig(tmp, dpi=110)
    os.replace(tmp, sys.argv[2])


if __name__ == "__main__":
    main()
