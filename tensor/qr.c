/* qr.c - thin QR and LQ with workspace queries (see qr.h).
 * BLAS runs on one thread in tnemu (tensor/blas.h); for these factors that
 * costs nothing: the centre shifts of an MPS factor tall, thin site tensors
 * (e.g. 512 x 256) where a second OpenBLAS thread costs more in
 * synchronisation than it saves (measured: the 990 shifts of the chi-256
 * brickwork take 7 s on one thread and 7-15 s on two).
 * A wide, well-conditioned a (the nearly isometric sites of a Vidal-form MPS
 * being made exactly canonical) is factored by Cholesky QR twice instead:
 * ZHERK, zpotrf and ZTRSM, all BLAS3, about 3 times faster than Householder
 * at 256 x 512, and orthogonal to rounding when cond(a) is far below
 * 1/sqrt(eps) (Yamamoto et al., ETNA 44 (2015) 306). An ill-conditioned a
 * (judged by the Cholesky factor's diagonal) takes the Householder path. */
#include "qr.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "error.h"

/* Reserves tau (k entries) plus the larger of the two routines' workspaces. */
static int reserve_work(tn_buf *work, int k, int lw_factor, int lw_generate, double complex **tau,
                        double complex **lwork, int *lw)
{
    *lw = lw_factor > lw_generate ? lw_factor : lw_generate;
    CALL(tn_buf_reserve(work, ((size_t)k + (size_t)*lw) * sizeof(double complex)));
    *tau = work->data;
    *lwork = *tau + k;
    return TN_OK;
}

static int qr_factor(tn_buf *work, int rows, int cols, double complex *a, double complex *r)
{
    int k = rows < cols ? rows : cols;
    double complex q1, q2, dummy = 0, *tau, *lwork;
    int info = LAPACKE_zgeqrf_work(LAPACK_COL_MAJOR, rows, cols, a, rows, &dummy, &q1, -1);
    info |= LAPACKE_zungqr_work(LAPACK_COL_MAJOR, rows, k, k, a, rows, &dummy, &q2, -1);
    int lw;
    CALL(reserve_work(work, k, (int)creal(q1) + 1, (int)creal(q2) + 1, &tau, &lwork, &lw));
    info |= LAPACKE_zgeqrf_work(LAPACK_COL_MAJOR, rows, cols, a, rows, tau, lwork, lw);
    for (int j = 0; j < cols; j++)   /* R: the upper k x cols triangle */
        for (int i = 0; i < k; i++) r[i + (size_t)k * j] = i <= j ? a[i + (size_t)rows * j] : 0;
    info |= LAPACKE_zungqr_work(LAPACK_COL_MAJOR, rows, k, k, a, rows, tau, lwork, lw);
    if (info) return tn_fail(TN_ERR_NUMERIC, "numerical failure: QR of a %d x %d matrix (info %d)", rows, cols, info);
    return TN_OK;
}

static int lq_factor(tn_buf *work, int rows, int cols, double complex *a, double complex *l)
{
    int k = rows < cols ? rows : cols;
    double complex q1, q2, dummy = 0, *tau, *lwork;
    int info = LAPACKE_zgelqf_work(LAPACK_COL_MAJOR, rows, cols, a, rows, &dummy, &q1, -1);
    info |= LAPACKE_zunglq_work(LAPACK_COL_MAJOR, k, cols, k, a, rows, &dummy, &q2, -1);
    int lw;
    CALL(reserve_work(work, k, (int)creal(q1) + 1, (int)creal(q2) + 1, &tau, &lwork, &lw));
    info |= LAPACKE_zgelqf_work(LAPACK_COL_MAJOR, rows, cols, a, rows, tau, lwork, lw);
    for (int j = 0; j < k; j++)   /* L: the lower rows x k triangle */
        for (int i = 0; i < rows; i++) l[i + (size_t)rows * j] = i >= j ? a[i + (size_t)rows * j] : 0;
    info |= LAPACKE_zunglq_work(LAPACK_COL_MAJOR, k, cols, k, a, rows, tau, lwork, lw);
    if (info) return tn_fail(TN_ERR_NUMERIC, "numerical failure: LQ of a %d x %d matrix (info %d)", rows, cols, info);
    if (k != rows)   /* compact Q from leading dimension rows to k */
        for (int j = 0; j < cols; j++) memmove(a + (size_t)k * j, a + (size_t)rows * j, (size_t)k * sizeof *a);
    return TN_OK;
}

