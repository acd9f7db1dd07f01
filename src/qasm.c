/* qasm.c - the OpenQASM 2.0 front end (see qasm.h).
 *
 * The text is cut into tokens once (qasm_lex.c, with the cursor and the
 * parameter expressions), then read by a recursive-descent parser. Custom gates keep their body as a token range
 * and are expanded at each call with the call's parameter values and qubits.
 * qelib1.inc is built in: its gates map onto the built-in gate table, and
 * the few that gates.h lacks (rccx, rc3x, c3x, c3sqrtx, c4x) are built from
 * Qiskit's definitions or as exact dense matrices. Every error is one line
 * "FILE:LINE:COL: error: ..." and leaves no circuit behind. With a header
 * `OPENQASM 3` each statement goes to qasm3.c first, which shares the
 * pieces declared in qasm_parse.h.
 * Not for: simulation. */
#include "qasm.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "gates.h"
#include "input.h"
#include "qasm_parse.h"

#define MAX_INCLUDE_DEPTH 8
#define MAX_GATE_DEPTH 64
#define MAX_REG_SIZE 1000000

/* ---- gate definitions ---------------------------------------------------- */


static unsigned hash_name(const char *s, int len)
{
    unsigned h = 2166136261u;
    for (int i = 0; i < len; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static int find_def(const parser *ps, const char *name, int len)
{
    if (!ps->hash_cap) return -1;
    unsigned h = hash_name(name, len) & (unsigned)(ps->hash_cap - 1);
    while (ps->def_hash[h] >= 0) {
        const gate_def *d = &ps->defs[ps->def_hash[h]];
        if ((int)strlen(d->name) == len && memcmp(d->name, name, (size_t)len) == 0) return ps->def_hash[h];
        h = (h + 1) & (unsigned)(ps->hash_cap - 1);
    }
    return -1;
}

static int rehash(parser *ps, int cap)
{
    int *table = tn_malloc((size_t)cap * sizeof(int));
    if (!table) return TN_ERR_MEMORY;
    for (int i = 0; i < cap; i++) table[i] = -1;
    for (int d = 0; d < ps->ndefs; d++) {
        unsigned h = hash_name(ps->defs[d].name, (int)strlen(ps->defs[d].name)) & (unsigned)(cap - 1);
        while (table[h] >= 0) h = (h + 1) & (unsigned)(cap - 1);
        table[h] = d;
    }
    free(ps->def_hash);
    ps->def_hash = table;
    ps->hash_cap = cap;
    return TN_OK;
}

/* Adds (or replaces: a later definition of a name wins) a gate definition. */
static int add_def(parser *ps, const gate_def *def)
{
    int existing = find_def(ps, def->name, (int)strlen(def->name));
    if (existing >= 0) {
        ps->defs[existing] = *def;
        return TN_OK;
    }
    if (ps->ndefs == ps->defs_cap) {
        int cap = ps->defs_cap ? 2 * ps->defs_cap : 64;
        gate_def *grown = tn_realloc(ps->defs, (size_t)cap * sizeof *grown);
        if (!grown) return TN_ERR_MEMORY;
        ps->defs = grown;
        ps->defs_cap = cap;
    }
    ps->defs[ps->ndefs++] = *def;
    if (2 * ps->ndefs > ps->hash_cap) return rehash(ps, ps->hash_cap ? 2 * ps->hash_cap : 128);
    unsigned h = hash_name(def->name, (int)strlen(def->name)) & (unsigned)(ps->hash_cap - 1);
    while (ps->def_hash[h] >= 0) h = (h + 1) & (unsigned)(ps->hash_cap - 1);
    ps->def_hash[h] = ps->ndefs - 1;
    return TN_OK;
}

/* ---- built-in gates ------------------------------------------------------ */

/* The qelib1 spellings that map straight onto the gate table. */
static const struct { const char *name; int gate, nparams; } aliases[] = {
    {"U", GATE_U3, 3}, {"u", GATE_U3, 3}, {"u3", GATE_U3, 3}, {"CX", GATE_CX, 0}, {"u1", GATE_P, 1},
    {"p", GATE_P, 1}, {"phase", GATE_P, 1}, {"cu1", GATE_CP, 1}, {"cp", GATE_CP, 1}, {"cphase", GATE_CP, 1},
    {"id", GATE_ID, 0}, {"i", GATE_ID, 0}, {"u0", GATE_ID, 1}, {"cnot", GATE_CX, 0}, {"toffoli", GATE_CCX, 0},
    {"fredkin", GATE_CSWAP, 0},
};

/* Qiskit's qelib1.inc definitions of the gates the table lacks. */
static const char *builtin_definitions =
    "gate rccx a,b,c { u2(0,pi) c; u1(pi/4) c; cx b,c; u1(-pi/4) c; cx a,c; u1(pi/4) c; cx b,c;"
    " u1(-pi/4) c; u2(0,pi) c; }\n"
    "gate rc3x a,b,c,d { u2(0,pi) d; u1(pi/4) d; cx c,d; u1(-pi/4) d; u2(0,pi) d; cx a,d; u1(pi/4) d;"
    " cx b,d; u1(-pi/4) d; cx a,d; u1(pi/4) d; cx b,d; u1(-pi/4) d; u2(0,pi) d; u1(pi/4) d; cx c,d;"
    " u1(-pi/4) d; u2(0,pi) d; }\n"
    "gate rcccx a,b,c,d { rc3x a,b,c,d; }\n";   /* Qiskit's name of rc3x (RC3XGate) */

/* Returns the gate id of a built-in name (and its parameter count), or -1. */
static int builtin_gate(const token *t, int *nparams)
{
    char name[CIRC_NAME_MAX];
    if (t->len >= CIRC_NAME_MAX) return -1;
    memcpy(name, t->text, (size_t)t->len);
    name[t->len] = '\0';
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcmp(aliases[i].name, name) == 0) {
            *nparams = aliases[i].nparams;
            return aliases[i].gate;
        }
    int g = gate_lookup(name);
    if (g < 0 || g == GATE_UNITARY || g == GATE_DELAY) return -1;
    *nparams = gate_get_info(g)->nparams;
    return g;
}

/* Multi-controlled gates built as exact dense matrices: c3x, c4x, c3sqrtx. */
static int dense_builtin(const token *t, int *nqubits)
{
    if (qasm_tok_is(t, "c3x") || qasm_tok_is(t, "c3sqrtx")) { *nqubits = 4; return 1; }
    if (qasm_tok_is(t, "c4x")) { *nqubits = 5; return 1; }
    return 0;
}

/* Fills the matrix of a controlled X or SX on the last qubit (controls all
 * the others, qubit order as listed: first is the most significant bit). */
static void controlled_x_matrix(int nqubits, int sqrt_x, double complex *m)
{
    int dim = 1 << nqubits;
    memset(m, 0, (size_t)dim * dim * sizeof *m);
    for (int i = 0; i < dim - 2; i++) m[i * dim + i] = 1;
    double complex a = sqrt_x ? (1 + I) / 2 : 0, b = sqrt_x ? (1 - I) / 2 : 1;
    m[(dim - 2) * dim + (dim - 2)] = a;
    m[(dim - 2) * dim + (dim - 1)] = b;
    m[(dim - 1) * dim + (dim - 2)] = b;
    m[(dim - 1) * dim + (dim - 1)] = a;
}

/* ---- the parser proper --------------------------------------------------- */


/* ---- operands ----------------------------------------------------------------- */


static int parse_operand(cursor *cu, int quantum, operand *op)
{
    const token *name;
    CALL(qasm_expect_id(cu, quantum ? "a qubit or quantum register" : "a classical bit or register", &name));
    op->at = name;
    op->index = -1;
    op->bound_qubit = -1;
    char buf[80];
    if (name->text[0] == '$') {   /* physical qubit $n: an element of the register "$" made for them */
        if (cu->def || !quantum)
            return qasm_error_at(cu, name, "physical qubit %s is not allowed here", qasm_tok_text(name, buf, sizeof buf));
        op->reg = circ_find_qreg(cu->ps->c, "$");
        op->index = atoi(name->text + 1);
        return TN_OK;
    }
    if (cu->def) {   /* gate body: arguments are names, never indexed */
        for (int i = 0; i < cu->def->nargs; i++)
            if ((int)strlen(cu->def->args[i]) == name->len && memcmp(cu->def->args[i], name->text, (size_t)name->len) == 0) {
                op->bound_qubit = cu->arg_qubits[i];
                if (qasm_tok_is(qasm_peek(cu), "[")) return qasm_error_at(cu, qasm_peek(cu), "gate arguments cannot be indexed");
                return TN_OK;
            }
        return qasm_error_at(cu, name, "%s is not an argument of gate '%s'", qasm_tok_text(name, buf, sizeof buf), cu->def->name);
    }
    char nm[CIRC_NAME_MAX];
    qasm_copy_name(name, nm);
    op->reg = quantum ? circ_find_qreg(cu->ps->c, nm) : circ_find_creg(cu->ps->c, nm);
    if (op->reg < 0) {
        int other = quantum ? circ_find_creg(cu->ps->c, nm) : circ_find_qreg(cu->ps->c, nm);
        if (other >= 0)
            return qasm_error_at(cu, name, "'%s' is a %s register where a %s one is expected", nm,
                            quantum ? "classical" : "quantum", quantum ? "quantum" : "classical");
        return qasm_error_at(cu, name, "%s register '%s' is not declared", quantum ? "quantum" : "classical", nm);
    }
    if (!qasm_tok_is(qasm_peek(cu), "[")) return TN_OK;
    qasm_advance(cu);
    const token *idx = qasm_peek(cu);
    double value = idx->value;
    if (cu->ps->version == 3) {   /* an expression: loop variables index registers */
        CALL(qasm_parse_expr(cu, &value));
        if (!(value >= 0) || value != floor(value))
            return qasm_error_at(cu, idx, "the index %g is not a non-negative integer", value);
    } else {
        if (idx->kind != T_INT) return qasm_error_at(cu, idx, "expected an integer index, found %s", qasm_tok_text(idx, buf, sizeof buf));
        qasm_advance(cu);
    }
    const circ_reg *r = quantum ? &cu->ps->c->qregs[op->reg] : &cu->ps->c->cregs[op->reg];
    if (value >= r->size)
        return qasm_error_at(cu, idx, "index %.0f is out of range for register %s[%d]", value, r->name, r->size);
    op->index = (int)value;
    return qasm_expect(cu, "]");
}

/* The size of the broadcast over operands (1 if none is a whole register). */
static int broadcast_size(cursor *cu, const operand *ops, int n, int quantum_mask, int *size)
{
    *size = 1;
    int seen = 0;
    for (int i = 0; i < n; i++) {
        if (ops[i].bound_qubit >= 0 || ops[i].index >= 0) continue;
        int quantum = (quantum_mask >> i) & 1;
        const circ_reg *r = quantum ? &cu->ps->c->qregs[ops[i].reg] : &cu->ps->c->cregs[ops[i].reg];
        if (seen && r->size != *size)
            return qasm_error_at(cu, ops[i].at, "register %s has size %d, but the others in this statement have %d",
                            r->name, r->size, *size);
        *size = r->size;
        seen = 1;
    }
    return TN_OK;
}

/* The global index of operand op at broadcast position k. */
static int resolve(const cursor *cu, const operand *op, int quantum, int k)
{
    if (op->bound_qubit >= 0) return op->bound_qubit;
    const circ_reg *r = quantum ? &cu->ps->c->qregs[op->reg] : &cu->ps->c->cregs[op->reg];
    return r->offset + (op->index >= 0 ? op->index : k);
}

/* ---- emitting operations ---------------------------------------------------- */

static void init_op(const cursor *cu, circ_op *op, int kind)
{
    memset(op, 0, sizeof *op);
    op->kind = kind;
    op->cond_reg = cu->cond_reg;
    op->cond_value = cu->cond_value;
    op->cond_bit = cu->cond_bit;
    op->cond_negated = cu->cond_negated;
    op->line = cu->call_line;
    op->col = cu->call_col;
}

/* Appends op, unless the program has grown past INPUT_MAX_OPS (gates that
 * call gates twice, a few dozen deep, or broadcasts over huge registers). */
static int append_op(cursor *cu, const circ_op *op)
{
    if ((long)cu->ps->c->nops >= INPUT_MAX_OPS) {
        token at = {0};
        at.line = op->line;
        at.col = op->col;
        return qasm_error_at(cu, &at, "the program expands to more than %ld operations", INPUT_MAX_OPS);
    }
    return circ_append(cu->ps->c, op);
}

static int check_distinct(cursor *cu, const token *at, const int *qubits, int n)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < i; j++)
            if (qubits[i] == qubits[j]) return qasm_error_at(cu, at, "qubit %d appears twice in one gate", qubits[i]);
    return TN_OK;
}

