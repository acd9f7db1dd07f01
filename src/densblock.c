/* densblock.c - exact noisy distributions of independent blocks, one small
 * density matrix per block (see densblock.h), and exact multinomial shots.
 * The noise comes from the trajectory path's own plan (noisy_plan_create),
 * walked step by step, so both paths see the same schedule and channels.
 * Not for: deciding which path a run takes (adapters.c), trajectories (run.c). */
#include "densblock.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "gates.h"
#include "noisy.h"

enum {
    INDEPENDENT, WHY_WIDE, WHY_DEPHASING, WHY_COUPLED_NOISE, WHY_DYNAMIC, WHY_AFTER_MEASURE, WHY_WIDE_GATE,
    WHY_GATE_JOINS, WHY_GATE_OUTSIDE, WHY_COUNT
};
static const char *const reasons[WHY_COUNT] = {
    "the blocks are independent",
    "blocks wider than 6 qubits",
    "1/f dephasing is correlated in time",
    "the noise model couples qubits of different blocks (static ZZ)",
    "the circuit resets or has conditions",
    "an operation follows a measurement",
    "a gate wider than 3 qubits",
    "a gate joins two blocks",
    "a gate on a qubit outside every block",
};

const char *densblock_reason(int why_not)
{
    return why_not >= 0 && why_not < WHY_COUNT ? reasons[why_not] : "unknown";
}

/* rho (d x d, row-major; bit j of an index = block qubit j) with the
 * nq-qubit matrix m applied to the rows (side 0: m rho) or to the columns
 * (side 1: rho m^dagger). pos[0] is m's most significant qubit. */
static void apply_side(double complex *rho, int k, const double complex *m, int nq, const int *pos, int side)
{
    int d = 1 << k, dm = 1 << nq;
    size_t mask = 0;
    size_t offs[8];
    for (int a = 0; a < nq; a++) mask |= (size_t)1 << pos[a];
    for (int a = 0; a < dm; a++) {
        offs[a] = 0;
        for (int j = 0; j < nq; j++)
            if ((a >> (nq - 1 - j)) & 1) offs[a] |= (size_t)1 << pos[j];
    }
    for (int other = 0; other < d; other++)
        for (size_t base = 0; base < (size_t)d; base++) {
            if (base & mask) continue;
            double complex in[8], out[8];
            for (int a = 0; a < dm; a++)
                in[a] = side ? rho[(size_t)other * d + (base | offs[a])] : rho[(base | offs[a]) * d + other];
            for (int a = 0; a < dm; a++) {
                out[a] = 0;
                for (int b = 0; b < dm; b++)
                    out[a] += (side ? conj(m[a * dm + b]) : m[a * dm + b]) * in[b];
            }
            for (int a = 0; a < dm; a++) {
                if (side) rho[(size_t)other * d + (base | offs[a])] = out[a];
                else rho[(base | offs[a]) * d + other] = out[a];
            }
        }
}

/* The matrix entry index of block index i for a gate on positions pos[]. */
static int gate_index(size_t i, int nq, const int *pos)
{
    int a = 0;
    for (int j = 0; j < nq; j++) a = a << 1 | (int)((i >> pos[j]) & 1);
    return a;
}

static int is_diagonal(const double complex *u, int dm)
{
    for (int r = 0; r < dm; r++)
        for (int c = 0; c < dm; c++)
            if (r != c && u[r * dm + c] != 0) return 0;
    return 1;
}

/* rho -> u rho u^dagger; a diagonal u (rz, cz, ZZ phases) scales each entry. */
static void apply_unitary(double complex *rho, int k, const double complex *u, int nq, const int *pos)
{
    int d = 1 << k, dm = 1 << nq;
    if (is_diagonal(u, dm)) {
        double complex diag[1 << DENSBLOCK_MAX_K];
        for (int i = 0; i < d; i++) { int a = gate_index((size_t)i, nq, pos); diag[i] = u[a * dm + a]; }
        for (int r = 0; r < d; r++)
            for (int c = 0; c < d; c++) rho[(size_t)r * d + c] *= diag[r] * conj(diag[c]);
        return;
    }
    apply_side(rho, k, u, nq, pos, 0);
    apply_side(rho, k, u, nq, pos, 1);
}

/* A Pauli channel: sum_a p_a P_a rho P_a, each P_a a signed permutation
 * (X and Y flip bits, Z and Y give signs, Y a factor i). */
