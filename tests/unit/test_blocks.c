/* test_blocks.c - adapter blocks (src/blocks.c) against the dense reference:
 *  (a) the compiled preparation of U x/|x|, with U the Cayley transform of a
 *      random real skew-symmetric or complex skew-Hermitian K computed here
 *      by plain Gauss-Jordan, run gate by gate on tests/ref/statevec.c,
 *      equals U x/|x| to 1e-12 (k = 1..4), with at most 1 CZ at k = 2 and
 *      2^(k+1) - 4 at k >= 3;
 *  (b) the same circuits emitted as OpenQASM 2 (IBM rz/sx/cz) and OriginIR
 *      (U3/CZ), parsed by the front ends and run on the reference, give the
 *      same state up to a global phase;
 *  (a') the same on a path of k qubits, every CZ on coupled qubits (bridges);
 *  (c) placement: disjoint connected blocks; 78 pairs on a 156-qubit line,
 *      36 on the 12 x 6 Wukong grid, the maximum matching (64) on IBM fez.
 * Not for: the adapters command end to end (tests/adapters.t). */
#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blocks.h"
#include "error.h"
#include "gates.h"
#include "originir.h"
#include "qasm.h"
#include "rng.h"
#include "statevec.h"
#include "tap.h"

#define TOL 1e-12

/* Solves (I + K/2) U^T... plainly: U = (I - K/2) (I + K/2)^-1 by Gauss-Jordan
 * inversion of A = I + K/2 (d <= 16). */
static void cayley_reference(int d, const double complex *k, double complex *u)
{
    double complex a[16][32];
    for (int i = 0; i < d; i++)
        for (int j = 0; j < 2 * d; j++) a[i][j] = j < d ? (i == j) + 0.5 * k[i * d + j] : (j - d == i);
    for (int c = 0; c < d; c++) {
        int piv = c;
        for (int r = c + 1; r < d; r++) if (cabs(a[r][c]) > cabs(a[piv][c])) piv = r;
        for (int j = 0; j < 2 * d; j++) { double complex t = a[c][j]; a[c][j] = a[piv][j]; a[piv][j] = t; }
        double complex p = a[c][c];
        for (int j = 0; j < 2 * d; j++) a[c][j] /= p;
        for (int r = 0; r < d; r++) {
            if (r == c) continue;
            double complex f = a[r][c];
            for (int j = 0; j < 2 * d; j++) a[r][j] -= f * a[c][j];
        }
    }
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++) {
            double complex s = 0;
            for (int m = 0; m < d; m++) s += ((i == m) - 0.5 * k[i * d + m]) * a[m][d + j];
            u[i * d + j] = s;
        }
}

static void random_target(rng_stream *r, int k, int complex_k, double complex *v)
{
    int d = 1 << k;
    double complex kk[256], u[256];
    double x[16], norm = 0;
    memset(kk, 0, sizeof kk);
    for (int i = 0; i < d; i++)
        for (int j = i + 1; j < d; j++) {
            double complex z = (2 * rng_uniform(r) - 1) + (complex_k ? I * (2 * rng_uniform(r) - 1) : 0);
            kk[i * d + j] = z;
            kk[j * d + i] = -conj(z);
        }
    for (int i = 0; i < d && complex_k; i++) kk[i * d + i] = I * (2 * rng_uniform(r) - 1);
    cayley_reference(d, kk, u);
    for (int i = 0; i < d; i++) { x[i] = 2 * rng_uniform(r) - 1; norm += x[i] * x[i]; }
    for (int i = 0; i < d; i++) {
        v[i] = 0;
        for (int j = 0; j < d; j++) v[i] += u[i * d + j] * x[j] / sqrt(norm);
    }
}

/* max_i |a_i - e^{i alpha} b_i| with alpha aligning the largest entry (global phase). */
static double phase_distance(int d, const double complex *a, const double complex *b)
{
    int big = 0;
    for (int i = 1; i < d; i++) if (cabs(b[i]) > cabs(b[big])) big = i;
    double complex ph = a[big] / b[big];
    ph /= cabs(ph);
    double worst = 0;
    for (int i = 0; i < d; i++) worst = fmax(worst, cabs(a[i] - ph * b[i]));
    return worst;
}