static int expand_custom(cursor *cu, const gate_def *def, const double *params, const int *qubits, const token *at);

/* Appends built-in gate g (name as written: u0 keeps no parameter). */
static int emit_builtin(cursor *cu, const token *name, int g, const double *params, int nparams, const int *qubits,
                        int nq)
{
    circ_op op;
    init_op(cu, &op, OP_GATE);
    op.nqubits = nq;
    memcpy(op.qubits, qubits, (size_t)nq * sizeof(int));
    for (int i = 0; i < nparams && i < CIRC_MAX_PARAMS; i++) op.params[i] = params[i];
    op.gate = g;
    if (qasm_tok_is(name, "u0")) op.params[0] = 0;
    return append_op(cu, &op);
}

/* A definition of a name the gate table knows, as Qiskit exports them
 * (`gate ecr q0,q1 { rzx(pi/4) q0,q1; x q0; rzx(-pi/4) q0,q1; }`): the
 * definition is expanded on its own qubits, its unitary compared with the
 * built-in's up to a global phase, and the built-in gate emitted, so that a
 * device calibration finds the gate by its name (the device's ecr, not the
 * rzx of its definition). A definition that is another unitary is refused. */
static int same_checked_params(const gate_def *d, const double *params, int nparams)
{
    if (!d->builtin_checked || nparams > CIRC_MAX_PARAMS) return 0;
    for (int i = 0; i < nparams; i++)
        if (memcmp(&d->checked_params[i], &params[i], sizeof(double)) != 0) return 0;
    return 1;
}

