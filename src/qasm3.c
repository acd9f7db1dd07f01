/* qasm3.c - the OpenQASM 3 statements (the subset Qiskit's qasm3.dumps writes
 * for circuits that run on devices today), on top of the OpenQASM 2 reader's
 * tokens, expressions, operands and gate table (qasm_parse.h).
 *
 * Handled here: qubit/bit declarations (physical qubits $n: qasm.c), `c[0] = measure q[0];`, delay[T],
 * if/else on a register or one bit, for loops over ranges (unrolled),
 * `input` parameters bound by qasm_bind_param, gphase, and the gate modifiers
 * ctrl/negctrl/inv/pow on standard gates (as the built-in they are, e.g.
 * `ctrl @ x` is cx, or else as a dense matrix). The
 * rest (gate definitions, measure ->, reset, barrier, gate calls, qreg/creg)
 * is the OpenQASM 2 code. Any other construct is refused by name.
 * Not for: OpenQASM 2 (qasm.c), simulation. */
#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "gates.h"
#include "input.h"
#include "qasm.h"
#include "qasm_parse.h"

#define MAX_PARAMS_BOUND 64
#define MAX_LOOP_ITERATIONS 10000000L
#define MAX_MODIFIERS 16

/* ---- --param bindings ------------------------------------------------------ */

static qasm_var bound[MAX_PARAMS_BOUND];
static int nbound;

int qasm_bind_param(const char *assignment)
{
    const char *eq = strchr(assignment, '=');
    if (!eq || eq == assignment || eq - assignment >= CIRC_NAME_MAX)
        return tn_fail(TN_ERR_USAGE, "option --param: '%s' is not NAME=VALUE", assignment);
    char *end;
    double v = strtod(eq + 1, &end);
    if (end == eq + 1 || *end != '\0' || !isfinite(v))
        return tn_fail(TN_ERR_USAGE, "option --param: '%s' has no finite number after '='", assignment);
    char name[CIRC_NAME_MAX];
    memcpy(name, assignment, (size_t)(eq - assignment));
    name[eq - assignment] = '\0';
    for (int i = 0; i < nbound; i++)
        if (strcmp(bound[i].name, name) == 0) { bound[i].value = v; return TN_OK; }
    if (nbound >= MAX_PARAMS_BOUND)
        return tn_fail(TN_ERR_USAGE, "option --param: more than %d parameters", MAX_PARAMS_BOUND);
    strcpy(bound[nbound].name, name);
    bound[nbound++].value = v;
    return TN_OK;
}

void qasm_clear_params(void) { nbound = 0; }

/* ---- small helpers ----------------------------------------------------------- */

static int unsupported(cursor *cu, const token *t, const char *what)
{
    return qasm_error_at(cu, t, "OpenQASM 3 construct '%s' is not supported", what);
}

static int push_var(cursor *cu, const token *name, double value)
{
    parser *ps = cu->ps;
    if (ps->nvars >= QASM_MAX_VARS) return qasm_error_at(cu, name, "more than %d inputs and loop variables", QASM_MAX_VARS);
    qasm_copy_name(name, ps->vars[ps->nvars].name);
    ps->vars[ps->nvars++].value = value;
    return TN_OK;
}

/* A non-negative integer literal into *out. */
static int expect_int(cursor *cu, const char *what, double *out)
{
    const token *t = qasm_peek(cu);
    if (t->kind != T_INT) {
        char buf[80];
        return qasm_error_at(cu, t, "expected %s, found %s", what, qasm_tok_text(t, buf, sizeof buf));
    }
    *out = qasm_advance(cu)->value;
    return TN_OK;
}

/* An optional "[N]" width after a type name (float[64], uint[32], ...). */
static int skip_width(cursor *cu)
{
    if (!qasm_tok_is(qasm_peek(cu), "[")) return TN_OK;
    qasm_advance(cu);
    double w;
    CALL(expect_int(cu, "a width", &w));
    return qasm_expect(cu, "]");
}

/* ---- declarations ------------------------------------------------------------- */

