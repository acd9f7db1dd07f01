/* tsvd.c - truncated SVD with LAPACK: zgesdd, falling back to zgesvd (see tsvd.h). */
#include "tsvd.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "error.h"

void tsvd_work_free(tsvd_work *w)
{
    tn_buf_free(&w->gram);
    tn_buf_free(&w->left);
    tn_buf_free(&w->right);
    tn_buf_free(&w->resid);
    tn_buf_free(&w->a);
    tn_buf_free(&w->u);
    tn_buf_free(&w->s);
    tn_buf_free(&w->vt);
    tn_buf_free(&w->work);
    tn_buf_free(&w->rwork);
    tn_buf_free(&w->iwork);
    tn_buf_free(&w->tau);
    tn_buf_free(&w->offdiag);
    tn_buf_free(&w->tri);
    tn_buf_free(&w->vals);
    w->eig_rows = 0;
    w->svd_method = 0;
}

/* Reserves U, S, VT for an m x n problem. */
static int reserve_factors(tsvd_work *w, int m, int n)
{
    size_t r = (size_t)(m < n ? m : n);
    CALL(tn_buf_reserve(&w->u, (size_t)m * r * sizeof(double complex)));
    CALL(tn_buf_reserve(&w->s, r * sizeof(double)));
    CALL(tn_buf_reserve(&w->vt, r * (size_t)n * sizeof(double complex)));
    return TN_OK;
}

/* Whether the last workspace query was for this routine and shape (a split
 * sees the same shapes over and over; the query costs as much as a small SVD's
 * arithmetic). */
static int svd_query_cached(const tsvd_work *w, int method, int m, int n)
{
    return w->svd_method == method && w->svd_m == m && w->svd_n == n;
}

static void svd_query_remember(tsvd_work *w, int method, int m, int n, int lwork)
{
    w->svd_method = method;
    w->svd_m = m;
    w->svd_n = n;
    w->svd_lwork = lwork;
}

/* zgesdd on a (destroyed) with workspace query; returns LAPACK's info. */
static int run_gesdd(tsvd_work *w, int m, int n, double complex *a, int *info)
{
    int r = m < n ? m : n, mx = m > n ? m : n;
    size_t lrwork = (size_t)r * (size_t)(5 * r + 7 > 2 * mx + 2 * r + 1 ? 5 * r + 7 : 2 * mx + 2 * r + 1);
    CALL(tn_buf_reserve(&w->rwork, lrwork * sizeof(double)));
    CALL(tn_buf_reserve(&w->iwork, (size_t)8 * r * sizeof(lapack_int)));
    if (!svd_query_cached(w, 1, m, n)) {
        double complex query;
        *info = LAPACKE_zgesdd_work(LAPACK_COL_MAJOR, 'S', m, n, a, m, w->s.data, w->u.data, m,
                                    w->vt.data, r, &query, -1, w->rwork.data, w->iwork.data);
        if (*info != 0) return TN_OK;
        svd_query_remember(w, 1, m, n, (int)creal(query) + 1);
    }
    int lwork = w->svd_lwork;
    CALL(tn_buf_reserve(&w->work, (size_t)lwork * sizeof(double complex)));
    *info = LAPACKE_zgesdd_work(LAPACK_COL_MAJOR, 'S', m, n, a, m, w->s.data, w->u.data, m,
                                w->vt.data, r, w->work.data, lwork, w->rwork.data, w->iwork.data);
    return TN_OK;
}

