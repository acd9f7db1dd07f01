/* api_circuit.c - circuits in the public API (tnemu.h): read from a file or
 * text by the command's own front ends, or built gate by gate into the same
 * intermediate representation (circuit.h).
 * Not for: running them (api_run.c). */
#include "api.h"

#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "circuit.h"
#include "error.h"
#include "gates.h"
#include "input.h"
#include "originir.h"
#include "qasm.h"

/* A tnemu_circuit is the engine's circuit itself. */
struct tnemu_circuit {
    circuit c;
};

static int check_format(const char *format)
{
    if (format && strcmp(format, "qasm") && strcmp(format, "originir"))
        return api_bad("format '%s' is not one of: qasm, originir", format);
    return TN_OK;
}

static int parse_text(const char *text, size_t len, const char *name, const char *format, tnemu_circuit **out)
{
    circuit *c = NULL;
    int status = originir_wants(name, format) ? originir_parse_string(text, len, name, &c)
                                              : qasm_parse_string(text, len, name, &c);
    *out = (tnemu_circuit *)c;
    return status;
}

int tnemu_circuit_load(const char *path, const char *format, tnemu_circuit **out)
{
    api_enter();
    if (!out) return api_status(api_bad("tnemu_circuit_load: out is NULL"));
    *out = NULL;
    if (!path) return api_status(api_bad("tnemu_circuit_load: path is NULL"));
    CALL(api_status(check_format(format)));
    char *text = NULL;
    size_t len = 0;
    int status = input_read_file(path, &text, &len);
    if (status == TN_OK) status = parse_text(text, len, input_name(path), format, out);
    free(text);
    return api_status(status);
}

int tnemu_circuit_parse(const char *text, int64_t len, const char *name, const char *format, tnemu_circuit **out)
{
    api_enter();
    if (!out) return api_status(api_bad("tnemu_circuit_parse: out is NULL"));
    *out = NULL;
    if (!text) return api_status(api_bad("tnemu_circuit_parse: text is NULL"));
    CALL(api_status(check_format(format)));
    size_t n = len < 0 ? strlen(text) : (size_t)len;
    return api_status(parse_text(text, n, name ? name : "<string>", format, out));
}

int tnemu_circuit_create(int64_t nqubits, int64_t nclbits, tnemu_circuit **out)
{
    api_enter();
    if (!out) return api_status(api_bad("tnemu_circuit_create: out is NULL"));
    *out = NULL;
    if (nqubits < 1 || nqubits > 1000000) return api_status(api_bad("nqubits %lld is not in [1, 1000000]", (long long)nqubits));
    if (nclbits < 0 || nclbits > 1000000) return api_status(api_bad("nclbits %lld is not in [0, 1000000]", (long long)nclbits));
    circuit *c = NULL;
    int idx, status = circ_create("<built>", &c);
    if (status == TN_OK) status = circ_add_qreg(c, "q", (int)nqubits, &idx);
    if (status == TN_OK && nclbits > 0) status = circ_add_creg(c, "c", (int)nclbits, &idx);
    if (status != TN_OK) circ_destroy(&c);
    *out = (tnemu_circuit *)c;
    return api_status(status);
}

/* Checks and copies k qubit indices into op (distinct, in range). */
static int set_qubits(const circuit *c, circ_op *op, int64_t k, const int64_t *qubits, const char *what)
{
    if (k < 1 || k > CIRC_MAX_GATE_QUBITS) return api_bad("%s acts on 1 to %d qubits, not %lld", what, CIRC_MAX_GATE_QUBITS, (long long)k);
    if (!qubits) return api_bad("%s: qubits is NULL", what);
    for (int64_t i = 0; i < k; i++) {
        if (qubits[i] < 0 || qubits[i] >= c->nqubits)
            return api_bad("%s: qubit %lld is out of range for a %d-qubit circuit", what, (long long)qubits[i], c->nqubits);
        for (int64_t j = 0; j < i; j++)
            if (qubits[j] == qubits[i]) return api_bad("%s: qubit %lld is given twice", what, (long long)qubits[i]);
        op->qubits[i] = (int)qubits[i];
    }
    op->nqubits = (int)k;
    return TN_OK;
}

static void new_op(const circuit *c, int kind, circ_op *op)
{
    memset(op, 0, sizeof *op);
    op->kind = kind;
    op->cond_reg = -1;
    op->clbit = -1;
    op->line = (int)c->nops + 1;   /* messages name the operation's position */
    op->col = 1;
}

int tnemu_circuit_gate(tnemu_circuit *tc, const char *name, int64_t nqubits, const int64_t *qubits, int64_t nparams,
                       const double *params)
{
    api_enter();
    if (!tc || !name) return api_status(api_bad("tnemu_circuit_gate: circuit or name is NULL"));
    circuit *c = &tc->c;
    int g = gate_lookup(name);
    if (g < 0 || g == GATE_UNITARY) return api_status(api_bad("unknown gate '%s'", name));
    const gate_info *info = gate_get_info(g);
    if (nqubits != info->nqubits)
        return api_status(api_bad("gate %s acts on %d qubit(s), not %lld", name, info->nqubits, (long long)nqubits));
    if (nparams != info->nparams)
        return api_status(api_bad("gate %s takes %d parameter(s), not %lld", name, info->nparams, (long long)nparams));
    circ_op op;
    new_op(c, OP_GATE, &op);
    op.gate = g;
    CALL(api_status(set_qubits(c, &op, nqubits, qubits, name)));
    for (int64_t i = 0; i < nparams; i++) {
        if (!params || !isfinite(params[i])) return api_status(api_bad("gate %s: parameter %lld is not a finite number", name, (long long)i));
        op.params[i] = params[i];
    }
    return api_status(circ_append(c, &op));
}

