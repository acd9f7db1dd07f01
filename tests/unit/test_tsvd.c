/* test_tsvd.c - the truncated split of tensor/tsvd.c (Gram path and SVD path)
 * on matrices built here with known singular values: A = U diag(s) V^H with U,
 * V random unitaries (Gram-Schmidt in this file), so the exact answer is known
 * without the engine's own linear algebra. Cases: full rank without
 * truncation (L R = A to 1e-12, L an isometry); truncation to k with a gap
 * (L R = the best rank-k approximation, the discarded weight the exact tail);
 * ill-conditioned spectra (1 down to 1e-15, and a cut at 1e-7 that one Gram
 * matrix cannot resolve): further Gram passes on what the resolved directions
 * miss keep the result optimal to 1e-12 of |A|^2, or the SVD takes over; degenerate spectra
 * (a cut inside a cluster of equal values: the kept weight is still optimal);
 * exactly rank-deficient matrices; the right-isometry side; cutoff
 * truncation; and the Gram path against the SVD path (gram_disabled). The
 * right-vectors side (TSVD_RIGHT_VECTORS, the Vidal-form update): V_k^dagger
 * orthonormal and spanning the exact top-k right singular subspace, the
 * values proportional to the kept s, the exact tail weight, left NULL.
 * Small matrices (2 x 2 to 64 x 64, the bonds of long-range circuits): the
 * Gram path where tsvd.h's rule takes it (the bond limit truncates, the Gram
 * matrix on the square or shorter side, one Gram matrix resolves what is
 * kept), the SVD elsewhere (no truncation, exactly low rank below the limit,
 * the longer side of a chain end); random, exactly low-rank, degenerate; and
 * exact states written out entry by entry (GHZ, product, stabilizer:
 * singular values exactly equal or exactly zero) reproduced to rounding on
 * every side. A fast-decaying spectrum (2^-i) at 128 rows: the later Gram
 * passes keep no direction made of the projections' rounding (rank at most
 * the SVD's). The SVD path's cached workspace query across changing shapes
 * and the zgesvd fallback. A split's bits do not depend on what its
 * workspace split before (check_history).
 * Not for: the MPS engine (test_mps_ref.c). */
#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "randmat.h"
#include "rng.h"
#include "tap.h"
#include "tsvd.h"

#define TOL 1e-12

static void build_k(rng_stream *rs, int m, int n, const double *s, int k, double complex *a, double complex *ak)
{
    randmat_with_spectrum(rs, m, n, s, k, a, ak);
}

static void build(rng_stream *rs, int m, int n, const double *s, double complex *a)
{
    randmat_with_spectrum(rs, m, n, s, 0, a, NULL);
}

typedef struct {
    double recon;       /* |A_k - L R| / |A|, A_k the best rank-k approximation rescaled like the split */
    double isometry;    /* max |(L^H L or R R^H) - I| */
    double discarded;   /* |reported discarded weight - exact tail| */
    int rank;
    int used_gram;
} outcome;

/* Splits a copy of a and compares with the exact truncation: the best rank-k
 * approximation is unique when s[k-1] > s[k]; then L R (rescaled to |A|) must
 * equal A_k * |A| / |A_k|. With a tie at the cut only the weights are checked. */
static outcome run_split(tsvd_work *w, int m, int n, const double complex *a, const double *s, const tsvd_trunc *t,
                         int side, int gram_disabled)
{
    outcome o = {INFINITY, INFINITY, INFINITY, -1, 0};
    size_t len = (size_t)m * n;
    double complex *copy = malloc(len * sizeof *copy);
    memcpy(copy, a, len * sizeof *copy);
    w->gram_disabled = gram_disabled;
    tsvd_split_result res;
    if (tsvd_split(w, m, n, copy, t, side, &res) != TN_OK) { free(copy); return o; }
    int k = res.rank, r = m < n ? m : n;
    o.rank = k;
    o.used_gram = res.used_gram;
    double total = 0, tail = 0;
    for (int i = 0; i < r; i++) total += s[i] * s[i];
    for (int i = k; i < r; i++) tail += s[i] * s[i];
    o.discarded = fabs(res.discarded - tail / total);
    double complex *lr = calloc(len, sizeof *lr);
    for (int j = 0; j < n; j++)
        for (int p = 0; p < k; p++) {
            double complex rv = res.right[p + (size_t)k * j];
            for (int i = 0; i < m; i++) lr[i + (size_t)m * j] += res.left[i + (size_t)m * p] * rv;
        }
    /* the weight L R keeps must be the optimal one: |L R|^2 = |A|^2 after rescaling, and
     * |A - L R / scale|^2 = tail, scale = sqrt(total / (total - tail)) */
    double scale = sqrt(total / (total - tail)), err = 0;
    for (size_t i = 0; i < len; i++) {
        double complex d = a[i] - lr[i] / scale;
        err += creal(d * conj(d));
    }
    o.recon = fabs(err - tail) / total;   /* |A - L R/scale|^2 = the exact tail, relative */
    o.isometry = 0;
    const double complex *iso = side == TSVD_LEFT_ISOMETRY ? res.left : res.right;
    for (int p = 0; p < k; p++)
        for (int q = 0; q < k; q++) {
            double complex dot = 0;
            if (side == TSVD_LEFT_ISOMETRY)
                for (int i = 0; i < m; i++) dot += conj(iso[i + (size_t)m * p]) * iso[i + (size_t)m * q];
            else
                for (int j = 0; j < n; j++) dot += iso[p + (size_t)k * j] * conj(iso[q + (size_t)k * j]);
            o.isometry = fmax(o.isometry, cabs(dot - (p == q)));
        }
    free(lr);
    free(copy);
    return o;
}

