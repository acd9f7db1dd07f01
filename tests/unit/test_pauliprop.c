/* test_pauliprop.c - Heisenberg-picture expectation values (pauliprop.c,
 * expect.c) and light cones (lightcone.c) against independent references:
 * the dense state vector (random circuits of every built-in gate), the
 * density matrix (channels), a stabilizer tableau (the 127-qubit kicked
 * Ising circuit at the Clifford point theta_h = pi/2) and the state vector
 * of the light-cone circuit (the kicked Ising at theta_h = pi/4, 2 and 3
 * steps). The same references check the operator MPS (opmps.c): random
 * circuits, the Clifford point (bond dimension 2: a Pauli string stays a
 * product) and the light cones at pi/4.
 * The 127-qubit checks need ../shared/data and are skipped without it. */
#include <jansson.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "circuit.h"
#include "densmat.h"
#include "error.h"
#include "expect.h"
#include "gates.h"
#include "lightcone.h"
#include "opmps.h"
#include "pauliprop.h"
#include "randmat.h"
#include "stabilizer.h"
#include "statevec.h"
#include "tap.h"

#define BRISBANE "../shared/data/ibm-backends/brisbane/conf_brisbane.json"

static void random_paulis(rng_stream *r, int n, char *p)
{
    for (int q = 0; q < n; q++) p[q] = "IXYZ"[rng_next_u32(r) % 4];
    p[n] = 0;
}

static void add_gate(circuit *c, int g, int k, const int *qubits, const double *params)
{
    circ_op op;
    memset(&op, 0, sizeof op);
    op.kind = OP_GATE;
    op.gate = g;
    op.nqubits = k;
    op.cond_reg = -1;
    memcpy(op.qubits, qubits, (size_t)k * sizeof(int));
    if (params) memcpy(op.params, params, sizeof op.params);
    circ_append(c, &op);
}

/* A random circuit over n qubits of every built-in gate of at most 3 qubits and 2-qubit unitaries. */
static circuit *random_circuit(rng_stream *r, int n, int ngates)
{
    circuit *c;
    int reg;
    circ_create("random", &c);
    circ_add_qreg(c, "q", n, &reg);
    for (int i = 0; i < ngates; i++) {
        int g = (int)(rng_next_u32(r) % (GATE_COUNT + 1)), k, q[3];
        if (g == GATE_COUNT || g == GATE_UNITARY) {
            circ_op op;
            memset(&op, 0, sizeof op);
            double complex u[16];
            randmat_unitary(r, 4, u);
            op.kind = OP_GATE;
            op.gate = GATE_UNITARY;
            op.nqubits = 2;
            op.cond_reg = -1;
            op.qubits[0] = (int)(rng_next_u32(r) % n);
            do op.qubits[1] = (int)(rng_next_u32(r) % n); while (op.qubits[1] == op.qubits[0]);
            op.matrix = u;
            circ_append(c, &op);
            continue;
        }
        k = sv_gate_nqubits(g);
        if (k < 1 || g == GATE_DELAY) continue;
        for (int j = 0; j < k; j++) {
            int again;
            do {
                q[j] = (int)(rng_next_u32(r) % n);
                again = 0;
                for (int l = 0; l < j; l++) again |= q[l] == q[j];
            } while (again);
        }
        double params[CIRC_MAX_PARAMS];
        for (int j = 0; j < CIRC_MAX_PARAMS; j++) params[j] = 2 * M_PI * rng_uniform(r) - M_PI;
        add_gate(c, g, k, q, params);
    }
    return c;
}

static double sv_of_circuit(const circuit *c, const char *paulis)
{
    sv_state s;
    sv_init(&s, c->nqubits);
    for (size_t i = 0; i < c->nops; i++) sv_apply_op(&s, &c->ops[i]);
    double v = creal(sv_expect_pauli(&s, paulis));
    sv_free(&s);
    return v;
}

static double heisenberg(const circuit *c, const char *paulis, double cutoff, expect_report *rep)
{
    expect_options eo = {EXPECT_HEISENBERG, 1, cutoff, 0};
    memset(rep, 0, sizeof *rep);
    if (expect_heisenberg(c, NULL, paulis, &eo, rep) != TN_OK) {
        diag("%s", tn_last_message());
        return NAN;
    }
    return rep->value;
}

