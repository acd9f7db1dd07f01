/* schedule.c - greedy gate order: centre-following, or by layers (see schedule.h). */
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
    int *level;                 /* per op: its layer (1 + the largest layer of its predecessors) */
    int last_level, new_layer;  /* the layer of the gate taken last; 1 if it began a later layer */
    int policy;                 /* 0: not chosen yet; 1: follow the centre; 2: by layers */
};

void schedule_destroy(schedule **s)
{
    if (!s || !*s) return;
    free((*s)->waiting);
    free((*s)->next_on_qubit);
    free((*s)->ready);
    free((*s)->level);
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
    s->level = tn_calloc(s->count + 1, sizeof(int));
    size_t *last = tn_malloc(((size_t)c->nqubits + 1) * sizeof(size_t));
    if (!s->waiting || !s->next_on_qubit || !s->ready || !s->level || !last) {
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
                if (s->level[last[q]] + 1 > s->level[i]) s->level[i] = s->level[last[q]] + 1;
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
    int c = mps_focus(m);
    return c < lo ? lo - c : c > hi ? c - hi : 0;
}

/* Gate i is done: its successors on each qubit wait for one gate less. */
static void release_successors(schedule *s, size_t i)
{
    s->new_layer = s->level[i] > s->last_level;
    if (s->new_layer) s->last_level = s->level[i];
    const circ_op *g = &s->c->ops[s->first + i];
    for (int j = 0; j < g->nqubits; j++) {
        size_t nxt = s->next_on_qubit[i * CIRC_MAX_GATE_QUBITS + j];
        if (nxt != SIZE_MAX && --s->waiting[nxt] == 0) s->ready[s->nready++] = nxt;
    }
}

/* How many sites the gate's qubits span beyond adjacency now (0: no swaps). */
static int swap_span(const circ_op *op, const mps *m)
{
    int lo = 1 << 30, hi = -1;
    for (int k = 0; k < op->nqubits; k++) {
        int site = mps_site_of(m, op->qubits[k]);
        if (site < lo) lo = site;
        if (site > hi) hi = site;
    }
    return hi - lo - (op->nqubits - 1);
}

/* Vidal form: the ready gate of the lowest layer, so that a layer's gates
 * in every segment come before the next layer's and the ranks of a group
 * work on their segments at the same time. Within a layer, gates on
 * adjacent sites go first, and among them those that span two ranks'
 * segments: a rank then meets its neighbour having done the same layers as
 * it (otherwise the rank right of a boundary would wait each time for its
 * neighbour's whole layer). Gates of one layer on adjacent sites touch
 * disjoint sites and bonds, so their order changes no bit of the result and
 * the partition may decide it; gates that need swaps go after them in
 * circuit order (swaps move other qubits: their order is the circuit's on
 * every rank count). */
static int before(const schedule *s, const mps *m, size_t a, size_t b)
{
    if (s->level[a] != s->level[b]) return s->level[a] < s->level[b];
    const circ_op *x = &s->c->ops[s->first + a], *y = &s->c->ops[s->first + b];
    int xa = swap_span(x, m) == 0, ya = swap_span(y, m) == 0;
    if (xa != ya) return xa;
    if (xa) {
        int xs = x->nqubits > 1 && mps_gate_spans_ranks(m, x->nqubits, x->qubits);
        int ys = y->nqubits > 1 && mps_gate_spans_ranks(m, y->nqubits, y->qubits);
        if (xs != ys) return xs;
    }
    return a < b;
}

static size_t earliest_layer(const schedule *s, const mps *m)
{
    size_t best = 0;
    for (size_t r = 1; r < s->nready; r++)
        if (before(s, m, s->ready[r], s->ready[best])) best = r;
    return best;
}

/* 1 if some multi-qubit gate's qubits are not on adjacent sites now. */
static int needs_swaps(const schedule *s, const mps *m)
{
    for (size_t i = 0; i < s->count; i++) {
        const circ_op *op = &s->c->ops[s->first + i];
        if (is_gate(op) && op->nqubits > 1 && swap_span(op, m) > 0) return 1;
    }
    return 0;
}

int schedule_next(schedule *s, const mps *m, size_t *op)
{
    if (s->nready == 0) return 0;
    if (!s->policy) s->policy = mps_vidal_form(m) && !needs_swaps(s, m) ? 2 : 1;
    if (s->policy == 2 && mps_vidal_form(m)) {
        size_t best = earliest_layer(s, m), i = s->ready[best];
        s->ready[best] = s->ready[--s->nready];
        release_successors(s, i);
        *op = s->first + i;
        return 1;
    }
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

int schedule_new_layer(const schedule *s) { return s->new_layer; }

int schedule_by_layers(const schedule *s) { return s->policy == 2; }

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
