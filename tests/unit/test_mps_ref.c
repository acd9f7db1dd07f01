/* test_mps_ref.c - the MPS engine (src/mps*.c) against the dense reference
 * (tests/ref/statevec.c):
 *  (a) random circuits of 1-, 2- and 3-qubit built-in gates and dense
 *      GATE_UNITARY blocks of 2-4 qubits on arbitrary qubit lists, adjacent
 *      and long range, on 2..12 qubits, untruncated, with the identity and a
 *      random qubit order: dense state, amplitudes, Pauli expectations, norm;
 *  (b) projections, measurements and resets: probabilities and states;
 *  (c) sampling: chi-square against the exact probabilities;
 *  (e) mps_outcome_probs: exact marginal distributions of random subsets of
 *      qubits (in random order) against the reference's |psi|^2 summed;
 *  (f) the zgesvd fallback when zgesdd fails (injected);
 *  (d) truncation to chi 4: bond dimensions, bookkeeping, and the true
 *      fidelity against the estimate (see check_truncation for the bounds).
 * Everything but (f) runs in both canonical forms: Vidal (the default) and
 * the centre form.
 * Not for: the distributed engine (test_mpi_engine.c). */
#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chisq.h"
#include "error.h"
#include "gates.h"
#include "mps.h"
#include "rng.h"
#include "statevec.h"
#include "tap.h"
#include "tsvd.h"

#define TOL 1e-10
#define MAX_N 12
#define NPROBES 10
#define BAND_MIN_ESTIMATE 0.05

/* A random k-qubit unitary: random phases, then many random two-level
 * (Givens) rotations, which together reach a dense generic unitary. */
/* Every check runs in both canonical forms of the engine (mps.h): Vidal
 * form (the default) and the centre form. */
static int center_form;

static const char *form_tag(void) { return center_form ? "centre form: " : ""; }

static int create_state(int n, const int *order, const mps_trunc *tr, mps **m)
{
    int status = mps_create(n, order, tr, m);
    if (status == TN_OK && center_form) status = mps_use_center_form(*m);
    return status;
}

static void random_unitary(rng_stream *r, int k, double complex *u)
{
    int d = 1 << k;
    memset(u, 0, (size_t)d * d * sizeof *u);
    for (int i = 0; i < d; i++) u[i * d + i] = cexp(2 * M_PI * I * rng_uniform(r));
    for (int t = 0; t < 3 * d * d; t++) {
        int a = (int)(rng_uniform(r) * d), b = (int)(rng_uniform(r) * d);
        if (a == b) continue;
        double th = rng_uniform(r) * M_PI, ph = rng_uniform(r) * 2 * M_PI;
        double complex c = cos(th), s = sin(th) * cexp(I * ph);
        for (int j = 0; j < d; j++) {
            double complex x = u[a * d + j], y = u[b * d + j];
            u[a * d + j] = c * x - conj(s) * y;
            u[b * d + j] = s * x + c * y;
        }
    }
}

/* k distinct random qubits of n, in random order. */
static void random_qubits(rng_stream *r, int n, int k, int *q)
{
    for (int j = 0; j < k; j++) {
        int dup;
        do {
            q[j] = (int)(rng_uniform(r) * n);
            dup = 0;
            for (int i = 0; i < j; i++) dup |= q[i] == q[j];
        } while (dup);
    }
}

/* A random gate operation on n qubits: 15% dense blocks of 2-4 qubits (in
 * block, which must hold 256 entries), else a random built-in gate. */
static void random_op(rng_stream *r, int n, circ_op *op, double complex *block)
{
    memset(op, 0, sizeof *op);
    op->kind = OP_GATE;
    op->cond_reg = -1;
    if (rng_uniform(r) < 0.15 && n >= 2) {
        op->gate = GATE_UNITARY;
        op->nqubits = 2 + (int)(rng_uniform(r) * 3);
        if (op->nqubits > n) op->nqubits = n;
        random_unitary(r, op->nqubits, block);
        op->matrix = block;
    } else {
        do op->gate = (int)(rng_uniform(r) * GATE_UNITARY);
        while (sv_gate_nqubits(op->gate) > n);
        op->nqubits = sv_gate_nqubits(op->gate);
        for (int i = 0; i < CIRC_MAX_PARAMS; i++) op->params[i] = (rng_uniform(r) - 0.5) * 4 * M_PI;
    }
    random_qubits(r, n, op->nqubits, op->qubits);
}

