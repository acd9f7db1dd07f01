/* compare.c - `tnemu compare`: distances between hardware counts and an
 * emulation, bootstrap intervals, a consistency test, a report (compare.h).
 *
 * Every statistic is a function of three distributions over one table of
 * outcomes (the union of all observed ones): hardware (counts), emulated and
 * ideal (probabilities when the result has them, else counts). A bootstrap
 * replicate redraws every counts-based distribution from itself (multinomial,
 * same shots) and recomputes all statistics; the 95% interval is the 2.5 and
 * 97.5 percentiles. Exact probabilities are not redrawn: they carry no shot
 * noise. */
#include "compare.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "counts.h"
#include "error.h"
#include "outfile.h"
#include "report.h"
#include "result.h"
#include "rng.h"

#define DEFAULT_BOOTSTRAP 1000
#define KL_COUNT_PSEUDO 0.5       /* Jeffreys: half a count added to every outcome of the table */
#define KL_PROB_MIX 1e-6          /* exact probabilities mixed with the uniform over the table */
#define BOOT_STREAM 0x424f4f54ull /* "BOOT" */
#define TEST_STREAM 0x54455354ull /* "TEST" */

static const char *compare_usage =
    "usage: tnemu compare EMULATED.json HARDWARE.json [OPTIONS]\n"
    "\n"
    "  EMULATED.json      a `tnemu run` result (noisy for the verdict; --probabilities for exact\n"
    "                     distributions and cross-entropy)\n"
    "  HARDWARE.json      counts: Qiskit ({\"counts\": ...} or a Result), Origin Quantum task results\n"
    "                     (\"counts\" with 0x.. keys, or \"probCount\"), or plain {\"0101\": 12, ...}\n"
    "  --ideal FILE       a noiseless `tnemu run` result of the same circuit\n"
    "  --clbits N         classical bits of hexadecimal keys (1..64; default: the emulation's)\n"
    "  --bootstrap B      bootstrap replicates for intervals and the test (0..100000; default 1000)\n"
    "  --seed S           seed of the bootstrap (0..18446744073709551615; default 1)\n"
    "  --report DIR       write DIR/metrics.json and PNG plots (needs /usr/bin/python3 with matplotlib)\n"
    "  -o, --output FILE  write the metrics JSON to FILE (default: stdout)\n"
    "  -q, --quiet        no summary on stderr\n"
    "\n"
    "Keys are classical bits c[n-1]..c[0]. Hellinger fidelity is Qiskit's (1 - h^2)^2 = (sum\n"
    "sqrt(p q))^2. The verdict tests the total variation distance against its bootstrap\n"
    "distribution under the emulated distribution (p >= 0.05: consistent).\n";

/* ---- the outcome table --------------------------------------------------- */

enum { SRC_HW, SRC_EMU, SRC_IDEAL, NSRC };
static const char *src_name[NSRC] = {"hardware", "emulated", "ideal"};

