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
 * Counts of more than COMPARE_FULL_MAX_BITS bits are compared through what
 * can be estimated of them (marginals.h): per-bit marginals, marginals of
 * groups of bits, Z strings, each with its own metrics and intervals.
 * `--report DIR` also writes DIR/metrics.json and PNG plots
 * (scripts/compare-plot.py, matplotlib), all or nothing.
 * compare.c analyses one triple of distributions; compare_cmd.c is the
 * command. Not for: running circuits (run.c), reading the files (counts.c). */
#ifndef TN_COMPARE_H
#define TN_COMPARE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "counts.h"

/* The widest counts whose whole distribution is compared (TVD, Hellinger,
 * KL, XEB, heavy outputs over all outcomes): past it, outcomes are nearly
 * all distinct and those metrics measure the shots, not the device. */
#define COMPARE_FULL_MAX_BITS 64

/* The sources of a comparison, in the order of compare_analyse's d[]. */
enum { COMPARE_HW, COMPARE_EMU, COMPARE_IDEAL, COMPARE_NSRC };

typedef struct compare_analysis compare_analysis;

/* Runs `tnemu compare ARGS...` on one process; returns a tn_status. */
int compare_command(int argc, char **argv);

/* Compares d[COMPARE_HW] and d[COMPARE_EMU] (and d[COMPARE_IDEAL], NULL if
 * none), all of one width of at most COMPARE_FULL_MAX_BITS bits: every
 * statistic, its interval from B bootstrap replicates under seed, the
 * consistency tests. One process. Returns TN_OK, TN_ERR_INPUT (probabilities
 * that add up to 0) or TN_ERR_MEMORY. */
int compare_analyse(const dist *const d[COMPARE_NSRC], long B, uint64_t seed, compare_analysis **out);

/* Frees an analysis (accepts NULL; sets *a NULL). */
void compare_analysis_free(compare_analysis **a);

/* The inputs object of the metrics: file, format, shots, and how each source is redrawn. */
json_t *compare_inputs_json(const compare_analysis *a, const dist *const d[COMPARE_NSRC]);

/* Adds the whole-distribution results to root: "comparisons", "xeb",
 * "heavy_output", "marginals_p1", "z_expectations" (if with_z),
 * "consistency", "distribution". */
void compare_full_json(const compare_analysis *a, json_t *root, int with_z);

/* One group's marginal: "comparisons", the p-values of its consistency
 * tests, "xeb" if the reference has probabilities, "distribution" (keys
 * are the group's bits, its first bit rightmost). */
json_t *compare_group_json(const compare_analysis *a);

/* Of a 1-bit analysis, source s: P(bit = 1) and <Z> = 1 - 2 P(1) as
 * {"value", "ci95"}; NULL if s is absent. */
json_t *compare_p1_json(const compare_analysis *a, int s);
json_t *compare_z_json(const compare_analysis *a, int s);

/* The p-value of the TVD test of the hardware against source s (NaN: none). */
double compare_p_value(const compare_analysis *a, int s);

/* The p-value of Pearson's chi-square of the hardware against source s
 * (both with their effective shots; NaN: none). No floor of 1/(B+1): the
 * test the marginal verdict combines over many groups. */
double compare_chi2_p(const compare_analysis *a, int s);

/* The TVD between the hardware and source s (NaN: s absent). */
double compare_tvd(const compare_analysis *a, int s);

/* The verdict of a whole-distribution analysis, into buf. */
const char *compare_verdict(const compare_analysis *a, const dist *emu, char *buf, size_t size);

/* What the ci95 intervals are, per kind of statistic. */
json_t *compare_intervals_json(void);

/* The table of a whole-distribution analysis on stderr. */
void compare_print_full(const compare_analysis *a, const dist *const d[COMPARE_NSRC]);

#endif