static void check_split(const char *name, int m, int n, const double *s, const tsvd_trunc *t, int side,
                        int want_rank, int want_gram, double iso_tol, uint64_t seed);

/* Splits A (m x n, singular values s) on both paths: L R is the optimal
 * rank-k approximation, the isometry orthonormal, the discarded weight the
 * exact tail, and the rank want_rank (any if negative). */
static void check(const char *name, int m, int n, const double *s, const tsvd_trunc *t, int side, int want_rank,
                  uint64_t seed)
{
    check_split(name, m, n, s, t, side, want_rank, -1, TOL, seed);
}

/* TSVD_RIGHT_VECTORS: the split returns only V_k^dagger (k x n, leading
 * dimension k) and the kept singular values (up to one positive scale: the
 * SVD path rescales them to the norm of A, the Gram path does not). Checked
 * against the exact factors: R orthonormal rows; A R^H R equal to the best
 * rank-k approximation A_k (so R spans the exact top-k right singular
 * subspace); values[i] / values[0] = s[i] / s[0]; the discarded weight the
 * exact tail; left NULL. On both paths (gram_disabled 0 and 1). */
static void check_vectors(const char *name, int m, int n, const double *s, const tsvd_trunc *t, int k,
                          uint64_t seed)
{
    rng_stream rs;
    rng_init(&rs, seed, 3);
    size_t len = (size_t)m * n;
    double complex *a = malloc(len * sizeof *a), *ak = malloc(len * sizeof *ak), *copy = malloc(len * sizeof *copy);
    double complex *ar = malloc((size_t)m * k * sizeof *ar);
    build_k(&rs, m, n, s, k, a, ak);
    int r = m < n ? m : n;
    double total = 0, tail = 0;
    for (int i = 0; i < r; i++) total += s[i] * s[i];
    for (int i = k; i < r; i++) tail += s[i] * s[i];
    double norm_a = sqrt(total);
    tsvd_work w;
    memset(&w, 0, sizeof w);
    for (int path = 0; path < 2; path++) {
        memcpy(copy, a, len * sizeof *copy);
        w.gram_disabled = path;
        tsvd_split_result res;
        memset(&res, 0xff, sizeof res);   /* every field must be set by the split */
        int status = tsvd_split(&w, m, n, copy, t, TSVD_RIGHT_VECTORS, &res);
        const char *how = path ? "SVD path" : "Gram path";
        if (!ok(status == TN_OK, "right vectors, %s, %dx%d, %s: split succeeds", name, m, n, how)) {
            for (int i = 0; i < 5; i++) skip("the split failed");
            continue;
        }
        /* shape: rank k, values present, descending and positive, the path asked for */
        int descending = res.values != NULL;
        for (int i = 0; descending && i < res.rank; i++)
            descending = res.values[i] > 0 && isfinite(res.values[i]) && (i == 0 || res.values[i] <= res.values[i - 1]);
        ok(res.rank == k && res.right != NULL && descending && res.used_gram == !path,
           "right vectors, %s, %s: rank %d (want %d), %d values descending, %s", name, how, res.rank, k, res.rank,
           res.used_gram ? "Gram path taken" : "SVD taken");
        ok(res.left == NULL, "right vectors, %s, %s: left is NULL", name, how);
        if (res.rank != k || res.right == NULL || res.values == NULL) {
            for (int i = 0; i < 3; i++) skip("wrong rank or no factor");
            continue;
        }
        const double complex *vt = res.right;
        /* orthonormal rows: V_k^dagger V_k = I */
        double iso = 0;
        for (int i = 0; i < k; i++)
            for (int q = 0; q < k; q++) {
                double complex dot = 0;
                for (int j = 0; j < n; j++) dot += vt[i + (size_t)k * j] * conj(vt[q + (size_t)k * j]);
                iso = fmax(iso, cabs(dot - (i == q)));
            }
        /* the subspace: A V_k V_k^dagger = A_k */
        for (int i = 0; i < m; i++)
            for (int c = 0; c < k; c++) {
                double complex sum = 0;
                for (int j = 0; j < n; j++) sum += a[i + (size_t)m * j] * conj(vt[c + (size_t)k * j]);
                ar[i + (size_t)m * c] = sum;
            }
        double err = 0;
        for (int j = 0; j < n; j++)
            for (int i = 0; i < m; i++) {
                double complex sum = 0;
                for (int c = 0; c < k; c++) sum += ar[i + (size_t)m * c] * vt[c + (size_t)k * j];
                double complex d = sum - ak[i + (size_t)m * j];
                err += creal(d * conj(d));
            }
        err = sqrt(err) / norm_a;
        /* the Gram path tilts kept directions near its guard by about
         * eps / sqrt(TSVD_GRAM_GUARD) (tsvd.h): 1e-10 there, rounding on the SVD path */
        double span_tol = res.used_gram ? TSVD_GRAM_SPAN_TOL : TOL;
        ok(iso < TOL && err < span_tol,
           "right vectors, %s, %s: orthonormal rows (%.1e), |A V_k V_k^H - A_k| / |A| = %.1e", name, how, iso, err);
        /* the values: proportional to s[0..k) */
        double scale = res.values[0] / s[0], worst = 0;
        int worst_at = 0;
        for (int i = 0; i < k; i++) {
            double d = fabs(res.values[i] / res.values[0] - s[i] / s[0]);
            if (d > worst) { worst = d; worst_at = i; }
        }
        ok(worst <= 1e-10 && scale > 0 && isfinite(scale),
           "right vectors, %s, %s: values / values[0] = s / s[0] (worst %.1e at %d), scale %.15g", name, how, worst,
           worst_at, scale);
        is_double(res.discarded, tail / total, 1e-12, "right vectors, %s, %s: discarded weight the exact tail", name,
                  how);
    }
    tsvd_work_free(&w);
    free(a);
    free(ak);
    free(copy);
    free(ar);
}

