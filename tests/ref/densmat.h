/* densmat.h - an exact density-matrix reference for the noise tests (n <= 8).
 *
 * Plain and apart from the engine: rho is a dense 2^n x 2^n matrix; a gate
 * maps rho to U rho U^dagger, a channel to sum_i K_i rho K_i^dagger. Index
 * conventions as in statevec.h (qubit q is bit q of the basis index; a
 * matrix's first listed qubit is its most significant bit).
 * Not for: anything large or fast. */
#ifndef TN_REF_DENSMAT_H
#define TN_REF_DENSMAT_H

#include <complex.h>

#define DM_MAX_QUBITS 8

typedef struct {
    int n;
    double complex *rho;   /* row-major 2^n x 2^n */
} dm_state;

/* |0..0><0..0| on n qubits; returns 0 or -1. */
int dm_init(dm_state *d, int n);
void dm_free(dm_state *d);

/* rho -> U rho U^dagger for a k-qubit matrix on the listed qubits. */
void dm_apply_matrix(dm_state *d, const double complex *u, int k, const int *qubits);

/* rho -> sum_i K_i rho K_i^dagger for nops k-qubit operators. */
void dm_apply_kraus(dm_state *d, int nops, const double complex *ops, int k, const int *qubits);

/* Diagonal entry: probability of basis state index. */
double dm_prob(const dm_state *d, unsigned long index);

/* tr(rho P) for paulis[q] in I X Y Z. */
double dm_expect_pauli(const dm_state *d, const char *paulis);

/* tr(rho). */
double dm_trace(const dm_state *d);

#endif