/* zgesvd on a (destroyed) with workspace query; returns LAPACK's info. */
static int run_gesvd(tsvd_work *w, int m, int n, double complex *a, int *info)
{
    int r = m < n ? m : n;
    CALL(tn_buf_reserve(&w->rwork, (size_t)5 * r * sizeof(double)));
    if (!svd_query_cached(w, 2, m, n)) {
        double complex query;
        *info = LAPACKE_zgesvd_work(LAPACK_COL_MAJOR, 'S', 'S', m, n, a, m, w->s.data, w->u.data, m,
                                    w->vt.data, r, &query, -1, w->rwork.data);
        if (*info != 0) return TN_OK;
        svd_query_remember(w, 2, m, n, (int)creal(query) + 1);
    }
    int lwork = w->svd_lwork;
    CALL(tn_buf_reserve(&w->work, (size_t)lwork * sizeof(double complex)));
    *info = LAPACKE_zgesvd_work(LAPACK_COL_MAJOR, 'S', 'S', m, n, a, m, w->s.data, w->u.data, m,
                                w->vt.data, r, w->work.data, lwork, w->rwork.data);
    return TN_OK;
}

/* Runs zgesdd, and zgesvd on a saved copy if zgesdd does not converge. */
static int full_svd(tsvd_work *w, int m, int n, double complex *a)
{
    size_t bytes = (size_t)m * n * sizeof(double complex);
    CALL(tn_buf_reserve(&w->a, bytes));
    memcpy(w->a.data, a, bytes);
    int info = 0;
    if (w->forced_failures > 0) {
        w->forced_failures--;
        info = 1;
    } else {
        CALL(run_gesdd(w, m, n, a, &info));
    }
    if (info < 0)
        return tn_fail(TN_ERR_INTERNAL, "internal error: zgesdd argument %d is invalid", -info);
    if (info == 0) return TN_OK;
    w->fallbacks++;
    CALL(run_gesvd(w, m, n, w->a.data, &info));
    if (info < 0)
        return tn_fail(TN_ERR_INTERNAL, "internal error: zgesvd argument %d is invalid", -info);
    if (info > 0)
        return tn_fail(TN_ERR_NUMERIC,
                       "numerical failure: the SVD of a %d x %d matrix did not converge "
                       "(zgesdd and zgesvd)", m, n);
    return TN_OK;
}

/* The number of singular values to keep and the weight of those dropped. */
static int choose_rank(const double *s, int r, const tsvd_trunc *t, double total, double *dropped)
{
    int k = r;
    while (k > 1 && s[k - 1] < TSVD_RANK_RTOL * s[0]) k--;
    if (t->max_rank > 0 && k > t->max_rank) k = t->max_rank;
    double tail = 0;
    for (int i = k; i < r; i++) tail += s[i] * s[i];
    while (k > 1 && t->cutoff > 0 && (tail + s[k - 1] * s[k - 1]) <= t->cutoff * total) {
        k--;
        tail += s[k] * s[k];
    }
    *dropped = tail;
    return k;
}

int tsvd_choose_rank(const double *s, int r, const tsvd_trunc *trunc, double *dropped)
{
    double total = 0;
    for (int i = 0; i < r; i++) total += s[i] * s[i];
    return choose_rank(s, r, trunc, total, dropped);
}

int tsvd_truncated(tsvd_work *w, int m, int n, double complex *a, const tsvd_trunc *trunc,
                   tsvd_result *res)
{
    CALL(reserve_factors(w, m, n));
    CALL(full_svd(w, m, n, a));
    int r = m < n ? m : n;
    double *s = w->s.data;
    double total = 0;
    for (int i = 0; i < r; i++) total += s[i] * s[i];
    if (!(total > 0) || !isfinite(total))
        return tn_fail(TN_ERR_NUMERIC,
                       "numerical failure: a %d x %d matrix to decompose is %s", m, n,
                       isfinite(total) ? "zero" : "not finite");
    double dropped = 0;
    int k = choose_rank(s, r, trunc, total, &dropped);
    double scale = sqrt(total / (total - dropped));
    for (int i = 0; i < k; i++) s[i] *= scale;
    res->rank = k;
    res->u = w->u.data;
    res->s = s;
    res->vt = w->vt.data;
    res->ldvt = r;
    res->discarded = dropped / total;
    res->norm = sqrt(total);
    return TN_OK;
}

