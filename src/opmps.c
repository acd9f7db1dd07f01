/* opmps.c - expectation values in the Heisenberg picture as a tensor
 * network: the observable evolved backwards through the circuit as an
 * operator MPS (see opmps.h).
 *
 * The operator O on n qubits is held as the state |O>> = sum_ij O_ij |i>|j>
 * of 2n qubits (qubit q's row index on qubit 2q, its column index on 2q + 1,
 * neighbours on the chain), normalised by |O|_F = 2^(n/2) for a Pauli
 * string. Since (A x C)|O>> = |A O C^T>>, the adjoint of a gate U,
 * O -> U^dagger O U, is the gate U^dagger x U^T on the qubits 2q and 2q + 1 of
 * its qubits q: an ordinary circuit on 2n qubits, which the MPS engine runs
 * (distributed over the group's ranks like any state, truncated by the
 * Frobenius norm of what it drops). A Pauli string is a product over the
 * pairs (bond dimension 1 between pairs) and a Clifford gate maps it to
 * another, so near-Clifford circuits stay cheap. Finally
 * <0|O'|0> = O'_{0...0, 0...0} = 2^(n/2) times the amplitude of |0...0>.
 * Not for: the Pauli-string form (pauliprop.c), choosing a method (expect.c). */
#include "opmps.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "gates.h"

/* The run at half the bond dimension must keep at least this much of the
 * operator's squared norm for the change between the two to be taken as the
 * error estimate (below it both are far from converged and the change can
 * vanish while the error does not: measured on the 127-qubit kicked Ising,
 * docs/utility). */
#define OPMPS_CONVERGED_FIDELITY 0.5

/* The superoperator of gate op: U^dagger x U^T (2k qubits, row-major, the
 * first k bits the rows). */
static void adjoint_pair(const double complex *u, int k, double complex *out)
{
    int d = 1 << k, dd = d * d;
    for (int r1 = 0; r1 < d; r1++)
        for (int c1 = 0; c1 < d; c1++) {
            double complex a = conj(u[c1 * d + r1]);   /* U^dagger[r1][c1] */
            for (int r2 = 0; r2 < d; r2++)
                for (int c2 = 0; c2 < d; c2++)
                    out[(size_t)(r1 * d + r2) * dd + (c1 * d + c2)] = a * u[c2 * d + r2];   /* U^T[r2][c2] */
        }
}

static int append_gate(circuit *d, int gate, int nq, const int *qubits, const double complex *matrix)
{
    circ_op op;
    memset(&op, 0, sizeof op);
    op.kind = OP_GATE;
    op.gate = gate;
    op.nqubits = nq;
    op.cond_reg = -1;
    memcpy(op.qubits, qubits, (size_t)nq * sizeof(int));
    op.matrix = (double complex *)matrix;
    return circ_append(d, &op);
}

/* The pairs start in |P_q>> / sqrt 2 for the letter P_q of paulis: a Bell
 * pair (|I>> / sqrt 2), then P_q on the row qubit. */
static int prepare_string(circuit *d, const char *paulis, int n)
{
    for (int q = 0; q < n; q++) {
        int row = 2 * q, pair[2] = {2 * q, 2 * q + 1};
        CALL(append_gate(d, GATE_H, 1, &row, NULL));
        CALL(append_gate(d, GATE_CX, 2, pair, NULL));
        int letter = paulis[q] == 'X' ? GATE_X : paulis[q] == 'Y' ? GATE_Y : paulis[q] == 'Z' ? GATE_Z : -1;
        if (letter >= 0) CALL(append_gate(d, letter, 1, &row, NULL));
    }
    return TN_OK;
}

/* The adjoint of operation op as a gate of the doubled circuit. */
static int adjoint_op(circuit *d, const circuit *c, const circ_op *op)
{
    if (op->kind == OP_MEASURE || op->kind == OP_BARRIER) return TN_OK;   /* terminal measurements: none in a cone */
    if (op->kind != OP_GATE || op->cond_reg >= 0)
        return tn_fail(TN_ERR_USAGE, "%s:%d:%d: the operator MPS takes static circuits only (reset or if() here; use "
                       "--expectation-method state)", c->source, op->line, op->col);
    if (op->gate == GATE_ID || op->gate == GATE_DELAY) return TN_OK;
    int k = op->nqubits;
    if (2 * k > CIRC_MAX_GATE_QUBITS)
        return tn_fail(TN_ERR_USAGE, "%s:%d:%d: the operator MPS takes gates of at most %d qubits, this one has %d "
                       "(use --expectation-method state)", c->source, op->line, op->col, CIRC_MAX_GATE_QUBITS / 2, k);
    double complex small[64];
    const double complex *u = small;
    if (op->gate == GATE_UNITARY) u = op->matrix;
    else gate_matrix(op->gate, op->params, small);
    size_t dim = (size_t)1 << (2 * k);
    double complex *super = tn_malloc(dim * dim * sizeof *super);
    if (!super) return TN_ERR_MEMORY;
    adjoint_pair(u, k, super);
    int qubits[CIRC_MAX_GATE_QUBITS];
    for (int j = 0; j < k; j++) {   /* the rows of U^dagger, then the columns of U^T */
        qubits[j] = 2 * op->qubits[j];
        qubits[k + j] = 2 * op->qubits[j] + 1;
    }
    int status = append_gate(d, GATE_UNITARY, 2 * k, qubits, super);
    free(super);
    return status;
}