typedef struct {
    int present;
    double *counts;            /* per outcome; NULL when only probabilities */
    double *probs;             /* per outcome; NULL when only counts */
    double shots;
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
    int reference_is_prob;
    const char *reference_from;
    int heavy_n;
    unsigned char *heavy;      /* per outcome: above the reference's median */
    double ref_sum_sq;         /* sum r^2 over all 2^width outcomes */
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

static int fill_source(table *t, int s, const dist *d)
{
    source *src = &t->src[s];
    if (!d) return TN_OK;
    src->present = 1;
    src->shots = d->shots;
    if (d->ncounts) CALL(fill_column(t, d->counts, d->ncounts, &src->counts));
    if (d->probs && s != SRC_HW) CALL(fill_column(t, d->probs, d->nprobs, &src->probs));
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
    for (size_t i = 0; i < t->n; i++) {
        t->heavy[i] = ref[i] > median;
        t->heavy_n += t->heavy[i];
        t->ref_sum_sq += ref[i] * ref[i];
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

/* A distribution as used by the metrics: its values and the shots behind
 * them (INFINITY for exact probabilities), for the KL smoothing. */
typedef struct {
    const double *p;
    double shots;
} view;

static double smoothed(view v, size_t i, size_t n)
{
    if (isinf(v.shots)) return (1 - KL_PROB_MIX) * v.p[i] + KL_PROB_MIX / (double)n;
    return (v.p[i] * v.shots + KL_COUNT_PSEUDO) / (v.shots + KL_COUNT_PSEUDO * (double)n);
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

/* All statistics of the three distributions dist[s] (NULL: absent). */
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
}

/* ---- resampling ---------------------------------------------------------- */

/* Walker's alias table for drawing outcomes of p (n entries, sum 1). */
typedef struct {
    size_t n;
    double *prob;
    size_t *alias;
} alias_table;

static int alias_build(const double *p, size_t n, alias_table *a)
{
    a->n = n;
    a->prob = tn_malloc((n + 1) * sizeof *a->prob);
    a->alias = tn_malloc((n + 1) * sizeof *a->alias);
    size_t *small = tn_malloc((n + 1) * sizeof *small), *large = tn_malloc((n + 1) * sizeof *large);
    if (!a->prob || !a->alias || !small || !large) { free(small); free(large); return TN_ERR_MEMORY; }
    double total = 0;
    for (size_t i = 0; i < n; i++) total += p[i];
    size_t ns = 0, nl = 0;
    for (size_t i = 0; i < n; i++) {
        a->prob[i] = p[i] / total * (double)n;
        a->alias[i] = i;
        if (a->prob[i] < 1) small[ns++] = i; else large[nl++] = i;
    }
    while (ns && nl) {
        size_t s = small[--ns], l = large[nl - 1];
        a->alias[s] = l;
        a->prob[l] -= 1 - a->prob[s];
        if (a->prob[l] < 1) { nl--; small[ns++] = l; }
    }
    for (size_t i = 0; i < ns; i++) a->prob[small[i]] = 1;
    for (size_t i = 0; i < nl; i++) a->prob[large[i]] = 1;
    free(small);
    free(large);
    return TN_OK;
}

static void alias_free(alias_table *a) { free(a->prob); free(a->alias); }

/* Draws `shots` outcomes into out as frequencies (counts / shots). */
static void alias_draw(const alias_table *a, double shots, rng_stream *rng, double *out)
{
    memset(out, 0, a->n * sizeof *out);
    long m = (long)llround(shots);
    for (long k = 0; k < m; k++) {
        double u = rng_uniform(rng) * (double)a->n;
        size_t i = (size_t)u;
        if (i >= a->n) i = a->n - 1;
        out[(u - (double)i) < a->prob[i] ? i : a->alias[i]] += 1;
    }
    for (size_t i = 0; i < a->n; i++) out[i] /= shots;
}

/* ---- the whole comparison ------------------------------------------------ */

typedef struct {
    const char *emulated, *hardware, *ideal, *report, *output;
    long clbits, bootstrap;
    uint64_t seed;
    int quiet, help;
} compare_request;

typedef struct {
    double *point;             /* statistics of the data */
    double *lo, *hi;           /* 95% bootstrap interval */
    double tvd_p[NSRC];        /* consistency test of the hardware against emulated / ideal */
    long replicates;
} compare_result;

/* The frequencies (or probabilities) of every present source. */
static int point_distributions(const table *t, double *dist[NSRC], double shots[NSRC])
{
    for (int s = 0; s < NSRC; s++) {
        const source *src = &t->src[s];
        dist[s] = NULL;
        if (!src->present) continue;
        if (!(dist[s] = tn_malloc((t->n + 1) * sizeof(double)))) return TN_ERR_MEMORY;
        shots[s] = src->probs ? INFINITY : src->shots;
        for (size_t i = 0; i < t->n; i++) dist[s][i] = src->probs ? src->probs[i] : src->counts[i] / src->shots;
    }
    return TN_OK;
}

static double percentile(double *v, long n, double q)
{
    long valid = 0;
    for (long i = 0; i < n; i++) if (!isnan(v[i])) v[valid++] = v[i];
    if (valid == 0) return NAN;
    qsort(v, (size_t)valid, sizeof *v, cmp_double);
    double x = q * (double)(valid - 1);
    long i = (long)floor(x);
    return i + 1 < valid ? v[i] + (x - (double)i) * (v[i + 1] - v[i]) : v[valid - 1];
}

/* Redraws every counts-based source B times; intervals from percentiles. */
static int bootstrap(const table *t, double *const point_dist[NSRC], const double shots[NSRC], uint64_t seed,
                     long B, compare_result *r)
{
    size_t size = stats_size(t);
    double *all = tn_malloc(((size_t)B * size + 1) * sizeof *all), *column = tn_malloc(((size_t)B + 1) * sizeof *column);
    double *draw[NSRC] = {0}, *use[NSRC];
    alias_table alias[NSRC] = {{0}};
    int status = all && column ? TN_OK : TN_ERR_MEMORY;
    for (int s = 0; s < NSRC && status == TN_OK; s++) {
        use[s] = point_dist[s];
        if (!point_dist[s] || isinf(shots[s])) continue;
        status = alias_build(point_dist[s], t->n, &alias[s]);
        if (status == TN_OK && !(draw[s] = tn_malloc((t->n + 1) * sizeof(double)))) status = TN_ERR_MEMORY;
        use[s] = draw[s];
    }
    for (long b = 0; b < B && status == TN_OK; b++) {
        for (int s = 0; s < NSRC; s++) {
            if (!draw[s]) continue;
            rng_stream rng;
            rng_init_sub(&rng, seed, BOOT_STREAM + (uint64_t)s, (uint32_t)b);
            alias_draw(&alias[s], shots[s], &rng, draw[s]);
        }
        compute_stats(t, use, shots, all + (size_t)b * size);
    }
    for (size_t k = 0; k < size && status == TN_OK; k++) {
        for (long b = 0; b < B; b++) column[b] = all[(size_t)b * size + k];
        r->lo[k] = percentile(column, B, 0.025);
        for (long b = 0; b < B; b++) column[b] = all[(size_t)b * size + k];
        r->hi[k] = percentile(column, B, 0.975);
    }
    for (int s = 0; s < NSRC; s++) { alias_free(&alias[s]); free(draw[s]); }
    free(all);
    free(column);
    return status;
}

static double tvd_of(size_t n, const double *a, const double *b)
{
    double d = 0;
    for (size_t i = 0; i < n; i++) d += fabs(a[i] - b[i]);
    return d / 2;
}

/* Is the hardware sample a plausible N-shot sample of the reference source
 * s? Parametric bootstrap of the TVD: under the null both are draws of one
 * distribution (the reference's probabilities, or the pooled counts when
 * the reference was sampled too). Returns the p-value (NaN if untestable). */
static int consistency_test(const table *t, double *const dist[NSRC], const double shots[NSRC], int s,
                            uint64_t seed, long B, double *p_value)
{
    *p_value = NAN;
    if (!dist[s] || B < 1) return TN_OK;
    size_t n = t->n;
    double observed = tvd_of(n, dist[SRC_HW], dist[s]);
    double *null_p = tn_malloc((n + 1) * sizeof *null_p), *x = tn_malloc((n + 1) * sizeof *x);
    double *y = tn_malloc((n + 1) * sizeof *y);
    alias_table a = {0};
    int status = null_p && x && y ? TN_OK : TN_ERR_MEMORY;
    int exact = isinf(shots[s]);
    for (size_t i = 0; i < n && status == TN_OK; i++)
        null_p[i] = exact ? dist[s][i]
                          : (dist[SRC_HW][i] * shots[SRC_HW] + dist[s][i] * shots[s]) / (shots[SRC_HW] + shots[s]);
    if (status == TN_OK) status = alias_build(null_p, n, &a);
    long extreme = 0;
    for (long b = 0; b < B && status == TN_OK; b++) {
        rng_stream rng;
        rng_init_sub(&rng, seed, TEST_STREAM + (uint64_t)s, (uint32_t)b);
        alias_draw(&a, shots[SRC_HW], &rng, x);
        if (!exact) alias_draw(&a, shots[s], &rng, y);
        extreme += tvd_of(n, x, exact ? null_p : y) >= observed - 1e-12;
    }
    if (status == TN_OK) *p_value = (double)(1 + extreme) / (double)(B + 1);
    alias_free(&a);
    free(null_p); free(x); free(y);
    return status;
}

/* ---- output -------------------------------------------------------------- */

static json_t *num(double x) { return isnan(x) ? json_null() : json_real(x); }

static json_t *stat_json(const compare_result *r, size_t k)
{
    json_t *o = json_object();
    json_object_set_new(o, "value", num(r->point[k]));
    if (r->replicates > 0 && !isnan(r->point[k])) json_object_set_new(o, "ci95", json_pack("[o,o]", num(r->lo[k]), num(r->hi[k])));
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

static const char *verdict_text(const table *t, const compare_result *r, const dist *emu, char *buf, size_t size)
{
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

static json_t *metrics_json(const compare_request *rq, const table *t, const dist *d[NSRC], const compare_result *r,
                            int argc, char **argv)
{
    json_t *root = json_object(), *cmd = json_array();
    for (int i = 0; i < argc; i++) json_array_append_new(cmd, json_string(argv[i]));
    json_object_set_new(root, "tool", json_string("tnemu compare"));
    json_object_set_new(root, "command", cmd);
    json_object_set_new(root, "bits", json_integer(t->width));
    json_object_set_new(root, "bit_order", json_string("clbits c[n-1]..c[0]"));
    json_t *inputs = json_object();
    for (int s = 0; s < NSRC; s++) {
        if (!d[s]) continue;
        json_t *in = json_pack("{s:s, s:s, s:f, s:b}", "file", d[s]->path, "format", d[s]->format, "shots",
                               d[s]->shots, "probabilities", t->src[s].probs != NULL);
        if (s != SRC_HW) json_object_set_new(in, "noisy", json_boolean(d[s]->noisy));
        if (d[s]->noise_model) json_object_set_new(in, "noise_model", json_string(d[s]->noise_model));
        json_object_set_new(inputs, src_name[s], in);
    }
    json_object_set_new(root, "inputs", inputs);
    json_object_set_new(root, "kl_smoothing",
                        json_string("KL(first || second); counts get 0.5 added to every outcome of the table "
                                    "(Jeffreys); exact probabilities are mixed with the uniform over the table "
                                    "with weight 1e-6"));
    json_object_set_new(root, "bootstrap", json_pack("{s:I, s:s, s:s}", "replicates", (json_int_t)r->replicates,
                                                     "seed", "", "interval", "95% percentile"));
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)rq->seed);
    json_object_set_new(json_object_get(root, "bootstrap"), "seed", json_string(seed));
    json_t *pairs = json_object();
    for (int k = 0; k < NPAIR; k++) {
        if (isnan(r->point[off_pair(k, M_TVD)])) continue;
        json_t *m = json_object();
        for (int q = 0; q < NMETRIC; q++) json_object_set_new(m, metric_name[q], stat_json(r, off_pair(k, q)));
        json_object_set_new(pairs, pair_name[k], m);
    }
    json_object_set_new(root, "comparisons", pairs);
    json_t *x = per_source_json(t, r, off_xeb);
    json_object_set_new(x, "reference", json_string(t->reference_is_prob ? t->reference_from : "none"));
    if (!t->reference_is_prob)
        json_object_set_new(x, "note", json_string("needs an emulation run with --probabilities"));
    json_object_set_new(root, "xeb", x);
    json_t *h = per_source_json(t, r, off_hop);
    json_object_set_new(h, "reference", json_string(t->reference_from));
    json_object_set_new(h, "reference_from", json_string(t->reference_is_prob ? "probabilities" : "counts"));
    json_object_set_new(h, "heavy_outcomes_observed", json_integer(t->heavy_n));
    json_object_set_new(root, "heavy_output", h);
    json_t *marg = json_array(), *zs = json_array();
    for (int j = 0; j < t->width; j++) {
        json_t *o = json_pack("{s:i}", "bit", j);
        for (int s = 0; s < NSRC; s++)
            if (t->src[s].present) json_object_set_new(o, src_name[s], stat_json(r, off_marg(t, s, j)));
        json_array_append_new(marg, o);
    }
    for (int k = 0; k < t->nz; k++) {
        char name[1024];
        zmask_name(t, t->zmask[k], name, sizeof name);
        json_t *o = json_pack("{s:s}", "string", name);
        for (int s = 0; s < NSRC; s++)
            if (t->src[s].present) json_object_set_new(o, src_name[s], stat_json(r, off_z(t, s, k)));
        json_array_append_new(zs, o);
    }
    json_object_set_new(root, "marginals_p1", marg);
    json_object_set_new(root, "z_expectations", zs);
    json_t *test = json_pack("{s:s, s:o}", "statistic", "total variation distance", "p_value_vs_emulated",
                             num(r->tvd_p[SRC_EMU]));
    if (t->src[SRC_IDEAL].present) json_object_set_new(test, "p_value_vs_ideal", num(r->tvd_p[SRC_IDEAL]));
    json_object_set_new(test, "consistent_with_emulated",
                        isnan(r->tvd_p[SRC_EMU]) ? json_null() : json_boolean(r->tvd_p[SRC_EMU] >= 0.05));
    json_object_set_new(root, "consistency", test);
    char verdict[512];
    json_object_set_new(root, "verdict", json_string(verdict_text(t, r, d[SRC_EMU], verdict, sizeof verdict)));
    json_object_set_new(root, "distribution", distribution_json(t));
    return root;
}

static void print_interval(const compare_result *r, size_t k)
{
    if (isnan(r->point[k])) { fprintf(stderr, " %22s", "-"); return; }
    if (r->replicates > 0) fprintf(stderr, " %7.4f [%6.4f,%6.4f]", r->point[k], r->lo[k], r->hi[k]);
    else fprintf(stderr, " %7.4f %14s", r->point[k], "");
}

static void print_summary(const table *t, const dist *d[NSRC], const compare_result *r)
{
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

/* ---- the report ---------------------------------------------------------- */

static int write_report(const char *dir, const char *text)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return tn_fail(TN_ERR_WRITE, "option --report: cannot create directory %s: %s", dir, strerror(errno));
    char path[4096];
    snprintf(path, sizeof path, "%s/metrics.json", dir);
    CALL(result_write_text(path, text));
    return report_run_script("compare-plot.py", "option --report", path, dir);
}

/* ---- command line -------------------------------------------------------- */

static int parse_u64(const char *option, const char *value, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(value, &end, 10);
    if (!*value || *end || errno || value[0] == '-')
        return tn_fail(TN_ERR_USAGE, "option %s: '%s' is not an integer in [0, 18446744073709551615]", option, value);
    *out = v;
    return TN_OK;
}

static int parse_compare_args(int argc, char **argv, compare_request *rq)
{
    memset(rq, 0, sizeof *rq);
    rq->bootstrap = DEFAULT_BOOTSTRAP;
    rq->seed = 1;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) { rq->help = 1; return TN_OK; }
        if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) { rq->quiet = 1; continue; }
        if (a[0] != '-' || !a[1]) {
            if (!rq->emulated) rq->emulated = a;
            else if (!rq->hardware) rq->hardware = a;
            else return tn_fail(TN_ERR_USAGE, "tnemu compare takes two files; '%s' is a third", a);
            continue;
        }
        if (i + 1 >= argc) return tn_fail(TN_ERR_USAGE, "option %s needs a value", a);
        const char *v = argv[++i];
        if (strcmp(a, "--ideal") == 0) rq->ideal = v;
        else if (strcmp(a, "--report") == 0) rq->report = v;
        else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) rq->output = v;
        else if (strcmp(a, "--clbits") == 0) CALL(cli_parse_long(a, v, 1, 64, &rq->clbits));
        else if (strcmp(a, "--bootstrap") == 0) CALL(cli_parse_long(a, v, 0, 100000, &rq->bootstrap));
        else if (strcmp(a, "--seed") == 0) CALL(parse_u64(a, v, &rq->seed));
        else return tn_fail(TN_ERR_USAGE, "unknown option '%s' for 'tnemu compare' (see tnemu compare --help)", a);
        if (!*v) return tn_fail(TN_ERR_USAGE, "option %s: expected a value", a);
    }
    if (rq->help) return TN_OK;
    if (!rq->hardware)
        return tn_fail(TN_ERR_USAGE, "tnemu compare needs EMULATED.json and HARDWARE.json (see tnemu compare --help)");
    return TN_OK;
}