/* ---- splits -------------------------------------------------------------- */

static double frobenius2(const double complex *a, size_t len)
{
    double sum = 0;
    for (size_t i = 0; i < len; i++) sum += creal(a[i]) * creal(a[i]) + cimag(a[i]) * cimag(a[i]);
    return sum;
}

/* a (m x n) -> its conjugate transpose in out (n x m). */
static void conj_transpose(int m, int n, const double complex *a, double complex *out)
{
    for (int j = 0; j < n; j++)
        for (int i = 0; i < m; i++) out[j + (size_t)n * i] = conj(a[i + (size_t)m * j]);
}

/* The same for a square n x n matrix, in place (the same values). */
static void conj_transpose_square(int n, double complex *a)
{
    for (int j = 0; j < n; j++) {
        a[j + (size_t)n * j] = conj(a[j + (size_t)n * j]);
        for (int i = j + 1; i < n; i++) {
            double complex t = a[i + (size_t)n * j];
            a[i + (size_t)n * j] = conj(a[j + (size_t)n * i]);
            a[j + (size_t)n * i] = conj(t);
        }
    }
}

/* The SVD path: L = U (isometry) and R = S V^dagger, or L = U S and R = V^dagger. */
static int split_by_svd(tsvd_work *w, int m, int n, double complex *a, const tsvd_trunc *trunc, int side,
                        tsvd_split_result *res)
{
    tsvd_result sv;
    CALL(tsvd_truncated(w, m, n, a, trunc, &sv));
    int k = sv.rank;
    CALL(tn_buf_reserve(&w->left, (size_t)m * k * sizeof(double complex)));
    CALL(tn_buf_reserve(&w->right, (size_t)k * n * sizeof(double complex)));
    double complex *l = w->left.data, *r = w->right.data;
    for (int c = 0; c < k && side != TSVD_RIGHT_VECTORS; c++) {   /* the vectors only: no U S */
        double scale = side == TSVD_LEFT_ISOMETRY ? 1 : sv.s[c];
        for (int i = 0; i < m; i++) l[i + (size_t)m * c] = sv.u[i + (size_t)m * c] * scale;
    }
    for (int c = 0; c < n; c++)
        for (int i = 0; i < k; i++)
            r[i + (size_t)k * c] = sv.vt[i + (size_t)sv.ldvt * c] * (side == TSVD_LEFT_ISOMETRY ? sv.s[i] : 1);
    res->rank = k;
    res->left = side == TSVD_RIGHT_VECTORS ? NULL : l;
    res->right = r;
    res->discarded = sv.discarded;
    res->used_gram = 0;
    res->values = sv.s;
    return TN_OK;
}

/* Workspace sizes of the three LAPACK steps for m rows (queried once per size). */
static int reserve_eigen_work(tsvd_work *w, int m, double complex *g, double *d, double *e, double complex *tau)
{
    double complex qz;
    double qd;
    lapack_int qi;
    lapack_int lwork = 0, lrwork = 0, liwork = 0;
    if (LAPACKE_zhetrd_work(LAPACK_COL_MAJOR, 'U', m, g, m, d, e, tau, &qz, -1) != 0) return TN_ERR_NUMERIC;
    lwork = (lapack_int)creal(qz) + 1;
    if (LAPACKE_zunmtr_work(LAPACK_COL_MAJOR, 'L', 'U', 'N', m, m, g, m, tau, g, m, &qz, -1) != 0) return TN_ERR_NUMERIC;
    if ((lapack_int)creal(qz) + 1 > lwork) lwork = (lapack_int)creal(qz) + 1;
    if (LAPACKE_dstedc_work(LAPACK_COL_MAJOR, 'I', m, d, e, NULL, m, &qd, -1, &qi, -1) != 0) return TN_ERR_NUMERIC;
    lrwork = (lapack_int)qd + 1;
    liwork = qi + 1;
    CALL(tn_buf_reserve(&w->work, (size_t)lwork * sizeof(double complex)));
    CALL(tn_buf_reserve(&w->rwork, (size_t)lrwork * sizeof(double)));
    CALL(tn_buf_reserve(&w->iwork, (size_t)liwork * sizeof(lapack_int)));
    w->eig_rows = m;
    w->eig_lwork = lwork;
    w->eig_lrwork = lrwork;
    w->eig_liwork = liwork;
    return TN_OK;
}

