/* test_coherent.c - coherent errors of the tnemu noise format (over-rotation
 * per gate rule, static ZZ per coupler) against the exact density-matrix
 * reference (tests/ref/densmat.c).
 *
 * The reference builds the over-rotated gates from their definitions here
 * (rx(pi + eps) for x, cx then rzx(eps), ...; docs/noise-format.md), not
 * from src/coherent.c, and schedules the ZZ phases itself. Checked: (1)
 * over-rotation alone is the exact rotated circuit to 1e-12 (one trajectory,
 * every Pauli expectation and the distribution); (2) ZZ over an idle wait and
 * over a gate is exp(-i 2 pi zz t ZZ/2) exactly; (3) with depolarizing noise
 * the trajectory means lie within 4 standard errors of the density matrix;
 * (4) folding G, G G^dag G, G (G^dag G)^2 multiplies the infidelity by about
 * 9 and 25 (coherent errors add in amplitude); (5) bad values are refused
 * with one-line errors naming the entry. */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
#define NOISE_PATH "/tmp/tnemu_test_coherent.json"

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) { perror(path); exit(1); }
    fputs(text, f);
    fclose(f);
}

/* ---- the reference's gates (independent of src/coherent.c) ---------------- */

static void pauli(char l, double complex *m)
{
    double complex x[4] = {0, 1, 1, 0}, y[4] = {0, -I, I, 0}, z[4] = {1, 0, 0, -1}, id[4] = {1, 0, 0, 1};
    memcpy(m, l == 'X' ? x : l == 'Y' ? y : l == 'Z' ? z : id, sizeof x);
}

/* exp(-i a/2 A (x) B) for Pauli letters A on q[0], B on q[1]. */
static void pauli2_rotation(char a, char b, double angle, double complex *u)
{
    double complex pa[4], pb[4];
    pauli(a, pa);
    pauli(b, pb);
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 4; c++)
            u[r * 4 + c] = (r == c ? cos(angle / 2) : 0) -
                           I * sin(angle / 2) * pa[(r >> 1) * 2 + (c >> 1)] * pb[(r & 1) * 2 + (c & 1)];
}

static void apply_gate(dm_state *d, int g, const double *params, const int *qubits)
{
    double complex u[64];
    sv_gate_matrix(g, params, u);
    dm_apply_matrix(d, u, sv_gate_nqubits(g), qubits);
}

static void apply_named(dm_state *d, int g, double angle, const int *qubits)
{
    double p[4] = {angle, 0, 0, 0};
    apply_gate(d, g, p, qubits);
}

/* Gate op applied as if over-rotated by eps, as docs/noise-format.md defines it. */
static void apply_overrotated(dm_state *d, const circ_op *op, double eps)
{
    const int *q = op->qubits;
    double p[4];
    memcpy(p, op->params, sizeof p);
    double complex u[16];
    switch (op->gate) {
    case GATE_X: apply_named(d, GATE_RX, M_PI + eps, q); return;
    case GATE_Y: apply_named(d, GATE_RY, M_PI + eps, q); return;
    case GATE_Z: apply_named(d, GATE_P, M_PI + eps, q); return;
    case GATE_S: apply_named(d, GATE_P, M_PI / 2 + eps, q); return;
    case GATE_SDG: apply_named(d, GATE_P, -M_PI / 2 + eps, q); return;
    case GATE_T: apply_named(d, GATE_P, M_PI / 4 + eps, q); return;
    case GATE_TDG: apply_named(d, GATE_P, -M_PI / 4 + eps, q); return;
    case GATE_SX: apply_named(d, GATE_RX, M_PI / 2 + eps, q); return;
    case GATE_SXDG: apply_named(d, GATE_RX, -M_PI / 2 + eps, q); return;
    case GATE_H: {   /* a rotation by pi + eps about (X + Z)/sqrt2 */
        double c = cos((M_PI + eps) / 2), s = sin((M_PI + eps) / 2) / sqrt(2.0);
        double complex h[4] = {c - I * s, -I * s, -I * s, c + I * s};
        dm_apply_matrix(d, h, 1, q);
        return;
    }
    case GATE_U2: { double u3p[4] = {M_PI / 2 + eps, p[0], p[1], 0}; apply_gate(d, GATE_U3, u3p, q); return; }
    case GATE_CX: apply_gate(d, GATE_CX, p, q); pauli2_rotation('Z', 'X', eps, u); break;
    case GATE_CY: apply_gate(d, GATE_CY, p, q); pauli2_rotation('Z', 'Y', eps, u); break;
    case GATE_CZ: apply_gate(d, GATE_CZ, p, q); pauli2_rotation('Z', 'Z', eps, u); break;
    case GATE_ECR:   /* ecr = x(q0) rzx(pi/2): rzx(pi/2 + eps), then x on q0 */
        pauli2_rotation('Z', 'X', M_PI / 2 + eps, u);
        dm_apply_matrix(d, u, 2, q);
        apply_named(d, GATE_X, 0, q);
        return;
    default:         /* rotation gates: the angle is the first parameter */
        p[0] += eps;
        apply_gate(d, op->gate, p, q);
        return;
    }
    dm_apply_matrix(d, u, 2, q);
}

