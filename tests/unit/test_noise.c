/* test_noise.c - noisy emulation against the exact density-matrix reference.
 *
 * For each channel kind, a 3-qubit circuit runs as quantum trajectories with
 * a noise JSON written here; the reference applies the same channels built
 * here from their textbook Kraus operators (tests/ref/densmat.c). Trajectory
 * means of Pauli expectations and outcome probabilities must lie within 4
 * standard errors of the exact values. Also: the IBM model's per-gate error
 * equals the calibration's gate_error, an IBM-derived model on 4 fez qubits
 * (with idle relaxation scheduled here independently) matches the density
 * matrix, readout confusion is exact in expectation, noise scale 0 is
 * bit-for-bit noiseless, 1/f series have the asked spectrum, and bad noise
 * input is refused naming the entry. */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "densmat.h"
#include "error.h"
#include "gates.h"
#include "noise.h"
#include "noisy.h"
#include "qasm.h"
#include "run.h"
#include "statevec.h"
#include "tap.h"

#define SIGMAS 4.0

static const char *shared_root(void)
{
    const char *root = getenv("TNEMU_SHARED_DATA");
    return root && *root ? root : "../shared/data";
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) { perror(path); exit(1); }
    fputs(text, f);
    fclose(f);
}

/* ---- textbook Kraus operators (independent of src/channel.c) ------------- */

typedef struct {
    int k, nops;
    double complex ops[20][16];
} kraus_set;

static void pauli2(int a, double complex *m)
{
    static const double complex p[4][4] = {{1, 0, 0, 1}, {0, 1, 1, 0}, {0, -I, I, 0}, {1, 0, 0, -1}};
    memcpy(m, p[a], sizeof p[a]);
}

static void kron2(const double complex *a, const double complex *b, double complex *out)
{
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 4; c++) out[r * 4 + c] = a[(r >> 1) * 2 + (c >> 1)] * b[(r & 1) * 2 + (c & 1)];
}

static kraus_set depolarizing1(double p)
{
    kraus_set s = {1, 4, {{0}}};
    for (int a = 0; a < 4; a++) {
        pauli2(a, s.ops[a]);
        double w = a ? sqrt(p / 4) : sqrt(1 - 3 * p / 4);
        for (int e = 0; e < 4; e++) s.ops[a][e] *= w;
    }
    return s;
}

static kraus_set depolarizing2(double p)
{
    kraus_set s = {2, 16, {{0}}};
    for (int a = 0; a < 4; a++)
        for (int b = 0; b < 4; b++) {
            double complex pa[4], pb[4];
            pauli2(a, pa);
            pauli2(b, pb);
            kron2(pa, pb, s.ops[a * 4 + b]);
            double w = (a || b) ? sqrt(p / 16) : sqrt(1 - 15 * p / 16);
            for (int e = 0; e < 16; e++) s.ops[a * 4 + b][e] *= w;
        }
    return s;
}

static kraus_set amplitude_damping(double g)
{
    kraus_set s = {1, 2, {{1, 0, 0, sqrt(1 - g)}, {0, sqrt(g), 0, 0}}};
    return s;
}

static kraus_set phase_damping(double l)
{
    kraus_set s = {1, 2, {{1, 0, 0, sqrt(1 - l)}, {0, 0, 0, sqrt(l)}}};
    return s;
}

static kraus_set pauli_xz(double px, double pz)
{
    kraus_set s = {1, 3, {{sqrt(1 - px - pz), 0, 0, sqrt(1 - px - pz)}, {0, sqrt(px), sqrt(px), 0},
                          {sqrt(pz), 0, 0, -sqrt(pz)}}};
    return s;
}

/* Qiskit Aer's decomposition for T2 <= T1: identity, Z, or reset to |0>. */
static kraus_set thermal(double t1, double t2, double t)
{
    double pr = 1 - exp(-t / t1), pz = (1 - pr) * (1 - exp(-t / t2) / exp(-t / t1)) / 2, pid = 1 - pz - pr;
    kraus_set s = {1, 4, {{sqrt(pid), 0, 0, sqrt(pid)}, {sqrt(pz), 0, 0, -sqrt(pz)}, {sqrt(pr), 0, 0, 0},
                          {0, sqrt(pr), 0, 0}}};
    return s;
}

/* Any T2 <= 2 T1, built from its action: populations decay by
 * gamma = 1 - e^{-t/T1}, coherences by e^{-t/T2}. */
static kraus_set thermal_general(double t1, double t2, double t)
{
    double g = 1 - exp(-t / t1), x = exp(-t / t2), y = sqrt(fmax(0, 1 - g - x * x));
    kraus_set s = {1, 3, {{1, 0, 0, x}, {0, 0, 0, y}, {0, sqrt(g), 0, 0}}};
    return s;
}

/* A non-unital two-qubit set: amplitude damping on the first qubit, or a CZ. */
static kraus_set general2(double q, double g)
{
    kraus_set s = {2, 3, {{0}}};
    double complex a0[4] = {1, 0, 0, sqrt(1 - g)}, a1[4] = {0, sqrt(g), 0, 0}, id[4] = {1, 0, 0, 1};
    kron2(a0, id, s.ops[0]);
    kron2(a1, id, s.ops[1]);
    for (int e = 0; e < 16; e++) { s.ops[0][e] *= sqrt(1 - q); s.ops[1][e] *= sqrt(1 - q); }
    double complex cz[16] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, -1};
    for (int e = 0; e < 16; e++) s.ops[2][e] = sqrt(q) * cz[e];
    return s;
}

/* Applies a set (stored with a row stride of 16) through the reference. */
static void apply_set(dm_state *d, const kraus_set *s, const int *qubits)
{
    int dd = 1 << (2 * s->k);
    double complex packed[20 * 16];
    for (int i = 0; i < s->nops; i++) memcpy(packed + i * dd, s->ops[i], (size_t)dd * sizeof(double complex));
    dm_apply_kraus(d, s->nops, packed, s->k, qubits);
}

static void append_matrix_json(char *buf, size_t size, const double complex *m, int d)
{
    strncat(buf, "[", size - strlen(buf) - 1);
    for (int r = 0; r < d; r++) {
        strncat(buf, r ? ",[" : "[", size - strlen(buf) - 1);
        for (int c = 0; c < d; c++) {
            char e[80];
            snprintf(e, sizeof e, "%s[%.17g,%.17g]", c ? "," : "", creal(m[r * d + c]), cimag(m[r * d + c]));
            strncat(buf, e, size - strlen(buf) - 1);
        }
        strncat(buf, "]", size - strlen(buf) - 1);
    }
    strncat(buf, "]", size - strlen(buf) - 1);
}