static int apply_defined_builtin(cursor *cu, gate_def *d, int g, const double *params, int nparams,
                                 const int *qubits, int nq, const token *name)
{
    const gate_info *info = gate_get_info(g);
    int want_params = info->nparams;
    builtin_gate(name, &want_params);
    if (d->opaque || same_checked_params(d, params, nparams))
        return emit_builtin(cu, name, g, params, nparams, qubits, nq);
    if (d->nargs != info->nqubits || d->nparams != want_params)
        return qasm_error_at(cu, name, "gate '%s' is defined with %d qubit(s) and %d parameter(s), but the standard %s "
                        "takes %d and %d; rename the definition if it is another gate", d->name, d->nargs, d->nparams,
                        d->name, info->nqubits, want_params);
    circuit *outer = cu->ps->c, *scratch = NULL;
    CALL(circ_create(outer->source, &scratch));
    int local[CIRC_MAX_GATE_QUBITS], status = circ_add_qreg(scratch, "q", nq, NULL);
    for (int j = 0; j < nq; j++) local[j] = j;
    cursor plain = *cu;
    plain.cond_reg = -1;
    cu->ps->c = scratch;
    if (status == TN_OK) status = expand_custom(&plain, d, params, local, name);
    cu->ps->c = outer;
    double complex defined[64], standard[64];
    double std_params[CIRC_MAX_PARAMS] = {0};
    for (int i = 0; i < nparams && i < CIRC_MAX_PARAMS && !qasm_tok_is(name, "u0"); i++) std_params[i] = params[i];
    if (status == TN_OK) status = circ_small_unitary(scratch, defined);
    circ_destroy(&scratch);
    CALL(status);
    gate_matrix(g, std_params, standard);
    double distance = gate_phase_distance(defined, standard, 1 << nq);
    if (!(distance < 1e-8))
        return qasm_error_at(cu, name, "the definition of gate '%s' is not the standard %s (they differ by %.3g beyond a "
                        "global phase); rename the definition if it is another gate", d->name, info->name, distance);
    if (nparams <= CIRC_MAX_PARAMS) {
        d->builtin_checked = 1;
        for (int i = 0; i < nparams; i++) d->checked_params[i] = params[i];
    }
    return emit_builtin(cu, name, g, params, nparams, qubits, nq);
}