/* qubit[n] name; / bit[n] name; / qubit name; */
static int parse_declaration(cursor *cu, const token *kw, int quantum)
{
    if (cu->def || cu->cond_reg >= 0) return qasm_error_at(cu, kw, "registers must be declared at the top level");
    double size = 1;
    if (qasm_tok_is(qasm_peek(cu), "[")) {
        qasm_advance(cu);
        const token *at = qasm_peek(cu);
        CALL(expect_int(cu, "the register size", &size));
        if (size < 1 || size > 1000000) return qasm_error_at(cu, at, "register size %.0f is out of range [1, 1000000]", size);
        CALL(qasm_expect(cu, "]"));
    }
    const token *name;
    CALL(qasm_expect_id(cu, "a register name", &name));
    if (qasm_tok_is(qasm_peek(cu), "=")) return unsupported(cu, qasm_peek(cu), "initialised declaration");
    CALL(qasm_expect(cu, ";"));
    char nm[CIRC_NAME_MAX];
    qasm_copy_name(name, nm);
    if (circ_find_qreg(cu->ps->c, nm) >= 0 || circ_find_creg(cu->ps->c, nm) >= 0)
        return qasm_error_at(cu, name, "register '%s' is declared twice", nm);
    return quantum ? circ_add_qreg(cu->ps->c, nm, (int)size, NULL) : circ_add_creg(cu->ps->c, nm, (int)size, NULL);
}

/* input float[64] theta; -- its value from --param theta=VALUE. */
static int parse_input(cursor *cu, const token *kw)
{
    if (cu->def || cu->cond_reg >= 0) return qasm_error_at(cu, kw, "inputs must be declared at the top level");
    const token *type;
    CALL(qasm_expect_id(cu, "a type", &type));
    if (!(qasm_tok_is(type, "float") || qasm_tok_is(type, "angle") || qasm_tok_is(type, "int") || qasm_tok_is(type, "uint")))
        return qasm_error_at(cu, type, "input of type '%.*s' is not supported (float, angle, int or uint)", type->len,
                             type->text);
    CALL(skip_width(cu));
    const token *name;
    CALL(qasm_expect_id(cu, "an input name", &name));
    CALL(qasm_expect(cu, ";"));
    for (int i = 0; i < nbound; i++)
        if ((int)strlen(bound[i].name) == name->len && memcmp(bound[i].name, name->text, (size_t)name->len) == 0)
            return push_var(cu, name, bound[i].value);
    return qasm_error_at(cu, name, "input '%.*s' has no value (give it with --param %.*s=VALUE)", name->len, name->text,
                         name->len, name->text);
}

/* ---- measurement ----------------------------------------------------------------- */

/* c[0] = measure q[0];  or  c = measure q;  (the classical operand already ahead) */
static int parse_measure_assignment(cursor *cu)
{
    if (cu->def) return qasm_error_at(cu, qasm_peek(cu), "measure is not allowed inside a gate body");
    operand c, q;
    CALL(qasm_parse_operand(cu, 0, &c));
    CALL(qasm_expect(cu, "="));
    if (!qasm_tok_is(qasm_peek(cu), "measure")) return unsupported(cu, qasm_peek(cu), "classical assignment");
    qasm_advance(cu);
    CALL(qasm_parse_operand(cu, 1, &q));
    CALL(qasm_expect(cu, ";"));
    operand both[2] = {q, c};
    int size;
    CALL(qasm_broadcast_size(cu, both, 2, 1, &size));
    if ((q.index < 0) != (c.index < 0))
        return qasm_error_at(cu, c.at, "measure needs a register on both sides or one bit on both sides");
    for (int k = 0; k < size; k++) {
        circ_op op;
        qasm_init_op(cu, &op, OP_MEASURE);
        op.nqubits = 1;
        op.qubits[0] = qasm_resolve(cu, &q, 1, k);
        op.clbit = qasm_resolve(cu, &c, 0, k);
        CALL(qasm_append_op(cu, &op));
    }
    return TN_OK;
}

/* ---- blocks, if and for ------------------------------------------------------------ */

/* '{' statements '}' or one statement, read with cursor cu. */
static int parse_block(cursor *cu)
{
    if (!qasm_tok_is(qasm_peek(cu), "{")) return qasm_parse_statement(cu);
    const token *open = qasm_advance(cu);
    while (!qasm_tok_is(qasm_peek(cu), "}")) {
        if (qasm_peek(cu)->kind == T_END) return qasm_error_at(cu, open, "this '{' has no closing '}'");
        CALL(qasm_parse_statement(cu));
    }
    qasm_advance(cu);
    return TN_OK;
}

