/* pauliprop.h - Heisenberg-picture expectation values by Pauli propagation.
 *
 * An observable is a real-weighted sum of Pauli strings (bit-packed X and Z
 * masks over any number of qubits; Y = iXZ, every string Hermitian). It is
 * evolved backwards through the circuit, O -> U^dagger O U for a gate and
 * O -> E^dagger(O) = sum_i K_i^dagger O K_i for a channel, through each
 * operation's Pauli transfer matrix on the qubits it touches (Begusic and
 * Chan, Sci. Adv. 10, eadk4321 (2024)). A Clifford gate maps a string to one
 * string, so near-Clifford circuits stay small; rotations split strings
 * that do not commute with them. Strings whose |coefficient| falls below the
 * cutoff are dropped; the sum of the dropped |coefficients| bounds the error
 * of the final expectation value (the adjoint of a channel does not increase
 * the operator norm, and |tr(rho P)| <= 1), and their squares are reported
 * as the dropped weight. At the end, the expectation in |0...0> is the sum
 * of the coefficients of the strings made of I and Z only.
 * Not for: choosing the method (expect.c), circuits with mid-circuit
 * measurement (they are refused by the caller). */
#ifndef TN_PAULIPROP_H
#define TN_PAULIPROP_H

#include <complex.h>
#include <stddef.h>
#include <stdint.h>

#define PP_MAX_GATE_QUBITS 3      /* transfer matrices of 4^k x 4^k up to k = 3 */

typedef struct {
    double cutoff;                /* drop strings with |c| below this (0: keep all) */
    size_t max_terms;             /* fail with TN_ERR_NUMERIC past this many strings (0: no limit) */
} pp_options;

typedef struct pp_sum pp_sum;

/* An empty sum over n qubits. Returns TN_OK or TN_ERR_MEMORY. */
int pp_create(int n, const pp_options *opt, pp_sum **out);

/* Frees a sum; accepts NULL; sets *s to NULL. */
void pp_destroy(pp_sum **s);

/* Adds coef times the string paulis[q] in I X Y Z (one letter per qubit). */
int pp_add_string(pp_sum *s, const char *paulis, double coef);

/* The Heisenberg action of a k-qubit unitary u (2^k x 2^k, row-major,
 * qubits[0] the most significant bit): O -> u^dagger O u. */
int pp_apply_unitary(pp_sum *s, const double complex *u, int k, const int *qubits);

/* The adjoint of the channel with nops Kraus operators (2^k x 2^k each):
 * O -> sum_i K_i^dagger O K_i. */
int pp_apply_kraus(pp_sum *s, const double complex *ops, int nops, int k, const int *qubits);

/* The expectation value of the (evolved) sum in |0...0>. */
double pp_expect_zero(const pp_sum *s);

/* Figures: strings now, the most held at once, sum of dropped |c| (an error
 * bound), sum of dropped c^2, and the qubits any string ever acted on. */
size_t pp_terms(const pp_sum *s);
size_t pp_max_terms_seen(const pp_sum *s);
double pp_dropped_abs(const pp_sum *s);
double pp_dropped_sq(const pp_sum *s);

/* Whether any string of the sum acts on qubit q now. */
int pp_touches(const pp_sum *s, int q);

#endif
