/* statevec.h - a dense state-vector reference for the tests (up to 24 qubits).
 *
 * Written plainly and apart from the engine: its gate matrices are derived
 * here from Pauli products, exponentials and controlled blocks, not taken
 * from src/gates.c. Index convention: qubit q is bit q of the basis index;
 * a gate's first listed qubit is the most significant bit of its matrix. */
#ifndef TN_REF_STATEVEC_H
#define TN_REF_STATEVEC_H

#include <complex.h>
#include <stddef.h>

#include "circuit.h"

typedef struct {
    int n;
    double complex *amp;   /* 2^n amplitudes */
} sv_state;

/* |0...0> on n qubits; returns 0 on success. */
int sv_init(sv_state *s, int n);
void sv_free(sv_state *s);

/* The reference's own matrix of gate g with params (dim 2^k). */
void sv_gate_matrix(int g, const double *params, double complex *m);

/* Applies a k-qubit matrix (first listed qubit most significant). */
void sv_apply_matrix(sv_state *s, const double complex *m, int k, const int *qubits);

/* Applies a gate operation of the IR (built-in or GATE_UNITARY). */
void sv_apply_op(sv_state *s, const circ_op *op);

/* Probability that qubit q reads 1. */
double sv_prob_one(const sv_state *s, int q);

/* Projects qubit q onto outcome and renormalises; returns its probability. */
double sv_project(sv_state *s, int q, int outcome);

/* <psi|P|psi> for paulis[q] in I X Y Z. */
double complex sv_expect_pauli(const sv_state *s, const char *paulis);

#endif