/* Skips a block without emitting anything (a loop that runs zero times). */
static int skip_block(cursor *cu)
{
    const token *first = qasm_peek(cu);
    int level = 0;
    for (;;) {
        const token *t = qasm_peek(cu);
        if (t->kind == T_END) return qasm_error_at(cu, first, "this loop body has no end");
        qasm_advance(cu);
        if (qasm_tok_is(t, "{")) level++;
        if (qasm_tok_is(t, "}") && --level == 0) break;
        if (qasm_tok_is(t, ";") && level == 0) break;
    }
    if (qasm_tok_is(qasm_peek(cu), "else")) {
        qasm_advance(cu);
        return skip_block(cu);
    }
    return TN_OK;
}

/* The condition of an if: (c == N), (c[i] == 0/1), (c[i]), (!c[i]), (c != N). */
static int parse_condition(cursor *cu, int *reg, int *bit, size_t *value, int *negated)
{
    CALL(qasm_expect(cu, "("));
    *negated = 0;
    if (qasm_tok_is(qasm_peek(cu), "!")) { qasm_advance(cu); *negated = 1; }
    operand c;
    CALL(qasm_parse_operand(cu, 0, &c));
    *reg = c.reg;
    *bit = c.index >= 0 ? c.index + 1 : 0;
    int width = *bit ? 1 : cu->ps->c->cregs[c.reg].size;
    size_t nwords = ((size_t)width + 63) / 64;
    uint64_t *words = tn_calloc(nwords, sizeof(uint64_t));
    if (!words) return TN_ERR_MEMORY;
    int status = TN_OK;
    if (qasm_tok_is(qasm_peek(cu), "==") || qasm_tok_is(qasm_peek(cu), "!=")) {
        if (qasm_tok_is(qasm_advance(cu), "!=")) *negated = !*negated;
        const token *v = qasm_peek(cu);
        if (qasm_tok_is(v, "true") || qasm_tok_is(v, "false")) {
            words[0] = qasm_tok_is(v, "true");
            qasm_advance(cu);
        } else if (v->kind != T_INT) {
            char buf[80];
            status = qasm_error_at(cu, v, "expected a non-negative integer, found %s", qasm_tok_text(v, buf, sizeof buf));
        } else {
            qasm_advance(cu);
            status = qasm_parse_big_integer(cu, v, words, nwords, width);
        }
    } else if (*bit) {
        words[0] = 1;
    } else {
        status = unsupported(cu, qasm_peek(cu), "condition other than a bit or a register compared with an integer");
    }
    if (status == TN_OK) status = qasm_expect(cu, ")");
    if (status == TN_OK) status = circ_add_cond_value(cu->ps->c, words, nwords, value);
    free(words);
    return status;
}

static int parse_if(cursor *cu, const token *kw)
{
    if (cu->def) return qasm_error_at(cu, kw, "if is not allowed inside a gate body");
    if (cu->cond_reg >= 0) return unsupported(cu, kw, "nested if");
    cursor inner = *cu;
    CALL(parse_condition(&inner, &inner.cond_reg, &inner.cond_bit, &inner.cond_value, &inner.cond_negated));
    CALL(parse_block(&inner));
    if (qasm_tok_is(qasm_peek(&inner), "else")) {
        qasm_advance(&inner);
        inner.cond_negated = !inner.cond_negated;
        CALL(parse_block(&inner));
    }
    cu->pos = inner.pos;
    return TN_OK;
}

