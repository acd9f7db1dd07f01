/* test_mps_ref.c - the MPS engine against the dense reference: random
 * circuits of 1-, 2- and 3-qubit gates and dense blocks, adjacent and long
 * range, under scrambled qubit orders; amplitudes, Pauli expectations,
 * projections, sampling (chi-square) and truncation bookkeeping. */
#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "gates.h"
#include "mps.h"
#include "rng.h"
#include "chisq.h"
#include "statevec.h"
#include "tap.h"

/* A random k-qubit unitary: QR-free, as a product of random two-level rotations. */
static void random_unitary(rng_stream *r, int k, double complex *u)
{
    int d = 1 << k;
    memset(u, 0, (size_t)d * d * sizeof *u);
    for (int i = 0; i < d; i++) u[i * d + i] = cexp(I * 6.283 * rng_uniform(r));
    for (int t = 0; t < 3 * d * d; t++) {
        int a = (int)(rng_uniform(r) * d), b = (int)(rng_uniform(r) * d);
        if (a == b) continue;
        double th = rng_uniform(r) * 3.14, ph = rng_uniform(r) * 6.28;
        double complex c = cos(th), s = sin(th) * cexp(I * ph);
        for (int j = 0; j < d; j++) {
            double complex x = u[a * d + j], y = u[b * d + j];
            u[a * d + j] = c * x - conj(s) * y;
            u[b * d + j] = s * x + c * y;
        }
    }
}

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

/* Applies one random gate to both states. */
static int random_step(rng_stream *r, int n, mps *m, sv_state *ref)
{
    circ_op op;
    memset(&op, 0, sizeof op);
    op.kind = OP_GATE;
    op.cond_reg = -1;
    double complex block[256];
    double pick = rng_uniform(r);
    if (pick < 0.15 && n >= 2) {   /* a dense block of 2-4 qubits */
        op.gate = GATE_UNITARY;
        op.nqubits = 2 + (int)(rng_uniform(r) * 3);
        if (op.nqubits > n) op.nqubits = n;
        random_unitary(r, op.nqubits, block);
        op.matrix = block;
    } else {
        do op.gate = (int)(rng_uniform(r) * GATE_UNITARY);
        while (gate_get_info(op.gate)->nqubits > n);
        op.nqubits = gate_get_info(op.gate)->nqubits;
        for (int i = 0; i < 4; i++) op.params[i] = (rng_uniform(r) - 0.5) * 7;
    }
    random_qubits(r, n, op.nqubits, op.qubits);
    sv_apply_op(ref, &op);
    return mps_apply_op(m, &op);
}

static double dense_distance(mps *m, const sv_state *ref)
{
    size_t dim = (size_t)1 << ref->n;
    double complex *psi = malloc(dim * sizeof *psi);
    double worst = 1e300;
    if (psi && mps_to_dense(m, psi) == TN_OK) {
        worst = 0;
        for (size_t i = 0; i < dim; i++) worst = fmax(worst, cabs(psi[i] - ref->amp[i]));
    }
    free(psi);
    return worst;
}

static void check_random_circuit(int n, int ngates, uint64_t seed, int scramble)
{
    rng_stream r;
    rng_init(&r, seed, 1);
    int order[32];
    for (int q = 0; q < n; q++) order[q] = q;
    for (int q = n - 1; scramble && q > 0; q--) {
        int j = (int)(rng_uniform(&r) * (q + 1)), t = order[q];
        order[q] = order[j];
        order[j] = t;
    }
    mps_trunc tr = {0, 0};
    mps *m;
    sv_state ref;
    sv_init(&ref, n);
    int status = mps_create(n, order, &tr, &m);
    for (int i = 0; i < ngates && status == TN_OK; i++) status = random_step(&r, n, m, &ref);
    if (!ok(status == TN_OK, "n=%d seed=%llu%s: %d random gates applied", n, (unsigned long long)seed,
            scramble ? " scrambled order" : "", ngates)) {
        diag("%s", tn_last_message());
        mps_destroy(&m);
        sv_free(&ref);
        return;
    }
    double d = dense_distance(m, &ref);
    if (!ok(d < 1e-10, "n=%d seed=%llu: state equals the reference to 1e-10", n, (unsigned long long)seed))
        diag("largest amplitude difference %.3g", d);
    double worst = 0;
    for (int t = 0; t < 10; t++) {
        unsigned char bits[32];
        size_t idx = 0;
        for (int q = 0; q < n; q++) { bits[q] = rng_uniform(&r) < 0.5; idx |= (size_t)bits[q] << q; }
        double complex a;
        mps_amplitude(m, bits, &a);
        worst = fmax(worst, cabs(a - ref.amp[idx]));
    }
    ok(worst < 1e-10, "n=%d seed=%llu: 10 amplitudes equal the reference", n, (unsigned long long)seed);
    worst = 0;
    for (int t = 0; t < 10; t++) {
        char p[33];
        for (int q = 0; q < n; q++) p[q] = "IXYZ"[(int)(rng_uniform(&r) * 4)];
        double complex v;
        mps_expect_pauli(m, p, &v);
        worst = fmax(worst, cabs(v - sv_expect_pauli(&ref, p)));
    }
    ok(worst < 1e-10, "n=%d seed=%llu: 10 Pauli expectations equal the reference", n, (unsigned long long)seed);
    int q = (int)(rng_uniform(&r) * n), outcome = sv_prob_one(&ref, q) > 0.5;
    double pm, pr = sv_project(&ref, q, outcome);
    status = mps_project(m, q, outcome, &pm);
    ok(status == TN_OK && fabs(pm - pr) < 1e-10 && dense_distance(m, &ref) < 1e-10,
       "n=%d seed=%llu: projecting qubit %d gives the reference's probability and state", n,
       (unsigned long long)seed, q);
    ok(fabs(mps_fidelity_estimate(m) - 1) < 1e-12, "n=%d: untruncated fidelity estimate is 1", n);
    mps_destroy(&m);
    sv_free(&ref);
}

