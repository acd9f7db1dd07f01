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
 *  (u) unitary checks: the compiled circuit of a unitary U alone, multiplied
 *      out column by column on the reference (its own U3 and CZ matrices),
 *      equals U up to a global phase, min_a ||U - e^{ia} C||_F < 1e-11, at
 *      k = 2..5, all pairs coupled and on a path (every CZ on a coupler),
 *      for sets of U: Cayley transforms of random real K (real orthogonal
 *      U, where one-qubit factors diagonal up to rounding once gave wrong
 *      U3 angles) and complex K, Gram-Schmidt unitaries, real orthogonal U
 *      with det -1, +-identity, permutations, diagonal +-1 matrices,
 *      repeated eigenvalues, block-diagonal U, eigenvalues 1e-8 apart; at
 *      most 3, 24, 120, 528 CZ at k = 2..5 with all pairs coupled; 0, 1, 2 CZ
 *      for the local, CNOT and exp(i(a XX + b YY)) classes at k = 2;
 *  (e) encoding then U compiled separately: the state equals U x/|x|, real
 *      and complex K, k = 2..5;
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
#define TOL_U 1e-11   /* ||U - circuit||_F of a compiled unitary, d <= 32 */

/* Solves (I + K/2) U^T... plainly: U = (I - K/2) (I + K/2)^-1 by Gauss-Jordan
 * inversion of A = I + K/2 (d <= 32). */
static void cayley_reference(int d, const double complex *k, double complex *u)
{
    double complex a[32][64];
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

/* ---- (u) unitaries: random sets and adversarial cases ------------------------- */

#define MAXD 32   /* d = 2^k for k <= 5, the adapters' largest block */

/* A random unitary: Gram-Schmidt (twice, orthogonal to rounding) on uniform
 * entries, complex or real (then a real orthogonal matrix). */
static void gram_schmidt(rng_stream *r, int d, int real, double complex *u)
{
    for (int j = 0; j < d; j++) {
        double complex col[MAXD];
        for (int i = 0; i < d; i++) col[i] = (2 * rng_uniform(r) - 1) + (real ? 0 : I * (2 * rng_uniform(r) - 1));
        for (int pass = 0; pass < 2; pass++)
            for (int p = 0; p < j; p++) {
                double complex dot = 0;
                for (int i = 0; i < d; i++) dot += conj(u[i * d + p]) * col[i];
                for (int i = 0; i < d; i++) col[i] -= dot * u[i * d + p];
            }
        double norm = 0;
        for (int i = 0; i < d; i++) norm += creal(col[i] * conj(col[i]));
        for (int i = 0; i < d; i++) u[i * d + j] = col[i] / sqrt(norm);
    }
}

static void random_unitary(rng_stream *r, int d, double complex *u) { gram_schmidt(r, d, 0, u); }

/* The Cayley transform of a random K, entries uniform in [-scale, scale]:
 * real skew-symmetric (U real orthogonal, det 1) or complex skew-Hermitian. */
static void random_cayley_of(rng_stream *r, int d, double scale, int complex_k, double complex *u)
{
    double complex kk[MAXD * MAXD];
    for (int i = 0; i < d; i++) {
        kk[i * d + i] = complex_k ? I * scale * (2 * rng_uniform(r) - 1) : 0;
        for (int j = i + 1; j < d; j++) {
            double complex z = scale * ((2 * rng_uniform(r) - 1) + (complex_k ? I * (2 * rng_uniform(r) - 1) : 0));
            kk[i * d + j] = z;
            kk[j * d + i] = -conj(z);
        }
    }
    cayley_reference(d, kk, u);
}

/* u = Q diag(lambda) Q^H. */
static void with_eigenvalues(int d, const double complex *q, const double complex *lambda, double complex *u)
{
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++) {
            double complex s = 0;
            for (int m = 0; m < d; m++) s += q[i * d + m] * lambda[m] * conj(q[j * d + m]);
            u[i * d + j] = s;
        }
}

