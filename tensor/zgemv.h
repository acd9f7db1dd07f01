/* zgemv.h - y = alpha op(A) x + beta y (op: 'N', 'T' or 'C'), column-major.
 * The process-wide replacement of OpenBLAS 0.3.21's broken ZGEMV (zgemv.c). */
#ifndef TN_ZGEMV_H
#define TN_ZGEMV_H

#include <complex.h>

void tn_zgemv(char trans, int m, int n, double complex alpha, const double complex *a, int lda,
              const double complex *x, int incx, double complex beta, double complex *y, int incy);

/* Fortran entry point (interposes the BLAS library's). */
void zgemv_(const char *trans, const int *m, const int *n, const double complex *alpha, const double complex *a,
            const int *lda, const double complex *x, const int *incx, const double complex *beta,
            double complex *y, const int *incy);

#endif