/* Applies gate `name` (built-in, dense or custom) to one set of qubits. */
static int apply_gate(cursor *cu, const token *name, const double *params, int nparams, const int *qubits, int nq)
{
    char buf[80];
    CALL(check_distinct(cu, name, qubits, nq));
    int def = find_def(cu->ps, name->text, name->len), expect_params;
    int g = builtin_gate(name, &expect_params);
    if (def >= 0 && g >= 0) return apply_defined_builtin(cu, &cu->ps->defs[def], g, params, nparams, qubits, nq, name);
    if (def >= 0) {
        const gate_def *d = &cu->ps->defs[def];
        if (d->opaque) return qasm_error_at(cu, name, "gate '%s' is opaque: it has no definition to emulate", d->name);
        return expand_custom(cu, d, params, qubits, name);
    }
    int dense_n;
    if (dense_builtin(name, &dense_n)) {
        circ_op op;
        init_op(cu, &op, OP_GATE);
        op.nqubits = nq;
        memcpy(op.qubits, qubits, (size_t)nq * sizeof(int));
        double complex m[32 * 32];
        controlled_x_matrix(dense_n, qasm_tok_is(name, "c3sqrtx"), m);
        op.gate = GATE_UNITARY;
        op.matrix = m;
        return append_op(cu, &op);
    }
    if (g < 0) return qasm_error_at(cu, name, "unknown gate %s", qasm_tok_text(name, buf, sizeof buf));
    return emit_builtin(cu, name, g, params, nparams, qubits, nq);
}

/* Arity of a gate name: custom, dense or built-in; -1 if unknown. */
static int gate_arity(const cursor *cu, const token *name, int *nparams)
{
    int def = find_def(cu->ps, name->text, name->len);
    if (def >= 0) { *nparams = cu->ps->defs[def].nparams; return cu->ps->defs[def].nargs; }
    int n;
    if (dense_builtin(name, &n)) { *nparams = 0; return n; }
    int g = builtin_gate(name, nparams);
    if (g < 0) return -1;
    return gate_get_info(g)->nqubits;
}

/* name (params)? operand (',' operand)* ';' */
static int parse_gate_call(cursor *cu, const token *name)
{
    char buf[80];
    int want_params, arity = gate_arity(cu, name, &want_params);
    if (arity < 0) return qasm_error_at(cu, name, "unknown gate %s", qasm_tok_text(name, buf, sizeof buf));
    double params[CIRC_MAX_PARAMS * 4];
    int nparams;
    CALL(qasm_parse_param_list(cu, params, CIRC_MAX_PARAMS * 4, &nparams, name));
    if (nparams != want_params)
        return qasm_error_at(cu, name, "wrong number of parameters for %s (expected %d, got %d)", qasm_tok_text(name, buf, sizeof buf),
                        want_params, nparams);
    operand ops[MAX_GATE_ARGS];
    int nops = 0;
    for (;;) {
        if (nops >= MAX_GATE_ARGS) return qasm_error_at(cu, qasm_peek(cu), "too many operands");
        CALL(parse_operand(cu, 1, &ops[nops]));
        nops++;
        if (qasm_tok_is(qasm_peek(cu), ",")) { qasm_advance(cu); continue; }
        break;
    }
    CALL(qasm_expect(cu, ";"));
    if (nops != arity)
        return qasm_error_at(cu, name, "wrong number of qubits for %s (expected %d, got %d)", qasm_tok_text(name, buf, sizeof buf),
                        arity, nops);
    int size;
    CALL(broadcast_size(cu, ops, nops, ~0, &size));
    for (int k = 0; k < size; k++) {
        int qubits[MAX_GATE_ARGS];
        for (int i = 0; i < nops; i++) qubits[i] = resolve(cu, &ops[i], 1, k);
        CALL(apply_gate(cu, name, params, nparams, qubits, nops));
    }
    return TN_OK;
}

static int parse_statement(cursor *cu);

/* Expands a custom gate's body with its parameters and qubits bound. */
static int expand_custom(cursor *cu, const gate_def *def, const double *params, const int *qubits, const token *at)
{
    if (cu->depth >= MAX_GATE_DEPTH)
        return qasm_error_at(cu, at, "gate '%s' nests more than %d deep (a gate that calls itself?)", def->name, MAX_GATE_DEPTH);
    if (def->nargs > CIRC_MAX_GATE_QUBITS * 8) return qasm_error_at(cu, at, "gate '%s' has too many arguments", def->name);
    cursor inner = *cu;
    inner.src = def->src;
    inner.pos = def->body_first;
    inner.end = def->body_end;
    inner.def = def;
    inner.param_values = params;
    inner.arg_qubits = qubits;
    inner.depth = cu->depth + 1;
    while (inner.pos < inner.end) CALL(parse_statement(&inner));
    return TN_OK;
}

/* ---- statements ---------------------------------------------------------------- */

static int parse_register(cursor *cu, int quantum)
{
    const token *name;
    CALL(qasm_expect_id(cu, "a register name", &name));
    CALL(qasm_expect(cu, "["));
    const token *size = qasm_peek(cu);
    char buf[80];
    if (size->kind != T_INT) return qasm_error_at(cu, size, "expected the register size, found %s", qasm_tok_text(size, buf, sizeof buf));
    qasm_advance(cu);
    if (size->value < 1 || size->value > MAX_REG_SIZE)
        return qasm_error_at(cu, size, "register size %.0f is out of range [1, %d]", size->value, MAX_REG_SIZE);
    CALL(qasm_expect(cu, "]"));
    CALL(qasm_expect(cu, ";"));
    char nm[CIRC_NAME_MAX];
    qasm_copy_name(name, nm);
    if (circ_find_qreg(cu->ps->c, nm) >= 0 || circ_find_creg(cu->ps->c, nm) >= 0)
        return qasm_error_at(cu, name, "register '%s' is declared twice", nm);
    return quantum ? circ_add_qreg(cu->ps->c, nm, (int)size->value, NULL)
                   : circ_add_creg(cu->ps->c, nm, (int)size->value, NULL);
}

