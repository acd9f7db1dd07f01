/* blocks.c - device graphs, block placement, and the emission of compiled
 * blocks (synth.c) as OpenQASM 2 or OriginIR (blocks.h). */
#include "blocks.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "circuit.h"
#include "error.h"
#include "gates.h"
#include "input.h"

/* ---- device graphs ------------------------------------------------------- */

static int add_edge(device_graph *g, int a, int b)
{
    if (a == b) return TN_OK;
    if (a > b) { int t = a; a = b; b = t; }
    for (int e = 0; e < g->nedges; e++)
        if (g->edges[e][0] == a && g->edges[e][1] == b) return TN_OK;
    int (*grown)[2] = realloc(g->edges, (size_t)(g->nedges + 1) * sizeof *grown);
    if (!grown) return TN_ERR_MEMORY;
    g->edges = grown;
    g->edges[g->nedges][0] = a;
    g->edges[g->nedges][1] = b;
    g->nedges++;
    return TN_OK;
}

static int read_edge_list(device_graph *g, json_t *list, const char *path, const char *what)
{
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e) {
        json_t *a = json_array_get(e, 0), *b = json_array_get(e, 1);
        if (!json_is_integer(a) || !json_is_integer(b) || json_integer_value(a) < 0 ||
            json_integer_value(b) < 0 || json_integer_value(a) >= g->nqubits || json_integer_value(b) >= g->nqubits)
            return tn_fail(TN_ERR_INPUT, "%s: %s[%zu] is not a pair of qubits in [0, %d)", path, what, i, g->nqubits);
        CALL(add_edge(g, (int)json_integer_value(a), (int)json_integer_value(b)));
    }
    return TN_OK;
}

int device_read(const char *path, device_graph *g)
{
    memset(g, 0, sizeof *g);
    json_t *root;
    int read = input_load_json(path, 0, NULL, &root);
    if (read == TN_ERR_IO) return tn_fail(TN_ERR_IO, "cannot read device file '%s'", path);
    if (read != TN_OK) return read;
    json_t *cm = json_object_get(root, "coupling_map"), *grid = json_object_get(root, "full_grid_edges_126");
    json_t *n = json_object_get(root, "n_qubits");
    int status = TN_OK;
    if (!json_is_integer(n) || json_integer_value(n) < 1 || json_integer_value(n) > 100000)
        status = tn_fail(TN_ERR_INPUT, "%s: no \"n_qubits\" (an IBM conf_*.json or Origin's grid topology)", path);
    else if (!json_is_array(cm) && !json_is_array(grid))
        status = tn_fail(TN_ERR_INPUT, "%s: no \"coupling_map\" (IBM) or \"full_grid_edges_126\" (Origin)", path);
    if (status == TN_OK) {
        g->nqubits = (int)json_integer_value(n);
        const char *name = json_string_value(json_object_get(root, "backend_name"));
        snprintf(g->name, sizeof g->name, "%s", name ? name : json_is_array(grid) ? "wukong72-grid" : "device");
        status = read_edge_list(g, json_is_array(cm) ? cm : grid, path, json_is_array(cm) ? "coupling_map"
                                                                                          : "full_grid_edges_126");
    }
    json_decref(root);
    if (status) device_free(g);
    return status;
}

int device_line(int n, device_graph *g)
{
    memset(g, 0, sizeof *g);
    g->nqubits = n;
    snprintf(g->name, sizeof g->name, "line-%d", n);
    for (int q = 0; q + 1 < n; q++) CALL(add_edge(g, q, q + 1));
    return TN_OK;
}

int device_grid(int rows, int cols, device_graph *g)
{
    memset(g, 0, sizeof *g);
    g->nqubits = rows * cols;
    snprintf(g->name, sizeof g->name, "grid-%dx%d", rows, cols);
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) {
            if (c + 1 < cols) CALL(add_edge(g, r * cols + c, r * cols + c + 1));
            if (r + 1 < rows) CALL(add_edge(g, r * cols + c, (r + 1) * cols + c));
        }
    return TN_OK;
}

void device_free(device_graph *g)
{
    free(g->edges);
    memset(g, 0, sizeof *g);
}

/* ---- placement ------------------------------------------------------------ */

static int qubit_usable(const noise_model *noise, int q)
{
    if (!noise) return 1;
    if (noise->nqubits > 0 && q >= noise->nqubits) return 0;
    return !noise_qubit_params(noise, q)->faulty;
}

/* A coupler is usable when the calibration has a working CZ on it. */
static int coupler_usable(const noise_model *noise, int a, int b)
{
    if (!noise) return 1;
    circ_op op;
    memset(&op, 0, sizeof op);
    op.kind = OP_GATE;
    op.gate = GATE_CZ;
    op.nqubits = 2;
    op.qubits[0] = a;
    op.qubits[1] = b;
    op.cond_reg = -1;
    const noise_rule *r = noise_lookup(noise, &op);
    return noise->strict ? r && !r->faulty : !(r && r->faulty);
}