/* ---- running ---------------------------------------------------------------- */

static circuit *parse(const char *src, const char *name)
{
    circuit *c = NULL;
    if (qasm_parse_string(src, strlen(src), name, &c) != TN_OK) {
        diag("%s: %s", name, tn_last_message());
        exit(1);
    }
    return c;
}

static noise_model *load(const char *json, double scale)
{
    write_file(NOISE_PATH, json);
    noise_model *m = NULL;
    if (noise_load(NOISE_PATH, NULL, scale, &m) != TN_OK) {
        diag("%s", tn_last_message());
        exit(1);
    }
    return m;
}

static int run_noisy(const circuit *c, const noise_model *m, long T, const char **obs, int nobs, run_result *res)
{
    run_options o;
    memset(&o, 0, sizeof o);
    o.shots = T;
    o.seed = 777;
    o.order = "identity";
    o.observables = obs;
    o.nobservables = nobs;
    o.noise = m;
    o.trajectories = T;
    o.probabilities = 1;
    int status = run_circuit(c, &o, res);
    if (status == TN_OK) status = run_collect(MPI_COMM_WORLD, &o, res);
    if (status != TN_OK) diag("%s", tn_last_message());
    return status;
}

/* Every Pauli string on n qubits but the identity ("X0 Z2" ...). */
static int all_paulis(int n, char names[][32], const char **obs)
{
    int count = 0;
    for (int idx = 1; idx < (1 << (2 * n)); idx++) {
        names[count][0] = 0;
        for (int q = 0; q < n; q++) {
            int l = (idx >> (2 * q)) & 3;
            if (!l) continue;
            size_t len = strlen(names[count]);
            snprintf(names[count] + len, 32 - len, "%s%c%d", len ? " " : "", "IXYZ"[l], q);
        }
        obs[count] = names[count];
        count++;
    }
    return count;
}

/* Largest difference of every Pauli expectation and probability from d. */
static double largest_difference(const circuit *c, const run_result *res, const dm_state *d, const char **obs, int nobs)
{
    double worst = 0;
    char paulis[16];
    for (int k = 0; k < nobs; k++) {
        run_parse_observable(obs[k], c->nqubits, paulis);
        worst = fmax(worst, fabs(res->expectation[k] - dm_expect_pauli(d, paulis)));
    }
    for (size_t x = 0; x < res->nprobs; x++) worst = fmax(worst, fabs(res->probs[x] - dm_prob(d, x)));
    return res->nprobs ? worst : INFINITY;
}

/* ---- (1) over-rotation alone ------------------------------------------------ */

static const char *gates_src =
    "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[3];\ncreg c[3];\n"
    "h q[0];\nsx q[1];\nx q[2];\ny q[0];\nz q[1];\ns q[2];\nsdg q[0];\nt q[1];\ntdg q[2];\nsxdg q[0];\n"
    "rx(0.3) q[1];\nry(-0.8) q[2];\nrz(1.1) q[0];\np(0.4) q[1];\nu2(0.2,0.9) q[2];\nu3(0.5,1.2,-0.4) q[0];\n"
    "cx q[0],q[1];\ncy q[1],q[2];\ncz q[2],q[0];\necr q[0],q[2];\nrzz(0.6) q[1],q[2];\nrzx(-0.7) q[2],q[1];\n"
    "crx(0.9) q[0],q[1];\ncp(0.8) q[1],q[2];\nrxx(0.35) q[0],q[2];\nh q[1];\ncx q[2],q[1];\n"
    "measure q -> c;\n";