/* The operator MPS at bond dimension chi (0: no limit). */
static double operator_mps(const circuit *c, const char *paulis, int chi, expect_report *rep)
{
    run_options o;
    memset(&o, 0, sizeof o);
    o.trunc.max_chi = chi;
    o.order = "identity";
    memset(rep, 0, sizeof *rep);
    if (opmps_expect(c, &o, paulis, rep) != TN_OK) {
        diag("%s", tn_last_message());
        return NAN;
    }
    return rep->value;
}

static void test_random_circuits(void)
{
    rng_stream r;
    rng_init(&r, 21, 1);
    double worst = 0;
    for (int t = 0; t < 20; t++) {
        circuit *c = random_circuit(&r, 5, 40);
        char p[8];
        random_paulis(&r, 5, p);
        expect_report rep;
        double got = heisenberg(c, p, 0, &rep), want = sv_of_circuit(c, p);
        if (!(fabs(got - want) <= worst)) worst = fabs(got - want);
        circ_destroy(&c);
    }
    ok(worst < 1e-10, "20 random 5-qubit circuits of every gate: Heisenberg = state vector (worst %.2e)", worst);
}

static void test_operator_mps_random(void)
{
    rng_stream r;
    rng_init(&r, 21, 7);
    double worst = 0;
    int bond_ok = 1;
    for (int t = 0; t < 20; t++) {
        int n = 3 + t % 4;
        circuit *c = random_circuit(&r, n, 30);
        char p[8];
        random_paulis(&r, n, p);
        expect_report rep;
        double got = operator_mps(c, p, 0, &rep), want = sv_of_circuit(c, p);
        if (!(fabs(got - want) <= worst)) worst = fabs(got - want);
        bond_ok &= rep.method == EXPECT_HEISENBERG_MPS && rep.opmps_sites == 2 * n && rep.fidelity_estimate == 1;
        circ_destroy(&c);
    }
    ok(worst < 1e-10, "operator MPS: 20 random 3- to 6-qubit circuits of every gate = state vector (worst %.2e)", worst);
    ok(bond_ok, "... 2 sites per qubit, nothing dropped without a bond limit");
    /* truncated: a bond limit of 2 on a random 6-qubit circuit drops weight, and says so */
    circuit *c = random_circuit(&r, 6, 60);
    char p[8] = "ZXZYZX";
    expect_report rep;
    double full = operator_mps(c, p, 0, &rep), cut = operator_mps(c, p, 2, &rep);
    ok(rep.fidelity_estimate < 1 && rep.error_bound > 0 && rep.max_bond <= 2,
       "operator MPS at chi 2: fidelity %.3f, dropped norm %.3f, bond %d", rep.fidelity_estimate, rep.error_bound,
       rep.max_bond);
    ok(fabs(cut - full) <= rep.error_estimate, "... its error estimate %.3f covers the true error %.3f",
       rep.error_estimate, fabs(cut - full));
    int covered = 1;
    double first_estimate = rep.error_estimate;
    for (int chi = 16; chi <= 48; chi += 16) {
        double mid = operator_mps(c, p, chi, &rep);
        covered &= fabs(mid - full) <= rep.error_estimate;
        diag("chi %d: error %.2e, estimate %.2e, fidelity %.3f", chi, fabs(mid - full), rep.error_estimate,
             rep.fidelity_estimate);
    }
    ok(covered && rep.error_estimate < first_estimate, "... at chi 16, 32, 48 the estimate covers the error too, "
       "and falls (%.2e at chi 48)", rep.error_estimate);
    circ_destroy(&c);
}

