/* qr.c - thin QR and LQ with workspace queries (see qr.h).
 * Both run with one BLAS thread: the centre shifts of an MPS factor tall,
 * thin site tensors (e.g. 512 x 256) where a second OpenBLAS thread costs more
 * in synchronisation than it saves (measured: the 990 shifts of the chi-256
 * brickwork take 7 s on one thread and 7-15 s on two). */
#include "qr.h"

#include <lapacke.h>
#include <string.h>

#include "error.h"

int openblas_get_num_threads(void);
void openblas_set_num_threads(int num_threads);

/* One BLAS thread until blas_threads_restore(previous). */
static int blas_threads_one(void)
{
    int previous = openblas_get_num_threads();
    if (previous > 1) openblas_set_num_threads(1);
    return previous;
}

static void blas_threads_restore(int previous)
{
    if (previous > 1) openblas_set_num_threads(previous);
}

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

int tn_qr(tn_buf *work, int rows, int cols, double complex *a, double complex *r)
{
    int threads = blas_threads_one();
    int status = qr_factor(work, rows, cols, a, r);
    blas_threads_restore(threads);
    return status;
}

int tn_lq(tn_buf *work, int rows, int cols, double complex *a, double complex *l)
{
    int threads = blas_threads_one();
    int status = lq_factor(work, rows, cols, a, l);
    blas_threads_restore(threads);
    return status;
}