/* Reads a name list "a, b, c" into names (at most max). */
static int parse_name_list(cursor *cu, char (*names)[CIRC_NAME_MAX], int max, int *n, const char *what)
{
    *n = 0;
    for (;;) {
        const token *t;
        CALL(qasm_expect_id(cu, what, &t));
        if (*n >= max) return qasm_error_at(cu, t, "too many %ss", what);
        for (int i = 0; i < *n; i++)
            if ((int)strlen(names[i]) == t->len && memcmp(names[i], t->text, (size_t)t->len) == 0)
                return qasm_error_at(cu, t, "%s '%.*s' is declared twice", what, t->len, t->text);
        qasm_copy_name(t, names[(*n)++]);
        if (!qasm_tok_is(qasm_peek(cu), ",")) return TN_OK;
        qasm_advance(cu);
    }
}

static int parse_gate_definition(cursor *cu, int opaque)
{
    if (cu->def) return qasm_error_at(cu, qasm_peek(cu), "gate definitions cannot be nested");
    gate_def d;
    memset(&d, 0, sizeof d);
    const token *name;
    CALL(qasm_expect_id(cu, "a gate name", &name));
    qasm_copy_name(name, d.name);
    if (qasm_tok_is(qasm_peek(cu), "(")) {
        qasm_advance(cu);
        if (!qasm_tok_is(qasm_peek(cu), ")"))
            CALL(parse_name_list(cu, d.params, CIRC_MAX_PARAMS * 4, &d.nparams, "parameter"));
        CALL(qasm_expect(cu, ")"));
    }
    CALL(parse_name_list(cu, d.args, MAX_GATE_ARGS, &d.nargs, "qubit argument"));
    d.src = cu->src;
    if (opaque) {
        d.opaque = 1;
        CALL(qasm_expect(cu, ";"));
        return add_def(cu->ps, &d);
    }
    CALL(qasm_expect(cu, "{"));
    d.body_first = cu->pos;
    int level = 1;
    while (level > 0) {
        const token *t = qasm_peek(cu);
        if (t->kind == T_END) return qasm_error_at(cu, name, "the body of gate '%s' has no closing '}'", d.name);
        if (qasm_tok_is(t, "{")) level++;
        if (qasm_tok_is(t, "}")) level--;
        qasm_advance(cu);
    }
    d.body_end = cu->pos - 1;
    /* statements a body may not hold are refused at the definition */
    for (size_t p = d.body_first; p < d.body_end; p++) {
        const token *t = &cu->src->toks[p];
        if (t->kind == T_ID && (qasm_tok_is(t, "measure") || qasm_tok_is(t, "reset") || qasm_tok_is(t, "if") || qasm_tok_is(t, "qreg") ||
                                qasm_tok_is(t, "creg") || qasm_tok_is(t, "gate")))
            return qasm_error_at(cu, t, "'%.*s' is not allowed inside a gate body", t->len, t->text);
    }
    return add_def(cu->ps, &d);
}

static int parse_measure(cursor *cu)
{
    if (cu->def) return qasm_error_at(cu, qasm_peek(cu), "measure is not allowed inside a gate body");
    operand q, c;
    CALL(parse_operand(cu, 1, &q));
    if (!qasm_tok_is(qasm_peek(cu), "->")) {
        char buf[80];
        return qasm_error_at(cu, qasm_peek(cu), "expected '->' after the measured qubits, found %s", qasm_tok_text(qasm_peek(cu), buf, sizeof buf));
    }
    qasm_advance(cu);
    CALL(parse_operand(cu, 0, &c));
    CALL(qasm_expect(cu, ";"));
    operand both[2] = {q, c};
    int size;
    CALL(broadcast_size(cu, both, 2, 1, &size));
    if ((q.index < 0) != (c.index < 0))
        return qasm_error_at(cu, q.at, "measure needs a register on both sides or one bit on both sides");
    for (int k = 0; k < size; k++) {
        circ_op op;
        init_op(cu, &op, OP_MEASURE);
        op.nqubits = 1;
        op.qubits[0] = resolve(cu, &q, 1, k);
        op.clbit = resolve(cu, &c, 0, k);
        CALL(append_op(cu, &op));
    }
    return TN_OK;
}

/* Appends qubit q to a growing list. */
static int push_qubit(int **list, int *n, int *cap, int q)
{
    if (*n == *cap) {
        int grown_cap = *cap ? 2 * *cap : 64;
        int *grown = tn_realloc(*list, (size_t)grown_cap * sizeof(int));
        if (!grown) return TN_ERR_MEMORY;
        *list = grown;
        *cap = grown_cap;
    }
    (*list)[(*n)++] = q;
    return TN_OK;
}

/* Emits the reset or barrier operations on the listed qubits. */
static int emit_qubit_list_op(cursor *cu, int kind, const int *qubits, int nqubits)
{
    if (kind == OP_RESET) {
        for (int i = 0; i < nqubits; i++) {
            circ_op op;
            init_op(cu, &op, OP_RESET);
            op.nqubits = 1;
            op.qubits[0] = qubits[i];
            CALL(append_op(cu, &op));
        }
        return TN_OK;
    }
    for (int i = 0; i < nqubits; i += CIRC_MAX_GATE_QUBITS) {   /* barriers carry no semantics: in pieces */
        circ_op op;
        init_op(cu, &op, OP_BARRIER);
        op.nqubits = nqubits - i < CIRC_MAX_GATE_QUBITS ? nqubits - i : CIRC_MAX_GATE_QUBITS;
        memcpy(op.qubits, qubits + i, (size_t)op.nqubits * sizeof(int));
        CALL(append_op(cu, &op));
    }
    return TN_OK;
}

/* A comma-separated list of qubits or whole registers up to ';' (consumed):
 * the qubits in order into a new array (*qubits, freed by the caller even on failure). */