/* u = Q R Q^T for a real orthogonal Q and R = diag of 2x2 rotations by
 * angle[0..d/2-1]: real orthogonal with eigenvalues e^{+-i angle}. */
static void with_rotations(int d, const double complex *q, const double *angle, double complex *u)
{
    double complex rq[MAXD * MAXD];   /* R Q^T */
    for (int b = 0; b < d / 2; b++)
        for (int j = 0; j < d; j++) {
            double c = cos(angle[b]), s = sin(angle[b]);
            rq[2 * b * d + j] = c * q[j * d + 2 * b] - s * q[j * d + 2 * b + 1];
            rq[(2 * b + 1) * d + j] = s * q[j * d + 2 * b] + c * q[j * d + 2 * b + 1];
        }
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++) {
            double complex s = 0;
            for (int m = 0; m < d; m++) s += q[i * d + m] * rq[m * d + j];
            u[i * d + j] = s;
        }
}

static void make_real_k(rng_stream *r, int d, int trial, double complex *u)
{
    random_cayley_of(r, d, trial % 4 ? 1.0 : 5.0, 0, u);
}

static void make_complex_k(rng_stream *r, int d, int trial, double complex *u)
{
    random_cayley_of(r, d, trial % 4 ? 1.0 : 5.0, 1, u);
}

static void make_haar(rng_stream *r, int d, int trial, double complex *u)
{
    (void)trial;
    gram_schmidt(r, d, 0, u);
}

/* A real orthogonal U with det -1: a real Cayley transform with one column negated. */
static void make_real_det_minus(rng_stream *r, int d, int trial, double complex *u)
{
    random_cayley_of(r, d, 1.0, 0, u);
    for (int i = 0; i < d; i++) u[i * d + trial % d] = -u[i * d + trial % d];
}

static void make_identity(rng_stream *r, int d, int trial, double complex *u)
{
    (void)r;
    for (int i = 0; i < d * d; i++) u[i] = i % (d + 1) == 0 ? (trial % 2 ? -1 : 1) : 0;
}

/* Cyclic shift, bit reversal, X on every qubit, the swap of the lowest and
 * highest qubit, then random permutations. */
static void make_permutation(rng_stream *r, int d, int trial, double complex *u)
{
    int perm[MAXD], k = __builtin_ctz((unsigned)d);
    for (int j = 0; j < d; j++) {
        int rev = 0;
        for (int b = 0; b < k; b++) rev |= (j >> b & 1) << (k - 1 - b);
        int lo = j & 1, hi = j >> (k - 1) & 1;
        perm[j] = trial == 0 ? (j + 1) % d : trial == 1 ? rev : trial == 2 ? j ^ (d - 1)
                : (j & ~1 & ~(1 << (k - 1))) | hi | lo << (k - 1);
    }
    if (trial > 3)
        for (int j = d - 1; j > 0; j--) {   /* Fisher-Yates */
            int m = (int)(rng_uniform(r) * (j + 1)), t = perm[j];
            perm[j] = perm[m];
            perm[m] = t;
        }
    for (int i = 0; i < d * d; i++) u[i] = 0;
    for (int j = 0; j < d; j++) u[perm[j] * d + j] = 1;
}

/* Z on one qubit, -1 on |1...1> alone (det -1), then random signs. */
static void make_signs(rng_stream *r, int d, int trial, double complex *u)
{
    int k = __builtin_ctz((unsigned)d);
    for (int i = 0; i < d * d; i++) u[i] = 0;
    for (int i = 0; i < d; i++) {
        int minus = trial < k ? i >> trial & 1 : trial == k ? i == d - 1 : rng_uniform(r) < 0.5;
        u[i * d + i] = minus ? -1 : 1;
    }
}

/* Two eigenvalues, each d/2 times (complex Q); 1 d-1 times and -1 once;
 * +-1 with a real Q (symmetric orthogonal, either determinant); one
 * rotation angle d/2 times with a real Q. */
