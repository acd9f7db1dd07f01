/* chisq.c - chi-square check of samples against exact probabilities (see chisq.h).
 * The p-value is the regularised upper incomplete gamma function
 * Q(dof/2, chi2/2), by its power series below a + 1 and its continued
 * fraction above (the classic split: each converges fast on its side). */
#include "chisq.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>

/* P(a, x) = gamma(a, x) / Gamma(a) by the series, for x < a + 1. */
static double gamma_p_series(double a, double x)
{
    double term = 1 / a, sum = term;
    for (int k = 1; k < 10000 && fabs(term) > 1e-17 * fabs(sum); k++) {
        term *= x / (a + k);
        sum += term;
    }
    return sum * exp(-x + a * log(x) - lgamma(a));
}

/* Q(a, x) = Gamma(a, x) / Gamma(a) by the continued fraction (modified
 * Lentz), for x >= a + 1. */
static double gamma_q_fraction(double a, double x)
{
    const double tiny = 1e-300;
    double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
    for (int i = 1; i < 10000; i++) {
        double an = -i * (i - a);
        b += 2;
        d = an * d + b;
        if (fabs(d) < tiny) d = tiny;
        c = b + an / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1 / d;
        double delta = d * c;
        h *= delta;
        if (fabs(delta - 1) < 1e-16) break;
    }
    return exp(-x + a * log(x) - lgamma(a)) * h;
}

double chisq_upper_tail(double x, double dof)
{
    if (dof <= 0) return 1;   /* one bin: every shot in it, nothing to test */
    if (x <= 0) return 1;
    double a = dof / 2, h = x / 2;
    return h < a + 1 ? 1 - gamma_p_series(a, h) : gamma_q_fraction(a, h);
}

/* The chi2 at which the upper tail equals p, by bisection (the tail falls
 * monotonically in x). */
static double chisq_critical(double dof, double p)
{
    double lo = 0, hi = dof + 10;
    while (chisq_upper_tail(hi, dof) > p) hi *= 2;
    for (int i = 0; i < 200 && hi - lo > 1e-9 * hi; i++) {
        double mid = (lo + hi) / 2;
        if (chisq_upper_tail(mid, dof) > p) lo = mid;
        else hi = mid;
    }
    return hi;
}

/* Histogram of the shots over the 2^n basis states. */
static long *count_shots(int n, const unsigned char *bits, int shots)
{
    long *counts = calloc((size_t)1 << n, sizeof *counts);
    if (!counts) return NULL;
    for (int s = 0; s < shots; s++) {
        size_t idx = 0;
        for (int q = 0; q < n; q++) idx |= (size_t)(bits[(size_t)s * n + q] & 1) << q;
        counts[idx]++;
    }
    return counts;
}

int chisq_check_probs(const double *prob, int n, const unsigned char *bits, int shots, chisq_result *out)
{
    size_t dim = (size_t)1 << n;
    long *counts = count_shots(n, bits, shots);
    if (!counts) return 0;
    double chi2 = 0, rest_e = 0, small_e = INFINITY;
    long rest_o = 0, small_o = 0, impossible = 0;
    int bins = 0;
    for (size_t i = 0; i < dim; i++) {
        double e = shots * prob[i];
        if (prob[i] < CHISQ_IMPOSSIBLE) impossible += counts[i];
        if (e >= 5) {
            chi2 += (counts[i] - e) * (counts[i] - e) / e;
            bins++;
            if (e < small_e) { small_e = e; small_o = counts[i]; }
        } else {
            rest_e += e;
            rest_o += counts[i];
        }
    }
    if (rest_e >= 5) {
        chi2 += (rest_o - rest_e) * (rest_o - rest_e) / rest_e;
        bins++;
    } else if (bins > 0 && rest_e > 0) {   /* too small on its own: into the smallest bin */
        chi2 -= (small_o - small_e) * (small_o - small_e) / small_e;
        small_e += rest_e;
        small_o += rest_o;
        chi2 += (small_o - small_e) * (small_o - small_e) / small_e;
    }
    free(counts);
    double dof = bins > 1 ? bins - 1 : 0;
    out->chi2 = chi2;
    out->bins = bins;
    out->impossible = impossible;
    out->p = chisq_upper_tail(chi2, dof);
    out->bound = dof > 0 ? chisq_critical(dof, CHISQ_P_MIN) : 0;
    return out->p > CHISQ_P_MIN && impossible == 0;
}

int chisq_check(const sv_state *ref, const unsigned char *bits, int shots, chisq_result *out)
{
    double *prob = malloc(((size_t)1 << ref->n) * sizeof *prob);
    if (!prob) return 0;
    sv_probabilities(ref, prob);
    int pass = chisq_check_probs(prob, ref->n, bits, shots, out);
    free(prob);
    return pass;
}