static void check_overrotation_alone(void)
{
    circuit *c = parse(gates_src, "overrotation.qasm");
    noise_model *m = load("{\"format\":\"tnemu-noise\",\"idle\":false,\"gates\":["
                          "{\"gate\":\"*\",\"overrotation\":0.03},{\"gate\":\"cx\",\"overrotation\":0.07},"
                          "{\"gate\":\"ecr\",\"qubits\":[0,2],\"overrotation\":-0.05}]}", 1);
    static char names[64][32];
    const char *obs[64];
    int nobs = all_paulis(3, names, obs);
    run_result res;
    if (ok(run_noisy(c, m, 1, obs, nobs, &res) == TN_OK, "over-rotation: one trajectory runs")) {
        dm_state d, ideal;
        dm_init(&d, 3);
        dm_init(&ideal, 3);
        for (size_t i = 0; i < c->nops; i++) {
            const circ_op *op = &c->ops[i];
            if (op->kind != OP_GATE) continue;
            double eps = op->gate == GATE_CX ? 0.07 : op->gate == GATE_ECR ? -0.05 : 0.03;
            apply_overrotated(&d, op, eps);
            apply_gate(&ideal, op->gate, op->params, op->qubits);
        }
        double diff = largest_difference(c, &res, &d, obs, nobs);
        double visible = largest_difference(c, &res, &ideal, obs, nobs);
        ok(diff < 1e-12, "over-rotation alone (27 gates of 21 kinds, eps 0.03, cx 0.07, ecr -0.05) is the exact "
           "over-rotated circuit: all 63 Pauli expectations and the distribution within %.2g (< 1e-12)", diff);
        ok(visible > 1e-2, "over-rotation: the error is visible (differs from the ideal circuit by %.3f)", visible);
        dm_free(&d);
        dm_free(&ideal);
    }
    run_result_free(&res);
    noise_destroy(&m);
    circ_destroy(&c);
}

/* ---- (2) ZZ alone ------------------------------------------------------------- */