static void apply_pauli(double complex *rho, double complex *acc, int k, const channel *ch, const int *pos)
{
    int d = 1 << k, nq = ch->nqubits;
    memset(acc, 0, (size_t)d * d * sizeof *acc);
    for (int idx = 0; idx < ch->nops; idx++) {
        double p = ch->probs[idx];
        if (p == 0) continue;
        size_t flip = 0;
        double complex phase[1 << DENSBLOCK_MAX_K];   /* P|i> = phase[i] |i ^ flip> */
        for (int i = 0; i < d; i++) phase[i] = 1;
        for (int j = 0; j < nq; j++) {
            int letter = (idx >> (2 * (nq - 1 - j))) & 3;
            size_t bit = (size_t)1 << pos[j];
            if (letter == 1 || letter == 2) flip |= bit;
            for (int i = 0; i < d && letter >= 2; i++) {
                int one = (i & bit) != 0;
                phase[i] *= letter == 3 ? (one ? -1 : 1) : (one ? -I : I);   /* Y|0> = i|1>, Y|1> = -i|0> */
            }
        }
        for (int r = 0; r < d; r++)
            for (int c = 0; c < d; c++)
                acc[((size_t)r ^ flip) * d + ((size_t)c ^ flip)] += p * phase[r] * conj(phase[c]) * rho[(size_t)r * d + c];
    }
    memcpy(rho, acc, (size_t)d * d * sizeof *rho);
}

/* A one-qubit channel through its 4 x 4 superoperator S = sum_i K_i (x) conj(K_i):
 * rho'[a b'] = sum S[(a b), (a' b')] rho[a' b'] on the qubit's row and column bits. */
static void apply_superop_1q(double complex *rho, int k, const double complex *kops, const double *probs, int nops,
                             int p)
{
    double complex sop[16] = {0};
    for (int i = 0; i < nops; i++) {
        const double complex *K = kops + (size_t)i * 4;
        double w = probs ? probs[i] : 1;
        if (w == 0) continue;
        for (int a = 0; a < 2; a++)
            for (int b = 0; b < 2; b++)
                for (int a2 = 0; a2 < 2; a2++)
                    for (int b2 = 0; b2 < 2; b2++)
                        sop[(a * 2 + b) * 4 + a2 * 2 + b2] += w * K[a * 2 + a2] * conj(K[b * 2 + b2]);
    }
    int d = 1 << k;
    size_t bit = (size_t)1 << p;
    for (size_t r = 0; r < (size_t)d; r++) {
        if (r & bit) continue;
        for (size_t c = 0; c < (size_t)d; c++) {
            if (c & bit) continue;
            double complex in[4] = {rho[r * d + c], rho[r * d + (c | bit)], rho[(r | bit) * d + c],
                                    rho[(r | bit) * d + (c | bit)]};
            double complex out[4];
            for (int a = 0; a < 4; a++)
                out[a] = sop[a * 4] * in[0] + sop[a * 4 + 1] * in[1] + sop[a * 4 + 2] * in[2] + sop[a * 4 + 3] * in[3];
            rho[r * d + c] = out[0];
            rho[r * d + (c | bit)] = out[1];
            rho[(r | bit) * d + c] = out[2];
            rho[(r | bit) * d + (c | bit)] = out[3];
        }
    }
}

/* acc += w K rho K^dagger (tmp: scratch of d x d). */
static void add_term(double complex *acc, const double complex *rho, double complex *tmp, int k, double w,
                     const double complex *kop, int nq, const int *pos)
{
    size_t dd = (size_t)1 << (2 * k);
    memcpy(tmp, rho, dd * sizeof *tmp);
    apply_unitary(tmp, k, kop, nq, pos);   /* K rho K^dagger: the same two sides, K need not be unitary */
    for (size_t i = 0; i < dd; i++) acc[i] += w * tmp[i];
}

/* rho -> the channel applied to rho, exactly. */
static void apply_channel(double complex *rho, double complex *acc, double complex *tmp, int k, const channel *ch,
                          const int *pos)
{
    int nq = ch->nqubits, dm = 1 << nq;
    size_t dd = (size_t)1 << (2 * k);
    if (ch->kind == CHANNEL_PAULI) { apply_pauli(rho, acc, k, ch, pos); return; }
    if (nq == 1) {
        apply_superop_1q(rho, k, ch->ops, ch->kind == CHANNEL_MIXED_UNITARY ? ch->probs : NULL, ch->nops, pos[0]);
        return;
    }
    memset(acc, 0, dd * sizeof *acc);   /* wider mixed-unitary and Kraus sets: sum_i w_i K_i rho K_i^dagger */
    for (int i = 0; i < ch->nops; i++) {
        if (ch->kind == CHANNEL_MIXED_UNITARY) {
            if (ch->probs[i] == 0) continue;
            add_term(acc, rho, tmp, k, ch->probs[i], ch->ops + (size_t)i * dm * dm, nq, pos);
        } else {
            add_term(acc, rho, tmp, k, 1, ch->ops + (size_t)i * dm * dm, nq, pos);
        }
    }
    memcpy(rho, acc, dd * sizeof *rho);
}

