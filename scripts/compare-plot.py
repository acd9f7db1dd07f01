#!/usr/bin/python3
"""compare-plot.py - the PNG plots of `tnemu compare --report DIR`.

Usage: /usr/bin/python3 scripts/compare-plot.py METRICS.json DIR

Reads the metrics JSON that `tnemu compare` wrote and draws, into DIR:
  distribution.png  hardware vs noisy emulation vs ideal probabilities of the
                    most likely outcomes (hardware with 95% binomial bars)
  marginals.png     P(bit j = 1) per classical bit, hardware with its 95%
                    bootstrap interval, beside the emulation and the ideal
  metrics.png       Hellinger fidelity and TVD of each comparison with their
                    95% intervals, and the verdict as the title
Needs Debian's python3-matplotlib (run with /usr/bin/python3). Every failure
ends with one line on stderr saying what it is (tnemu shows that line): exit
status 3 if matplotlib cannot be imported (the only case that suggests
installing it), 2 on a bad argument or file, 1 if drawing failed (with
TNEMU_TRACE=1 the traceback comes first).
"""
import json
import os
import sys
import textwrap
import traceback

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError as e:
    sys.stderr.write("compare-plot: cannot import matplotlib (%s): apt-get install python3-matplotlib\n" % e)
    sys.exit(3)

MAX_OUTCOMES = 32
COLORS = {"hardware": "#d62728", "emulated": "#1f77b4", "ideal": "#7f7f7f"}


def fail(msg):
    sys.stderr.write("compare-plot: %s\n" % msg)
    sys.exit(2)


def bars(value, ci):
    """Error-bar lengths below and above value for an interval that holds it."""
    if value is None or not ci or None in ci:
        return 0.0, 0.0
    return max(0.0, value - ci[0]), max(0.0, ci[1] - value)


def label(metrics, source):
    if source == "emulated":
        noisy = metrics["inputs"]["emulated"].get("noisy")
        return "emulation (noisy)" if noisy else "emulation"
    return source


def plot_distribution(metrics, path):
    rows = metrics["distribution"]
    sources = [s for s in ("hardware", "emulated", "ideal") if s in metrics["inputs"]]
    rows = sorted(rows, key=lambda r: -max(r.get(s + "_p", 0) for s in sources))[:MAX_OUTCOMES]
    rows.sort(key=lambda r: r["key"])
    n = len(rows)
    width = 0.8 / len(sources)
    fig, ax = plt.subplots(figsize=(max(6, 0.5 * n * len(sources) + 2), 4.5))
    shots = metrics["inputs"]["hardware"]["shots"]
    for k, s in enumerate(sources):
        xs = [i + (k - (len(sources) - 1) / 2) * width for i in range(n)]
        ps = [r.get(s + "_p", 0) for r in rows]
        err = None
        if s == "hardware":
            err = [1.96 * (p * (1 - p) / shots) ** 0.5 for p in ps]
        ax.bar(xs, ps, width, label=label(metrics, s), color=COLORS[s], yerr=err, capsize=2)
    ax.set_xticks(range(n))
    ax.set_xticklabels([r["key"] for r in rows], rotation=90 if metrics["bits"] > 4 else 0, family="monospace")
    ax.set_xlabel("outcome (c[n-1]..c[0])")
    ax.set_ylabel("probability")
    title = "outcome distribution"
    if len(metrics["distribution"]) > n:
        title += " (the %d most likely of %d outcomes)" % (n, len(metrics["distribution"]))
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_marginals(metrics, path):
    marg = metrics["marginals_p1"]
    sources = [s for s in ("hardware", "emulated", "ideal") if s in metrics["inputs"]]
    bits = [m["bit"] for m in marg]
    fig, ax = plt.subplots(figsize=(max(6, 0.35 * len(bits) + 2), 4))
    width = 0.8 / len(sources)
    for k, s in enumerate(sources):
        xs = [b + (k - (len(sources) - 1) / 2) * width for b in bits]
        vals = [m[s]["value"] for m in marg]
        err = list(zip(*[bars(v, m[s].get("ci95")) for v, m in zip(vals, marg)]))
        ax.bar(xs, vals, width, label=label(metrics, s), color=COLORS[s], yerr=err, capsize=2)
    ax.set_xticks(bits)
    ax.set_xlabel("classical bit")
    ax.set_ylabel("P(bit = 1)")
    ax.set_ylim(0, 1)
    ax.set_title("per-bit marginals (bars: 95% percentile bootstrap)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_metrics(metrics, path):
    comps = metrics["comparisons"]
    names = list(comps)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for ax, metric, title in zip(axes, ("hellinger_fidelity", "tvd"), ("Hellinger fidelity", "total variation distance")):
        vals = [comps[c][metric]["value"] for c in names]
        err = list(zip(*[bars(v, comps[c][metric].get("ci95")) for v, c in zip(vals, names)])) if names else None
        ax.barh(range(len(names)), vals, xerr=err, color="#2ca02c", capsize=3)
        ax.set_yticks(range(len(names)))
        ax.set_yticklabels([c.replace("_vs_", " vs ") for c in names])
        ax.set_xlim(0, 1)
        ax.set_title(title + "\n(bars: 95%, the value -+ the sampling distance)", fontsize=9)
    verdict = metrics.get("verdict", "")
    fig.suptitle("\n".join(textwrap.wrap(verdict, 120)), fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main():
    if len(sys.argv) != 3:
        fail("usage: compare-plot.py METRICS.json DIR")
    try:
        with open(sys.argv[1]) as f:
            metrics = json.load(f)
    except (OSError, ValueError) as e:
        fail("%s: %s" % (sys.argv[1], e))
    out = sys.argv[2]
    if not os.path.isdir(out):
        fail("%s is not a directory" % out)
    for name, draw in (("distribution.png", plot_distribution), ("marginals.png", plot_marginals),
                       ("metrics.png", plot_metrics)):
        tmp = os.path.join(out, "." + name + ".tmp.png")
        try:
            draw(metrics, tmp)
            os.replace(tmp, os.path.join(out, name))
        except Exception as e:  # one line for tnemu to show; the traceback on request
            if os.environ.get("TNEMU_TRACE") == "1":
                traceback.print_exc()
            sys.stderr.write("compare-plot: drawing %s failed: %s: %s\n" % (name, type(e).__name__, e))
            sys.exit(1)


if __name__ == "__main__":
    main()
