/* expect.c - expectation values by the method asked (see expect.h): Pauli
 * propagation through the circuit and its noise plan, or the state on the
 * backward light cone; `auto` choosing between them.
 * Not for: the Pauli algebra (pauliprop.c) or the MPS (mps.c). */
#include "expect.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "gates.h"
#include "lightcone.h"
#include "pauliprop.h"
#include "run.h"

int expect_parse_method(const char *value, int *method)
{
    static const struct { const char *name; int method; } names[] = {
        {"auto", EXPECT_AUTO}, {"state", EXPECT_STATE}, {"heisenberg", EXPECT_HEISENBERG},
        {"heisenberg-mps", EXPECT_HEISENBERG_MPS}};
    for (int m = 0; m < 4; m++)
        if (strcmp(value, names[m].name) == 0) { *method = names[m].method; return TN_OK; }
    return tn_fail(TN_ERR_USAGE, "option --expectation-method: '%s' is not one of auto, state, heisenberg, "
                   "heisenberg-mps", value);
}

const char *expect_method_name(int method)
{
    return method == EXPECT_STATE ? "state" : method == EXPECT_HEISENBERG ? "heisenberg"
         : method == EXPECT_HEISENBERG_MPS ? "heisenberg-mps" : "auto";
}

/* The adjoint of one noise step on the sum. */
static int propagate_step(pp_sum *s, const noisy_step_view *v)
{
    if (v->kind == NOISY_STEP_DEPHASE)
        return tn_fail(TN_ERR_USAGE, "the Heisenberg picture: 1/f dephasing draws a new phase per trajectory and has "
                       "no fixed adjoint (use --expectation-method state)");
    if (v->kind == NOISY_STEP_UNITARY) return pp_apply_unitary(s, v->unitary, v->nq, v->qubits);
    if (v->ch->is_identity) return TN_OK;
    double complex *ops;
    int nops;
    CALL(channel_kraus_ops(v->ch, &ops, &nops));
    int status = pp_apply_kraus(s, ops, nops, v->ch->nqubits, v->qubits);
    free(ops);
    return status;
}

/* The noise steps before (pre) or after op i (i == nops: the final ones), last first. */
static int propagate_noise(pp_sum *s, const noisy_plan *plan, size_t i, int pre)
{
    if (!plan) return TN_OK;
    size_t from, to;
    noisy_step_range(plan, i, pre, &from, &to);
    for (size_t j = to; j-- > from;) {
        noisy_step_view v;
        noisy_step_get(plan, j, &v);
        CALL(propagate_step(s, &v));
    }
    return TN_OK;
}

/* The adjoint of operation op on the sum (terminal measurements and barriers do nothing). */
static int propagate_op(pp_sum *s, const circuit *c, const circ_op *op)
{
    if (op->kind == OP_MEASURE || op->kind == OP_BARRIER) return TN_OK;
    if (op->kind == OP_RESET) {   /* R(rho) = |0><0| tr_q rho: Kraus |0><0| and |0><1| */
        static const double complex reset_ops[8] = {1, 0, 0, 0, 0, 1, 0, 0};
        return pp_apply_kraus(s, reset_ops, 2, 1, op->qubits);
    }
    if (op->gate == GATE_ID || op->gate == GATE_DELAY) return TN_OK;
    if (op->nqubits > PP_MAX_GATE_QUBITS)
        return tn_fail(TN_ERR_USAGE, "%s:%d:%d: the Heisenberg picture takes gates of at most %d qubits, this one has %d "
                       "(use --expectation-method state)", c->source, op->line, op->col, PP_MAX_GATE_QUBITS,
                       op->nqubits);
    double complex m[64];
    const double complex *u = m;
    if (op->gate == GATE_UNITARY) u = op->matrix;
    else gate_matrix(op->gate, op->params, m);
    return pp_apply_unitary(s, u, op->nqubits, op->qubits);
}

static int propagate_circuit(pp_sum *s, const circuit *c, const noisy_plan *plan)
{
    CALL(propagate_noise(s, plan, c->nops, 0));
    for (size_t i = c->nops; i-- > 0;) {
        CALL(propagate_noise(s, plan, i, 0));
        CALL(propagate_op(s, c, &c->ops[i]));
        CALL(propagate_noise(s, plan, i, 1));
    }
    return TN_OK;
}

/* One propagation at `cutoff`: its value, dropped |c| and c^2, most strings. */
static int propagate_once(const circuit *c, const noisy_plan *plan, const char *paulis, double cutoff,
                          size_t max_terms, double *value, double *dropped_abs, double *dropped_sq, size_t *most,
                          size_t *left)
{
    pp_options po = {cutoff, max_terms};
    pp_sum *s;
    CALL(pp_create(c->nqubits, &po, &s));
    int status = pp_add_string(s, paulis, 1.0);
    if (status == TN_OK) status = propagate_circuit(s, c, plan);
    *value = pp_expect_zero(s);
    *dropped_abs = pp_dropped_abs(s);
    *dropped_sq = pp_dropped_sq(s);
    *most = pp_max_terms_seen(s);
    *left = pp_terms(s);
    pp_destroy(&s);
    return status;
}

int expect_heisenberg(const circuit *c, const noisy_plan *plan, const char *paulis, const expect_options *opt,
                      expect_report *rep)
{
    circ_stats st;
    circ_get_stats(c, &st);
    if (st.dynamic)
        return tn_fail(TN_ERR_USAGE, "the Heisenberg picture: %s has mid-circuit measurement, reset or if() "
                       "(use --expectation-method state)", c->source);
    size_t budget = opt->pauli_max_terms ? opt->pauli_max_terms
                  : opt->method == EXPECT_AUTO ? EXPECT_AUTO_PAULI_MAX_TERMS : EXPECT_DEFAULT_PAULI_MAX_TERMS;
    double value, dropped_abs, dropped_sq;
    size_t left, coarse_left;
    int status = propagate_once(c, plan, paulis, opt->pauli_cutoff, budget, &value, &dropped_abs, &dropped_sq,
                                &rep->pauli_terms_max, &left);
    if (status != TN_OK) return status;
    rep->method = EXPECT_HEISENBERG;
    rep->value = fmax(-1, fmin(1, value));   /* a Pauli string's expectation, as the state path clamps it */
    rep->error_bound = dropped_abs;
    rep->dropped_weight = dropped_sq;
    rep->fidelity_estimate = 1;
    rep->max_bond = 1;
    rep->error_estimate = 0;
    if (dropped_abs > 0) {   /* self-convergence: the change when the cutoff is EXPECT_CONVERGENCE_FACTOR times larger */
        double coarse, da, ds;
        size_t most;
        CALL(propagate_once(c, plan, paulis, opt->pauli_cutoff * EXPECT_CONVERGENCE_FACTOR, budget, &coarse, &da, &ds,
                            &most, &coarse_left));
        rep->error_estimate = fmin(fabs(coarse - value), dropped_abs);   /* the bound, when it is tighter */
        if (left == 0 || value == 0)   /* no I/Z string survived: no information but |<O>| <= 1 */
            rep->error_estimate = fmin(1, dropped_abs);
    }
    return status;
}
