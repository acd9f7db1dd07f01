/* opmps.h - expectation values in the Heisenberg picture as an operator
 * MPS: the observable, a Pauli string, evolved backwards through a static
 * noiseless circuit as a matrix product operator (held as a state of twice
 * the qubits) and contracted with |0...0>; run by the MPS engine, so
 * distributed over a group's ranks like a state.
 * Not for: noise (the Pauli-string form, expect.h, takes channels), dynamic
 * circuits. */
#ifndef TN_OPMPS_H
#define TN_OPMPS_H

#include "circuit.h"
#include "expect.h"
#include "run.h"

/* The doubled circuit on 2 c->nqubits qubits whose state after it is
 * |U^dagger P U>> / |P|_F for the Pauli string paulis (one letter per qubit of
 * c). TN_ERR_USAGE for resets, conditions or gates of more than 5 qubits. */
int opmps_circuit(const circuit *c, const char *paulis, circuit **out);

/* <0...0| U^dagger P U |0...0> for the circuit c (noiseless, static) at
 * opt's bond dimension and cutoff; fills rep (method, value, fidelity
 * estimate of the operator, dropped Frobenius norm, error estimate from a
 * run at half the bond dimension, bond, sites). Collective over opt->grp. */
int opmps_expect(const circuit *c, const run_options *opt, const char *paulis, expect_report *rep);

#endif
