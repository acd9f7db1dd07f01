/* test_qr.c - the thin QR and LQ factorisations of tensor/qr.c on random
 * complex matrices (tall, wide, square, one row or column): A = Q R or L Q to
 * 1e-12 of |A|, Q with orthonormal columns (QR) or rows (LQ) to 1e-12, R
 * upper and L lower triangular (trapezoidal). tn_lq factors a wide,
 * well-conditioned matrix by CholeskyQR2 and anything else by Householder;
 * the cases that must take the Householder fallback: ill-conditioned wide
 * matrices built as U diag(s) V^H (s from 1 down to 1e-6 and 1e-12),
 * rank-deficient ones (a zero row, two equal rows), and ones whose Cholesky
 * diagonal looks harmless while the matrix is numerically singular
 * (Kahan-type factors). The
 * path taken is not visible through the interface; it is guessed from the
 * diagonal of L (CholeskyQR2 gives a positive one, Householder a real one of
 * either sign) and only reported.
 * Not for: the truncated split (test_tsvd.c). */
#include <complex.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "qr.h"
#include "randmat.h"
#include "rng.h"
#include "tap.h"
#include "work.h"

#define TOL 1e-12

/* A = K W, rows <= cols: K lower triangular with K_ii = z^i, K_ij = -c z^i
 * (j < i), c = sqrt(1 - z^2) (Kahan's matrix, transposed), W rows x cols with
 * orthonormal rows. A A^H = K K^H, so the Cholesky factor is K: its diagonal
 * spans only z^(rows-1), while cond(K) grows like ((1 + c) / z)^rows. */
static void build_kahan(rng_stream *rs, int rows, int cols, double z, double complex *a)
{
    double c = sqrt(1 - z * z);
    double complex *v = malloc((size_t)cols * cols * sizeof *v);
    randmat_unitary(rs, cols, v);
    for (int j = 0; j < cols; j++)
        for (int i = 0; i < rows; i++) {
            double complex sum = 0;   /* sum_p K_ip W_pj, W_pj = conj(V_jp) */
            for (int p = 0; p <= i; p++) sum += (p == i ? 1 : -c) * conj(v[j + (size_t)cols * p]);
            a[i + (size_t)rows * j] = pow(z, i) * sum;
        }
    free(v);
}

static double frobenius(const double complex *a, size_t len)
{
    double sum = 0;
    for (size_t i = 0; i < len; i++) sum += creal(a[i] * conj(a[i]));
    return sqrt(sum);
}

/* The diagonal of the triangular factor: all positive (CholeskyQR2), or not. */
static const char *path_guess(const double complex *t, int ld, int k)
{
    for (int i = 0; i < k; i++)
        if (!(creal(t[i + (size_t)ld * i]) > 0) || cimag(t[i + (size_t)ld * i]) != 0) return "Householder";
    return "CholeskyQR2";
}

/* Factors a copy of a by tn_qr (lq 0) or tn_lq (lq 1) and checks the three properties. */
static void check(tn_buf *work, const char *name, int rows, int cols, const double complex *a, int lq)
{
    int k = rows < cols ? rows : cols;
    size_t len = (size_t)rows * cols;
    double complex *q = malloc(len * sizeof *q);
    double complex *t = malloc((size_t)(lq ? rows * k : k * cols) * sizeof *t);   /* L or R */
    memcpy(q, a, len * sizeof *q);
    const char *fn = lq ? "tn_lq" : "tn_qr";
    int status = lq ? tn_lq(work, rows, cols, q, t) : tn_qr(work, rows, cols, q, t);
    if (!ok(status == TN_OK, "%s, %s %dx%d: succeeds", fn, name, rows, cols)) {
        diag("status %d: %s", status, tn_last_message());
        for (int i = 0; i < 3; i++) skip("the factorisation failed");
        free(q);
        free(t);
        return;
    }
    /* reconstruction: QR: Q (rows x k, ld rows) R (k x cols, ld k); LQ: L (rows x k, ld rows) Q (k x cols, ld k) */
    double err = 0;
    for (int j = 0; j < cols; j++)
        for (int i = 0; i < rows; i++) {
            double complex sum = 0;
            for (int p = 0; p < k; p++)
                sum += lq ? t[i + (size_t)rows * p] * q[p + (size_t)k * j] : q[i + (size_t)rows * p] * t[p + (size_t)k * j];
            double complex d = sum - a[i + (size_t)rows * j];
            err += creal(d * conj(d));
        }
    double rel = sqrt(err) / frobenius(a, len);
    /* orthonormality: QR: Q^H Q = I_k; LQ: Q Q^H = I_k */
    double iso = 0;
    for (int p = 0; p < k; p++)
        for (int r = 0; r < k; r++) {
            double complex dot = 0;
            if (lq)
                for (int j = 0; j < cols; j++) dot += q[p + (size_t)k * j] * conj(q[r + (size_t)k * j]);
            else
                for (int i = 0; i < rows; i++) dot += conj(q[i + (size_t)rows * p]) * q[i + (size_t)rows * r];
            iso = fmax(iso, cabs(dot - (p == r)));
        }
    /* triangular: R_ij = 0 for i > j (k x cols); L_ij = 0 for i < j (rows x k) */
    double off = 0;
    if (lq)
        for (int j = 0; j < k; j++)
            for (int i = 0; i < j; i++) off = fmax(off, cabs(t[i + (size_t)rows * j]));
    else
        for (int j = 0; j < cols; j++)
            for (int i = j + 1; i < k; i++) off = fmax(off, cabs(t[i + (size_t)k * j]));
    const char *how = lq ? path_guess(t, rows, k) : "Householder";
    ok(rel <= TOL, "%s, %s %dx%d (%s): |A - %s| / |A| = %.1e", fn, name, rows, cols, how, lq ? "L Q" : "Q R", rel);
    ok(iso <= TOL, "%s, %s %dx%d (%s): Q %s orthonormal (%.1e)", fn, name, rows, cols, how, lq ? "rows" : "columns",
       iso);
    ok(off == 0, "%s, %s %dx%d: %s triangular (largest entry outside %.1e)", fn, name, rows, cols,
       lq ? "L lower" : "R upper", off);
    free(q);
    free(t);
}