/* ---- running ---------------------------------------------------------------- */

static const char *circuit3 =
    "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[3];\ncreg c[3];\n"
    "h q[0];\ncx q[0],q[1];\nry(0.7) q[2];\ncx q[1],q[2];\nrx(0.4) q[0];\nx q[2];\n"
    "measure q -> c;\n";

static const char *observables3[] = {"Z0", "Z1", "Z2", "X0", "Y2", "Z0 Z1", "X1 X2", "Z0 Z1 Z2"};
#define NOBS3 8

/* Runs c under the model with T trajectories (one shot each). */
static int run_noisy(const circuit *c, const noise_model *m, long T, const char **obs, int nobs, run_result *res)
{
    run_options o;
    memset(&o, 0, sizeof o);
    o.shots = T;
    o.seed = 12345;
    o.order = "identity";
    o.observables = obs;
    o.nobservables = nobs;
    o.noise = m;
    o.trajectories = T;
    o.probabilities = 1;   /* the exact per-trajectory distributions, averaged: checked in compare() */
    int status = run_circuit(c, &o, res);
    if (status == TN_OK) status = run_collect(MPI_COMM_WORLD, &o, res);
    return status;
}

/* The reference: every gate of c, then the rule's channels, as the test says. */
typedef void (*after_gate_fn)(dm_state *d, const circ_op *op, void *ctx);

static void reference(const circuit *c, dm_state *d, after_gate_fn after, void *ctx)
{
    dm_init(d, c->nqubits);
    for (size_t i = 0; i < c->nops; i++) {
        const circ_op *op = &c->ops[i];
        if (op->kind != OP_GATE) continue;
        double complex u[64];
        sv_gate_matrix(op->gate, op->params, u);
        dm_apply_matrix(d, u, op->nqubits, op->qubits);
        if (after) after(d, op, ctx);
    }
}

/* Compares trajectory means with the density matrix within SIGMAS standard errors. */
static void compare(const char *label, const circuit *c, const run_result *res, const dm_state *d, const char **obs,
                    int nobs)
{
    int n = c->nqubits, worst_ok = 1;
    double worst = 0;
    char paulis[16], what[64] = "";
    for (int k = 0; k < nobs; k++) {
        run_parse_observable(obs[k], n, paulis);
        double exact = dm_expect_pauli(d, paulis), got = res->expectation[k], se = res->expectation_stderr[k];
        double z = fabs(got - exact) < 1e-9 ? 0 : se > 0 ? fabs(got - exact) / se : INFINITY;
        if (z > worst) { worst = z; snprintf(what, sizeof what, "<%s> %.4f vs %.4f", obs[k], got, exact); }
    }
    for (size_t i = 0; i < res->ncounts; i++) {
        unsigned long index = strtoul(res->counts[i].key, NULL, 2);
        double exact = dm_prob(d, index), got = (double)res->counts[i].count / res->shots;
        double se = res->count_stderr[i] / res->shots;
        /* a binomial floor: one trajectory per shot, so clusters are shots */
        double floor_se = sqrt(fmax(exact * (1 - exact), 1e-12) / res->shots);
        double z = fabs(got - exact) / fmax(se, floor_se);
        if (z > worst) { worst = z; snprintf(what, sizeof what, "P(%s) %.4f vs %.4f", res->counts[i].key, got, exact); }
    }
    /* --probabilities: the mean of exact distributions varies less than the
     * counts do, so the counts' error bounds it */
    for (size_t x = 0; res->probs && x < res->nprobs; x++) {
        double exact = dm_prob(d, x), got = res->probs[x];
        double se = sqrt(fmax(exact * (1 - exact), 1e-12) / (double)res->trajectories);
        double z = fabs(got - exact) < 1e-12 ? 0 : fabs(got - exact) / se;
        if (z > worst) { worst = z; snprintf(what, sizeof what, "probability of %zu: %.4f vs %.4f", x, got, exact); }
    }
    worst_ok = worst <= SIGMAS;
    ok(worst_ok, "%s: trajectory means within %.0f standard errors of the density matrix (worst %.2f: %s)", label,
       SIGMAS, worst, what);
}

/* ---- channel kinds ---------------------------------------------------------- */

typedef struct {
    kraus_set one, two;   /* after every one-qubit gate (each qubit) / two-qubit gate */
    int has_one, has_two, two_each;   /* two_each: the one-qubit set on each qubit of a 2q gate */
} rule_ctx;

static void after_rule(dm_state *d, const circ_op *op, void *vctx)
{
    rule_ctx *r = vctx;
    if (op->nqubits == 1 && r->has_one) apply_set(d, &r->one, op->qubits);
    if (op->nqubits == 2 && r->has_two && !r->two_each) apply_set(d, &r->two, op->qubits);
    if (op->nqubits == 2 && r->two_each)
        for (int j = 0; j < 2; j++) apply_set(d, &r->one, &op->qubits[j]);
}

static void check_kind(const circuit *c, const char *label, const char *json, rule_ctx *ctx)
{
    write_file("/tmp/tnemu_test_noise.json", json);
    noise_model *m = NULL;
    int status = noise_load("/tmp/tnemu_test_noise.json", NULL, 1, &m);
    if (!ok(status == TN_OK, "%s: the noise JSON loads", label)) { diag("%s", tn_last_message()); return; }
    run_result res;
    status = run_noisy(c, m, 4000, observables3, NOBS3, &res);
    if (ok(status == TN_OK, "%s: 4000 trajectories run", label)) {
        dm_state d;
        reference(c, &d, after_rule, ctx);
        compare(label, c, &res, &d, observables3, NOBS3);
        dm_free(&d);
    } else {
        diag("%s", tn_last_message());
    }
    run_result_free(&res);
    noise_destroy(&m);
}