static void make_repeated(rng_stream *r, int d, int trial, double complex *u)
{
    double complex q[MAXD * MAXD], lambda[MAXD];
    double angle[MAXD / 2];
    gram_schmidt(r, d, trial % 4 >= 2, q);
    for (int i = 0; i < d; i++) {
        if (trial % 4 == 0) lambda[i] = cexp(I * (i < d / 2 ? 0.7 : -1.9));
        else if (trial % 4 == 1) lambda[i] = i == 0 ? -1 : 1;
        else lambda[i] = rng_uniform(r) < 0.5 ? -1 : 1;
    }
    if (trial % 4 < 3) { with_eigenvalues(d, q, lambda, u); return; }
    for (int b = 0; b < d / 2; b++) angle[b] = 0.9;
    with_rotations(d, q, angle, u);
}

/* diag(U1, U2) selected by the top qubit; I x V (V on the lower qubits);
 * W x I (W on the top qubit alone); real blocks selected by qubit 0. */
static void make_block_diagonal(rng_stream *r, int d, int trial, double complex *u)
{
    int h = d / 2;
    double complex a[MAXD * MAXD / 4], b[MAXD * MAXD / 4], w[4];
    if (trial % 4 == 3) { random_cayley_of(r, h, 1.0, 0, a); random_cayley_of(r, h, 1.0, 0, b); }
    else { gram_schmidt(r, h, 0, a); gram_schmidt(r, h, 0, b); }
    gram_schmidt(r, 2, 0, w);
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++) {
            int hi = i / h == j / h, lo = i % 2 == j % 2;
            double complex v = 0;
            if (trial % 4 == 0 && hi) v = (i < h ? a : b)[(i % h) * h + j % h];
            else if (trial % 4 == 1 && hi) v = a[(i % h) * h + j % h];
            else if (trial % 4 == 2 && i % h == j % h) v = w[(i / h) * 2 + j / h];
            else if (trial % 4 == 3 && lo) v = (i % 2 ? b : a)[(i / 2) * h + j / 2];
            u[i * d + j] = v;
        }
}

/* Eigenvalues in pairs 1e-8 apart (complex Q); real rotations in pairs of
 * angles 1e-8 apart; real rotations by 1e-8 and pi - 1e-8 (eigenvalues
 * within 1e-8 of +-1); the Cayley transform of a K of size 1e-8 (U within
 * 1e-8 of the identity), real or complex. */
static void make_near_degenerate(rng_stream *r, int d, int trial, double complex *u)
{
    double complex q[MAXD * MAXD], lambda[MAXD];
    double angle[MAXD / 2];
    if (trial % 4 == 3) { random_cayley_of(r, d, 1e-8, trial % 8 == 7, u); return; }
    gram_schmidt(r, d, trial % 4 != 0, q);
    double base = 2 * M_PI * rng_uniform(r);
    for (int i = 0; i < d; i++) {
        if (i % 2 == 0) base = 2 * M_PI * rng_uniform(r);
        lambda[i] = cexp(I * (base + (i % 2) * 1e-8));
    }
    if (trial % 4 == 0) { with_eigenvalues(d, q, lambda, u); return; }
    for (int b = 0; b < d / 2; b++) {
        if (b % 2 == 0) base = M_PI * rng_uniform(r);
        angle[b] = trial % 4 == 1 ? base + (b % 2) * 1e-8 : b % 2 ? M_PI - 1e-8 : 1e-8;
    }
    with_rotations(d, q, angle, u);
}

typedef struct {
    const char *name;
    void (*make)(rng_stream *r, int d, int trial, double complex *u);
    int trials;   /* at k = 2..4; a third at k = 5 */
    int random;   /* a set of random U (CZ counts checked at their bound) */
} unitary_set;