int opmps_circuit(const circuit *c, const char *paulis, circuit **out)
{
    *out = NULL;
    circuit *d;
    CALL(circ_create(c->source, &d));
    int reg, status = circ_add_qreg(d, "op", 2 * c->nqubits, &reg);
    if (status == TN_OK) status = prepare_string(d, paulis, c->nqubits);
    for (size_t i = c->nops; status == TN_OK && i-- > 0;) status = adjoint_op(d, c, &c->ops[i]);
    if (status != TN_OK) { circ_destroy(&d); return status; }
    *out = d;
    return TN_OK;
}

/* One run of the doubled circuit at bond dimension chi: <0|O'|0>, with the
 * truncation undone in the norm (the engine renormalises after every cut;
 * the operator itself is what is left, not rescaled). */
static int evaluate(const circuit *d, const run_options *opt, int chi, double *value, run_result *sr)
{
    int n2 = d->nqubits;
    char *zeros = tn_malloc((size_t)n2 + 1);
    if (!zeros) return TN_ERR_MEMORY;
    memset(zeros, '0', (size_t)n2);
    zeros[n2] = 0;
    const char *amps[1] = {zeros};
    run_options so = *opt;
    so.trunc.max_chi = chi;
    so.shots = 0;
    so.observables = NULL;
    so.nobservables = 0;
    so.amplitudes = amps;
    so.namplitudes = 1;
    so.probabilities = 0;
    so.site_of = NULL;
    so.order = "identity";   /* pairs stay neighbours; the cone keeps the device's order */
    memset(&so.checkpoint, 0, sizeof so.checkpoint);
    so.progress_every = 0;
    so.trace_path = NULL;
    so.noise = NULL;
    so.expect.method = EXPECT_STATE;
    so.expect.lightcone = 0;
    int status = run_circuit(d, &so, sr);
    if (status == TN_OK) {
        /* |O>> / |O|_F evolves to the engine's normalised state; undoing the
         * renormalisations multiplies by sqrt(fidelity estimate) */
        double norm = ldexp(1.0, (n2 / 2) / 2) * ((n2 / 2) % 2 ? sqrt(2.0) : 1.0);
        *value = creal(sr->amplitudes[0]) * norm * exp(0.5 * sr->log_fidelity_estimate);
    }
    free(zeros);
    return status;
}

int opmps_expect(const circuit *c, const run_options *opt, const char *paulis, expect_report *rep)
{
    circuit *d;
    CALL(opmps_circuit(c, paulis, &d));
    int chi = opt->trunc.max_chi;
    run_result sr;
    memset(&sr, 0, sizeof sr);
    double value = 0;
    int status = evaluate(d, opt, chi, &value, &sr);
    if (status == TN_OK) {
        rep->method = EXPECT_HEISENBERG_MPS;
        rep->value = fmax(-1, fmin(1, value));
        rep->fidelity_estimate = sr.fidelity_estimate;
        rep->dropped_weight = sr.discarded_weight;
        rep->max_bond = 1;
        for (int b = 0; b + 1 < d->nqubits; b++)
            if (sr.bond_dims[b] > rep->max_bond) rep->max_bond = sr.bond_dims[b];
        rep->opmps_sites = d->nqubits;
        rep->opmps_decompositions = sr.decompositions;
        /* the Frobenius norm of what was dropped, relative to |O|_F: what a
         * Pauli string's error would be if the dropped part spread evenly */
        rep->error_bound = sqrt(fmax(0, 1 - sr.fidelity_estimate));
        rep->error_estimate = 0;
    }
    run_result_free(&sr);
    if (status == TN_OK && rep->error_bound > 0) {
        /* self-convergence: the change at half the bond dimension, when that
         * run still keeps most of the operator (OPMPS_CONVERGED_FIDELITY);
         * otherwise, or without a bond limit (a cutoff alone truncated), the
         * dropped norm itself, a conservative figure */
        rep->error_estimate = rep->error_bound;
        if (chi > 1) {
            double coarse = 0;
            memset(&sr, 0, sizeof sr);
            status = evaluate(d, opt, chi / 2, &coarse, &sr);
            if (status == TN_OK && sr.fidelity_estimate >= OPMPS_CONVERGED_FIDELITY)
                rep->error_estimate = fabs(coarse - value);
            run_result_free(&sr);
        }
    }
    circ_destroy(&d);
    if (status == TN_OK) rep->done = 1;
    return status;
}
