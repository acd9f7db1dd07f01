/* blas.h - how many threads BLAS and LAPACK may use inside tnemu, and which
 * of OpenBLAS's kernels.
 *
 * Multithreaded BLAS splits some reductions (matrix-vector products, the
 * Hermitian updates inside LAPACK's tridiagonal reduction) by thread, so the
 * bits of a result would depend on how many threads ran it. tnemu therefore
 * calls BLAS on one thread and finds its parallelism above it (the gates of a
 * layer on OpenMP threads, segments on MPI ranks), where every gate's
 * arithmetic is the same whoever runs it. TNEMU_BLAS_THREADS=N (1..1024)
 * lets BLAS use N threads instead: faster for single large decompositions,
 * but then results depend on N in their last digits.
 *
 * OpenBLAS picks its kernels by the CPU's model; a model it does not know
 * (many virtual machines report a generic "Intel Xeon Processor") gets its
 * generic Prescott kernels, whose matrix products run at a fifth of the
 * speed of the AVX-512 ones on the same CPU (ZGEMM 15 against 79 GFLOP/s
 * on the development machine). tn_blas_better_core says which kernels the
 * CPU's own features allow; the program restarts itself with them
 * (src/main.c), which OpenBLAS only reads when it is loaded.
 * Not for: choosing the layer threads (src/run.c does that). */
#ifndef TN_BLAS_H
#define TN_BLAS_H

/* Sets BLAS to one thread (or TNEMU_BLAS_THREADS); idempotent, not thread-safe:
 * call it from the main thread before any parallel region. Returns the count,
 * or 0 when TNEMU_BLAS_THREADS is set but not a whole number in [1, 1024]
 * (BLAS is then on one thread). */
int tn_blas_threads_init(void);

/* The OpenBLAS kernels (an OPENBLAS_CORETYPE name) this CPU supports that
 * are faster than those OpenBLAS chose, or NULL: OpenBLAS's choice is as
 * good, or OPENBLAS_CORETYPE is set, or TNEMU_BLAS_CORE=keep (which keeps
 * OpenBLAS's choice, e.g. to compare bits with a library caller that did
 * not set OPENBLAS_CORETYPE). */
const char *tn_blas_better_core(void);

/* In a program's main, before anything else: where tn_blas_better_core names
 * faster kernels, starts the program again (argv) with OPENBLAS_CORETYPE set
 * to them (OpenBLAS reads it only when it is loaded; once set, it is not
 * changed again). Returns only when nothing is to change or the program
 * could not be started again (then OpenBLAS's choice stands). */
void tn_blas_use_fastest(char **argv);

#endif
