/* zgemv.c - a correct ZGEMV that replaces OpenBLAS's for the whole process.
 *
 * Why: Debian 12 ships OpenBLAS 0.3.21, whose zgemv_n Haswell/Zen kernel reads
 * past the end of its matrix (OpenBLAS issues #4013 and #5000). LAPACK's
 * zgebrd/zlabrd call ZGEMV on the trailing matrix, so zgesdd and zgesvd
 * crash with SIGSEGV on many sizes (a random 300 x 300 zgesdd does, on the
 * AMD EPYC machines we run on). Defining zgemv_ here interposes it: OpenBLAS's
 * LAPACK calls this one through the dynamic linker. Transposed products go
 * to OpenBLAS's own zgemv_t kernels through cblas_zgemv (its kernel table, not
 * zgemv_: no recursion; the reports are of the _n kernels only; LAPACK's
 * Householder updates and tridiagonal reduction make most of their calls
 * here, where a ZGEMM with one column packed the whole matrix each time:
 * 9% of a bond-64 split); untransposed unit-stride products to OpenBLAS's
 * ZGEMM (an n = 1 matrix product: its kernels are correct); other strides
 * to the plain loops below.
 * Not for: anything else of BLAS; remove once the OpenBLAS we build on is fixed. */
#include <cblas.h>
#include <complex.h>
#include <stddef.h>

#include "zgemv.h"

/* y[0..m) += t * col[0..m), unit strides, with split real arithmetic. */
static void axpy_column(int m, double complex t, const double complex *col, double complex *y)
{
    const double *c = (const double *)col;
    double *yy = (double *)y;
    double tr = creal(t), ti = cimag(t);
    for (int i = 0; i < m; i++) {
        double cr = c[2 * i], ci = c[2 * i + 1];
        yy[2 * i] += tr * cr - ti * ci;
        yy[2 * i + 1] += tr * ci + ti * cr;
    }
}

/* sum_i op(col[i]) x[i] with op the identity or the conjugate. */
static double complex dot_column(int m, const double complex *col, const double complex *x, int conj)
{
    const double *c = (const double *)col, *xx = (const double *)x;
    double sr = 0, si = 0, sign = conj ? -1 : 1;
    for (int i = 0; i < m; i++) {
        double cr = c[2 * i], ci = sign * c[2 * i + 1], xr = xx[2 * i], xi = xx[2 * i + 1];
        sr += cr * xr - ci * xi;
        si += cr * xi + ci * xr;
    }
    return sr + I * si;
}

/* Element k of a strided vector of length len (BLAS negative-stride rule). */
static ptrdiff_t strided(int k, int len, int inc)
{
    return inc > 0 ? (ptrdiff_t)k * inc : (ptrdiff_t)(len - 1 - k) * (-inc);
}

void tn_zgemv(char trans, int m, int n, double complex alpha, const double complex *a, int lda,
              const double complex *x, int incx, double complex beta, double complex *y, int incy)
{
    int notrans = trans == 'N' || trans == 'n', conjugate = trans == 'C' || trans == 'c';
    int leny = notrans ? m : n, lenx = notrans ? n : m;
    if (m <= 0 || n <= 0) {
        if (leny > 0 && !(beta == 1))
            for (int k = 0; k < leny; k++) y[strided(k, leny, incy)] *= beta;
        return;
    }
    if (!notrans) {   /* OpenBLAS's transposed kernels (see the top of the file) */
        cblas_zgemv(CblasColMajor, conjugate ? CblasConjTrans : CblasTrans, m, n, &alpha, a, lda, x, incx, &beta, y,
                    incy);
        return;
    }
    if (incx == 1 && incy == 1) {   /* y = alpha A x + beta y as a product with one column */
        cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, m, 1, n, &alpha, a, lda, x, n, &beta, y, m);
        return;
    }
    for (int k = 0; k < leny; k++) {
        double complex *yk = &y[strided(k, leny, incy)];
        *yk = beta == 0 ? 0 : beta * *yk;
    }
    if (alpha == 0) return;
    if (notrans && incy == 1) {
        for (int j = 0; j < n; j++) {
            double complex t = alpha * x[strided(j, lenx, incx)];
            if (t != 0) axpy_column(m, t, a + (size_t)lda * j, y);
        }
    } else if (notrans) {
        for (int j = 0; j < n; j++) {
            double complex t = alpha * x[strided(j, lenx, incx)];
            for (int i = 0; i < m; i++) y[strided(i, leny, incy)] += t * a[i + (size_t)lda * j];
        }
    } else if (incx == 1) {
        for (int j = 0; j < n; j++) y[strided(j, leny, incy)] += alpha * dot_column(m, a + (size_t)lda * j, x, conjugate);
    } else {
        for (int j = 0; j < n; j++) {
            double complex s = 0;
            for (int i = 0; i < m; i++) {
                double complex aij = a[i + (size_t)lda * j];
                s += (conjugate ? conj(aij) : aij) * x[strided(i, lenx, incx)];
            }
            y[strided(j, leny, incy)] += alpha * s;
        }
    }
}

/* The Fortran BLAS entry point that LAPACK calls. */
void zgemv_(const char *trans, const int *m, const int *n, const double complex *alpha, const double complex *a,
            const int *lda, const double complex *x, const int *incx, const double complex *beta,
            double complex *y, const int *incy)
{
    tn_zgemv(*trans, *m, *n, *alpha, a, *lda, x, *incx, *beta, y, *incy);
}
