/* order.c - choosing the qubit-to-site order (see order.h). */
#include "order.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "input.h"
#include "mps.h"
#include "schedule.h"

static void gate_site_span(const circ_op *op, const int *site_of, int *lo, int *hi)
{
    *lo = site_of[op->qubits[0]];
    *hi = *lo;
    for (int k = 1; k < op->nqubits; k++) {
        int s = site_of[op->qubits[k]];
        if (s < *lo) *lo = s;
        if (s > *hi) *hi = s;
    }
}

long order_swap_distance(const circuit *c, const int *site_of)
{
    long total = 0;
    for (size_t i = 0; i < c->nops; i++) {
        const circ_op *op = &c->ops[i];
        if (op->kind != OP_GATE || op->nqubits < 2) continue;
        int lo, hi;
        gate_site_span(op, site_of, &lo, &hi);
        total += hi - lo - (op->nqubits - 1);
    }
    return total;
}

void order_cut_profile(const circuit *c, const int *site_of, long *crossings)
{
    for (int s = 0; s + 1 < c->nqubits; s++) crossings[s] = 0;
    for (size_t i = 0; i < c->nops; i++) {
        const circ_op *op = &c->ops[i];
        if (op->kind != OP_GATE || op->nqubits < 2) continue;
        int lo, hi;
        gate_site_span(op, site_of, &lo, &hi);
        for (int s = lo; s < hi; s++) crossings[s]++;
    }
}

/* The routing depends on where the qubits are, never on the numbers: the
 * run's scheduler and router on a state of bond dimension 1 make the same
 * choices for the cost of 2 x 2 decompositions. */
int order_routed_swaps(const circuit *c, const int *site_of, long *swaps, long *fused)
{
    mps_trunc tr = {1, 0};
    mps *m = NULL;
    schedule *sch = NULL;
    *swaps = *fused = 0;
    int status = mps_create(c->nqubits, site_of, &tr, &m);
    if (status == TN_OK) status = schedule_create(c, 0, c->nops, &sch);
    if (status == TN_OK) schedule_attach(sch, m);
    size_t i;
    while (status == TN_OK && schedule_next(sch, m, &i)) status = mps_apply_op(m, &c->ops[i]);
    schedule_destroy(&sch);
    if (m) { *swaps = mps_swaps(m); *fused = mps_fused_swaps(m); }
    mps_destroy(&m);
    return status;
}

/* Adjacency lists (CSR) of the interaction graph, without repeated edges. */
typedef struct { int *start, *adj; } graph;

static int build_graph(const circuit *c, graph *g)
{
    int n = c->nqubits;
    unsigned char *edge = NULL;
    size_t nn = (size_t)n * n;
    edge = tn_calloc(nn, 1);
    g->start = tn_calloc((size_t)n + 1, sizeof(int));
    if (!edge || !g->start) { free(edge); free(g->start); return TN_ERR_MEMORY; }
    size_t nedges = 0;
    for (size_t i = 0; i < c->nops; i++) {
        const circ_op *op = &c->ops[i];
        if (op->kind != OP_GATE) continue;
        for (int a = 0; a < op->nqubits; a++)
            for (int b = 0; b < op->nqubits; b++) {
                int x = op->qubits[a], y = op->qubits[b];
                if (x != y && !edge[(size_t)x * n + y]) { edge[(size_t)x * n + y] = 1; nedges++; }
            }
    }
    g->adj = tn_malloc(nedges * sizeof(int) + 1);
    if (!g->adj) { free(edge); free(g->start); return TN_ERR_MEMORY; }
    size_t k = 0;
    for (int x = 0; x < n; x++) {
        g->start[x] = (int)k;
        for (int y = 0; y < n; y++)
            if (edge[(size_t)x * n + y]) g->adj[k++] = y;
    }
    g->start[n] = (int)k;
    free(edge);
    return TN_OK;
}

static const int *sort_degree;   /* qsort has no context argument */
static int by_degree(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    int dx = sort_degree[x], dy = sort_degree[y];
    if (dx != dy) return dx - dy;
    return x - y;
}