/* for [type] i in [a:b] / [a:step:b] { ... }: the body unrolled, b included. */
static int parse_for(cursor *cu, const token *kw)
{
    if (cu->def) return qasm_error_at(cu, kw, "for is not allowed inside a gate body");
    const token *var;
    CALL(qasm_expect_id(cu, "a loop variable", &var));
    if (qasm_tok_is(var, "uint") || qasm_tok_is(var, "int")) {
        CALL(skip_width(cu));
        CALL(qasm_expect_id(cu, "a loop variable", &var));
    }
    CALL(qasm_expect(cu, "in"));
    if (qasm_tok_is(qasm_peek(cu), "{")) return unsupported(cu, qasm_peek(cu), "for over a set");
    if (!qasm_tok_is(qasm_peek(cu), "[")) return unsupported(cu, qasm_peek(cu), "for over a register or array");
    qasm_advance(cu);
    double first, step = 1, last;
    const token *at = qasm_peek(cu);
    CALL(qasm_parse_expr(cu, &first));
    CALL(qasm_expect(cu, ":"));
    CALL(qasm_parse_expr(cu, &last));
    if (qasm_tok_is(qasm_peek(cu), ":")) {
        qasm_advance(cu);
        step = last;
        CALL(qasm_parse_expr(cu, &last));
    }
    CALL(qasm_expect(cu, "]"));
    if (first != floor(first) || step != floor(step) || last != floor(last) || step == 0 || !isfinite(first) ||
        !isfinite(last) || fabs(first) > 1e15 || fabs(last) > 1e15)
        return qasm_error_at(cu, at, "the range [%g:%g:%g] is not one of integers with a step other than 0", first, step,
                             last);
    double count = floor((last - first) / step) + 1;
    if (count > 0 && count > MAX_LOOP_ITERATIONS - cu->ps->loop_iterations)   /* nested loops count together */
        return qasm_error_at(cu, at, "the loops run more than %ld times in all", MAX_LOOP_ITERATIONS);
    if (count > 0) cu->ps->loop_iterations += (long)count;
    size_t body = cu->pos;
    if (count < 1) return skip_block(cu);
    for (long k = 0; k < (long)count; k++) {
        CALL(push_var(cu, var, first + (double)k * step));
        cu->pos = body;
        int status = parse_block(cu);
        cu->ps->nvars--;
        CALL(status);
    }
    return TN_OK;
}

/* ---- gphase and gate modifiers ------------------------------------------------------ */

typedef struct {
    int kind;        /* 'c' ctrl, 'n' negctrl, 'i' inv, 'p' pow */
    int count;       /* controls, or the power */
} modifier;

/* U (dim x dim) := its inverse (conjugate transpose) */
static void invert(double complex *u, int dim)
{
    for (int i = 0; i < dim; i++)
        for (int j = i; j < dim; j++) {
            double complex a = u[i * dim + j], b = u[j * dim + i];
            u[i * dim + j] = conj(b);
            u[j * dim + i] = conj(a);
        }
}

/* U := U^k (k >= 0), with scratch of dim*dim entries twice. */
static void power(double complex *u, int dim, int k, double complex *scratch)
{
    double complex *acc = scratch, *tmp = scratch + (size_t)dim * dim;
    for (int i = 0; i < dim * dim; i++) acc[i] = (i % (dim + 1)) == 0;
    for (int r = 0; r < k; r++) {
        for (int i = 0; i < dim; i++)
            for (int j = 0; j < dim; j++) {
                double complex s = 0;
                for (int l = 0; l < dim; l++) s += acc[i * dim + l] * u[l * dim + j];
                tmp[i * dim + j] = s;
            }
        memcpy(acc, tmp, (size_t)dim * dim * sizeof *acc);
    }
    memcpy(u, acc, (size_t)dim * dim * sizeof *u);
}

/* out (2^(n+m) square) := U (2^m square) controlled by n new leading qubits,
 * acting when they read all ones (ctrl) or all zeros (negctrl). */
static void control(const double complex *u, int m, int n, int negative, double complex *out)
{
    int dim_u = 1 << m, dim = 1 << (n + m);
    memset(out, 0, (size_t)dim * dim * sizeof *out);
    for (int i = 0; i < dim; i++) out[i * dim + i] = 1;
    int base = (negative ? 0 : (1 << n) - 1) * dim_u;
    for (int i = 0; i < dim_u; i++)
        for (int j = 0; j < dim_u; j++) out[(base + i) * dim + base + j] = u[i * dim_u + j];
}

