/* coherent.h - the unitary (coherent) errors of a noise model: the
 * over-rotation of a gate and the static ZZ phase of a coupler, as matrices
 * applied after the gate in every trajectory (docs/noise-format.md,
 * "Coherent errors", says the conventions).
 * Not for: scheduling them (noisy.c) or reading them (noise_tnemu.c). */
#ifndef TN_COHERENT_H
#define TN_COHERENT_H

#include <complex.h>

#include "circuit.h"

/* Whether gate g has an over-rotation convention (rotation gates: the angle
 * is its first parameter; fixed gates: a generator G, see coherent.c). */
int coherent_overrotation_defined(int g);

/* The names of the gates with a convention, for messages. */
const char *coherent_overrotation_gates(void);

/* The error E applied after gate op so that E U = U over-rotated by eps
 * radians: rotation gates U(theta + eps), fixed gates U exp(-i eps/2 G).
 * e receives the 2^k x 2^k matrix (k = op->nqubits <= 2). Returns 0, or -1
 * when op's gate has no convention. */
int coherent_overrotation(const circ_op *op, double eps, double complex *e);

/* exp(-i phi/2 Z_a Z_b), the ZZ phase phi = 2 pi zz t, as a 4x4 matrix. */
void coherent_zz(double phi, double complex *e);

/* The process fidelity |tr E|^2 / d^2 of a d x d unitary. */
double coherent_fidelity(const double complex *e, int d);

#endif
