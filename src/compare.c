/* compare.c - `tnemu compare`: distances between hardware counts and an
 * emulation, bootstrap intervals, a consistency test, a report (compare.h).
 *
 * Every statistic is a function of three distributions over one table of
 * outcomes (the union of all observed ones): hardware (counts), emulated and
 * ideal (probabilities when the result has them, else counts). A bootstrap
 * replicate redraws every sampled distribution from itself (multinomial, with
 * the shots it stands for) and recomputes all statistics.
 *
 * Intervals (95%) are of two kinds, because the statistics are of two kinds.
 * Linear ones (XEB, heavy-output probability, marginals, Z strings) are
 * unbiased and their bootstrap distribution is centred on their value: the
 * interval is its 2.5 and 97.5 percentiles. The distances (TVD, Hellinger)
 * are not: measured between finite samples they come out larger than between
 * the distributions behind them, by up to the samples' own sampling distance
 * (TVD 0.23 between two samples of one 10-bit distribution at 2000 shots),
 * and a percentile interval of a redrawn sample is farther off still, often
 * entirely above the value. What a user asks is how far apart the
 * distributions are; by the triangle inequality that distance is within the
 * samples' sampling distance u of the measured one, so the interval is
 * value -+ u, u the 97.5th percentile of the sampling distance: bootstrapped
 * both from each sample itself and from the comparison's null reference (a
 * sample redrawn from itself misses the outcomes it never saw, so it
 * underestimates u for sparse samples), the larger taken. KL divergence is no
 * distance and gets no interval.
 *
 * Exact probabilities are not redrawn. Noisy emulations are Monte Carlo
 * means over trajectories, and their error belongs in every interval and
 * test as much as the hardware's: their counts are redrawn with the
 * effective shots of clustered trajectories (the run's count standard
 * errors), their probabilities as a sample of as many shots as the
 * trajectories' spread is worth (estimated from the counts when a run drew
 * at least 2 shots per trajectory, at most the shots behind them; else
 * bounded by one shot per trajectory, which by the law of total variance
 * overstates the error of any linear statistic, never understates it). A
 * noisy XEB reference is redrawn with them in every replicate.
 * This file analyses one triple of distributions of at most 64 bits; the
 * command and the marginals of wide counts are in compare_cmd.c. */
#include "compare.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "counts.h"
#include "error.h"
#include "resample.h"
#include "rng.h"

#define KL_COUNT_PSEUDO 0.5       /* Jeffreys: half a count added to every outcome of the table */
#define KL_PROB_MIX 1e-6          /* exact probabilities mixed with the uniform over the table */
#define BOOT_STREAM 0x424f4f54ull /* "BOOT" */
#define TEST_STREAM 0x54455354ull /* "TEST" */
#define CHI2_MIN_EXPECTED 5.0     /* cells expected below this many shots are pooled into one */
#define CI_LEVEL 0.95
#define ONE_SIDED_QUANTILE (1 - (1 - CI_LEVEL) / 2) /* 0.975: each end of an interval errs at most 2.5% */

/* ---- the outcome table --------------------------------------------------- */

enum { SRC_HW = COMPARE_HW, SRC_EMU = COMPARE_EMU, SRC_IDEAL = COMPARE_IDEAL, NSRC = COMPARE_NSRC };
static const char *src_name[NSRC] = {"hardware", "emulated", "ideal"};

typedef struct {
    int present;
    double *counts;            /* per outcome; NULL when only probabilities */
    double *probs;             /* per outcome, normalized; NULL when only counts */
    double shots;
    double draw_shots;         /* shots a bootstrap redraw of it takes; INFINITY: exact, not redrawn */
    const char *draw_basis;    /* where draw_shots comes from, for the output */
} source;

typedef struct {
    int width;
    size_t n;                  /* outcomes in the table */
    char **keys;               /* sorted */
    uint64_t *bits;            /* outcome as a number, bit j = classical bit j */
    source src[NSRC];
    int nz;
    uint64_t *zmask;           /* Z strings: bit masks */
    const double *reference;   /* heavy outputs and XEB: ideal (or emulated) distribution */
    int reference_src;         /* SRC_IDEAL or SRC_EMU */
    int reference_is_prob;
    const char *reference_from;
    int heavy_n;
    unsigned char *heavy;      /* per outcome: above the reference's median */
    double ref_sum_sq;         /* sum r^2 over all 2^width outcomes */
    double ref_min, ref_max;   /* smallest and largest r over all 2^width outcomes: the range of XEB */
} table;

static int key_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static size_t key_index(const table *t, const char *key)
{
    const char **hit = bsearch(&key, t->keys, t->n, sizeof *t->keys, key_cmp);
    return hit ? (size_t)(hit - (const char **)t->keys) : (size_t)-1;
}

/* Collects the union of the keys of every distribution, sorted and unique. */
static int build_keys(table *t, const dist *d[NSRC])
{
    size_t cap = 0;
    for (int s = 0; s < NSRC; s++)
        if (d[s]) cap += d[s]->ncounts + d[s]->nprobs;
    t->keys = tn_calloc(cap + 1, sizeof *t->keys);
    if (!t->keys) return TN_ERR_MEMORY;
    for (int s = 0; s < NSRC; s++) {
        if (!d[s]) continue;
        for (size_t i = 0; i < d[s]->ncounts; i++) t->keys[t->n++] = d[s]->counts[i].key;
        for (size_t i = 0; i < d[s]->nprobs; i++) t->keys[t->n++] = d[s]->probs[i].key;
    }
    qsort(t->keys, t->n, sizeof *t->keys, key_cmp);
    size_t w = 0;
    for (size_t i = 0; i < t->n; i++)
        if (w == 0 || strcmp(t->keys[i], t->keys[w - 1]) != 0) t->keys[w++] = t->keys[i];
    t->n = w;
    t->bits = tn_calloc(t->n + 1, sizeof *t->bits);
    if (!t->bits) return TN_ERR_MEMORY;
    for (size_t i = 0; i < t->n; i++)
        for (int j = 0; j < t->width; j++)
            if (t->keys[i][t->width - 1 - j] == '1') t->bits[i] |= (uint64_t)1 << j;
    return TN_OK;
}