static const unitary_set UNITARY_SETS[] = {
    {"real K (U real orthogonal)", make_real_k, 300, 1},
    {"complex K", make_complex_k, 300, 1},
    {"Gram-Schmidt random unitaries", make_haar, 100, 1},
    {"real orthogonal with det -1", make_real_det_minus, 100, 1},
    {"U = identity and -identity", make_identity, 2, 0},
    {"permutation matrices", make_permutation, 24, 0},
    {"diagonal +-1 matrices", make_signs, 24, 0},
    {"repeated eigenvalues", make_repeated, 24, 0},
    {"block-diagonal U", make_block_diagonal, 24, 0},
    {"near-degenerate eigenvalues (1e-8 apart)", make_near_degenerate, 32, 0},
};

/* The matrix C of compiled ops, multiplied out here: each op's matrix from
 * the state-vector reference (its own U3 and CZ), applied to the rows of C
 * its qubits index (qubit q = bit q of the row). */
static void ops_matrix(int k, const native_op *ops, int nops, double complex *m)
{
    int d = 1 << k;
    for (int i = 0; i < d * d; i++) m[i] = i % (d + 1) == 0;
    for (int n = 0; n < nops; n++) {
        double complex g[16];
        double p[3] = {ops[n].theta, ops[n].phi, ops[n].lambda};
        sv_gate_matrix(ops[n].cz ? GATE_CZ : GATE_U3, p, g);
        int q0 = ops[n].q0, q1 = ops[n].q1;
        for (int i = 0; i < d; i++) {
            if (ops[n].cz) {   /* diagonal: g[5 * (2 b0 + b1)], the first listed qubit the high bit */
                double complex f = g[5 * (2 * (i >> q0 & 1) + (i >> q1 & 1))];
                for (int j = 0; j < d; j++) m[i * d + j] *= f;
                continue;
            }
            if (i >> q0 & 1) continue;
            double complex *r0 = m + (size_t)i * d, *r1 = m + (size_t)(i | 1 << q0) * d;
            for (int j = 0; j < d; j++) {
                double complex a = r0[j], b = r1[j];
                r0[j] = g[0] * a + g[1] * b;
                r1[j] = g[2] * a + g[3] * b;
            }
        }
    }
}

/* min over alpha of ||u - e^{i alpha} m||_F: blocks_compile is exact up to a
 * global phase (its U3 gates drop theirs). */
static double unitary_distance(int d, const double complex *m, const double complex *u)
{
    double complex overlap = 0;
    for (int i = 0; i < d * d; i++) overlap += conj(m[i]) * u[i];
    double complex phase = cabs(overlap) > 0 ? overlap / cabs(overlap) : 1;
    double sum = 0;
    for (int i = 0; i < d * d; i++) sum += creal((u[i] - phase * m[i]) * conj(u[i] - phase * m[i]));
    return sqrt(sum);
}

/* Compiles u alone; returns its distance from the compiled circuit up to a
 * global phase, the CZ count in *cz, and whether every CZ was on a coupler. */
static double unitary_error(int k, const double complex *u, const unsigned char *adj, int *cz, int *coupled)
{
    int d = 1 << k;
    native_op *ops = malloc((size_t)blocks_max_ops(k) * sizeof *ops);
    int nops = blocks_compile(k, NULL, u, adj, ops);
    double complex *m = malloc((size_t)d * d * sizeof *m);
    *cz = 0;
    *coupled = nops >= 0;
    for (int i = 0; i < nops; i++)
        if (ops[i].cz) { (*cz)++; if (adj) *coupled &= adj[ops[i].q0 * k + ops[i].q1]; }
    double dist = INFINITY;
    if (nops >= 0) {
        ops_matrix(k, ops, nops, m);
        dist = unitary_distance(d, m, u);
    }
    free(ops);
    free(m);
    return dist;
}

/* Every U of a set at k qubits, compiled with all pairs coupled (even
 * trials) and on a path (odd trials, k >= 3), against the reference. */