static int parse_qubit_operands(cursor *cu, int **qubits, int *nqubits)
{
    int cap = 0, status = TN_OK;
    *qubits = NULL;
    *nqubits = 0;
    for (;;) {
        operand op;
        status = parse_operand(cu, 1, &op);
        if (status) break;
        int count = (op.bound_qubit < 0 && op.index < 0) ? cu->ps->c->qregs[op.reg].size : 1;
        for (int k = 0; k < count && status == TN_OK; k++)
            status = push_qubit(qubits, nqubits, &cap, resolve(cu, &op, 1, k));
        if (status || !qasm_tok_is(qasm_peek(cu), ",")) break;
        qasm_advance(cu);
    }
    return status == TN_OK ? qasm_expect(cu, ";") : status;
}

/* reset and barrier: a list of qubits or whole registers. */
static int parse_qubit_list_op(cursor *cu, int kind)
{
    if (kind == OP_RESET && cu->def) return qasm_error_at(cu, qasm_peek(cu), "reset is not allowed inside a gate body");
    int *qubits = NULL, nqubits = 0;
    int status = parse_qubit_operands(cu, &qubits, &nqubits);
    if (status == TN_OK) status = emit_qubit_list_op(cu, kind, qubits, nqubits);
    free(qubits);
    return status;
}

/* Parses the decimal integer token t into little-endian 64-bit words. */
static int parse_big_integer(cursor *cu, const token *t, uint64_t *words, size_t nwords, int width)
{
    memset(words, 0, nwords * sizeof *words);
    for (int i = 0; i < t->len; i++) {
        unsigned __int128 carry = (unsigned)(t->text[i] - '0');
        for (size_t w = 0; w < nwords; w++) {
            unsigned __int128 v = (unsigned __int128)words[w] * 10 + carry;
            words[w] = (uint64_t)v;
            carry = v >> 64;
        }
        if (carry) return qasm_error_at(cu, t, "the value %.*s does not fit a %d-bit register", t->len, t->text, width);
    }
    if (width % 64) {
        uint64_t top = words[nwords - 1] >> (width % 64);
        if (top) return qasm_error_at(cu, t, "the value %.*s does not fit a %d-bit register", t->len, t->text, width);
    }
    return TN_OK;
}

static int parse_if(cursor *cu)
{
    if (cu->def) return qasm_error_at(cu, qasm_peek(cu), "if is not allowed inside a gate body");
    if (cu->cond_reg >= 0) return qasm_error_at(cu, qasm_peek(cu), "if statements cannot be nested");
    CALL(qasm_expect(cu, "("));
    const token *name;
    CALL(qasm_expect_id(cu, "a classical register", &name));
    char nm[CIRC_NAME_MAX];
    qasm_copy_name(name, nm);
    int reg = circ_find_creg(cu->ps->c, nm);
    if (reg < 0) return qasm_error_at(cu, name, "classical register '%s' is not declared", nm);
    if (!qasm_tok_is(qasm_peek(cu), "==")) {
        char buf[80];
        return qasm_error_at(cu, qasm_peek(cu), "expected '==' in the condition, found %s", qasm_tok_text(qasm_peek(cu), buf, sizeof buf));
    }
    qasm_advance(cu);
    const token *value = qasm_peek(cu);
    if (value->kind != T_INT) {
        char buf[80];
        return qasm_error_at(cu, value, "expected a non-negative integer, found %s", qasm_tok_text(value, buf, sizeof buf));
    }
    qasm_advance(cu);
    CALL(qasm_expect(cu, ")"));
    int width = cu->ps->c->cregs[reg].size;
    size_t nwords = ((size_t)width + 63) / 64;
    uint64_t *words = tn_calloc(nwords, sizeof(uint64_t));
    if (!words) return TN_ERR_MEMORY;
    int status = parse_big_integer(cu, value, words, nwords, width);
    size_t index = 0;
    if (status == TN_OK) status = circ_add_cond_value(cu->ps->c, words, nwords, &index);
    free(words);
    CALL(status);
    cursor inner = *cu;
    inner.cond_reg = reg;
    inner.cond_value = index;
    const token *t = qasm_peek(cu);
    if (!(t->kind == T_ID)) return qasm_error_at(cu, t, "expected an operation after if(...)");
    CALL(parse_statement(&inner));
    cu->pos = inner.pos;
    return TN_OK;
}

static int parse_source(parser *ps, const char *path, int depth, const token *from, const cursor *outer);

static int parse_include(cursor *cu, const token *kw)
{
    const token *file = qasm_peek(cu);
    char buf[80];
    if (file->kind != T_STRING) return qasm_error_at(cu, file, "expected a file name in quotes, found %s", qasm_tok_text(file, buf, sizeof buf));
    qasm_advance(cu);
    CALL(qasm_expect(cu, ";"));
    if (file->len == 10 && memcmp(file->text, "qelib1.inc", 10) == 0) return TN_OK;   /* built in */
    if (cu->def) return qasm_error_at(cu, kw, "include is not allowed inside a gate body");
    char path[4096];
    const char *slash = strrchr(cu->src->name, '/');
    if (file->len > 0 && file->text[0] == '/')
        snprintf(path, sizeof path, "%.*s", file->len, file->text);
    else if (slash)
        snprintf(path, sizeof path, "%.*s/%.*s", (int)(slash - cu->src->name), cu->src->name, file->len, file->text);
    else
        snprintf(path, sizeof path, "%.*s", file->len, file->text);
    return parse_source(cu->ps, path, cu->depth + 1, file, cu);
}

/* The unit of a delay: seconds per unit, or 0 for dt (the device's sample
 * time, known only from a backend configuration). -1 if unknown. */