/* Reads "inv @", "pow(k) @", "ctrl(n) @", "negctrl @" ... starting at kw. */
static int parse_modifiers(cursor *cu, const token *kw, modifier *mods, int *nmods, int *ncontrols)
{
    *nmods = 0;
    *ncontrols = 0;
    for (const token *t = kw;; t = qasm_advance(cu)) {
        if (*nmods >= MAX_MODIFIERS) return qasm_error_at(cu, t, "more than %d gate modifiers", MAX_MODIFIERS);
        modifier *md = &mods[(*nmods)++];
        md->count = 1;
        md->kind = qasm_tok_is(t, "inv") ? 'i' : qasm_tok_is(t, "pow") ? 'p' : qasm_tok_is(t, "ctrl") ? 'c' : 'n';
        if (md->kind != 'i' && qasm_tok_is(qasm_peek(cu), "(")) {
            qasm_advance(cu);
            const token *at = qasm_peek(cu);
            double v;
            CALL(qasm_parse_expr(cu, &v));
            CALL(qasm_expect(cu, ")"));
            if (md->kind == 'p' && v != floor(v)) return unsupported(cu, at, "pow with a non-integer exponent");
            if (md->kind == 'p' && fabs(v) > 64) return qasm_error_at(cu, at, "the power %g is not in [-64, 64]", v);
            if (md->kind != 'p' && (v != floor(v) || v < 1 || v > CIRC_MAX_GATE_QUBITS))
                return qasm_error_at(cu, at, "the number of controls %g is not in [1, %d]", v, CIRC_MAX_GATE_QUBITS);
            md->count = (int)v;
        } else if (md->kind == 'p') {
            return qasm_expect(cu, "(");
        }
        if (md->kind == 'c' || md->kind == 'n') *ncontrols += md->count;
        CALL(qasm_expect(cu, "@"));
        const token *next = qasm_peek(cu);
        if (!(qasm_tok_is(next, "inv") || qasm_tok_is(next, "pow") || qasm_tok_is(next, "ctrl") ||
              qasm_tok_is(next, "negctrl")))
            return TN_OK;
    }
}

/* The matrix of a modified gate: base (2^m square) with the modifiers
 * applied from the innermost (last written) out, into a new array. inv and
 * pow commute with the controls (C(U)^k = C(U^k)), so they are applied to
 * the small base matrix first and the controls after. */
static int modified_matrix(const double complex *base, int m, const modifier *mods, int nmods, double complex **out)
{
    int total = m;
    for (int i = 0; i < nmods; i++)
        if (mods[i].kind == 'c' || mods[i].kind == 'n') total += mods[i].count;
    size_t full = (size_t)1 << (2 * total);
    double complex *u = tn_malloc(full * sizeof *u), *scratch = tn_malloc(2 * full * sizeof *u);
    if (!u || !scratch) { free(u); free(scratch); return TN_ERR_MEMORY; }
    int width = m, dim = 1 << m;
    memcpy(u, base, (size_t)dim * dim * sizeof *u);
    for (int i = nmods - 1; i >= 0; i--) {
        if (mods[i].kind == 'i') invert(u, dim);
        else if (mods[i].kind == 'p') {
            if (mods[i].count < 0) invert(u, dim);
            power(u, dim, abs(mods[i].count), scratch);
        }
    }
    for (int i = nmods - 1; i >= 0; i--) {
        if (mods[i].kind == 'c' || mods[i].kind == 'n') {
            control(u, width, mods[i].count, mods[i].kind == 'n', scratch);
            width += mods[i].count;
            dim = 1 << width;
            memcpy(u, scratch, (size_t)dim * dim * sizeof *u);
        }
    }
    free(scratch);
    *out = u;
    return TN_OK;
}

/* The built-in matrix of gate `name` with params (gphase: 1x1). */
static int base_matrix(cursor *cu, const token *name, const double *params, int nparams, double complex *m, int *nq)
{
    char buf[80];
    if (qasm_tok_is(name, "gphase")) {
        if (nparams != 1) return qasm_error_at(cu, name, "gphase takes one parameter");
        m[0] = cexp(I * params[0]);
        *nq = 0;
        return TN_OK;
    }
    int want, g = qasm_builtin_gate(name, &want);
    if (g < 0) {
        if (qasm_gate_arity(cu, name, &want) >= 0) return unsupported(cu, name, "modifier on a custom gate");
        return qasm_error_at(cu, name, "unknown gate %s", qasm_tok_text(name, buf, sizeof buf));
    }
    if (nparams != want)
        return qasm_error_at(cu, name, "wrong number of parameters for %s (expected %d, got %d)",
                             qasm_tok_text(name, buf, sizeof buf), want, nparams);
    double p[CIRC_MAX_PARAMS] = {0};
    for (int i = 0; i < nparams && i < CIRC_MAX_PARAMS && !qasm_tok_is(name, "u0"); i++) p[i] = params[i];
    gate_matrix(g, p, m);
    *nq = gate_get_info(g)->nqubits;
    return TN_OK;
}