/* Largest over smallest diagonal entry of the Cholesky factor accepted: its
 * square estimates cond(a a^H) from below, so this is a quick filter only. */
#define CHOLESKY_LQ_MAX_RATIO 1e4
/* The second pass's factor must be the identity to within this (largest
 * entry of c2 - I): then the first pass was orthogonal to about that, and the
 * second to rounding. An ill-conditioned a that passed the filter fails here
 * and is factored again by Householder from a saved copy. */
#define CHOLESKY_LQ_SECOND_TOL 1e-2

/* One Cholesky pass: a a^H = c c^H (c lower, rows x rows, in g), a <- c^-1 a.
 * *ok = 0 when a is too ill-conditioned (a is then unchanged). */
static void cholesky_lq_pass(int rows, int cols, double complex *a, double complex *g, int *ok)
{
    cblas_zherk(CblasColMajor, CblasLower, CblasNoTrans, rows, cols, 1.0, a, rows, 0.0, g, rows);
    *ok = LAPACKE_zpotrf_work(LAPACK_COL_MAJOR, 'L', rows, g, rows) == 0;
    double lo = INFINITY, hi = 0;
    for (int i = 0; i < rows && *ok; i++) {
        double d = creal(g[i + (size_t)rows * i]);
        lo = fmin(lo, d);
        hi = fmax(hi, d);
    }
    *ok = *ok && lo > 0 && hi <= CHOLESKY_LQ_MAX_RATIO * lo;
    if (!*ok) return;
    double complex one = 1;
    cblas_ztrsm(CblasColMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, rows, cols, &one, g, rows, a, rows);
}

/* Largest |c - I| over the lower triangle of c (rows x rows). */
static double distance_from_identity(int rows, const double complex *c)
{
    double worst = 0;
    for (int j = 0; j < rows; j++)
        for (int i = j; i < rows; i++) worst = fmax(worst, cabs(c[i + (size_t)rows * j] - (i == j)));
    return worst;
}

/* CholeskyQR2 for rows <= cols: l (rows x rows) = c1 c2, a <- Q. On *ok = 0,
 * a is as it was. */
static int cholesky_lq(tn_buf *work, int rows, int cols, double complex *a, double complex *l, int *ok)
{
    size_t sq = (size_t)rows * rows, len = (size_t)rows * cols;
    CALL(tn_buf_reserve(work, (2 * sq + len) * sizeof(double complex)));
    double complex *c1 = work->data, *c2 = c1 + sq, *saved = c2 + sq, one = 1;
    memcpy(saved, a, len * sizeof *a);
    cholesky_lq_pass(rows, cols, a, c1, ok);
    if (!*ok) return TN_OK;
    cholesky_lq_pass(rows, cols, a, c2, ok);   /* a second pass: orthogonal to rounding */
    if (!*ok || distance_from_identity(rows, c2) > CHOLESKY_LQ_SECOND_TOL) {
        memcpy(a, saved, len * sizeof *a);
        *ok = 0;
        return TN_OK;
    }
    for (int j = 0; j < rows; j++)
        for (int i = 0; i < rows; i++) l[i + (size_t)rows * j] = i >= j ? c1[i + (size_t)rows * j] : 0;
    for (int j = 0; j < rows; j++)
        for (int i = 0; i < j; i++) c2[i + (size_t)rows * j] = 0;
    cblas_ztrmm(CblasColMajor, CblasRight, CblasLower, CblasNoTrans, CblasNonUnit, rows, rows, &one, c2, rows, l, rows);
    return TN_OK;
}

int tn_qr(tn_buf *work, int rows, int cols, double complex *a, double complex *r)
{
    return qr_factor(work, rows, cols, a, r);
}

int tn_lq(tn_buf *work, int rows, int cols, double complex *a, double complex *l)
{
    if (rows <= cols && rows > 1) {
        int ok;
        CALL(cholesky_lq(work, rows, cols, a, l, &ok));
        if (ok) return TN_OK;
    }
    return lq_factor(work, rows, cols, a, l);
}
