/* blas.h - how many threads BLAS and LAPACK may use inside tnemu.
 *
 * Multithreaded BLAS splits some reductions (matrix-vector products, the
 * Hermitian updates inside LAPACK's tridiagonal reduction) by thread, so the
 * bits of a result would depend on how many threads ran it. tnemu therefore
 * calls BLAS on one thread and finds its parallelism above it (the gates of a
 * layer on OpenMP threads, segments on MPI ranks), where every gate's
 * arithmetic is the same whoever runs it. TNEMU_BLAS_THREADS=N (1..1024)
 * lets BLAS use N threads instead: faster for single large decompositions,
 * but then results depend on N in their last digits.
 * Not for: choosing the layer threads (src/run.c does that). */
#ifndef TN_BLAS_H
#define TN_BLAS_H

/* Sets BLAS to one thread (or TNEMU_BLAS_THREADS); idempotent, not thread-safe:
 * call it from the main thread before any parallel region. Returns the count,
 * or 0 when TNEMU_BLAS_THREADS is set but not a whole number in [1, 1024]
 * (BLAS is then on one thread). */
int tn_blas_threads_init(void);

#endif