/* The built-in a modified standard gate already is, so that it runs (and
 * finds its device calibration) by name: one `ctrl @` on a gate with a
 * controlled form, `ctrl(2) @ x`, or one `inv @`. Returns the gate id (its
 * parameters into out) or -1 for a dense matrix. */
static int builtin_form(int g, const double *params, const modifier *mods, int nmods, double *out)
{
    memcpy(out, params, CIRC_MAX_PARAMS * sizeof *out);
    if (nmods != 1) return -1;
    if (mods[0].kind == 'c') return gate_controlled(g, mods[0].count);
    if (mods[0].kind == 'i') return gate_adjoint(g, out);
    return -1;
}

/* Emits the dense gate u on the operands, broadcast over whole registers. */
static int emit_dense(cursor *cu, const token *at, int g, const double *params, const double complex *u,
                      const operand *ops, int nops)
{
    int size;
    CALL(qasm_broadcast_size(cu, ops, nops, ~0, &size));
    for (int k = 0; k < size; k++) {
        circ_op op;
        qasm_init_op(cu, &op, OP_GATE);
        op.gate = g;
        memcpy(op.params, params, sizeof op.params);
        op.nqubits = nops;
        for (int i = 0; i < nops; i++) op.qubits[i] = qasm_resolve(cu, &ops[i], 1, k);
        CALL(qasm_check_distinct(cu, at, op.qubits, nops));
        op.matrix = g == GATE_UNITARY ? (double complex *)u : NULL;
        CALL(qasm_append_op(cu, &op));
    }
    return TN_OK;
}

/* [modifiers @] gate(params) operands; -- or gphase(x); on its own. */
static int parse_modified_gate(cursor *cu, const token *first)
{
    modifier mods[MAX_MODIFIERS];
    int nmods = 0, ncontrols = 0;
    const token *name = first;
    if (!qasm_tok_is(first, "gphase")) {
        CALL(parse_modifiers(cu, first, mods, &nmods, &ncontrols));
        CALL(qasm_expect_id(cu, "a gate name", &name));
    }
    double params[CIRC_MAX_PARAMS * 4];
    int nparams, nq = 0;
    CALL(qasm_parse_param_list(cu, params, CIRC_MAX_PARAMS * 4, &nparams, name));
    double complex base[64];
    const double zeros[CIRC_MAX_PARAMS] = {0};
    CALL(base_matrix(cu, name, params, nparams, base, &nq));
    if (nq + ncontrols > CIRC_MAX_GATE_QUBITS)
        return qasm_error_at(cu, name, "the modified gate acts on %d qubits (at most %d)", nq + ncontrols,
                             CIRC_MAX_GATE_QUBITS);
    operand ops[CIRC_MAX_GATE_QUBITS];
    int nops = 0;
    while (!qasm_tok_is(qasm_peek(cu), ";")) {
        if (nops >= nq + ncontrols) return qasm_error_at(cu, qasm_peek(cu), "too many qubits for this gate (%d)", nq + ncontrols);
        CALL(qasm_parse_operand(cu, 1, &ops[nops++]));
        if (qasm_tok_is(qasm_peek(cu), ",")) qasm_advance(cu);
        else if (!qasm_tok_is(qasm_peek(cu), ";")) return qasm_error_at(cu, qasm_peek(cu), "expected ',' or ';'");
    }
    qasm_advance(cu);
    if (nq + ncontrols == 0) {   /* a bare gphase: a global phase, carried on the first qubit in reach */
        if (cu->def && cu->def->nargs == 0) return TN_OK;
        ops[0].at = name;
        ops[0].index = 0;
        ops[0].reg = 0;
        ops[0].bound_qubit = cu->def ? cu->arg_qubits[0] : -1;
        if (!cu->def && cu->ps->c->nqregs == 0) return qasm_error_at(cu, name, "gphase before any qubit is declared");
        double complex *phase;   /* the 1 x 1 matrix with inv and pow applied */
        CALL(modified_matrix(base, 0, mods, nmods, &phase));
        double complex diag[4] = {phase[0], 0, 0, phase[0]};
        free(phase);
        return emit_dense(cu, name, GATE_UNITARY, zeros, diag, ops, 1);
    }
    if (nops != nq + ncontrols)
        return qasm_error_at(cu, name, "wrong number of qubits (expected %d, got %d)", nq + ncontrols, nops);
    int want;
    double builtin_params[CIRC_MAX_PARAMS];
    int g = nq ? qasm_builtin_gate(name, &want) : -1;
    g = g >= 0 && !qasm_tok_is(name, "u0") ? builtin_form(g, params, mods, nmods, builtin_params) : -1;
    if (g >= 0) return emit_dense(cu, name, g, builtin_params, NULL, ops, nops);
    double complex *u;
    CALL(modified_matrix(base, nq, mods, nmods, &u));
    int status = emit_dense(cu, name, GATE_UNITARY, zeros, u, ops, nops);
    free(u);
    return status;
}