/* Runs native ops on the reference (qubit j of the block = reference qubit j). */
static void run_ops(int k, const native_op *ops, int nops, sv_state *s)
{
    for (int i = 0; i < nops; i++) {
        double complex m[16];
        if (ops[i].cz) {
            double p[1] = {0};
            sv_gate_matrix(GATE_CZ, p, m);
            int q[2] = {ops[i].q0, ops[i].q1};
            sv_apply_matrix(s, m, 2, q);
        } else {
            double p[3] = {ops[i].theta, ops[i].phi, ops[i].lambda};
            sv_gate_matrix(GATE_U3, p, m);
            int q[1] = {ops[i].q0};
            sv_apply_matrix(s, m, 1, q);
        }
    }
    (void)k;
}

static double run_text(const char *text, int originir, int k, const double complex *v)
{
    circuit *c = NULL;
    int status = originir ? originir_parse_string(text, strlen(text), "block.ir", &c)
                          : qasm_parse_string(text, strlen(text), "block.qasm", &c);
    if (status) { diag("%s", tn_last_message()); return INFINITY; }
    sv_state s;
    sv_init(&s, k);
    for (size_t i = 0; i < c->nops; i++) sv_apply_op(&s, &c->ops[i]);
    double dist = phase_distance(1 << k, s.amp, v);
    sv_free(&s);
    circ_destroy(&c);
    return dist;
}