#define UNITARY_TOLERANCE 1e-8

/* The largest entry of |U U^dagger - I| (d x d). */
static double unitarity_error(int d, const double complex *u)
{
    double worst = 0;
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++) {
            double complex s = 0;
            for (int k = 0; k < d; k++) s += u[i * d + k] * conj(u[j * d + k]);
            double e = cabs(s - (i == j ? 1.0 : 0.0));
            if (e > worst || isnan(e)) worst = isnan(e) ? INFINITY : e;
        }
    return worst;
}

int tnemu_circuit_unitary(tnemu_circuit *tc, int64_t k, const int64_t *qubits, const double *matrix)
{
    api_enter();
    if (!tc || !matrix) return api_status(api_bad("tnemu_circuit_unitary: circuit or matrix is NULL"));
    circuit *c = &tc->c;
    circ_op op;
    new_op(c, OP_GATE, &op);
    op.gate = GATE_UNITARY;
    CALL(api_status(set_qubits(c, &op, k, qubits, "unitary")));
    int d = 1 << k;
    double complex *u = tn_malloc((size_t)d * d * sizeof *u);
    if (!u) return api_status(TN_ERR_MEMORY);
    for (size_t i = 0; i < (size_t)d * d; i++) u[i] = matrix[2 * i] + I * matrix[2 * i + 1];
    double err = unitarity_error(d, u);
    int status = err <= UNITARY_TOLERANCE ? TN_OK
                                          : api_bad("the %dx%d matrix is not unitary: |U U^dagger - I| = %.3g > %g", d, d,
                                                    err, UNITARY_TOLERANCE);
    op.matrix = u;
    if (status == TN_OK) status = circ_append(c, &op);   /* copies the matrix */
    free(u);
    return api_status(status);
}

int tnemu_circuit_measure(tnemu_circuit *tc, int64_t qubit, int64_t clbit)
{
    api_enter();
    if (!tc) return api_status(api_bad("tnemu_circuit_measure: circuit is NULL"));
    circuit *c = &tc->c;
    circ_op op;
    new_op(c, OP_MEASURE, &op);
    CALL(api_status(set_qubits(c, &op, 1, &qubit, "measure")));
    if (clbit < 0 || clbit >= c->nclbits)
        return api_status(api_bad("measure: classical bit %lld is out of range for %d classical bits", (long long)clbit,
                                  c->nclbits));
    op.clbit = (int)clbit;
    return api_status(circ_append(c, &op));
}

int tnemu_circuit_measure_all(tnemu_circuit *tc)
{
    api_enter();
    if (!tc) return api_status(api_bad("tnemu_circuit_measure_all: circuit is NULL"));
    if (tc->c.nclbits < tc->c.nqubits)
        return api_status(api_bad("measure all: %d classical bits for %d qubits", tc->c.nclbits, tc->c.nqubits));
    for (int q = 0; q < tc->c.nqubits; q++) {
        int status = tnemu_circuit_measure(tc, q, q);
        if (status) return status;
    }
    return TNEMU_OK;
}

int tnemu_circuit_reset(tnemu_circuit *tc, int64_t qubit)
{
    api_enter();
    if (!tc) return api_status(api_bad("tnemu_circuit_reset: circuit is NULL"));
    circ_op op;
    new_op(&tc->c, OP_RESET, &op);
    CALL(api_status(set_qubits(&tc->c, &op, 1, &qubit, "reset")));
    return api_status(circ_append(&tc->c, &op));
}

int tnemu_circuit_info(const tnemu_circuit *tc, int64_t *nqubits, int64_t *nclbits, int64_t *nops, int64_t *depth,
                       int64_t *dynamic)
{
    api_enter();
    if (!tc) return api_status(api_bad("tnemu_circuit_info: circuit is NULL"));
    circ_stats st;
    circ_get_stats(&tc->c, &st);
    if (nqubits) *nqubits = tc->c.nqubits;
    if (nclbits) *nclbits = tc->c.nclbits;
    if (nops) *nops = (int64_t)tc->c.nops;
    if (depth) *depth = st.depth;
    if (dynamic) *dynamic = st.dynamic;
    return TNEMU_OK;
}

void tnemu_circuit_free(tnemu_circuit **tc)
{
    if (!tc) return;
    circuit *c = (circuit *)*tc;
    circ_destroy(&c);
    *tc = NULL;
}

/* Not in tnemu.h: the engine's circuit of a handle (api_run.c). */
const circuit *api_circuit(const tnemu_circuit *tc) { return &tc->c; }