/* Applies one random gate to both states; returns the engine's status. */
static int random_step(rng_stream *r, int n, mps *m, sv_state *ref)
{
    circ_op op;
    double complex block[256];
    random_op(r, n, &op, block);
    sv_apply_op(ref, &op);
    return mps_apply_op(m, &op);
}

/* The largest amplitude difference |mps - ref| (1e300 if the export fails),
 * and the MPS's squared norm in *norm2 if norm2 is not NULL. */
static double dense_distance(mps *m, const sv_state *ref, double *norm2)
{
    size_t dim = (size_t)1 << ref->n;
    double complex *psi = malloc(dim * sizeof *psi);
    double worst = 1e300, sum = 0;
    if (psi && mps_to_dense(m, psi) == TN_OK) {
        worst = 0;
        for (size_t i = 0; i < dim; i++) {
            worst = fmax(worst, cabs(psi[i] - ref->amp[i]));
            sum += creal(psi[i] * conj(psi[i]));
        }
    }
    if (norm2) *norm2 = sum;
    free(psi);
    return worst;
}

/* A random order of n qubits on n sites (Fisher-Yates), or the identity. */
static void qubit_order(rng_stream *r, int n, int scramble, int *order)
{
    for (int q = 0; q < n; q++) order[q] = q;
    for (int q = n - 1; scramble && q > 0; q--) {
        int j = (int)(rng_uniform(r) * (q + 1)), t = order[q];
        order[q] = order[j];
        order[j] = t;
    }
}

/* Amplitudes of NPROBES random bitstrings and of the reference's largest one. */
static double amplitude_error(rng_stream *r, mps *m, const sv_state *ref)
{
    int n = ref->n;
    size_t biggest = 0;
    for (size_t i = 0; i < ((size_t)1 << n); i++)
        if (cabs(ref->amp[i]) > cabs(ref->amp[biggest])) biggest = i;
    double worst = 0;
    for (int t = 0; t <= NPROBES; t++) {
        unsigned char bits[MAX_N];
        size_t idx = 0;
        for (int q = 0; q < n; q++) {
            bits[q] = t == NPROBES ? (biggest >> q) & 1 : rng_uniform(r) < 0.5;
            idx |= (size_t)bits[q] << q;
        }
        double complex a;
        if (mps_amplitude(m, bits, &a) != TN_OK) return 1e300;
        worst = fmax(worst, cabs(a - ref->amp[idx]));
    }
    return worst;
}

/* Expectations of NPROBES random Pauli strings (and of the identity). */
static double pauli_error(rng_stream *r, mps *m, const sv_state *ref)
{
    int n = ref->n;
    double worst = 0;
    for (int t = 0; t <= NPROBES; t++) {
        char p[MAX_N + 1];
        for (int q = 0; q < n; q++) p[q] = t == NPROBES ? 'I' : "IXYZ"[(int)(rng_uniform(r) * 4)];
        p[n] = 0;
        double complex v;
        if (mps_expect_pauli(m, p, &v) != TN_OK) return 1e300;
        worst = fmax(worst, cabs(v - sv_expect_pauli(ref, p)));
    }
    return worst;
}

/* site_of and qubit_at are inverse permutations. */
static int permutation_consistent(const mps *m, int n)
{
    for (int q = 0; q < n; q++) {
        int s = mps_site_of(m, q);
        if (s < 0 || s >= n || mps_qubit_at(m, s) != q) return 0;
    }
    return 1;
}

/* (b) A few projections with outcomes drawn from the reference (among those
 * of probability > 1e-12), then mps_measure and mps_reset with random r. */