/* Number of free usable neighbours of q. */
static int free_degree(int q, const int *adj_start, const int *adj, const unsigned char *taken)
{
    int d = 0;
    for (int e = adj_start[q]; e < adj_start[q + 1]; e++) d += !taken[adj[e]];
    return d;
}

/* Kuhn's augmenting path from left qubit u; match[] pairs both ways. */
static int augment(int u, const int *start, const int *adj, int *match, unsigned char *seen)
{
    for (int e = start[u]; e < start[u + 1]; e++) {
        int w = adj[e];
        if (seen[w]) continue;
        seen[w] = 1;
        if (match[w] < 0 || augment(match[w], start, adj, match, seen)) {
            match[w] = u;
            match[u] = w;
            return 1;
        }
    }
    return 0;
}

/* k = 2 on a bipartite coupling graph (heavy-hex and square grids are): a
 * maximum matching by augmenting paths. Returns -1 if the graph is not
 * bipartite (the greedy placement is used then). */
static int place_pairs(int n, const int *start, const int *adj, const unsigned char *usable, int *blocks)
{
    int *color = malloc((size_t)n * sizeof(int)), *queue = malloc((size_t)n * sizeof(int));
    int *match = malloc((size_t)n * sizeof(int));
    unsigned char *seen = malloc((size_t)n + 1);
    int count = -1;
    if (!color || !queue || !match || !seen) goto out;
    for (int q = 0; q < n; q++) { color[q] = -1; match[q] = -1; }
    for (int s = 0; s < n; s++) {   /* two-colour every component */
        if (color[s] >= 0 || !usable[s]) continue;
        int head = 0, tail = 0;
        color[s] = 0;
        queue[tail++] = s;
        while (head < tail) {
            int u = queue[head++];
            for (int e = start[u]; e < start[u + 1]; e++) {
                int w = adj[e];
                if (color[w] < 0) { color[w] = 1 - color[u]; queue[tail++] = w; }
                else if (color[w] == color[u]) goto out;   /* an odd cycle */
            }
        }
    }
    for (int u = 0; u < n; u++) {
        if (!usable[u] || color[u] != 0) continue;
        memset(seen, 0, (size_t)n);
        augment(u, start, adj, match, seen);
    }
    count = 0;
    for (int u = 0; u < n; u++)
        if (usable[u] && color[u] == 0 && match[u] >= 0) {
            blocks[2 * count] = u;
            blocks[2 * count + 1] = match[u];
            count++;
        }
out:
    free(color); free(queue); free(match); free(seen);
    return count;
}

int blocks_place(const device_graph *g, int k, const noise_model *noise, int *blocks)
{
    int n = g->nqubits, count = 0;
    int *deg = calloc((size_t)n + 1, sizeof(int)), *start = calloc((size_t)n + 2, sizeof(int));
    int *adj = calloc((size_t)2 * g->nedges + 1, sizeof(int)), *member = calloc((size_t)k + 1, sizeof(int));
    unsigned char *taken = calloc((size_t)n + 1, 1), *dead = calloc((size_t)n + 1, 1);
    if (!deg || !start || !adj || !member || !taken || !dead) goto out;
    for (int q = 0; q < n; q++) taken[q] = !qubit_usable(noise, q);
    for (int e = 0; e < g->nedges; e++) {
        int a = g->edges[e][0], b = g->edges[e][1];
        if (!taken[a] && !taken[b] && coupler_usable(noise, a, b)) { deg[a]++; deg[b]++; }
    }
    for (int q = 0; q < n; q++) start[q + 1] = start[q] + deg[q];
    memset(deg, 0, (size_t)n * sizeof(int));
    for (int e = 0; e < g->nedges; e++) {
        int a = g->edges[e][0], b = g->edges[e][1];
        if (taken[a] || taken[b] || !coupler_usable(noise, a, b)) continue;
        adj[start[a] + deg[a]++] = b;
        adj[start[b] + deg[b]++] = a;
    }
    if (k == 2) {
        unsigned char *usable = calloc((size_t)n + 1, 1);
        for (int q = 0; usable && q < n; q++) usable[q] = !taken[q];
        int pairs = usable ? place_pairs(n, start, adj, usable, blocks) : -1;
        free(usable);
        if (pairs >= 0) { count = pairs; goto out; }
    }
    for (;;) {
        /* seed: the free qubit with the fewest free neighbours (corners first) */
        int seed = -1, best = 1 << 30;
        for (int q = 0; q < n; q++) {
            if (taken[q] || dead[q]) continue;
            int d = free_degree(q, start, adj, taken);
            if ((k == 1 || d > 0) && d < best) { best = d; seed = q; }
        }
        if (seed < 0) break;
        int size = 1;
        member[0] = seed;
        taken[seed] = 1;
        while (size < k) {   /* grow by the frontier qubit with the fewest free neighbours */
            int pick = -1, pick_deg = 1 << 30;
            for (int i = 0; i < size; i++)
                for (int e = start[member[i]]; e < start[member[i] + 1]; e++) {
                    int q = adj[e];
                    if (taken[q]) continue;
                    int d = free_degree(q, start, adj, taken);
                    if (d < pick_deg) { pick_deg = d; pick = q; }
                }
            if (pick < 0) break;
            member[size++] = pick;
            taken[pick] = 1;
        }
        if (size < k) {   /* no room here: free the qubits, never seed from this one again */
            for (int i = 0; i < size; i++) taken[member[i]] = 0;
            dead[seed] = 1;
            continue;
        }
        memcpy(blocks + (size_t)count * k, member, (size_t)k * sizeof(int));
        count++;
    }
out:
    free(deg); free(start); free(adj); free(member); free(taken); free(dead);
    return count;
}