typedef struct {
    int k, nblocks;
    const int *block_of, *pos_of;   /* per circuit qubit: its block (-1: none) and position in it */
    double complex *rho;            /* nblocks x d x d */
    double complex *acc, *tmp;      /* scratch, d x d each */
    int why_not;                    /* 0, or why the blocks are not independent */
} dens_blocks;

/* The block all of qubits[] belong to (their positions in pos), -1 when all
 * are outside every block, -2 when they span blocks (or a block and outside). */
static int block_of_qubits(const dens_blocks *db, int nq, const int *qubits, int *pos)
{
    int b = db->block_of[qubits[0]];
    for (int j = 0; j < nq; j++) {
        if (db->block_of[qubits[j]] != b) return -2;
        pos[j] = db->pos_of[qubits[j]];
    }
    return b;
}

static double complex *block_rho(dens_blocks *db, int b)
{
    return db->rho + ((size_t)b << (2 * db->k));
}

static void apply_steps(dens_blocks *db, const noisy_plan *plan, size_t i, int pre)
{
    size_t from, to;
    noisy_step_range(plan, i, pre, &from, &to);
    for (size_t s = from; s < to && !db->why_not; s++) {
        noisy_step_view v;
        noisy_step_get(plan, s, &v);
        if (v.kind == NOISY_STEP_DEPHASE) { db->why_not = WHY_DEPHASING; return; }
        int pos[CHANNEL_MAX_QUBITS];
        int b = block_of_qubits(db, v.nq, v.qubits, pos);
        if (b == -2) { db->why_not = WHY_COUPLED_NOISE; return; }
        if (b < 0) continue;   /* a qubit outside every block carries no gate: it stays apart */
        double complex *rho = block_rho(db, b);
        if (v.kind == NOISY_STEP_UNITARY) apply_unitary(rho, db->k, v.unitary, v.nq, pos);
        else apply_channel(rho, db->acc, db->tmp, db->k, v.ch, pos);
    }
}

/* Applies operation i (and its noise) to its block. */
static void apply_op(dens_blocks *db, const circuit *c, const noisy_plan *plan, size_t i, unsigned char *measured)
{
    const circ_op *op = &c->ops[i];
    if (op->kind == OP_BARRIER) return;
    if (op->kind == OP_RESET || op->cond_reg >= 0) { db->why_not = WHY_DYNAMIC; return; }
    for (int j = 0; j < op->nqubits; j++)
        if (measured[op->qubits[j]]) { db->why_not = WHY_AFTER_MEASURE; return; }
    if (op->kind == OP_MEASURE) { measured[op->qubits[0]] = 1; return; }
    int pos[CIRC_MAX_GATE_QUBITS];
    if (op->nqubits > 3) { db->why_not = WHY_WIDE_GATE; return; }
    int b = block_of_qubits(db, op->nqubits, op->qubits, pos);
    if (b == -2) { db->why_not = WHY_GATE_JOINS; return; }
    if (b == -1) { db->why_not = WHY_GATE_OUTSIDE; return; }
    if (plan) apply_steps(db, plan, i, 1);
    if (db->why_not) return;
    double complex buf[64];
    const double complex *u = buf;
    if (op->gate == GATE_UNITARY) u = op->matrix;
    else gate_matrix(op->gate, op->params, buf);
    apply_unitary(block_rho(db, b), db->k, u, op->nqubits, pos);
    if (plan) apply_steps(db, plan, i, 0);
}

static void block_distribution(dens_blocks *db, const noisy_plan *plan, int b, const int *qubits, double *probs)
{
    int d = 1 << db->k;
    const double complex *rho = block_rho(db, b);
    double total = 0;
    for (int i = 0; i < d; i++) total += probs[i] = fmax(creal(rho[(size_t)i * d + i]), 0);
    for (int i = 0; i < d; i++) probs[i] = total > 0 ? probs[i] / total : (i == 0);
    if (plan) noisy_readout_probs(plan, probs, db->k, qubits);
}