static void check_measurements(rng_stream *r, mps *m, sv_state *ref, const char *label)
{
    int n = ref->n, status = TN_OK;
    double worst_p = 0, worst_d = 0;
    for (int t = 0; t < 3 && status == TN_OK; t++) {
        int q = (int)(rng_uniform(r) * n);
        double p1 = sv_prob_one(ref, q);
        int outcome = p1 < 1e-12 ? 0 : p1 > 1 - 1e-12 ? 1 : rng_uniform(r) < p1;
        double pm = -1, pr = sv_project(ref, q, outcome);
        status = mps_project(m, q, outcome, &pm);
        worst_p = fmax(worst_p, fabs(pm - pr));
        worst_d = fmax(worst_d, dense_distance(m, ref, NULL));
    }
    if (!ok(status == TN_OK && worst_p < TOL && worst_d < TOL,
            "%s: 3 projections give the reference's probabilities and states", label))
        diag("status %d (%s), probability difference %.3g, amplitude difference %.3g", status, tn_last_message(),
             worst_p, worst_d);

    int q = (int)(rng_uniform(r) * n), outcome = -1;
    double rnd = rng_uniform(r), p1 = sv_prob_one(ref, q);
    status = mps_measure(m, q, rnd, &outcome);
    sv_project(ref, q, rnd < p1);
    double d = dense_distance(m, ref, NULL);
    if (!ok(status == TN_OK && outcome == (rnd < p1) && d < TOL,
            "%s: mps_measure(qubit %d, r %.3f) reads 1 iff r < P(1) = %.3f and collapses like the reference", label,
            q, rnd, p1))
        diag("status %d, outcome %d, amplitude difference %.3g", status, outcome, d);

    q = (int)(rng_uniform(r) * n);
    rnd = rng_uniform(r);
    p1 = sv_prob_one(ref, q);
    status = mps_reset(m, q, rnd);
    sv_reset(ref, q, rnd < p1);
    d = dense_distance(m, ref, NULL);
    if (!ok(status == TN_OK && d < TOL, "%s: mps_reset(qubit %d, r %.3f) equals the reference's reset", label, q, rnd))
        diag("status %d, amplitude difference %.3g", status, d);

    double pm = -1;
    status = mps_project(m, q, 1, &pm);
    if (!ok(status == TN_ERR_NUMERIC && pm == 0, "%s: projecting the reset qubit onto 1 fails with TN_ERR_NUMERIC",
            label))
        diag("status %d, probability %.3g", status, pm);
    tn_clear_error();
}

/* A built-in gate operation on q0 (and q1) with one parameter. */
static circ_op gate_op(int gate, int q0, int q1, double param)
{
    circ_op op;
    memset(&op, 0, sizeof op);
    op.kind = OP_GATE;
    op.gate = gate;
    op.nqubits = sv_gate_nqubits(gate);
    op.qubits[0] = q0;
    op.qubits[1] = q1;
    op.params[0] = param;
    op.cond_reg = -1;
    return op;
}

/* Projecting onto an outcome whose exact probability is 0 but whose computed
 * one is rounding noise (~1e-32) fails with TN_ERR_NUMERIC (mps.h's
 * MPS_PROJECT_MIN_PROB) instead of returning a state made of noise. */
static void check_noise_projection(void)
{
    mps_trunc tr = {0, 0};
    mps *m = NULL;
    sv_state ref;
    sv_init(&ref, 3);
    int status = create_state(3, NULL, &tr, &m), nops = 0;
    circ_op ops[2 + 4 * 5];
    ops[nops++] = gate_op(GATE_H, 0, 0, 0);
    ops[nops++] = gate_op(GATE_CX, 0, 1, 0);
    for (int t = 0; t < 5; t++) {   /* each round is the identity on qubit 2 in exact arithmetic */
        ops[nops++] = gate_op(GATE_RY, 2, 0, 0.3 + t);
        ops[nops++] = gate_op(GATE_CX, 2, 1, 0);
        ops[nops++] = gate_op(GATE_CX, 2, 1, 0);
        ops[nops++] = gate_op(GATE_RY, 2, 0, -0.3 - t);
    }
    for (int i = 0; i < nops && status == TN_OK; i++) {
        sv_apply_op(&ref, &ops[i]);
        status = mps_apply_op(m, &ops[i]);
    }
    double pm = -1, pr = sv_prob_one(&ref, 2);
    if (status == TN_OK) status = mps_project(m, 2, 1, &pm);
    if (!ok(status == TN_ERR_NUMERIC && pm < 1e-28,
            "projecting onto an outcome of rounding-level probability fails with TN_ERR_NUMERIC"))
        diag("status %d, engine probability %.3g, reference %.3g", status, pm, pr);
    tn_clear_error();
    mps_destroy(&m);
    sv_free(&ref);
}

