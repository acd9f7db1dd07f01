/* tsvd.c - truncated SVD with LAPACK: zgesdd, falling back to zgesvd (see tsvd.h). */
#include "tsvd.h"

#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "error.h"

void tsvd_work_free(tsvd_work *w)
{
    tn_buf_free(&w->a);
    tn_buf_free(&w->u);
    tn_buf_free(&w->s);
    tn_buf_free(&w->vt);
    tn_buf_free(&w->work);
    tn_buf_free(&w->rwork);
    tn_buf_free(&w->iwork);
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

/* zgesdd on a (destroyed) with workspace query; returns LAPACK's info. */
static int run_gesdd(tsvd_work *w, int m, int n, double complex *a, int *info)
{
    int r = m < n ? m : n, mx = m > n ? m : n;
    size_t lrwork = (size_t)r * (size_t)(5 * r + 7 > 2 * mx + 2 * r + 1 ? 5 * r + 7 : 2 * mx + 2 * r + 1);
    CALL(tn_buf_reserve(&w->rwork, lrwork * sizeof(double)));
    CALL(tn_buf_reserve(&w->iwork, (size_t)8 * r * sizeof(lapack_int)));
    double complex query;
    *info = LAPACKE_zgesdd_work(LAPACK_COL_MAJOR, 'S', m, n, a, m, w->s.data, w->u.data, m,
                                w->vt.data, r, &query, -1, w->rwork.data, w->iwork.data);
    if (*info != 0) return TN_OK;
    int lwork = (int)creal(query) + 1;
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
    double complex query;
    *info = LAPACKE_zgesvd_work(LAPACK_COL_MAJOR, 'S', 'S', m, n, a, m, w->s.data, w->u.data, m,
                                w->vt.data, r, &query, -1, w->rwork.data);
    if (*info != 0) return TN_OK;
    int lwork = (int)creal(query) + 1;
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