/* Like check, and the path must be the one expected (want_gram 1: Gram,
 * 0: the SVD) with isometries orthonormal to 1e-13. */
static void check_small(const char *name, int m, int n, const double *s, const tsvd_trunc *t, int side,
                        int want_rank, int want_gram, uint64_t seed)
{
    check_split(name, m, n, s, t, side, want_rank, want_gram, 1e-13, seed);
}

/* check and check_small: want_gram -1 takes either path on the first pass
 * (the second always forces the SVD). */
static void check_split(const char *name, int m, int n, const double *s, const tsvd_trunc *t, int side,
                        int want_rank, int want_gram, double iso_tol, uint64_t seed)
{
    rng_stream rs;
    rng_init(&rs, seed, 3);
    double complex *a = malloc((size_t)m * n * sizeof *a);
    build(&rs, m, n, s, a);
    tsvd_work w;
    memset(&w, 0, sizeof w);
    for (int path = 0; path < 2; path++) {
        outcome o = run_split(&w, m, n, a, s, t, side, path);
        int path_ok = path ? !o.used_gram : want_gram < 0 || o.used_gram == want_gram;
        int rank_ok = want_rank < 0 || o.rank == want_rank;
        const char *how = path ? "SVD path (gram_disabled)" : o.used_gram ? "Gram path" : "SVD";
        ok(o.recon < TOL && o.isometry < iso_tol && o.discarded < 1e-12 && rank_ok && path_ok,
           "%s, %dx%d side %d, %s: rank %d (want %d), optimal weight (%.1e), isometry (%.1e), discarded weight (%.1e)",
           name, m, n, side, how, o.rank, want_rank, o.recon, o.isometry, o.discarded);
    }
    tsvd_work_free(&w);
    free(a);
}

/* max |x - y| over len entries */
static double max_diff(const double complex *x, const double complex *y, size_t len)
{
    double d = 0;
    for (size_t i = 0; i < len; i++) d = fmax(d, cabs(x[i] - y[i]));
    return d;
}

/* An exact state's matrix (entries written out) with exact singular values
 * want_s[0..rank), split with the bond limit max_rank (at least rank): on
 * every side, the split has that rank, L R (or A V_k^H V_k) equals A entry
 * by entry to rounding (1e-14), the isometry is orthonormal to 1e-14, the
 * values are exact ratios, nothing is discarded (the Gram path reports
 * |A|^2 - |kept|^2, exact to the rounding of |A|^2: at most 1e-15; the SVD
 * the dropped s^2), and the path is the one
 * tsvd.h's rule picks: Gram when the limit truncates (below min(m, n)), the
 * Gram matrix is on the square or shorter side, and the limit is reached by
 * nonzero values (one Gram matrix resolves them). */