/* (a) and (b) on one random circuit. */
static void check_random_circuit(int n, uint64_t seed, int scramble)
{
    char label[64];
    snprintf(label, sizeof label, "%sn=%d seed=%llu %s order", form_tag(), n, (unsigned long long)seed,
             scramble ? "random" : "identity");
    rng_stream r;
    rng_init(&r, seed, 1);
    int order[MAX_N], ngates = 20 * n;
    qubit_order(&r, n, scramble, order);
    mps_trunc tr = {0, 0};
    mps *m = NULL;
    sv_state ref;
    sv_init(&ref, n);
    int status = create_state(n, order, &tr, &m);
    for (int i = 0; i < ngates && status == TN_OK; i++) status = random_step(&r, n, m, &ref);
    if (!ok(status == TN_OK, "%s: %d random gates applied", label, ngates)) {
        diag("%s", tn_last_message());
        mps_destroy(&m);
        sv_free(&ref);
        return;
    }
    double norm2, d = dense_distance(m, &ref, &norm2);
    if (!ok(d < TOL, "%s: mps_to_dense equals the reference to 1e-10", label)) diag("largest difference %.3g", d);
    is_double(norm2, 1, TOL, "%s: norm preserved", label);
    double e = amplitude_error(&r, m, &ref);
    if (!ok(e < TOL, "%s: %d amplitudes equal the reference", label, NPROBES + 1)) diag("largest difference %.3g", e);
    e = pauli_error(&r, m, &ref);
    if (!ok(e < TOL, "%s: %d Pauli expectations equal the reference", label, NPROBES + 1))
        diag("largest difference %.3g", e);
    ok(fabs(mps_fidelity_estimate(m) - 1) < 1e-12 && mps_discarded_weight(m) < 1e-12,
       "%s: untruncated: fidelity estimate 1, discarded weight 0 (%.3g)", label, mps_discarded_weight(m));
    ok(permutation_consistent(m, n), "%s: site_of and qubit_at are inverse permutations", label);
    check_measurements(&r, m, &ref, label);
    mps_destroy(&m);
    sv_free(&ref);
}

/* (c) Chi-square of sampled counts against the exact probabilities. */
static void check_sampling(int n, uint64_t seed, int scramble)
{
    rng_stream r;
    rng_init(&r, seed, 2);
    int order[MAX_N];
    qubit_order(&r, n, scramble, order);
    mps_trunc tr = {0, 0};
    mps *m = NULL;
    sv_state ref;
    sv_init(&ref, n);
    int status = create_state(n, order, &tr, &m);
    for (int i = 0; i < 6 * n && status == TN_OK; i++) status = random_step(&r, n, m, &ref);
    const int shots = 20000, split = 7777;
    unsigned char *bits = malloc((size_t)shots * n), *again = malloc((size_t)shots * n);
    if (status == TN_OK) status = mps_sample(m, shots, seed, 3, bits);
    chisq_result cs = {0};
    int pass = status == TN_OK && chisq_check(&ref, bits, shots, &cs);
    if (!ok(pass, "%sn=%d %s order: %d samples pass chi-square (chi2 %.1f, %d bins, p %.3g)", form_tag(), n,
            scramble ? "random" : "identity", shots, cs.chi2, cs.bins, cs.p))
        diag("status %d (%s), bound %.1f, shots on impossible states %ld", status, tn_last_message(), cs.bound,
             cs.impossible);
    int same = status == TN_OK && mps_sample(m, shots, seed, 3, again) == TN_OK &&
               memcmp(bits, again, (size_t)shots * n) == 0;
    ok(same, "%sn=%d: the same seed and stream give the same samples", form_tag(), n);
    int ranges = status == TN_OK && mps_sample_range(m, 0, split, seed, 3, again) == TN_OK &&
                 mps_sample_range(m, split, shots - split, seed, 3, again + (size_t)split * n) == TN_OK &&
                 memcmp(bits, again, (size_t)shots * n) == 0;
    ok(ranges, "%sn=%d: shots drawn as two ranges equal those drawn at once", form_tag(), n);
    free(again);
    free(bits);
    mps_destroy(&m);
    sv_free(&ref);
}