void blocks_coupling(const device_graph *g, int k, const int *qubits, unsigned char *adj)
{
    memset(adj, 0, (size_t)k * k);
    for (int e = 0; e < g->nedges; e++)
        for (int a = 0; a < k; a++)
            for (int c = 0; c < k; c++)
                if (g->edges[e][0] == qubits[a] && g->edges[e][1] == qubits[c]) adj[a * k + c] = adj[c * k + a] = 1;
}

/* ---- emission ------------------------------------------------------------- */

int text_printf(text_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (need < 0) return TN_ERR_INTERNAL;
    if (b->len + (size_t)need + 1 > b->cap) {
        size_t cap = (b->cap ? 2 * b->cap : 4096) + (size_t)need;
        char *grown = realloc(b->text, cap);
        if (!grown) return TN_ERR_MEMORY;
        b->text = grown;
        b->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(b->text + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)need;
    return TN_OK;
}

/* IBM: U3(theta, phi, lambda) = RZ(phi + pi) SX RZ(theta + pi) SX RZ(lambda)
 * up to a global phase (time order: rz(lambda) first); a diagonal U3 is one RZ. */
int blocks_emit_qasm(text_buf *b, const native_op *ops, int nops, const int *qubits)
{
    for (int i = 0; i < nops; i++) {
        const native_op *o = &ops[i];
        if (o->cz) { CALL(text_printf(b, "cz q[%d],q[%d];\n", qubits[o->q0], qubits[o->q1])); continue; }
        int q = qubits[o->q0];
        if (fabs(o->theta) < 1e-14) {
            CALL(text_printf(b, "rz(%.17g) q[%d];\n", o->phi + o->lambda, q));
            continue;
        }
        CALL(text_printf(b, "rz(%.17g) q[%d];\nsx q[%d];\nrz(%.17g) q[%d];\nsx q[%d];\nrz(%.17g) q[%d];\n", o->lambda,
                         q, q, o->theta + M_PI, q, q, o->phi + M_PI, q));
    }
    return TN_OK;
}

int blocks_emit_originir(text_buf *b, const native_op *ops, int nops, const int *qubits)
{
    for (int i = 0; i < nops; i++) {
        const native_op *o = &ops[i];
        if (o->cz) CALL(text_printf(b, "CZ q[%d],q[%d]\n", qubits[o->q0], qubits[o->q1]));
        else CALL(text_printf(b, "U3 q[%d],(%.17g,%.17g,%.17g)\n", qubits[o->q0], o->theta, o->phi, o->lambda));
    }
    return TN_OK;
}

static int append_gate(circuit *c, int gate, int q0, int q1, double p0, double p1, double p2)
{
    circ_op op;
    memset(&op, 0, sizeof op);
    op.kind = OP_GATE;
    op.gate = gate;
    op.nqubits = q1 >= 0 ? 2 : 1;
    op.qubits[0] = q0;
    if (q1 >= 0) op.qubits[1] = q1;
    op.params[0] = p0;
    op.params[1] = p1;
    op.params[2] = p2;
    op.cond_reg = -1;
    return circ_append(c, &op);
}

int blocks_append_ops(circuit *c, const native_op *ops, int nops, const int *qubits, int originir)
{
    for (int i = 0; i < nops; i++) {
        const native_op *o = &ops[i];
        int q = qubits[o->q0];
        if (o->cz) { CALL(append_gate(c, GATE_CZ, q, qubits[o->q1], 0, 0, 0)); continue; }
        if (originir) { CALL(append_gate(c, GATE_U3, q, -1, o->theta, o->phi, o->lambda)); continue; }
        if (fabs(o->theta) < 1e-14) { CALL(append_gate(c, GATE_RZ, q, -1, o->phi + o->lambda, 0, 0)); continue; }
        CALL(append_gate(c, GATE_RZ, q, -1, o->lambda, 0, 0));
        CALL(append_gate(c, GATE_SX, q, -1, 0, 0, 0));
        CALL(append_gate(c, GATE_RZ, q, -1, o->theta + M_PI, 0, 0));
        CALL(append_gate(c, GATE_SX, q, -1, 0, 0, 0));
        CALL(append_gate(c, GATE_RZ, q, -1, o->phi + M_PI, 0, 0));
    }
    return TN_OK;
}

int device_qubit_usable(const noise_model *noise, int q) { return qubit_usable(noise, q); }

int device_coupler_usable(const noise_model *noise, int a, int b) { return coupler_usable(noise, a, b); }
