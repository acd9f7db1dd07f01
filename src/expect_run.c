/* expect_run.c - the observables of a run by the method asked (run.h,
 * expect_observables): for each observable its light cone, then Pauli
 * propagation, or the state of the light-cone circuit, or (noisy or
 * dynamic runs, or a cone as wide as the circuit) the main state run.
 * Not for: the methods themselves (expect.c, pauliprop.c, run.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "expect.h"
#include "lightcone.h"
#include "opmps.h"
#include "run.h"

/* "Z0 X3" over the cone's renumbered qubits (buf: 12 characters a qubit). */
static void remap_observable(const char *paulis, int n, const int *new_index, char *buf)
{
    char *at = buf;
    for (int q = 0; q < n; q++)
        if (paulis[q] != 'I') at += sprintf(at, "%s%c%d", at == buf ? "" : " ", paulis[q], new_index[q]);
    if (at == buf) sprintf(buf, "I0");
}

/* An observable's light-cone circuit with its Pauli string there: one
 * letter per qubit of the cone (paulis) and as an --observable spec. */
typedef struct {
    circuit *sub;
    char *paulis, *spec;
} cone_circuit;

static void cone_free(cone_circuit *k)
{
    circ_destroy(&k->sub);
    free(k->paulis);
    free(k->spec);
}

static int cone_build(const circuit *c, const char *paulis, const unsigned char *keep, const unsigned char *in_cone,
                      cone_circuit *k)
{
    int n = c->nqubits;
    memset(k, 0, sizeof *k);
    int *new_index = tn_malloc((size_t)n * sizeof(int));
    k->paulis = tn_malloc((size_t)n + 1);
    k->spec = tn_malloc(12 * (size_t)n + 4);
    int status = new_index && k->paulis && k->spec ? lightcone_circuit(c, keep, in_cone, &k->sub, new_index)
                                                   : TN_ERR_MEMORY;
    if (status == TN_OK) {
        remap_observable(paulis, n, new_index, k->spec);
        for (int q = 0; q < n; q++)
            if (new_index[q] >= 0) k->paulis[new_index[q]] = paulis[q];
        k->paulis[k->sub->nqubits] = 0;
    }
    free(new_index);
    if (status != TN_OK) cone_free(k);
    return status;
}

/* The state method on the light-cone circuit sub (noiseless, static). */
static int state_on_cone(const circuit *sub, const run_options *opt, const char *spec, expect_report *rep)
{
    run_options so = *opt;
    so.shots = 0;
    so.observables = &spec;
    so.nobservables = 1;
    so.amplitudes = NULL;
    so.namplitudes = 0;
    so.probabilities = 0;
    so.site_of = NULL;
    so.order = opt->order && strcmp(opt->order, "auto") == 0 ? "auto" : "identity";
    memset(&so.checkpoint, 0, sizeof so.checkpoint);
    so.progress_every = 0;
    so.noise = NULL;
    so.expect.method = EXPECT_STATE;
    so.expect.lightcone = 0;
    run_result sr;
    int status = run_circuit(sub, &so, &sr);
    if (status == TN_OK) {
        rep->value = sr.expectation[0];
        rep->fidelity_estimate = sr.fidelity_estimate;
        rep->dropped_weight = sr.discarded_weight;
        rep->error_estimate = 2 * sqrt(fmax(0, 1 - sr.fidelity_estimate));
        rep->error_bound = rep->error_estimate;
        rep->max_bond = 1;
        for (int b = 0; b + 1 < sub->nqubits; b++)
            if (sr.bond_dims[b] > rep->max_bond) rep->max_bond = sr.bond_dims[b];
        rep->done = 1;
    }
    run_result_free(&sr);
    return status;
}

/* The state method for one observable: on its cone when that helps. */
static int by_state(const circuit *c, const run_options *opt, const char *paulis, const unsigned char *keep,
                    const unsigned char *in_cone, expect_report *rep)
{
    rep->method = EXPECT_STATE;
    circ_stats st;
    circ_get_stats(c, &st);
    int noisy = opt->noise && opt->noise->scale > 0;
    if (!opt->expect.lightcone || noisy || st.dynamic || rep->lightcone_qubits == c->nqubits) {
        rep->lightcone = 0;   /* the main state run computes it */
        return TN_OK;
    }
    cone_circuit k;
    CALL(cone_build(c, paulis, keep, in_cone, &k));
    int status = state_on_cone(k.sub, opt, k.spec, rep);
    cone_free(&k);
    rep->lightcone = 1;
    return status;
}