static void check_both(tn_buf *work, const char *name, int rows, int cols, const double complex *a)
{
    check(work, name, rows, cols, a, 0);
    check(work, name, rows, cols, a, 1);
}

int main(void)
{
    tn_buf work = {0};   /* one workspace for every call: it grows and shrinks across sizes */
    rng_stream rs;
    rng_init(&rs, 2024, 5);

    static const int shapes[][2] = {{5, 9}, {64, 200}, {256, 512}, {200, 64}, {9, 5}, {128, 128},
                                    {7, 7}, {1, 9}, {9, 1}, {2, 300}};
    for (size_t c = 0; c < sizeof shapes / sizeof shapes[0]; c++) {
        int rows = shapes[c][0], cols = shapes[c][1];
        double complex *a = malloc((size_t)rows * cols * sizeof *a);
        randmat_fill(&rs, rows, cols, a);
        const char *kind = rows < cols ? "random wide" : rows > cols ? "random tall" : "random square";
        check_both(&work, kind, rows, cols, a);
        free(a);
    }

    /* ill-conditioned wide matrices: CholeskyQR2 would lose orthogonality, Householder must take over */
    enum { R = 64, C = 200 };
    double s[R];
    double complex *a = malloc((size_t)R * C * sizeof *a);
    for (int i = 0; i < R; i++) s[i] = pow(10.0, -3.0 * i / (R - 1));
    randmat_with_spectrum(&rs, R, C, s, 0, a, NULL);
    check_both(&work, "singular values 1 .. 1e-3", R, C, a);
    for (int i = 0; i < R; i++) s[i] = pow(10.0, -6.0 * i / (R - 1));
    randmat_with_spectrum(&rs, R, C, s, 0, a, NULL);
    check_both(&work, "singular values 1 .. 1e-6", R, C, a);
    for (int i = 0; i < R; i++) s[i] = pow(10.0, -12.0 * i / (R - 1));
    randmat_with_spectrum(&rs, R, C, s, 0, a, NULL);
    check_both(&work, "singular values 1 .. 1e-12", R, C, a);

    /* rank-deficient: a zero row (zpotrf of the Gram matrix fails) */
    randmat_fill(&rs, R, C, a);
    for (int j = 0; j < C; j++) a[17 + (size_t)R * j] = 0;
    check_both(&work, "a zero row", R, C, a);
    /* rank-deficient: a row repeating another */
    randmat_fill(&rs, R, C, a);
    for (int j = 0; j < C; j++) a[40 + (size_t)R * j] = a[3 + (size_t)R * j];
    check_both(&work, "two equal rows", R, C, a);

    free(a);
    /* Kahan-type: the exact Cholesky diagonal spans only z^(rows-1), inside the CholeskyQR2
     * guard, while cond(A) is around 1e10 or more: whether the computed factor's diagonal
     * trips the guard depends on rounding, so several draws (own streams); the small case
     * factored both ways, the engine's size (256 x 512) by LQ */
    const struct { int rows, cols; double span; int draws, both; } kahan[] = {{R, C, 1e-3, 2, 1},
                                                                               {256, 512, 3e-4, 4, 0}};
    for (int c = 0; c < 2; c++) {
        int rows = kahan[c].rows, cols = kahan[c].cols;
        double complex *k = malloc((size_t)rows * cols * sizeof *k);
        for (uint64_t seed = 1; seed <= (uint64_t)kahan[c].draws; seed++) {
            rng_stream ks;
            rng_init(&ks, seed, 9);
            build_kahan(&ks, rows, cols, pow(kahan[c].span, 1.0 / (rows - 1)), k);
            char name[96];
            snprintf(name, sizeof name, "Kahan-type (Cholesky diagonal 1 .. %g, draw %d)", kahan[c].span, (int)seed);
            if (kahan[c].both) check_both(&work, name, rows, cols, k);
            else check(&work, name, rows, cols, k, 1);
        }
        free(k);
    }

    tn_buf_free(&work);
    return done_testing();
}