/* How many directions to keep (chi and cutoff) over the spectrum vals[0..have)
 * (resolved) followed by the m eigenvalues lambda (ascending) of this pass. */
static int choose_kept(const double *vals, int have, const double *lambda, int m, const tsvd_trunc *trunc, double total)
{
    int k = m;   /* at most m directions in all */
    if (trunc->max_rank > 0 && k > trunc->max_rank) k = trunc->max_rank;
#define SPECTRUM(i) ((i) < have ? vals[i] : fmax(lambda[m - 1 - ((i) - have)], 0))
    double tail = 0;
    for (int i = k; i < have + m; i++) tail += SPECTRUM(i);
    while (k > 1 && trunc->cutoff > 0 && tail + SPECTRUM(k - 1) <= trunc->cutoff * total) {
        k--;
        tail += SPECTRUM(k);
    }
#undef SPECTRUM
    return k;
}

/* Whether one Gram matrix resolves every direction truncation keeps: the
 * eigenvalues of the tridiagonal matrix (d, e: zhetrd's; dsterf on copies
 * in w->rwork, a few per cent of dstedc's work) above TSVD_GRAM_GUARD of the
 * largest number at least the kept rank. */
static int one_pass_resolves(tsvd_work *w, int m, const double *d, const double *e, const tsvd_trunc *trunc,
                             double total)
{
    double *lambda = w->rwork.data, *off = lambda + m;
    memcpy(lambda, d, (size_t)m * sizeof *lambda);
    if (m > 1) memcpy(off, e, (size_t)(m - 1) * sizeof *off);
    if (LAPACKE_dsterf_work(m, lambda, off) != 0) return 0;
    int clear = 0;
    while (clear < m && lambda[m - 1 - clear] > TSVD_GRAM_GUARD * lambda[m - 1]) clear++;
    return clear >= choose_kept(NULL, 0, lambda, m, trunc, total);
}

/* Eigenvalues of G = a a^dagger (m x m) into w->s, ascending. On one rank:
 * G -> Q T Q^dagger (zhetrd, the reflectors kept in w->gram), then the real
 * tridiagonal T = Z diag Z^T by divide and conquer (dstedc, Z in w->tri);
 * the eigenvectors needed are formed later by top_vectors (only those kept,
 * by zunmtr): the same arithmetic as zheevd without back-transforming the
 * vectors that truncation drops. With a distributed eigensolver (w->eigh),
 * w->gram holds every eigenvector instead (*full = 1). With one_pass (the
 * truncation; total = |a|^2), stops after zhetrd with *unresolved = 1 when
 * one_pass_resolves says no (the caller then takes the SVD). */