/* (e) Marginal outcome distributions of k random qubits. */
static void check_outcome_probs(int n, uint64_t seed)
{
    rng_stream r;
    rng_init(&r, seed, 4);
    int order[MAX_N], qubits[MAX_N];
    qubit_order(&r, n, 1, order);
    mps_trunc tr = {0, 0};
    mps *m = NULL;
    sv_state ref;
    sv_init(&ref, n);
    int status = create_state(n, order, &tr, &m);
    for (int i = 0; i < 8 * n && status == TN_OK; i++) status = random_step(&r, n, m, &ref);
    size_t dim = (size_t)1 << n;
    double *full = malloc(dim * sizeof *full), *want = malloc(dim * sizeof *want), *got = malloc(dim * sizeof *got);
    sv_probabilities(&ref, full);
    const int sizes[] = {0, 1, 2, 3, n / 2 + 1, n};
    for (int t = 0; t < 6 && status == TN_OK; t++) {
        int k = sizes[t];
        random_qubits(&r, n, k, qubits);
        memset(want, 0, dim * sizeof *want);
        for (size_t x = 0; x < dim; x++) {
            size_t b = 0;
            for (int j = 0; j < k; j++) b |= (x >> qubits[j] & 1) << j;
            want[b] += full[x];
        }
        status = mps_outcome_probs(m, k, qubits, got);
        double worst = 0, total = 0;
        for (size_t b = 0; b < ((size_t)1 << k) && status == TN_OK; b++) {
            worst = fmax(worst, fabs(got[b] - want[b]));
            total += got[b];
        }
        if (!ok(status == TN_OK && worst < TOL && fabs(total - 1) < TOL,
                "%sn=%d: outcome probabilities of %d random qubits equal the reference's marginals", form_tag(), n, k))
            diag("status %d (%s), largest difference %.3g, sum %.15f", status, tn_last_message(), worst, total);
    }
    int too_many[MPS_MAX_OUTCOME_QUBITS + 1] = {0};
    ok(mps_outcome_probs(m, MPS_MAX_OUTCOME_QUBITS + 1, too_many, got) == TN_ERR_USAGE,
       "%sn=%d: more than %d outcome qubits is refused", form_tag(), n, MPS_MAX_OUTCOME_QUBITS);
    free(full); free(want); free(got);
    mps_destroy(&m);
    sv_free(&ref);
}

/* (f) A decomposition that fails to converge takes the fallback path: with
 * zgesdd made to fail (forced_failures, the injection hook), zgesvd gives the
 * same singular values and the same product U S V^dagger. */