static void check_exact(const char *name, int m, int n, const double complex *a, int rank, const double *want_s,
                        int max_rank)
{
    static const char *sides[] = {"left isometry", "right isometry", "right vectors"};
    size_t len = (size_t)m * n;
    double complex *copy = malloc(len * sizeof *copy), *lr = malloc(len * sizeof *lr);
    tsvd_work w;
    memset(&w, 0, sizeof w);
    tsvd_trunc limit = {max_rank, 0};
    for (int side = TSVD_LEFT_ISOMETRY; side <= TSVD_RIGHT_VECTORS; side++) {
        memcpy(copy, a, len * sizeof *copy);
        tsvd_split_result res;
        if (!ok(tsvd_split(&w, m, n, copy, &limit, side, &res) == TN_OK, "exact %s, %s: split succeeds", name,
                sides[side])) {
            skip("the split failed");
            continue;
        }
        int gram_rows = side == TSVD_LEFT_ISOMETRY ? m : n, other = side == TSVD_LEFT_ISOMETRY ? n : m;
        int want_gram = max_rank > 0 && max_rank < (m < n ? m : n) && gram_rows <= TSVD_GRAM_MAX_ASPECT * other && rank >= max_rank;
        int k = res.rank;
        const double complex *iso = side == TSVD_LEFT_ISOMETRY ? res.left : res.right;
        double iso_err = 0;
        for (int p = 0; p < k && iso; p++)
            for (int q = 0; q < k; q++) {
                double complex dot = 0;
                if (side == TSVD_LEFT_ISOMETRY)
                    for (int i = 0; i < m; i++) dot += conj(iso[i + (size_t)m * p]) * iso[i + (size_t)m * q];
                else
                    for (int j = 0; j < n; j++) dot += iso[p + (size_t)k * j] * conj(iso[q + (size_t)k * j]);
                iso_err = fmax(iso_err, cabs(dot - (p == q)));
            }
        /* L R, or A V_k^H V_k for the right vectors */
        memset(lr, 0, len * sizeof *lr);
        for (int j = 0; j < n; j++)
            for (int p = 0; p < k; p++) {
                double complex rv = res.right[p + (size_t)k * j];
                for (int i = 0; i < m; i++) {
                    double complex lv = 0;
                    if (side != TSVD_RIGHT_VECTORS)
                        lv = res.left[i + (size_t)m * p];
                    else
                        for (int c = 0; c < n; c++) lv += a[i + (size_t)m * c] * conj(res.right[p + (size_t)k * c]);
                    lr[i + (size_t)m * j] += lv * rv;
                }
            }
        double err = max_diff(a, lr, len), val_err = 0;
        if (side == TSVD_RIGHT_VECTORS && res.values && k == rank)
            for (int i = 0; i < k; i++) val_err = fmax(val_err, fabs(res.values[i] / res.values[0] - want_s[i] / want_s[0]));
        ok(k == rank && res.used_gram == want_gram && err <= 1e-14 && iso_err <= 1e-14 && val_err <= 1e-14 &&
               res.discarded <= (res.used_gram ? 1e-15 : 1e-28),
           "exact %s, %dx%d, limit %d, %s: rank %d (want %d), %s path (want %s), max |A - L R| %.1e, isometry %.1e, "
           "values %.1e, discarded %.1e", name, m, n, max_rank, sides[side], k, rank, res.used_gram ? "Gram" : "SVD",
           want_gram ? "Gram" : "SVD", err, iso_err, val_err, res.discarded);
    }
    tsvd_work_free(&w);
    free(copy);
    free(lr);
}

/* Exact states' matrices: GHZ cuts, a product state, stabilizer states. */
static void check_exact_states(void)
{
    double h = 1 / sqrt(2);
    double complex ghz3[2 * 4] = {0};   /* GHZ-3 cut 0 | 12: 2 x 4, (|000> + |111>) / sqrt 2 */
    ghz3[0 + 2 * 0] = h;
    ghz3[1 + 2 * 3] = h;
    double two[2] = {h, h};
    check_exact("GHZ-3, cut 0|12", 2, 4, ghz3, 2, two, 2);
    double complex ghz4[4 * 4] = {0};   /* GHZ-4 cut 01 | 23: rank 2 of 4 */
    ghz4[0 + 4 * 0] = h;
    ghz4[3 + 4 * 3] = h;
    check_exact("GHZ-4, cut 01|23", 4, 4, ghz4, 2, two, 2);
    check_exact("GHZ-4, cut 01|23", 4, 4, ghz4, 2, two, 0);
    double complex bell[2 * 2] = {h, 0, 0, h};
    check_exact("Bell pair", 2, 2, bell, 2, two, 0);
    double complex one[1] = {1};
    double unit[1] = {1};
    check_exact("1 x 1", 1, 1, one, 1, unit, 1);
    /* a product state: rank 1 (the outer product's rounding is far below TSVD_RANK_RTOL) */
    double complex u[4] = {0.6, 0.8 * I, 0, 0}, v[4] = {0.5, 0.5, 0.5 * I, -0.5}, prod[16];
    for (int j = 0; j < 4; j++)
        for (int i = 0; i < 4; i++) prod[i + 4 * j] = u[i] * v[j];
    check_exact("product state", 4, 4, prod, 1, unit, 1);
    check_exact("product state", 4, 4, prod, 1, unit, 3);
    /* stabilizer states: the 2-qubit DFT / 2 (a unitary: four equal values), and a rank-2 one */
    double complex dft[16], st2[16] = {0};
    for (int j = 0; j < 4; j++)
        for (int i = 0; i < 4; i++) dft[i + 4 * j] = 0.5 * cpow(I, (i * j) % 4);
    for (int i = 0; i < 4; i++) dft[i] = 0.5;   /* column 0 exactly 1/2 (cpow(I, 0) is exact too; be sure) */
    double four[4] = {1, 1, 1, 1};
    check_exact("stabilizer, 4 equal values", 4, 4, dft, 4, four, 4);
    double q = 1 / (2 * sqrt(2));
    st2[0 + 4 * 0] = st2[0 + 4 * 3] = st2[3 + 4 * 0] = st2[3 + 4 * 3] = q;
    st2[1 + 4 * 1] = st2[1 + 4 * 2] = q;
    st2[2 + 4 * 1] = st2[2 + 4 * 2] = q * I;
    check_exact("stabilizer, rank 2 of 4", 4, 4, st2, 2, two, 2);
    check_exact("stabilizer, rank 2 of 4", 4, 4, st2, 2, two, 3);
}