static int gram_eigen(tsvd_work *w, int m, int n, const double complex *a, const tsvd_trunc *one_pass,
                      double total, int *info, int *full, int *unresolved)
{
    *unresolved = 0;
    CALL(tn_buf_reserve(&w->gram, (size_t)m * m * sizeof(double complex)));
    CALL(tn_buf_reserve(&w->s, (size_t)m * sizeof(double)));
    double complex *g = w->gram.data;
    double *d = w->s.data;
    cblas_zherk(CblasColMajor, CblasUpper, CblasNoTrans, m, n, 1.0, a, m, 0.0, g, m);
    *full = 0;
    if (w->eigh && m >= w->eigh_min) {
        *full = 1;
        *info = w->eigh(w->eigh_ctx, m, g, d) != TN_OK;
        return TN_OK;
    }
    CALL(tn_buf_reserve(&w->tau, (size_t)m * sizeof(double complex)));
    CALL(tn_buf_reserve(&w->offdiag, (size_t)m * sizeof(double)));
    CALL(tn_buf_reserve(&w->tri, (size_t)m * m * sizeof(double)));
    double *e = w->offdiag.data;
    double complex *tau = w->tau.data;
    /* the workspace of this very size: LAPACK given a larger one (left by a larger split) can take
     * another blocking and round differently, and a split must be a function of its matrix alone
     * (the same bits on any rank or thread, whatever each one split before) */
    if (m != w->eig_rows) CALL(reserve_eigen_work(w, m, g, d, e, tau));
    *info = LAPACKE_zhetrd_work(LAPACK_COL_MAJOR, 'U', m, g, m, d, e, tau, w->work.data, w->eig_lwork);
    if (*info) return TN_OK;
    if (one_pass && !one_pass_resolves(w, m, d, e, one_pass, total)) {
        *unresolved = 1;
        return TN_OK;
    }
    *info = LAPACKE_dstedc_work(LAPACK_COL_MAJOR, 'I', m, d, e, w->tri.data, m, w->rwork.data, w->eig_lrwork,
                                w->iwork.data, w->eig_liwork);
    return TN_OK;
}

/* How many of this pass's largest eigenvalues (lambda, m, ascending) become
 * directions when k are kept in all and have are resolved (vals): at most
 * those well above rounding (TSVD_GRAM_GUARD of the largest) and above the
 * numerical rank (like the SVD path, nothing below TSVD_RANK_RTOL of the
 * largest value); *rank_limited when the latter cut it. */
static int pass_take(const double *lambda, int m, const double *vals, int have, int k, int *rank_limited)
{
    double top = lambda[m - 1];
    int clear = 0;                      /* eigenvalues well above rounding */
    while (clear < m && lambda[m - 1 - clear] > TSVD_GRAM_GUARD * top) clear++;
    int take = k - have < clear ? k - have : clear;
    double rank_floor = TSVD_RANK_RTOL * TSVD_RANK_RTOL * (have > 0 ? vals[0] : top);
    int above = 0;
    while (above < take && lambda[m - 1 - above] > rank_floor) above++;
    *rank_limited = above < take;
    return above;
}

int tsvd_gram_first_pass(const double *lambda, int m, const tsvd_trunc *trunc, double total, int *take,
                         int *rank_limited)
{
    *take = 0;
    *rank_limited = 0;
    if (m < 1 || !(lambda[m - 1] > 0)) return 0;
    int k = choose_kept(NULL, 0, lambda, m, trunc, total);
    *take = pass_take(lambda, m, NULL, 0, k, rank_limited);
    return k;
}

/* The eigenvectors of the k largest eigenvalues, largest first, into l (m x k). */
static int top_vectors(tsvd_work *w, int m, int k, int full, double complex *l)
{
    if (full) {
        for (int c = 0; c < k; c++)
            memcpy(l + (size_t)m * c, (double complex *)w->gram.data + (size_t)m * (m - 1 - c), (size_t)m * sizeof *l);
        return TN_OK;
    }
    const double *z = w->tri.data;
    for (int c = 0; c < k; c++)
        for (int i = 0; i < m; i++) l[i + (size_t)m * c] = z[i + (size_t)m * (m - 1 - c)];
    int info = LAPACKE_zunmtr_work(LAPACK_COL_MAJOR, 'L', 'U', 'N', m, k, w->gram.data, m, w->tau.data, l, m,
                                   w->work.data, w->eig_lwork);
    return info ? TN_ERR_NUMERIC : TN_OK;
}

