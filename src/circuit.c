/* circuit.c - building and querying the circuit IR (see circuit.h). */
#include "circuit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "gates.h"

int circ_create(const char *source, circuit **out)
{
    *out = NULL;
    circuit *c = tn_calloc(1, sizeof *c);
    if (!c) return TN_ERR_MEMORY;
    snprintf(c->source, sizeof c->source, "%s", source ? source : "<circuit>");
    *out = c;
    return TN_OK;
}

void circ_destroy(circuit **c)
{
    if (!c || !*c) return;
    for (size_t i = 0; i < (*c)->nops; i++) free((*c)->ops[i].matrix);
    free((*c)->ops);
    free((*c)->qregs);
    free((*c)->cregs);
    free((*c)->cond_words);
    free(*c);
    *c = NULL;
}

static int add_reg(circuit *c, circ_reg **regs, int *nregs, int *total, const char *name,
                   int size, int *index)
{
    if (circ_find_qreg(c, name) >= 0 || circ_find_creg(c, name) >= 0)
        return tn_fail(TN_ERR_INPUT, "%s: register '%s' is declared twice", c->source, name);
    circ_reg *grown = tn_realloc(*regs, (size_t)(*nregs + 1) * sizeof **regs);
    if (!grown) return TN_ERR_MEMORY;
    *regs = grown;
    circ_reg *r = &grown[*nregs];
    snprintf(r->name, sizeof r->name, "%s", name);
    r->offset = *total;
    r->size = size;
    *total += size;
    if (index) *index = *nregs;
    (*nregs)++;
    return TN_OK;
}

int circ_add_qreg(circuit *c, const char *name, int size, int *index)
{
    return add_reg(c, &c->qregs, &c->nqregs, &c->nqubits, name, size, index);
}

int circ_add_creg(circuit *c, const char *name, int size, int *index)
{
    return add_reg(c, &c->cregs, &c->ncregs, &c->nclbits, name, size, index);
}

static int find_reg(const circ_reg *regs, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(regs[i].name, name) == 0) return i;
    return -1;
}

int circ_find_qreg(const circuit *c, const char *name) { return find_reg(c->qregs, c->nqregs, name); }
int circ_find_creg(const circuit *c, const char *name) { return find_reg(c->cregs, c->ncregs, name); }

int circ_append(circuit *c, const circ_op *op)
{
    CALL(tn_grow((void **)&c->ops, &c->ops_cap, c->nops, sizeof *c->ops, 256));
    circ_op copy = *op;
    copy.matrix = NULL;
    if (op->kind == OP_GATE && op->gate == GATE_UNITARY) {
        size_t dim = (size_t)1 << op->nqubits;
        copy.matrix = tn_malloc(dim * dim * sizeof *copy.matrix);
        if (!copy.matrix) return TN_ERR_MEMORY;
        memcpy(copy.matrix, op->matrix, dim * dim * sizeof *copy.matrix);
    }
    c->ops[c->nops++] = copy;
    return TN_OK;
}

int circ_add_cond_value(circuit *c, const uint64_t *value, size_t words, size_t *index)
{
    if (c->ncond_words + words > c->cond_cap) {
        size_t cap = c->cond_cap ? 2 * c->cond_cap : 64;
        while (cap < c->ncond_words + words) cap *= 2;
        uint64_t *grown = tn_realloc(c->cond_words, cap * sizeof *grown);
        if (!grown) return TN_ERR_MEMORY;
        c->cond_words = grown;
        c->cond_cap = cap;
    }
    memcpy(c->cond_words + c->ncond_words, value, words * sizeof *value);
    *index = c->ncond_words;
    c->ncond_words += words;
    return TN_OK;
}

int circ_cond_holds(const circuit *c, int reg, size_t value, const unsigned char *clbits)
{
    const circ_reg *r = &c->cregs[reg];
    const uint64_t *words = c->cond_words + value;
    for (int b = 0; b < r->size; b++) {
        int want = (int)((words[b / 64] >> (b % 64)) & 1u);
        if ((clbits[r->offset + b] != 0) != want) return 0;
    }
    return 1;
}

