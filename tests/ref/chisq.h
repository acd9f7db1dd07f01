/* chisq.h - the chi-square goodness-of-fit check of sampled bitstrings
 * against exact probabilities (of a dense reference state, or given).
 *
 * Bins: every basis state with an expected count of at least 5 is a bin;
 * the others are merged into one bin, which is itself merged into the
 * smallest bin if its expected count is below 5. The probabilities are exact
 * (nothing fitted), so the degrees of freedom are bins - 1. The samples pass
 * when the p-value (upper tail of the chi-square distribution) exceeds
 * CHISQ_P_MIN and no shot landed on a state of probability below
 * CHISQ_IMPOSSIBLE. Not for: anything but the tests. */
#ifndef TN_REF_CHISQ_H
#define TN_REF_CHISQ_H

#include "statevec.h"

#define CHISQ_P_MIN 1e-4
#define CHISQ_IMPOSSIBLE 1e-12

typedef struct {
    double chi2;      /* the statistic */
    double bound;     /* the value of chi2 at which p = CHISQ_P_MIN */
    double p;         /* P(X >= chi2) for X ~ chi-square(bins - 1) */
    int bins;
    long impossible;  /* shots on states of probability < CHISQ_IMPOSSIBLE */
} chisq_result;

/* bits: shots rows of n qubits (qubit q of shot s at s * n + q); prob: the
 * 2^n exact probabilities, qubit q as bit q of the index. Returns 1 if the
 * samples pass (0 also when out of memory). */
int chisq_check_probs(const double *prob, int n, const unsigned char *bits, int shots, chisq_result *out);

/* The same against the probabilities of the state ref. */
int chisq_check(const sv_state *ref, const unsigned char *bits, int shots, chisq_result *out);

/* P(X >= x) for X ~ chi-square with dof degrees of freedom (1 if dof <= 0). */
double chisq_upper_tail(double x, double dof);

#endif
