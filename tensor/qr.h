/* qr.h - thin QR and LQ factorisations (LAPACK), for moving an MPS centre.
 * Not for: truncation (tsvd.h). */
#ifndef TN_QR_H
#define TN_QR_H

#include <complex.h>

#include "work.h"

/* a (rows x cols, column-major) = Q R with k = min(rows, cols): Q (rows x k)
 * replaces a (leading dimension rows), R (k x cols, leading dimension k) is
 * written to r. work holds the LAPACK workspace and tau. */
int tn_qr(tn_buf *work, int rows, int cols, double complex *a, double complex *r);

/* a (rows x cols) = L Q with k = min(rows, cols): Q (k x cols) replaces a,
 * compacted to leading dimension k; L (rows x k) is written to l. A wide,
 * well-conditioned a is factored by Cholesky QR twice (see qr.c). */
int tn_lq(tn_buf *work, int rows, int cols, double complex *a, double complex *l);

#endif