/* A noisy 3-qubit sequence: gates and channels forward on rho, backwards on the Pauli sum. */
static void test_channels(void)
{
    rng_stream r;
    rng_init(&r, 21, 2);
    channel ch[5];
    int ok_build = channel_depolarizing(1, 0.1, "t", &ch[0]) == TN_OK &&
                   channel_depolarizing(2, 0.05, "t", &ch[1]) == TN_OK &&
                   channel_amplitude_damping(0.2, "t", &ch[2]) == TN_OK &&
                   channel_thermal(50e-6, 30e-6, 5e-6, "t", &ch[3]) == TN_OK &&
                   channel_phase_damping(0.3, "t", &ch[4]) == TN_OK;
    ok(ok_build, "channels built");
    enum { STEPS = 24 };
    int kind[STEPS], which[STEPS], qs[STEPS][2];
    double complex u[STEPS][16];
    for (int s = 0; s < STEPS; s++) {
        kind[s] = (int)(rng_next_u32(&r) % 2);
        qs[s][0] = (int)(rng_next_u32(&r) % 3);
        qs[s][1] = (qs[s][0] + 1 + (int)(rng_next_u32(&r) % 2)) % 3;
        which[s] = (int)(rng_next_u32(&r) % 5);
        randmat_unitary(&r, 4, u[s]);
    }
    dm_state d;
    dm_init(&d, 3);
    for (int s = 0; s < STEPS; s++) {
        if (!kind[s]) { dm_apply_matrix(&d, u[s], 2, qs[s]); continue; }
        double complex *ops;
        int nops;
        channel_kraus_ops(&ch[which[s]], &ops, &nops);
        dm_apply_kraus(&d, nops, ops, ch[which[s]].nqubits, qs[s]);
        free(ops);
    }
    double worst = 0;
    for (int t = 0; t < 12; t++) {
        char p[4];
        random_paulis(&r, 3, p);
        pp_options po = {0, 0};
        pp_sum *sum;
        pp_create(3, &po, &sum);
        pp_add_string(sum, p, 1);
        for (int s = STEPS; s-- > 0;) {
            if (!kind[s]) { pp_apply_unitary(sum, u[s], 2, qs[s]); continue; }
            double complex *ops;
            int nops;
            channel_kraus_ops(&ch[which[s]], &ops, &nops);
            pp_apply_kraus(sum, ops, nops, ch[which[s]].nqubits, qs[s]);
            free(ops);
        }
        double diff = fabs(pp_expect_zero(sum) - dm_expect_pauli(&d, p));
        if (!(diff <= worst)) worst = diff;
        pp_destroy(&sum);
    }
    ok(worst < 1e-10, "depolarizing, amplitude and phase damping, thermal relaxation: adjoint = density matrix "
       "(worst %.2e)", worst);
    dm_free(&d);
    for (int i = 0; i < 5; i++) channel_free(&ch[i]);
}

static void test_truncation(void)
{
    rng_stream r;
    rng_init(&r, 21, 3);
    circuit *c = random_circuit(&r, 6, 60);
    expect_report exact, cut;
    double want = heisenberg(c, "ZZIIXI", 0, &exact), got = heisenberg(c, "ZZIIXI", 0.005, &cut);
    ok(exact.error_bound == 0 && cut.error_bound > 0, "a cutoff drops strings and says so (bound %.3g, %zu vs %zu strings)",
       cut.error_bound, cut.pauli_terms_max, exact.pauli_terms_max);
    ok(fabs(got - want) <= cut.error_bound, "the error %.3g is within the dropped |c| bound %.3g", fabs(got - want),
       cut.error_bound);
    ok(cut.error_estimate > 0 && exact.error_estimate == 0,
       "a truncated value has a self-convergence estimate (%.3g; true error %.3g)", cut.error_estimate,
       fabs(got - want));
    circ_destroy(&c);
}

/* The backward light cone of Pauli string p (n qubits) in c: its size in
 * *qubits, and unless it has more than max_qubits, the circuit on the cone's
 * qubits (*sub) and p on them (sp, n + 1 chars); *sub stays NULL otherwise. */
static void cone_of(const circuit *c, const char *p, int n, int max_qubits, int *qubits, circuit **sub, char *sp)
{
    unsigned char *observed = calloc((size_t)n, 1), *in_cone = calloc((size_t)n, 1), *keep = calloc(c->nops + 1, 1);
    int *idx = calloc((size_t)n, sizeof *idx);
    for (int q = 0; q < n; q++) observed[q] = p[q] != 'I';
    lightcone_info li;
    lightcone_mark(c, observed, 0, keep, in_cone, &li);
    *qubits = li.qubits;
    *sub = NULL;
    memset(sp, 0, (size_t)n + 1);
    if (li.qubits <= max_qubits) {
        lightcone_circuit(c, keep, in_cone, sub, idx);
        for (int q = 0; q < n; q++)
            if (idx[q] >= 0) sp[idx[q]] = p[q];
    }
    free(observed);
    free(in_cone);
    free(keep);
    free(idx);
}

