/* tsvd.h - truncated singular value decomposition of a complex matrix.
 *
 * M (m x n, column-major) = U S V^dagger, keeping the k largest singular values
 * allowed by the truncation settings; what is dropped is reported as a
 * discarded weight (sum of dropped s^2 over the sum of all s^2). The kept
 * singular values are rescaled so that the kept part has the norm of M.
 * Method: LAPACK zgesdd (divide and conquer); if it fails to converge, zgesvd
 * (QR iteration). Workspace is kept in the tsvd_work between calls.
 * Not for: distributed matrices (mpi/ has the ScaLAPACK path). */
#ifndef TN_TSVD_H
#define TN_TSVD_H

#include <complex.h>

#include "work.h"

/* Singular values below this fraction of the largest are numerically zero
 * (the matrix's numerical rank) and are always dropped; their weight is
 * counted in the discarded weight like any other. */
#define TSVD_RANK_RTOL 1e-14

typedef struct {
    int max_rank;      /* 0: no limit */
    double cutoff;     /* largest discarded weight allowed (relative) */
} tsvd_trunc;

typedef struct {
    tn_buf a, u, s, vt, work, rwork, iwork, gram, left, right, resid, tau, offdiag, tri, vals;
    int eig_rows, eig_lwork, eig_lrwork, eig_liwork;   /* workspace sizes for exactly eig_rows rows */
    int svd_m, svd_n, svd_lwork, svd_method;   /* the last SVD workspace query (0 none, 1 zgesdd, 2 zgesvd) */
    int gram_disabled;     /* 1: always the SVD (for tests and comparisons) */
    /* a replacement Hermitian eigensolver (same contract as zheevd: vectors
     * in place, eigenvalues ascending) for Gram matrices of at least
     * eigh_min rows: the distributed one of mpi/scalapack.h */
    int (*eigh)(void *ctx, int m, double complex *g, double *w);
    void *eigh_ctx;
    int eigh_min;
    long gram_used, gram_rejected;
    int forced_failures;   /* tests: make the next N zgesdd calls "fail" */
    long fallbacks;        /* how often zgesvd was needed */
} tsvd_work;

typedef struct {
    int rank;                  /* k kept */
    double complex *u;         /* m x k, leading dimension m */
    double *s;                 /* k values, descending, rescaled */
    double complex *vt;        /* k x n, leading dimension ldvt */
    int ldvt;
    double discarded;          /* relative discarded weight */
    double norm;               /* Frobenius norm of M */
} tsvd_result;

/* Decomposes a (m x n, column-major, leading dimension m; destroyed).
 * The result points into w and stays valid until the next call. Returns
 * TN_OK, TN_ERR_MEMORY or TN_ERR_NUMERIC (both LAPACK routines failed, or M
 * is zero or not finite). */
int tsvd_truncated(tsvd_work *w, int m, int n, double complex *a, const tsvd_trunc *trunc,
                   tsvd_result *res);

/* The SVD path's truncation over r singular values s (descending) computed
 * elsewhere (a team's grid): the rank kept, and in *dropped the sum of the
 * squares of those dropped. */
int tsvd_choose_rank(const double *s, int r, const tsvd_trunc *trunc, double *dropped);

/* Which factor of a split must be an isometry (the other carries the norm).
 * TSVD_RIGHT_VECTORS: only the right isometry V_k^dagger and the kept
 * singular values (the Vidal-form update forms its left factor from another
 * matrix, so the product U S is not computed). */
enum tsvd_side { TSVD_LEFT_ISOMETRY, TSVD_RIGHT_ISOMETRY, TSVD_RIGHT_VECTORS };

/* From this dimension on (the smaller of m and n) the split always takes the
 * Gram path, with up to TSVD_GRAM_PASSES passes. Below it, one Gram pass or
 * the SVD: the Gram path when the bond limit truncates (max_rank below
 * min(m, n)), the Gram matrix is on the smaller side or at most
 * TSVD_GRAM_MAX_ASPECT times the other (a near-square theta, 2 chi_l x
 * 2 chi_r), and one Gram matrix resolves every kept direction (the
 * tridiagonal matrix's eigenvalues, by dsterf, checked before its vectors
 * are computed). There one pass costs about 0.6x zgesdd at every size from
 * 4 x 4 to 64 x 64 (random 2chi x 2chi kept to chi). Elsewhere the SVD is
 * cheaper: without truncation every value down to TSVD_RANK_RTOL must be
 * resolved (a fast-decaying spectrum, as in a QFT, needs 2 or 3 passes); a
 * Gram matrix on the long side of a chain end (2 x 2chi) has rank 2 and
 * costs up to 10x the SVD. Exact spectra (equal or zero values: GHZ,
 * stabilizer and product states) come out exact to rounding on both. */