/* Reverse Cuthill-McKee: BFS from a low-degree vertex of each component,
 * neighbours by increasing degree; the visit order reversed. */
static int rcm_order(const circuit *c, int *site_of)
{
    int n = c->nqubits;
    graph g;
    CALL(build_graph(c, &g));
    int *degree = tn_malloc((size_t)n * sizeof(int)), *visit = tn_malloc((size_t)n * sizeof(int));
    int *by_deg = tn_malloc((size_t)n * sizeof(int));
    unsigned char *seen = tn_calloc((size_t)n, 1);
    if (!degree || !visit || !by_deg || !seen) {
        free(degree); free(visit); free(by_deg); free(seen); free(g.start); free(g.adj);
        return TN_ERR_MEMORY;
    }
    for (int x = 0; x < n; x++) { degree[x] = g.start[x + 1] - g.start[x]; by_deg[x] = x; }
    sort_degree = degree;
    qsort(by_deg, (size_t)n, sizeof(int), by_degree);
    int head = 0, tail = 0;
    for (int i = 0; i < n; i++) {
        int root = by_deg[i];
        if (seen[root]) continue;
        seen[root] = 1;
        visit[tail++] = root;
        while (head < tail) {
            int x = visit[head++], first = tail;
            for (int e = g.start[x]; e < g.start[x + 1]; e++)
                if (!seen[g.adj[e]]) { seen[g.adj[e]] = 1; visit[tail++] = g.adj[e]; }
            qsort(visit + first, (size_t)(tail - first), sizeof(int), by_degree);
        }
    }
    for (int i = 0; i < n; i++) site_of[visit[n - 1 - i]] = i;
    free(degree); free(visit); free(by_deg); free(seen); free(g.start); free(g.adj);
    return TN_OK;
}

/* ---- local search: pairs of qubits exchanged while it pays --------------- */

/* The interaction graph with weights (gates per pair; a gate of k > 2 qubits
 * counts for each of its pairs), as adjacency lists (CSR) and an edge list. */
typedef struct {
    int n, nedges;
    int *start, *adj;            /* neighbours of x: adj[start[x] .. start[x+1]) */
    long *wadj;                  /* their weights */
    int (*edge)[2];              /* each pair once */
    long *wedge;
} weighted_graph;

static void free_weighted(weighted_graph *g)
{
    free(g->start); free(g->adj); free(g->wadj); free(g->edge); free(g->wedge);
}

static int build_weighted(const circuit *c, weighted_graph *g)
{
    int n = c->nqubits;
    memset(g, 0, sizeof *g);
    g->n = n;
    long *count = tn_calloc((size_t)n * n, sizeof(long));
    if (!count) return TN_ERR_MEMORY;
    size_t nadj = 0;
    for (size_t i = 0; i < c->nops; i++) {
        const circ_op *op = &c->ops[i];
        if (op->kind != OP_GATE) continue;
        for (int a = 0; a < op->nqubits; a++)
            for (int b = 0; b < op->nqubits; b++) {
                int x = op->qubits[a], y = op->qubits[b];
                if (x != y && count[(size_t)x * n + y]++ == 0) nadj++;
            }
    }
    g->start = tn_calloc((size_t)n + 1, sizeof(int));
    g->adj = tn_malloc(nadj * sizeof(int) + 1);
    g->wadj = tn_malloc(nadj * sizeof(long) + 1);
    g->edge = tn_malloc((nadj / 2 + 1) * sizeof *g->edge);
    g->wedge = tn_malloc((nadj / 2 + 1) * sizeof(long));
    if (!g->start || !g->adj || !g->wadj || !g->edge || !g->wedge) {
        free(count);
        free_weighted(g);
        return TN_ERR_MEMORY;
    }
    size_t k = 0;
    for (int x = 0; x < n; x++) {
        g->start[x] = (int)k;
        for (int y = 0; y < n; y++) {
            long w = count[(size_t)x * n + y];
            if (!w) continue;
            g->adj[k] = y;
            g->wadj[k++] = w;
            if (x < y) {
                g->edge[g->nedges][0] = x;
                g->edge[g->nedges][1] = y;
                g->wedge[g->nedges++] = w;
            }
        }
    }
    g->start[n] = (int)k;
    free(count);
    return TN_OK;
}

