/* randmat.c - random test matrices with known singular values (see randmat.h). */
#include "randmat.h"

#include <math.h>
#include <stdlib.h>

void randmat_fill(rng_stream *r, int rows, int cols, double complex *a)
{
    for (size_t i = 0; i < (size_t)rows * cols; i++) a[i] = (2 * rng_uniform(r) - 1) + I * (2 * rng_uniform(r) - 1);
}

void randmat_unitary(rng_stream *r, int d, double complex *u)
{
    for (int j = 0; j < d; j++) {
        double complex *col = u + (size_t)d * j;
        for (int i = 0; i < d; i++) col[i] = (2 * rng_uniform(r) - 1) + I * (2 * rng_uniform(r) - 1);
        for (int pass = 0; pass < 2; pass++)   /* twice: orthogonal to rounding */
            for (int p = 0; p < j; p++) {
                double complex dot = 0;
                const double complex *q = u + (size_t)d * p;
                for (int i = 0; i < d; i++) dot += conj(q[i]) * col[i];
                for (int i = 0; i < d; i++) col[i] -= dot * q[i];
            }
        double norm = 0;
        for (int i = 0; i < d; i++) norm += creal(col[i] * conj(col[i]));
        for (int i = 0; i < d; i++) col[i] /= sqrt(norm);
    }
}

void randmat_with_spectrum(rng_stream *r, int m, int n, const double *s, int k, double complex *a,
                           double complex *ak)
{
    int rank = m < n ? m : n;
    double complex *u = malloc((size_t)m * m * sizeof *u), *v = malloc((size_t)n * n * sizeof *v);
    randmat_unitary(r, m, u);
    randmat_unitary(r, n, v);
    for (int j = 0; j < n; j++)
        for (int i = 0; i < m; i++) {
            double complex sum = 0, sum_k = 0;
            for (int p = 0; p < rank; p++) {
                sum += u[i + (size_t)m * p] * s[p] * conj(v[j + (size_t)n * p]);
                if (p == k - 1) sum_k = sum;
            }
            a[i + (size_t)m * j] = sum;
            if (ak) ak[i + (size_t)m * j] = sum_k;
        }
    free(u);
    free(v);
}