static int fill_column(const table *t, const dist_entry *e, size_t ne, double **col)
{
    *col = tn_calloc(t->n + 1, sizeof **col);
    if (!*col) return TN_ERR_MEMORY;
    for (size_t i = 0; i < ne; i++) (*col)[key_index(t, e[i].key)] = e[i].value;
    return TN_OK;
}

/* Sum of p(1 - p) over a distribution: its multinomial variance per shot. */
static double spread(const double *v, size_t n, double total)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += v[i] / total * (1 - v[i] / total);
    return s;
}

/* The shots a bootstrap redraw of a source takes (see the top of the file):
 * hardware and noiseless counts their shots; a noisy run's counts their
 * shots over the design effect of its trajectories; noiseless probabilities
 * none (exact); a noisy run's probabilities, the mean of T trajectories, the
 * shots their spread is worth. From counts of N shots in T trajectories
 * (n = N/T each): sum se^2 = N sum p(1-p) + N (n-1) sum V, V the variance of
 * one trajectory's probability; the mean of T has variance V / T, a sample
 * of M shots q(1-q) / M. Below 2 shots per trajectory V cannot be told from
 * shot noise; then V <= q(1-q) bounds M by T. */
static void choose_draw_shots(source *src, const dist *d, double counts_spread, double probs_spread)
{
    double deff = d->design_effect, T = d->trajectories, N = d->shots;
    src->draw_shots = src->shots;
    src->draw_basis = "shots";
    if (src->probs && !d->noisy) {
        src->draw_shots = INFINITY;
        src->draw_basis = "exact probabilities: not redrawn";
    } else if (src->probs && T > 1 && N >= 2 * T && isfinite(deff)) {
        double excess = (deff - 1) * counts_spread;
        src->draw_shots = excess > 0 ? fmin(N, (N - T) * probs_spread / excess) : N;
        src->draw_basis = "mean over trajectories: the shots their spread is worth (from the counts' errors), "
                          "at most the shots behind them";
    } else if (src->probs && T >= 1) {
        src->draw_shots = T;
        src->draw_basis = "mean over trajectories: bounded by one shot per trajectory";
    } else if (src->probs) {
        src->draw_shots = INFINITY;
        src->draw_basis = "noisy probabilities of an unknown number of trajectories: taken as exact";
    } else if (d->noisy && isfinite(deff) && deff > 1) {
        src->draw_shots = N / deff;
        src->draw_basis = "shots over the design effect of the trajectories";
    }
    if (src->draw_shots >= RESAMPLE_MAX_SHOTS) src->draw_shots = INFINITY;
    if (isfinite(src->draw_shots)) src->draw_shots = fmax(1, round(src->draw_shots));
}

static int fill_source(table *t, int s, const dist *d)
{
    source *src = &t->src[s];
    if (!d) return TN_OK;
    src->present = 1;
    src->shots = d->shots;
    if (d->ncounts) CALL(fill_column(t, d->counts, d->ncounts, &src->counts));
    double probs_spread = 0;
    if (d->probs && s != SRC_HW) {
        CALL(fill_column(t, d->probs, d->nprobs, &src->probs));
        double total = 0;
        for (size_t i = 0; i < t->n; i++) total += src->probs[i];
        if (!(total > 0)) return tn_fail(TN_ERR_INPUT, "%s: the probabilities add up to 0", d->path);
        for (size_t i = 0; i < t->n; i++) src->probs[i] /= total;
        probs_spread = spread(src->probs, t->n, 1);
    }
    double counts_spread = src->counts ? spread(src->counts, t->n, src->shots) : 0;
    choose_draw_shots(src, d, counts_spread, probs_spread);
    return TN_OK;
}

/* Z strings: every bit, every neighbouring pair, and all bits together. */
static int build_zstrings(table *t)
{
    int w = t->width;
    t->zmask = tn_calloc((size_t)2 * w + 1, sizeof *t->zmask);
    if (!t->zmask) return TN_ERR_MEMORY;
    for (int j = 0; j < w; j++) t->zmask[t->nz++] = (uint64_t)1 << j;
    for (int j = 0; j + 1 < w; j++) t->zmask[t->nz++] = (uint64_t)3 << j;
    if (w > 2) t->zmask[t->nz++] = w == 64 ? ~(uint64_t)0 : ((uint64_t)1 << w) - 1;
    return TN_OK;
}