static void check_channel_kinds(const circuit *c)
{
    static char json[65536];
    rule_ctx r;

    memset(&r, 0, sizeof r);
    r.one = depolarizing1(0.08); r.two = depolarizing2(0.12); r.has_one = r.has_two = 1;
    check_kind(c, "depolarizing", "{\"format\":\"tnemu-noise\",\"gates\":["
               "{\"gate\":\"*\",\"channels\":[{\"type\":\"depolarizing\",\"p\":0.08}]},"
               "{\"gate\":\"cx\",\"channels\":[{\"type\":\"depolarizing\",\"p\":0.12,\"qubits\":2}]}]}", &r);

    memset(&r, 0, sizeof r);
    r.one = pauli_xz(0.05, 0.1); r.has_one = 1; r.two_each = 1;
    check_kind(c, "pauli", "{\"format\":\"tnemu-noise\",\"gates\":[{\"gate\":\"*\",\"channels\":"
               "[{\"type\":\"pauli\",\"probabilities\":{\"X\":0.05,\"Z\":0.1}}]}]}", &r);

    memset(&r, 0, sizeof r);
    r.one = amplitude_damping(0.15); r.has_one = 1; r.two_each = 1;
    check_kind(c, "amplitude damping", "{\"format\":\"tnemu-noise\",\"gates\":[{\"gate\":\"*\",\"channels\":"
               "[{\"type\":\"amplitude_damping\",\"gamma\":0.15}]}]}", &r);

    memset(&r, 0, sizeof r);
    r.one = phase_damping(0.3); r.has_one = 1; r.two_each = 1;
    check_kind(c, "phase damping", "{\"format\":\"tnemu-noise\",\"gates\":[{\"gate\":\"*\",\"channels\":"
               "[{\"type\":\"phase_damping\",\"lambda\":0.3}]}]}", &r);

    memset(&r, 0, sizeof r);
    r.one = thermal(40e-6, 30e-6, 5e-6); r.has_one = 1; r.two_each = 1;
    check_kind(c, "thermal relaxation", "{\"format\":\"tnemu-noise\",\"gates\":[{\"gate\":\"*\",\"channels\":"
               "[{\"type\":\"thermal_relaxation\",\"t1\":40e-6,\"t2\":30e-6,\"time\":5e-6}]}]}", &r);

    memset(&r, 0, sizeof r);
    r.two = general2(0.2, 0.3); r.has_two = 1;
    snprintf(json, sizeof json, "{\"format\":\"tnemu-noise\",\"gates\":[{\"gate\":\"cx\",\"channels\":"
             "[{\"type\":\"kraus\",\"operators\":[");
    for (int i = 0; i < r.two.nops; i++) {
        if (i) strncat(json, ",", sizeof json - strlen(json) - 1);
        append_matrix_json(json, sizeof json, r.two.ops[i], 4);
    }
    strncat(json, "]}]}]}", sizeof json - strlen(json) - 1);
    check_kind(c, "general Kraus (two-qubit, non-unital)", json, &r);
}

/* ---- readout, noise scale 0 ------------------------------------------------- */

static void check_readout(void)
{
    circuit *c = NULL;
    const char *src = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\ncreg c[2];\nx q[0];\nmeasure q -> c;\n";
    qasm_parse_string(src, strlen(src), "readout.qasm", &c);
    write_file("/tmp/tnemu_test_noise.json", "{\"format\":\"tnemu-noise\",\"qubits\":["
               "{\"qubit\":0,\"readout\":[0.1,0.2]},{\"qubit\":1,\"readout\":[0.3,0.05]}]}");
    noise_model *m = NULL;
    noise_load("/tmp/tnemu_test_noise.json", NULL, 1, &m);
    run_result res;
    long shots = 20000;
    int status = run_noisy(c, m, shots, NULL, 0, &res);
    if (ok(status == TN_OK, "readout: %ld shots run", shots)) {
        /* q0 prepared 1 reads 0 with 0.2; q1 prepared 0 reads 1 with 0.3: P(c1 c0) */
        double exact[4] = {0.2 * 0.7, 0.8 * 0.7, 0.2 * 0.3, 0.8 * 0.3}, worst = 0;
        for (size_t i = 0; i < res.ncounts; i++) {
            unsigned long idx = strtoul(res.counts[i].key, NULL, 2);
            double p = (double)res.counts[i].count / shots, se = sqrt(exact[idx] * (1 - exact[idx]) / shots);
            worst = fmax(worst, fabs(p - exact[idx]) / se);
        }
        ok(res.ncounts == 4 && worst <= SIGMAS, "readout: asymmetric confusion exact in expectation (worst %.2f sigma)",
           worst);
        double perr = 0;
        for (int x = 0; x < 4; x++) perr = fmax(perr, res.probs ? fabs(res.probs[x] - exact[x]) : 1);
        ok(perr < 1e-12, "readout: --probabilities applies the confusion exactly (largest difference %.3g)", perr);
    }
    run_result_free(&res);
    noise_destroy(&m);
    circ_destroy(&c);
}

static void check_scale_zero(const circuit *c)
{
    write_file("/tmp/tnemu_test_noise.json", "{\"format\":\"tnemu-noise\",\"readout\":[0.1,0.1],\"gates\":["
               "{\"gate\":\"*\",\"channels\":[{\"type\":\"amplitude_damping\",\"gamma\":0.2}]}]}");
    noise_model *m = NULL;
    noise_load("/tmp/tnemu_test_noise.json", NULL, 0, &m);
    run_result a, b;
    int s1 = run_noisy(c, m, 3000, observables3, NOBS3, &a);
    int s2 = run_noisy(c, NULL, 3000, observables3, NOBS3, &b);
    int same = s1 == TN_OK && s2 == TN_OK && a.ncounts == b.ncounts && !a.noisy;
    for (size_t i = 0; same && i < a.ncounts; i++)
        same = strcmp(a.counts[i].key, b.counts[i].key) == 0 && a.counts[i].count == b.counts[i].count;
    for (int k = 0; same && k < NOBS3; k++) same = memcmp(&a.expectation[k], &b.expectation[k], sizeof(double)) == 0;
    ok(same, "--noise-scale 0 gives bit-for-bit the noiseless counts and expectation values");
    run_result_free(&a);
    run_result_free(&b);
    noise_destroy(&m);
}

/* A barrier makes a qubit wait: it relaxes over the wait (a static run never
 * applies a barrier's own steps, so the wait goes before the next gate). */
static void check_barrier_wait(void)
{
    const char *src = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\ncreg c[2];\nx q[0];\n"
                      "delay(10us) q[1];\nbarrier q[0],q[1];\nx q[0];\nmeasure q -> c;\n";
    circuit *c = NULL;
    qasm_parse_string(src, strlen(src), "barrier.qasm", &c);
    write_file("/tmp/tnemu_test_noise.json", "{\"format\":\"tnemu-noise\",\"t1\":1e-5,\"t2\":1e-5}");
    noise_model *m = NULL;
    noise_load("/tmp/tnemu_test_noise.json", NULL, 1, &m);
    run_result res;
    long T = 4000;
    if (ok(run_noisy(c, m, T, NULL, 0, &res) == TN_OK && res.nprobs == 4, "barrier wait: %ld trajectories run", T)) {
        /* q0 waits 10 us - 50 ns (its x) in |1> at the barrier, then x: it reads 0 if it did not decay */
        double exact = exp(-(1e-5 - 5e-8) / 1e-5), got = res.probs[0] + res.probs[2];
        double se = sqrt(exact * (1 - exact) / T);
        ok(fabs(got - exact) <= SIGMAS * se, "barrier wait: the qubit relaxes while it waits at a barrier "
           "(P(q0 reads 0) %.4f vs exp(-9.95 us / T1) = %.4f, %.2f sigma)", got, exact, fabs(got - exact) / se);
    } else {
        diag("%s", tn_last_message());
    }
    run_result_free(&res);
    noise_destroy(&m);
    circ_destroy(&c);
}