static void test_lightcone_random(void)
{
    rng_stream r;
    rng_init(&r, 21, 4);
    double worst = 0;
    int pruned = 0;
    for (int t = 0; t < 10; t++) {
        circuit *c = random_circuit(&r, 8, 14);
        char p[9] = "IIIIIIII";
        p[rng_next_u32(&r) % 8] = 'X';
        p[rng_next_u32(&r) % 8] = 'Z';
        circuit *sub;
        char sp[9];
        int qubits;
        cone_of(c, p, 8, 8, &qubits, &sub, sp);
        double diff = fabs(sv_of_circuit(sub, sp) - sv_of_circuit(c, p));
        if (!(diff <= worst)) worst = diff;
        pruned += qubits < 8;
        circ_destroy(&sub);
        circ_destroy(&c);
    }
    ok(worst < 1e-12 && pruned > 0, "light-cone circuits give the whole circuit's values (worst %.2e, %d of 10 pruned)",
       worst, pruned);
}

/* ---- the 127-qubit kicked Ising circuit on Eagle (ibm_brisbane) ------------------------------ */

static int edges[400][2], nedges;

/* The couplers of the brisbane map in 3 colour classes (the greedy colouring of gen-circuit.sh). */
static int load_couplers(void)
{
    json_error_t err;
    json_t *root = json_load_file(BRISBANE, 0, &err);
    if (!root) return -1;
    json_t *map = json_object_get(root, "coupling_map");
    int list[400][2], n = 0;
    size_t i;
    json_t *e;
    json_array_foreach(map, i, e) {
        int a = (int)json_integer_value(json_array_get(e, 0)), b = (int)json_integer_value(json_array_get(e, 1));
        if (a > b) { int t = a; a = b; b = t; }
        int seen = 0;
        for (int j = 0; j < n; j++) seen |= list[j][0] == a && list[j][1] == b;
        if (!seen && n < 400) { list[n][0] = a; list[n][1] = b; n++; }
    }
    json_decref(root);
    int colour[400], classes = 0;
    for (int j = 0; j < n; j++) {
        for (colour[j] = 0;; colour[j]++) {
            int clash = 0;
            for (int l = 0; l < j; l++)
                clash |= colour[l] == colour[j] && (list[l][0] == list[j][0] || list[l][1] == list[j][0] ||
                                                    list[l][0] == list[j][1] || list[l][1] == list[j][1]);
            if (!clash) break;
        }
        if (colour[j] + 1 > classes) classes = colour[j] + 1;
    }
    nedges = 0;
    for (int cl = 0; cl < classes; cl++)
        for (int j = 0; j < n; j++)
            if (colour[j] == cl) { edges[nedges][0] = list[j][0]; edges[nedges][1] = list[j][1]; nedges++; }
    return classes;
}

/* steps of rx(theta) on all, rzz(-pi/2) on every coupler; final_rx: one more rx layer. */
static circuit *kicked_ising(int steps, double theta, int final_rx)
{
    circuit *c;
    int reg;
    circ_create("kicked-ising", &c);
    circ_add_qreg(c, "q", 127, &reg);
    double prx[CIRC_MAX_PARAMS] = {theta}, pzz[CIRC_MAX_PARAMS] = {-M_PI / 2};
    for (int s = 0; s < steps + final_rx; s++) {
        for (int q = 0; q < 127; q++) add_gate(c, GATE_RX, 1, &q, prx);
        if (s == steps) break;
        for (int e = 0; e < nedges; e++) add_gate(c, GATE_RZZ, 2, edges[e], pzz);
    }
    return c;
}

/* The same circuit at theta = pi/2 on the tableau: rx(pi/2) ~ H S H, rzz(-pi/2) ~ CX (S^dagger on b) CX. */
static void kicked_ising_tableau(stab_state *st, int steps, int final_rx)
{
    for (int s = 0; s < steps + final_rx; s++) {
        for (int q = 0; q < 127; q++) { stab_h(st, q); stab_s(st, q); stab_h(st, q); }
        if (s == steps) break;
        for (int e = 0; e < nedges; e++) {
            int a = edges[e][0], b = edges[e][1];
            stab_cx(st, a, b);
            stab_s(st, b); stab_s(st, b); stab_s(st, b);
            stab_cx(st, a, b);
        }
    }
}

static void observable(char *p, int n, const int *qubits, int k, const char *letters)
{
    memset(p, 'I', (size_t)n);
    p[n] = 0;
    for (int j = 0; j < k; j++) p[qubits[j]] = letters[j % strlen(letters)];
}

