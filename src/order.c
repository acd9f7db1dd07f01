/* order.c - choosing the qubit-to-site order (see order.h). */
#include "order.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "input.h"

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

int order_choose(const circuit *c, const char *spec, int *site_of)
{
    int n = c->nqubits;
    for (int q = 0; q < n; q++) site_of[q] = q;
    if (!spec || strcmp(spec, "identity") == 0) return TN_OK;
    if (strcmp(spec, "auto") == 0) {
        int *rcm = tn_malloc((size_t)n * sizeof(int));
        if (!rcm) return TN_ERR_MEMORY;
        int status = rcm_order(c, rcm);
        if (status == TN_OK && order_swap_distance(c, rcm) < order_swap_distance(c, site_of))
            memcpy(site_of, rcm, (size_t)n * sizeof(int));
        free(rcm);
        return status;
    }
    return read_order_file(c, spec, site_of);
}