/* Chi-square of sampled counts against exact probabilities (bins >= 5 expected). */
static void check_sampling(int n, uint64_t seed)
{
    rng_stream r;
    rng_init(&r, seed, 2);
    mps_trunc tr = {0, 0};
    mps *m;
    sv_state ref;
    sv_init(&ref, n);
    mps_create(n, NULL, &tr, &m);
    for (int i = 0; i < 6 * n; i++) random_step(&r, n, m, &ref);
    int shots = 20000;
    unsigned char *bits = malloc((size_t)shots * n);
    int status = mps_sample(m, shots, seed, 3, bits);
    chisq_result cs;
    int pass = chisq_check(&ref, bits, shots, &cs);
    double chi2 = cs.chi2, bound = cs.bound;
    int bins = cs.bins;
    if (!ok(status == TN_OK && pass, "n=%d: %d samples pass chi-square (%.1f < %.1f, %d bins)", n, shots,
            chi2, bound, bins))
        diag("%s", tn_last_message());
    unsigned char *again = malloc((size_t)shots * n);
    mps_sample(m, shots, seed, 3, again);
    ok(memcmp(bits, again, (size_t)shots * n) == 0, "n=%d: the same seed and stream give the same samples", n);
    free(again);
    free(bits);
    mps_destroy(&m);
    sv_free(&ref);
}

static void check_truncation(void)
{
    rng_stream r;
    rng_init(&r, 99, 4);
    int n = 10;
    mps_trunc tr = {4, 0};
    mps *m;
    sv_state ref;
    sv_init(&ref, n);
    mps_create(n, NULL, &tr, &m);
    for (int i = 0; i < 60; i++) random_step(&r, n, m, &ref);
    int dims[16], worst = 0;
    mps_bond_dims(m, dims);
    for (int b = 0; b < n - 1; b++) worst = dims[b] > worst ? dims[b] : worst;
    ok(worst <= 4, "chi=4: every bond is at most 4 (largest %d)", worst);
    double f = mps_fidelity_estimate(m), w = mps_discarded_weight(m);
    ok(f > 0 && f <= 1, "chi=4: fidelity estimate %.4f is in (0, 1]", f);
    ok(w > 0, "chi=4: discarded weight %.4g is positive", w);
    size_t dim = (size_t)1 << n;
    double complex *psi = malloc(dim * sizeof *psi), overlap = 0;
    mps_to_dense(m, psi);
    double norm = 0;
    for (size_t i = 0; i < dim; i++) { overlap += conj(ref.amp[i]) * psi[i]; norm += creal(psi[i] * conj(psi[i])); }
    ok(fabs(norm - 1) < 1e-12, "chi=4: the truncated state stays normalised");
    /* the estimate is a product of per-cut fidelities; it is not a bound, but for random
     * circuits it tracks the true overlap within a factor of a few */
    double fid = creal(overlap * conj(overlap));
    ok(fid > f / 4 && fid < fmin(1, 4 * f), "chi=4: true fidelity %.4f within a factor 4 of the estimate %.4f", fid, f);
    free(psi);
    mps_destroy(&m);
    sv_free(&ref);
}

int main(void)
{
    int sizes[] = {2, 3, 5, 8, 11, 12};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        check_random_circuit(sizes[i], 20 * sizes[i], 100 + i, 0);
        check_random_circuit(sizes[i], 20 * sizes[i], 200 + i, 1);
    }
    check_sampling(6, 7);
    check_sampling(9, 8);
    check_truncation();
    return done_testing();
}
