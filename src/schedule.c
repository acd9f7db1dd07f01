/* schedule.c - greedy gate order: centre-following, or by layers; and where
 * the qubits of a long-range gate meet (see schedule.h). */
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
    unsigned char *done;        /* per op: taken */
    size_t cursor;              /* no op before it is an untaken gate */
    size_t current;             /* the gate taken last */
    mps *routed;                /* the state whose router this is (schedule_attach) */
};

void schedule_destroy(schedule **s)
{
    if (!s || !*s) return;
    if ((*s)->routed) mps_set_router((*s)->routed, NULL, NULL);
    free((*s)->done);
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
    s->done = tn_calloc(s->count + 1, 1);
    size_t *last = tn_malloc(((size_t)c->nqubits + 1) * sizeof(size_t));
    if (!s->waiting || !s->next_on_qubit || !s->ready || !s->level || !s->done || !last) {
        free(last);
        schedule_destroy(&s);
        return TN_ERR_MEMORY;
    }
    for (int q = 0; q < c->nqubits; q++) last[q] = SIZE_MAX;
    for (size_t i = 0; i < s->count * CIRC_MAX_GATE_QUBITS; i++) s->next_on_qubit[i] = SIZE_MAX;
    for (size_t i = 0; i < s->count; i++) {
        const circ_op *op = &c->ops[from + i];
        if (!is_gate(op)) { s->waiting[i] = -1; s->done[i] = 1; continue; }
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
    while (s->cursor < s->count && s->done[s->cursor]) s->cursor++;
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
    s->done[i] = 1;
    s->current = i;
    while (s->cursor < s->count && s->done[s->cursor]) s->cursor++;
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

/* ---- where a long-range gate's qubits meet ------------------------------ */

/* The untaken multi-qubit gates on either of the gate's two qubits, in
 * circuit order, among those before it and the next ROUTE_HORIZON
 * multi-qubit gates after it, at most ROUTE_LOOKAHEAD of them, are what the
 * meeting place is chosen for; each counts ROUTE_DECAY times as much as the
 * one before it (the nearer future is the more certain). Measured swaps
 * (by themselves + fused), against the median rule:
 *   QFT-40 (QASMBench order)   19,760 -> 0 + 779
 *   kicked Ising, brisbane      2,910 -> 2,940 + 8
 *   QV 40 qubits depth 10       1,850 -> 1,838 + 8
 *   random CX, 64 qubits x 20   9,270 -> 9,064 + 38
 * Other qubits' gates (the qubits between shift by one site either way)
 * made it worse, and so did a longer horizon: a qubit pulled towards its
 * partner of a later layer (kicked Ising: 3,722 with no horizon) leaves the
 * partners of this layer behind. */
#define ROUTE_LOOKAHEAD 8
#define ROUTE_HORIZON 4
#define ROUTE_DECAY 0.75
/* Ops scanned for them at most (one-qubit gates and taken gates are skipped). */
#define ROUTE_SCAN 4096

typedef struct {
    int sites[ROUTE_LOOKAHEAD][2];   /* the lowest and highest site of each gate's qubits now */
    int width[ROUTE_LOOKAHEAD];
    double weight[ROUTE_LOOKAHEAD];
    int count;
} lookahead;

static void collect_lookahead(const schedule *s, const mps *m, const int *qubits, lookahead *la)
{
    la->count = 0;
    double w = 1;
    int later = 0;
    for (size_t i = s->cursor, end = s->cursor + ROUTE_SCAN; i < s->count && i < end && la->count < ROUTE_LOOKAHEAD;
         i++) {
        const circ_op *op = &s->c->ops[s->first + i];
        if (s->done[i] || op->nqubits < 2) continue;
        if (i > s->current && ++later > ROUTE_HORIZON) break;
        int touches = 0;
        for (int k = 0; k < op->nqubits; k++) touches |= op->qubits[k] == qubits[0] || op->qubits[k] == qubits[1];
        if (!touches) continue;
        int lo = 1 << 30, hi = -1;
        for (int k = 0; k < op->nqubits; k++) {
            int site = mps_site_of(m, op->qubits[k]);
            if (site < lo) lo = site;
            if (site > hi) hi = site;
        }
        la->sites[la->count][0] = lo;
        la->sites[la->count][1] = hi;
        la->width[la->count] = op->nqubits;
        la->weight[la->count++] = w;
        w *= ROUTE_DECAY;
    }
}

/* Where site t is after the gate's qubits (on sites lo < hi) meet on the
 * window (first, first + 1), the lower one on first + exchange: the qubits
 * between them shift aside. */
static int site_after(int t, int lo, int hi, int first, int exchange)
{
    if (t == lo) return first + exchange;
    if (t == hi) return first + 1 - exchange;
    if (t > lo && t <= first) return t - 1;
    if (t > first && t < hi) return t + 1;
    return t;
}

/* The weighted swaps the looked-ahead gates would need after that meeting. */
static double lookahead_cost(const lookahead *la, int lo, int hi, int first, int exchange)
{
    double cost = 0;
    for (int g = 0; g < la->count; g++) {
        int a = site_after(la->sites[g][0], lo, hi, first, exchange);
        int b = site_after(la->sites[g][1], lo, hi, first, exchange);
        int span = (a > b ? a - b : b - a) - (la->width[g] - 1);
        /* a gate of more than two qubits: its end sites are bounds, not all of it */
        if (span > 0) cost += la->weight[g] * span;
    }
    return cost;
}

/* The router (mps_router): among the meeting windows that take the fewest
 * swaps now, and leaving the qubits in place or exchanged (a swap fused into
 * the gate), the one whose looked-ahead gates need the fewest swaps. Ties go
 * to no exchange (a fused swap can double the bond), then to the default
 * window (the lower qubit moves up to the higher one). So a qubit that meets
 * its partners one after another is carried along the chain, passing each
 * partner in the decomposition of their gate. */
static void route(void *ctx, const mps *m, const int *qubits, mps_route *r)
{
    const schedule *s = ctx;
    int lo = mps_site_of(m, qubits[0]), hi = mps_site_of(m, qubits[1]);
    if (lo > hi) { int t = lo; lo = hi; hi = t; }
    lookahead la;
    collect_lookahead(s, m, qubits, &la);
    r->first = hi - 1;
    r->exchange = 0;
    double best = lookahead_cost(&la, lo, hi, hi - 1, 0);
    for (int exchange = 0; exchange < 2; exchange++)
        for (int first = hi - 1; first >= lo; first--) {
            double cost = lookahead_cost(&la, lo, hi, first, exchange);
            if (cost < best - 1e-12) {
                best = cost;
                r->first = first;
                r->exchange = exchange;
            }
        }
}

void schedule_attach(schedule *s, mps *m)
{
    s->routed = m;
    mps_set_router(m, route, s);
}