/* ||a - left right||_F^2 for left m x k and right k x n. */
static int residual2(tsvd_work *w, int m, int n, int k, const double complex *a, const double complex *left,
                     const double complex *right, double *out)
{
    size_t len = (size_t)m * n;
    CALL(tn_buf_reserve(&w->resid, len * sizeof(double complex)));
    double complex *r = w->resid.data, one = 1, minus = -1;
    memcpy(r, a, len * sizeof *r);
    cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, m, n, k, &minus, left, m, right, k, &one, r, m);
    *out = frobenius2(r, len);
    return TN_OK;
}

/* How many of the largest of the m eigenvalues lambda (ascending) of a
 * remainder's Gram matrix, at most take, must be resolved before the weight
 * left (its trace minus theirs) is at most floor. A later pass's remainder
 * carries the rounding of the projections (about eps |a| in every
 * direction, up to 2e-14 of the largest singular value at 128 rows): above
 * TSVD_RANK_RTOL, so without this stop those directions were resolved as if
 * they were the state's and kept up to the bond limit. */
static int needed_directions(const double *lambda, int m, int take, double floor)
{
    double rest = 0;
    for (int i = 0; i < m; i++) rest += fmax(lambda[i], 0);
    int need = 0;
    while (need < take && rest > floor) rest -= fmax(lambda[m - 1 - need++], 0);
    return need;
}

/* x (m x c) -= l (l^H x), l m x k: the part of x outside the span of l. */
static int project_out(tsvd_work *w, int m, int c, int k, const double complex *l, double complex *x)
{
    CALL(tn_buf_reserve(&w->vt, (size_t)k * c * sizeof(double complex)));
    double complex *t = w->vt.data, one = 1, zero = 0, minus = -1;
    cblas_zgemm(CblasColMajor, CblasConjTrans, CblasNoTrans, k, c, m, &one, l, m, x, m, &zero, t, k);
    cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, m, c, k, &minus, l, m, t, k, &one, x, m);
    return TN_OK;
}

/* The Gram path for a left isometry: L = U_k (m x k), R = U_k^dagger a.
 * Eigenvalues below TSVD_GRAM_GUARD of the largest are not resolved by one
 * Gram matrix. When truncation would keep such directions, the part of a
 * outside the resolved span (projected out twice) is decomposed by its own
 * Gram matrix, in which those directions are large again; up to
 * TSVD_GRAM_PASSES passes (one below TSVD_GRAM_MIN_DIM rows or columns,
 * where the SVD is cheaper than more). The remainder is dropped only when it is below
 * TSVD_RESIDUAL_TOL of |a| (measured, not inferred). Sets *ok to 0 when the
 * passes cannot resolve what must be kept (then the SVD path runs).
 * Without form_right, R is not formed when one pass sufficed (res->right is
 * NULL; w->vals holds the kept eigenvalues). */