/* The SVD path with one workspace over changing shapes (its workspace query
 * is cached per routine and shape) and through the zgesvd fallback:
 * every split exact (no truncation, full rank). */
static void check_svd_shapes(void)
{
    static const int shapes[][2] = {{3, 5}, {5, 3}, {3, 5}, {8, 8}, {3, 5}, {12, 7}, {3, 5}};
    double s[12];
    for (int i = 0; i < 12; i++) s[i] = 1.0 / (1 + i);
    tsvd_work w;
    memset(&w, 0, sizeof w);
    tsvd_trunc none = {0, 0};
    rng_stream rs;
    rng_init(&rs, 31, 3);
    for (int c = 0; c < 7; c++) {
        int m = shapes[c][0], n = shapes[c][1], r = m < n ? m : n;
        double complex *a = malloc((size_t)m * n * sizeof *a);
        build(&rs, m, n, s, a);
        long before = w.fallbacks;
        if (c == 4) w.forced_failures = 1;   /* zgesvd for this one, zgesdd again after */
        outcome o = run_split(&w, m, n, a, s, &none, TSVD_LEFT_ISOMETRY, 1);
        long want_fallbacks = before + (c == 4);
        ok(o.recon < TOL && o.isometry < 1e-13 && o.rank == r && w.fallbacks == want_fallbacks,
           "SVD path, shape %d: %dx%d, rank %d, weight (%.1e), isometry (%.1e), %s", c, m, n, o.rank, o.recon,
           o.isometry, c == 4 ? "zgesvd fallback" : "zgesdd");
        free(a);
    }
    tsvd_work_free(&w);
}

/* Small splits: random, exactly low-rank and degenerate spectra at the
 * sizes of small bonds, on the Gram path where tsvd.h's rule takes it
 * (want_gram: 1 Gram, 0 the SVD). */
