/* statevec.h - a dense state-vector reference for the tests (up to 24 qubits).
 *
 * Written plainly and apart from the engine: it shares no code with src/ or
 * tensor/ (only the enum values and structs of circuit.h and gates.h), and
 * its gate matrices are derived here from their definitions (Pauli
 * exponentials, U3 = e^{i(phi+lambda)/2} RZ(phi) RY(theta) RZ(lambda),
 * controlled blocks), not taken from src/gates.c. Qiskit's conventions and
 * global phases, as gates.h states.
 * Index conventions: qubit q is bit q of a dense state's basis index; a
 * gate's first listed qubit is the most significant bit of its matrix index.
 * Not for: speed (every operation sweeps the whole vector). */
#ifndef TN_REF_STATEVEC_H
#define TN_REF_STATEVEC_H

#include <complex.h>
#include <stddef.h>

#include "circuit.h"

#define SV_MAX_QUBITS 24

typedef struct {
    int n;
    double complex *amp;   /* 2^n amplitudes */
} sv_state;

/* |0...0> on n qubits, 0 <= n <= SV_MAX_QUBITS; returns 0, or -1 (bad n or
 * no memory; s->amp is then NULL). */
int sv_init(sv_state *s, int n);

/* Frees the amplitudes; accepts a freed state. */
void sv_free(sv_state *s);

/* The reference's own table: qubits and parameters of built-in gate g
 * (-1 for GATE_UNITARY or an id out of range), and its OpenQASM name. */
int sv_gate_nqubits(int g);
int sv_gate_nparams(int g);
const char *sv_gate_name(int g);

/* Writes the reference's own 2^k x 2^k row-major matrix of built-in gate g
 * (params may be NULL for a gate without parameters); returns k, or -1 if g
 * is not a built-in gate. */
int sv_gate_matrix(int g, const double *params, double complex *m);

/* Applies a k-qubit matrix (k <= CIRC_MAX_GATE_QUBITS, distinct qubits,
 * qubits[0] the most significant bit of the matrix index). */
void sv_apply_matrix(sv_state *s, const double complex *m, int k, const int *qubits);

/* Applies a gate operation of the IR (built-in or GATE_UNITARY); a barrier
 * does nothing. Returns 0, or -1 for a measure or reset (they need an
 * outcome: sv_project, sv_reset) or an unknown gate. Ignores cond_reg. */
int sv_apply_op(sv_state *s, const circ_op *op);

/* Probability that qubit q reads 1. */
double sv_prob_one(const sv_state *s, int q);

/* Projects qubit q onto outcome (0 or 1) and renormalises; returns the
 * probability that outcome had. If it was 0 the state is left as it was. */
double sv_project(sv_state *s, int q, int outcome);

/* Reset of qubit q along the branch where it read outcome: projects, then
 * flips the qubit to |0> if outcome is 1. Returns the outcome's probability. */
double sv_reset(sv_state *s, int q, int outcome);

/* p[i] = |amp[i]|^2 for all 2^n basis states. */
void sv_probabilities(const sv_state *s, double *p);

/* <psi|psi>. */
double sv_norm2(const sv_state *s);

/* <psi|P|psi> for paulis[q] in {'I','X','Y','Z'} (one char per qubit). */
double complex sv_expect_pauli(const sv_state *s, const char *paulis);

#endif