static void check_unitary_set(int k, const unitary_set *set, uint64_t seed)
{
    rng_stream r;
    rng_init(&r, seed, 7);
    int d = 1 << k, trials = k == 5 && set->trials > 2 ? set->trials / 3 : set->trials;
    const int cz_bound[6] = {0, 0, 3, 24, 120, 528};
    unsigned char adj[64] = {0};
    for (int i = 0; i + 1 < k; i++) adj[i * k + i + 1] = adj[(i + 1) * k + i] = 1;
    double worst = 0;
    int most_cz = 0, coupled_only = 1;
    for (int trial = 0; trial < trials; trial++) {
        double complex u[MAXD * MAXD];
        set->make(&r, d, trial, u);
        int path = k >= 3 && trial % 2, cz, coupled;
        worst = fmax(worst, unitary_error(k, u, path ? adj : NULL, &cz, &coupled));
        if (!path) most_cz = cz > most_cz ? cz : most_cz;
        coupled_only &= coupled;
    }
    ok(worst < TOL_U, "k=%d, %d %s: the compiled circuit multiplied out equals U up to a global phase "
       "(worst ||U - e^ia C||_F %.2g)", k, trials, set->name, worst);
    if (k >= 3) ok(coupled_only, "k=%d, %s: on a path every CZ joins coupled qubits", k, set->name);
    if (set->random) ok(most_cz <= cz_bound[k], "k=%d, %s: at most %d CZ (most used %d)", k, set->name, cz_bound[k],
                        most_cz);
}

/* Two-qubit classes that need fewer than 3 CZ. */
static void kron2(const double complex *hi, const double complex *lo, double complex *out)
{
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) out[i * 4 + j] = hi[(i >> 1) * 2 + (j >> 1)] * lo[(i & 1) * 2 + (j & 1)];
}

static void mul4(const double complex *a, const double complex *b, double complex *out)
{
    double complex t[16];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            t[i * 4 + j] = 0;
            for (int m = 0; m < 4; m++) t[i * 4 + j] += a[i * 4 + m] * b[m * 4 + j];
        }
    memcpy(out, t, sizeof t);
}

static void check_special_two_qubit(void)
{
    rng_stream r;
    rng_init(&r, 77, 8);
    double complex a[4], b[4], c[4], e[4], loc1[16], loc2[16], u[16];
    random_unitary(&r, 2, a);
    random_unitary(&r, 2, b);
    random_unitary(&r, 2, c);
    random_unitary(&r, 2, e);
    kron2(a, b, loc1);
    kron2(c, e, loc2);
    /* in the index i = b0 + 2 b1: CNOT with control qubit 0 flips bit 1 */
    double complex cnot[16] = {1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0};
    double complex swap[16] = {1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1};
    double complex xy[16] = {0};   /* exp(i(x XX + y YY)) on the reference's own terms */
    double x = 0.37, y = -0.21;
    xy[0] = xy[15] = cos(x - y);
    xy[3] = xy[12] = I * sin(x - y);
    xy[5] = xy[10] = cos(x + y);
    xy[6] = xy[9] = I * sin(x + y);
    double complex xx[16] = {0}, yy[16] = {0}, zz[16] = {0};   /* exp(i pi/4 PP), exp(-i pi/4 ZZ) */
    for (int i = 0; i < 4; i++) xx[i * 4 + i] = yy[i * 4 + i] = M_SQRT1_2;
    for (int i = 0; i < 4; i++) zz[i * 4 + i] = M_SQRT1_2 - I * M_SQRT1_2 * ((i == 0 || i == 3) ? 1 : -1);
    for (int i = 0; i < 4; i++) {
        xx[i * 4 + 3 - i] = I * M_SQRT1_2;
        yy[i * 4 + 3 - i] = I * M_SQRT1_2 * ((i == 0 || i == 3) ? -1 : 1);
    }
    struct { const char *name; const double complex *core; int want; } cases[] = {
        {"a local gate", NULL, 0}, {"CNOT between local gates", cnot, 1},
        {"exp(i pi/4 XX) between local gates", xx, 1}, {"exp(i pi/4 YY) between local gates", yy, 1},
        {"exp(-i pi/4 ZZ) between local gates", zz, 1},
        {"exp(i(a XX + b YY)) between local gates", xy, 2}, {"SWAP between local gates", swap, 3}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (cases[i].core) { mul4(cases[i].core, loc2, u); mul4(loc1, u, u); }
        else mul4(loc1, loc2, u);
        int cz, coupled;
        double err = unitary_error(2, u, NULL, &cz, &coupled);
        ok(err < TOL && cz == cases[i].want, "k=2: %s compiles to %d CZ (%d; %.2g)", cases[i].name, cases[i].want, cz,
           err);
    }
}

