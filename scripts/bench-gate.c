/* bench-gate.c - the cost of one two-qubit gate at bond dimension chi against
 * the dense linear algebra it needs, for make bench (issue 9).
 *
 * Measures this machine's ZGEMM rate (n = 2048, median of 3), then for each
 * chi: two random site tensors A (chi x 2 x chi) and B (chi x 2 x chi), a
 * random two-qubit unitary, and the engine's steps of a gate on a centred
 * pair: theta = A B (ZGEMM), the gate on the physical pair, and the truncated
 * split back to chi (tsvd_split: Gram matrix + eigensolver, or the SVD).
 * Prints the median time per gate, the floating-point work it needs in real
 * flops (contraction 32 chi^3, Gram ZHERK 32 chi^3, tridiagonal reduction of
 * n = 2 chi rows 16/3 n^3, back-transformation of the chi kept eigenvectors
 * 8 n^2 chi, projection 32 chi^3: 170.7 chi^3 in all; the tridiagonal
 * eigensolver itself, O(n^2) to O(n^3) with small constants, is left out)
 * and the ratio of the time to that work done at the ZGEMM rate. The same for
 * the Vidal-form update (the default): theta weighted by the Schmidt values
 * of the left bond, its right singular vectors (TSVD_RIGHT_VECTORS), and the
 * new left site as the unweighted theta times them: the same work.
 *
 * The second floor (lapack_ms, x_lapack): the very LAPACK and BLAS calls of
 * such a split (ZGEMM, ZHERK, ZHETRD, DSTEDC, ZUNMTR on the kept vectors,
 * ZGEMM) timed alone on the same shapes; the Vidal update's time over it is
 * what the engine adds (copies, checks, the gate, workspace handling). At
 * small bonds the tridiagonal reduction (half of it matrix-vector products)
 * and the eigensolver run far below the ZGEMM rate, which the first floor
 * does not see.
 *
 * Small bonds (16 to 64: long-range circuits' swaps at moderate chi) repeat
 * the gate BENCH_SMALL_REPS times, where one run is too short to time alone.
 * Run: build/bench-gate [CHI...]     (default 16 32 64 128 256 512 1024)
 * Output: one line per chi, and a JSON object on the last line (its
 * vidal_gflops per chi are the gate rates of scripts/scaling-machine.py). */
#include <cblas.h>
#include <complex.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blas.h"
#include "error.h"
#include "rng.h"
#include "tsvd.h"

#define BENCH_SMALL_REPS 21

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *t, int n)
{
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

static void fill_random(rng_stream *r, double complex *a, size_t len)
{
    for (size_t i = 0; i < len; i++) a[i] = (rng_uniform(r) - 0.5) + I * (rng_uniform(r) - 0.5);
}

/* GFLOP/s of ZGEMM at n x n x n (8 n^3 real flops), median of 3. */
static double zgemm_rate(int n)
{
    size_t len = (size_t)n * n;
    double complex *a = malloc(len * sizeof *a), *b = malloc(len * sizeof *b), *c = malloc(len * sizeof *c);
    double complex one = 1, zero = 0;
    rng_stream r;
    rng_init(&r, 1, 0);
    fill_random(&r, a, len);
    fill_random(&r, b, len);
    double t[3];
    for (int rep = 0; rep < 3; rep++) {
        double t0 = now();
        cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, n, n, &one, a, n, b, n, &zero, c, n);
        t[rep] = now() - t0;
    }
    free(a); free(b); free(c);
    return 8.0 * n * (double)n * n / median(t, 3) / 1e9;
}

/* A random unitary 4 x 4 (Gram-Schmidt), column-major. */
static void random_unitary4(rng_stream *r, double complex *u)
{
    fill_random(r, u, 16);
    for (int j = 0; j < 4; j++) {
        for (int p = 0; p < j; p++) {
            double complex dot = 0;
            for (int i = 0; i < 4; i++) dot += conj(u[i + 4 * p]) * u[i + 4 * j];
            for (int i = 0; i < 4; i++) u[i + 4 * j] -= dot * u[i + 4 * p];
        }
        double norm = 0;
        for (int i = 0; i < 4; i++) norm += creal(u[i + 4 * j] * conj(u[i + 4 * j]));
        for (int i = 0; i < 4; i++) u[i + 4 * j] /= sqrt(norm);
    }
}

/* One gate: theta[(l,s1),(s2,r)] = sum_m A[(l,s1),m] B[m,(s2,r)], the gate on
 * (s1, s2), then the split truncated to chi. Returns seconds. */
