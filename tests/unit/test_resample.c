/* test_resample.c - the multinomial redraws of `tnemu compare` (src/resample.c):
 * binomial variates against their exact probabilities (chi-square) and
 * moments on every path (inversion, BTRS, mirrored p > 1/2, n up to 2^53),
 * multinomial draws by alias table and by binomial chain (whole counts that
 * add up to the shots, the right means), and percentiles. Fixed seeds: the
 * same numbers on every run. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "resample.h"
#include "tap.h"

#define SEED 20240611u

static double log_pmf(double n, double p, double k)
{
    return lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1) + k * log(p) + (n - k) * log1p(-p);
}

/* Chi-square of `draws` Binomial(n, p) variates against the exact pmf,
 * bins with expectation >= 5 kept (the tails pooled). Returns the statistic
 * and its degrees of freedom. */
static double binomial_chi2(double n, double p, long draws, uint64_t stream, int *df)
{
    long *hits = calloc((size_t)n + 1, sizeof *hits);
    rng_stream rng;
    rng_init(&rng, SEED, stream);
    for (long i = 0; i < draws; i++) hits[(long)resample_binomial(&rng, n, p)]++;
    double chi2 = 0, pooled_obs = 0, pooled_exp = 0;
    *df = -1;
    for (long k = 0; k <= (long)n; k++) {
        double expect = (double)draws * exp(log_pmf(n, p, (double)k));
        if (expect < 5) { pooled_obs += (double)hits[k]; pooled_exp += expect; continue; }
        chi2 += ((double)hits[k] - expect) * ((double)hits[k] - expect) / expect;
        ++*df;
    }
    if (pooled_exp > 0) { chi2 += (pooled_obs - pooled_exp) * (pooled_obs - pooled_exp) / pooled_exp; ++*df; }
    free(hits);
    return chi2;
}

/* Mean and variance of `draws` variates within 5 standard errors of n p and n p q. */
static void binomial_moments(double n, double p, long draws, uint64_t stream, const char *what)
{
    rng_stream rng;
    rng_init(&rng, SEED, stream);
    double sum = 0, sum2 = 0, mean = n * p, var = n * p * (1 - p), whole = 1;
    for (long i = 0; i < draws; i++) {
        double x = resample_binomial(&rng, n, p);
        whole = whole && x == floor(x) && x >= 0 && x <= n;
        sum += (x - mean);
        sum2 += (x - mean) * (x - mean);
    }
    double m = sum / (double)draws, v = sum2 / (double)draws - m * m;
    ok(whole, "%s: whole numbers in [0, n]", what);
    ok(fabs(m) <= 5 * sqrt(var / (double)draws), "%s: mean n p = %.6g within 5 standard errors (off by %.3g)", what,
       mean, m);
    ok(fabs(v - var) <= 5 * var * sqrt(2.0 / (double)draws), "%s: variance n p q = %.6g within 5 standard errors "
       "(got %.6g)", what, var, v);
}

