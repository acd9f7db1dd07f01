/* qasm_parse.h - internal: the pieces of the OpenQASM reader that its files
 * share: tokens, the cursor and expressions (qasm_lex.c), the parser state,
 * operands, gate application and op emission (qasm.c), and the OpenQASM 3
 * statements (qasm3.c).
 * Not for: anything outside those files (the public API is qasm.h). */
#ifndef TN_QASM_PARSE_H
#define TN_QASM_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "circuit.h"

#define MAX_GATE_ARGS 64
#define QASM_MAX_VARS 256

enum tok_kind { T_END, T_ID, T_REAL, T_INT, T_STRING, T_ARROW, T_EQEQ, T_PUNCT };

typedef struct {
    int kind;
    int line, col;
    const char *text;   /* into the source; not NUL-terminated */
    int len;
    double value;       /* T_REAL, T_INT */
} token;

typedef struct {
    const char *name;   /* file name for messages */
    char *text;         /* owned source text */
    token *toks;
    size_t ntoks, cap;
    long first_v3_tok;  /* 1 + index of the first OpenQASM 3 punctuation token, or 0 */
} source;

typedef struct {
    char name[CIRC_NAME_MAX];
    int nparams, nargs;
    char params[CIRC_MAX_PARAMS * 4][CIRC_NAME_MAX];
    char args[MAX_GATE_ARGS][CIRC_NAME_MAX];
    const source *src;
    size_t body_first, body_end;   /* tokens of the body, without braces */
    int opaque;
    /* A definition of a built-in name, once found equal to it (up to a global
     * phase) for these parameter values: the next call with them is not
     * expanded and compared again. */
    int builtin_checked;
    double checked_params[CIRC_MAX_PARAMS];
} gate_def;

/* A named value an OpenQASM 3 expression may use: an input or a loop variable. */
typedef struct {
    char name[CIRC_NAME_MAX];
    double value;
} qasm_var;

typedef struct {
    circuit *c;
    source **sources;
    int nsources;
    gate_def *defs;
    int ndefs, defs_cap;
    int *def_hash;                 /* open addressing over defs; -1 empty */
    int hash_cap;
    const char *dir;               /* directory of the top-level file */
    int version;                   /* 2 or 3, from the header */
    qasm_var vars[QASM_MAX_VARS];  /* OpenQASM 3 inputs and loop variables (a stack) */
    int nvars;
    long loop_iterations;          /* OpenQASM 3 for-loop iterations so far (bounded) */
} parser;

typedef struct {
    parser *ps;
    const source *src;
    size_t pos, end;
    /* inside a gate body: parameter values and qubit bindings */
    const gate_def *def;
    const double *param_values;
    const int *arg_qubits;
    int depth;
    int expr_depth;     /* unary levels open in the expression being read */
    /* the condition and position every emitted op gets */
    int cond_reg;
    size_t cond_value;
    int cond_bit, cond_negated;    /* see circ_op */
    int call_line, call_col;
} cursor;

/* An operand: a whole register (index -1) or one element. */
typedef struct {
    const token *at;
    int reg, index;      /* register index in the circuit (top level) */
    int bound_qubit;     /* inside a gate body: the qubit bound to the argument */
} operand;

/* Cuts the source's text (len bytes) into tokens (qasm_lex.c). */
int qasm_tokenize(source *src, size_t len);
int qasm_tok_is(const token *t, const char *s);
const token *qasm_peek(const cursor *cu);
const token *qasm_advance(cursor *cu);
int qasm_error_at(const cursor *cu, const token *t, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
const char *qasm_tok_text(const token *t, char *buf, size_t size);
int qasm_expect(cursor *cu, const char *what);
int qasm_expect_id(cursor *cu, const char *what, const token **out);
void qasm_copy_name(const token *t, char *out);
int qasm_parse_expr(cursor *cu, double *out);
int qasm_parse_param_list(cursor *cu, double *values, int max, int *n, const token *gate);
int qasm_parse_operand(cursor *cu, int quantum, operand *op);
int qasm_broadcast_size(cursor *cu, const operand *ops, int n, int quantum_mask, int *size);
int qasm_resolve(const cursor *cu, const operand *op, int quantum, int k);
void qasm_init_op(const cursor *cu, circ_op *op, int kind);
int qasm_append_op(cursor *cu, const circ_op *op);
int qasm_check_distinct(cursor *cu, const token *at, const int *qubits, int n);
int qasm_builtin_gate(const token *t, int *nparams);
int qasm_gate_arity(const cursor *cu, const token *name, int *nparams);
/* A delay's duration between open and close ("(" ")" or "[" "]") and its
 * qubits up to ';': one GATE_DELAY per qubit. */
int qasm_parse_delay(cursor *cu, const char *open, const char *close);
int qasm_parse_big_integer(cursor *cu, const token *t, uint64_t *words, size_t nwords, int width);
int qasm_parse_statement(cursor *cu);
/* The OpenQASM 2 statements (the first token already read as t): what an
 * OpenQASM 3 statement falls back to. */
int qasm_statement2(cursor *cu, const token *t);

/* qasm3.c: one OpenQASM 3 statement (dispatched from qasm_parse_statement
 * when the header says version 3), and the header's version check. */
int qasm3_statement(cursor *cu, const token *t);

#endif