static void check_zz_idle(void)
{
    const double zz = 5e4, wait = 1e-6, phi = 2 * M_PI * zz * wait;
    circuit *c = parse("OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\ncreg c[2];\nh q[0];\nh q[1];\n"
                       "delay(1us) q[0];\nmeasure q -> c;\n", "zz_idle.qasm");
    noise_model *m = load("{\"format\":\"tnemu-noise\",\"durations\":{\"1q\":0},"
                          "\"couplers\":[{\"qubits\":[1,0],\"zz\":5e4}]}", 1);
    const char *obs[] = {"X0", "Y0 Z1", "X1", "Z0 Y1", "Y0", "X0 X1"};
    double exact[] = {cos(phi), sin(phi), cos(phi), sin(phi), 0, 1};
    run_result res;
    if (ok(run_noisy(c, m, 1, obs, 6, &res) == TN_OK, "ZZ over idle time: the circuit runs")) {
        double worst = 0;
        for (int k = 0; k < 6; k++) worst = fmax(worst, fabs(res.expectation[k] - exact[k]));
        ok(worst < 1e-12, "ZZ over a 1 us wait at zz = 50 kHz: |++> gets exp(-i phi/2 Z0 Z1), phi = 2 pi zz t = "
           "%.6f: <X0> = cos phi = %.12f, <Y0 Z1> = sin phi = %.12f (largest difference %.2g < 1e-12)", phi,
           res.expectation[0], res.expectation[1], worst);
    }
    run_result_free(&res);
    noise_destroy(&m);
    circ_destroy(&c);

    /* over a 300 ns cz on the coupler, and the third qubit's coupler until the end */
    c = parse("OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[3];\ncreg c[3];\nh q[0];\nh q[1];\nh q[2];\n"
              "cz q[0],q[1];\nmeasure q -> c;\n", "zz_gate.qasm");
    m = load("{\"format\":\"tnemu-noise\",\"durations\":{\"1q\":0,\"2q\":3e-7},"
             "\"couplers\":[{\"qubits\":[0,1],\"zz\":1e5},{\"qubits\":[1,2],\"zz\":-2e5}]}", 1);
    static char names[64][32];
    const char *all[64];
    int nobs = all_paulis(3, names, all);
    if (ok(run_noisy(c, m, 1, all, nobs, &res) == TN_OK, "ZZ over a gate: the circuit runs")) {
        dm_state d;
        dm_init(&d, 3);
        for (int q = 0; q < 3; q++) apply_named(&d, GATE_H, 0, &q);
        int q01[2] = {0, 1}, q12[2] = {1, 2};
        apply_named(&d, GATE_CZ, 0, q01);
        apply_named(&d, GATE_RZZ, 2 * M_PI * 1e5 * 3e-7, q01);
        apply_named(&d, GATE_RZZ, 2 * M_PI * -2e5 * 3e-7, q12);
        double diff = largest_difference(c, &res, &d, all, nobs);
        ok(diff < 1e-12, "ZZ during a 300 ns cz (zz 100 kHz on 0-1, -200 kHz on 1-2): rzz(2 pi zz t) on each "
           "coupler, exact to %.2g (< 1e-12)", diff);
        dm_free(&d);
    }
    run_result_free(&res);
    noise_destroy(&m);
    circ_destroy(&c);

    m = load("{\"format\":\"tnemu-noise\",\"couplers\":[{\"qubits\":[0,1],\"zz\":1e5}],"
             "\"gates\":[{\"overrotation\":0.2}]}", 0);
    c = parse("OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\nh q[0];\ncx q[0],q[1];\n", "scale0.qasm");
    noisy_plan *p = NULL;
    noisy_options o = {0, 0, 0, 0};
    int status = noisy_plan_create(m, c, &o, &p);
    ok(status == TN_OK && noisy_model_fidelity(p) == 1, "--noise-scale 0 removes over-rotation and ZZ (model "
       "fidelity %g)", p ? noisy_model_fidelity(p) : -1);
    noisy_plan_destroy(&p);
    noise_destroy(&m);
    circ_destroy(&c);
}

/* ---- (3) with depolarizing noise -------------------------------------------- */

typedef struct { int a, b; double zz, t; } ref_coupler;

static void depolarize(dm_state *d, int k, const int *qubits, double p)
{
    int n = 1 << (2 * k), dd = n;   /* n Pauli strings of dd = 4^k entries each */
    double complex ops[16 * 16];
    for (int idx = 0; idx < n; idx++) {
        double w = idx ? sqrt(p / n) : sqrt(1 - (n - 1) * p / n);
        double complex u[16];
        if (k == 1) pauli("IXYZ"[idx], u);
        else pauli2_rotation("IXYZ"[idx >> 2], "IXYZ"[idx & 3], M_PI, u);   /* = -i A (x) B, or the identity */
        if (k == 2 && idx == 0) for (int e = 0; e < 16; e++) u[e] = e % 5 == 0;
        for (int e = 0; e < dd; e++) ops[idx * dd + e] = w * u[e];
    }
    dm_apply_kraus(d, n, ops, k, qubits);
}

/* The ZZ phase of every coupler touching qubits (all: nq 0) up to time t. */
static void ref_zz(dm_state *d, ref_coupler *cp, int ncp, int nq, const int *qubits, double t)
{
    for (int i = 0; i < ncp; i++) {
        int touched = nq == 0;
        for (int j = 0; j < nq; j++) touched |= qubits[j] == cp[i].a || qubits[j] == cp[i].b;
        if (!touched || t <= cp[i].t) continue;
        int q[2] = {cp[i].a, cp[i].b};
        apply_named(d, GATE_RZZ, 2 * M_PI * cp[i].zz * (t - cp[i].t), q);
        cp[i].t = t;
    }
}

