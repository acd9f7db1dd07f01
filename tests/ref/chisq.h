/* chisq.h - the chi-square goodness-of-fit check of sampled bitstrings
 * against the exact probabilities of a dense reference state. */
#ifndef TN_REF_CHISQ_H
#define TN_REF_CHISQ_H

#include "statevec.h"

typedef struct {
    double chi2, bound;   /* pass when chi2 < bound */
    int bins;
} chisq_result;

/* bits: shots rows of n qubits (bit q of row s at s * n + q). Bins with an
 * expected count below 5 are merged into one. The bound is dof + 4.8
 * sqrt(2 dof) + 10: p > 1e-4 in the normal approximation, generous for few
 * bins. Returns 1 if the samples pass. */
int chisq_check(const sv_state *ref, const unsigned char *bits, int shots, chisq_result *out);

#endif