int densblock_probs(const circuit *c, const noise_model *noise, int k, int nblocks, const int *blocks, double *probs,
                    int *why_not)
{
    *why_not = INDEPENDENT;
    if (k < 1 || k > DENSBLOCK_MAX_K) { *why_not = WHY_WIDE; return TN_OK; }
    int d = 1 << k, n = c->nqubits;
    size_t dd = (size_t)d * d;
    dens_blocks db = {k, nblocks, NULL, NULL, NULL, NULL, NULL, INDEPENDENT};
    int *block_of = tn_malloc(((size_t)n + 1) * sizeof(int)), *pos_of = tn_malloc(((size_t)n + 1) * sizeof(int));
    unsigned char *measured = tn_calloc((size_t)n + 1, 1);
    db.rho = tn_calloc((size_t)nblocks * dd, sizeof *db.rho);
    db.acc = tn_malloc(2 * dd * sizeof *db.acc);
    noisy_plan *plan = NULL;
    int status = block_of && pos_of && measured && db.rho && db.acc ? TN_OK : TN_ERR_MEMORY;
    if (status == TN_OK) {
        db.tmp = db.acc + dd;
        for (int q = 0; q < n; q++) block_of[q] = pos_of[q] = -1;
        for (int b = 0; b < nblocks; b++)
            for (int j = 0; j < k; j++) {
                int q = blocks[(size_t)b * k + j];
                if (q < 0 || q >= n) status = tn_fail(TN_ERR_INTERNAL, "internal error: block qubit %d of %d", q, n);
                else { block_of[q] = b; pos_of[q] = j; }
            }
        for (int b = 0; b < nblocks; b++) block_rho(&db, b)[0] = 1;   /* |0..0><0..0| */
        db.block_of = block_of;
        db.pos_of = pos_of;
    }
    if (status == TN_OK && noise) {
        noisy_options opt = {0, 0, 0, 0};
        status = noisy_plan_create(noise, c, &opt, &plan);
    }
    for (size_t i = 0; i < c->nops && status == TN_OK && !db.why_not; i++) apply_op(&db, c, plan, i, measured);
    if (status == TN_OK && plan && !db.why_not) apply_steps(&db, plan, c->nops, 0);
    for (int b = 0; b < nblocks && status == TN_OK && !db.why_not; b++)
        block_distribution(&db, plan, b, blocks + (size_t)b * k, probs + (size_t)b * d);
    *why_not = db.why_not;
    noisy_plan_destroy(&plan);
    free(block_of); free(pos_of); free(measured); free(db.rho); free(db.acc);
    return status;
}

/* ---- shots ------------------------------------------------------------------ */

long densblock_binomial(rng_stream *r, long n, double p)
{
    if (n <= 0 || !(p > 0)) return 0;
    if (p >= 1) return n;
    double q = 1 - p, u = rng_uniform(r);
    long mode = (long)floor((double)(n + 1) * p);
    if (mode > n) mode = n;
    double f = exp(lgamma((double)n + 1) - lgamma((double)mode + 1) - lgamma((double)(n - mode) + 1) +
                   (double)mode * log(p) + (double)(n - mode) * log1p(-p));
    double acc = f, flo = f, fhi = f;
    long lo = mode, hi = mode;
    if (u < acc) return mode;
    /* outward from the mode, alternately down and up: an inversion in that
     * order of the outcomes, so O(standard deviation) steps */
    for (;;) {
        int down = lo > 0 && flo > 1e-300, up = hi < n && fhi > 1e-300;
        if (!down && !up) return mode;   /* u beyond the rounding of the total */
        if (down) {
            flo *= (double)lo / (double)(n - lo + 1) * q / p;
            lo--;
            acc += flo;
            if (u < acc) return lo;
        }
        if (up) {
            fhi *= (double)(n - hi) / (double)(hi + 1) * p / q;
            hi++;
            acc += fhi;
            if (u < acc) return hi;
        }
    }
}

void densblock_multinomial(rng_stream *r, long shots, const double *probs, int n, long *counts)
{
    double total = 0;
    for (int i = 0; i < n; i++) total += probs[i] > 0 ? probs[i] : 0;
    double rest = total;
    long left = shots;
    for (int i = 0; i < n; i++) {
        double p = probs[i] > 0 ? probs[i] : 0;
        if (i == n - 1 || rest <= 0) { counts[i] = i == n - 1 ? left : 0; continue; }
        counts[i] = densblock_binomial(r, left, p >= rest ? 1 : p / rest);
        left -= counts[i];
        rest -= p;
    }
}