static void check_with_depolarizing(void)
{
    circuit *c = parse("OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[3];\ncreg c[3];\n"
                       "h q[0];\ncx q[0],q[1];\nry(0.7) q[2];\ncx q[1],q[2];\nrx(0.4) q[0];\nx q[2];\n"
                       "measure q -> c;\n", "combined.qasm");
    noise_model *m = load("{\"format\":\"tnemu-noise\",\"idle\":false,\"durations\":{\"1q\":5e-8,\"2q\":3e-7},"
                          "\"couplers\":[{\"qubits\":[0,1],\"zz\":2e5},{\"qubits\":[2,1],\"zz\":-1.5e5},"
                          "{\"qubits\":[0,2],\"zz\":5e5}],\"gates\":["
                          "{\"gate\":\"*\",\"overrotation\":0.1,\"channels\":[{\"type\":\"depolarizing\",\"p\":0.05}]},"
                          "{\"gate\":\"cx\",\"overrotation\":0.15,\"channels\":[{\"type\":\"depolarizing\","
                          "\"p\":0.08,\"qubits\":2}]}]}", 1);
    static char names[64][32];
    const char *obs[64];
    int nobs = all_paulis(3, names, obs);
    run_result res;
    long T = 4000;
    if (ok(run_noisy(c, m, T, obs, nobs, &res) == TN_OK, "with depolarizing: %ld trajectories run", T)) {
        dm_state d;
        dm_init(&d, 3);
        ref_coupler cp[3] = {{0, 1, 2e5, 0}, {2, 1, -1.5e5, 0}, {0, 2, 5e5, 0}};
        double t_free[3] = {0, 0, 0}, t_end = 0;
        for (size_t i = 0; i < c->nops; i++) {
            const circ_op *op = &c->ops[i];
            if (op->kind != OP_GATE) continue;
            double start = 0;
            for (int j = 0; j < op->nqubits; j++) start = fmax(start, t_free[op->qubits[j]]);
            double end = start + (op->nqubits == 1 ? 5e-8 : 3e-7);
            ref_zz(&d, cp, 3, op->nqubits, op->qubits, start);
            apply_overrotated(&d, op, op->nqubits == 1 ? 0.1 : 0.15);
            ref_zz(&d, cp, 3, op->nqubits, op->qubits, end);
            if (op->nqubits == 1) depolarize(&d, 1, op->qubits, 0.05);
            else depolarize(&d, 2, op->qubits, 0.08);
            for (int j = 0; j < op->nqubits; j++) t_free[op->qubits[j]] = end;
            t_end = fmax(t_end, end);
        }
        ref_zz(&d, cp, 3, 0, NULL, t_end);
        double worst = 0;
        char what[96] = "", paulis[16];
        for (int k = 0; k < nobs; k++) {
            run_parse_observable(obs[k], 3, paulis);
            double exact = dm_expect_pauli(&d, paulis), got = res.expectation[k], se = res.expectation_stderr[k];
            double z = fabs(got - exact) < 1e-9 ? 0 : se > 0 ? fabs(got - exact) / se : INFINITY;
            if (z > worst) { worst = z; snprintf(what, sizeof what, "<%s> %.4f vs %.4f", obs[k], got, exact); }
        }
        for (size_t x = 0; x < res.nprobs; x++) {
            double exact = dm_prob(&d, x), se = sqrt(fmax(exact * (1 - exact), 1e-12) / (double)T);
            double z = fabs(res.probs[x] - exact) < 1e-12 ? 0 : fabs(res.probs[x] - exact) / se;
            if (z > worst) { worst = z; snprintf(what, sizeof what, "P(%zu) %.4f vs %.4f", x, res.probs[x], exact); }
        }
        ok(worst <= SIGMAS && res.nprobs == 8, "over-rotation, ZZ on 3 couplers and depolarizing: 63 Pauli means and "
           "8 probabilities within %.0f standard errors of the density matrix (worst %.2f: %s)", SIGMAS, worst, what);
        dm_free(&d);
    }
    run_result_free(&res);
    noise_destroy(&m);
    circ_destroy(&c);
}

/* ---- (4) folding ---------------------------------------------------------------- */