/* ---- IBM ---------------------------------------------------------------------- */

/* Kraus operators of the rule's channels composed in order, on the gate's k qubits. */
static double rule_average_fidelity(const noise_rule *r, int k)
{
    int d = 1 << k;
    /* compose by acting on the Choi state: |Omega> = sum_i |i>|i> / sqrt(d) on 2k qubits */
    dm_state choi;
    dm_init(&choi, 2 * k);
    int dim = d * d;
    memset(choi.rho, 0, (size_t)dim * dim * sizeof *choi.rho);
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++) choi.rho[(size_t)(i * d + i) * dim + (j * d + j)] = 1.0 / d;
    /* the system is the low k qubits of the 2k: gate qubit j is choi qubit k-1-j */
    for (int a = 0; a < r->napply; a++) {
        const noise_apply *ap = &r->apply[a];
        double complex *ops;
        int nops;
        channel_kraus_ops(&ap->ch, &ops, &nops);
        int reps = ap->each ? k : 1;
        for (int rep = 0; rep < reps; rep++) {
            int qs[CHANNEL_MAX_QUBITS];
            for (int j = 0; j < ap->ch.nqubits; j++) qs[j] = k - 1 - (ap->each ? rep : ap->pos[j]);
            dm_apply_kraus(&choi, nops, ops, ap->ch.nqubits, qs);
        }
        free(ops);
    }
    double fe = 0;   /* <Omega| J |Omega> */
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++) fe += creal(choi.rho[(size_t)(i * d + i) * dim + (j * d + j)]) / d;
    dm_free(&choi);
    return (d * fe + 1) / (d + 1);
}

static void check_ibm_gate_errors(const char *props)
{
    noise_model *m = NULL;
    if (!ok(noise_load(props, NULL, 1, &m) == TN_OK, "fez: IBM properties load")) { diag("%s", tn_last_message()); return; }
    size_t checked = 0, relax_limited = 0, faulty = 0;
    double worst = 0;
    for (size_t i = 0; i < m->nrules; i++) {
        const noise_rule *r = &m->rules[i];
        if (r->gate_error < 0 || !r->nqubits) continue;
        if (r->faulty) { faulty++; continue; }
        double f = rule_average_fidelity(r, r->nqubits), err = 1 - f;
        double dmax = (double)(1 << r->nqubits) / ((1 << r->nqubits) + 1);
        if (err > r->gate_error + 1e-9 && r->gate_error < dmax) { relax_limited++; continue; }
        worst = fmax(worst, fabs(err - r->gate_error));
        checked++;
    }
    ok(checked > 1000 && worst < 1e-9, "fez: derived average gate error equals gate_error to 1e-9 on %zu gates "
       "(worst %.2g; %zu below the T1/T2 limit, %zu unusable)", checked, worst, relax_limited, faulty);
    noise_destroy(&m);
}

typedef struct {
    const noise_model *m;
    double t_free[8];
} ibm_ctx;

static double props_duration(const noise_model *m, const circ_op *op, const noise_rule **rule)
{
    *rule = noise_lookup(m, op);
    return *rule && (*rule)->duration >= 0 ? (*rule)->duration : 0;
}

/* Independent schedule (relaxation rates scaled like the model's): idle thermal relaxation (Aer's decomposition) before each gate. */
static void ibm_reference(const circuit *c, const noise_model *m, dm_state *d)
{
    double t_free[8] = {0}, t_end = 0;
    dm_init(d, c->nqubits);
    for (size_t i = 0; i < c->nops; i++) {
        const circ_op *op = &c->ops[i];
        if (op->kind != OP_GATE) continue;
        const noise_rule *rule;
        double dur = props_duration(m, op, &rule), start = 0;
        if (op->gate == GATE_DELAY) dur = op->params[1] != 0 ? op->params[0] * m->dt : op->params[0];
        for (int j = 0; j < op->nqubits; j++) start = fmax(start, t_free[op->qubits[j]]);
        for (int j = 0; j < op->nqubits; j++) {
            int q = op->qubits[j];
            if (start > t_free[q]) {
                const noise_qubit *nq = noise_qubit_params(m, q);
                kraus_set s = thermal_general(nq->t1 / m->scale, nq->t2 / m->scale, start - t_free[q]);
                apply_set(d, &s, &q);
            }
            t_free[q] = start + dur;
        }
        double complex u[64];
        sv_gate_matrix(op->gate, op->params, u);
        dm_apply_matrix(d, u, op->nqubits, op->qubits);
        if (op->gate == GATE_DELAY && dur > 0) {   /* the qubit relaxes while it waits */
            const noise_qubit *nq = noise_qubit_params(m, op->qubits[0]);
            kraus_set s = thermal_general(nq->t1 / m->scale, nq->t2 / m->scale, dur);
            apply_set(d, &s, op->qubits);
        }
        for (int a = 0; rule && a < rule->napply; a++) {
            double complex *ops;
            int nops, qs[3];
            channel_kraus_ops(&rule->apply[a].ch, &ops, &nops);
            for (int j = 0; j < rule->apply[a].ch.nqubits; j++) qs[j] = op->qubits[rule->apply[a].pos[j]];
            dm_apply_kraus(d, nops, ops, rule->apply[a].ch.nqubits, qs);
            free(ops);
        }
    }
    for (int q = 0; q < c->nqubits; q++) t_end = fmax(t_end, t_free[q]);
    for (int q = 0; q < c->nqubits; q++)
        if (t_end > t_free[q]) {
            const noise_qubit *nq = noise_qubit_params(m, q);
            kraus_set s = thermal_general(nq->t1 / m->scale, nq->t2 / m->scale, t_end - t_free[q]);
            apply_set(d, &s, &q);
        }
}

