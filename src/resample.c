/* resample.c - multinomial redraws (alias table or binomial chain) and
 * percentiles for the bootstraps of `tnemu compare` (resample.h). */
#include "resample.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

/* Above this many shots per outcome of the support, a draw is a chain of
 * binomials (cost ~ support) instead of shot by shot (cost ~ shots). */
#define SHOTS_PER_OUTCOME_FOR_BINOMIALS 16.0
/* Below this mean (n min(p, 1-p)), binomials are drawn by inversion. */
#define BINOMIAL_INVERSION_MEAN 10.0

static int build_alias(const double *p, double total, sampler *s)
{
    size_t n = s->n;
    size_t *small = tn_malloc((n + 1) * sizeof *small), *large = tn_malloc((n + 1) * sizeof *large);
    if (!small || !large) { free(small); free(large); return TN_ERR_MEMORY; }
    size_t ns = 0, nl = 0;
    for (size_t i = 0; i < n; i++) {
        s->prob[i] = p[i] / total * (double)n;
        s->alias[i] = i;
        if (s->prob[i] < 1) small[ns++] = i; else large[nl++] = i;
    }
    while (ns && nl) {
        size_t a = small[--ns], l = large[nl - 1];
        s->alias[a] = l;
        s->prob[l] -= 1 - s->prob[a];
        if (s->prob[l] < 1) { nl--; small[ns++] = l; }
    }
    for (size_t i = 0; i < ns; i++) s->prob[small[i]] = 1;
    for (size_t i = 0; i < nl; i++) s->prob[large[i]] = 1;
    free(small);
    free(large);
    return TN_OK;
}

/* The binomial chain: outcome support[i] takes Binomial(shots left, cond[i]),
 * cond[i] its share of the probability not yet handed out. */
static void build_chain(const double *p, sampler *s)
{
    for (size_t i = 0; i < s->n; i++)
        if (p[i] > 0) s->support[s->nsupport++] = i;
    double rest = 0;
    for (size_t k = s->nsupport; k-- > 0;) {
        rest += p[s->support[k]];
        s->cond[k] = k + 1 == s->nsupport ? 1 : fmin(1, p[s->support[k]] / rest);
    }
}

int sampler_build(const double *p, size_t n, sampler *s)
{
    memset(s, 0, sizeof *s);
    s->n = n;
    s->prob = tn_malloc((n + 1) * sizeof *s->prob);
    s->alias = tn_malloc((n + 1) * sizeof *s->alias);
    s->support = tn_malloc((n + 1) * sizeof *s->support);
    s->cond = tn_malloc((n + 1) * sizeof *s->cond);
    if (!s->prob || !s->alias || !s->support || !s->cond) { sampler_free(s); return TN_ERR_MEMORY; }
    double total = 0;
    for (size_t i = 0; i < n; i++) total += p[i];
    if (!(total > 0)) total = 1;
    int status = build_alias(p, total, s);
    if (status) { sampler_free(s); return status; }
    build_chain(p, s);
    return TN_OK;
}

void sampler_free(sampler *s)
{
    free(s->prob);
    free(s->alias);
    free(s->support);
    free(s->cond);
    memset(s, 0, sizeof *s);
}

void sampler_draw(const sampler *s, double shots, rng_stream *rng, double *out)
{
    memset(out, 0, s->n * sizeof *out);
    if (s->nsupport == 0 || !(shots >= 1)) return;
    if (shots > RESAMPLE_MAX_SHOTS) shots = RESAMPLE_MAX_SHOTS;
    if (shots <= SHOTS_PER_OUTCOME_FOR_BINOMIALS * (double)s->nsupport) {
        for (long long k = 0; k < (long long)shots; k++) {
            double u = rng_uniform(rng) * (double)s->n;
            size_t i = (size_t)u;
            if (i >= s->n) i = s->n - 1;
            out[(u - (double)i) < s->prob[i] ? i : s->alias[i]] += 1;
        }
    } else {
        double left = shots;
        for (size_t k = 0; k < s->nsupport && left > 0; k++) {
            double x = s->cond[k] >= 1 ? left : resample_binomial(rng, left, s->cond[k]);
            out[s->support[k]] = x;
            left -= x;
        }
    }
    for (size_t i = 0; i < s->n; i++) out[i] /= shots;
}

/* ---- binomial variates ---------------------------------------------------- */

/* Stirling's series tail: lgamma(x + 1) - (x log x - x + log(2 pi x) / 2). */
static double stirling_tail(double x)
{
    double r = 1 / x, r2 = r * r;
    return r * (1.0 / 12 - r2 * (1.0 / 360 - r2 / 1260));
}