static void zmask_name(const table *t, uint64_t mask, char *out, size_t size)
{
    size_t len = 0;
    out[0] = '\0';
    for (int j = 0; j < t->width && len + 8 < size; j++)
        if (mask >> j & 1) len += (size_t)snprintf(out + len, size - len, "%sZ%d", len ? " " : "", j);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The reference of heavy outputs and XEB: the ideal emulation when given,
 * else the emulation itself; probabilities when it has them. Heavy outcomes
 * have a reference probability above the median over all 2^width outcomes
 * (the unobserved ones have probability 0). */
static int choose_reference(table *t, double *ref)
{
    const source *r = t->src[SRC_IDEAL].present ? &t->src[SRC_IDEAL] : &t->src[SRC_EMU];
    t->reference_from = t->src[SRC_IDEAL].present ? "ideal" : "emulated";
    t->reference_src = t->src[SRC_IDEAL].present ? SRC_IDEAL : SRC_EMU;
    t->reference_is_prob = r->probs != NULL;
    for (size_t i = 0; i < t->n; i++) ref[i] = r->probs ? r->probs[i] : r->counts[i] / r->shots;
    t->reference = ref;
    double outcomes = ldexp(1.0, t->width);
    double *sorted = tn_malloc((t->n + 1) * sizeof *sorted);
    t->heavy = tn_calloc(t->n + 1, 1);
    if (!sorted || !t->heavy) { free(sorted); return TN_ERR_MEMORY; }
    memcpy(sorted, ref, t->n * sizeof *sorted);
    qsort(sorted, t->n, sizeof *sorted, cmp_double);
    /* the median of n table values padded with (outcomes - n) zeros */
    double zeros = outcomes - (double)t->n, median;
    double mid_lo = floor((outcomes - 1) / 2), mid_hi = ceil((outcomes - 1) / 2);
    double lo = mid_lo < zeros ? 0 : sorted[(size_t)(mid_lo - zeros)];
    double hi = mid_hi < zeros ? 0 : sorted[(size_t)(mid_hi - zeros)];
    median = (lo + hi) / 2;
    free(sorted);
    t->ref_sum_sq = 0;
    t->ref_min = zeros > 0 ? 0 : INFINITY;
    t->ref_max = 0;
    for (size_t i = 0; i < t->n; i++) {
        t->heavy[i] = ref[i] > median;
        t->heavy_n += t->heavy[i];
        t->ref_sum_sq += ref[i] * ref[i];
        t->ref_min = fmin(t->ref_min, ref[i]);
        t->ref_max = fmax(t->ref_max, ref[i]);
    }
    return TN_OK;
}

static void table_free(table *t)
{
    for (int s = 0; s < NSRC; s++) { free(t->src[s].counts); free(t->src[s].probs); }
    free(t->keys);
    free(t->bits);
    free(t->zmask);
    free(t->heavy);
}

/* ---- statistics ---------------------------------------------------------- */

/* Layout of one vector of statistics: three pairwise comparisons (hardware
 * vs emulated, hardware vs ideal, emulated vs ideal) x (Hellinger fidelity,
 * TVD, KL), then per source XEB and heavy-output probability, then per source
 * the marginals P(bit j = 1) and the Z-string expectations. NaN: not defined. */
enum { PAIR_HW_EMU, PAIR_HW_IDEAL, PAIR_EMU_IDEAL, NPAIR };
enum { M_HELLINGER, M_TVD, M_KL, NMETRIC };
static const int pair_a[NPAIR] = {SRC_HW, SRC_HW, SRC_EMU}, pair_b[NPAIR] = {SRC_EMU, SRC_IDEAL, SRC_IDEAL};
static const char *pair_name[NPAIR] = {"hardware_vs_emulated", "hardware_vs_ideal", "emulated_vs_ideal"};
static const char *metric_name[NMETRIC] = {"hellinger_fidelity", "tvd", "kl_divergence"};

static size_t off_pair(int pair, int metric) { return (size_t)pair * NMETRIC + metric; }
static size_t off_xeb(int s) { return NPAIR * NMETRIC + (size_t)s; }
static size_t off_hop(int s) { return NPAIR * NMETRIC + NSRC + (size_t)s; }
static size_t off_marg(const table *t, int s, int j) { return NPAIR * NMETRIC + 2 * NSRC + (size_t)s * t->width + j; }
static size_t off_z(const table *t, int s, int k)
{
    return NPAIR * NMETRIC + 2 * NSRC + (size_t)NSRC * t->width + (size_t)s * t->nz + k;
}
static size_t stats_size(const table *t) { return off_z(t, NSRC, 0); }

/* The mathematical range of statistic k; values are clamped into it, so
 * that rounding never shows a fidelity of 1.0000000000000002. */
static void stat_range(const table *t, size_t k, double *lo, double *hi)
{
    *lo = 0;
    *hi = 1;
    if (k < off_xeb(0)) {
        if (k % NMETRIC == M_KL) *hi = INFINITY;
    } else if (k < off_hop(0)) {
        double inv_d = ldexp(1.0, -t->width), denom = t->ref_sum_sq - inv_d;
        *lo = (t->ref_min - inv_d) / denom;
        *hi = (t->ref_max - inv_d) / denom;
    } else if (k >= off_z(t, 0, 0)) {
        *lo = -1;
    }
}

static void clamp_stats(const table *t, double *v)
{
    for (size_t k = 0; k < stats_size(t); k++) {
        double lo, hi;
        stat_range(t, k, &lo, &hi);
        if (!isnan(v[k])) v[k] = fmin(hi, fmax(lo, v[k]));
    }
}

/* A distribution as used by the metrics: its values and the shots behind
 * them (INFINITY for probabilities), for the KL smoothing. */
typedef struct {
    const double *p;
    double shots;
} view;

static double smoothed(view v, size_t i, size_t n)
{
    if (isinf(v.shots)) return (1 - KL_PROB_MIX) * v.p[i] + KL_PROB_MIX / (double)n;
    return (v.p[i] * v.shots + KL_COUNT_PSEUDO) / (v.shots + KL_COUNT_PSEUDO * (double)n);
}

static double tvd_of(size_t n, const double *a, const double *b)
{
    double d = 0;
    for (size_t i = 0; i < n; i++) d += fabs(a[i] - b[i]);
    return fmin(1, d / 2);
}

/* Hellinger distance sqrt(1 - sum sqrt(a b)): a metric, unlike the fidelity. */
static double hellinger_of(size_t n, const double *a, const double *b)
{
    double bc = 0;
    for (size_t i = 0; i < n; i++) bc += sqrt(a[i] * b[i]);
    return sqrt(fmax(0, 1 - bc));
}

static void pair_metrics(const table *t, view a, view b, double *out)
{
    double bc = 0, tvd = 0, kl = 0;
    for (size_t i = 0; i < t->n; i++) {
        bc += sqrt(a.p[i] * b.p[i]);
        tvd += fabs(a.p[i] - b.p[i]);
        double pa = smoothed(a, i, t->n), pb = smoothed(b, i, t->n);
        kl += pa * log(pa / pb);
    }
    out[M_HELLINGER] = bc * bc;
    out[M_TVD] = tvd / 2;
    out[M_KL] = kl;
}

/* Normalized linear cross-entropy of distribution p against the reference r:
 * (sum p r - 1/D) / (sum r^2 - 1/D); 1 for p = r, 0 for the uniform. */
static double xeb(const table *t, const double *p)
{
    double inv_d = ldexp(1.0, -t->width), dot = 0;
    for (size_t i = 0; i < t->n; i++) dot += p[i] * t->reference[i];
    double denom = t->ref_sum_sq - inv_d;
    return denom > 1e-12 ? (dot - inv_d) / denom : NAN;
}

static void source_stats(const table *t, int s, const double *p, double *out)
{
    out[off_xeb(s)] = t->reference_is_prob ? xeb(t, p) : NAN;
    double hop = 0;
    for (size_t i = 0; i < t->n; i++) hop += t->heavy[i] ? p[i] : 0;
    out[off_hop(s)] = hop;
    for (int j = 0; j < t->width; j++) {
        double m = 0;
        for (size_t i = 0; i < t->n; i++) m += (t->bits[i] >> j & 1) ? p[i] : 0;
        out[off_marg(t, s, j)] = m;
    }
    for (int k = 0; k < t->nz; k++) {
        double z = 0;
        for (size_t i = 0; i < t->n; i++) z += (__builtin_popcountll(t->bits[i] & t->zmask[k]) & 1) ? -p[i] : p[i];
        out[off_z(t, s, k)] = z;
    }
}

/* All statistics of the three distributions dist[s] (NULL: absent); shots[s]
 * as in view. */
static void compute_stats(const table *t, double *const dist[NSRC], const double shots[NSRC], double *out)
{
    size_t size = stats_size(t);
    for (size_t i = 0; i < size; i++) out[i] = NAN;
    for (int k = 0; k < NPAIR; k++) {
        int a = pair_a[k], b = pair_b[k];
        if (!dist[a] || !dist[b]) continue;
        pair_metrics(t, (view){dist[a], shots[a]}, (view){dist[b], shots[b]}, out + off_pair(k, 0));
    }
    for (int s = 0; s < NSRC; s++)
        if (dist[s]) source_stats(t, s, dist[s], out);
    clamp_stats(t, out);
}

/* ---- the bootstraps -------------------------------------------------------- */

typedef struct {
    double *point;             /* statistics of the data */
    double *lo, *hi;           /* 95% interval; NaN: none */
    double tvd_p[NSRC];        /* consistency test of the hardware against emulated / ideal */
    double chi2[NSRC], chi2_df[NSRC], chi2_p[NSRC];   /* Pearson's test of the same (NaN: none) */
    long replicates;
} compare_result;

/* The distributions of the data and what the bootstraps need of them. */
typedef struct {
    double *p[NSRC];           /* frequencies or probabilities; NULL: absent */
    double smooth[NSRC];       /* shots for the KL smoothing (INFINITY: probabilities) */
    double *self_tvd[NSRC];    /* per replicate: TVD of a redraw from the sample; NULL: not redrawn */
    double *self_hel[NSRC];    /* the same for the Hellinger distance */
} sample_set;

static int is_redrawn(const table *t, int s) { return t->src[s].present && isfinite(t->src[s].draw_shots); }

static int point_distributions(const table *t, long B, sample_set *d)
{
    for (int s = 0; s < NSRC; s++) {
        const source *src = &t->src[s];
        if (!src->present) continue;
        if (!(d->p[s] = tn_malloc((t->n + 1) * sizeof(double)))) return TN_ERR_MEMORY;
        d->smooth[s] = src->probs ? INFINITY : src->shots;
        for (size_t i = 0; i < t->n; i++) d->p[s][i] = src->probs ? src->probs[i] : src->counts[i] / src->shots;
        if (!is_redrawn(t, s)) continue;
        d->self_tvd[s] = tn_malloc(((size_t)B + 1) * sizeof(double));
        d->self_hel[s] = tn_malloc(((size_t)B + 1) * sizeof(double));
        if (!d->self_tvd[s] || !d->self_hel[s]) return TN_ERR_MEMORY;
    }
    return TN_OK;
}

static void sample_set_free(sample_set *d)
{
    for (int s = 0; s < NSRC; s++) { free(d->p[s]); free(d->self_tvd[s]); free(d->self_hel[s]); }
}

/* The 2.5 and 97.5 percentiles of every statistic over B replicates (rows
 * of all), widened to reach the value if it lies outside (a linear
 * statistic's replicates are centred on it; only a very skewed one, an
 * outcome seen once, can miss it). The distances get theirs later. */
static int percentile_intervals(const table *t, const double *all, long B, compare_result *r)
{
    size_t size = stats_size(t);
    double *column = tn_malloc(((size_t)B + 1) * sizeof *column);
    if (!column) return TN_ERR_MEMORY;
    for (size_t k = 0; k < size; k++) {
        for (long b = 0; b < B; b++) column[b] = all[(size_t)b * size + k];
        r->lo[k] = resample_percentile(column, B, 1 - ONE_SIDED_QUANTILE);
        for (long b = 0; b < B; b++) column[b] = all[(size_t)b * size + k];
        r->hi[k] = resample_percentile(column, B, ONE_SIDED_QUANTILE);
        if (!isnan(r->point[k]) && !isnan(r->lo[k])) {
            r->lo[k] = fmin(r->lo[k], r->point[k]);
            r->hi[k] = fmax(r->hi[k], r->point[k]);
        }
    }
    free(column);
    return TN_OK;
}

/* The reference of XEB as replicate `draw` of its source gives it: a
 * sampled reference (a noisy emulation's) has its own error, and the XEB
 * interval must hold it (the heavy outcomes stay those of the data). */
static void redraw_reference(table *tb, const double *draw)
{
    tb->reference = draw;
    tb->ref_sum_sq = 0;
    tb->ref_max = 0;
    tb->ref_min = ldexp(1.0, tb->width) > (double)tb->n ? 0 : INFINITY;
    for (size_t i = 0; i < tb->n; i++) {
        tb->ref_sum_sq += draw[i] * draw[i];
        tb->ref_min = fmin(tb->ref_min, draw[i]);
        tb->ref_max = fmax(tb->ref_max, draw[i]);
    }
}

/* Redraws every sampled source B times from itself: the statistics of each
 * replicate (for the percentile intervals) and each redraw's distance from
 * its sample (for the distances' intervals). A redrawn XEB reference is
 * redrawn in each replicate too. */
static int bootstrap(const table *t, sample_set *d, uint64_t seed, long B, compare_result *r)
{
    size_t size = stats_size(t);
    double *all = tn_malloc(((size_t)B * size + 1) * sizeof *all);
    double *draw[NSRC] = {0}, *use[NSRC];
    sampler smp[NSRC] = {{0}};
    int status = all ? TN_OK : TN_ERR_MEMORY;
    for (int s = 0; s < NSRC && status == TN_OK; s++) {
        use[s] = d->p[s];
        if (!is_redrawn(t, s)) continue;
        status = sampler_build(d->p[s], t->n, &smp[s]);
        if (status == TN_OK && !(draw[s] = tn_malloc((t->n + 1) * sizeof(double)))) status = TN_ERR_MEMORY;
        use[s] = draw[s];
    }
    for (long b = 0; b < B && status == TN_OK; b++) {
        for (int s = 0; s < NSRC; s++) {
            if (!draw[s]) continue;
            rng_stream rng;
            rng_init_sub(&rng, seed, BOOT_STREAM + (uint64_t)s, (uint32_t)b);
            sampler_draw(&smp[s], t->src[s].draw_shots, &rng, draw[s]);
            d->self_tvd[s][b] = tvd_of(t->n, draw[s], d->p[s]);
            d->self_hel[s][b] = hellinger_of(t->n, draw[s], d->p[s]);
        }
        table tb = *t;
        if (t->reference_is_prob && draw[t->reference_src]) redraw_reference(&tb, draw[t->reference_src]);
        compute_stats(&tb, use, d->smooth, all + (size_t)b * size);
    }
    if (status == TN_OK) status = percentile_intervals(t, all, B, r);
    for (int s = 0; s < NSRC; s++) { sampler_free(&smp[s]); free(draw[s]); }
    free(all);
    return status;
}

/* The null of pair k: both members drawn from one distribution m (the
 * exact member's, or the redrawn members' pooled by their shots), B times.
 * Per replicate: the TVD between the two draws (the test statistic under the
 * null) and their sampling distances from m, summed (TVD and Hellinger). */
typedef struct {
    double *stat, *tvd, *hel;
} null_draws;

static int pair_null(const table *t, const sample_set *d, int k, uint64_t seed, long B, null_draws *out)
{
    int a = pair_a[k], b = pair_b[k];
    double na = t->src[a].draw_shots, nb = t->src[b].draw_shots;
    int ra = isfinite(na), rb = isfinite(nb);
    size_t n = t->n;
    double *m = tn_malloc((n + 1) * sizeof *m), *x = tn_malloc((n + 1) * sizeof *x);
    double *y = tn_malloc((n + 1) * sizeof *y);
    sampler smp = {0};
    int status = m && x && y ? TN_OK : TN_ERR_MEMORY;
    for (size_t i = 0; i < n && status == TN_OK; i++)
        m[i] = !ra ? d->p[a][i] : !rb ? d->p[b][i] : (d->p[a][i] * na + d->p[b][i] * nb) / (na + nb);
    if (status == TN_OK) status = sampler_build(m, n, &smp);
    for (long rep = 0; rep < B && status == TN_OK; rep++) {
        rng_stream rng;
        rng_init_sub(&rng, seed, TEST_STREAM + (uint64_t)k, (uint32_t)rep);
        if (ra) sampler_draw(&smp, na, &rng, x);
        if (rb) sampler_draw(&smp, nb, &rng, y);
        const double *xs = ra ? x : m, *ys = rb ? y : m;   /* an exact member is m itself */
        out->stat[rep] = tvd_of(n, xs, ys);
        out->tvd[rep] = (ra ? tvd_of(n, x, m) : 0) + (rb ? tvd_of(n, y, m) : 0);
        out->hel[rep] = (ra ? hellinger_of(n, x, m) : 0) + (rb ? hellinger_of(n, y, m) : 0);
    }
    sampler_free(&smp);
    free(m); free(x); free(y);
    return status;
}

/* u: the larger of the 97.5th percentiles of the pair's sampling distance as
 * the samples redrawn from themselves give it (self) and as the null gives
 * it; work holds B doubles. */
static double sampling_distance(long B, double *const self[NSRC], int a, int b, double *null, double *work)
{
    for (long rep = 0; rep < B; rep++)
        work[rep] = (self[a] ? self[a][rep] : 0) + (self[b] ? self[b][rep] : 0);
    double u = resample_percentile(work, B, ONE_SIDED_QUANTILE);
    return fmax(u, resample_percentile(null, B, ONE_SIDED_QUANTILE));
}

/* The distances' intervals of pair k (see the top of the file): TVD and the
 * Hellinger distance h, value -+ u; the fidelity (1 - h^2)^2 follows h. */
static void distance_intervals(int k, long B, const sample_set *d, null_draws *nd, double *work, compare_result *r)
{
    int a = pair_a[k], b = pair_b[k];
    size_t tv = off_pair(k, M_TVD), hf = off_pair(k, M_HELLINGER), kl = off_pair(k, M_KL);
    double u = sampling_distance(B, d->self_tvd, a, b, nd->tvd, work);
    r->lo[tv] = fmax(0, r->point[tv] - u);
    r->hi[tv] = fmin(1, r->point[tv] + u);
    double h = sqrt(fmax(0, 1 - sqrt(r->point[hf])));
    double uh = sampling_distance(B, d->self_hel, a, b, nd->hel, work);
    double h_lo = fmax(0, h - uh), h_hi = fmin(1, h + uh);
    r->lo[hf] = (1 - h_hi * h_hi) * (1 - h_hi * h_hi);
    r->hi[hf] = (1 - h_lo * h_lo) * (1 - h_lo * h_lo);
    r->lo[hf] = fmin(r->lo[hf], r->point[hf]);   /* rounding of h and back */
    r->hi[hf] = fmax(r->hi[hf], r->point[hf]);
    r->lo[kl] = r->hi[kl] = NAN;
}

/* For every present pair: its null, the distances' intervals and, for the
 * hardware's pairs, the p-value of its TVD under the null (the verdict). */
static int pair_tests(const table *t, const sample_set *d, uint64_t seed, long B, compare_result *r)
{
    null_draws nd = {tn_malloc(((size_t)B + 1) * sizeof(double)), tn_malloc(((size_t)B + 1) * sizeof(double)),
                     tn_malloc(((size_t)B + 1) * sizeof(double))};
    double *work = tn_malloc(((size_t)B + 1) * sizeof *work);
    int status = nd.stat && nd.tvd && nd.hel && work ? TN_OK : TN_ERR_MEMORY;
    for (int s = 0; s < NSRC; s++) r->tvd_p[s] = NAN;
    for (int k = 0; k < NPAIR && status == TN_OK && B > 0; k++) {
        int a = pair_a[k], b = pair_b[k];
        if (!d->p[a] || !d->p[b]) continue;
        status = pair_null(t, d, k, seed, B, &nd);
        if (status) break;
        if (a == SRC_HW) {
            double observed = tvd_of(t->n, d->p[a], d->p[b]);
            long extreme = 0;
            for (long rep = 0; rep < B; rep++) extreme += nd.stat[rep] >= observed - 1e-12;
            r->tvd_p[b] = (double)(1 + extreme) / (double)(B + 1);
        }
        distance_intervals(k, B, d, &nd, work, r);
    }
    free(nd.stat); free(nd.tvd); free(nd.hel);
    free(work);
    return status;
}

/* ---- output -------------------------------------------------------------- */

static json_t *num(double x) { return isnan(x) ? json_null() : json_real(x); }

static json_t *stat_json(const compare_result *r, size_t k)
{
    json_t *o = json_object();
    json_object_set_new(o, "value", num(r->point[k]));
    if (!isnan(r->point[k]) && !isnan(r->lo[k]))
        json_object_set_new(o, "ci95", json_pack("[o,o]", num(r->lo[k]), num(r->hi[k])));
    return o;
}

static json_t *per_source_json(const table *t, const compare_result *r, size_t (*off)(int))
{
    json_t *o = json_object();
    for (int s = 0; s < NSRC; s++)
        if (t->src[s].present) json_object_set_new(o, src_name[s], stat_json(r, off(s)));
    return o;
}

static json_t *distribution_json(const table *t)
{
    json_t *rows = json_array();
    for (size_t i = 0; i < t->n; i++) {
        json_t *row = json_pack("{s:s}", "key", t->keys[i]);
        for (int s = 0; s < NSRC; s++) {
            const source *src = &t->src[s];
            if (!src->present) continue;
            char name[32];
            if (src->counts) json_object_set_new(row, src_name[s], json_real(src->counts[i]));
            snprintf(name, sizeof name, "%s_p", src_name[s]);
            json_object_set_new(row, name, json_real(src->probs ? src->probs[i] : src->counts[i] / src->shots));
        }
        json_array_append_new(rows, row);
    }
    return rows;
}


/* ---- Pearson's chi-square ---------------------------------------------------------- */

/* Pearson's chi-square of the hardware against source s: two samples of
 * their effective (bootstrap) shots n1, n2 under one pooled distribution,
 * or, s exact, a goodness of fit; cells expected below CHI2_MIN_EXPECTED
 * shots (at the smaller n) pooled into one. Its p-value has no floor of
 * 1/(B+1), so that many marginal tests can be combined (Bonferroni). */
static void chi_square(const table *t, const sample_set *d, int s, compare_result *r)
{
    double n1 = t->src[SRC_HW].draw_shots, n2 = t->src[s].draw_shots;
    double c = 1 / n1 + (isfinite(n2) ? 1 / n2 : 0), nmin = fmin(n1, n2), x = 0;
    double rest1 = 0, rest2 = 0, rest_pi = 0;
    int cells = 0;
    for (size_t i = 0; i < t->n; i++) {
        double p1 = d->p[SRC_HW][i], p2 = d->p[s][i];
        double pi = isfinite(n2) ? (n1 * p1 + n2 * p2) / (n1 + n2) : p2;
        if (pi * nmin >= CHI2_MIN_EXPECTED) {
            x += (p1 - p2) * (p1 - p2) / (pi * c);
            cells++;
        } else {
            rest1 += p1;
            rest2 += p2;
            rest_pi += pi;
        }
    }
    if (rest_pi > 0) {
        x += (rest1 - rest2) * (rest1 - rest2) / (rest_pi * c);
        cells++;
    } else if (rest1 > 0) {
        x = INFINITY;   /* the hardware saw what the exact emulation forbids */
        cells++;
    }
    r->chi2[s] = x;
    r->chi2_df[s] = cells - 1;
    r->chi2_p[s] = cells > 1 ? resample_chi2_sf(x, cells - 1) : NAN;
}

static void chi_square_tests(const table *t, const sample_set *d, compare_result *r)
{
    for (int s = 0; s < NSRC; s++) r->chi2[s] = r->chi2_df[s] = r->chi2_p[s] = NAN;
    for (int s = SRC_EMU; s < NSRC; s++)
        if (t->src[s].present && isfinite(t->src[SRC_HW].draw_shots)) chi_square(t, d, s, r);
}

/* ---- one analysis ------------------------------------------------------------------ */

struct compare_analysis {
    table t;
    compare_result r;
    sample_set smp;
    double *ref;
    const dist *d[NSRC];
};

void compare_analysis_free(compare_analysis **a)
{
    if (!a || !*a) return;
    sample_set_free(&(*a)->smp);
    free((*a)->ref);
    free((*a)->r.point); free((*a)->r.lo); free((*a)->r.hi);
    table_free(&(*a)->t);
    free(*a);
    *a = NULL;
}

/* The emulation's XEB against itself is 1 by definition: no interval. */
static void drop_self_xeb_interval(const table *t, compare_result *r)
{
    size_t k = off_xeb(t->reference_src);
    r->lo[k] = r->hi[k] = NAN;
}

int compare_analyse(const dist *const d[COMPARE_NSRC], long B, uint64_t seed, compare_analysis **out)
{
    compare_analysis *a = tn_calloc(1, sizeof *a);
    if (!a) return TN_ERR_MEMORY;
    *out = a;
    table *t = &a->t;
    compare_result *r = &a->r;
    for (int s = 0; s < NSRC; s++) a->d[s] = d[s];
    t->width = d[SRC_EMU]->width;
    CALL(build_keys(t, a->d));
    for (int s = 0; s < NSRC; s++) CALL(fill_source(t, s, d[s]));
    CALL(build_zstrings(t));
    if (!(a->ref = tn_malloc((t->n + 1) * sizeof *a->ref))) return TN_ERR_MEMORY;
    CALL(choose_reference(t, a->ref));
    CALL(point_distributions(t, B, &a->smp));
    size_t size = stats_size(t);
    r->point = tn_malloc(size * sizeof(double));
    r->lo = tn_malloc(size * sizeof(double));
    r->hi = tn_malloc(size * sizeof(double));
    if (!r->point || !r->lo || !r->hi) return TN_ERR_MEMORY;
    compute_stats(t, a->smp.p, a->smp.smooth, r->point);
    r->replicates = B;
    CALL(bootstrap(t, &a->smp, seed, B, r));
    drop_self_xeb_interval(t, r);
    chi_square_tests(t, &a->smp, r);
    return pair_tests(t, &a->smp, seed, B, r);
}

/* ---- output of an analysis ------------------------------------------------------------ */

const char *compare_verdict(const compare_analysis *a, const dist *emu, char *buf, size_t size)
{
    const table *t = &a->t;
    const compare_result *r = &a->r;
    const char *what = emu->noisy ? "the noisy emulation" : "the emulation (noiseless)";
    double p = r->tvd_p[SRC_EMU];
    if (isnan(p)) {
        snprintf(buf, size, "no verdict: the test needs --bootstrap of at least 1");
        return buf;
    }
    size_t len = (size_t)snprintf(buf, size, "the hardware is %s with %s at 95%% (TVD %.4f, bootstrap p = %.3g)",
                                  p >= 0.05 ? "consistent" : "NOT consistent", what,
                                  r->point[off_pair(PAIR_HW_EMU, M_TVD)], p);
    if (t->src[SRC_IDEAL].present && !isnan(r->tvd_p[SRC_IDEAL]) && len < size)
        snprintf(buf + len, size - len, "; %s with the ideal (TVD %.4f, p = %.3g)",
                 r->tvd_p[SRC_IDEAL] >= 0.05 ? "consistent" : "not consistent",
                 r->point[off_pair(PAIR_HW_IDEAL, M_TVD)], r->tvd_p[SRC_IDEAL]);
    return buf;
}

json_t *compare_intervals_json(void)
{
    return json_pack("{s:s, s:s, s:s, s:s}", "hellinger_fidelity, tvd",
                     "95% for the distance between the distributions behind the samples: the measured value "
                     "-+ u (triangle inequality), u the 97.5th percentile of the samples' sampling distance, the "
                     "larger of two bootstraps (each sample redrawn from itself; both drawn from the null "
                     "reference); the fidelity's from the Hellinger distance h, F = (1 - h^2)^2. A measured "
                     "distance overstates the true one; the lower end is what the data prove",
                     "kl_divergence", "none: not a distance, and no bootstrap interval for it is honest at few shots",
                     "xeb, heavy_output, marginals_p1, z_expectations",
                     "95% percentile bootstrap (linear statistics, unbiased: their replicates are centred on "
                     "the value); a sampled XEB reference (a noisy emulation's) is redrawn with the rest, so "
                     "its own Monte Carlo error is in the interval; the reference's XEB against itself is 1 by "
                     "definition and has none",
                     "emulated side",
                     "a noisy emulation is redrawn as the shots its trajectories are worth (inputs.*."
                     "bootstrap_shots): both sides' sampling errors are in every interval and test");
}

json_t *compare_inputs_json(const compare_analysis *a, const dist *const d[COMPARE_NSRC])
{
    json_t *inputs = json_object();
    for (int s = 0; s < NSRC; s++) {
        if (!d[s]) continue;
        json_t *in = json_pack("{s:s, s:s, s:f, s:b}", "file", d[s]->path, "format", d[s]->format, "shots",
                               d[s]->shots, "probabilities", a->t.src[s].probs != NULL);
        if (s != SRC_HW) json_object_set_new(in, "noisy", json_boolean(d[s]->noisy));
        if (d[s]->noise_model) json_object_set_new(in, "noise_model", json_string(d[s]->noise_model));
        if (d[s]->trajectories > 0) json_object_set_new(in, "trajectories", json_real(d[s]->trajectories));
        if (d[s]->experiment) json_object_set_new(in, "experiment", json_string(d[s]->experiment));
        double shots = a->t.src[s].draw_shots;
        json_object_set_new(in, "bootstrap_shots", isfinite(shots) ? json_real(shots) : json_null());
        json_object_set_new(in, "bootstrap_shots_from", json_string(a->t.src[s].draw_basis));
        json_object_set_new(inputs, src_name[s], in);
    }
    return inputs;
}

static json_t *comparisons_json(const compare_result *r)
{
    json_t *pairs = json_object();
    for (int k = 0; k < NPAIR; k++) {
        if (isnan(r->point[off_pair(k, M_TVD)])) continue;
        json_t *m = json_object();
        for (int q = 0; q < NMETRIC; q++) json_object_set_new(m, metric_name[q], stat_json(r, off_pair(k, q)));
        json_object_set_new(pairs, pair_name[k], m);
    }
    return pairs;
}

static json_t *xeb_json(const table *t, const compare_result *r)
{
    json_t *x = per_source_json(t, r, off_xeb);
    json_object_set_new(x, "reference", json_string(t->reference_is_prob ? t->reference_from : "none"));
    if (!t->reference_is_prob)
        json_object_set_new(x, "note", json_string("needs an emulation run with --probabilities"));
    return x;
}

static json_t *consistency_json(const table *t, const compare_result *r)
{
    json_t *test = json_pack("{s:s, s:o}", "statistic", "total variation distance", "p_value_vs_emulated",
                             num(r->tvd_p[SRC_EMU]));
    if (t->src[SRC_IDEAL].present) json_object_set_new(test, "p_value_vs_ideal", num(r->tvd_p[SRC_IDEAL]));
    json_object_set_new(test, "consistent_with_emulated",
                        isnan(r->tvd_p[SRC_EMU]) ? json_null() : json_boolean(r->tvd_p[SRC_EMU] >= 0.05));
    return test;
}

static json_t *chi_square_json(const table *t, const compare_result *r)
{
    json_t *o = json_pack("{s:s}", "statistic", "Pearson chi-square of the hardware against each emulation, both "
                          "with their effective shots (inputs.*.bootstrap_shots; an exact one as a goodness of fit), "
                          "cells expected below 5 shots pooled");
    for (int s = SRC_EMU; s < NSRC; s++) {
        if (!t->src[s].present) continue;
        char name[40];
        snprintf(name, sizeof name, "vs_%s", src_name[s]);
        json_object_set_new(o, name, json_pack("{s:o, s:o, s:o}", "chi2", isinf(r->chi2[s]) ? json_string("inf")
                                                                                          : num(r->chi2[s]),
                                               "df", num(r->chi2_df[s]), "p_value", num(r->chi2_p[s])));
    }
    return o;
}

void compare_full_json(const compare_analysis *a, json_t *root, int with_z)
{
    const table *t = &a->t;
    const compare_result *r = &a->r;
    json_object_set_new(root, "comparisons", comparisons_json(r));
    json_object_set_new(root, "xeb", xeb_json(t, r));
    json_t *h = per_source_json(t, r, off_hop);
    json_object_set_new(h, "reference", json_string(t->reference_from));
    json_object_set_new(h, "reference_from", json_string(t->reference_is_prob ? "probabilities" : "counts"));
    json_object_set_new(h, "heavy_outcomes_observed", json_integer(t->heavy_n));
    json_object_set_new(root, "heavy_output", h);
    json_t *marg = json_array();
    for (int j = 0; j < t->width; j++) {
        json_t *o = json_pack("{s:i}", "bit", j);
        for (int s = 0; s < NSRC; s++)
            if (t->src[s].present) json_object_set_new(o, src_name[s], stat_json(r, off_marg(t, s, j)));
        json_array_append_new(marg, o);
    }
    json_object_set_new(root, "marginals_p1", marg);
    if (with_z) {
        json_t *zs = json_array();
        for (int k = 0; k < t->nz; k++) {
            char name[1024];
            zmask_name(t, t->zmask[k], name, sizeof name);
            json_t *o = json_pack("{s:s}", "string", name);
            for (int s = 0; s < NSRC; s++)
                if (t->src[s].present) json_object_set_new(o, src_name[s], stat_json(r, off_z(t, s, k)));
            json_array_append_new(zs, o);
        }
        json_object_set_new(root, "z_expectations", zs);
    }
    json_object_set_new(root, "consistency", consistency_json(t, r));
    json_object_set_new(root, "distribution", distribution_json(t));
}

json_t *compare_group_json(const compare_analysis *a)
{
    json_t *g = json_object();
    json_object_set_new(g, "comparisons", comparisons_json(&a->r));
    json_object_set_new(g, "consistency", consistency_json(&a->t, &a->r));
    json_object_set_new(g, "chi_square", chi_square_json(&a->t, &a->r));
    if (a->t.reference_is_prob) json_object_set_new(g, "xeb", xeb_json(&a->t, &a->r));
    json_object_set_new(g, "distribution", distribution_json(&a->t));
    return g;
}

json_t *compare_p1_json(const compare_analysis *a, int s)
{
    return a->t.src[s].present ? stat_json(&a->r, off_marg(&a->t, s, 0)) : NULL;
}

json_t *compare_z_json(const compare_analysis *a, int s)
{
    return a->t.src[s].present ? stat_json(&a->r, off_z(&a->t, s, 0)) : NULL;
}

double compare_p_value(const compare_analysis *a, int s) { return a->r.tvd_p[s]; }

double compare_chi2_p(const compare_analysis *a, int s) { return a->r.chi2_p[s]; }


double compare_tvd(const compare_analysis *a, int s)
{
    return a->r.point[off_pair(s == SRC_IDEAL ? PAIR_HW_IDEAL : PAIR_HW_EMU, M_TVD)];
}

static void print_interval(const compare_result *r, size_t k)
{
    if (isnan(r->point[k])) { fprintf(stderr, " %22s", "-"); return; }
    if (!isnan(r->lo[k])) fprintf(stderr, " %7.4f [%6.4f,%6.4f]", r->point[k], r->lo[k], r->hi[k]);
    else fprintf(stderr, " %7.4f %14s", r->point[k], "");
}

void compare_print_full(const compare_analysis *a, const dist *const d[COMPARE_NSRC])
{
    const table *t = &a->t;
    const compare_result *r = &a->r;
    fprintf(stderr, "tnemu compare: %d bits; hardware %s (%s, %.0f shots); emulated %s (%s%s)\n", t->width,
            d[SRC_HW]->path, d[SRC_HW]->format, d[SRC_HW]->shots, d[SRC_EMU]->path,
            d[SRC_EMU]->noisy ? "noisy" : "noiseless", t->src[SRC_EMU].probs ? ", probabilities" : ", counts");
    fprintf(stderr, "  %-22s %-22s %-22s %-22s\n", "", "Hellinger fidelity", "TVD", "KL");
    for (int k = 0; k < NPAIR; k++) {
        if (isnan(r->point[off_pair(k, M_TVD)])) continue;
        fprintf(stderr, "  %-22s", pair_name[k]);
        for (int q = 0; q < NMETRIC; q++) print_interval(r, off_pair(k, q));
        fputc('\n', stderr);
    }
    fprintf(stderr, "  %-22s", "heavy output (hw/emu)");
    print_interval(r, off_hop(SRC_HW));
    print_interval(r, off_hop(SRC_EMU));
    fputc('\n', stderr);
    if (t->reference_is_prob) {
        fprintf(stderr, "  %-22s", "XEB (hw/emu)");
        print_interval(r, off_xeb(SRC_HW));
        print_interval(r, off_xeb(SRC_EMU));
        fputc('\n', stderr);
    }
}