/* The operator MPS for one observable, on its light-cone circuit. */
static int by_operator_mps(const circuit *c, const run_options *opt, const char *paulis, const unsigned char *keep,
                           const unsigned char *in_cone, expect_report *rep)
{
    if (opt->noise && opt->noise->scale > 0)
        return tn_fail(TN_ERR_USAGE, "option --expectation-method heisenberg-mps: the operator MPS is noiseless "
                       "(use heisenberg, Pauli strings, which take the noise's adjoint channels)");
    circ_stats st;
    circ_get_stats(c, &st);
    if (st.dynamic)
        return tn_fail(TN_ERR_USAGE, "option --expectation-method heisenberg-mps: %s has mid-circuit measurement, reset "
                       "or if(); the operator MPS takes static circuits only (use --expectation-method state)",
                       c->source);
    cone_circuit k;
    CALL(cone_build(c, paulis, keep, in_cone, &k));
    int status = opmps_expect(k.sub, opt, k.paulis, rep);
    cone_free(&k);
    rep->lightcone = 1;
    snprintf(rep->note, sizeof rep->note, "heisenberg-mps: asked");
    return status;
}

/* Pauli propagation for one observable; under auto a refusal or an
 * exhausted budget leaves the observable to the state (*fallback = 1). */
static int by_heisenberg(const circuit *c, const run_options *opt, noisy_plan **plan, const char *paulis,
                         expect_report *rep, int *fallback)
{
    *fallback = 0;
    int status = TN_OK;
    if (opt->noise && opt->noise->scale > 0 && !*plan) status = noisy_plan_create(opt->noise, c, &opt->noisy, plan);
    if (status == TN_OK) status = expect_heisenberg(c, *plan, paulis, &opt->expect, rep);
    if (status == TN_OK) {
        rep->done = 1;
        rep->lightcone = 1;   /* implicit: gates off the strings' support are skipped */
        return TN_OK;
    }
    if (opt->expect.method == EXPECT_HEISENBERG || (status != TN_ERR_USAGE && status != TN_ERR_NUMERIC)) return status;
    snprintf(rep->note, sizeof rep->note, "state: %s", tn_last_message());
    tn_clear_error();
    *fallback = 1;
    return TN_OK;
}

/* Bond dimension of auto's probes: small enough to cost a fraction of the
 * real run, large enough that the truncation they report ranks the methods. */
#define EXPECT_PROBE_CHI 8

/* auto, when Pauli strings gave no answer: which of the state and the
 * operator MPS keeps more of its norm at EXPECT_PROBE_CHI on the light cone
 * (*use_operator = 1: the operator MPS). Static noiseless circuits only. */
static int probe_methods(const circuit *c, const run_options *opt, const char *paulis, const unsigned char *keep,
                         const unsigned char *in_cone, int *use_operator, char *why, size_t why_size)
{
    run_options po = *opt;
    po.trunc.max_chi = opt->trunc.max_chi > 0 && opt->trunc.max_chi < EXPECT_PROBE_CHI ? opt->trunc.max_chi
                                                                                       : EXPECT_PROBE_CHI;
    cone_circuit k;
    CALL(cone_build(c, paulis, keep, in_cone, &k));
    expect_report state_rep, op_rep;
    memset(&state_rep, 0, sizeof state_rep);
    memset(&op_rep, 0, sizeof op_rep);
    int status = state_on_cone(k.sub, &po, k.spec, &state_rep);
    if (status == TN_OK) status = opmps_expect(k.sub, &po, k.paulis, &op_rep);
    cone_free(&k);
    if (status == TN_OK) {
        *use_operator = op_rep.fidelity_estimate > state_rep.fidelity_estimate;
        snprintf(why, why_size, "%s: at bond %d the operator MPS keeps %.3g of its norm, the state %.3g",
                 *use_operator ? "heisenberg-mps" : "state", po.trunc.max_chi, op_rep.fidelity_estimate,
                 state_rep.fidelity_estimate);
    }
    return status;
}

/* auto after Pauli propagation failed or gave no answer: the state or the
 * operator MPS, by probe_methods, for a static noiseless circuit; otherwise
 * the state (*fallback stays 1). */
