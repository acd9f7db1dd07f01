/* test_densblock.c - exact per-block distributions (src/densblock.c) against
 * a whole-circuit density matrix (tests/ref/densmat.c) with the schedule,
 * idle relaxation, channels, over-rotation and readout written out here; the
 * same against the trajectory path within its standard errors; blocks that a
 * ZZ coupler joins are refused; the multinomial and binomial draws. */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chisq.h"
#include "densblock.h"
#include "densmat.h"
#include "error.h"
#include "gates.h"
#include "noise.h"
#include "qasm.h"
#include "run.h"
#include "statevec.h"
#include "tap.h"

#define SIGMAS 5.0
#define T1 3e-5
#define T2 2e-5
#define DUR_1Q 5e-8
#define DUR_2Q 3e-7
#define P_1Q 0.01
#define P_2Q 0.03
#define EPS_SX 0.05
#define READ_1_FROM_0 0.02
#define READ_0_FROM_1 0.04

/* Two blocks on a 4-qubit line: {0, 1} and {3, 2} (listed in that order, so
 * block 1's qubit 0 is q[3]); block 1 runs longer, so block 0 waits at the end. */
static const char *circuit4 =
    "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[4];\ncreg c[4];\n"
    "sx q[0];\nry(0.4) q[1];\ncz q[0],q[1];\nsx q[0];\nx q[1];\n"
    "sx q[3];\ncz q[3],q[2];\nry(1.1) q[2];\ncz q[2],q[3];\nsx q[3];\nsx q[3];\nx q[2];\nry(-0.7) q[3];\n"
    "measure q -> c;\n";
static const int blocks4[4] = {0, 1, 3, 2};

static int write_model(const char *path, const char *couplers, noise_model **m)
{
    FILE *f = fopen(path, "w");
    if (!f) return TN_ERR_IO;
    fprintf(f, "{\"format\": \"tnemu-noise\", \"nqubits\": 4, \"idle\": true, \"durations\": {\"1q\": %g, \"2q\": %g},"
               " \"t1\": %g, \"t2\": %g, \"readout\": [%g, %g], %s"
               " \"gates\": [{\"gate\": \"*\", \"channels\": [{\"type\": \"depolarizing\", \"p\": %g}]},"
               " {\"gate\": \"sx\", \"overrotation\": %g, \"channels\": [{\"type\": \"depolarizing\", \"p\": %g}]},"
               " {\"gate\": \"cz\", \"channels\": [{\"type\": \"depolarizing\", \"p\": %g, \"qubits\": 2}]}]}\n",
            DUR_1Q, DUR_2Q, T1, T2, READ_1_FROM_0, READ_0_FROM_1, couplers, P_1Q, EPS_SX, P_1Q, P_2Q);
    fclose(f);
    return noise_load(path, NULL, 1, m);
}

/* ---- the reference, written out ----------------------------------------------- */

static void ref_depolarize(dm_state *d, int k, double p, const int *qubits)
{
    int n4 = 1 << (2 * k), dim = 1 << k;
    double complex ops[16 * 16], one[4][4];
    for (int a = 0; a < 4; a++) channel_pauli_matrix(a, one[a]);
    for (int idx = 0; idx < n4; idx++) {
        double w = sqrt(idx == 0 ? 1 - p + p / n4 : p / n4);
        for (int r = 0; r < dim; r++)
            for (int c = 0; c < dim; c++) {
                double complex v = w;
                for (int j = 0; j < k; j++) {
                    int letter = (idx >> (2 * (k - 1 - j))) & 3;
                    v *= one[letter][((r >> (k - 1 - j)) & 1) * 2 + ((c >> (k - 1 - j)) & 1)];
                }
                ops[(size_t)idx * dim * dim + r * dim + c] = v;
            }
    }
    dm_apply_kraus(d, n4, ops, k, qubits);
}

/* Populations decay by e^{-t/T1}, coherences by e^{-t/T2}: amplitude damping,
 * then the rest of the dephasing as phase damping. */
