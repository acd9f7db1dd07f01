/* chisq.c - chi-square check of samples against a dense state (see chisq.h). */
#include "chisq.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>

int chisq_check(const sv_state *ref, const unsigned char *bits, int shots, chisq_result *out)
{
    int n = ref->n;
    size_t dim = (size_t)1 << n;
    long *counts = calloc(dim, sizeof(long));
    if (!counts) return 0;
    for (int s = 0; s < shots; s++) {
        size_t idx = 0;
        for (int q = 0; q < n; q++) idx |= (size_t)bits[(size_t)s * n + q] << q;
        counts[idx]++;
    }
    double chi2 = 0, rest_e = 0;
    long rest_o = 0;
    int bins = 0;
    for (size_t i = 0; i < dim; i++) {
        double e = shots * creal(ref->amp[i] * conj(ref->amp[i]));
        if (e >= 5) { chi2 += (counts[i] - e) * (counts[i] - e) / e; bins++; }
        else { rest_e += e; rest_o += counts[i]; }
    }
    if (rest_e >= 5) { chi2 += (rest_o - rest_e) * (rest_o - rest_e) / rest_e; bins++; }
    double dof = bins > 1 ? bins - 1 : 1;
    out->chi2 = chi2;
    out->bound = dof + 4.8 * sqrt(2 * dof) + 10;
    out->bins = bins;
    free(counts);
    return chi2 < out->bound;
}