static void check_small_sizes(void)
{
    static const int chis[] = {1, 2, 4, 8, 16, 32};
    double s[64];
    for (int c = 0; c < 6; c++) {
        int chi = chis[c], m = 2 * chi;
        tsvd_trunc to_chi = {chi, 0}, none = {0, 0};
        char name[64];
        for (int i = 0; i < m; i++) s[i] = 1.0 / (1 + i);
        snprintf(name, sizeof name, "random, truncated to %d", chi);
        check_small(name, m, m, s, &to_chi, TSVD_LEFT_ISOMETRY, chi, 1, 100 + c);
        check_small(name, m, m, s, &to_chi, TSVD_RIGHT_ISOMETRY, chi, 1, 110 + c);
        check_small("random, no truncation", m, m, s, &none, TSVD_RIGHT_ISOMETRY, m, 0, 120 + c);
        check_vectors(name, m, m, s, &to_chi, chi, 130 + c);
        if (m < 4) continue;
        int r = m / 4;   /* exactly rank r < chi: one Gram matrix cannot resolve the zeros, the SVD */
        for (int i = 0; i < m; i++) s[i] = i < r ? 1.0 / (1 + i) : 0;
        snprintf(name, sizeof name, "rank %d exactly, max rank %d", r, chi);
        check_small(name, m, m, s, &to_chi, TSVD_LEFT_ISOMETRY, r, 0, 140 + c);
        check_small(name, m, m, s, &to_chi, TSVD_RIGHT_ISOMETRY, r, 0, 150 + c);
        for (int i = 0; i < m; i++) s[i] = i < m / 4 ? 1.0 : i < m / 2 ? 0.5 : 0.125;   /* cut at m/2: a gap */
        snprintf(name, sizeof name, "degenerate clusters, cut at %d", chi);
        check_small(name, m, m, s, &to_chi, TSVD_LEFT_ISOMETRY, chi, 1, 160 + c);
        check_vectors(name, m, m, s, &to_chi, chi, 170 + c);
    }
    /* unbalanced (chain ends): Gram on the short side, the SVD on the long side */
    for (int i = 0; i < 64; i++) s[i] = 1.0 / (1 + i);
    tsvd_trunc to1 = {1, 0}, to15 = {15, 0};
    check_small("chain end, truncated to 1", 2, 32, s, &to1, TSVD_LEFT_ISOMETRY, 1, 1, 180);
    check_small("chain end, truncated to 1", 2, 32, s, &to1, TSVD_RIGHT_ISOMETRY, 1, 0, 181);
    check_small("chain end, truncated to 1", 32, 2, s, &to1, TSVD_RIGHT_ISOMETRY, 1, 1, 182);
    check_small("chain end, truncated to 1", 32, 2, s, &to1, TSVD_LEFT_ISOMETRY, 1, 0, 183);
    check_small("nearly square, truncated to 15", 30, 32, s, &to15, TSVD_RIGHT_ISOMETRY, 15, 1, 184);
    /* the kept values fall below TSVD_GRAM_GUARD: one Gram matrix cannot resolve them, the SVD */
    for (int i = 0; i < 64; i++) s[i] = pow(10.0, -i);
    tsvd_trunc to8 = {8, 0};
    check_small("1, 0.1, 0.01, ..., truncated to 8", 32, 32, s, &to8, TSVD_LEFT_ISOMETRY, 8, 0, 185);
}

/* A fast-decaying spectrum s_i = 2^-i at 128 rows without truncation (the
 * Gram path's later passes): the rank lies between the fewest directions
 * that leave at most TSVD_RESIDUAL_TOL^2 of the weight and the count of
 * values at least TSVD_RANK_RTOL of the largest (the SVD's rank): the
 * rounding of the projections is not kept as directions. */
static void check_decay(void)
{
    enum { M = 128 };
    double s[M], total = 0, tail = 0;
    for (int i = 0; i < M; i++) {
        s[i] = ldexp(1.0, -i);
        total += s[i] * s[i];
    }
    int numerical = 0, fewest = M;
    for (int i = 0; i < M; i++) numerical += s[i] >= TSVD_RANK_RTOL * s[0];
    for (int k = M - 1; k >= 0 && tail + s[k] * s[k] <= TSVD_RESIDUAL_TOL * TSVD_RESIDUAL_TOL * total; k--) {
        tail += s[k] * s[k];
        fewest = k;
    }
    rng_stream rs;
    rng_init(&rs, 41, 3);
    double complex *a = malloc((size_t)M * M * sizeof *a);
    build(&rs, M, M, s, a);
    tsvd_work w;
    memset(&w, 0, sizeof w);
    tsvd_trunc none = {0, 0};
    for (int side = TSVD_LEFT_ISOMETRY; side <= TSVD_RIGHT_ISOMETRY; side++) {
        outcome o = run_split(&w, M, M, a, s, &none, side, 0);
        ok(o.used_gram && o.rank >= fewest && o.rank <= numerical && o.recon < TOL && o.isometry < 1e-13,
           "decaying 2^-i, 128x128, side %d, %s: rank %d in [%d, %d], weight (%.1e), isometry (%.1e)", side,
           o.used_gram ? "Gram path" : "SVD", o.rank, fewest, numerical, o.recon, o.isometry);
    }
    tsvd_work_free(&w);
    free(a);
}

/* A split is a function of its matrix alone: the same bits whatever the
 * workspace split before (each rank and thread has its own, with its own
 * history). A 256 x 256 matrix of rank 128 under a limit of 256 (the Gram
 * path with a measured remainder: a Vidal update whose bond has room) and a
 * random one truncated to 100, split fresh and after a 512 x 512 split, on
 * both sides. LAPACK handed the larger split's workspace once rounded
 * differently (found as 1e-16 differences between 1 and 2 ranks). */
/* TSVD_RIGHT_VECTORS on a wide matrix (m < n) with a bond limit above m,
 * the shape of a window at a chain's end (2 chi_l rows, 2 chi_r columns):
 * the Gram matrix of the long side (n x n, rank m) resolves its small
 * directions only roughly, and later passes add directions until what is
 * left is below TSVD_RESIDUAL_TOL, more than m of them (145 of a 128 x 256
 * matrix). V_k^dagger (k x n) then does not fit where a^dagger (n x m) was
 * and must go elsewhere (AddressSanitizer sees it if not); its rows are
 * orthonormal and A V_k^H V_k is A. The square case (a^dagger in place,
 * at most m directions) likewise. */