/* 4000 trajectories of c under m against the density-matrix reference, on the 9 observables obs. */
static void trajectories_against_reference(const char *what, const char *detail, const circuit *c, noise_model *m,
                                           const char **obs)
{
    run_result res;
    int status = run_noisy(c, m, 4000, obs, 9, &res);
    if (ok(status == TN_OK, "%s, noise scale 30: 4000 trajectories run", what)) {
        dm_state d;
        char label[256];
        snprintf(label, sizeof label, "%s (%s)", what, detail);
        ibm_reference(c, m, &d);
        compare(label, c, &res, &d, obs, 9);
        dm_free(&d);
    } else {
        diag("%s", tn_last_message());
    }
    run_result_free(&res);
}

static void check_ibm_trajectories(const char *props)
{
    noise_model *m = NULL;
    noise_load(props, NULL, 1, &m);
    const char *src =
        "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[4];\ncreg c[4];\n"
        "sx q[0];\nsx q[1];\nrz(0.3) q[1];\ncz q[0],q[1];\nsx q[2];\ncz q[1],q[2];\nx q[3];\n"
        "rzz(0.8) q[2],q[3];\nsx q[0];\nrz(1.1) q[2];\nsx q[2];\ncz q[2],q[1];\nmeasure q -> c;\n";
    circuit *c = NULL;
    qasm_parse_string(src, strlen(src), "fez4.qasm", &c);
    static const char *obs[] = {"Z0", "Z1", "Z2", "Z3", "X0", "Y1", "Z0 Z1", "X1 Z2", "Z2 Z3"};
    /* readout error off: compare the state, then readout separately above */
    for (int q = 0; q < m->qubit_cap; q++) m->qubit[q].p0_given1 = m->qubit[q].p1_given0 = 0;
    /* noise scale 30 makes the errors large enough for 4000 trajectories to see */
    noise_destroy(&m);
    if (!ok(noise_load(props, NULL, 30, &m) == TN_OK, "fez at noise scale 30 loads")) {
        diag("%s", tn_last_message());
        circ_destroy(&c);
        return;
    }
    for (int q = 0; q < m->qubit_cap; q++) m->qubit[q].p0_given1 = m->qubit[q].p1_given0 = 0;
    trajectories_against_reference("fez qubits 0-3", "gates, idle relaxation, scale 30", c, m, obs);
    noise_destroy(&m);
    circ_destroy(&c);
}

/* Runs src under the model at path and expects failure with a message containing want. */
static void expect_refusal(const char *label, const char *qasm, const char *model_path, const char *model_json,
                           int allow_faulty, int allow_uncal, const char *want)
{
    if (model_json) write_file(model_path, model_json);
    noise_model *m = NULL;
    int status = noise_load(model_path, NULL, 1, &m);
    circuit *c = NULL;
    if (status == TN_OK && qasm) status = qasm_parse_string(qasm, strlen(qasm), "bad.qasm", &c);
    noisy_plan *p = NULL;
    noisy_options o = {allow_faulty, allow_uncal, 0, 0};
    if (status == TN_OK && c) status = noisy_plan_create(m, c, &o, &p);
    const char *msg = tn_last_message();
    int good = want ? (status == TN_ERR_INPUT || status == TN_ERR_USAGE) && strstr(msg, want) && !strchr(msg, '\n')
                    : status == TN_OK;
    if (!ok(good, "%s", label)) diag("status %d: %s", status, msg);
    tn_clear_error();
    noisy_plan_destroy(&p);
    circ_destroy(&c);
    noise_destroy(&m);
}

static void check_bad_input(const char *props)
{
    const char *path = "/tmp/tnemu_test_noise.json";
    const char *bell = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\nh q[0];\ncx q[0],q[1];\n";
    expect_refusal("negative probability names the entry", NULL, path,
                   "{\"format\":\"tnemu-noise\",\"gates\":[{\"gate\":\"h\",\"channels\":[{\"type\":\"depolarizing\","
                   "\"p\":-0.1}]}]}", 0, 0, "gates[0].channels[0]: depolarizing parameter -0.1 is out of range");
    expect_refusal("probability above 1 is refused", NULL, path,
                   "{\"format\":\"tnemu-noise\",\"gates\":[{\"channels\":[{\"type\":\"amplitude_damping\","
                   "\"gamma\":1.5}]}]}", 0, 0, "gates[0].channels[0]: gamma 1.5 is out of range [0, 1]");
    expect_refusal("Pauli probabilities above 1 in sum", NULL, path,
                   "{\"format\":\"tnemu-noise\",\"gates\":[{\"channels\":[{\"type\":\"pauli\",\"probabilities\":"
                   "{\"X\":0.7,\"Z\":0.6}}]}]}", 0, 0, "Pauli probabilities sum to");
    expect_refusal("non-CPTP Kraus set names the entry", NULL, path,
                   "{\"format\":\"tnemu-noise\",\"gates\":[{\"gate\":\"x\",\"channels\":[{\"type\":\"kraus\","
                   "\"operators\":[[[1,0],[0,1]],[[0,0.001],[0,0]]]}]}]}", 0, 0,
                   "gates[0].channels[0]: the Kraus operators are not trace preserving");
    expect_refusal("Kraus set off by 1e-9 (above the 1e-10 tolerance)", NULL, path,
                   "{\"format\":\"tnemu-noise\",\"gates\":[{\"channels\":[{\"type\":\"kraus\",\"operators\":"
                   "[[[1.000000001,0],[0,1]]]}]}]}", 0, 0, "not trace preserving");
    expect_refusal("unknown channel type", NULL, path,
                   "{\"format\":\"tnemu-noise\",\"gates\":[{\"channels\":[{\"type\":\"bitflip\",\"p\":0.1}]}]}", 0, 0,
                   "unknown channel type 'bitflip'");
    expect_refusal("unknown gate name", NULL, path,
                   "{\"format\":\"tnemu-noise\",\"gates\":[{\"gate\":\"foo\"}]}", 0, 0, "unknown gate 'foo'");
    expect_refusal("T2 above 2 T1", NULL, path,
                   "{\"format\":\"tnemu-noise\",\"qubits\":[{\"qubit\":0,\"t1\":1e-5,\"t2\":3e-5}]}", 0, 0,
                   "qubits[0]: needs positive t1, t2");
    expect_refusal("readout probability out of range", NULL, path,
                   "{\"format\":\"tnemu-noise\",\"readout\":[0.1,1.2]}", 0, 0, "readout P(0|1) 1.2 is out of range");
    expect_refusal("a two-qubit channel on a one-qubit gate", bell, path,
                   "{\"format\":\"tnemu-noise\",\"gates\":[{\"gate\":\"h\",\"channels\":[{\"type\":\"depolarizing\","
                   "\"p\":0.1,\"qubits\":2}]}]}", 0, 0, "a 2-qubit channel on a 1-qubit gate");
    expect_refusal("not a noise model", NULL, path, "{\"hello\": 1}", 0, 0, "not a noise model tnemu knows");
    expect_refusal("malformed JSON names line and column", NULL, path, "{\"format\":\"tnemu-noise\",\n \"gates\": [}",
                   0, 0, "tnemu_test_noise.json:2:");
    FILE *f = fopen(props, "r");
    if (!f) {
        skip("shared data absent (%s): calibration refusals not checked", props);
        return;
    }
    fclose(f);
    char big[512];
    snprintf(big, sizeof big, "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[160];\nsx q[158];\n");
    expect_refusal("a qubit the calibration lacks is named", big, props, NULL, 0, 0,
                   "bad.qasm:4:1: error: qubit 158 is not in the noise model");
    expect_refusal("a gate the calibration lacks is named", bell, props, NULL, 0, 0,
                   "bad.qasm:4:1: error: h on qubit 0 has no calibration");
    expect_refusal("--allow-uncalibrated runs it", bell, props, NULL, 0, 1, NULL);
    const char *rzz01 = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\nrzz(0.5) q[0],q[1];\n";
    expect_refusal("an unusable gate (gate_error 1) is named", rzz01, props, NULL, 0, 0,
                   "rzz on qubits 0,1) is marked unusable");
    expect_refusal("--allow-faulty runs it", rzz01, props, NULL, 1, 0, NULL);
    const char *uncoupled = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[10];\ncz q[0],q[9];\n";
    expect_refusal("a two-qubit gate off the coupling map is named", uncoupled, props, NULL, 0, 0,
                   "cz on qubits 0,9 has no calibration");
}

