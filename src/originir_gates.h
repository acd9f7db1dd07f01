/* originir_gates.h - OriginIR's gate set as tnemu operations.
 *
 * QPanda's gate names (matched without regard to case), their arities and
 * how each becomes a gates.h gate or a dense matrix; the conventions that
 * differ from Qiskit's are listed at the top of originir.c.
 * Not for: reading OriginIR text (originir.c). */
#ifndef TN_ORIGINIR_GATES_H
#define TN_ORIGINIR_GATES_H

#include <complex.h>

#include "circuit.h"

/* How a source gate becomes an operation. */
enum originir_emit {
    E_PLAIN,        /* gates.h gate `gate` with the parameters as written */
    E_FIXED,        /* gates.h gate `gate` with the single parameter `fixed` */
    E_NEGATED,      /* gates.h gate `gate` with the parameter negated (ISWAPTHETA) */
    E_RPHI,         /* RPhi(theta, phi); fixed >= 0: theta is fixed (RPhi90, RPhi180) */
    E_U4,           /* dense e^{ia} RZ(b) RY(g) RZ(d) */
    E_CU,           /* controlled U4 as GATE_CU */
    E_XY,           /* iswaptheta(-t/2) */
    E_PHASE2Q,      /* dense U1 (x) U1 then ZZ */
    E_UU15          /* dense U3 (x) U3, XX, YY, ZZ, U3 (x) U3 */
};

typedef struct {
    const char *name;
    int nqubits, nparams;
    int emit;          /* enum originir_emit */
    int gate;          /* gates.h id */
    double fixed;
} originir_gate;

/* The gate named by the len bytes at name (any case), or NULL. */
const originir_gate *originir_find_gate(const char *name, int len);

/* Fills op (gate and parameters, or a dense matrix into dense, room for 4 x 4)
 * for gate g with source parameters p. */
void originir_gate_op(const originir_gate *g, const double *p, circ_op *op, double complex *dense);

#endif
