/* run.c - emulating one circuit on one process (see run.h). */
#include "run.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "order.h"
#include "rng.h"

#define DEFAULT_SHOTS 1024

double run_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int run_parse_observable(const char *spec, int nqubits, char *paulis)
{
    memset(paulis, 'I', (size_t)nqubits);
    const char *p = spec;
    int terms = 0;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == '*') p++;
        if (!*p) break;
        char letter = (char)toupper((unsigned char)*p);
        const char *digits = p + 1;
        char *end;
        long q = strtol(digits, &end, 10);
        if ((letter != 'X' && letter != 'Y' && letter != 'Z' && letter != 'I') || end == digits ||
            !isdigit((unsigned char)*digits) || (*end && *end != ' ' && *end != '\t' && *end != '*'))
            return tn_fail(TN_ERR_USAGE,
                           "option --observable: '%s' is not a list of P<qubit> with P in X Y Z I", spec);
        if (q < 0 || q >= nqubits)
            return tn_fail(TN_ERR_USAGE, "option --observable: qubit %ld in '%s' is out of range [0, %d]",
                           q, spec, nqubits - 1);
        if (paulis[q] != 'I')
            return tn_fail(TN_ERR_USAGE, "option --observable: qubit %ld appears twice in '%s'", q, spec);
        paulis[q] = letter;
        terms++;
        p = end;
    }
    if (!terms) return tn_fail(TN_ERR_USAGE, "option --observable: '%s' names no Pauli", spec);
    return TN_OK;
}

int run_parse_bits(const char *spec, int nqubits, unsigned char *bits)
{
    size_t len = strlen(spec);
    if (len != (size_t)nqubits)
        return tn_fail(TN_ERR_USAGE, "option --amplitude: '%.40s%s' has %zu bits, the circuit has %d qubits",
                       spec, len > 40 ? "..." : "", len, nqubits);
    for (size_t i = 0; i < len; i++) {
        if (spec[i] != '0' && spec[i] != '1')
            return tn_fail(TN_ERR_USAGE, "option --amplitude: character %zu of the bitstring is '%c', not 0 or 1",
                           i + 1, spec[i]);
        bits[len - 1 - i] = (unsigned char)(spec[i] - '0');
    }
    return TN_OK;
}

void run_result_free(run_result *res)
{
    for (size_t i = 0; i < res->ncounts; i++) free(res->counts[i].key);
    free(res->counts);
    free(res->amplitudes);
    free(res->expectation);
    free(res->expectation_stderr);
    free(res->bond_dims);
    free(res->site_of);
    memset(res, 0, sizeof *res);
}

/* ---- counts ------------------------------------------------------------- */