static int auto_after_strings(const circuit *c, const run_options *opt, const char *paulis,
                              const unsigned char *keep, const unsigned char *in_cone, expect_report *rep, int *fallback)
{
    circ_stats st;
    circ_get_stats(c, &st);
    if ((opt->noise && opt->noise->scale > 0) || st.dynamic) return TN_OK;
    int use_operator = 0;
    char why[sizeof rep->note / 2 - 8];
    CALL(probe_methods(c, opt, paulis, keep, in_cone, &use_operator, why, sizeof why));
    char strings[sizeof rep->note / 2 - 8];   /* why the strings gave no answer */
    const char *reason = *fallback ? rep->note + (strncmp(rep->note, "state: ", 7) ? 0 : 7)
                                   : "no Pauli string without X or Y survived the cutoff";
    size_t len = strlen(reason) < sizeof strings - 1 ? strlen(reason) : sizeof strings - 1;
    memcpy(strings, reason, len);
    strings[len] = 0;
    if (!use_operator) {   /* the state, even where the strings ended: their answer was none */
        *fallback = 1;
        rep->done = 0;
        snprintf(rep->note, sizeof rep->note, "%s; %s", why, strings);
        return TN_OK;
    }
    expect_report op;
    memset(&op, 0, sizeof op);
    op.lightcone_qubits = rep->lightcone_qubits;
    op.gates_kept = rep->gates_kept;
    op.gates_total = rep->gates_total;
    CALL(by_operator_mps(c, opt, paulis, keep, in_cone, &op));
    snprintf(op.note, sizeof op.note, "%s; %s", why, strings);
    *rep = op;
    *fallback = 0;
    return TN_OK;
}

static int one_observable(const circuit *c, const run_options *opt, noisy_plan **plan, int k, char *paulis,
                          unsigned char *observed, unsigned char *keep, unsigned char *in_cone, expect_report *rep)
{
    double t0 = run_now();
    int n = c->nqubits, noisy = opt->noise && opt->noise->scale > 0;
    CALL(run_parse_observable(opt->observables[k], n, paulis));
    for (int q = 0; q < n; q++) observed[q] = paulis[q] != 'I';
    lightcone_info li;
    lightcone_mark(c, observed, noisy, keep, in_cone, &li);
    rep->lightcone_qubits = li.qubits;
    rep->gates_kept = li.gates;
    rep->gates_total = li.gates_total;
    int fallback = 1;
    if (opt->expect.method == EXPECT_HEISENBERG_MPS) {
        CALL(by_operator_mps(c, opt, paulis, keep, in_cone, rep));
        fallback = 0;
    } else if (opt->expect.method != EXPECT_STATE) {
        CALL(by_heisenberg(c, opt, plan, paulis, rep, &fallback));
        if (!fallback && opt->expect.method == EXPECT_AUTO)
            snprintf(rep->note, sizeof rep->note, "heisenberg: static circuit, at most %zu Pauli strings",
                     rep->pauli_terms_max);
        /* auto: no string survived (no answer) or too many: the state or the operator MPS */
        if (opt->expect.method == EXPECT_AUTO && (fallback || rep->error_estimate >= 1))
            CALL(auto_after_strings(c, opt, paulis, keep, in_cone, rep, &fallback));
    } else {
        snprintf(rep->note, sizeof rep->note, "state: asked");
    }
    if (fallback) CALL(by_state(c, opt, paulis, keep, in_cone, rep));
    rep->seconds = run_now() - t0;
    return TN_OK;
}

int expect_observables(const circuit *c, const run_options *opt, run_result *res)
{
    int n = c->nqubits, nobs = opt->nobservables;
    res->expect_reports = tn_calloc((size_t)nobs + 1, sizeof(expect_report));
    char *paulis = tn_malloc((size_t)n + 1);
    unsigned char *observed = tn_malloc((size_t)n), *in_cone = tn_malloc((size_t)n);
    unsigned char *keep = tn_malloc(c->nops + 1);
    int status = res->expect_reports && paulis && observed && in_cone && keep ? TN_OK : TN_ERR_MEMORY;
    noisy_plan *plan = NULL;
    for (int k = 0; k < nobs && status == TN_OK; k++) {
        expect_report *rep = &res->expect_reports[k];
        status = one_observable(c, opt, &plan, k, paulis, observed, keep, in_cone, rep);
        if (status == TN_OK && rep->done) res->expectation[k] = rep->value;
    }
    noisy_plan_destroy(&plan);
    free(paulis);
    free(observed);
    free(in_cone);
    free(keep);
    return status;
}

int expect_all_done(const run_result *res, int nobservables)
{
    for (int k = 0; k < nobservables; k++)
        if (!res->expect_reports || !res->expect_reports[k].done) return 0;
    return 1;
}