/* exp(i(a XX + b YY + c ZZ)) for every pattern of zero, +-pi/4 and generic
 * angles: exact, in 0, 1, 2 or 3 CZ. */
static void check_interactions(void)
{
    const double values[5] = {0, M_PI_4, -M_PI_4, 0.3, -0.55};
    double worst = 0;
    int counts_right = 1;
    for (int i = 0; i < 125; i++) {
        double ang[3] = {values[i % 5], values[i / 5 % 5], values[i / 25]};
        double complex u[16], term[16];
        for (int m = 0; m < 16; m++) u[m] = m % 5 == 0;
        for (int p = 0; p < 3; p++) {   /* cos t I + i sin t PP, PP of the reference's own Paulis */
            memset(term, 0, sizeof term);
            for (int r = 0; r < 4; r++) {
                term[r * 4 + r] = cos(ang[p]);
                double sign = p == 0 ? 1 : p == 1 ? ((r == 0 || r == 3) ? -1 : 1) : ((r == 0 || r == 3) ? 1 : -1);
                term[r * 4 + (p == 2 ? r : 3 - r)] += I * sin(ang[p]) * sign;
            }
            mul4(term, u, u);
        }
        native_op ops[16];
        int nops = blocks_compile_interaction(ang[0], ang[1], ang[2], ops), cz = 0;
        for (int m = 0; m < nops; m++) cz += ops[m].cz;
        int zero = 0, quarter = 0;
        for (int p = 0; p < 3; p++) { zero += ang[p] == 0; quarter += fabs(ang[p]) == M_PI_4; }
        int want = zero == 3 ? 0 : zero == 2 && quarter == 1 ? 1 : zero >= 1 ? 2 : 3;
        double complex m[256];
        ops_matrix(2, ops, nops, m);
        worst = fmax(worst, phase_distance(16, m, u));
        if (cz != want) { counts_right = 0; diag("(%g, %g, %g): %d CZ, want %d", ang[0], ang[1], ang[2], cz, want); }
    }
    ok(worst < TOL, "exp(i(a XX + b YY + c ZZ)) for 125 angle patterns (0, +-pi/4, generic) is exact (%.2g)", worst);
    ok(counts_right, "... in 0 CZ (no interaction), 1 (one +-pi/4), 2 (one angle zero), else 3");
}

/* (e) the encoding of x and U compiled one after the other (as a device runs
 * a fixed adapter circuit after each input's encoding, "compile": "separate"),
 * U the Cayley transform of a real or complex K. */