static void check_svd_fallback(int m, int n, uint64_t seed)
{
    rng_stream r;
    rng_init(&r, seed, 7);
    size_t len = (size_t)m * n;
    double complex *a = malloc(len * sizeof *a), *b = malloc(len * sizeof *b), *orig = malloc(len * sizeof *orig);
    for (size_t i = 0; i < len; i++) orig[i] = (2 * rng_uniform(&r) - 1) + I * (2 * rng_uniform(&r) - 1);
    tsvd_work w1, w2;
    memset(&w1, 0, sizeof w1);
    memset(&w2, 0, sizeof w2);
    tsvd_trunc t = {0, 0};
    tsvd_result r1, r2;
    memcpy(a, orig, len * sizeof *a);
    memcpy(b, orig, len * sizeof *b);
    w2.forced_failures = 1;
    int s1 = tsvd_truncated(&w1, m, n, a, &t, &r1), s2 = tsvd_truncated(&w2, m, n, b, &t, &r2);
    double worst = 0;
    for (int k = 0; s1 == TN_OK && s2 == TN_OK && k < r1.rank && k < r2.rank; k++) worst = fmax(worst, fabs(r1.s[k] - r2.s[k]));
    /* the product of the fallback's factors reproduces the matrix */
    double rec = 0;
    for (int i = 0; s2 == TN_OK && i < m; i++)
        for (int j = 0; j < n; j++) {
            double complex x = 0;
            for (int k = 0; k < r2.rank; k++) x += r2.u[i + (size_t)m * k] * r2.s[k] * r2.vt[k + (size_t)r2.ldvt * j];
            rec = fmax(rec, cabs(x - orig[i + (size_t)m * j]));
        }
    ok(s1 == TN_OK && s2 == TN_OK && w2.fallbacks == 1 && w1.fallbacks == 0 && r1.rank == r2.rank && worst < 1e-12 &&
       rec < 1e-12, "%dx%d: a zgesdd that fails (injected) falls back to zgesvd: same singular values (%.2g), "
       "U S V^H = M (%.2g)", m, n, worst, rec);
    tsvd_work_free(&w1);
    tsvd_work_free(&w2);
    free(a); free(b); free(orig);
}

/* A rigorous lower bound on the Fubini-Study angle between the exact and the
 * truncated state after one operation that made `count` decompositions whose
 * (1 - discarded weight) multiply to `product`. Each truncation of the
 * canonical form is an orthogonal projection that keeps the fraction 1 - w
 * of the squared norm, i.e. moves the ray by the angle arccos sqrt(1 - w);
 * with a = -ln(1 - w) that angle is g(a) = arccos(e^{-a/2}), concave in a
 * with g(0) = 0, so by Jensen the angles of the operation sum to at most
 * count * g(-ln(product) / count). */
static double op_angle_bound(double product, size_t count)
{
    if (count == 0 || product >= 1) return 0;
    return (double)count * acos(pow(product, 0.5 / (double)count));
}

/* (d) max_chi 4 on a 10-qubit random circuit.
 *
 * What is checked about the fidelity F = |<ref|mps>|^2, and why:
 *  - a rigorous bound. Unitaries preserve the Fubini-Study distance between
 *    rays and it obeys the triangle inequality, so the exact and truncated
 *    states differ by at most the sum of the angles of the truncations
 *    (op_angle_bound per operation, from the estimate's changes and the
 *    decomposition count): F >= cos^2(min(pi/2, sum)). This holds for any
 *    circuit as long as each truncation is the orthogonal projection the
 *    engine reports (which needs the canonical form to be intact);
 *  - an empirical band. The estimate prod(1 - w) is exact when each
 *    discarded part stays orthogonal to what is kept afterwards; it is
 *    neither an upper nor a lower bound in general. For random circuits it
 *    tracks F closely (Zhou, Stoudenmire, Waintal, PRX 10, 041038); we only
 *    ask F / estimate in [1/2, 2], a loose band for fixed seeds, not a law,
 *    and only while the estimate is at least BAND_MIN_ESTIMATE: near the
 *    overlap 2^-n of unrelated states F stops falling and the ratio grows
 *    (on 36 trial circuits the ratio stayed within 10% above 0.05 and reached
 *    4 below 0.01). The rigorous bound is loose (it is vacuous beyond a few
 *    dozen truncating gates), so it bites only in the weakly truncated case.
 *  - bookkeeping: 1 - estimate <= total weight <= -ln(estimate) (from
 *    prod(1 - w) >= 1 - sum w and -ln(1 - w) >= w). */