/* The largest weight of edges across one cut, for the placement site_of;
 * diff is n + 1 longs of workspace. */
static long max_cut(const weighted_graph *g, const int *site_of, long *diff)
{
    for (int s = 0; s <= g->n; s++) diff[s] = 0;
    for (int e = 0; e < g->nedges; e++) {
        int a = site_of[g->edge[e][0]], b = site_of[g->edge[e][1]];
        diff[a < b ? a : b] += g->wedge[e];
        diff[a < b ? b : a] -= g->wedge[e];
    }
    long run = 0, worst = 0;
    for (int s = 0; s + 1 < g->n; s++) {
        run += diff[s];
        if (run > worst) worst = run;
    }
    return worst;
}

/* How the weighted span of x's edges changes when x moves from site from to
 * site to (the edge to y, which moves too, left out). */
static long move_delta(const weighted_graph *g, const int *site_of, int x, int y, int from, int to)
{
    long d = 0;
    for (int e = g->start[x]; e < g->start[x + 1]; e++) {
        int z = g->adj[e];
        if (z == y) continue;
        int s = site_of[z];
        d += g->wadj[e] * ((to > s ? to - s : s - to) - (from > s ? from - s : s - from));
    }
    return d;
}

/* Passes over every pair of sites at most this many times. */
#define ORDER_SEARCH_PASSES 64
/* Circuits of more qubits keep the orders they start from (n^2 pairs per pass). */
#define ORDER_SEARCH_MAX_QUBITS 2048

/* Exchanges pairs of qubits while that lowers the weighted span (the swap
 * distance, up to gates of more than two qubits) without raising the
 * largest cut above cut_limit: a deterministic descent from site_of. */
static int local_search(const weighted_graph *g, int *site_of, long cut_limit)
{
    int n = g->n;
    if (n > ORDER_SEARCH_MAX_QUBITS) return TN_OK;
    int *qubit_at = tn_malloc((size_t)n * sizeof(int) + 1);
    long *diff = tn_malloc(((size_t)n + 1) * sizeof(long));
    if (!qubit_at || !diff) { free(qubit_at); free(diff); return TN_ERR_MEMORY; }
    for (int q = 0; q < n; q++) qubit_at[site_of[q]] = q;
    for (int pass = 0, improved = 1; pass < ORDER_SEARCH_PASSES && improved; pass++) {
        improved = 0;
        for (int p1 = 0; p1 < n; p1++)
            for (int p2 = p1 + 1; p2 < n; p2++) {
                int x = qubit_at[p1], y = qubit_at[p2];
                long d = move_delta(g, site_of, x, y, p1, p2) + move_delta(g, site_of, y, x, p2, p1);
                if (d >= 0) continue;
                site_of[x] = p2; site_of[y] = p1;
                if (max_cut(g, site_of, diff) > cut_limit) { site_of[x] = p1; site_of[y] = p2; continue; }
                qubit_at[p1] = y; qubit_at[p2] = x;
                improved = 1;
            }
    }
    free(qubit_at);
    free(diff);
    return TN_OK;
}

/* Where site t goes when the qubit on site from is moved to site to (the
 * sites between shift by one towards from). */
static int shifted(int t, int from, int to)
{
    if (t == from) return to;
    if (from < to && t > from && t <= to) return t - 1;
    if (to < from && t >= to && t < from) return t + 1;
    return t;
}

/* The weighted span of every edge with the qubit on site from moved to site to. */
static long span_after_move(const weighted_graph *g, const int *site_of, int from, int to)
{
    long total = 0;
    for (int e = 0; e < g->nedges; e++) {
        int a = shifted(site_of[g->edge[e][0]], from, to), b = shifted(site_of[g->edge[e][1]], from, to);
        total += g->wedge[e] * ((a > b ? a - b : b - a) - 1);
    }
    return total;
}

