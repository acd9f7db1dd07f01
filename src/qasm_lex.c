/* qasm_lex.c - OpenQASM's tokens, the parser's cursor and its expressions.
 *
 * The text of a source is cut into tokens once, with line and column; the
 * cursor reads them and reports errors as one line FILE:LINE:COL: error: ...;
 * parameter expressions (pi, constants, + - * / ^, the functions of
 * OpenQASM 2 and 3, gate parameters, OpenQASM 3 inputs and loop variables)
 * are evaluated as they are read. Shared by qasm.c and qasm3.c through
 * qasm_parse.h.
 * Not for: statements and gates (qasm.c, qasm3.c). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "input.h"
#include "qasm_parse.h"

/* ---- tokens -------------------------------------------------------------- */


int qasm_tok_is(const token *t, const char *s)
{
    return (t->kind == T_ID || t->kind == T_PUNCT || t->kind == T_ARROW || t->kind == T_EQEQ) &&
           (int)strlen(s) == t->len && memcmp(t->text, s, (size_t)t->len) == 0;
}

static int push_token(source *src, token t)
{
    CALL(tn_grow((void **)&src->toks, &src->cap, src->ntoks, sizeof t, 1024));
    src->toks[src->ntoks++] = t;
    return TN_OK;
}

static int lex_error(const source *src, int line, int col, const char *what)
{
    return tn_fail(TN_ERR_INPUT, "%s:%d:%d: error: %s", src->name, line, col, what);
}

int qasm_tokenize(source *src, size_t len)
{
    const char *p = src->text + input_bom_length(src->text, len), *end = src->text + len;
    int line = 1, col = 1;
    while (p < end) {
        char ch = *p;
        if (ch == '\n') { line++; col = 1; p++; continue; }
        if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' || ch == '\v') { p++; col++; continue; }
        if (ch == '/' && p + 1 < end && p[1] == '/') {
            while (p < end && *p != '\n') p++;
            continue;
        }
        if (ch == '/' && p + 1 < end && p[1] == '*') {
            int l0 = line, c0 = col;
            p += 2; col += 2;
            while (p + 1 < end && !(p[0] == '*' && p[1] == '/')) {
                if (*p == '\n') { line++; col = 1; } else col++;
                p++;
            }
            if (p + 1 >= end) return lex_error(src, l0, c0, "unterminated comment");
            p += 2; col += 2;
            continue;
        }
        token t = {0};
        t.line = line;
        t.col = col;
        t.text = p;
        if (ch == '$' && p + 1 < end && isdigit((unsigned char)p[1])) {   /* OpenQASM 3 physical qubit */
            const char *q = p + 1;
            while (q < end && isdigit((unsigned char)*q)) q++;
            t.kind = T_ID;
            t.len = (int)(q - p);
            if (!src->first_v3_tok) src->first_v3_tok = (long)src->ntoks + 1;
        } else if (isalpha((unsigned char)ch) || ch == '_') {
            const char *q = p;
            while (q < end && (isalnum((unsigned char)*q) || *q == '_')) q++;
            t.kind = T_ID;
            t.len = (int)(q - p);
        } else if (isdigit((unsigned char)ch) || (ch == '.' && p + 1 < end && isdigit((unsigned char)p[1]))) {
            int is_real;
            t.len = input_scan_number(p, end, &is_real);
            t.kind = is_real ? T_REAL : T_INT;
            char buf[64];
            int n = t.len < 63 ? t.len : 63;
            memcpy(buf, p, (size_t)n);
            buf[n] = '\0';
            t.value = strtod(buf, NULL);
        } else if (ch == '"') {
            const char *q = p + 1;
            while (q < end && *q != '"' && *q != '\n') q++;
            if (q >= end || *q != '"') return lex_error(src, line, col, "unterminated string");
            t.kind = T_STRING;
            t.text = p + 1;
            t.len = (int)(q - p - 1);
            col += (int)(q + 1 - p);
            p = q + 1;
            CALL(push_token(src, t));
            continue;
        } else if (ch == '-' && p + 1 < end && p[1] == '>') {
            t.kind = T_ARROW;
            t.len = 2;
        } else if (ch == '=' && p + 1 < end && p[1] == '=') {
            t.kind = T_EQEQ;
            t.len = 2;
        } else if (strchr(";,()[]{}+-*/^", ch) && ch != '\0') {
            t.kind = T_PUNCT;
            t.len = 1;
        } else if (strchr("@=:!<>&|%~", ch) && ch != '\0') {   /* OpenQASM 3 only: checked after the header */
            t.kind = T_PUNCT;
            t.len = (p + 1 < end && strchr("=&|", p[1]) && p[1] != '\0' && (p[1] == '=' || p[1] == ch)) ? 2 : 1;
            if (!src->first_v3_tok) src->first_v3_tok = (long)src->ntoks + 1;
        } else {
            char what[64];
            if (isprint((unsigned char)ch)) snprintf(what, sizeof what, "unexpected character '%c'", ch);
            else snprintf(what, sizeof what, "unexpected byte 0x%02x", (unsigned char)ch);
            return lex_error(src, line, col, what);
        }
        p += t.len;
        col += t.len;
        CALL(push_token(src, t));
    }
    token t = {0};
    t.kind = T_END;
    t.line = line;
    t.col = col;
    t.text = "";
    return push_token(src, t);
}