static void ref_relax(dm_state *d, int q, double t)
{
    if (t <= 0) return;
    double g = 1 - exp(-t / T1), keep = exp(-t / T2) / exp(-t / (2 * T1)), lambda = 1 - keep * keep;
    double complex ad[8] = {1, 0, 0, sqrt(1 - g), 0, sqrt(g), 0, 0};
    double complex pd[8] = {1, 0, 0, sqrt(1 - lambda), 0, 0, 0, sqrt(lambda)};
    dm_apply_kraus(d, 2, ad, 1, &q);
    dm_apply_kraus(d, 2, pd, 1, &q);
}

/* The circuit's 16 outcome probabilities (index bit q = qubit q), readout included. */
static void reference(const circuit *c, double *probs)
{
    dm_state d;
    dm_init(&d, c->nqubits);
    double t_free[4] = {0};
    for (size_t i = 0; i < c->nops; i++) {
        const circ_op *op = &c->ops[i];
        if (op->kind != OP_GATE) continue;
        double start = 0;
        for (int j = 0; j < op->nqubits; j++) start = fmax(start, t_free[op->qubits[j]]);
        for (int j = 0; j < op->nqubits; j++) ref_relax(&d, op->qubits[j], start - t_free[op->qubits[j]]);
        double complex u[16];
        if (op->gate == GATE_SX) {   /* over-rotated: rx(pi/2 + eps), sx up to a global phase */
            double angle = M_PI / 2 + EPS_SX;
            sv_gate_matrix(GATE_RX, &angle, u);
        } else {
            sv_gate_matrix(op->gate, op->params, u);
        }
        dm_apply_matrix(&d, u, op->nqubits, op->qubits);
        if (op->nqubits == 2) ref_depolarize(&d, 2, P_2Q, op->qubits);
        else ref_depolarize(&d, 1, P_1Q, op->qubits);
        for (int j = 0; j < op->nqubits; j++) t_free[op->qubits[j]] = start + (op->nqubits == 2 ? DUR_2Q : DUR_1Q);
    }
    double t_end = fmax(fmax(t_free[0], t_free[1]), fmax(t_free[2], t_free[3]));
    for (int q = 0; q < 4; q++) ref_relax(&d, q, t_end - t_free[q]);
    for (int x = 0; x < 16; x++) probs[x] = dm_prob(&d, (unsigned long)x);
    for (int q = 0; q < 4; q++)
        for (int x = 0; x < 16; x++) {
            if (x & (1 << q)) continue;
            double p0 = probs[x], p1 = probs[x | 1 << q];
            probs[x] = (1 - READ_1_FROM_0) * p0 + READ_0_FROM_1 * p1;
            probs[x | 1 << q] = READ_1_FROM_0 * p0 + (1 - READ_0_FROM_1) * p1;
        }
    dm_free(&d);
}

/* The joint distribution of the two blocks as independent: P(x) = P0(x0 x1) P1(x3 x2). */
static double joint(const double *blk, int x)
{
    int a = (x & 1) | ((x >> 1) & 1) << 1, b = ((x >> 3) & 1) | ((x >> 2) & 1) << 1;
    return blk[a] * blk[4 + b];
}

static void check_against_reference(const circuit *c, const noise_model *m)
{
    double ref[16], blk[8], worst = 0;
    int why = -1;
    reference(c, ref);
    int status = densblock_probs(c, m, 2, 2, blocks4, blk, &why);
    ok(status == TN_OK && why == 0, "two blocks with idle, gate channels and over-rotation are independent");
    for (int a = 0; a < 4 && status == TN_OK; a++) {   /* marginals of the whole 4-qubit density matrix */
        double m0 = 0, m1 = 0;
        for (int x = 0; x < 16; x++) {
            if (((x & 1) | ((x >> 1) & 1) << 1) == a) m0 += ref[x];
            if ((((x >> 3) & 1) | ((x >> 2) & 1) << 1) == a) m1 += ref[x];
        }
        worst = fmax(worst, fmax(fabs(m0 - blk[a]), fabs(m1 - blk[4 + a])));
    }
    ok(status == TN_OK && worst < 1e-12, "per-block distributions equal the 4-qubit density matrix's marginals "
       "(schedule, idle until the end, readout; worst %.2g)", worst);
    double wj = 0;
    for (int x = 0; x < 16; x++) wj = fmax(wj, fabs(joint(blk, x) - ref[x]));
    ok(wj < 1e-12, "and their product is the whole distribution: the blocks are independent (worst %.2g)", wj);
}