static long weighted_span(const weighted_graph *g, const int *site_of)
{
    return span_after_move(g, site_of, 0, 0);
}

/* Insertion moves are tried up to this many qubits (n^2 moves of O(edges) each per pass). */
#define ORDER_INSERT_MAX_QUBITS 512
#define ORDER_INSERT_PASSES 16

/* Moves single qubits to other sites (the others shift along) while that
 * lowers the weighted span without raising the largest cut above cut_limit:
 * what pair exchanges cannot do, e.g. a heavy-hex bridge qubit into the
 * middle of the rows it joins. */
static int insertion_search(const weighted_graph *g, int *site_of, long cut_limit)
{
    int n = g->n;
    if (n > ORDER_INSERT_MAX_QUBITS) return TN_OK;
    int *trial = tn_malloc((size_t)n * sizeof(int) + 1);
    long *diff = tn_malloc(((size_t)n + 1) * sizeof(long));
    if (!trial || !diff) { free(trial); free(diff); return TN_ERR_MEMORY; }
    long cur = weighted_span(g, site_of);
    for (int pass = 0, improved = 1; pass < ORDER_INSERT_PASSES && improved; pass++) {
        improved = 0;
        for (int from = 0; from < n; from++)
            for (int to = 0; to < n; to++) {
                if (to == from) continue;
                long d = span_after_move(g, site_of, from, to);
                if (d >= cur) continue;
                for (int q = 0; q < n; q++) trial[q] = shifted(site_of[q], from, to);
                if (max_cut(g, trial, diff) > cut_limit) continue;
                memcpy(site_of, trial, (size_t)n * sizeof(int));
                cur = d;
                improved = 1;
            }
    }
    free(trial);
    free(diff);
    return TN_OK;
}

/* A candidate order's figures: the largest cut, the swaps the routing
 * applies by themselves, the swap distance. */
typedef struct {
    long cut, routed, distance;
} order_figures;

static int figures(const circuit *c, const weighted_graph *g, const int *site_of, long *diff, order_figures *f)
{
    long fused;
    f->cut = max_cut(g, site_of, diff);
    f->distance = order_swap_distance(c, site_of);
    return order_routed_swaps(c, site_of, &f->routed, &fused);
}

/* auto: candidates are reverse Cuthill-McKee and the identity, each as it is
 * and improved by local search (pair exchanges and moves of single qubits
 * that lower the weighted span without widening the largest cut). The
 * winner is the one whose routing applies the fewest swaps (what the run
 * pays: the lazy routing's swaps, not the swap distance, which assumes each
 * gate's qubits are swapped there and back), then the lower swap distance;
 * only orders whose largest cut is no wider than the identity's compete, and
 * the identity stays unless another is strictly better. */
static int auto_order(const circuit *c, int *site_of, order_report *rep)
{
    int n = c->nqubits;
    weighted_graph g;
    CALL(build_weighted(c, &g));
    int *cand = tn_malloc(2 * (size_t)n * sizeof(int) + 1), *o = tn_malloc((size_t)n * sizeof(int) + 1);
    long *diff = tn_malloc(((size_t)n + 1) * sizeof(long));
    int status = cand && o && diff ? TN_OK : TN_ERR_MEMORY;
    order_figures best = {0, 0, 0}, f;
    if (status == TN_OK) status = figures(c, &g, site_of, diff, &best);
    long id_cut = best.cut;
    static const char *names[ORDER_CANDIDATES] = {"identity", "identity+search", "rcm", "rcm+search"};
    memset(rep, 0, sizeof *rep);
    for (int k = 0; k < ORDER_CANDIDATES; k++) rep->name[k] = names[k];
    rep->cut[0] = best.cut;
    rep->routed[0] = best.routed;
    rep->distance[0] = best.distance;
    rep->competed[0] = 1;
    rep->asked = 1;
    for (int q = 0; q < n && status == TN_OK; q++) cand[q] = q;
    if (status == TN_OK) status = rcm_order(c, cand + n);
    for (int k = 0; k < 4 && status == TN_OK; k++) {
        memcpy(o, cand + (size_t)(k / 2) * n, (size_t)n * sizeof(int));
        if (k == 0) continue;   /* the identity itself: best already */
        rep->cut[k] = max_cut(&g, o, diff);
        if (rep->cut[k] > id_cut) continue;   /* RCM may cut wider */
        if (k % 2) {
            status = local_search(&g, o, id_cut);
            if (status == TN_OK) status = insertion_search(&g, o, id_cut);
            if (status == TN_OK) status = local_search(&g, o, id_cut);
        }
        if (status == TN_OK) status = figures(c, &g, o, diff, &f);
        if (status != TN_OK) break;
        rep->cut[k] = f.cut;
        rep->routed[k] = f.routed;
        rep->distance[k] = f.distance;
        rep->competed[k] = f.cut <= id_cut;
        if (f.cut <= id_cut && (f.routed < best.routed || (f.routed == best.routed && f.distance < best.distance))) {
            best = f;
            rep->chosen = k;
            memcpy(site_of, o, (size_t)n * sizeof(int));
        }
    }
    free(cand);
    free(o);
    free(diff);
    free_weighted(&g);
    return status;
}