const token *qasm_peek(const cursor *cu) { return &cu->src->toks[cu->pos < cu->end ? cu->pos : cu->end]; }

const token *qasm_advance(cursor *cu)
{
    const token *t = qasm_peek(cu);
    if (cu->pos < cu->end) cu->pos++;
    return t;
}

/* FILE:LINE:COL: error: ... at token t (TN_ERR_INPUT). */
static int verror_at(const cursor *cu, const token *t, const char *fmt, va_list ap)
{
    char what[512];
    vsnprintf(what, sizeof what, fmt, ap);
    return tn_fail(TN_ERR_INPUT, "%s:%d:%d: error: %s", cu->src->name, t->line, t->col, what);
}

int qasm_error_at(const cursor *cu, const token *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int status = verror_at(cu, t, fmt, ap);
    va_end(ap);
    return status;
}

/* A token as text for messages. */
const char *qasm_tok_text(const token *t, char *buf, size_t size)
{
    if (t->kind == T_END) return "end of file";
    int n = t->len < (int)size - 3 ? t->len : (int)size - 3;
    snprintf(buf, size, "'%.*s'", n, t->text);
    return buf;
}

int qasm_expect(cursor *cu, const char *what)
{
    const token *t = qasm_peek(cu);
    if (!qasm_tok_is(t, what)) {
        char buf[80];
        return qasm_error_at(cu, t, "expected '%s', found %s", what, qasm_tok_text(t, buf, sizeof buf));
    }
    qasm_advance(cu);
    return TN_OK;
}

int qasm_expect_id(cursor *cu, const char *what, const token **out)
{
    const token *t = qasm_peek(cu);
    if (t->kind != T_ID) {
        char buf[80];
        return qasm_error_at(cu, t, "expected %s, found %s", what, qasm_tok_text(t, buf, sizeof buf));
    }
    *out = qasm_advance(cu);
    return TN_OK;
}

void qasm_copy_name(const token *t, char *out)
{
    int n = t->len < CIRC_NAME_MAX - 1 ? t->len : CIRC_NAME_MAX - 1;
    memcpy(out, t->text, (size_t)n);
    out[n] = '\0';
}

/* ---- expressions ----------------------------------------------------------- */

static int apply_function(cursor *cu, const token *fn, double x, double *out)
{
    if (qasm_tok_is(fn, "sin")) *out = sin(x);
    else if (qasm_tok_is(fn, "cos")) *out = cos(x);
    else if (qasm_tok_is(fn, "tan")) *out = tan(x);
    else if (qasm_tok_is(fn, "exp")) *out = exp(x);
    else if (qasm_tok_is(fn, "ln")) *out = log(x);
    else if (qasm_tok_is(fn, "sqrt")) *out = sqrt(x);
    else if (qasm_tok_is(fn, "asin")) *out = asin(x);
    else if (qasm_tok_is(fn, "acos")) *out = acos(x);
    else if (qasm_tok_is(fn, "atan")) *out = atan(x);
    else {
        char buf[80];
        return qasm_error_at(cu, fn, "unknown function %s", qasm_tok_text(fn, buf, sizeof buf));
    }
    return TN_OK;
}

/* The value of identifier t: pi, or a parameter of the gate being expanded. */
static int identifier_value(cursor *cu, const token *t, double *out)
{
    if (qasm_tok_is(t, "pi")) { *out = M_PI; return TN_OK; }
    if (cu->def)
        for (int i = 0; i < cu->def->nparams; i++)
            if ((int)strlen(cu->def->params[i]) == t->len && memcmp(cu->def->params[i], t->text, (size_t)t->len) == 0) {
                *out = cu->param_values[i];
                return TN_OK;
            }
    /* Loop variables and inputs are global: a gate body sees only its parameters. */
    for (int i = cu->def ? -1 : cu->ps->nvars - 1; i >= 0; i--)
        if ((int)strlen(cu->ps->vars[i].name) == t->len && memcmp(cu->ps->vars[i].name, t->text, (size_t)t->len) == 0) {
            *out = cu->ps->vars[i].value;
            return TN_OK;
        }
    if (cu->ps->version == 3 && (qasm_tok_is(t, "tau") || qasm_tok_is(t, "euler"))) {
        *out = qasm_tok_is(t, "tau") ? 2 * M_PI : M_E;
        return TN_OK;
    }
    char buf[80];
    return qasm_error_at(cu, t, "unknown identifier %s in an expression", qasm_tok_text(t, buf, sizeof buf));
}