#define TSVD_GRAM_MIN_DIM 96
#define TSVD_GRAM_MAX_ASPECT 1.5
/* Gram eigenvalues below this fraction of the largest cannot be told from
 * rounding (eps relative to the largest); keeping any of them needs the
 * residual check below, or the SVD. */
#define TSVD_GRAM_GUARD 1e-11
/* What that costs in accuracy: an eigenvector of a Gram eigenvalue near the
 * guard is tilted towards its neighbours by about eps lambda_max / gap, so
 * the kept span (and L R) is exact only to about eps / sqrt(TSVD_GRAM_GUARD)
 * = 7e-11 of |M| (measured 4.5e-11 on a spectrum from 1 to 1e-9), while the
 * kept weight, quadratic in the tilt, is exact to rounding. The SVD path is
 * exact to rounding in both. */
#define TSVD_GRAM_SPAN_TOL 1e-10
/* A Gram split that drops unresolved directions is accepted when the
 * residual ||M - L R||_F is at most this fraction of ||M||_F. */
#define TSVD_RESIDUAL_TOL 1e-12
/* Gram matrices per split: the first of M, the next of the part of M the
 * directions resolved so far miss (where the small singular values are
 * large again); beyond that the SVD path. A later pass resolves directions
 * only until what is left is at most TSVD_RESIDUAL_TOL of |M|: the rest of
 * its remainder is the projections' rounding (about eps |M|, above
 * TSVD_RANK_RTOL at 128 rows), not directions of M. */
#define TSVD_GRAM_PASSES 3

typedef struct {
    int rank;                  /* k kept */
    double complex *left;      /* m x k, leading dimension m */
    double complex *right;     /* k x n, leading dimension k */
    double discarded;          /* relative discarded weight */
    int used_gram;             /* 1 if the Gram path was taken */
    const double *values;      /* TSVD_RIGHT_VECTORS: the k kept singular values of a, descending, up to
                                * a common factor (the SVD path rescales them like the split) */
} tsvd_split_result;

/* Splits a (m x n, column-major, destroyed) as L R with k columns, truncated
 * by the settings, one factor an isometry as side asks; the other is
 * rescaled so that L R has the norm of a (TSVD_RIGHT_VECTORS: left is NULL,
 * right is V_k^dagger, values the singular values). Uses the eigendecomposition of the
 * Gram matrix (ZHERK, then zhetrd + dstedc + zunmtr: zheevd's steps, with only
 * the kept eigenvectors back-transformed; several times faster than an SVD).
 * Directions a first Gram matrix cannot resolve (eigenvalues below
 * TSVD_GRAM_GUARD of the largest) that truncation would keep are found by a
 * Gram matrix of the part of a the resolved directions miss (projected out
 * twice), up to TSVD_GRAM_PASSES; what is dropped unresolved is measured
 * (|a - L R|) and must stay below TSVD_RESIDUAL_TOL; otherwise the SVD path. The factors
 * point into w until the next call (TSVD_RIGHT_VECTORS: right may point into a). */
int tsvd_split(tsvd_work *w, int m, int n, double complex *a, const tsvd_trunc *trunc, int side,
               tsvd_split_result *res);

/* The first Gram pass's decision, for a Gram matrix formed elsewhere (a
 * team's grid, mpi/scal_window.c): over its m eigenvalues lambda
 * (ascending) and the weight total (its trace, |a|^2), the directions
 * truncation keeps (returned) and how many of them this pass resolves
 * (*take; below the kept ones: later passes, or the measured remainder
 * when *rank_limited). Returns 0 when the largest eigenvalue is not
 * positive. */
int tsvd_gram_first_pass(const double *lambda, int m, const tsvd_trunc *trunc, double total, int *take,
                         int *rank_limited);

/* Frees the workspace. */
void tsvd_work_free(tsvd_work *w);

#endif