static int split_by_gram(tsvd_work *w, int m, int n, const double complex *a, const tsvd_trunc *trunc,
                         int form_right, tsvd_split_result *res, int *ok)
{
    *ok = 0;
    double total = frobenius2(a, (size_t)m * n);
    if (!(total > 0)) return TN_OK;
    int limit = trunc->max_rank > 0 && trunc->max_rank < m ? trunc->max_rank : m;
    CALL(tn_buf_reserve(&w->left, (size_t)m * limit * sizeof(double complex)));
    CALL(tn_buf_reserve(&w->vals, (size_t)limit * sizeof(double)));
    CALL(tn_buf_reserve(&w->tau, (size_t)m * sizeof(double complex)));   /* also for the QR of later passes */
    /* R (limit x n) only when it is formed: a later pass, or form_right */
    size_t right_bytes = (size_t)limit * n * sizeof(double complex);
    double complex *l = w->left.data, *r = NULL, one = 1, zero = 0;
    double *vals = w->vals.data;
    const double complex *cur = a;   /* what this pass decomposes */
    int have = 0, k = 0, done = 0, r_rows = 0;   /* r holds L^H a for its first r_rows directions */
    double dropped = -1;              /* measured remainder, when the unresolved rest is dropped */
    int small = m < TSVD_GRAM_MIN_DIM || n < TSVD_GRAM_MIN_DIM;   /* one pass or the SVD (tsvd.h) */
    for (int pass = 0; pass < (small ? 1 : TSVD_GRAM_PASSES) && !done; pass++) {
        int info, full, unresolved;
        CALL(gram_eigen(w, m, n, cur, small ? trunc : NULL, total, &info, &full, &unresolved));
        if (info) return TN_OK;
        if (unresolved) break;
        const double *lambda = w->s.data;   /* ascending */
        double top = lambda[m - 1];
        if (!(top > 0)) return TN_OK;
        k = choose_kept(vals, have, lambda, m, trunc, total);
        if (k <= have) { done = 1; break; }
        int rank_limited, take = pass_take(lambda, m, vals, have, k, &rank_limited);
        if (have > 0) {   /* a later pass: stop once what is left is below TSVD_RESIDUAL_TOL (tsvd.h) */
            int need = needed_directions(lambda, m, take, TSVD_RESIDUAL_TOL * TSVD_RESIDUAL_TOL * total);
            rank_limited |= need < take;
            take = need;
        }
        if (take == 0) { k = have; done = have > 0; break; }
        if (top_vectors(w, m, take, full, l + (size_t)m * have) != TN_OK) return TN_OK;
        for (int again = 0; again < 2 && have > 0; again++)   /* twice is enough (CGS2) */
            CALL(project_out(w, m, take, have, l, l + (size_t)m * have));
        if (have > 0) {   /* orthonormal again after the projection (same span, same order) */
            double complex *x = l + (size_t)m * have, *tau = w->tau.data;
            if (LAPACKE_zgeqrf(LAPACK_COL_MAJOR, m, take, x, m, tau) != 0 ||
                LAPACKE_zungqr(LAPACK_COL_MAJOR, m, take, take, x, m, tau) != 0)
                return TN_OK;
        }
        for (int c = have; c < have + take; c++) vals[c] = lambda[m - 1 - (c - have)];
        have += take;
        if (have == k) { done = 1; break; }
        /* truncation would keep directions still unresolved (or below the numerical rank):
         * measure what the resolved ones miss */
        CALL(tn_buf_reserve(&w->right, right_bytes));
        r = w->right.data;
        cblas_zgemm(CblasColMajor, CblasConjTrans, CblasNoTrans, have, n, m, &one, l, m, a, m, &zero, r, have);
        r_rows = have;
        CALL(residual2(w, m, n, have, a, l, r, &dropped));
        if (rank_limited || dropped <= TSVD_RESIDUAL_TOL * TSVD_RESIDUAL_TOL * total) { k = have; done = 1; break; }
        dropped = -1;
        CALL(project_out(w, m, n, have, l, w->resid.data));   /* a second time: rounding of the first */
        cur = w->resid.data;
    }
    if (!done) {
        w->gram_rejected++;
        return TN_OK;
    }
    if (!form_right && (dropped >= 0 || cur == a)) {   /* the kept weight from the eigenvalues */
        if (dropped < 0) {
            double kept = 0;
            for (int i = 0; i < k; i++) kept += vals[i];
            dropped = fmax(total - kept, 0);
        }
        r = NULL;
    } else {
        CALL(tn_buf_reserve(&w->right, right_bytes));   /* no-op if a later pass has it (r_rows rows kept) */
        r = w->right.data;
        if (r_rows != k) cblas_zgemm(CblasColMajor, CblasConjTrans, CblasNoTrans, k, n, m, &one, l, m, a, m, &zero, r, k);
        if (dropped < 0 && cur != a)   /* ended by a later pass: what is dropped is small, measure it */
            CALL(residual2(w, m, n, k, a, l, r, &dropped));
        if (dropped < 0) dropped = fmax(total - frobenius2(r, (size_t)k * n), 0);
        double scale = sqrt(total / (total - dropped));
        for (size_t i = 0; i < (size_t)k * n; i++) r[i] *= scale;
    }
    res->rank = k;
    res->left = l;
    res->right = r;
    res->discarded = dropped / total;
    res->used_gram = 1;
    w->gram_used++;
    *ok = 1;
    return TN_OK;
}

