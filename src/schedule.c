/* schedule.c - greedy, centre-following gate order (see schedule.h). */
#include "schedule.h"

#include <stdlib.h>

#include "error.h"

struct schedule {
    const circuit *c;
    size_t first, count;        /* gates are ops first .. first + count - 1 */
    int *waiting;               /* unfinished predecessors per op (-1: not a gate) */
    size_t *next_on_qubit;      /* per op and qubit slot: the next gate on that qubit, or SIZE_MAX */
    size_t *ready;
    size_t nready;
};

void schedule_destroy(schedule **s)
{
    if (!s || !*s) return;
    free((*s)->waiting);
    free((*s)->next_on_qubit);
    free((*s)->ready);
    free(*s);
    *s = NULL;
}

static int is_gate(const circ_op *op) { return op->kind == OP_GATE; }

int schedule_create(const circuit *c, size_t from, size_t to, schedule **out)
{
    *out = NULL;
    schedule *s = tn_calloc(1, sizeof *s);
    if (!s) return TN_ERR_MEMORY;
    s->c = c;
    s->first = from;
    s->count = to - from;
    s->waiting = tn_calloc(s->count + 1, sizeof(int));
    s->next_on_qubit = tn_malloc((s->count + 1) * CIRC_MAX_GATE_QUBITS * sizeof(size_t));
    s->ready = tn_malloc((s->count + 1) * sizeof(size_t));
    size_t *last = tn_malloc(((size_t)c->nqubits + 1) * sizeof(size_t));
    if (!s->waiting || !s->next_on_qubit || !s->ready || !last) {
        free(last);
        schedule_destroy(&s);
        return TN_ERR_MEMORY;
    }
    for (int q = 0; q < c->nqubits; q++) last[q] = SIZE_MAX;
    for (size_t i = 0; i < s->count * CIRC_MAX_GATE_QUBITS; i++) s->next_on_qubit[i] = SIZE_MAX;
    for (size_t i = 0; i < s->count; i++) {
        const circ_op *op = &c->ops[from + i];
        if (!is_gate(op)) { s->waiting[i] = -1; continue; }
        for (int k = 0; k < op->nqubits; k++) {
            int q = op->qubits[k];
            if (last[q] != SIZE_MAX) {   /* the previous gate on q: which of its slots holds q */
                const circ_op *prev = &c->ops[from + last[q]];
                for (int j = 0; j < prev->nqubits; j++)
                    if (prev->qubits[j] == q) s->next_on_qubit[last[q] * CIRC_MAX_GATE_QUBITS + j] = i;
                s->waiting[i]++;
            }
            last[q] = i;
        }
        if (s->waiting[i] == 0) s->ready[s->nready++] = i;
    }
    free(last);
    *out = s;
    return TN_OK;
}

/* How far the gate's sites are from the centre (0 for one-qubit gates). */
static int distance(const circ_op *op, const mps *m)
{
    if (op->nqubits == 1) return 0;
    int lo = 1 << 30, hi = 0;
    for (int k = 0; k < op->nqubits; k++) {
        int site = mps_site_of(m, op->qubits[k]);
        if (site < lo) lo = site;
        if (site > hi) hi = site;
    }
    int c = mps_center(m);
    return c < lo ? lo - c : c > hi ? c - hi : 0;
}

/* Gate i is done: its successors on each qubit wait for one gate less. */
static void release_successors(schedule *s, size_t i)
{
    const circ_op *g = &s->c->ops[s->first + i];
    for (int j = 0; j < g->nqubits; j++) {
        size_t nxt = s->next_on_qubit[i * CIRC_MAX_GATE_QUBITS + j];
        if (nxt != SIZE_MAX && --s->waiting[nxt] == 0) s->ready[s->nready++] = nxt;
    }
}

int schedule_next(schedule *s, const mps *m, size_t *op)
{
    if (s->nready == 0) return 0;
    size_t best = 0;
    int best_d = distance(&s->c->ops[s->first + s->ready[0]], m);
    for (size_t r = 1; r < s->nready && best_d > 0; r++) {
        int d = distance(&s->c->ops[s->first + s->ready[r]], m);
        if (d < best_d || (d == best_d && s->ready[r] < s->ready[best])) {
            best = r;
            best_d = d;
        }
    }
    for (size_t r = 1; r < s->nready && best_d == 0; r++)   /* among equals, circuit order */
        if (s->ready[r] < s->ready[best] && distance(&s->c->ops[s->first + s->ready[r]], m) == 0) best = r;
    size_t i = s->ready[best];
    s->ready[best] = s->ready[--s->nready];
    release_successors(s, i);
    *op = s->first + i;
    return 1;
}

int schedule_take(schedule *s, size_t op)
{
    size_t i = op - s->first, r = 0;
    while (r < s->nready && s->ready[r] != i) r++;
    if (op < s->first || r == s->nready)
        return tn_fail(TN_ERR_INPUT, "the checkpoint's gate order does not fit this circuit (gate %zu is not ready)", op);
    s->ready[r] = s->ready[--s->nready];   /* exactly as schedule_next removes it */
    release_successors(s, i);
    return TN_OK;
}