/* ---- 1/f dephasing ------------------------------------------------------------ */

static void check_dephasing(void)
{
    write_file("/tmp/tnemu_test_noise.json", "{\"format\":\"tnemu-noise\",\"durations\":{\"1q\":1e-8}}");
    noise_model *m = NULL;
    noise_load("/tmp/tnemu_test_noise.json", NULL, 1, &m);
    char src[8192] = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[1];\nh q[0];\n";
    for (int i = 0; i < 400; i++) strcat(src, "id q[0];\n");
    strcat(src, "h q[0];\n");
    circuit *c = NULL;
    qasm_parse_string(src, strlen(src), "ramsey.qasm", &c);
    const double amp = 2e5, alpha = 1.0;
    noisy_options o = {0, 0, amp, alpha};
    noisy_plan *p = NULL;
    int status = noisy_plan_create(m, c, &o, &p);
    if (!ok(status == TN_OK, "1/f: a plan with dephasing")) { diag("%s", tn_last_message()); return; }
    /* increments of the accumulated phase give the frequency series back */
    double T = noisy_duration(p);
    int npts = 256, trials = 300;
    double dt = T / npts, var = 0;
    double *power = calloc((size_t)npts / 2, sizeof(double)), *x = malloc((size_t)npts * sizeof(double));
    double phi2 = 0, cosmean = 0;
    for (int t = 0; t < trials; t++) {
        noisy_begin(p, 99, t);
        for (int j = 0; j < npts; j++) {
            x[j] = (noisy_phase(p, 0, (j + 1) * dt) - noisy_phase(p, 0, j * dt)) / (2 * M_PI * dt);
            var += x[j] * x[j] / ((double)npts * trials);
        }
        for (int k = 1; k < npts / 2; k++) {
            double complex s = 0;
            for (int j = 0; j < npts; j++) s += x[j] * cexp(-2 * M_PI * I * j * k / npts);
            power[k] += creal(s * conj(s)) / trials;
        }
        double phi = noisy_phase(p, 0, T - 1e-8);   /* the last kick is at the start of the final h */
        phi2 += phi * phi / trials;
        cosmean += cos(phi) / trials;
    }
    /* least-squares slope of log power against log frequency, bins 2..npts/8 */
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    int nb = 0;
    for (int k = 2; k <= npts / 8; k++) {
        double lx = log(k), ly = log(power[k]);
        sx += lx; sy += ly; sxx += lx * lx; sxy += lx * ly; nb++;
    }
    double slope = (nb * sxy - sx * sy) / (nb * sxx - sx * sx);
    ok(fabs(slope + alpha) < 0.25, "1/f: the series' power spectrum falls as f^%.2f (asked -%.1f)", slope, alpha);
    ok(var > 0.5 * amp * amp && var < 1.1 * amp * amp,
       "1/f: RMS frequency offset %.3g Hz (asked %.3g Hz, less what falls between grid points)", sqrt(var), amp);
    ok(fabs(cosmean - exp(-phi2 / 2)) < 0.05,
       "1/f: the accumulated phase is Gaussian: E[cos phi] %.3f = exp(-E[phi^2]/2) %.3f", cosmean, exp(-phi2 / 2));
    free(power);
    free(x);
    noisy_plan_destroy(&p);
    /* the Ramsey fringe of the run equals E[cos phi] of the same trajectories */
    run_options ro;
    memset(&ro, 0, sizeof ro);
    const char *obs[] = {"Z0"};
    ro.shots = 0; ro.seed = 99; ro.order = "identity"; ro.observables = obs; ro.nobservables = 1;
    ro.noise = m; ro.trajectories = 300; ro.noisy = o;
    run_result res;
    status = run_circuit(c, &ro, &res);
    if (status == TN_OK) status = run_collect(MPI_COMM_WORLD, &ro, &res);
    ok(status == TN_OK && fabs(res.expectation[0] - cosmean) < 1e-9,
       "1/f: Ramsey <Z> over 300 trajectories %.4f equals E[cos phi] %.4f of the same series",
       status == TN_OK ? res.expectation[0] : NAN, cosmean);
    run_result_free(&res);
    noise_destroy(&m);
    circ_destroy(&c);
}