/* Whether the Gram path is the cheaper one for an m x n split on this side
 * (tsvd.h: TSVD_GRAM_MIN_DIM, TSVD_GRAM_MAX_ASPECT). */
static int gram_pays(int m, int n, const tsvd_trunc *trunc, int side)
{
    int gram_rows = side == TSVD_LEFT_ISOMETRY ? m : n, other = side == TSVD_LEFT_ISOMETRY ? n : m;
    int r = m < n ? m : n;
    if (r >= TSVD_GRAM_MIN_DIM) return 1;
    return trunc->max_rank > 0 && trunc->max_rank < r && gram_rows <= TSVD_GRAM_MAX_ASPECT * other;
}

int tsvd_split(tsvd_work *w, int m, int n, double complex *a, const tsvd_trunc *trunc, int side,
               tsvd_split_result *res)
{
    res->values = NULL;
    if (w->gram_disabled || !gram_pays(m, n, trunc, side) || w->forced_failures > 0)
        return split_by_svd(w, m, n, a, trunc, side, res);
    int ok = 0;
    if (side == TSVD_LEFT_ISOMETRY) {
        CALL(split_by_gram(w, m, n, a, trunc, 1, res, &ok));
        if (ok) return TN_OK;
        return split_by_svd(w, m, n, a, trunc, side, res);
    }
    /* a right isometry: split a^dagger with a left isometry and transpose back.
     * A square a (a saturated window: the largest matrix of a run) becomes
     * a^dagger in place; others are transposed into w->a. */
    double complex *at = a;
    if (m == n) {
        conj_transpose_square(n, a);
    } else {
        CALL(tn_buf_reserve(&w->a, (size_t)m * n * sizeof(double complex)));
        at = w->a.data;
        conj_transpose(m, n, a, at);
    }
    CALL(split_by_gram(w, n, m, at, trunc, side == TSVD_RIGHT_ISOMETRY, res, &ok));
    if (!ok) {
        if (at == a) conj_transpose_square(n, a);   /* a again, for the SVD */
        return split_by_svd(w, m, n, a, trunc, side, res);
    }
    int k = res->rank;
    if (side == TSVD_RIGHT_VECTORS) {   /* V_k^dagger (k x n) and the singular values */
        double *vals = w->vals.data;
        double complex *vt = at;   /* into a^dagger's place, which is no longer needed, when it fits: */
        if (k > m) {               /* the Gram matrix of the long side can keep rounding directions */
            CALL(tn_buf_reserve(&w->resid, (size_t)k * n * sizeof(double complex)));
            vt = w->resid.data;
        }
        conj_transpose(n, k, res->left, vt);
        for (int i = 0; i < k; i++) vals[i] = sqrt(fmax(vals[i], 0));
        res->left = NULL;
        res->right = vt;
        res->values = vals;
        return TN_OK;
    }   /* a^dagger = L' R' (L' n x k isometry) => a = R'^dagger L'^dagger */
    CALL(tn_buf_reserve(&w->resid, ((size_t)m * k + (size_t)k * n) * sizeof(double complex)));
    double complex *left = w->resid.data, *right = left + (size_t)m * k;
    conj_transpose(k, m, res->right, left);   /* R' is k x m -> left m x k */
    conj_transpose(n, k, res->left, right);   /* L' is n x k -> right k x n */
    res->left = left;
    res->right = right;
    return TN_OK;
}