static void check_vectors_wide(void)
{
    for (int square = 0; square < 2; square++) {
        int m = 128, n = square ? 128 : 256;
        rng_stream rs;
        rng_init(&rs, 41 + square, 3);
        double s[256];
        for (int i = 0; i < m; i++) s[i] = pow(10.0, -8.0 * i / (m - 1));
        size_t len = (size_t)m * n;
        double complex *a = malloc(len * sizeof *a), *copy = malloc(len * sizeof *copy);
        build(&rs, m, n, s, a);
        memcpy(copy, a, len * sizeof *copy);
        tsvd_work w;
        memset(&w, 0, sizeof w);
        tsvd_trunc above = {n, 0};
        tsvd_split_result res;
        int status = tsvd_split(&w, m, n, copy, &above, TSVD_RIGHT_VECTORS, &res);
        double iso = INFINITY, err = INFINITY, norm = 0;
        if (status == TN_OK) {
            int k = res.rank;
            const double complex *vt = res.right;
            iso = 0;
            for (int i = 0; i < k; i++)
                for (int q = 0; q < k; q++) {
                    double complex dot = 0;
                    for (int j = 0; j < n; j++) dot += vt[i + (size_t)k * j] * conj(vt[q + (size_t)k * j]);
                    iso = fmax(iso, cabs(dot - (i == q)));
                }
            err = 0;   /* |A - A V^H V| / |A| */
            double complex *av = malloc((size_t)k * sizeof *av);
            for (int r = 0; r < m; r++) {
                for (int i = 0; i < k; i++) {
                    av[i] = 0;
                    for (int j = 0; j < n; j++) av[i] += a[r + (size_t)m * j] * conj(vt[i + (size_t)k * j]);
                }
                for (int j = 0; j < n; j++) {
                    double complex x = 0;
                    for (int i = 0; i < k; i++) x += av[i] * vt[i + (size_t)k * j];
                    double complex d = a[r + (size_t)m * j] - x;
                    err += creal(d * conj(d));
                    norm += creal(a[r + (size_t)m * j] * conj(a[r + (size_t)m * j]));
                }
            }
            free(av);
            err = sqrt(err / norm);
        }
        int want_more = !square;   /* the case under test: more directions than rows */
        ok(status == TN_OK && (res.rank > m) == want_more && iso < 1e-10 && err < 1e-11,
           "right vectors, %s %dx%d, 1 .. 1e-8, bond limit %d: rank %d (%s %d rows), orthonormal (%.1e), "
           "|A - A V^H V| / |A| = %.1e", square ? "square" : "wide", m, n, n, status == TN_OK ? res.rank : -1,
           want_more ? "more than its" : "at most its", m, iso, err);
        tsvd_work_free(&w);
        free(a);
        free(copy);
    }
}

static void check_history(void)
{
    enum { M = 256, BIG = 512 };
    double s[M];
    rng_stream rs;
    rng_init(&rs, 77, 0);
    double complex *a = malloc(sizeof(double complex) * M * M), *big = malloc(sizeof(double complex) * BIG * BIG);
    double complex *copy = malloc(sizeof(double complex) * BIG * BIG);   /* either matrix */
    double *sb = malloc(sizeof(double) * BIG);
    for (int i = 0; i < BIG; i++) sb[i] = 1.0 / (1 + i);
    build(&rs, BIG, BIG, sb, big);
    const struct { const char *name; int rank; tsvd_trunc t; } cases[] = {
        {"rank 128 of 256 under a limit of 256", 128, {256, 0}},
        {"full rank, truncated to 100", M, {100, 0}},
    };
    for (int c = 0; c < 2; c++) {
        for (int i = 0; i < M; i++) s[i] = i < cases[c].rank ? exp(-4.0 * i / M) : 0;
        build(&rs, M, M, s, a);
        for (int side = 0; side < 2; side++) {
            int sd = side ? TSVD_RIGHT_VECTORS : TSVD_LEFT_ISOMETRY;
            tsvd_work fresh, warm;
            memset(&fresh, 0, sizeof fresh);
            memset(&warm, 0, sizeof warm);
            tsvd_split_result r1, r2, rb;
            memcpy(copy, big, sizeof(double complex) * BIG * BIG);
            int good = tsvd_split(&warm, BIG, BIG, big, &cases[c].t, sd, &rb) == TN_OK;
            memcpy(big, copy, sizeof(double complex) * BIG * BIG);   /* (the split may destroy its input) */
            memcpy(copy, a, sizeof(double complex) * M * M);
            good = good && tsvd_split(&fresh, M, M, copy, &cases[c].t, sd, &r1) == TN_OK;
            size_t rlen = 0;
            double complex *right1 = NULL;
            if (good) {
                rlen = (size_t)r1.rank * M;
                right1 = malloc(sizeof(double complex) * rlen);
                memcpy(right1, r1.right, sizeof(double complex) * rlen);
            }
            memcpy(copy, a, sizeof(double complex) * M * M);
            good = good && tsvd_split(&warm, M, M, copy, &cases[c].t, sd, &r2) == TN_OK;
            ok(good && r1.rank == r2.rank && r1.discarded == r2.discarded && r1.used_gram && r2.used_gram &&
                memcmp(right1, r2.right, sizeof(double complex) * rlen) == 0,
                "%s, %s: the same bits split fresh and after a %d x %d split (rank %d, discarded %a and %a)",
                cases[c].name, side ? "right vectors" : "left isometry", BIG, BIG, good ? r1.rank : -1,
                good ? r1.discarded : 0.0, good ? r2.discarded : 0.0);
            free(right1);
            tsvd_work_free(&fresh);
            tsvd_work_free(&warm);
        }
    }
    free(a); free(big); free(copy); free(sb);
}