/* Row `row` of the 127-qubit tableau as a Pauli string (its sign is st->r[row]). */
static void stabilizer_string(const stab_state *st, int row, char *p)
{
    for (int q = 0; q < 127; q++) {
        int x = st->x[(size_t)row * 127 + q], z = st->z[(size_t)row * 127 + q];
        p[q] = x ? (z ? 'Y' : 'X') : (z ? 'Z' : 'I');
    }
    p[127] = 0;
}

static void test_clifford_point(void)
{
    rng_stream r;
    rng_init(&r, 21, 5);
    int mismatches = 0, nonzero = 0, total = 0;
    for (int steps = 1; steps <= 5; steps++) {
        circuit *c = kicked_ising(steps, M_PI / 2, 1);
        stab_state st;
        stab_init(&st, 127);
        kicked_ising_tableau(&st, steps, 1);
        for (int t = 0; t < 12; t++) {
            char p[128];
            int qs[17], k = t < 4 ? 1 : t < 8 ? 2 : 17;
            if (k == 2) { int e = (int)(rng_next_u32(&r) % (unsigned)nedges); qs[0] = edges[e][0]; qs[1] = edges[e][1]; }
            else {   /* a connected patch: a random walk over couplers */
                qs[0] = (int)(rng_next_u32(&r) % 127);
                for (int j = 1; j < k; j++) {
                    int tries = 0, next = -1;
                    while (next < 0 && tries++ < 1000) {
                        int e = (int)(rng_next_u32(&r) % (unsigned)nedges), from = qs[rng_next_u32(&r) % (unsigned)j];
                        int cand = edges[e][0] == from ? edges[e][1] : edges[e][1] == from ? edges[e][0] : -1;
                        for (int l = 0; l < j && cand >= 0; l++) if (qs[l] == cand) cand = -1;
                        next = cand;
                    }
                    qs[j] = next < 0 ? (qs[j - 1] + 1) % 127 : next;
                }
            }
            /* the Z string, and the Heisenberg image of a Z string through the last step (nonzero values) */
            observable(p, 127, qs, k, t % 2 ? "Z" : "XYZ");
            expect_report rep;
            double got = heisenberg(c, p, 0, &rep);
            int want = stab_expect(&st, p);
            mismatches += !(fabs(got - want) < 1e-9);
            nonzero += want != 0;
            total++;
        }
        for (int t = 0; t < 6; t++) {   /* stabilizers of the final state: +-1, wide strings */
            int row = 127 + (int)(rng_next_u32(&r) % 127);
            char p[128];
            stabilizer_string(&st, row, p);
            expect_report rep;
            double got = heisenberg(c, p, 0, &rep);
            int want = stab_expect(&st, p);
            mismatches += !(fabs(got - want) < 1e-9) || want != (st.r[row] ? -1 : 1);
            nonzero += want != 0;
            total++;
        }
        stab_free(&st);
        circ_destroy(&c);
    }
    ok(mismatches == 0 && nonzero >= 30, "theta_h = pi/2, 1..5 steps + rx: %d observables (weight 1, 2, 17, stabilizers) = tableau (%d nonzero)",
       total, nonzero);
    /* Z62 at pi/2 after 5+1 steps is a single string all along: one Pauli string, bond dimension 1 */
    circuit *c = kicked_ising(5, M_PI / 2, 1);
    char p[128];
    int q62 = 62;
    observable(p, 127, &q62, 1, "Z");
    expect_report rep;
    heisenberg(c, p, 0, &rep);
    is_int((long)rep.pauli_terms_max, 1, "a Clifford circuit keeps Z62 one Pauli string");
    circ_destroy(&c);
}

/* The operator MPS at the Clifford point: weight-1, 2 and 17 strings after
 * 5 steps + rx against the tableau, at bond dimension 2 (a Pauli string is a
 * product over the pairs, each pair a Bell-like state of bond 2). */
