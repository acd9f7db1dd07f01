/* randmat.h - random test matrices with known singular values, for the unit
 * tests of the engine's decompositions (test_tsvd.c, test_qr.c). Built here
 * by Gram-Schmidt, with none of the engine's linear algebra.
 * Not for: the engine itself. */
#ifndef TN_RANDMAT_H
#define TN_RANDMAT_H

#include <complex.h>

#include "rng.h"

/* rows x cols (column-major), entries uniform in the unit square around 0. */
void randmat_fill(rng_stream *r, int rows, int cols, double complex *a);

/* A Haar-like random d x d unitary (column-major; Gram-Schmidt twice). */
void randmat_unitary(rng_stream *r, int d, double complex *u);

/* A = U[:, :r] diag(s) V[:, :r]^H (m x n, column-major, r = min(m, n)) with
 * random unitaries U, V; with ak non-NULL, also the best rank-k
 * approximation U[:, :k] diag(s[:k]) V[:, :k]^H. */
void randmat_with_spectrum(rng_stream *r, int m, int n, const double *s, int k, double complex *a,
                           double complex *ak);

#endif
