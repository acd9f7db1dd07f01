/* lightcone.c - backward light cones and the pruned circuit (see lightcone.h).
 * Not for: choosing how the pruned circuit is evaluated (expect.c). */
#include "lightcone.h"

#include <stdio.h>
#include <string.h>

#include "error.h"

static int op_joins_cone(const circ_op *op, int keep_barriers)
{
    if (op->kind == OP_GATE || op->kind == OP_RESET) return 1;
    return op->kind == OP_BARRIER && keep_barriers;
}

void lightcone_mark(const circuit *c, const unsigned char *observed, int keep_barriers, unsigned char *keep,
                    unsigned char *in_cone, lightcone_info *info)
{
    memset(info, 0, sizeof *info);
    for (int q = 0; q < c->nqubits; q++) in_cone[q] = observed[q] != 0;
    for (size_t i = c->nops; i-- > 0;) {
        const circ_op *op = &c->ops[i];
        keep[i] = 0;
        if (op->kind == OP_GATE) info->gates_total++;
        if (!op_joins_cone(op, keep_barriers)) continue;
        int touches = 0;
        for (int j = 0; j < op->nqubits; j++) touches |= in_cone[op->qubits[j]];
        if (!touches) continue;
        keep[i] = 1;
        if (op->kind == OP_GATE) info->gates++;
        for (int j = 0; j < op->nqubits; j++) in_cone[op->qubits[j]] = 1;
    }
    for (int q = 0; q < c->nqubits; q++) info->qubits += in_cone[q];
}

int lightcone_circuit(const circuit *c, const unsigned char *keep, const unsigned char *in_cone, circuit **out,
                      int *new_index)
{
    *out = NULL;
    int n = 0;
    for (int q = 0; q < c->nqubits; q++) new_index[q] = in_cone[q] ? n++ : -1;
    char name[sizeof c->source];
    snprintf(name, sizeof name, "%s", c->source);
    circuit *sub;
    CALL(circ_create(name, &sub));
    int reg, status = circ_add_qreg(sub, "q", n > 0 ? n : 1, &reg);
    for (size_t i = 0; i < c->nops && status == TN_OK; i++) {
        if (!keep[i]) continue;
        circ_op op = c->ops[i];
        for (int j = 0; j < op.nqubits; j++) op.qubits[j] = new_index[op.qubits[j]];
        op.cond_reg = -1;
        status = circ_append(sub, &op);
    }
    if (status != TN_OK) { circ_destroy(&sub); return status; }
    *out = sub;
    return TN_OK;
}