/* The trajectory path's mean of exact per-trajectory distributions. */
static void check_against_trajectories(const char *label, const circuit *c, const noise_model *m, long T)
{
    double blk[8];
    int why = -1;
    int status = densblock_probs(c, m, 2, 2, blocks4, blk, &why);
    run_options o;
    memset(&o, 0, sizeof o);
    o.shots = T;
    o.seed = 777;
    o.order = "identity";
    o.noise = m;
    o.trajectories = T;
    o.probabilities = 1;
    run_result res = {0};
    if (status == TN_OK && why == 0) status = run_circuit(c, &o, &res);
    if (status == TN_OK && why == 0) status = run_collect(MPI_COMM_WORLD, &o, &res);
    double worst = 0;
    for (size_t x = 0; status == TN_OK && why == 0 && x < res.nprobs; x++) {
        double exact = joint(blk, (int)x), got = res.probs[x];
        double se = sqrt(fmax(exact * (1 - exact), 1e-12) / (double)T);
        worst = fmax(worst, fabs(got - exact) / se);
    }
    ok(status == TN_OK && why == 0 && res.nprobs == 16 && worst < SIGMAS,
       "%s: %ld trajectories agree with the exact per-block distributions within %.0f standard errors (worst %.2f)",
       label, T, SIGMAS, worst);
    run_result_free(&res);
}

static void check_coupled(const circuit *c)
{
    noise_model *m = NULL;
    int why = 0;
    double blk[8];
    int status = write_model("/tmp/test_densblock_zz.json", "\"couplers\": [{\"qubits\": [1, 2], \"zz\": 2e5}],", &m);
    if (status == TN_OK) status = densblock_probs(c, m, 2, 2, blocks4, blk, &why);
    ok(status == TN_OK && why > 0 && strstr(densblock_reason(why), "couples"),
       "a ZZ coupler between two blocks: not independent (%s)", why > 0 ? densblock_reason(why) : "accepted");
    noise_destroy(&m);
    status = write_model("/tmp/test_densblock_zz.json", "\"couplers\": [{\"qubits\": [0, 1], \"zz\": 2e5}],", &m);
    if (status == TN_OK) status = densblock_probs(c, m, 2, 2, blocks4, blk, &why);
    ok(status == TN_OK && why == 0, "a ZZ coupler inside a block keeps the blocks independent");
    if (status == TN_OK) check_against_trajectories("ZZ inside block 0", c, m, 4000);
    noise_destroy(&m);
    remove("/tmp/test_densblock_zz.json");
}

/* ---- shots -------------------------------------------------------------------- */

static void check_binomial(void)
{
    rng_stream r;
    rng_init(&r, 5, 99);
    ok(densblock_binomial(&r, 100, 0) == 0 && densblock_binomial(&r, 100, 1) == 100 && densblock_binomial(&r, 0, 0.5) == 0,
       "binomial: p = 0, p = 1 and n = 0 are certain");
    long big = densblock_binomial(&r, 1000000000L, 0.5);
    ok(labs(big - 500000000L) < 10 * 15812, "binomial(1e9, 1/2) = %ld, within 10 standard deviations", big);
    /* chi-square of 20,000 draws of binomial(40, 0.3) against its pmf */
    enum { N = 40, DRAWS = 20000 };
    double pmf[N + 1];
    long hist[N + 1] = {0};
    for (int x = 0; x <= N; x++)
        pmf[x] = exp(lgamma(N + 1) - lgamma(x + 1) - lgamma(N - x + 1) + x * log(0.3) + (N - x) * log(0.7));
    for (int i = 0; i < DRAWS; i++) hist[densblock_binomial(&r, N, 0.3)]++;
    double chi = 0;
    int dof = -1;
    for (int x = 0; x <= N; x++)
        if (pmf[x] * DRAWS >= 5) { chi += pow(hist[x] - pmf[x] * DRAWS, 2) / (pmf[x] * DRAWS); dof++; }
    double tail = chisq_upper_tail(chi, dof);
    ok(tail > 1e-4, "binomial(40, 0.3): chi-square %.1f on %d degrees of freedom, upper tail %.3g", chi, dof, tail);
}