static void check_compile(int k, int complex_k, uint64_t seed)
{
    rng_stream r;
    rng_init(&r, seed, 5);
    int d = 1 << k, cz_bound = k == 1 ? 0 : k == 2 ? 1 : (1 << (k + 1)) - 4;
    double worst = 0, worst_q = 0, worst_ir = 0;
    int most_cz = 0, qubits[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    native_op *ops = malloc((size_t)blocks_max_ops(k) * sizeof *ops);
    for (int trial = 0; trial < 20; trial++) {
        double complex v[16];
        random_target(&r, k, complex_k, v);
        int nops = blocks_state_prep(k, v, NULL, ops), cz = 0;
        for (int i = 0; i < nops; i++) cz += ops[i].cz;
        most_cz = cz > most_cz ? cz : most_cz;
        sv_state s;
        sv_init(&s, k);
        run_ops(k, ops, nops, &s);
        worst = fmax(worst, phase_distance(d, s.amp, v));
        sv_free(&s);
        text_buf q = {0}, ir = {0};
        text_printf(&q, "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[%d];\n", k);
        blocks_emit_qasm(&q, ops, nops, qubits);
        text_printf(&ir, "QINIT %d\nCREG 1\n", k);
        blocks_emit_originir(&ir, ops, nops, qubits);
        worst_q = fmax(worst_q, run_text(q.text, 0, k, v));
        worst_ir = fmax(worst_ir, run_text(ir.text, 1, k, v));
        free(q.text);
        free(ir.text);
    }
    const char *kind = complex_k ? "complex" : "real";
    ok(worst < TOL, "k=%d %s K: the compiled preparation equals U x/|x| on the reference (20 random K, x; %.2g)", k,
       kind, worst);
    ok(most_cz <= cz_bound, "k=%d %s K: at most %d CZ (most used %d)", k, kind, cz_bound, most_cz);
    ok(worst_q < TOL, "k=%d %s K: the OpenQASM rz/sx/cz emission gives the same state (%.2g)", k, kind, worst_q);
    ok(worst_ir < TOL, "k=%d %s K: the OriginIR U3/CZ emission gives the same state (%.2g)", k, kind, worst_ir);
    free(ops);
}

/* (a') on a path of k qubits (as blocks on heavy-hex and grids are): every
 * CZ joins coupled qubits, and the state is still exact. */
static void check_routed(int k, uint64_t seed)
{
    rng_stream r;
    rng_init(&r, seed, 6);
    unsigned char adj[64] = {0};
    for (int i = 0; i + 1 < k; i++) adj[i * k + i + 1] = adj[(i + 1) * k + i] = 1;
    native_op *ops = malloc((size_t)blocks_max_ops(k) * sizeof *ops);
    double worst = 0;
    int coupled_only = 1, most_cz = 0;
    for (int trial = 0; trial < 20; trial++) {
        double complex v[16];
        random_target(&r, k, trial % 2, v);
        int nops = blocks_state_prep(k, v, adj, ops), cz = 0;
        for (int i = 0; i < nops; i++)
            if (ops[i].cz) { cz++; coupled_only &= adj[ops[i].q0 * k + ops[i].q1]; }
        most_cz = cz > most_cz ? cz : most_cz;
        sv_state s;
        sv_init(&s, k);
        run_ops(k, ops, nops, &s);
        worst = fmax(worst, phase_distance(1 << k, s.amp, v));
        sv_free(&s);
    }
    ok(coupled_only, "k=%d on a path: every CZ joins coupled qubits (most CZ %d)", k, most_cz);
    ok(worst < TOL, "k=%d on a path: the bridged preparation is still exact (%.2g)", k, worst);
    free(ops);
}

/* Blocks are disjoint, inside the device and connected by its couplers. */
static int blocks_valid(const device_graph *g, int k, const int *blocks, int count)
{
    unsigned char *used = calloc((size_t)g->nqubits, 1);
    int valid = used != NULL;
    for (int b = 0; b < count && valid; b++) {
        const int *q = blocks + (size_t)b * k;
        for (int j = 0; j < k; j++) {
            if (q[j] < 0 || q[j] >= g->nqubits || used[q[j]]) valid = 0;
            else used[q[j]] = 1;
        }
        /* connected: grow from q[0] through couplers inside the block */
        int reached = 1, in[8] = {1};
        for (int pass = 0; pass < k && valid; pass++)
            for (int e = 0; e < g->nedges; e++)
                for (int a = 0; a < k; a++)
                    for (int c = 0; c < k; c++)
                        if (in[a] && !in[c] && ((g->edges[e][0] == q[a] && g->edges[e][1] == q[c]) ||
                                                (g->edges[e][1] == q[a] && g->edges[e][0] == q[c]))) {
                            in[c] = 1;
                            reached++;
                        }
        if (reached != k) valid = 0;
    }
    free(used);
    return valid;
}

static void check_place(const char *label, device_graph *g, int k, int want)
{
    int *blocks = malloc(((size_t)g->nqubits + 1) * sizeof(int));
    int count = blocks_place(g, k, NULL, blocks);
    ok(count == want && blocks_valid(g, k, blocks, count), "%s: %d disjoint connected %d-qubit blocks (want %d)", label,
       count, k, want);
    free(blocks);
}

int main(void)
{
    for (int k = 1; k <= 4; k++) {
        check_compile(k, 0, 10 + k);
        check_compile(k, 1, 20 + k);
    }
    check_routed(3, 31);
    check_routed(4, 32);
    device_graph g;
    device_line(156, &g);
    check_place("156-qubit line", &g, 2, 78);
    check_place("156-qubit line", &g, 3, 52);
    device_free(&g);
    device_grid(12, 6, &g);
    check_place("12x6 grid", &g, 2, 36);
    check_place("12x6 grid", &g, 4, 18);
    device_free(&g);
    const char *root = getenv("TNEMU_SHARED_DATA") ? getenv("TNEMU_SHARED_DATA") : "../shared/data";
    char path[1024];
    snprintf(path, sizeof path, "%s/ibm-backends/fez/conf_fez.json", root);
    if (device_read(path, &g) == TN_OK) {
        /* heavy-hex is bipartite with parts of 92 and 64 qubits: no more than 64 pairs (Konig) */
        check_place("IBM fez heavy-hex", &g, 2, 64);
        device_free(&g);
    } else {
        skip("IBM fez: %s absent", path);
    }
    snprintf(path, sizeof path, "%s/origin/wukong72/grid-topology-derived.json", root);
    if (device_read(path, &g) == TN_OK) {
        check_place("Wukong 72 grid", &g, 2, 36);
        device_free(&g);
    } else {
        skip("Wukong grid: %s absent", path);
    }
    return done_testing();
}
