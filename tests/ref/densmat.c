/* densmat.c - the dense density-matrix reference (see densmat.h). */
#include "densmat.h"

#include <stdlib.h>
#include <string.h>

int dm_init(dm_state *d, int n)
{
    d->n = n;
    d->rho = NULL;
    if (n < 0 || n > DM_MAX_QUBITS) return -1;
    size_t dim = (size_t)1 << n;
    d->rho = calloc(dim * dim, sizeof *d->rho);
    if (!d->rho) return -1;
    d->rho[0] = 1;
    return 0;
}

void dm_free(dm_state *d)
{
    free(d->rho);
    d->rho = NULL;
}

/* out = M x for the dense 2^n vector x read with stride `stride` (column or
 * row of rho), M a k-qubit matrix on qubits; conj_m uses conj(M). */
static void apply_to_vector(int n, const double complex *m, int k, const int *qubits, double complex *x, size_t stride,
                            int conj_m)
{
    size_t dim = (size_t)1 << n, sub = (size_t)1 << k;
    size_t mask = 0;
    for (int j = 0; j < k; j++) mask |= (size_t)1 << qubits[j];
    double complex in[1 << 10], out[1 << 10];
    for (size_t base = 0; base < dim; base++) {
        if (base & mask) continue;
        for (size_t a = 0; a < sub; a++) {
            size_t idx = base;
            for (int j = 0; j < k; j++)
                if ((a >> (k - 1 - j)) & 1) idx |= (size_t)1 << qubits[j];
            in[a] = x[idx * stride];
        }
        for (size_t a = 0; a < sub; a++) {
            double complex s = 0;
            for (size_t b = 0; b < sub; b++) s += (conj_m ? conj(m[a * sub + b]) : m[a * sub + b]) * in[b];
            out[a] = s;
        }
        for (size_t a = 0; a < sub; a++) {
            size_t idx = base;
            for (int j = 0; j < k; j++)
                if ((a >> (k - 1 - j)) & 1) idx |= (size_t)1 << qubits[j];
            x[idx * stride] = out[a];
        }
    }
}

/* rho -> M rho M^dagger in place. */
static void sandwich(int n, double complex *rho, const double complex *m, int k, const int *qubits)
{
    size_t dim = (size_t)1 << n;
    for (size_t c = 0; c < dim; c++) apply_to_vector(n, m, k, qubits, rho + c, dim, 0);   /* columns: M rho */
    for (size_t r = 0; r < dim; r++) apply_to_vector(n, m, k, qubits, rho + r * dim, 1, 1);   /* rows: (M rho) M^dagger */
}

void dm_apply_matrix(dm_state *d, const double complex *u, int k, const int *qubits)
{
    sandwich(d->n, d->rho, u, k, qubits);
}

void dm_apply_kraus(dm_state *d, int nops, const double complex *ops, int k, const int *qubits)
{
    size_t dim = (size_t)1 << d->n, dd = dim * dim, sub = (size_t)1 << k;
    double complex *acc = calloc(dd, sizeof *acc), *tmp = malloc(dd * sizeof *tmp);
    if (!acc || !tmp) abort();
    for (int i = 0; i < nops; i++) {
        memcpy(tmp, d->rho, dd * sizeof *tmp);
        sandwich(d->n, tmp, ops + (size_t)i * sub * sub, k, qubits);
        for (size_t e = 0; e < dd; e++) acc[e] += tmp[e];
    }
    memcpy(d->rho, acc, dd * sizeof *acc);
    free(acc);
    free(tmp);
}

double dm_prob(const dm_state *d, unsigned long index)
{
    size_t dim = (size_t)1 << d->n;
    return creal(d->rho[index * dim + index]);
}

double dm_trace(const dm_state *d)
{
    size_t dim = (size_t)1 << d->n;
    double t = 0;
    for (size_t i = 0; i < dim; i++) t += creal(d->rho[i * dim + i]);
    return t;
}

double dm_expect_pauli(const dm_state *d, const char *paulis)
{
    /* tr(rho P) = sum_i (P rho)_{ii}; P maps basis j to phase * basis (j ^ flip) */
    size_t dim = (size_t)1 << d->n, flip = 0;
    for (int q = 0; q < d->n; q++)
        if (paulis[q] == 'X' || paulis[q] == 'Y') flip |= (size_t)1 << q;
    double complex t = 0;
    for (size_t j = 0; j < dim; j++) {
        double complex phase = 1;   /* P|j> = phase |j ^ flip> */
        for (int q = 0; q < d->n; q++) {
            int bit = (j >> q) & 1;
            if (paulis[q] == 'Z' && bit) phase = -phase;
            if (paulis[q] == 'Y') phase *= bit ? -I : I;
        }
        size_t i = j ^ flip;   /* (P rho)_{ii} = sum_j P_ij rho_ji */
        t += phase * d->rho[j * dim + i];
    }
    return creal(t);
}
