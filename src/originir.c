/* originir.c - the OriginIR front end (see originir.h).
 *
 * The text is cut into tokens once (originir_lex.c: with line, column and end-of-line
 * tokens: OriginIR is line-oriented), then read statement by statement.
 * DAGGER and CONTROL blocks are emitted as ordinary operations first and
 * rewritten in place when the block closes: ENDDAGGER reverses the block's
 * operations and replaces each by its adjoint, ENDCONTROL adds the control
 * qubits to each (a controlled built-in where gates.h has one, else a dense
 * matrix). Nested blocks compose because the inner block is rewritten before
 * the outer one sees it. QGATE bodies are kept as token ranges and expanded
 * at each call with the call's qubits and parameter values bound.
 * QPanda's matrices (QPanda-2 Core/QuantumCircuit/QuantumGate.cpp, and
 * QPanda-lite's simulator for its additions) are mapped onto gates.h, where
 * conventions differ:
 *   X1 = RX(pi/2), Y1 = RY(pi/2), Z1 = RZ(pi/2)  (QPanda's RZ = Qiskit's rz)
 *   RPhi(theta, phi) = [[c, -i e^{-i phi} s], [-i e^{i phi} s, c]]
 *                    = u3(theta, phi - pi/2, pi/2 - phi)
 *   U4(a, b, g, d) = e^{ia} RZ(b) RY(g) RZ(d)    (a dense 1-qubit matrix)
 *   CU(a, b, g, d) = controlled U4, control first
 *                  = cu(g, b, d, a - (b + d)/2) in Qiskit's parameters
 *   CR = CP = diag(1, 1, 1, e^{i theta})
 *   ISWAP has +i off the diagonal (as Qiskit's iswap), but ISWAPTHETA(t) has
 *   -i sin(t) and SQISWAP -i/sqrt2: they are gates.h's iswaptheta(-t) and
 *   iswaptheta(-pi/4).
 *   RZX(theta) = exp(-i theta/2 Z(first) X(second)), as Qiskit's rzx.
 *   XY(t) = exp(-i t/4 (XX + YY)) = iswaptheta(-t/2); XX, YY, ZZ = RXX, RYY, RZZ.
 * Every error is one line "FILE:LINE:COL: error: ..." and leaves no circuit.
 * Not for: OpenQASM (qasm.c), simulation, classical control flow. */
#include "originir.h"

#include <complex.h>
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error.h"
#include "gates.h"
#include "input.h"
#include "originir_gates.h"
#include "originir_lex.h"

#define ORIGINIR_MAX_QUBITS 1000000
#define ORIGINIR_MAX_NEST 64            /* DAGGER/CONTROL blocks plus QGATE calls */
#define ORIGINIR_MAX_PARAMS 16          /* UU15 has 15 */
#define ORIGINIR_MAX_ARGS 64            /* qubit arguments of a QGATE */
#define ORIGINIR_MAX_DENSE_BYTES ((size_t)1 << 30)

/* ---- the parser ------------------------------------------------------------ */

typedef struct {
    char name[CIRC_NAME_MAX];
    int nargs, nparams;
    char args[ORIGINIR_MAX_ARGS][CIRC_NAME_MAX];
    char params[ORIGINIR_MAX_PARAMS][CIRC_NAME_MAX];
    size_t body_first, body_end;   /* tokens of the body, ENDQGATE excluded */
} originir_def;

typedef struct {
    token_list tl;                 /* the file's name, text and tokens */
    circuit *c;
    originir_def *defs;
    int ndefs, defs_cap;
    int qinit_seen, creg_seen;
    size_t dense_bytes;
} parser;