int circ_op_cond_holds(const circuit *c, const circ_op *op, const unsigned char *clbits)
{
    int holds;
    if (op->cond_bit > 0) {
        const circ_reg *r = &c->cregs[op->cond_reg];
        holds = (clbits[r->offset + op->cond_bit - 1] != 0) == (int)(c->cond_words[op->cond_value] & 1u);
    } else {
        holds = circ_cond_holds(c, op->cond_reg, op->cond_value, clbits);
    }
    return op->cond_negated ? !holds : holds;
}

void circ_get_stats(const circuit *c, circ_stats *st)
{
    memset(st, 0, sizeof *st);
    int *layer = calloc((size_t)c->nqubits + 1, sizeof *layer);
    unsigned char *collapsed = calloc((size_t)c->nqubits + 1, 1);
    for (size_t i = 0; i < c->nops; i++) {
        const circ_op *op = &c->ops[i];
        if (op->cond_reg >= 0) { st->conditionals++; st->dynamic = 1; }
        switch (op->kind) {
        case OP_BARRIER: st->barriers++; continue;
        case OP_MEASURE: st->measures++; break;
        case OP_RESET: st->resets++; break;
        default: st->by_width[op->nqubits]++; break;
        }
        if (!layer) continue;
        int top = 0;
        for (int k = 0; k < op->nqubits; k++) {
            int q = op->qubits[k];
            if (collapsed[q] && op->kind != OP_MEASURE) st->dynamic = 1;
            if (layer[q] > top) top = layer[q];
        }
        for (int k = 0; k < op->nqubits; k++) {
            int q = op->qubits[k];
            layer[q] = top + 1;
            if (op->kind == OP_MEASURE || op->kind == OP_RESET) collapsed[q] = 1;
        }
        if (op->kind == OP_GATE && top + 1 > st->depth) st->depth = top + 1;
    }
    free(layer);
    free(collapsed);
}

/* Applies the k-qubit matrix g on qubits q (q[0] the most significant of
 * g's bits) to every column of the n-qubit matrix u (qubit j of the circuit
 * is bit n-1-j of an index, as in gates.h). */
static void apply_to_columns(int n, double complex *u, const double complex *g, int k, const int *q)
{
    int dim = 1 << n, gd = 1 << k;
    double complex in[1 << CIRC_SMALL_UNITARY_MAX], out[1 << CIRC_SMALL_UNITARY_MAX];
    int idx[1 << CIRC_SMALL_UNITARY_MAX];
    int mask = 0;
    for (int j = 0; j < k; j++) mask |= 1 << (n - 1 - q[j]);
    for (int col = 0; col < dim; col++)
        for (int base = 0; base < dim; base++) {
            if (base & mask) continue;
            for (int a = 0; a < gd; a++) {
                int i = base;
                for (int j = 0; j < k; j++)
                    if ((a >> (k - 1 - j)) & 1) i |= 1 << (n - 1 - q[j]);
                idx[a] = i;
                in[a] = u[i * dim + col];
            }
            for (int r = 0; r < gd; r++) {
                out[r] = 0;
                for (int a = 0; a < gd; a++) out[r] += g[r * gd + a] * in[a];
            }
            for (int a = 0; a < gd; a++) u[idx[a] * dim + col] = out[a];
        }
}

int circ_small_unitary(const circuit *c, double complex *u)
{
    int n = c->nqubits, dim = 1 << n;
    if (n > CIRC_SMALL_UNITARY_MAX) return tn_fail(TN_ERR_INTERNAL, "internal error: a %d-qubit unitary", n);
    memset(u, 0, (size_t)dim * dim * sizeof *u);
    for (int i = 0; i < dim; i++) u[i * dim + i] = 1;
    for (size_t i = 0; i < c->nops; i++) {
        const circ_op *op = &c->ops[i];
        if (op->kind == OP_BARRIER) continue;
        if (op->kind != OP_GATE || op->cond_reg >= 0)
            return tn_fail(TN_ERR_INPUT, "%s:%d:%d: error: a measurement, reset or condition has no unitary", c->source,
                           op->line, op->col);
        double complex g[1 << (2 * CIRC_SMALL_UNITARY_MAX)];
        if (op->gate == GATE_UNITARY) memcpy(g, op->matrix, sizeof(double complex) << (2 * op->nqubits));
        else gate_matrix(op->gate, op->params, g);
        apply_to_columns(n, u, g, op->nqubits, op->qubits);
    }
    return TN_OK;
}