static void check_multinomial(void)
{
    const double probs[4] = {0.1, 0.2, 0.3, 0.4};
    long a[4], b[4], sum = 0;
    rng_stream r1, r2;
    rng_init_sub(&r1, 42, 7, 3);
    rng_init_sub(&r2, 42, 7, 3);
    densblock_multinomial(&r1, 8192, probs, 4, a);
    densblock_multinomial(&r2, 8192, probs, 4, b);
    for (int i = 0; i < 4; i++) sum += a[i];
    ok(memcmp(a, b, sizeof a) == 0 && sum == 8192, "multinomial: the same stream draws the same counts, summing to the shots");
    /* means and variances over 4,000 draws of 8,192 shots */
    enum { REPS = 4000 };
    double mean[4] = {0}, var[4] = {0};
    for (int rep = 0; rep < REPS; rep++) {
        densblock_multinomial(&r1, 8192, probs, 4, a);
        for (int i = 0; i < 4; i++) { mean[i] += a[i]; var[i] += (double)a[i] * a[i]; }
    }
    double worst_mean = 0, worst_var = 0;
    for (int i = 0; i < 4; i++) {
        mean[i] /= REPS;
        var[i] = var[i] / REPS - mean[i] * mean[i];
        double v = 8192 * probs[i] * (1 - probs[i]);
        worst_mean = fmax(worst_mean, fabs(mean[i] - 8192 * probs[i]) / sqrt(v / REPS));
        worst_var = fmax(worst_var, fabs(var[i] / v - 1));
    }
    ok(worst_mean < SIGMAS && worst_var < 0.1, "multinomial means within %.0f standard errors (worst %.2f) and variances "
       "n p (1 - p) within 10%% (worst %.3f)", SIGMAS, worst_mean, worst_var);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    circuit *c = NULL;
    noise_model *m = NULL;
    int status = qasm_parse_string(circuit4, strlen(circuit4), "blocks4.qasm", &c);
    if (status == TN_OK) status = write_model("/tmp/test_densblock.json", "", &m);
    ok(status == TN_OK, "the circuit and the noise model load");
    if (status == TN_OK) {
        check_against_reference(c, m);
        check_against_trajectories("noise model", c, m, 4000);
        check_coupled(c);
        double blk[8];
        int why = -1;
        status = densblock_probs(c, NULL, 2, 2, blocks4, blk, &why);
        double ref_noiseless = 0;
        sv_state sv;
        sv_init(&sv, 4);
        for (size_t i = 0; i < c->nops; i++) if (c->ops[i].kind == OP_GATE) sv_apply_op(&sv, &c->ops[i]);
        double p[16];
        sv_probabilities(&sv, p);
        for (int x = 0; x < 16; x++) ref_noiseless = fmax(ref_noiseless, fabs(p[x] - joint(blk, x)));
        sv_free(&sv);
        ok(status == TN_OK && why == 0 && ref_noiseless < 1e-12, "noiseless: per-block distributions equal the state "
           "vector's (worst %.2g)", ref_noiseless);
    }
    remove("/tmp/test_densblock.json");
    check_binomial();
    check_multinomial();
    noise_destroy(&m);
    circ_destroy(&c);
    done_testing();
    MPI_Finalize();
    return 0;
}