static double one_gate(int chi, const double complex *a, const double complex *b, const double complex *gate,
                       const double *lambda, double complex *theta, double complex *out, tsvd_work *w, int *used_gram)
{
    int n = 2 * chi;
    double complex one = 1, zero = 0;
    double t0 = now();
    cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, n, chi, &one, a, n, b, chi, &zero, theta, n);
    /* the gate mixes the four (s1, s2) blocks of theta: out[s1' s2'] = sum g[(s1' s2'),(s1 s2)] theta[s1 s2] */
    for (int r = 0; r < chi; r++)
        for (int l = 0; l < chi; l++) {
            double complex v[4], nv[4];
            for (int s1 = 0; s1 < 2; s1++)
                for (int s2 = 0; s2 < 2; s2++) v[2 * s1 + s2] = theta[(l + chi * s1) + (size_t)n * (s2 + 2 * r)];
            for (int i = 0; i < 4; i++) {
                nv[i] = 0;
                for (int j = 0; j < 4; j++) nv[i] += gate[i + 4 * j] * v[j];
            }
            for (int s1 = 0; s1 < 2; s1++)
                for (int s2 = 0; s2 < 2; s2++) out[(l + chi * s1) + (size_t)n * (s2 + 2 * r)] = nv[2 * s1 + s2];
        }
    tsvd_trunc trunc = {chi, 0};
    tsvd_split_result res;
    if (lambda) {   /* Vidal form: weighted copy in theta, split, left site = out V_k */
        for (size_t i = 0; i < (size_t)n * n; i += (size_t)chi)
            for (int l = 0; l < chi; l++) theta[i + l] = out[i + l] * lambda[l];
        if (tsvd_split(w, n, n, theta, &trunc, TSVD_RIGHT_VECTORS, &res) != TN_OK) {
            fprintf(stderr, "bench-gate: the split at chi %d failed: %s\n", chi, tn_last_message());
            exit(1);
        }
        cblas_zgemm(CblasColMajor, CblasNoTrans, CblasConjTrans, n, res.rank, n, &one, out, n, res.right, res.rank,
                    &zero, theta, n);
        *used_gram = res.used_gram;
        return now() - t0;
    }
    if (tsvd_split(w, n, n, out, &trunc, TSVD_LEFT_ISOMETRY, &res) != TN_OK) {
        fprintf(stderr, "bench-gate: the split at chi %d failed: %s\n", chi, tn_last_message());
        exit(1);
    }
    *used_gram = res.used_gram;
    return now() - t0;
}

/* The linear algebra a truncated split of an n x n theta to chi needs, timed
 * alone on the same shapes with nothing of the engine around it: the
 * contraction (ZGEMM n x n x chi), the Gram matrix (ZHERK), its tridiagonal
 * reduction (ZHETRD), all eigenpairs of the tridiagonal matrix (DSTEDC), the
 * kept chi eigenvectors back-transformed (ZUNMTR) and the projection (ZGEMM
 * chi x n x n). Workspaces are allocated before the clock starts. Returns
 * seconds. */
static double lapack_floor(int chi, const double complex *a, const double complex *b, double complex *theta,
                           double complex *g)
{
    int n = 2 * chi;
    double complex one = 1, zero = 0, qz;
    double *d = malloc((size_t)n * sizeof *d), *e = malloc((size_t)n * sizeof *e), qd;
    double *z = malloc((size_t)n * n * sizeof *z);
    double complex *tau = malloc((size_t)n * sizeof *tau), *l = malloc((size_t)n * chi * sizeof *l);
    double complex *right = malloc((size_t)n * chi * sizeof *right);
    lapack_int qi, lwork, lrwork, liwork;
    LAPACKE_zhetrd_work(LAPACK_COL_MAJOR, 'U', n, g, n, d, e, tau, &qz, -1);
    lwork = (lapack_int)creal(qz) + 1;
    LAPACKE_zunmtr_work(LAPACK_COL_MAJOR, 'L', 'U', 'N', n, chi, g, n, tau, l, n, &qz, -1);
    if ((lapack_int)creal(qz) + 1 > lwork) lwork = (lapack_int)creal(qz) + 1;
    LAPACKE_dstedc_work(LAPACK_COL_MAJOR, 'I', n, d, e, z, n, &qd, -1, &qi, -1);
    lrwork = (lapack_int)qd + 1;
    liwork = qi + 1;
    double complex *work = malloc((size_t)lwork * sizeof *work);
    double *rwork = malloc((size_t)lrwork * sizeof *rwork);
    lapack_int *iwork = malloc((size_t)liwork * sizeof *iwork);
    double t0 = now();
    cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, n, chi, &one, a, n, b, chi, &zero, theta, n);
    cblas_zherk(CblasColMajor, CblasUpper, CblasNoTrans, n, n, 1.0, theta, n, 0.0, g, n);
    LAPACKE_zhetrd_work(LAPACK_COL_MAJOR, 'U', n, g, n, d, e, tau, work, lwork);
    LAPACKE_dstedc_work(LAPACK_COL_MAJOR, 'I', n, d, e, z, n, rwork, lrwork, iwork, liwork);
    for (int c = 0; c < chi; c++)
        for (int i = 0; i < n; i++) l[i + (size_t)n * c] = z[i + (size_t)n * (n - 1 - c)];
    LAPACKE_zunmtr_work(LAPACK_COL_MAJOR, 'L', 'U', 'N', n, chi, g, n, tau, l, n, work, lwork);
    cblas_zgemm(CblasColMajor, CblasConjTrans, CblasNoTrans, chi, n, n, &one, l, n, theta, n, &zero, right, chi);
    double t = now() - t0;
    free(d); free(e); free(z); free(tau); free(l); free(right); free(work); free(rwork); free(iwork);
    return t;
}