/* The infidelity of G folded to 2 * folds + 1 gates under the model at path. */
static double folded_infidelity(const char *gate, const char *inverse, int nq, int folds, noise_model *m)
{
    char src[1024], g[64], gd[64];
    snprintf(g, sizeof g, "%s %s;\n", gate, nq == 1 ? "q[0]" : "q[0],q[1]");
    snprintf(gd, sizeof gd, "%s %s;\n", inverse, nq == 1 ? "q[0]" : "q[0],q[1]");
    snprintf(src, sizeof src, "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\ncreg c[2];\n%s", g);
    for (int f = 0; f < folds; f++) { strcat(src, gd); strcat(src, g); }
    strcat(src, "measure q -> c;\n");
    circuit *c = parse(src, "folded.qasm");
    const char *obs[] = {"Y0"};
    run_result res;
    double inf = NAN;
    if (run_noisy(c, m, 1, obs, 1, &res) == TN_OK)
        inf = nq == 2 ? 1 - res.probs[0]               /* cx |00> = |00> */
                      : (1 + res.expectation[0]) / 2;  /* sx |0> has Bloch vector (0, -1, 0) */
    run_result_free(&res);
    circ_destroy(&c);
    return inf;
}

static void check_folding(void)
{
    const double eps = 0.02;
    noise_model *m = load("{\"format\":\"tnemu-noise\",\"gates\":[{\"gate\":\"cx\",\"overrotation\":0.02},"
                          "{\"gate\":\"sx\",\"overrotation\":0.02},{\"gate\":\"sxdg\",\"overrotation\":0.02}]}", 1);
    const char *gate[2] = {"cx", "sx"}, *inverse[2] = {"cx", "sxdg"};
    for (int k = 0; k < 2; k++) {
        double inf[3], worst = 0;
        for (int f = 0; f < 3; f++) {
            inf[f] = folded_infidelity(gate[k], inverse[k], k == 0 ? 2 : 1, f, m);
            double exact = pow(sin((2 * f + 1) * eps / 2), 2);   /* N eps in amplitude */
            worst = fmax(worst, fabs(inf[f] - exact));
        }
        double r3 = inf[1] / inf[0], r5 = inf[2] / inf[0];
        ok(worst < 1e-12 && r3 > 8.5 && r3 < 9.5 && r5 > 24 && r5 < 26,
           "folding %s under over-rotation %g: infidelity %.4g, %.4g, %.4g for N = 1, 3, 5 gates (= sin^2(N eps/2) to "
           "%.1g); ratios %.3f and %.3f, about N^2 = 9 and 25 (depolarizing would give about 3 and 5)", gate[k],
           eps, inf[0], inf[1], inf[2], worst, r3, r5);
    }
    noise_destroy(&m);
}

/* ---- (5) refusals ---------------------------------------------------------------- */

/* Loads json, checks it against circuit src and plans; expects TN_ERR_INPUT
 * and a one-line message containing want. */
static void expect_refusal(const char *label, const char *json, const char *src, const char *want)
{
    write_file(NOISE_PATH, json);
    noise_model *m = NULL;
    circuit *c = NULL;
    noisy_plan *p = NULL;
    int status = noise_load(NOISE_PATH, NULL, 1, &m);
    if (status == TN_OK) status = qasm_parse_string(src, strlen(src), "bad.qasm", &c);
    if (status == TN_OK) status = noise_check_circuit(m, c);
    noisy_options o = {0, 0, 0, 0};
    if (status == TN_OK) status = noisy_plan_create(m, c, &o, &p);
    const char *msg = tn_last_message();
    if (!ok(status == TN_ERR_INPUT && strstr(msg, want) && !strchr(msg, '\n'), "refused: %s", label))
        diag("status %d: %s", status, msg);
    tn_clear_error();
    noisy_plan_destroy(&p);
    circ_destroy(&c);
    noise_destroy(&m);
}