static double delay_unit(const token *u)
{
    static const struct { const char *name; double seconds; } units[] = {
        {"dt", 0}, {"ns", 1e-9}, {"us", 1e-6}, {"ms", 1e-3}, {"s", 1}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (qasm_tok_is(u, units[i].name)) return units[i].seconds;
    return -1;
}

/* delay(T) qubits; -- the qubits idle for T: a number with a unit (100dt,
 * 1.5e-7s, 30ns, 2us, 1ms), or a bare number in dt as Qiskit's OpenQASM 2
 * exporter writes it (beside "opaque delay(param0) q0;", which is ignored).
 * One GATE_DELAY per qubit, params (value, 1 if in dt else 0, in seconds). */
static int parse_delay(cursor *cu, const char *open, const char *close)
{
    char buf[80];
    if (!qasm_tok_is(qasm_peek(cu), open))
        return qasm_error_at(cu, qasm_peek(cu), "expected '%s' and a duration after delay", open);
    qasm_advance(cu);
    const token *at = qasm_peek(cu);
    double value, seconds = 0;
    CALL(qasm_parse_expr(cu, &value));
    if (qasm_peek(cu)->kind == T_ID) {
        const token *u = qasm_advance(cu);
        seconds = delay_unit(u);
        if (seconds < 0)
            return qasm_error_at(cu, u, "unknown time unit %s (dt, ns, us, ms or s)", qasm_tok_text(u, buf, sizeof buf));
    }
    CALL(qasm_expect(cu, close));
    if (!(value >= 0) || !isfinite(value)) return qasm_error_at(cu, at, "the delay %g is not a duration >= 0", value);
    int *qubits = NULL, nqubits = 0;
    int status = parse_qubit_operands(cu, &qubits, &nqubits);
    for (int i = 0; i < nqubits && status == TN_OK; i++) {
        circ_op op;
        init_op(cu, &op, OP_GATE);
        op.gate = GATE_DELAY;
        op.nqubits = 1;
        op.qubits[0] = qubits[i];
        op.params[0] = seconds > 0 ? value * seconds : value;
        op.params[1] = seconds > 0 ? 0 : 1;
        status = append_op(cu, &op);
    }
    free(qubits);
    return status;
}

static int statement_v2(cursor *cu, const token *t);

static int parse_statement(cursor *cu)
{
    const token *t = qasm_advance(cu);
    if (!cu->def) { cu->call_line = t->line; cu->call_col = t->col; }
    if (qasm_tok_is(t, ";")) return TN_OK;   /* empty statement */
    return cu->ps->version == 3 ? qasm3_statement(cu, t) : statement_v2(cu, t);
}

static int statement_v2(cursor *cu, const token *t)
{
    char buf[80];
    if (t->kind != T_ID) return qasm_error_at(cu, t, "expected a statement, found %s", qasm_tok_text(t, buf, sizeof buf));
    if (qasm_tok_is(t, "qreg") || qasm_tok_is(t, "creg")) {
        if (cu->def) return qasm_error_at(cu, t, "registers cannot be declared inside a gate body");
        return parse_register(cu, qasm_tok_is(t, "qreg"));
    }
    if (qasm_tok_is(t, "gate")) return parse_gate_definition(cu, 0);
    if (qasm_tok_is(t, "opaque")) return parse_gate_definition(cu, 1);
    if (qasm_tok_is(t, "measure")) return parse_measure(cu);
    if (qasm_tok_is(t, "reset")) return parse_qubit_list_op(cu, OP_RESET);
    if (qasm_tok_is(t, "barrier")) return parse_qubit_list_op(cu, OP_BARRIER);
    if (qasm_tok_is(t, "if")) return parse_if(cu);
    if (qasm_tok_is(t, "include")) return parse_include(cu, t);
    if (qasm_tok_is(t, "delay")) return parse_delay(cu, "(", ")");
    if (qasm_tok_is(t, "OPENQASM")) return qasm_error_at(cu, t, "OPENQASM may only appear once, at the start of the file");
    return parse_gate_call(cu, t);
}

/* The header "OPENQASM 2.x;". Some published files (QASMBench's sat_n11)
 * omit it; they are read as OpenQASM 2. */
static int parse_header(cursor *cu)
{
    const token *t = qasm_peek(cu);
    char buf[80];
    if (!qasm_tok_is(t, "OPENQASM")) return TN_OK;
    qasm_advance(cu);
    const token *v = qasm_peek(cu);
    if (v->kind != T_REAL && v->kind != T_INT) return qasm_error_at(cu, v, "expected a version number, found %s", qasm_tok_text(v, buf, sizeof buf));
    if (v->value < 2 || v->value >= 4)
        return qasm_error_at(cu, v, "OpenQASM version %.*s is not supported (only 2.x and 3.x)", v->len, v->text);
    qasm_advance(cu);
    cu->ps->version = v->value >= 3 ? 3 : 2;
    return qasm_expect(cu, ";");
}

/* Reads an included file (never standard input: "-" is a file there). */
static int load_source(parser *ps, const char *path, const token *from, const cursor *outer, source **out)
{
    FILE *f = input_open(path);
    if (!f) return qasm_error_at(outer, from, "cannot open included file %s: %s", path, strerror(errno));
    source *src = tn_calloc(1, sizeof *src);
    char *text = NULL;
    size_t len = 0;
    int status = src ? input_read_stream(f, path, &text, &len) : TN_ERR_MEMORY;
    fclose(f);
    if (status == TN_OK && !(src->name = strdup(path))) status = tn_fail(TN_ERR_MEMORY, "out of memory");
    if (status) { free(text); free(src); return status; }
    src->text = text;
    ps->sources[ps->nsources++] = src;
    *out = src;
    return qasm_tokenize(src, len);
}

/* OpenQASM 3 physical qubits $0, $1, ... (as Qiskit writes transpiled
 * circuits) are the register "$" of 1 + the largest index used. */
static int declare_physical_qubits(cursor *cu)
{
    long largest = -1;
    for (size_t i = 0; i < cu->src->ntoks; i++) {
        const token *t = &cu->src->toks[i];
        if (t->kind != T_ID || t->text[0] != '$') continue;
        long n = t->len > 8 ? MAX_REG_SIZE : atol(t->text + 1);
        if (n >= MAX_REG_SIZE) return qasm_error_at(cu, t, "physical qubit %.*s is out of range [$0, $%d]", t->len, t->text, MAX_REG_SIZE - 1);
        if (n > largest) largest = n;
    }
    return largest < 0 ? TN_OK : circ_add_qreg(cu->ps->c, "$", (int)largest + 1, NULL);
}

static int parse_tokens(parser *ps, source *src, int depth, int header)
{
    cursor cu;
    memset(&cu, 0, sizeof cu);
    cu.ps = ps;
    cu.src = src;
    cu.end = src->ntoks - 1;   /* the T_END token */
    cu.cond_reg = -1;
    cu.depth = depth;
    if (header) CALL(parse_header(&cu));
    if (header && cu.ps->version == 3) CALL(declare_physical_qubits(&cu));
    if (cu.ps->version != 3 && src->first_v3_tok > 0) {   /* OpenQASM 3 punctuation in an OpenQASM 2 file */
        const token *t = &src->toks[src->first_v3_tok - 1];
        return qasm_error_at(&cu, t, "unexpected character '%c'", t->text[0]);
    }
    while (cu.pos < cu.end) CALL(parse_statement(&cu));
    return TN_OK;
}

static int parse_source(parser *ps, const char *path, int depth, const token *from, const cursor *outer)
{
    if (depth > MAX_INCLUDE_DEPTH) return qasm_error_at(outer, from, "includes nest more than %d deep", MAX_INCLUDE_DEPTH);
    if (ps->nsources >= 64) return qasm_error_at(outer, from, "too many included files");
    source *src = NULL;
    CALL(load_source(ps, path, from, outer, &src));
    return parse_tokens(ps, src, depth, 0);
}

/* ---- shared with qasm3.c (declared in qasm_parse.h) ------------------------------ */

int qasm_parse_operand(cursor *cu, int quantum, operand *op) { return parse_operand(cu, quantum, op); }
int qasm_broadcast_size(cursor *cu, const operand *ops, int n, int quantum_mask, int *size)
{
    return broadcast_size(cu, ops, n, quantum_mask, size);
}
int qasm_resolve(const cursor *cu, const operand *op, int quantum, int k) { return resolve(cu, op, quantum, k); }
void qasm_init_op(const cursor *cu, circ_op *op, int kind) { init_op(cu, op, kind); }
int qasm_append_op(cursor *cu, const circ_op *op) { return append_op(cu, op); }
int qasm_check_distinct(cursor *cu, const token *at, const int *qubits, int n) { return check_distinct(cu, at, qubits, n); }
int qasm_builtin_gate(const token *t, int *nparams) { return builtin_gate(t, nparams); }
int qasm_gate_arity(const cursor *cu, const token *name, int *nparams) { return gate_arity(cu, name, nparams); }
int qasm_parse_delay(cursor *cu, const char *open, const char *close) { return parse_delay(cu, open, close); }
int qasm_parse_big_integer(cursor *cu, const token *t, uint64_t *words, size_t nwords, int width)
{
    return parse_big_integer(cu, t, words, nwords, width);
}
int qasm_parse_statement(cursor *cu) { return parse_statement(cu); }
int qasm_statement2(cursor *cu, const token *t) { return statement_v2(cu, t); }


/* ---- entry points ------------------------------------------------------------- */

static void free_parser(parser *ps)
{
    for (int i = 0; i < ps->nsources; i++) {
        free(ps->sources[i]->text);
        free(ps->sources[i]->toks);
        free((char *)ps->sources[i]->name);
        free(ps->sources[i]);
    }
    free(ps->sources);
    free(ps->defs);
    free(ps->def_hash);
}

static int add_text_source(parser *ps, const char *text, size_t len, const char *name, source **out)
{
    source *src = tn_calloc(1, sizeof *src);
    if (!src) return TN_ERR_MEMORY;
    src->text = tn_malloc(len + 1);
    src->name = strdup(name);
    if (!src->text || !src->name) {
        free(src->text);
        free((char *)src->name);
        free(src);
        return TN_ERR_MEMORY;
    }
    memcpy(src->text, text, len);
    src->text[len] = '\0';
    ps->sources[ps->nsources++] = src;
    *out = src;
    return qasm_tokenize(src, len);
}

static int parse_all(parser *ps, const char *text, size_t len, const char *name)
{
    ps->sources = tn_calloc(66, sizeof(source *));
    if (!ps->sources) return TN_ERR_MEMORY;
    source *lib, *main_src;
    CALL(add_text_source(ps, builtin_definitions, strlen(builtin_definitions), "<qelib1>", &lib));
    CALL(parse_tokens(ps, lib, 0, 0));
    CALL(add_text_source(ps, text, len, name, &main_src));
    return parse_tokens(ps, main_src, 0, 1);
}

int qasm_parse_string(const char *text, size_t len, const char *name, circuit **out)
{
    *out = NULL;
    parser ps;
    memset(&ps, 0, sizeof ps);
    int status = circ_create(name, &ps.c);
    if (status == TN_OK) status = parse_all(&ps, text, len, name);
    if (status == TN_OK && ps.c->nqubits == 0)
        status = tn_fail(TN_ERR_INPUT, "%s:1:1: error: the circuit declares no qubits (no qreg)", name);
    free_parser(&ps);
    if (status != TN_OK) {
        circ_destroy(&ps.c);
        return status;
    }
    *out = ps.c;
    return TN_OK;
}

int qasm_parse_file(const char *path, circuit **out)
{
    *out = NULL;
    char *text;
    size_t len;
    CALL(input_read_file(path, &text, &len));
    int status = qasm_parse_string(text, len, input_name(path), out);
    free(text);
    return status;
}