static int compare_keys(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Turns shots x width bit records (bit j of record s at s * width + j) into
 * sorted counts keyed with bit 0 rightmost. */
static int tally_counts(const unsigned char *records, long shots, int width, run_result *res)
{
    res->key_bits = width;
    if (shots == 0) return TN_OK;
    char **keys = tn_calloc((size_t)shots, sizeof(char *));
    if (!keys) return TN_ERR_MEMORY;
    int status = TN_OK;
    for (long s = 0; s < shots && status == TN_OK; s++) {
        keys[s] = tn_malloc((size_t)width + 1);
        if (!keys[s]) { status = TN_ERR_MEMORY; break; }
        for (int j = 0; j < width; j++) keys[s][width - 1 - j] = (char)('0' + records[(size_t)s * width + j]);
        keys[s][width] = '\0';
    }
    if (status == TN_OK) {
        qsort(keys, (size_t)shots, sizeof(char *), compare_keys);
        res->counts = tn_calloc((size_t)shots, sizeof(run_count));
        if (!res->counts) status = TN_ERR_MEMORY;
    }
    for (long s = 0; s < shots && status == TN_OK; s++) {
        if (res->ncounts && strcmp(res->counts[res->ncounts - 1].key, keys[s]) == 0) {
            res->counts[res->ncounts - 1].count++;
            free(keys[s]);
        } else {
            res->counts[res->ncounts].key = keys[s];
            res->counts[res->ncounts].count = 1;
            res->ncounts++;
        }
        keys[s] = NULL;
    }
    for (long s = 0; s < shots; s++) free(keys[s]);
    free(keys);
    return status;
}

/* ---- the two ways to run ------------------------------------------------ */

static int has_measure(const circuit *c)
{
    for (size_t i = 0; i < c->nops; i++)
        if (c->ops[i].kind == OP_MEASURE) return 1;
    return 0;
}

static void note_state(const mps *m, run_result *res)
{
    size_t bytes = mps_bytes(m);
    if (bytes > res->peak_state_bytes) res->peak_state_bytes = bytes;
}

/* Terminal measurements only: contract once, then sample every shot. */
static int run_static(const circuit *c, mps *m, const run_options *opt, run_result *res)
{
    double t0 = run_now();
    for (size_t i = 0; i < c->nops; i++)
        if (c->ops[i].kind == OP_GATE) {
            CALL(mps_apply_op(m, &c->ops[i]));
            if ((i & 63) == 0) note_state(m, res);
        }
    note_state(m, res);
    res->t_gates = run_now() - t0;
    t0 = run_now();
    if (res->shots > 0) {
        int n = c->nqubits, measured = has_measure(c);
        int width = measured ? c->nclbits : n;
        unsigned char *qbits = tn_malloc((size_t)res->shots * n);
        unsigned char *cbits = measured ? tn_calloc((size_t)res->shots * (width ? width : 1), 1) : NULL;
        if (!qbits || (measured && !cbits)) { free(qbits); free(cbits); return TN_ERR_MEMORY; }
        int status = mps_sample(m, (int)res->shots, opt->seed, 0, qbits);
        if (status == TN_OK && measured) {
            for (size_t i = 0; i < c->nops; i++) {
                const circ_op *op = &c->ops[i];
                if (op->kind != OP_MEASURE) continue;
                for (long s = 0; s < res->shots; s++)
                    cbits[(size_t)s * width + op->clbit] = qbits[(size_t)s * n + op->qubits[0]];
            }
        }
        if (status == TN_OK) status = tally_counts(measured ? cbits : qbits, res->shots, width, res);
        free(qbits);
        free(cbits);
        CALL(status);
    }
    res->t_sample = run_now() - t0;
    return TN_OK;
}

/* Index of the first operation that needs a shot of its own. */
static size_t first_dynamic_op(const circuit *c)
{
    for (size_t i = 0; i < c->nops; i++)
        if (c->ops[i].kind == OP_MEASURE || c->ops[i].kind == OP_RESET || c->ops[i].cond_reg >= 0) return i;
    return c->nops;
}

/* Runs operations from..end of one shot on m, with the shot's stream. */
static int run_shot_ops(const circuit *c, size_t from, mps *m, rng_stream *rng, unsigned char *clbits)
{
    for (size_t i = from; i < c->nops; i++) {
        const circ_op *op = &c->ops[i];
        if (op->cond_reg >= 0 && !circ_cond_holds(c, op->cond_reg, op->cond_value, clbits)) continue;
        int bit;
        switch (op->kind) {
        case OP_GATE: CALL(mps_apply_op(m, op)); break;
        case OP_MEASURE:
            CALL(mps_measure(m, op->qubits[0], rng_uniform(rng), &bit));
            clbits[op->clbit] = (unsigned char)bit;
            break;
        case OP_RESET: CALL(mps_reset(m, op->qubits[0], rng_uniform(rng))); break;
        default: break;
        }
    }
    return TN_OK;
}

/* Expectation values of the observables on m into values (real parts). */
static int observe(mps *m, const run_options *opt, int n, char *paulis, double *values)
{
    for (int k = 0; k < opt->nobservables; k++) {
        double complex v;
        CALL(run_parse_observable(opt->observables[k], n, paulis));
        CALL(mps_expect_pauli(m, paulis, &v));
        values[k] = creal(v);
    }
    return TN_OK;
}

/* A dynamic circuit: the deterministic prefix once, then every shot alone. */
static int run_dynamic(const circuit *c, mps *prefix_state, const run_options *opt, run_result *res)
{
    int n = c->nqubits, width = c->nclbits;
    size_t from = first_dynamic_op(c);
    double t0 = run_now();
    for (size_t i = 0; i < from; i++)
        if (c->ops[i].kind == OP_GATE) CALL(mps_apply_op(prefix_state, &c->ops[i]));
    long shots = res->shots > 0 ? res->shots : 1;
    unsigned char *records = tn_calloc((size_t)shots * (width ? width : 1), 1);
    char *paulis = tn_malloc((size_t)n + 1);
    double *values = tn_calloc((size_t)opt->nobservables + 1, sizeof(double));
    double *sum = tn_calloc((size_t)opt->nobservables + 1, sizeof(double));
    double *sum2 = tn_calloc((size_t)opt->nobservables + 1, sizeof(double));
    int *dims = tn_calloc((size_t)n, sizeof(int));
    int status = (records && paulis && values && sum && sum2 && dims) ? TN_OK : TN_ERR_MEMORY;
    double fidelity_sum = 0, discarded_sum = 0;
    for (long s = 0; s < shots && status == TN_OK; s++) {
        mps *m = NULL;
        rng_stream rng;
        rng_init_sub(&rng, opt->seed, 0, (uint32_t)s);
        status = mps_copy(prefix_state, &m);
        if (status == TN_OK) status = run_shot_ops(c, from, m, &rng, records + (size_t)s * width);
        if (status == TN_OK) status = observe(m, opt, n, paulis, values);
        if (status == TN_OK) {
            for (int k = 0; k < opt->nobservables; k++) { sum[k] += values[k]; sum2[k] += values[k] * values[k]; }
            fidelity_sum += mps_fidelity_estimate(m);
            discarded_sum += mps_discarded_weight(m);
            res->decompositions += mps_decompositions(m);
            mps_bond_dims(m, dims);
            for (int b = 0; b + 1 < n; b++)
                if (dims[b] > res->bond_dims[b]) res->bond_dims[b] = dims[b];
            note_state(m, res);
        }
        mps_destroy(&m);
    }
    res->t_gates = run_now() - t0;
    if (status == TN_OK) {
        res->fidelity_estimate = fidelity_sum / (double)shots;
        res->discarded_weight = discarded_sum / (double)shots;
        for (int k = 0; k < opt->nobservables; k++) {
            double mean = sum[k] / (double)shots, var = sum2[k] / (double)shots - mean * mean;
            res->expectation[k] = mean;
            res->expectation_stderr[k] = shots > 1 ? sqrt(fmax(var, 0) / (double)(shots - 1)) : 0;
        }
        if (res->shots > 0) status = tally_counts(records, res->shots, width, res);
    }
    free(records); free(paulis); free(values); free(sum); free(sum2); free(dims);
    return status;
}

/* ---- entry -------------------------------------------------------------- */

/* Checks observables and bitstrings before any work, so bad input fails fast. */
static int validate_requests(const circuit *c, const run_options *opt, int dynamic)
{
    int n = c->nqubits;
    char *paulis = tn_malloc((size_t)n + 1);
    unsigned char *bits = tn_malloc((size_t)n + 1);
    int status = (paulis && bits) ? TN_OK : TN_ERR_MEMORY;
    for (int k = 0; k < opt->nobservables && status == TN_OK; k++)
        status = run_parse_observable(opt->observables[k], n, paulis);
    for (int k = 0; k < opt->namplitudes && status == TN_OK; k++)
        status = run_parse_bits(opt->amplitudes[k], n, bits);
    if (status == TN_OK && dynamic && opt->namplitudes)
        status = tn_fail(TN_ERR_USAGE, "option --amplitude: %s has mid-circuit measurement, reset or if(); "
                         "its final state differs per shot, so amplitudes are not defined", c->source);
    free(paulis);
    free(bits);
    return status;
}

static int allocate_result(const circuit *c, const run_options *opt, run_result *res)
{
    int n = c->nqubits;
    res->amplitudes = tn_calloc((size_t)opt->namplitudes + 1, sizeof(double complex));
    res->expectation = tn_calloc((size_t)opt->nobservables + 1, sizeof(double));
    res->expectation_stderr = tn_calloc((size_t)opt->nobservables + 1, sizeof(double));
    res->bond_dims = tn_calloc((size_t)n, sizeof(int));
    res->site_of = tn_calloc((size_t)n, sizeof(int));
    if (!res->amplitudes || !res->expectation || !res->expectation_stderr || !res->bond_dims || !res->site_of)
        return TN_ERR_MEMORY;
    return TN_OK;
}

/* Amplitudes and expectation values of the final state of a static run. */
static int observe_static(const circuit *c, mps *m, const run_options *opt, run_result *res)
{
    int n = c->nqubits;
    char *paulis = tn_malloc((size_t)n + 1);
    unsigned char *bits = tn_malloc((size_t)n + 1);
    int status = (paulis && bits) ? TN_OK : TN_ERR_MEMORY;
    if (status == TN_OK) status = observe(m, opt, n, paulis, res->expectation);
    for (int k = 0; k < opt->namplitudes && status == TN_OK; k++) {
        status = run_parse_bits(opt->amplitudes[k], n, bits);
        if (status == TN_OK) status = mps_amplitude(m, bits, &res->amplitudes[k]);
    }
    free(paulis);
    free(bits);
    return status;
}

int run_circuit(const circuit *c, const run_options *opt, run_result *res)
{
    memset(res, 0, sizeof *res);
    if (c->nqubits < 1) return tn_fail(TN_ERR_INPUT, "%s: the circuit declares no qubits", c->source);
    circ_stats st;
    circ_get_stats(c, &st);
    res->nqubits = c->nqubits;
    res->nclbits = c->nclbits;
    res->dynamic = st.dynamic;
    res->shots = opt->shots >= 0 ? opt->shots : (has_measure(c) ? DEFAULT_SHOTS : 0);
    CALL(validate_requests(c, opt, st.dynamic));
    CALL(allocate_result(c, opt, res));
    double t0 = run_now();
    CALL(order_choose(c, opt->order, res->site_of));
    res->swap_distance = order_swap_distance(c, res->site_of);
    mps *m;
    CALL(mps_create(c->nqubits, res->site_of, &opt->trunc, &m));
    res->t_plan = run_now() - t0;
    int status;
    if (st.dynamic) {
        status = run_dynamic(c, m, opt, res);
    } else {
        status = run_static(c, m, opt, res);
        double t1 = run_now();
        if (status == TN_OK) status = observe_static(c, m, opt, res);
        res->t_observe = run_now() - t1;
        res->fidelity_estimate = mps_fidelity_estimate(m);
        res->discarded_weight = mps_discarded_weight(m);
        res->decompositions = mps_decompositions(m);
        mps_bond_dims(m, res->bond_dims);
    }
    for (int b = 0; b + 1 < c->nqubits; b++)
        if (res->bond_dims[b] > res->max_bond) res->max_bond = res->bond_dims[b];
    if (c->nqubits == 1) res->max_bond = 1;
    mps_destroy(&m);
    return status;
}