static void check_refusals(void)
{
    const char *bell = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\nh q[0];\ncx q[0],q[1];\n";
    const char *swap = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\nh q[0];\nswap q[0],q[1];\n";
    expect_refusal("over-rotation not a number",
                   "{\"format\":\"tnemu-noise\",\"gates\":[{\"gate\":\"cx\",\"overrotation\":\"0.1\"}]}", bell,
                   "gates[0]: \"overrotation\" is not a number");
    expect_refusal("over-rotation NaN (not JSON: named by line and column)",
                   "{\"format\":\"tnemu-noise\",\n\"gates\":[{\"gate\":\"cx\",\"overrotation\":NaN}]}", bell,
                   "tnemu_test_coherent.json:2:");
    expect_refusal("over-rotation infinite (1e999)",
                   "{\"format\":\"tnemu-noise\",\"gates\":[{\"gate\":\"cx\",\"overrotation\":1e999}]}", bell,
                   "tnemu_test_coherent.json:1:");
    expect_refusal("over-rotation of a gate without a convention",
                   "{\"format\":\"tnemu-noise\",\"gates\":[{\"gate\":\"swap\",\"overrotation\":0.1}]}", bell,
                   "gates[0]: \"overrotation\" is not defined for swap (only for x y z h");
    expect_refusal("a wildcard over-rotation meeting a gate without a convention",
                   "{\"format\":\"tnemu-noise\",\"gates\":[{\"overrotation\":0.1}]}", swap,
                   "gates[0]: \"overrotation\" is not defined for swap at bad.qasm:5:1");
    expect_refusal("zz not a number",
                   "{\"format\":\"tnemu-noise\",\"couplers\":[{\"qubits\":[0,1],\"zz\":\"fast\"}]}", bell,
                   "couplers[0]: \"zz\" is not a number");
    expect_refusal("zz NaN", "{\"format\":\"tnemu-noise\",\"couplers\":[{\"qubits\":[0,1],\"zz\":NaN}]}", bell,
                   "tnemu_test_coherent.json:1:");
    expect_refusal("zz missing", "{\"format\":\"tnemu-noise\",\"couplers\":[{\"qubits\":[0,1]}]}", bell,
                   "couplers[0]: needs a number \"zz\"");
    expect_refusal("zz on a qubit and itself (not a coupled pair)",
                   "{\"format\":\"tnemu-noise\",\"couplers\":[{\"qubits\":[1,1],\"zz\":1e4}]}", bell,
                   "couplers[0]: qubits 1 and 1 are not a coupled pair");
    expect_refusal("zz on a pair past nqubits",
                   "{\"format\":\"tnemu-noise\",\"nqubits\":5,\"couplers\":[{\"qubits\":[0,9],\"zz\":1e4}]}", bell,
                   "couplers[0]: qubit 9 is out of range [0, 4] (\"nqubits\")");
    expect_refusal("zz on a pair past the circuit",
                   "{\"format\":\"tnemu-noise\",\"couplers\":[{\"qubits\":[0,3],\"zz\":1e4}]}", bell,
                   "couplers[0]: qubit 3 is out of range for the 2-qubit circuit bad.qasm (qubits 0 to 1)");
    expect_refusal("zz on a negative qubit",
                   "{\"format\":\"tnemu-noise\",\"couplers\":[{\"qubits\":[-1,0],\"zz\":1e4}]}", bell,
                   "couplers[0]: qubit -1 is out of range");
    expect_refusal("zz pair given twice",
                   "{\"format\":\"tnemu-noise\",\"couplers\":[{\"qubits\":[0,1],\"zz\":1e4},"
                   "{\"qubits\":[1,0],\"zz\":2e4}]}", bell, "couplers[1]: the pair 1,0 is already couplers[0]");
    expect_refusal("zz qubits not a pair",
                   "{\"format\":\"tnemu-noise\",\"couplers\":[{\"qubits\":[0],\"zz\":1e4}]}", bell,
                   "couplers[0]: \"qubits\" must be a pair [a, b]");
    expect_refusal("a misspelt key in a coupler",
                   "{\"format\":\"tnemu-noise\",\"couplers\":[{\"qubits\":[0,1],\"zzz\":1e4}]}", bell, "zzz");
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    check_overrotation_alone();
    check_zz_idle();
    check_with_depolarizing();
    check_folding();
    check_refusals();
    int status = done_testing();
    MPI_Finalize();
    return status;
}