static void check_truncation(uint64_t seed, int ngates)
{
    const int n = 10, max_chi = 4;
    rng_stream r;
    rng_init(&r, seed, 4);
    mps_trunc tr = {max_chi, 0};
    mps *m = NULL;
    sv_state ref;
    sv_init(&ref, n);
    int status = create_state(n, NULL, &tr, &m), worst_bond = 0;
    double angle = 0;
    for (int i = 0; i < ngates && status == TN_OK; i++) {
        double f0 = mps_fidelity_estimate(m);
        size_t c0 = mps_decompositions(m);
        status = random_step(&r, n, m, &ref);
        angle += op_angle_bound(mps_fidelity_estimate(m) / f0, mps_decompositions(m) - c0);
        if (mps_max_bond(m) > worst_bond) worst_bond = mps_max_bond(m);
    }
    if (!ok(status == TN_OK, "%schi=4 seed=%llu: %d random gates applied", form_tag(), (unsigned long long)seed, ngates))
        diag("%s", tn_last_message());
    ok(worst_bond <= max_chi, "%schi=4 seed=%llu: no bond ever exceeded 4 (largest %d)", form_tag(), (unsigned long long)seed,
       worst_bond);
    double est = mps_fidelity_estimate(m), w = mps_discarded_weight(m);
    ok(est > 0 && est <= 1, "%schi=4 seed=%llu: fidelity estimate %.4f is in (0, 1]", form_tag(), (unsigned long long)seed, est);
    ok(w > 0 && 1 - est <= w * (1 + 1e-12) && w <= -log(est) * (1 + 1e-12),
       "%schi=4 seed=%llu: 1 - estimate <= discarded weight %.4g <= -ln(estimate)", form_tag(), (unsigned long long)seed, w);
    size_t dim = (size_t)1 << n;
    double complex *psi = malloc(dim * sizeof *psi), overlap = 0;
    double norm2 = 0;
    if (status == TN_OK) status = mps_to_dense(m, psi);
    for (size_t i = 0; i < dim && status == TN_OK; i++) {
        overlap += conj(ref.amp[i]) * psi[i];
        norm2 += creal(psi[i] * conj(psi[i]));
    }
    is_double(norm2, 1, 1e-12, "%schi=4 seed=%llu: the truncated state stays normalised", form_tag(), (unsigned long long)seed);
    double f = creal(overlap * conj(overlap)), lower = angle < M_PI / 2 ? pow(cos(angle), 2) : 0;
    ok(f >= lower - 1e-12, "%schi=4 seed=%llu: true fidelity %.4f >= rigorous bound cos^2(%.3f) = %.4f", form_tag(),
       (unsigned long long)seed, f, angle, lower);
    if (est >= BAND_MIN_ESTIMATE)
        ok(f >= est / 2 && f <= fmin(1, 2 * est),
           "%schi=4 seed=%llu: true fidelity %.4f within a factor 2 of the estimate %.4f", form_tag(), (unsigned long long)seed, f,
           est);
    else
        skip("chi=4 seed=%llu: estimate %.4f (true fidelity %.4f) is too near the 2^-10 overlap of unrelated states "
             "for the band", (unsigned long long)seed, est, f);
    free(psi);
    mps_destroy(&m);
    sv_free(&ref);
}

static void run_checks(void)
{
    for (int n = 2; n <= MAX_N; n++) {
        check_random_circuit(n, 100 + n, 0);
        check_random_circuit(n, 200 + n, 1);
    }
    check_noise_projection();
    check_sampling(6, 7, 0);
    check_sampling(8, 8, 1);
    check_sampling(10, 9, 1);
    if (!center_form) {   /* the decomposition itself: once */
        check_svd_fallback(6, 9, 41);
        check_svd_fallback(40, 24, 42);
    }
    check_outcome_probs(5, 11);
    check_outcome_probs(9, 12);
    check_outcome_probs(12, 13);
    check_truncation(99, 30);
    check_truncation(98, 60);
    check_truncation(97, 120);
}

int main(void)
{
    for (center_form = 0; center_form < 2; center_form++) run_checks();
    return done_testing();
}