/* Origin chip configurations: values land where the format says. */
static void check_origin(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/origin/wukong72/chip_config_2026-03-08.json", shared_root());
    FILE *f = fopen(path, "r");
    if (!f) { skip("shared data absent (%s): Origin model not checked", path); return; }
    fclose(f);
    noise_model *m = NULL;
    if (!ok(noise_load(path, NULL, 1, &m) == TN_OK, "origin chip_config loads")) { diag("%s", tn_last_message()); return; }
    circ_op op;
    memset(&op, 0, sizeof op);
    op.kind = OP_GATE; op.gate = GATE_CZ; op.nqubits = 2; op.qubits[0] = 1; op.qubits[1] = 0;
    const noise_rule *r = noise_lookup(m, &op);
    ok(m->nqubits == 72 && r && fabs(r->gate_error - (1 - 0.9812)) < 1e-12 && fabs(r->duration - 40e-9) < 1e-15 &&
       fabs(1 - rule_average_fidelity(r, 2) - r->gate_error) < 1e-9,
       "origin: cz on (1,0) gets the coupler's CZ error 1 - 0.9812 over 40 ns, matched exactly");
    op.gate = GATE_RZ; op.nqubits = 1; op.qubits[0] = 0;
    r = noise_lookup(m, &op);
    ok(r && r->napply == 0 && r->duration == 0, "origin: rz is a free frame change");
    op.gate = GATE_SX;
    r = noise_lookup(m, &op);
    ok(r && fabs(r->gate_error - (1 - 0.9979)) < 1e-12, "origin: sx on qubit 0 gets 1 - SingleGateFidelity");
    const noise_qubit *q0 = noise_qubit_params(m, 0);
    ok(fabs(q0->t1 - 11.374e-6) < 1e-15 && fabs(q0->p1_given0 - 0.09) < 1e-12 && fabs(q0->p0_given1 - 0.183) < 1e-12,
       "origin: qubit 0 T1 and readout confusion from FidelityMat");
    ok(noise_qubit_params(m, 5)->faulty && !noise_qubit_params(m, 4)->faulty,
       "origin: qubit 5 (not in AvailableQubits) is unusable, qubit 4 is not");
    noise_destroy(&m);
    snprintf(path, sizeof path, "%s/origin/wukong72/cloud_chip_config_2026-03-08.json", shared_root());
    if (!ok(noise_load_t2(path, NULL, 1, NOISE_T2_RAMSEY, &m) == TN_OK, "origin cloud_chip_config loads (--t2 ramsey)")) {
        diag("%s", tn_last_message());
        return;
    }
    op.gate = GATE_CZ; op.nqubits = 2; op.qubits[0] = 7; op.qubits[1] = 1;
    r = noise_lookup(m, &op);
    const noise_qubit *q44 = noise_qubit_params(m, 44);
    ok(r && fabs(r->gate_error - (1 - 0.9755)) < 1e-12 && fabs(q44->p1_given0 - (1 - 0.9742)) < 1e-12 &&
       fabs(q44->p0_given1 - (1 - 0.9442)) < 1e-12 && fabs(q44->t2 - 1.81e-6) < 1e-15,
       "origin cloud: CZ(1,7) fidelity, qubit 44 readout P00/P11 and T2");
    noise_destroy(&m);
    ok(noise_load_t2(path, NULL, 1, NOISE_T2_ECHO, &m) == TN_OK && fabs(noise_qubit_params(m, 44)->t2 - 3.49e-6) < 1e-15,
       "origin cloud, --t2 echo: qubit 44 relaxes with its echo Ts2 3.49 us");
    noise_destroy(&m);
}


/* ---- ECR devices (IBM Eagle, brisbane) ---------------------------------------- */

/* A native-gate circuit as Qiskit exports it for brisbane (ecr defined
 * through rzx), including an ecr the wrong way round (0 -> 1: brisbane
 * calibrates 1 -> 0) and delays in dt and in us. */
static const char *brisbane_src =
    "OPENQASM 2.0;\ninclude \"qelib1.inc\";\n"
    "gate rzx(param0) q0,q1 { h q1; cx q0,q1; rz(param0) q1; cx q0,q1; h q1; }\n"
    "gate ecr q0,q1 { rzx(pi/4) q0,q1; x q0; rzx(-pi/4) q0,q1; }\n"
    "qreg q[4];\ncreg c[4];\n"
    "sx q[0];\nsx q[1];\nrz(0.3) q[1];\necr q[1],q[0];\nsx q[2];\necr q[2],q[1];\nx q[3];\n"
    "delay(400) q[3];\necr q[3],q[2];\nsx q[0];\nrz(1.1) q[2];\nsx q[2];\necr q[0],q[1];\ndelay(0.3us) q[0];\n"
    "sx q[1];\nmeasure q -> c;\n";

static void check_brisbane_rules(const char *props)
{
    noise_model *m = NULL;
    if (!ok(noise_load(props, NULL, 1, &m) == TN_OK, "brisbane: IBM properties and conf load")) {
        diag("%s", tn_last_message());
        return;
    }
    ok(fabs(m->dt - 0.5e-9) < 1e-20, "brisbane: dt 0.5 ns from conf_brisbane.json (%g s)", m->dt);
    circ_op op;
    memset(&op, 0, sizeof op);
    op.kind = OP_GATE; op.gate = GATE_ECR; op.nqubits = 2; op.qubits[0] = 1; op.qubits[1] = 0;
    const noise_rule *fwd = noise_lookup(m, &op);
    op.qubits[0] = 0; op.qubits[1] = 1;
    const noise_rule *rev = noise_lookup(m, &op);
    op.gate = GATE_SX; op.nqubits = 1; op.qubits[0] = 0;
    const noise_rule *sx0 = noise_lookup(m, &op);
    op.qubits[0] = 1;
    const noise_rule *sx1 = noise_lookup(m, &op);
    if (!ok(fwd && rev && sx0 && sx1 && fwd != rev, "brisbane: ecr 1,0 is calibrated and ecr 0,1 gets a rule")) {
        noise_destroy(&m);
        return;
    }
    double want = 1 - (1 - fwd->gate_error) * pow(1 - sx0->gate_error, 2) * pow(1 - sx1->gate_error, 2);
    double want_len = fwd->duration + 2 * fmax(sx0->duration, sx1->duration);
    ok(fabs(rev->gate_error - want) < 1e-12 && fabs(rev->duration - want_len) < 1e-15,
       "brisbane: ecr 0,1 is ecr 1,0 plus 2 sx on each qubit (error %.5f = 1-(1-%.5f)(1-%.5f)^2(1-%.5f)^2, %.0f ns)",
       rev->gate_error, fwd->gate_error, sx0->gate_error, sx1->gate_error, rev->duration * 1e9);
    /* the error the channels make: the rule's, or more when T1/T2 alone over
     * the gate's length exceed it (then the rule is relaxation only) */
    double err_rev = 1 - rule_average_fidelity(rev, 2), err_fwd = 1 - rule_average_fidelity(fwd, 2);
    int rev_ok = fabs(err_rev - rev->gate_error) < 1e-9 || (err_rev > rev->gate_error && rev->napply == 2);
    int fwd_ok = fabs(err_fwd - fwd->gate_error) < 1e-9 || (err_fwd > fwd->gate_error && fwd->napply == 2);
    ok(rev_ok && fwd_ok, "brisbane: both ecr rules' channels make the rule's error or, relaxation-limited, only "
       "T1/T2 (%.6g for %.6g, %.6g for %.6g)", err_rev, rev->gate_error, err_fwd, fwd->gate_error);
    size_t ecr_rules = 0;
    for (size_t i = 0; i < m->nrules; i++) ecr_rules += strcmp(m->rules[i].gate, "ecr") == 0;
    is_int((long)ecr_rules, 288, "brisbane: 144 calibrated ecr directions and 144 turned round");
    circuit *c = NULL;
    int status = qasm_parse_string(brisbane_src, strlen(brisbane_src), "brisbane4.qasm", &c);
    size_t ecr = 0, delays = 0;
    for (size_t i = 0; c && i < c->nops; i++) {
        ecr += c->ops[i].gate == GATE_ECR && c->ops[i].kind == OP_GATE;
        delays += c->ops[i].gate == GATE_DELAY && c->ops[i].kind == OP_GATE;
    }
    ok(status == TN_OK && ecr == 4 && delays == 2, "brisbane: Qiskit's `gate ecr` definition is read as the built-in "
       "ecr (%zu of 4), delays as delays (%zu of 2)", ecr, delays);
    noisy_plan *p = NULL;
    noisy_options o = {0, 0, 0, 0};
    status = c ? noisy_plan_create(m, c, &o, &p) : TN_ERR_INPUT;
    ok(status == TN_OK && noisy_uncalibrated(p) == 0, "brisbane: every gate calibrated, no --allow-uncalibrated");
    if (status != TN_OK) diag("%s", tn_last_message());
    noisy_plan_destroy(&p);
    circ_destroy(&c);
    noise_destroy(&m);
}