static void check_separate(int k, int complex_k, uint64_t seed)
{
    rng_stream r;
    rng_init(&r, seed, 9);
    int d = 1 << k, trials = k <= 3 ? 100 : 40;
    double worst = 0;
    native_op *ops = malloc((size_t)blocks_max_ops(k) * sizeof *ops);
    for (int trial = 0; trial < trials; trial++) {
        double complex u[MAXD * MAXD], x[MAXD], want[MAXD];
        random_cayley_of(&r, d, 1.0, complex_k, u);
        double norm = 0;
        for (int i = 0; i < d; i++) { x[i] = 2 * rng_uniform(&r) - 1; norm += creal(x[i] * x[i]); }
        for (int i = 0; i < d; i++) x[i] /= sqrt(norm);
        for (int i = 0; i < d; i++) {
            want[i] = 0;
            for (int j = 0; j < d; j++) want[i] += u[i * d + j] * x[j];
        }
        int nops = blocks_compile(k, x, u, NULL, ops);
        sv_state s;
        sv_init(&s, k);
        run_ops(k, ops, nops, &s);
        worst = fmax(worst, nops < 0 ? INFINITY : phase_distance(d, s.amp, want));
        sv_free(&s);
    }
    ok(worst < TOL_U, "k=%d %s K: encoding then U, compiled separately, gives U x/|x| (%d random K, x; %.2g)", k,
       complex_k ? "complex" : "real", trials, worst);
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

/* blocks_append_ops builds exactly what parsing the emitted text gives. */
static void check_append_matches_text(int originir)
{
    rng_stream r;
    rng_init(&r, 77 + originir, 5);
    int qubits[3] = {4, 1, 2}, nops = 0;
    native_op ops[40];
    for (int i = 0; i < 40; i++) {
        native_op *o = &ops[nops++];
        memset(o, 0, sizeof *o);
        o->cz = i % 5 == 2;
        o->q0 = (int)(rng_uniform(&r) * 3);
        o->q1 = (o->q0 + 1) % 3;
        o->theta = i % 7 == 0 ? 0 : (rng_uniform(&r) - 0.5) * 7;   /* theta 0: one rz */
        o->phi = (rng_uniform(&r) - 0.5) * 1e-3 * i;
        o->lambda = (rng_uniform(&r) - 0.5) * 9;
    }
    text_buf b = {0};
    int status = originir ? text_printf(&b, "QINIT 5\nCREG 1\n")
                          : text_printf(&b, "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[5];\ncreg c[1];\n");
    if (status == TN_OK)
        status = originir ? blocks_emit_originir(&b, ops, nops, qubits) : blocks_emit_qasm(&b, ops, nops, qubits);
    circuit *parsed = NULL, *built = NULL;
    int index;
    if (status == TN_OK)
        status = originir ? originir_parse_string(b.text, b.len, "t.ir", &parsed) : qasm_parse_string(b.text, b.len, "t.qasm", &parsed);
    if (status == TN_OK) status = circ_create("built", &built);
    if (status == TN_OK) status = circ_add_qreg(built, "q", 5, &index);
    if (status == TN_OK) status = blocks_append_ops(built, ops, nops, qubits, originir);
    int same = status == TN_OK && parsed->nops == built->nops;
    for (size_t i = 0; same && i < parsed->nops; i++) {
        const circ_op *a = &parsed->ops[i], *c = &built->ops[i];
        same = a->kind == c->kind && a->gate == c->gate && a->nqubits == c->nqubits && a->cond_reg == c->cond_reg &&
               memcmp(a->qubits, c->qubits, (size_t)a->nqubits * sizeof(int)) == 0 &&
               memcmp(a->params, c->params, sizeof a->params) == 0;
    }
    ok(same, "%s: blocks_append_ops builds the very operations the emitted text parses to (%zu ops, parameters "
       "bit for bit)", originir ? "OriginIR" : "OpenQASM 2", built ? built->nops : 0);
    free(b.text);
    circ_destroy(&parsed);
    circ_destroy(&built);
}

int main(void)
{
    check_append_matches_text(0);
    check_append_matches_text(1);
    for (int k = 1; k <= 4; k++) {
        check_compile(k, 0, 10 + k);
        check_compile(k, 1, 20 + k);
    }
    check_routed(3, 31);
    check_routed(4, 32);
    for (int k = 2; k <= 5; k++)
        for (size_t set = 0; set < sizeof UNITARY_SETS / sizeof UNITARY_SETS[0]; set++)
            check_unitary_set(k, &UNITARY_SETS[set], 100 * k + set);
    check_special_two_qubit();
    check_interactions();
    for (int k = 2; k <= 5; k++) {
        check_separate(k, 0, 60 + k);
        check_separate(k, 1, 70 + k);
    }
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