/* lgamma(a + 1) - lgamma(b + 1) for whole a, b >= 0, accurate to ~1e-9
 * even when a and b are near 2^53 (where each lgamma alone is ~3e17): the
 * large terms are written as logarithms of ratios. */
static double log_factorial_ratio(double a, double b)
{
    if (a < 16 || b < 16) return lgamma(a + 1) - lgamma(b + 1);
    return (a - b) * (log(a) - 1) - b * log1p((b - a) / a) + 0.5 * log1p((a - b) / b) + stirling_tail(a) -
           stirling_tail(b);
}

/* Inversion, for small means: walks the probabilities from 0 up. */
static double binomial_inversion(rng_stream *rng, double n, double p)
{
    double q = 1 - p, ratio = p / q, start = exp(n * log1p(-p));
    for (;;) {
        double u = rng_uniform(rng), f = start, x = 0;
        while (u > f && f > 0 && x < n) {
            u -= f;
            x += 1;
            f *= (n - x + 1) / x * ratio;
        }
        if (u <= f) return x;   /* else rounding left u unspent: draw again */
    }
}

/* BTRS (W. Hormann, "The generation of binomial random variates", J. Stat.
 * Comput. Simul. 46, 1993): transformed rejection with a squeeze, for
 * n p >= 10 and p <= 1/2. */
static double binomial_btrs(rng_stream *rng, double n, double p)
{
    double q = 1 - p, spq = sqrt(n * p * q);
    double b = 1.15 + 2.53 * spq, a = -0.0873 + 0.0248 * b + 0.01 * p, c = n * p + 0.5;
    double v_r = 0.92 - 4.2 / b, alpha = (2.83 + 5.1 / b) * spq, lpq = log(p / q);
    double m = floor((n + 1) * p);
    for (;;) {
        double u = rng_uniform(rng) - 0.5, v = rng_uniform(rng), us = 0.5 - fabs(u);
        double k = floor((2 * a / us + b) * u + c);
        if (k < 0 || k > n) continue;
        if (us >= 0.07 && v <= v_r) return k;
        v = log(v * alpha / (a / (us * us) + b));
        double log_f_ratio = log_factorial_ratio(m, k) + log_factorial_ratio(n - m, n - k) + (k - m) * lpq;
        if (v <= log_f_ratio) return k;
    }
}

double resample_binomial(rng_stream *rng, double n, double p)
{
    if (!(n >= 1) || !(p > 0)) return 0;
    if (p >= 1) return n;
    if (p > 0.5) return n - resample_binomial(rng, n, 1 - p);
    if (n * p < BINOMIAL_INVERSION_MEAN) return binomial_inversion(rng, n, p);
    return binomial_btrs(rng, n, p);
}

/* ---- percentiles ------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double resample_percentile(double *v, long n, double q)
{
    long valid = 0;
    for (long i = 0; i < n; i++)
        if (!isnan(v[i])) v[valid++] = v[i];
    if (valid == 0) return NAN;
    qsort(v, (size_t)valid, sizeof *v, cmp_double);
    double x = q * (double)(valid - 1);
    long i = (long)floor(x);
    return i + 1 < valid ? v[i] + (x - (double)i) * (v[i + 1] - v[i]) : v[valid - 1];
}

/* ---- the chi-square distribution ------------------------------------------ */

#define GAMMA_EPS 1e-15
#define GAMMA_MAX_TERMS 10000

/* P(a, x), the regularised lower incomplete gamma function, by its series (x < a + 1). */
static double gamma_p_series(double a, double x)
{
    double term = 1 / a, sum = term;
    for (int n = 1; n < GAMMA_MAX_TERMS; n++) {
        term *= x / (a + n);
        sum += term;
        if (fabs(term) < fabs(sum) * GAMMA_EPS) break;
    }
    return sum * exp(-x + a * log(x) - lgamma(a));
}

/* Q(a, x) = 1 - P(a, x) by its continued fraction (x >= a + 1; modified Lentz). */
static double gamma_q_fraction(double a, double x)
{
    const double tiny = 1e-300;
    double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
    for (int i = 1; i < GAMMA_MAX_TERMS; i++) {
        double an = -i * (i - a);
        b += 2;
        d = an * d + b;
        if (fabs(d) < tiny) d = tiny;
        c = b + an / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1 / d;
        double delta = d * c;
        h *= delta;
        if (fabs(delta - 1) < GAMMA_EPS) break;
    }
    return exp(-x + a * log(x) - lgamma(a)) * h;
}

double resample_chi2_sf(double x, double df)
{
    if (!(df > 0) || isnan(x)) return NAN;
    if (x <= 0) return 1;
    double a = df / 2, y = x / 2;
    return y < a + 1 ? 1 - gamma_p_series(a, y) : gamma_q_fraction(a, y);
}