/* Reads the three files; every width must agree. */
static int read_inputs(const compare_request *rq, dist *emu, dist *hw, dist *ideal)
{
    CALL(dist_read(rq->emulated, (int)rq->clbits, emu));
    CALL(dist_read(rq->hardware, emu->width, hw));
    if (hw->width != emu->width)
        return tn_fail(TN_ERR_INPUT, "%s has %d-bit outcomes but %s has %d", hw->path, hw->width, emu->path,
                       emu->width);
    if (rq->ideal) {
        CALL(dist_read(rq->ideal, emu->width, ideal));
        if (ideal->width != emu->width)
            return tn_fail(TN_ERR_INPUT, "%s has %d-bit outcomes but %s has %d", ideal->path, ideal->width,
                           emu->path, emu->width);
    }
    return TN_OK;
}

static int compare_run(const compare_request *rq, const dist *d[NSRC], int argc, char **argv)
{
    table t = {0};
    t.width = d[SRC_EMU]->width;
    compare_result r = {0};
    double *point[NSRC] = {0}, shots[NSRC] = {0}, *ref = NULL;
    int status = build_keys(&t, d);
    for (int s = 0; s < NSRC && status == TN_OK; s++) status = fill_source(&t, s, d[s]);
    if (status == TN_OK) status = build_zstrings(&t);
    if (status == TN_OK) status = (ref = tn_malloc((t.n + 1) * sizeof *ref)) ? choose_reference(&t, ref) : TN_ERR_MEMORY;
    if (status == TN_OK) status = point_distributions(&t, point, shots);
    size_t size = stats_size(&t);
    if (status == TN_OK) {
        r.point = tn_malloc(size * sizeof(double));
        r.lo = tn_malloc(size * sizeof(double));
        r.hi = tn_malloc(size * sizeof(double));
        if (!r.point || !r.lo || !r.hi) status = TN_ERR_MEMORY;
    }
    if (status == TN_OK) {
        compute_stats(&t, point, shots, r.point);
        r.replicates = rq->bootstrap;
        status = bootstrap(&t, point, shots, rq->seed, rq->bootstrap, &r);
    }
    r.tvd_p[SRC_HW] = NAN;
    for (int s = SRC_EMU; s < NSRC && status == TN_OK; s++)
        status = consistency_test(&t, point, shots, s, rq->seed, rq->bootstrap, &r.tvd_p[s]);
    json_t *root = status == TN_OK ? metrics_json(rq, &t, d, &r, argc, argv) : NULL;
    char *text = root ? json_dumps(root, JSON_INDENT(1) | JSON_REAL_PRECISION(17)) : NULL;
    if (status == TN_OK && !text) status = TN_ERR_MEMORY;
    if (status == TN_OK && rq->report) status = write_report(rq->report, text);
    if (status == TN_OK) {
        if (rq->output) status = result_write_text(rq->output, text);
        else status = outfile_stdout(text);
    }
    if (status == TN_OK && !rq->quiet) {
        print_summary(&t, d, &r);
        fprintf(stderr, "verdict: %s\n", json_string_value(json_object_get(root, "verdict")));
    }
    free(text);
    json_decref(root);
    for (int s = 0; s < NSRC; s++) free(point[s]);
    free(ref);
    free(r.point); free(r.lo); free(r.hi);
    table_free(&t);
    return status;
}

int compare_command(int argc, char **argv)
{
    compare_request rq;
    CALL(parse_compare_args(argc, argv, &rq));
    if (rq.help) { fputs(compare_usage, stdout); return TN_OK; }
    dist emu = {0}, hw = {0}, ideal = {0};
    int status = read_inputs(&rq, &emu, &hw, &ideal);
    const dist *d[NSRC] = {&hw, &emu, rq.ideal ? &ideal : NULL};
    if (status == TN_OK) status = compare_run(&rq, d, argc, argv);
    dist_free(&emu);
    dist_free(&hw);
    dist_free(&ideal);
    return status;
}