/* "FILE:LINE:COL: error: ..." at a place of the parser's file. */
static int fail_at(const parser *ps, int line, int col, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail_at(const parser *ps, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int status = originir_vfail(ps->tl.name, line, col, fmt, ap);
    va_end(ap);
    return status;
}

/* ---- the cursor ---------------------------------------------------------- */

typedef struct {
    parser *ps;
    size_t pos, end;
    const originir_def *def;       /* inside a QGATE expansion */
    const double *param_values;
    const int *arg_qubits;
    int depth;                     /* open blocks plus QGATE expansions */
    const char *block;             /* innermost open block ("DAGGER", "CONTROL") or NULL */
    int line, col;                 /* the top-level statement, recorded on ops */
} cursor;

static const token *peek(const cursor *cu) { return &cu->ps->tl.toks[cu->pos < cu->end ? cu->pos : cu->end]; }

static const token *advance(cursor *cu)
{
    const token *t = peek(cu);
    if (cu->pos < cu->end) cu->pos++;
    return t;
}

static int at_end(const cursor *cu) { return cu->pos >= cu->end; }

static int error_at(const cursor *cu, const token *t, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int error_at(const cursor *cu, const token *t, const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return tn_fail(TN_ERR_INPUT, "%s:%d:%d: error: %s", cu->ps->tl.name, t->line, t->col, what);
}

/* A token as text for messages. */
static const char *tok_text(const token *t, char *buf, size_t size)
{
    if (t->kind == T_END) return "end of file";
    if (t->kind == T_EOL) return "end of line";
    int n = t->len < (int)size - 3 ? t->len : (int)size - 3;
    snprintf(buf, size, "'%.*s'", n, t->text);
    return buf;
}

static int is_eol(const token *t) { return t->kind == T_EOL || t->kind == T_END; }

static int expect(cursor *cu, const char *what)
{
    const token *t = peek(cu);
    if (!tok_is(t, what)) {
        char buf[80];
        return error_at(cu, t, "expected '%s', found %s", what, tok_text(t, buf, sizeof buf));
    }
    advance(cu);
    return TN_OK;
}

static int expect_eol(cursor *cu)
{
    const token *t = peek(cu);
    if (!at_end(cu) && !is_eol(t)) {
        char buf[80];
        return error_at(cu, t, "expected the end of the line, found %s", tok_text(t, buf, sizeof buf));
    }
    advance(cu);
    return TN_OK;
}

static void copy_name(const token *t, char *out)
{
    int n = t->len < CIRC_NAME_MAX - 1 ? t->len : CIRC_NAME_MAX - 1;
    memcpy(out, t->text, (size_t)n);
    out[n] = '\0';
}

static int name_is(const char *name, const token *t)
{
    return (int)strlen(name) == t->len && memcmp(name, t->text, (size_t)t->len) == 0;
}

/* "classical expressions are not supported", at t. */
static int classical_unsupported(const cursor *cu, const token *t)
{
    return error_at(cu, t, "classical expressions (c[i] as a value, assignments, comparisons) are not supported");
}

/* ---- expressions ----------------------------------------------------------- */

static int parse_expr(cursor *cu, int depth, double *out);

static int parse_primary(cursor *cu, int depth, double *out)
{
    const token *t = peek(cu);
    char buf[80];
    if (t->kind == T_NUM) { advance(cu); *out = t->value; return TN_OK; }
    if (tok_is(t, "(")) {
        advance(cu);
        CALL(parse_expr(cu, depth + 1, out));
        return expect(cu, ")");
    }
    if (tok_keyword(t, "PI")) { advance(cu); *out = M_PI; return TN_OK; }
    if (tok_is(t, "c")) return classical_unsupported(cu, t);
    if (t->kind == T_ID && cu->def) {
        for (int i = 0; i < cu->def->nparams; i++)
            if (name_is(cu->def->params[i], t)) {
                advance(cu);
                *out = cu->param_values[i];
                return TN_OK;
            }
    }
    if (t->kind == T_ID) return error_at(cu, t, "unknown identifier %s in an expression", tok_text(t, buf, sizeof buf));
    return error_at(cu, t, "expected a number, PI or '(', found %s", tok_text(t, buf, sizeof buf));
}

static int parse_unary(cursor *cu, int depth, double *out)
{
    if (depth > INPUT_MAX_EXPR_DEPTH) return error_at(cu, peek(cu), "expression nests more than %d deep", INPUT_MAX_EXPR_DEPTH);
    const token *t = peek(cu);
    if (tok_is(t, "-") || tok_is(t, "+")) {
        advance(cu);
        CALL(parse_unary(cu, depth + 1, out));
        if (tok_is(t, "-")) *out = -*out;
        return TN_OK;
    }
    if (tok_is(t, "!")) return classical_unsupported(cu, t);
    return parse_primary(cu, depth, out);
}

static int parse_term(cursor *cu, int depth, double *out)
{
    CALL(parse_unary(cu, depth, out));
    while (tok_is(peek(cu), "*") || tok_is(peek(cu), "/")) {
        int mul = tok_is(advance(cu), "*");
        double r;
        CALL(parse_unary(cu, depth, &r));
        *out = mul ? *out * r : *out / r;
    }
    return TN_OK;
}

static int parse_expr(cursor *cu, int depth, double *out)
{
    if (depth > INPUT_MAX_EXPR_DEPTH) return error_at(cu, peek(cu), "expression nests more than %d deep", INPUT_MAX_EXPR_DEPTH);
    CALL(parse_term(cu, depth, out));
    while (tok_is(peek(cu), "+") || tok_is(peek(cu), "-")) {
        int add = tok_is(advance(cu), "+");
        double r;
        CALL(parse_term(cu, depth, &r));
        *out = add ? *out + r : *out - r;
    }
    const token *t = peek(cu);
    if (tok_is(t, "=") || tok_is(t, "<") || tok_is(t, ">") || tok_is(t, "&") || tok_is(t, "|"))
        return classical_unsupported(cu, t);
    return TN_OK;
}

/* '(' expr (',' expr)* ')' into values (at most max); *n counts them. */
static int parse_param_list(cursor *cu, const token *gate, double *values, int max, int *n)
{
    char buf[80];
    *n = 0;
    CALL(expect(cu, "("));
    for (;;) {
        const token *at = peek(cu);
        double v;
        CALL(parse_expr(cu, 0, &v));
        if (*n >= max) return error_at(cu, at, "too many parameters for %s", tok_text(gate, buf, sizeof buf));
        if (!isfinite(v)) return error_at(cu, at, "parameter %d of %s is not finite (%g)", *n + 1, tok_text(gate, buf, sizeof buf), v);
        values[(*n)++] = v;
        if (tok_is(peek(cu), ",")) { advance(cu); continue; }
        return expect(cu, ")");
    }
}

/* ---- operands ------------------------------------------------------------ */

/* A non-negative integer literal (an index or a size) no larger than max. */
static int parse_count(cursor *cu, const char *what, long max, long *out)
{
    const token *t = peek(cu);
    char buf[80];
    if (t->kind != T_NUM || !t->is_int)
        return error_at(cu, t, "expected %s (a non-negative integer), found %s", what, tok_text(t, buf, sizeof buf));
    if (t->value > (double)max) return error_at(cu, t, "%s %.*s is larger than %ld", what, t->len, t->text, max);
    advance(cu);
    *out = (long)t->value;
    return TN_OK;
}

/* Without a CREG statement (QPanda-lite writes none), the classical
 * register c grows to the largest bit measured. */
static int grow_implicit_creg(cursor *cu, const token *at, long bits)
{
    circuit *c = cu->ps->c;
    if (cu->ps->creg_seen || bits <= c->nclbits) return TN_OK;
    if (bits > ORIGINIR_MAX_QUBITS)
        return error_at(cu, at, "classical bit index %ld is larger than %d", bits - 1, ORIGINIR_MAX_QUBITS - 1);
    if (c->ncregs == 0) return circ_add_creg(c, "c", (int)bits, NULL);
    c->cregs[0].size = (int)bits;
    c->nclbits = (int)bits;
    return TN_OK;
}

/* '[' index ']' after q or c; the index is checked against size. */
static int parse_index(cursor *cu, int quantum, long *index)
{
    CALL(expect(cu, "["));
    const token *t = peek(cu);
    if (tok_is(t, "c")) return error_at(cu, t, "qubit indices computed from classical bits (q[c[i]]) are not supported");
    CALL(parse_count(cu, quantum ? "a qubit index" : "a classical bit index", 2147483647L, index));
    circuit *c = cu->ps->c;
    if (!quantum) CALL(grow_implicit_creg(cu, t, *index + 1));
    if (quantum && *index >= c->nqubits)
        return error_at(cu, t, "qubit index %ld is out of range: QINIT declared %d qubits (q[0]..q[%d])", *index, c->nqubits, c->nqubits - 1);
    if (!quantum && *index >= c->nclbits) {
        if (c->nclbits == 0) return error_at(cu, t, "classical bit c[%ld] is used, but CREG declared no classical bits", *index);
        return error_at(cu, t, "classical bit index %ld is out of range: CREG declared %d bits (c[0]..c[%d])", *index, c->nclbits, c->nclbits - 1);
    }
    return expect(cu, "]");
}

/* A qubit operand: q[i], q (the whole register, *qubit = -1 if allowed) or,
 * inside a QGATE body, an argument name. */
static int parse_qubit(cursor *cu, int whole_ok, int *qubit)
{
    const token *t = peek(cu);
    char buf[80];
    if (cu->def && t->kind == T_ID)
        for (int i = 0; i < cu->def->nargs; i++)
            if (name_is(cu->def->args[i], t)) {
                advance(cu);
                *qubit = cu->arg_qubits[i];
                return TN_OK;
            }
    if (tok_is(t, "q")) {
        advance(cu);
        if (!tok_is(peek(cu), "[")) {
            if (!whole_ok) return error_at(cu, t, "the whole register q cannot be used here; name one qubit q[i]");
            *qubit = -1;
            return TN_OK;
        }
        long index;
        CALL(parse_index(cu, 1, &index));
        *qubit = (int)index;
        return TN_OK;
    }
    if (tok_is(t, "c")) return error_at(cu, t, "'c' is a classical bit where a qubit is expected");
    if (cu->def && t->kind == T_ID)
        return error_at(cu, t, "%s is not an argument of QGATE '%s'", tok_text(t, buf, sizeof buf), cu->def->name);
    return error_at(cu, t, "expected a qubit q[i], found %s", tok_text(t, buf, sizeof buf));
}

/* ---- emitting operations ---------------------------------------------------- */

static void init_op(const cursor *cu, circ_op *op, int kind)
{
    memset(op, 0, sizeof *op);
    op->kind = kind;
    op->cond_reg = -1;
    op->line = cu->line;
    op->col = cu->col;
}

static int append_op(cursor *cu, const circ_op *op)
{
    if ((long)cu->ps->c->nops >= INPUT_MAX_OPS) {
        token at = {0};
        at.line = cu->line;
        at.col = cu->col;
        return error_at(cu, &at, "the program expands to more than %ld operations", INPUT_MAX_OPS);
    }
    if (op->kind == OP_GATE && op->gate == GATE_UNITARY) {
        size_t dim = (size_t)1 << op->nqubits;
        cu->ps->dense_bytes += dim * dim * sizeof(double complex);
    }
    return circ_append(cu->ps->c, op);
}

static int check_distinct(cursor *cu, const token *at, const int *qubits, int n)
{
    char buf[80];
    for (int i = 0; i < n; i++)
        for (int j = 0; j < i; j++)
            if (qubits[i] == qubits[j]) return error_at(cu, at, "qubit q[%d] appears twice in %s", qubits[i], tok_text(at, buf, sizeof buf));
    return TN_OK;
}

static int emit_builtin(cursor *cu, const token *name, const originir_gate *g, const double *params, const int *qubits)
{
    CALL(check_distinct(cu, name, qubits, g->nqubits));
    circ_op op;
    double complex dense[16];
    init_op(cu, &op, OP_GATE);
    op.nqubits = g->nqubits;
    memcpy(op.qubits, qubits, (size_t)g->nqubits * sizeof(int));
    originir_gate_op(g, params, &op, dense);
    return append_op(cu, &op);
}

static int parse_statement(cursor *cu);
static int skip_blank_lines(cursor *cu);

/* Expands QGATE def with its qubits and parameter values bound. */
static int expand_def(cursor *cu, const token *name, const originir_def *def, const double *params, const int *qubits)
{
    CALL(check_distinct(cu, name, qubits, def->nargs));
    if (cu->depth >= ORIGINIR_MAX_NEST)
        return error_at(cu, name, "QGATE '%s' nests more than %d deep (a gate that calls itself?)", def->name, ORIGINIR_MAX_NEST);
    cursor inner = *cu;
    inner.pos = def->body_first;
    inner.end = def->body_end;
    inner.def = def;
    inner.param_values = params;
    inner.arg_qubits = qubits;
    inner.depth = cu->depth + 1;
    for (;;) {
        CALL(skip_blank_lines(&inner));
        if (at_end(&inner)) return TN_OK;
        CALL(parse_statement(&inner));
    }
}

static const originir_def *find_def(const parser *ps, const token *t)
{
    for (int i = 0; i < ps->ndefs; i++)
        if (name_is(ps->defs[i].name, t)) return &ps->defs[i];
    return NULL;
}

/* Operands of a gate call: qubits separated by commas (or blanks, as
 * QPanda-lite writes them), up to the parameter list or the end of line. */
static int parse_operands(cursor *cu, int *qubits, int max, int *n)
{
    *n = 0;
    for (;;) {
        const token *t = peek(cu);
        if (*n >= max) return error_at(cu, t, "too many qubits");
        CALL(parse_qubit(cu, 1, &qubits[*n]));
        (*n)++;
        t = peek(cu);
        if (tok_is(t, ",")) {
            const token *next = &cu->ps->tl.toks[cu->pos + 1 < cu->end ? cu->pos + 1 : cu->end];
            if (tok_is(next, "(")) { advance(cu); return TN_OK; }
            advance(cu);
            continue;
        }
        if (t->kind == T_ID && !at_end(cu)) continue;
        return TN_OK;
    }
}

/* NAME qubits [, (params)] */
static int parse_gate_call(cursor *cu, const token *name)
{
    char buf[80];
    const originir_def *def = find_def(cu->ps, name);
    const originir_gate *g = def ? NULL : originir_find_gate(name->text, name->len);
    if (!def && !g) return error_at(cu, name, "unknown gate %s", tok_text(name, buf, sizeof buf));
    int want_q = def ? def->nargs : g->nqubits, want_p = def ? def->nparams : g->nparams;
    int qubits[ORIGINIR_MAX_ARGS], nq, np = 0;
    double params[ORIGINIR_MAX_PARAMS];
    CALL(parse_operands(cu, qubits, ORIGINIR_MAX_ARGS, &nq));
    if (tok_is(peek(cu), "(")) CALL(parse_param_list(cu, name, params, ORIGINIR_MAX_PARAMS, &np));
    CALL(expect_eol(cu));
    if (np != want_p)
        return error_at(cu, name, "wrong number of parameters for %s (expected %d, got %d)", tok_text(name, buf, sizeof buf), want_p, np);
    int broadcast = nq == 1 && qubits[0] < 0;
    if (broadcast && want_q != 1)
        return error_at(cu, name, "%s acts on %d qubits; the whole register q can only be given to one-qubit gates",
                        tok_text(name, buf, sizeof buf), want_q);
    if (!broadcast && nq != want_q)
        return error_at(cu, name, "wrong number of qubits for %s (expected %d, got %d)", tok_text(name, buf, sizeof buf), want_q, nq);
    for (int i = 0; i < nq && !broadcast; i++)
        if (qubits[i] < 0) return error_at(cu, name, "the whole register q can only be given to one-qubit gates");
    int count = broadcast ? cu->ps->c->nqubits : 1;
    for (int k = 0; k < count; k++) {
        int one[ORIGINIR_MAX_ARGS];
        memcpy(one, qubits, (size_t)nq * sizeof(int));
        if (broadcast) one[0] = k;
        if (def) CALL(expand_def(cu, name, def, params, one));
        else CALL(emit_builtin(cu, name, g, params, one));
    }
    return TN_OK;
}

/* ---- DAGGER and CONTROL: rewriting a block's operations ------------------ */

/* The dense matrix of a gate operation, into m (room for 2^k x 2^k). */
static void op_matrix(const circ_op *op, double complex *m)
{
    size_t dim = (size_t)1 << op->nqubits;
    if (op->gate == GATE_UNITARY) memcpy(m, op->matrix, dim * dim * sizeof *m);
    else gate_matrix(op->gate, op->params, m);
}

/* Replaces op's gate by the dense matrix m (taken over: freed with the circuit). */
static int set_dense(parser *ps, circ_op *op, double complex *m, int nqubits)
{
    size_t dim = (size_t)1 << nqubits;
    ps->dense_bytes += dim * dim * sizeof *m;
    if (ps->dense_bytes > ORIGINIR_MAX_DENSE_BYTES) {
        free(m);
        return fail_at(ps, op->line, op->col, "DAGGER/CONTROL blocks need more than %zu MiB of dense gate matrices",
                       ORIGINIR_MAX_DENSE_BYTES >> 20);
    }
    if (op->gate == GATE_UNITARY) free(op->matrix);
    op->gate = GATE_UNITARY;
    op->matrix = m;
    op->nqubits = nqubits;
    memset(op->params, 0, sizeof op->params);
    return TN_OK;
}

/* Replaces a gate operation by its adjoint. */
static int adjoint_op(parser *ps, circ_op *op)
{
    int adjoint = op->gate == GATE_UNITARY ? -1 : gate_adjoint(op->gate, op->params);
    if (adjoint >= 0) {
        op->gate = adjoint;
        return TN_OK;
    }
    int k = op->nqubits;
    size_t dim = (size_t)1 << k;
    double complex *m = tn_malloc(dim * dim * sizeof *m), *a = tn_malloc(dim * dim * sizeof *a);
    if (!m || !a) { free(m); free(a); return TN_ERR_MEMORY; }
    op_matrix(op, a);
    for (size_t r = 0; r < dim; r++)
        for (size_t c = 0; c < dim; c++) m[r * dim + c] = conj(a[c * dim + r]);
    free(a);
    return set_dense(ps, op, m, k);
}

/* Adds controls (most significant, listed first) to a gate operation. */
static int control_op(parser *ps, circ_op *op, const int *controls, int nc)
{
    for (int i = 0; i < nc; i++)
        for (int j = 0; j < op->nqubits; j++)
            if (controls[i] == op->qubits[j])
                return fail_at(ps, op->line, op->col, "control qubit q[%d] is also a qubit of the gate it controls", controls[i]);
    if (op->gate == GATE_ID) return TN_OK;   /* a controlled identity is the identity */
    int k = op->nqubits, total = nc + k;
    if (total > CIRC_MAX_GATE_QUBITS)
        return fail_at(ps, op->line, op->col, "CONTROL makes a gate on %d qubits; at most %d are supported", total, CIRC_MAX_GATE_QUBITS);
    int qubits[CIRC_MAX_GATE_QUBITS];
    memcpy(qubits, controls, (size_t)nc * sizeof(int));
    memcpy(qubits + nc, op->qubits, (size_t)k * sizeof(int));
    int cg = op->gate == GATE_UNITARY ? -1 : gate_controlled(op->gate, nc);
    if (cg >= 0) {
        op->gate = cg;
        op->nqubits = total;
        memcpy(op->qubits, qubits, (size_t)total * sizeof(int));
        return TN_OK;
    }
    size_t dim = (size_t)1 << total, sub = (size_t)1 << k;
    double complex *m = tn_calloc(dim * dim, sizeof *m), *u = tn_malloc(sub * sub * sizeof *u);
    if (!m || !u) { free(m); free(u); return TN_ERR_MEMORY; }
    op_matrix(op, u);
    for (size_t i = 0; i < dim - sub; i++) m[i * dim + i] = 1;
    for (size_t r = 0; r < sub; r++)
        for (size_t c = 0; c < sub; c++) m[(dim - sub + r) * dim + (dim - sub + c)] = u[r * sub + c];
    free(u);
    CALL(set_dense(ps, op, m, total));
    memcpy(op->qubits, qubits, (size_t)total * sizeof(int));
    return TN_OK;
}

/* ENDDAGGER: the block's operations from first on, reversed and adjoint. */
static int dagger_ops(parser *ps, size_t first)
{
    circuit *c = ps->c;
    for (size_t i = first, j = c->nops; i + 1 < j; i++, j--) {
        circ_op t = c->ops[i];
        c->ops[i] = c->ops[j - 1];
        c->ops[j - 1] = t;
    }
    for (size_t i = first; i < c->nops; i++)
        if (c->ops[i].kind == OP_GATE) CALL(adjoint_op(ps, &c->ops[i]));
    return TN_OK;
}

/* ENDCONTROL: the controls added to every gate from first on. */
static int control_ops(parser *ps, size_t first, const int *controls, int nc)
{
    for (size_t i = first; i < ps->c->nops; i++)
        if (ps->c->ops[i].kind == OP_GATE) CALL(control_op(ps, &ps->c->ops[i], controls, nc));
    return TN_OK;
}

/* ---- statements ---------------------------------------------------------------- */

static int skip_blank_lines(cursor *cu)
{
    while (!at_end(cu) && peek(cu)->kind == T_EOL) advance(cu);
    return TN_OK;
}

/* A list of qubits q[i], q[j] ... (argument names inside a QGATE body). */
static int parse_qubit_list(cursor *cu, int whole_ok, int *qubits, int max, int *n)
{
    *n = 0;
    for (;;) {
        const token *t = peek(cu);
        if (*n >= max) return error_at(cu, t, "too many qubits in the list (at most %d)", max);
        CALL(parse_qubit(cu, whole_ok, &qubits[*n]));
        (*n)++;
        if (!tok_is(peek(cu), ",")) return TN_OK;
        advance(cu);
    }
}

/* The block's statements up to its closing keyword `close`. */
static int parse_block_body(cursor *cu, const token *kw, const char *kind, const char *close)
{
    if (cu->depth >= ORIGINIR_MAX_NEST) return error_at(cu, kw, "blocks nest more than %d deep", ORIGINIR_MAX_NEST);
    cursor inner = *cu;
    inner.depth = cu->depth + 1;
    inner.block = kind;
    for (;;) {
        CALL(skip_blank_lines(&inner));
        const token *t = peek(&inner);
        if (at_end(&inner)) {
            cu->pos = inner.pos;
            return error_at(cu, kw, "%s has no matching %s", kind, close);
        }
        if (tok_keyword(t, close)) break;
        if (!cu->def) { inner.line = t->line; inner.col = t->col; }
        CALL(parse_statement(&inner));
    }
    cu->pos = inner.pos;
    advance(cu);   /* the closing keyword */
    return TN_OK;
}

static int parse_dagger(cursor *cu, const token *kw)
{
    CALL(expect_eol(cu));
    size_t first = cu->ps->c->nops;
    CALL(parse_block_body(cu, kw, "DAGGER", "ENDDAGGER"));
    CALL(expect_eol(cu));
    return dagger_ops(cu->ps, first);
}

/* ENDCONTROL may repeat the control list (QPanda-lite); it must match. */
static int parse_endcontrol_list(cursor *cu, const int *controls, int nc)
{
    if (at_end(cu) || is_eol(peek(cu))) return expect_eol(cu);
    const token *at = peek(cu);
    int again[CIRC_MAX_GATE_QUBITS], n;
    CALL(parse_qubit_list(cu, 0, again, CIRC_MAX_GATE_QUBITS, &n));
    int same = n == nc;
    for (int i = 0; i < n && same; i++) same = again[i] == controls[i];
    if (!same) return error_at(cu, at, "the qubits after ENDCONTROL differ from those of its CONTROL");
    return expect_eol(cu);
}

static int parse_control(cursor *cu, const token *kw)
{
    int controls[CIRC_MAX_GATE_QUBITS], nc;
    if (at_end(cu) || is_eol(peek(cu))) return error_at(cu, peek(cu), "CONTROL needs at least one control qubit");
    CALL(parse_qubit_list(cu, 0, controls, CIRC_MAX_GATE_QUBITS - 1, &nc));
    CALL(check_distinct(cu, kw, controls, nc));
    CALL(expect_eol(cu));
    size_t first = cu->ps->c->nops;
    CALL(parse_block_body(cu, kw, "CONTROL", "ENDCONTROL"));
    CALL(parse_endcontrol_list(cu, controls, nc));
    return control_ops(cu->ps, first, controls, nc);
}

/* Operations QGATE bodies and DAGGER/CONTROL blocks cannot hold. */
static int check_not_in_block(const cursor *cu, const token *kw)
{
    if (cu->def) return error_at(cu, kw, "%.*s is not allowed inside a QGATE body", kw->len, kw->text);
    if (cu->block) return error_at(cu, kw, "%.*s is not allowed inside a %s block", kw->len, kw->text, cu->block);
    return TN_OK;
}

static int parse_measure(cursor *cu, const token *kw)
{
    CALL(check_not_in_block(cu, kw));
    int q;
    long cbit = -1;
    CALL(parse_qubit(cu, 1, &q));
    CALL(expect(cu, ","));
    const token *ct = peek(cu);
    char buf[80];
    if (!tok_is(ct, "c")) return error_at(cu, ct, "expected a classical bit c[i], found %s", tok_text(ct, buf, sizeof buf));
    advance(cu);
    if (tok_is(peek(cu), "[")) CALL(parse_index(cu, 0, &cbit));
    CALL(expect_eol(cu));
    circuit *c = cu->ps->c;
    if ((q < 0) != (cbit < 0)) return error_at(cu, kw, "MEASURE needs q and c, or one qubit q[i] and one bit c[j]");
    if (q < 0) CALL(grow_implicit_creg(cu, kw, c->nqubits));
    if (q < 0 && c->nqubits != c->nclbits)
        return error_at(cu, kw, "MEASURE q,c needs as many classical bits as qubits (CREG %d, QINIT %d)", c->nclbits, c->nqubits);
    int count = q < 0 ? c->nqubits : 1;
    for (int k = 0; k < count; k++) {
        circ_op op;
        init_op(cu, &op, OP_MEASURE);
        op.nqubits = 1;
        op.qubits[0] = q < 0 ? k : q;
        op.clbit = q < 0 ? k : (int)cbit;
        CALL(append_op(cu, &op));
    }
    return TN_OK;
}

static int parse_reset(cursor *cu, const token *kw)
{
    CALL(check_not_in_block(cu, kw));
    int q;
    CALL(parse_qubit(cu, 1, &q));
    CALL(expect_eol(cu));
    int count = q < 0 ? cu->ps->c->nqubits : 1;
    for (int k = 0; k < count; k++) {
        circ_op op;
        init_op(cu, &op, OP_RESET);
        op.nqubits = 1;
        op.qubits[0] = q < 0 ? k : q;
        CALL(append_op(cu, &op));
    }
    return TN_OK;
}

/* BARRIER q | q[i], q[j] ...; emitted in pieces of at most
 * CIRC_MAX_GATE_QUBITS (a barrier carries no semantics). */
static int parse_barrier(cursor *cu)
{
    int *qubits = tn_malloc((size_t)cu->ps->c->nqubits * sizeof(int) + sizeof(int));
    if (!qubits) return TN_ERR_MEMORY;
    int n = 0, status = parse_qubit_list(cu, 1, qubits, cu->ps->c->nqubits, &n);
    if (status == TN_OK) status = expect_eol(cu);
    if (status == TN_OK && n == 1 && qubits[0] < 0) {
        n = cu->ps->c->nqubits;
        for (int i = 0; i < n; i++) qubits[i] = i;
    }
    for (int i = 0; i < n && status == TN_OK; i++)
        if (qubits[i] < 0) status = error_at(cu, peek(cu), "BARRIER takes q alone or a list of qubits q[i]");
    for (int i = 0; i < n && status == TN_OK; i += CIRC_MAX_GATE_QUBITS) {
        circ_op op;
        init_op(cu, &op, OP_BARRIER);
        op.nqubits = n - i < CIRC_MAX_GATE_QUBITS ? n - i : CIRC_MAX_GATE_QUBITS;
        memcpy(op.qubits, qubits + i, (size_t)op.nqubits * sizeof(int));
        status = append_op(cu, &op);
    }
    free(qubits);
    return status;
}

/* QINIT n and CREG n. */
static int parse_declaration(cursor *cu, const token *kw, int quantum)
{
    if (cu->def || cu->block) return check_not_in_block(cu, kw);
    parser *ps = cu->ps;
    if (quantum ? ps->qinit_seen : ps->creg_seen)
        return error_at(cu, kw, "%s may appear only once", quantum ? "QINIT" : "CREG");
    if (!quantum && ps->c->ncregs > 0) return error_at(cu, kw, "CREG must come before the first use of c");
    long n;
    const token *at = peek(cu);
    CALL(parse_count(cu, quantum ? "the number of qubits" : "the number of classical bits", ORIGINIR_MAX_QUBITS, &n));
    CALL(expect_eol(cu));
    if (quantum && n < 1) return error_at(cu, at, "QINIT needs at least one qubit");
    if (quantum) ps->qinit_seen = 1;
    else ps->creg_seen = 1;
    if (n == 0) return TN_OK;
    return quantum ? circ_add_qreg(ps->c, "q", (int)n, NULL) : circ_add_creg(ps->c, "c", (int)n, NULL);
}

static int is_statement_keyword(const token *t)
{
    static const char *keywords[] = {"QINIT", "CREG", "MEASURE", "RESET", "BARRIER", "DAGGER", "ENDDAGGER",
                                     "CONTROL", "ENDCONTROL", "QGATE", "ENDQGATE", "PI", "q", "c"};
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if (tok_keyword(t, keywords[i])) return 1;
    return 0;
}

/* QGATE name a, b [,(p, r)] ... ENDQGATE */
static int parse_qgate_header(cursor *cu, originir_def *d)
{
    const token *t = peek(cu);
    char buf[80];
    if (t->kind != T_ID) return error_at(cu, t, "expected a gate name after QGATE, found %s", tok_text(t, buf, sizeof buf));
    if (originir_find_gate(t->text, t->len) || find_def(cu->ps, t) || is_statement_keyword(t))
        return error_at(cu, t, "QGATE %s is already a gate or a keyword", tok_text(t, buf, sizeof buf));
    copy_name(t, d->name);
    advance(cu);
    for (;;) {
        t = peek(cu);
        if (tok_is(t, "(")) break;
        if (t->kind != T_ID) return error_at(cu, t, "expected a qubit argument name, found %s", tok_text(t, buf, sizeof buf));
        if (d->nargs >= ORIGINIR_MAX_ARGS) return error_at(cu, t, "too many qubit arguments (at most %d)", ORIGINIR_MAX_ARGS);
        for (int i = 0; i < d->nargs; i++)
            if (name_is(d->args[i], t)) return error_at(cu, t, "argument %s is declared twice", tok_text(t, buf, sizeof buf));
        copy_name(t, d->args[d->nargs++]);
        advance(cu);
        if (!tok_is(peek(cu), ",")) break;
        advance(cu);
    }
    if (d->nargs == 0) return error_at(cu, peek(cu), "QGATE '%s' needs at least one qubit argument", d->name);
    if (!tok_is(peek(cu), "(")) return expect_eol(cu);
    advance(cu);
    for (;;) {
        t = peek(cu);
        if (t->kind != T_ID) return error_at(cu, t, "expected a parameter name, found %s", tok_text(t, buf, sizeof buf));
        if (d->nparams >= ORIGINIR_MAX_PARAMS) return error_at(cu, t, "too many parameters (at most %d)", ORIGINIR_MAX_PARAMS);
        copy_name(t, d->params[d->nparams++]);
        advance(cu);
        if (!tok_is(peek(cu), ",")) break;
        advance(cu);
    }
    CALL(expect(cu, ")"));
    return expect_eol(cu);
}

static int add_def(parser *ps, const originir_def *d)
{
    if (ps->ndefs == ps->defs_cap) {
        int cap = ps->defs_cap ? 2 * ps->defs_cap : 16;
        originir_def *grown = tn_realloc(ps->defs, (size_t)cap * sizeof *grown);
        if (!grown) return TN_ERR_MEMORY;
        ps->defs = grown;
        ps->defs_cap = cap;
    }
    ps->defs[ps->ndefs++] = *d;
    return TN_OK;
}

static int parse_qgate(cursor *cu, const token *kw)
{
    if (cu->def) return error_at(cu, kw, "QGATE definitions cannot be nested");
    if (cu->block) return error_at(cu, kw, "QGATE is not allowed inside a %s block", cu->block);
    originir_def *d = tn_calloc(1, sizeof *d);
    if (!d) return TN_ERR_MEMORY;
    int status = parse_qgate_header(cu, d);
    d->body_first = cu->pos;
    while (status == TN_OK) {   /* the body: up to ENDQGATE at the start of a line */
        const token *t = peek(cu);
        if (at_end(cu)) { status = error_at(cu, kw, "QGATE '%s' has no matching ENDQGATE", d->name); break; }
        int line_start = cu->pos == 0 || cu->ps->tl.toks[cu->pos - 1].kind == T_EOL;
        if (line_start && tok_keyword(t, "QGATE")) { status = error_at(cu, t, "QGATE definitions cannot be nested"); break; }
        if (line_start && tok_keyword(t, "ENDQGATE")) break;
        advance(cu);
    }
    if (status == TN_OK) {
        d->body_end = cu->pos;
        advance(cu);
        status = expect_eol(cu);
    }
    if (status == TN_OK) status = add_def(cu->ps, d);
    free(d);
    return status;
}

/* Constructs OriginIR has that tnemu does not emulate. */
static int unsupported(const cursor *cu, const token *t)
{
    static const char *control_flow[] = {"QIF", "ELSE", "ENDQIF", "QELSEIF", "QELSE", "QENDIF", "QWHILE",
                                         "ENDQWHILE", "QENDWHILE"};
    static const char *noise[] = {"Depolarizing", "BitFlip", "PhaseFlip", "AmplitudeDamping", "PauliError1Q",
                                  "PauliError2Q", "Kraus1Q", "TwoQubitDepolarizing"};
    for (size_t i = 0; i < sizeof control_flow / sizeof control_flow[0]; i++)
        if (tok_keyword(t, control_flow[i]))
            return error_at(cu, t, "%s (classical control flow) is not supported", control_flow[i]);
    for (size_t i = 0; i < sizeof noise / sizeof noise[0]; i++)
        if (tok_keyword(t, noise[i]))
            return error_at(cu, t, "the error channel %s is not supported in a circuit (give noise with --noise)", noise[i]);
    if (tok_keyword(t, "DEF") || tok_keyword(t, "ENDDEF"))
        return error_at(cu, t, "DEF subroutines are not supported (define gates with QGATE)");
    return TN_OK;
}

static int parse_statement(cursor *cu)
{
    const token *t = advance(cu);
    char buf[80];
    if (t->kind != T_ID) return error_at(cu, t, "expected a statement, found %s", tok_text(t, buf, sizeof buf));
    if (!cu->ps->qinit_seen && !tok_keyword(t, "QINIT"))
        return error_at(cu, t, "expected QINIT (the number of qubits) before %s", tok_text(t, buf, sizeof buf));
    if (tok_keyword(t, "QINIT")) return parse_declaration(cu, t, 1);
    if (tok_keyword(t, "CREG")) return parse_declaration(cu, t, 0);
    if (tok_keyword(t, "MEASURE")) return parse_measure(cu, t);
    if (tok_keyword(t, "RESET")) return parse_reset(cu, t);
    if (tok_keyword(t, "BARRIER")) return parse_barrier(cu);
    if (tok_keyword(t, "DAGGER")) return parse_dagger(cu, t);
    if (tok_keyword(t, "CONTROL")) return parse_control(cu, t);
    if (tok_keyword(t, "QGATE")) return parse_qgate(cu, t);
    if (tok_keyword(t, "ENDDAGGER") || tok_keyword(t, "ENDCONTROL") || tok_keyword(t, "ENDQGATE"))
        return error_at(cu, t, "%.*s without a matching %.*s", t->len, t->text, t->len - 3, t->text + 3);
    CALL(unsupported(cu, t));
    if (tok_is(t, "c") && tok_is(peek(cu), "[")) return classical_unsupported(cu, t);
    return parse_gate_call(cu, t);
}

/* ---- entry points ------------------------------------------------------------- */

static int parse_program(parser *ps)
{
    cursor cu;
    memset(&cu, 0, sizeof cu);
    cu.ps = ps;
    cu.end = ps->tl.ntoks - 1;   /* the T_END token */
    for (;;) {
        CALL(skip_blank_lines(&cu));
        if (at_end(&cu)) break;
        cu.line = peek(&cu)->line;
        cu.col = peek(&cu)->col;
        CALL(parse_statement(&cu));
    }
    if (!ps->qinit_seen) {
        const token *t = peek(&cu);
        return error_at(&cu, t, "expected QINIT (the number of qubits), found end of file");
    }
    return TN_OK;
}

int originir_parse_string(const char *text, size_t len, const char *name, circuit **out)
{
    *out = NULL;
    parser ps;
    memset(&ps, 0, sizeof ps);
    ps.tl.name = name;
    ps.tl.text = text;
    int status = circ_create(name, &ps.c);
    if (status == TN_OK) status = originir_tokenize(&ps.tl, len);
    if (status == TN_OK) status = parse_program(&ps);
    free(ps.tl.toks);
    free(ps.defs);
    if (status != TN_OK) {
        circ_destroy(&ps.c);
        return status;
    }
    *out = ps.c;
    return TN_OK;
}

int originir_parse_file(const char *path, circuit **out)
{
    *out = NULL;
    char *text;
    size_t len;
    CALL(input_read_file(path, &text, &len));
    int status = originir_parse_string(text, len, input_name(path), out);
    free(text);
    return status;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

int originir_wants(const char *path, const char *format)
{
    if (format) return strcmp(format, "originir") == 0;
    return path && (ends_with(path, ".ir") || ends_with(path, ".originir"));
}