static void check_brisbane_trajectories(const char *props)
{
    noise_model *m = NULL;
    circuit *c = NULL;
    if (noise_load(props, NULL, 30, &m) != TN_OK ||
        qasm_parse_string(brisbane_src, strlen(brisbane_src), "brisbane4.qasm", &c) != TN_OK) {
        ok(0, "brisbane at noise scale 30: model and circuit load");
        diag("%s", tn_last_message());
        noise_destroy(&m);
        circ_destroy(&c);
        return;
    }
    for (int q = 0; q < m->qubit_cap; q++) m->qubit[q].p0_given1 = m->qubit[q].p1_given0 = 0;
    static const char *obs[] = {"Z0", "Z1", "Z2", "Z3", "X0", "Y1", "Z0 Z1", "X1 Z2", "Z2 Z3"};
    trajectories_against_reference("brisbane qubits 0-3", "ecr both ways, delays, idle relaxation, scale 30", c, m, obs);
    noise_destroy(&m);
    circ_destroy(&c);
}

/* model_fidelity counts the qubits the circuit uses; idle ones only in
 * model_fidelity_all_qubits. The same gates in a 1-qubit and a 6-qubit
 * register give the same model_fidelity. */
static void check_model_fidelity_used(const char *props)
{
    const char *one = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[1];\nsx q[0];\ndelay(1us) q[0];\nx q[0];\n";
    const char *six = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[6];\nsx q[0];\ndelay(1us) q[0];\nx q[0];\n";
    noise_model *m = NULL;
    circuit *c1 = NULL, *c6 = NULL;
    noisy_plan *p1 = NULL, *p6 = NULL;
    noisy_options o = {0, 0, 0, 0};
    int status = noise_load(props, NULL, 1, &m);
    if (status == TN_OK) status = qasm_parse_string(one, strlen(one), "one.qasm", &c1);
    if (status == TN_OK) status = qasm_parse_string(six, strlen(six), "six.qasm", &c6);
    if (status == TN_OK) status = noisy_plan_create(m, c1, &o, &p1);
    if (status == TN_OK) status = noisy_plan_create(m, c6, &o, &p6);
    ok(status == TN_OK && fabs(noisy_model_fidelity(p1) - noisy_model_fidelity(p6)) < 1e-14 &&
       noisy_model_fidelity(p1) < 1 && noisy_model_fidelity_all_qubits(p6) < noisy_model_fidelity(p6) - 1e-6,
       "model_fidelity over the qubits used: %.6f on 1 and on 6 qubits (%.6f), all 6 qubits %.6f",
       p1 ? noisy_model_fidelity(p1) : 0, p6 ? noisy_model_fidelity(p6) : 0,
       p6 ? noisy_model_fidelity_all_qubits(p6) : 0);
    noisy_plan_destroy(&p1);
    noisy_plan_destroy(&p6);
    circ_destroy(&c1);
    circ_destroy(&c6);
    noise_destroy(&m);
}

static void check_brisbane(void)
{
    char props[1024];
    snprintf(props, sizeof props, "%s/ibm-backends/brisbane/props_brisbane.json", shared_root());
    FILE *f = fopen(props, "r");
    if (!f) {
        skip("shared data absent (%s): ECR device not checked", props);
        return;
    }
    fclose(f);
    check_brisbane_rules(props);
    check_brisbane_trajectories(props);
    check_model_fidelity_used(props);
    expect_refusal("a delay in dt under a model without dt is refused naming dt",
                   "OPENQASM 2.0;\nqreg q[1];\ndelay(100) q[0];\n", "/tmp/tnemu_test_nodt.json",
                   "{\"format\": \"tnemu-noise\", \"qubits\": [{\"qubit\": 0, \"t1\": 1e-4, \"t2\": 1e-4}]}", 0, 0,
                   "needs the device's sample time dt");
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    circuit *c = NULL;
    qasm_parse_string(circuit3, strlen(circuit3), "noisy3.qasm", &c);
    check_channel_kinds(c);
    check_readout();
    check_scale_zero(c);
    check_barrier_wait();
    char props[1024];
    snprintf(props, sizeof props, "%s/ibm-backends/fez/props_fez.json", shared_root());
    FILE *f = fopen(props, "r");
    if (f) {
        fclose(f);
        check_ibm_gate_errors(props);
        check_ibm_trajectories(props);
    } else {
        skip("shared data absent (%s): IBM model not checked", props);
        skip("shared data absent (%s): IBM trajectories not checked", props);
    }
    check_origin();
    check_bad_input(props);
    check_dephasing();
    check_brisbane();
    circ_destroy(&c);
    int status = done_testing();
    MPI_Finalize();
    return status;
}