/* ---- statements -------------------------------------------------------------------- */

static const char *const unsupported_keywords[] = {
    "while", "def", "defcal", "cal", "extern", "box", "let", "const", "int", "uint", "float", "angle", "bool",
    "complex", "duration", "stretch", "array", "output", "break", "continue", "return", "switch", "end", "opaque",
    "durationof", "defcalgrammar", "case", "default", "sizeof",
};

static int parse_include(cursor *cu, const token *kw)
{
    const token *file = qasm_peek(cu);
    char buf[80];
    if (file->kind != T_STRING)
        return qasm_error_at(cu, file, "expected a file name in quotes, found %s", qasm_tok_text(file, buf, sizeof buf));
    qasm_advance(cu);
    CALL(qasm_expect(cu, ";"));
    if ((file->len == 12 && memcmp(file->text, "stdgates.inc", 12) == 0) ||
        (file->len == 10 && memcmp(file->text, "qelib1.inc", 10) == 0))
        return TN_OK;   /* built in */
    return unsupported(cu, kw, "include of a file other than stdgates.inc");
}

int qasm3_statement(cursor *cu, const token *t)
{
    char buf[80];
    if (t->kind != T_ID) return qasm_error_at(cu, t, "expected a statement, found %s", qasm_tok_text(t, buf, sizeof buf));
    if (qasm_tok_is(t, "OPENQASM")) return qasm_error_at(cu, t, "OPENQASM may only appear once, at the start of the file");
    if (qasm_tok_is(t, "include")) return parse_include(cu, t);
    if (qasm_tok_is(t, "qubit") || qasm_tok_is(t, "bit")) return parse_declaration(cu, t, qasm_tok_is(t, "qubit"));
    if (qasm_tok_is(t, "input")) return parse_input(cu, t);
    if (qasm_tok_is(t, "if")) return parse_if(cu, t);
    if (qasm_tok_is(t, "for")) return parse_for(cu, t);
    if (qasm_tok_is(t, "delay")) return qasm_parse_delay(cu, "[", "]");
    if (qasm_tok_is(t, "ctrl") || qasm_tok_is(t, "negctrl") || qasm_tok_is(t, "inv") || qasm_tok_is(t, "pow") ||
        qasm_tok_is(t, "gphase"))
        return parse_modified_gate(cu, t);
    for (size_t i = 0; i < sizeof unsupported_keywords / sizeof unsupported_keywords[0]; i++)
        if (qasm_tok_is(t, unsupported_keywords[i])) return unsupported(cu, t, unsupported_keywords[i]);
    char nm[CIRC_NAME_MAX];
    qasm_copy_name(t, nm);
    if (!cu->def && circ_find_creg(cu->ps->c, nm) >= 0) {   /* c[0] = measure q[0]; */
        cu->pos--;
        return parse_measure_assignment(cu);
    }
    if (qasm_tok_is(qasm_peek(cu), "=")) return unsupported(cu, t, "classical assignment");
    return qasm_statement2(cu, t);
}
