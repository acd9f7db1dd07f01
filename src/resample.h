/* resample.h - multinomial redraws and percentiles for the bootstraps of
 * `tnemu compare` (compare.c).
 *
 * A sampler draws N outcomes of a fixed distribution and returns their
 * frequencies. Its cost does not grow with N past the size of the support:
 * small N draw shot by shot from Walker's alias table, large N (up to 2^53,
 * the largest count a double holds exactly) as a chain of binomials, one per
 * outcome of the support. Both are exact draws; which one runs depends only
 * on N and the distribution, so a seed gives the same numbers everywhere.
 * Also the chi-square tail of the marginal tests.
 * Not for: the simulator's shots (run.c samples the MPS itself). */
#ifndef TN_RESAMPLE_H
#define TN_RESAMPLE_H

#include <stddef.h>

#include "rng.h"

/* The largest number of shots (and count) that a double holds exactly. */
#define RESAMPLE_MAX_SHOTS 9007199254740992.0 /* 2^53 */

typedef struct {
    size_t n;                  /* outcomes of the distribution */
    double *prob;              /* alias table: acceptance probabilities */
    size_t *alias;
    size_t *support;           /* outcomes with nonzero probability */
    double *cond;              /* p[support[i]] / (sum of p over support[i..]) */
    size_t nsupport;
} sampler;

/* Builds a sampler of p (n entries >= 0, any positive sum; normalized here).
 * Returns TN_OK or TN_ERR_MEMORY. */
int sampler_build(const double *p, size_t n, sampler *s);

/* Frees what sampler_build allocated (accepts a zeroed sampler). */
void sampler_free(sampler *s);

/* Draws `shots` outcomes (a whole number in [1, 2^53]) and writes their
 * frequencies (counts / shots) to out[0..n-1]. */
void sampler_draw(const sampler *s, double shots, rng_stream *rng, double *out);

/* A Binomial(n, p) variate, n a whole number in [0, 2^53]: inversion for
 * n min(p, 1-p) < 10, else Hormann's transformed rejection (BTRS, 1993). */
double resample_binomial(rng_stream *rng, double n, double p);

/* The q-quantile (0 <= q <= 1, linear interpolation) of the non-NaN values of
 * v[0..n-1]; sorts v in place. NaN if every value is NaN. */
double resample_percentile(double *v, long n, double q);

/* P(X >= x) for X chi-square with df > 0 degrees of freedom (the
 * regularised upper incomplete gamma function Q(df/2, x/2)); 1 for x <= 0,
 * NaN for df <= 0. Relative accuracy about 1e-14 far into the tail. */
double resample_chi2_sf(double x, double df);

#endif