int main(int argc, char **argv)
{
    tn_blas_use_fastest(argv);   /* the kernels tnemu itself runs (tensor/blas.h) */
    int chis[16], nchi = 0;
    for (int i = 1; i < argc && nchi < 16; i++) chis[nchi++] = atoi(argv[i]);
    if (!nchi) {
        static const int defaults[] = {16, 32, 64, 128, 256, 512, 1024};
        for (nchi = 0; nchi < 7; nchi++) chis[nchi] = defaults[nchi];
    }
    double rate = zgemm_rate(2048);
    printf("zgemm: %.1f GFLOP/s (n = 2048, median of 3)\n", rate);
    printf("  chi  gate_ms  flops_G  floor_ms  ratio  path  vidal_ms  ratio  lapack_ms  x_lapack\n");
    char json[8192];
    int len = snprintf(json, sizeof json, "{\"zgemm_gflops\": %.2f, \"gates\": [", rate);
    rng_stream r;
    rng_init(&r, 7, 0);
    for (int c = 0; c < nchi; c++) {
        int chi = chis[c], n = 2 * chi, reps = chi <= 64 ? BENCH_SMALL_REPS : chi >= 1024 ? 1 : 3;
        size_t site = (size_t)chi * 2 * chi;
        double complex *a = malloc(site * sizeof *a), *b = malloc(site * sizeof *b);
        double complex *theta = malloc((size_t)n * n * sizeof *theta), *out = malloc((size_t)n * n * sizeof *out);
        double complex gate[16];
        tsvd_work w;
        memset(&w, 0, sizeof w);
        double t[BENCH_SMALL_REPS], tv[BENCH_SMALL_REPS], tl[BENCH_SMALL_REPS], *lambda = malloc((size_t)chi * sizeof *lambda), sum = 0;
        for (int l = 0; l < chi; l++) sum += lambda[l] = exp(-8.0 * l / chi);   /* a decaying spectrum */
        for (int l = 0; l < chi; l++) lambda[l] = sqrt(lambda[l] / sum);
        int gram = 0, gram_v = 0;
        for (int rep = 0; rep < reps; rep++) {
            fill_random(&r, a, site);
            fill_random(&r, b, site);
            random_unitary4(&r, gate);
            t[rep] = one_gate(chi, a, b, gate, NULL, theta, out, &w, &gram);
            tv[rep] = one_gate(chi, a, b, gate, lambda, theta, out, &w, &gram_v);
            tl[rep] = lapack_floor(chi, a, b, theta, out);
        }
        free(lambda);
        double x = chi, nn = n;
        double flops = 32 * x * x * x + 32 * x * x * x + 16.0 / 3 * nn * nn * nn + 8 * nn * nn * x + 32 * x * x * x;
        double tm = median(t, reps), tmv = median(tv, reps), tml = median(tl, reps), floor_s = flops / (rate * 1e9);
        printf("%5d  %7.3f  %7.3f  %8.3f  %5.2f  %-4s  %8.3f  %5.2f  %9.3f  %8.2f\n", chi, 1e3 * tm, flops / 1e9,
               1e3 * floor_s, tm / floor_s, gram ? "gram" : "svd", 1e3 * tmv, tmv / floor_s, 1e3 * tml, tmv / tml);
        len += snprintf(json + len, sizeof json - (size_t)len,
                        "%s{\"chi\": %d, \"seconds\": %.6f, \"gflop\": %.4f, \"floor_seconds\": %.6f, \"ratio\": %.2f, "
                        "\"vidal_seconds\": %.6f, \"vidal_ratio\": %.2f, \"vidal_gflops\": %.3f, "
                        "\"lapack_seconds\": %.6f, \"vidal_over_lapack\": %.2f}",
                        c ? ", " : "", chi, tm, flops / 1e9, floor_s, tm / floor_s, tmv, tmv / floor_s,
                        flops / 1e9 / tmv, tml, tmv / tml);   /* the rate scripts/scaling-sim.py divides a gate's work by */
        tsvd_work_free(&w);
        free(a); free(b); free(theta); free(out);
    }
    printf("%s]}\n", json);
    return 0;
}