/* Reads an order file: the qubits in site order. */
static int read_order_file(const circuit *c, const char *path, int *site_of)
{
    FILE *f = input_open(path);
    if (!f) return tn_fail(TN_ERR_USAGE, "option --order: '%s' is not identity, auto or a readable file (%s)",
                           path, strerror(errno));
    int n = c->nqubits, count = 0, line = 1, col = 0, ch, status = TN_OK;
    for (int q = 0; q < n; q++) site_of[q] = -1;
    while ((ch = fgetc(f)) != EOF && status == TN_OK) {
        col++;
        if (ch == '\n') { line++; col = 0; continue; }
        if (ch == '#') { while ((ch = fgetc(f)) != EOF && ch != '\n') {} line++; col = 0; continue; }
        if (isspace(ch) || ch == ',') continue;
        int start = col;
        long v = 0;
        int digits = 0;
        while (ch != EOF && isdigit(ch)) {
            if (v < 1000000000) v = v * 10 + (ch - '0');
            digits++;
            ch = fgetc(f);
            col++;
        }
        if (!digits) {
            status = tn_fail(TN_ERR_INPUT, "%s:%d:%d: error: expected a qubit index, found '%c'", path, line, start, ch);
        } else if (v >= n) {
            status = tn_fail(TN_ERR_INPUT, "%s:%d:%d: error: qubit %ld is out of range for a %d-qubit circuit",
                             path, line, start, v, n);
        } else if (site_of[v] >= 0) {
            status = tn_fail(TN_ERR_INPUT, "%s:%d:%d: error: qubit %ld is listed twice", path, line, start, v);
        } else if (count >= n) {
            status = tn_fail(TN_ERR_INPUT, "%s:%d:%d: error: more than %d qubits listed", path, line, start, n);
        } else {
            site_of[v] = count++;
        }
        if (ch == '\n') { line++; col = 0; }
        else if (ch != EOF && !isspace(ch) && ch != ',' && status == TN_OK)
            status = tn_fail(TN_ERR_INPUT, "%s:%d:%d: error: unexpected character '%c'", path, line, col, ch);
    }
    fclose(f);
    if (status == TN_OK && count != n)
        status = tn_fail(TN_ERR_INPUT, "%s:%d:%d: error: the order lists %d qubits, the circuit has %d",
                         path, line, col, count, n);
    return status;
}

int order_choose_report(const circuit *c, const char *spec, int *site_of, order_report *rep)
{
    int n = c->nqubits;
    for (int q = 0; q < n; q++) site_of[q] = q;
    memset(rep, 0, sizeof *rep);
    if (!spec || strcmp(spec, "identity") == 0) return TN_OK;
    if (strcmp(spec, "auto") == 0) return auto_order(c, site_of, rep);
    return read_order_file(c, spec, site_of);
}

int order_choose(const circuit *c, const char *spec, int *site_of)
{
    order_report rep;
    return order_choose_report(c, spec, site_of, &rep);
}