static int parse_primary(cursor *cu, double *out)
{
    const token *t = qasm_peek(cu);
    char buf[80];
    if (t->kind == T_REAL || t->kind == T_INT) { qasm_advance(cu); *out = t->value; return TN_OK; }
    if (qasm_tok_is(t, "(")) {
        qasm_advance(cu);
        CALL(qasm_parse_expr(cu, out));
        return qasm_expect(cu, ")");
    }
    if (t->kind == T_ID) {
        qasm_advance(cu);
        if (qasm_tok_is(qasm_peek(cu), "(")) {
            double x;
            qasm_advance(cu);
            CALL(qasm_parse_expr(cu, &x));
            CALL(qasm_expect(cu, ")"));
            return apply_function(cu, t, x, out);
        }
        return identifier_value(cu, t, out);
    }
    return qasm_error_at(cu, t, "expected a number, pi, a parameter or '(', found %s", qasm_tok_text(t, buf, sizeof buf));
}

/* power := primary ('^' unary)? ; unary := '-' unary | '+' unary | power */
static int parse_unary(cursor *cu, double *out);

static int parse_power(cursor *cu, double *out)
{
    CALL(parse_primary(cu, out));
    if (qasm_tok_is(qasm_peek(cu), "^")) {
        qasm_advance(cu);
        double e;
        CALL(parse_unary(cu, &e));
        *out = pow(*out, e);
    }
    return TN_OK;
}

/* Every recursion of the expression grammar passes here (signs, parentheses,
 * function arguments, exponents), so bounding it here bounds the stack. */
static int parse_signed(cursor *cu, double *out);

static int parse_unary(cursor *cu, double *out)
{
    if (cu->expr_depth > INPUT_MAX_EXPR_DEPTH)
        return qasm_error_at(cu, qasm_peek(cu), "expression nests more than %d deep", INPUT_MAX_EXPR_DEPTH);
    cu->expr_depth++;
    int status = parse_signed(cu, out);
    cu->expr_depth--;
    return status;
}

static int parse_signed(cursor *cu, double *out)
{
    if (qasm_tok_is(qasm_peek(cu), "-")) {
        qasm_advance(cu);
        CALL(parse_unary(cu, out));
        *out = -*out;
        return TN_OK;
    }
    if (qasm_tok_is(qasm_peek(cu), "+")) {
        qasm_advance(cu);
        return parse_unary(cu, out);
    }
    return parse_power(cu, out);
}

static int parse_term(cursor *cu, double *out)
{
    CALL(parse_unary(cu, out));
    while (qasm_tok_is(qasm_peek(cu), "*") || qasm_tok_is(qasm_peek(cu), "/")) {
        int mul = qasm_tok_is(qasm_advance(cu), "*");
        double r;
        CALL(parse_unary(cu, &r));
        *out = mul ? *out * r : *out / r;
    }
    return TN_OK;
}

int qasm_parse_expr(cursor *cu, double *out)
{
    CALL(parse_term(cu, out));
    while (qasm_tok_is(qasm_peek(cu), "+") || qasm_tok_is(qasm_peek(cu), "-")) {
        int add = qasm_tok_is(qasm_advance(cu), "+");
        double r;
        CALL(parse_term(cu, &r));
        *out = add ? *out + r : *out - r;
    }
    return TN_OK;
}

/* '(' expr (',' expr)* ')' if present; counts into *n (at most max). */
int qasm_parse_param_list(cursor *cu, double *values, int max, int *n, const token *gate)
{
    *n = 0;
    if (!qasm_tok_is(qasm_peek(cu), "(")) return TN_OK;
    qasm_advance(cu);
    if (qasm_tok_is(qasm_peek(cu), ")")) { qasm_advance(cu); return TN_OK; }
    for (;;) {
        double v;
        const token *at = qasm_peek(cu);
        CALL(qasm_parse_expr(cu, &v));
        if (*n >= max) {
            char buf[80];
            return qasm_error_at(cu, at, "too many parameters for %s", qasm_tok_text(gate, buf, sizeof buf));
        }
        if (!isfinite(v)) {
            char buf[80];
            return qasm_error_at(cu, at, "parameter %d of %s is not finite (%g)", *n + 1, qasm_tok_text(gate, buf, sizeof buf), v);
        }
        values[(*n)++] = v;
        if (qasm_tok_is(qasm_peek(cu), ",")) { qasm_advance(cu); continue; }
        return qasm_expect(cu, ")");
    }
}