static void test_operator_mps_clifford(void)
{
    rng_stream r;
    rng_init(&r, 21, 8);
    circuit *c = kicked_ising(5, M_PI / 2, 1);
    stab_state st;
    stab_init(&st, 127);
    kicked_ising_tableau(&st, 5, 1);
    int mismatches = 0, nonzero = 0, total = 0, bond = 0;
    for (int t = 0; t < 6; t++) {
        char p[128];
        int qs[17], k = t < 2 ? 1 : t < 4 ? 2 : 17;
        if (k == 2) { int e = (int)(rng_next_u32(&r) % (unsigned)nedges); qs[0] = edges[e][0]; qs[1] = edges[e][1]; }
        else for (int j = 0; j < k; j++) qs[j] = (int)((37 + 5 * j + 11 * t) % 127);
        observable(p, 127, qs, k, t % 2 ? "Z" : "XYZ");
        expect_report rep;
        double got = operator_mps(c, p, 4, &rep);
        int want = stab_expect(&st, p);
        mismatches += !(fabs(got - want) < 1e-9);
        nonzero += want != 0;
        if (rep.max_bond > bond) bond = rep.max_bond;
        total++;
    }
    for (int t = 0; t < 3; t++) {   /* stabilizers of the final state: +-1 */
        int row = 127 + (int)(rng_next_u32(&r) % 127);
        char p[128];
        stabilizer_string(&st, row, p);
        expect_report rep;
        double got = operator_mps(c, p, 4, &rep);
        mismatches += !(fabs(got - (st.r[row] ? -1 : 1)) < 1e-9);
        nonzero++;
        if (rep.max_bond > bond) bond = rep.max_bond;
        total++;
    }
    ok(mismatches == 0 && nonzero >= 3, "operator MPS, theta_h = pi/2, 5 steps + rx: %d observables = tableau "
       "(%d nonzero)", total, nonzero);
    ok(bond <= 2, "... at bond dimension %d: Clifford keeps a Pauli string a product", bond);
    stab_free(&st);
    circ_destroy(&c);
}

/* The methods checked against light cones: exact (no cutoff, no bond limit),
 * each given the whole circuit and the cone's circuit. */
static double exact_heisenberg(const circuit *whole, const circuit *sub, const char *p, const char *sp)
{
    expect_report rep;
    (void)sub; (void)sp;
    return heisenberg(whole, p, 0, &rep);
}

static double exact_operator_mps(const circuit *whole, const circuit *sub, const char *p, const char *sp)
{
    expect_report rep;
    (void)whole; (void)p;
    return operator_mps(sub, sp, 0, &rep);
}

/* theta = pi/4, 2 and 3 steps: a method (on the whole circuit or the cone)
 * against the state vector of the light cone's circuit. */
static void test_lightcone_exact(const char *name,
                                 double (*method)(const circuit *, const circuit *, const char *, const char *))
{
    int checked = 0, largest = 0;
    double worst = 0;
    for (int steps = 2; steps <= 3; steps++) {
        circuit *c = kicked_ising(steps, M_PI / 4, 0);
        int obs[4][2] = {{62, -1}, {0, -1}, {edges[7][0], edges[7][1]}, {edges[100][0], edges[100][1]}};
        for (int o = 0; o < 4; o++) {
            char p[128];
            int k = obs[o][1] < 0 ? 1 : 2;
            observable(p, 127, obs[o], k, "Z");
            circuit *sub;
            char sp[128];
            int qubits;
            cone_of(c, p, 127, 22, &qubits, &sub, sp);
            if (sub) {
                double diff = fabs(method(c, sub, p, sp) - sv_of_circuit(sub, sp));
                if (!(diff <= worst)) worst = diff;
                if (qubits > largest) largest = qubits;
                checked++;
                circ_destroy(&sub);
            }
        }
        circ_destroy(&c);
    }
    ok(checked >= 4 && worst < 1e-10, "%s, theta_h = pi/4, 2 and 3 steps: %d observables (light cones up to %d "
       "qubits) = state vector of the cone (worst %.2e)", name, checked, largest, worst);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);   /* the operator MPS runs the engine, which asks its communicator's size */
    test_random_circuits();
    test_operator_mps_random();
    test_channels();
    test_truncation();
    test_lightcone_random();
    FILE *f = fopen(BRISBANE, "r");
    if (!f) {
        skip("../shared/data is absent: no 127-qubit kicked Ising checks");
    } else {
        fclose(f);
        int classes = load_couplers();
        ok(classes == 3 && nedges == 144, "brisbane: 144 couplers in 3 classes (%d, %d)", nedges, classes);
        test_clifford_point();
        test_lightcone_exact("Pauli propagation", exact_heisenberg);
        test_operator_mps_clifford();
        test_lightcone_exact("operator MPS", exact_operator_mps);
    }
    int status = done_testing();
    MPI_Finalize();
    return status;
}
