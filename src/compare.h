/* compare.h - `tnemu compare`: hardware counts against an emulation.
 *
 * Reads the emulated result (a `tnemu run` JSON, noisy or not), the hardware
 * counts (counts.h formats) and optionally an ideal (noiseless) emulation,
 * and reports how far apart they are: Hellinger fidelity (as Qiskit defines
 * it), total variation distance, KL divergence (smoothing stated in the
 * output), linear cross-entropy (where an emulation has probabilities),
 * heavy-output probability, per-bit marginals and Z-string expectation
 * values, with 95% intervals (for the distances: for the distance between the
 * distributions behind the samples, see compare.c), and a verdict: is the
 * hardware consistent with the noisy emulation at the 95% level?
 * `--report DIR` also writes DIR/metrics.json and PNG plots
 * (scripts/compare-plot.py, matplotlib), all or nothing.
 * Not for: running circuits (run.c), reading the files (counts.c). */
#ifndef TN_COMPARE_H
#define TN_COMPARE_H

/* Runs `tnemu compare ARGS...` on one process; returns a tn_status. */
int compare_command(int argc, char **argv);

#endif
