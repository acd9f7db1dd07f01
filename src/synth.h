/* synth.h - compiles a k-qubit block into native gates, one-qubit U3 and CZ
 * joining only qubits the block's couplers connect:
 *   - state preparation from |0...0>: k = 2 by the Schmidt decomposition (one
 *     CZ, the fewest any entangled two-qubit state needs); k >= 3 by uniformly
 *     controlled RY then RZ rotations (Mottonen et al., quant-ph/0407010) with
 *     Gray-code CNOT ladders, 2^(k+1) - 4 CNOTs;
 *   - any unitary: k = 2 by the KAK (Cartan) decomposition,
 *     U = (A1 x B1) exp(i(a XX + b YY + c ZZ)) (A2 x B2), with 0, 1, 2 or 3 CZ
 *     (3 for almost every U; Vatan & Williams, quant-ph/0308006); k >= 3 by the
 *     quantum Shannon decomposition (Shende, Bullock & Markov,
 *     quant-ph/0406176): a cosine-sine decomposition into two multiplexed
 *     (k-1)-qubit unitaries around a multiplexed RY, each multiplexed unitary
 *     demultiplexed into two (k-1)-qubit unitaries around a multiplexed RZ,
 *     down to k = 2: 24 CNOTs at k = 3, 120 at k = 4.
 * A CNOT between block qubits that are not coupled is bridged through the
 * block (4 CZ at distance 2); runs of one-qubit gates merge into one U3.
 * Qubit j of the block is bit j of an amplitude's index; matrices are
 * row-major, d x d with d = 2^k.
 * Not for: placing blocks on a device or writing them out (blocks.c). */
#ifndef TN_SYNTH_H
#define TN_SYNTH_H

#include <complex.h>

/* One native operation of a compiled block: U3(theta, phi, lambda) on q0, or
 * CZ on (q0, q1) (block-local qubit indices). */
typedef struct {
    int cz;
    int q0, q1;
    double theta, phi, lambda;
} native_op;

#define BLOCKS_MAX_K 6

/* The most operations blocks_compile can write for k qubits (0 when k is out
 * of range 1..BLOCKS_MAX_K). */
int blocks_max_ops(int k);

/* Compiles "prepare v from |0...0>, then apply u" into ops (at most
 * blocks_max_ops(k)); either may be NULL (no preparation: the circuit is u
 * alone, exact up to a global phase; no u: the preparation alone). v has 2^k
 * normalised amplitudes, u is d x d unitary. adj (k x k, 1 = coupled) says
 * which block qubits a CZ may join (NULL: all pairs). Returns the number of
 * operations, or -1 when k is out of range or a decomposition fails. */
int blocks_compile(int k, const double complex *v, const double complex *u, const unsigned char *adj,
                   native_op *ops);

/* exp(i(a XX + b YY + c ZZ)) on block qubits 0 and 1, the angles in
 * [-pi/4, pi/4], in the fewest CZ (0, 1, 2 or 3) as blocks_compile uses it
 * after the KAK decomposition; at most 16 ops. */
int blocks_compile_interaction(double a, double b, double c, native_op *ops);

/* The preparation of v alone: blocks_compile(k, v, NULL, adj, ops). */
int blocks_state_prep(int k, const double complex *v, const unsigned char *adj, native_op *ops);

#endif