int main(void)
{
    enum { M = 128, N = 160 };
    double s[N];
    tsvd_trunc none = {0, 0}, to40 = {40, 0};

    for (int i = 0; i < M; i++) s[i] = 1.0 / (1 + i);
    check("full rank, no truncation", M, N, s, &none, TSVD_LEFT_ISOMETRY, M, 1);
    check("full rank, no truncation, right isometry", M, N, s, &none, TSVD_RIGHT_ISOMETRY, M, 2);
    check("truncated to 40 with a gap", M, N, s, &to40, TSVD_LEFT_ISOMETRY, 40, 3);
    check("truncated to 40, right isometry", M, N, s, &to40, TSVD_RIGHT_ISOMETRY, 40, 4);

    for (int i = 0; i < M; i++) s[i] = pow(10.0, -15.0 * i / (M - 1));   /* 1 .. 1e-15 */
    check("ill-conditioned (1 .. 1e-15), no truncation", M, N, s, &none, TSVD_LEFT_ISOMETRY, -1, 5);
    check("ill-conditioned, truncated to 40", M, N, s, &to40, TSVD_LEFT_ISOMETRY, 40, 6);
    for (int i = 0; i < M; i++) s[i] = pow(10.0, -9.0 * i / (M - 1));   /* 1 .. 1e-9 */
    tsvd_trunc to100 = {100, 0};
    /* one Gram matrix resolves about 70 of these (eigenvalues above 1e-11 of the largest): the
     * cut at 100 needs the second pass on what the first 70 directions miss */
    check("ill-conditioned (1 .. 1e-9), truncated to 100 beyond one Gram matrix", M, N, s, &to100, TSVD_LEFT_ISOMETRY,
          100, 11);
    check("the same, right isometry", M, N, s, &to100, TSVD_RIGHT_ISOMETRY, 100, 12);

    for (int i = 0; i < M; i++) s[i] = i < 30 ? 1.0 : i < 60 ? 0.5 : 0.25;   /* clusters; cut at 40 inside one */
    check("degenerate clusters, cut inside a cluster", M, N, s, &to40, TSVD_LEFT_ISOMETRY, 40, 7);
    for (int i = 0; i < M; i++) s[i] = 1.0;
    check("all singular values equal", M, N, s, &none, TSVD_LEFT_ISOMETRY, M, 8);

    for (int i = 0; i < M; i++) s[i] = i < 50 ? 1.0 / (1 + i) : 0;   /* exactly rank 50 */
    check("rank-deficient (rank 50 of 128)", M, N, s, &none, TSVD_LEFT_ISOMETRY, 50, 9);

    for (int i = 0; i < M; i++) s[i] = exp(-0.1 * i);
    tsvd_trunc cut = {0, 1e-6};
    /* the smallest k with tail <= 1e-6 of the total: sum_{i>=k} e^{-0.2 i} / sum e^{-0.2 i} = e^{-0.2 k} */
    int want = (int)ceil(-log(1e-6) / 0.2);
    check("cutoff 1e-6", M, N, s, &cut, TSVD_LEFT_ISOMETRY, want, 10);

    /* TSVD_RIGHT_VECTORS (the Vidal-form update): V_k^dagger and the singular values only */
    for (int i = 0; i < M; i++) s[i] = 1.0 / (1 + i);
    check_vectors("full rank, no truncation", M, N, s, &none, M, 21);
    check_vectors("truncated to 40 with a gap", M, N, s, &to40, 40, 22);
    check_vectors("tall, truncated to 40 with a gap", N, M, s, &to40, 40, 23);
    for (int i = 0; i < M; i++) s[i] = pow(10.0, -9.0 * i / (M - 1));   /* 1 .. 1e-9: a second Gram pass */
    check_vectors("ill-conditioned (1 .. 1e-9), truncated to 100 beyond one Gram matrix", M, N, s, &to100, 100, 24);

    check_vectors_wide();
    check_small_sizes();
    check_exact_states();
    check_decay();
    check_svd_shapes();
    check_history();
    return done_testing();
}