static void test_binomial(void)
{
    struct { double n, p; const char *path; } cases[] = {
        {20, 0.3, "inversion"}, {1000, 0.3, "BTRS"}, {1000, 0.9, "BTRS, p > 1/2 mirrored"},
        {200, 0.04, "inversion, mean 8"}, {60, 0.5, "BTRS, small n"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        int df;
        double chi2 = binomial_chi2(cases[c].n, cases[c].p, 200000, c, &df);
        /* the 99.99th percentile of chi-square(df) is below df + 5.5 sqrt(2 df) + 10 for these df */
        ok(chi2 < df + 5.5 * sqrt(2.0 * df) + 10, "Binomial(%g, %g) (%s): chi-square %.1f on %d degrees of freedom",
           cases[c].n, cases[c].p, cases[c].path, chi2, df);
    }
    binomial_moments(9007199254740992.0, 0.5, 20000, 10, "Binomial(2^53, 0.5)");
    binomial_moments(9007199254740992.0, 1e-15, 20000, 11, "Binomial(2^53, 1e-15) (mean 9: inversion)");
    binomial_moments(9007199254740992.0, 3e-13, 20000, 12, "Binomial(2^53, 3e-13) (mean 2702: BTRS)");
    binomial_moments(1e12, 0.999, 20000, 13, "Binomial(1e12, 0.999)");
    rng_stream rng;
    rng_init(&rng, SEED, 14);
    ok(resample_binomial(&rng, 0, 0.5) == 0 && resample_binomial(&rng, 7, 0) == 0 && resample_binomial(&rng, 7, 1) == 7,
       "Binomial(0, p) = 0, Binomial(n, 0) = 0, Binomial(n, 1) = n");
}

/* Draws of `shots` from p by whichever path the sampler picks: frequencies
 * that are whole counts adding up to the shots, with the right means. */
static void test_multinomial(double shots, const char *path)
{
    double p[6] = {0.5, 0.2, 0, 0.15, 0.1, 0.05}, out[6], mean[6] = {0};
    sampler s;
    ok(sampler_build(p, 6, &s) == 0, "%s: sampler built", path);
    int whole = 1, never = 1;
    long draws = 4000;
    for (long b = 0; b < draws; b++) {
        rng_stream rng;
        rng_init_sub(&rng, SEED, 20, (uint32_t)b);
        sampler_draw(&s, shots, &rng, out);
        double total = 0;
        for (int i = 0; i < 6; i++) {
            double c = out[i] * shots;
            whole = whole && fabs(c - round(c)) < 1e-6 * fmax(1, c);
            total += c;
            mean[i] += out[i] / (double)draws;
        }
        whole = whole && fabs(total - shots) < 1e-6 * shots;
        never = never && out[2] == 0;
    }
    ok(whole, "%s: whole counts adding up to %g shots", path, shots);
    ok(never, "%s: an outcome of probability 0 never comes up", path);
    double worst = 0;
    for (int i = 0; i < 6; i++) {
        double se = sqrt(p[i] * (1 - p[i]) / shots / (double)draws);
        if (se > 0) worst = fmax(worst, fabs(mean[i] - p[i]) / se);
    }
    ok(worst < 5, "%s: mean frequencies within 5 standard errors of p (worst %.2f)", path, worst);
    sampler_free(&s);
}

static void test_percentile(void)
{
    double v[5] = {4, NAN, 1, 3, 2};
    is_double(resample_percentile(v, 5, 0.5), 2.5, 1e-15, "percentile: the median of 1..4, NaN left out");
    double w[4] = {4, 1, 3, 2};
    is_double(resample_percentile(w, 4, 0.975), 3.925, 1e-12, "percentile: 97.5%% of 1..4 interpolates");
    double x[2] = {NAN, NAN};
    ok(isnan(resample_percentile(x, 2, 0.5)), "percentile of nothing but NaN is NaN");
}

/* The chi-square tail against closed forms: df = 2 is exp(-x/2), df = 1 is
 * erfc(sqrt(x/2)), df = 3 adds sqrt(2x/pi) exp(-x/2); and the 5% points. */
static void test_chi2_tail(void)
{
    int good = 1;
    for (double x = 0.01; x < 400; x *= 1.7) {
        good &= is_double(resample_chi2_sf(x, 2) / exp(-x / 2), 1, 1e-12, "chi2 tail df 2 at %g, relative", x);
        double e1 = erfc(sqrt(x / 2)), e3 = e1 + sqrt(2 * x / M_PI) * exp(-x / 2);
        if (e1 > 1e-300) good &= is_double(resample_chi2_sf(x, 1) / e1, 1, 1e-10, "chi2 tail df 1 at %g, relative", x);
        if (e3 > 1e-300) good &= is_double(resample_chi2_sf(x, 3) / e3, 1, 1e-10, "chi2 tail df 3 at %g, relative", x);
    }
    ok(good, "chi-square tails for 1, 2, 3 degrees of freedom from 0.01 to 400 (down to 1e-87)");
    is_double(resample_chi2_sf(3.841458820694124, 1), 0.05, 1e-12, "the 5%% point of df 1 is 3.8415");
    is_double(resample_chi2_sf(11.070497693516351, 5), 0.05, 1e-12, "the 5%% point of df 5 is 11.0705");
    is_double(resample_chi2_sf(124.34211340400407, 100), 0.05, 1e-10, "the 5%% point of df 100 is 124.342");
    ok(resample_chi2_sf(0, 3) == 1 && isnan(resample_chi2_sf(1, 0)), "a tail of 1 at 0; NaN without degrees of freedom");
}

int main(void)
{
    test_binomial();
    test_multinomial(50, "alias table (50 shots)");
    test_multinomial(100000, "binomial chain (100000 shots)");
    test_multinomial(9007199254740992.0, "binomial chain (2^53 shots)");
    test_percentile();
    test_chi2_tail();
    return done_testing();
}
