/* gates.h - the built-in gate set: names, arities, parameters and matrices.
 *
 * Matrix convention (used everywhere in tnemu): a k-qubit gate applied to the
 * qubits (q[0], ..., q[k-1]) as listed in the circuit has a 2^k x 2^k matrix,
 * row-major, whose basis index has q[0] as its MOST significant bit. So
 * cx(control, target) is the textbook [[1,0,0,0],[0,1,0,0],[0,0,0,1],[0,0,1,0]].
 * Gate definitions and global phases follow Qiskit's (rz(t) = diag(e^{-it/2},
 * e^{it/2}), u1/p(l) = diag(1, e^{il}), u3 = U of OpenQASM 2 ...). Qiskit
 * writes its matrices little-endian (q[0] the LEAST significant bit): its
 * ECR = (1/sqrt2) [[0,1,0,i],[1,0,-i,0],[0,i,0,1],[-i,0,1,0]] is here
 * (1/sqrt2) [[0,0,1,i],[0,0,i,1],[1,-i,0,0],[-i,1,0,0]] = (XI - YX)/sqrt2,
 * the product rzx(-pi/4) . (x on q[0]) . rzx(pi/4) of its definition.
 * Not for: parsing (qasm.c maps source names onto these ids). */
#ifndef TN_GATES_H
#define TN_GATES_H

#include <complex.h>

enum gate_id {
    /* one qubit, no parameter */
    GATE_ID, GATE_X, GATE_Y, GATE_Z, GATE_H, GATE_S, GATE_SDG, GATE_T, GATE_TDG,
    GATE_SX, GATE_SXDG,
    /* one qubit, parameters */
    GATE_RX, GATE_RY, GATE_RZ, GATE_P, GATE_U2, GATE_U3,
    /* two qubits */
    GATE_CX, GATE_CY, GATE_CZ, GATE_CH, GATE_SWAP, GATE_CSX,
    GATE_CRX, GATE_CRY, GATE_CRZ, GATE_CP, GATE_CU3, GATE_CU,
    GATE_RXX, GATE_RYY, GATE_RZZ, GATE_RZX,
    GATE_ISWAP, GATE_SQISWAP, GATE_ISWAPTHETA,
    /* three qubits */
    GATE_CCX, GATE_CSWAP,
    /* a dense k-qubit matrix carried by the operation (adapters, DAGGER ...) */
    GATE_UNITARY,
    /* added after GATE_UNITARY so that older ids (hashed into checkpoints) keep their values */
    GATE_ECR, GATE_DCX,                  /* two qubits, Qiskit's ECRGate and DCXGate */
    GATE_R,                              /* r(theta, phi) = exp(-i theta/2 (cos phi X + sin phi Y)) */
    GATE_XX_MINUS_YY, GATE_XX_PLUS_YY,   /* (theta, beta), Qiskit's XXMinusYYGate, XXPlusYYGate */
    GATE_DELAY,                          /* idle time: the identity; params (value, unit: 0 s, 1 dt) */
    GATE_COUNT
};

typedef struct {
    const char *name;   /* canonical lower-case name (OpenQASM 2 spelling) */
    int nqubits;        /* 0 for GATE_UNITARY: the operation says */
    int nparams;
} gate_info;

/* The table entry of gate g (g in [0, GATE_COUNT)). */
const gate_info *gate_get_info(int g);

/* The gate id of a canonical name, or -1 if there is none. */
int gate_lookup(const char *name);

/* Writes the 2^k x 2^k row-major matrix of built-in gate g with parameters
 * params into m. Not for GATE_UNITARY (its matrix is in the operation). */
void gate_matrix(int g, const double *params, double complex *m);

/* The adjoint of built-in g as a built-in: its id, with its parameters
 * (CIRC_MAX_PARAMS of them, read from params) rewritten in place. Returns -1
 * (params untouched) when the adjoint is not a built-in with the same qubits:
 * the caller then takes the conjugate transpose of the matrix. */
int gate_adjoint(int g, double *params);

/* The built-in that is g with ncontrols controls added before its qubits
 * (cx for x and one control, ccx for x and two ...), or -1 if there is none. */
int gate_controlled(int g, int ncontrols);

/* How far two dim x dim matrices are apart up to a global phase: the largest
 * entry of |a - e^{i phi} b| for the phase phi that matches their largest
 * entries (2 or more when they are not alike at all). */
double gate_phase_distance(const double complex *a, const double complex *b, int dim);

#endif
