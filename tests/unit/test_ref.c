/* test_ref.c - the test references checked on their own, before anything is
 * compared with them: the state-vector reference's matrices are unitary and
 * match matrices written out by hand, small circuits (Bell, GHZ, hand-computed
 * 3-qubit cases) give the states worked out on paper, the bit order of
 * matrices and indices is the documented one, measurement, reset and Pauli
 * expectations behave; the chi-square tail matches tabulated quantiles.
 * Uses nothing from the engine (no gates.c, no mps*.c). */
#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chisq.h"
#include "gates.h"
#include "rng.h"
#include "statevec.h"
#include "tap.h"

#define TOL 1e-14

static double unitarity_error(const double complex *m, int d)
{
    double worst = 0;
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++) {
            double complex s = 0;
            for (int k = 0; k < d; k++) s += m[i * d + k] * conj(m[j * d + k]);
            worst = fmax(worst, cabs(s - (i == j)));
        }
    return worst;
}

static double max_diff(const double complex *a, const double complex *b, int count)
{
    double worst = 0;
    for (int i = 0; i < count; i++) worst = fmax(worst, cabs(a[i] - b[i]));
    return worst;
}

static void check_unitarity(void)
{
    rng_stream r;
    rng_init(&r, 31, 0);
    for (int g = 0; g < GATE_COUNT; g++) {
        if (g == GATE_UNITARY) continue;
        double worst = 0;
        for (int trial = 0; trial < 5; trial++) {
            double p[CIRC_MAX_PARAMS];
            double complex m[64];
            for (int i = 0; i < CIRC_MAX_PARAMS; i++) p[i] = (rng_uniform(&r) - 0.5) * 4 * M_PI;
            int k = sv_gate_matrix(g, p, m);
            worst = fmax(worst, k > 0 ? unitarity_error(m, 1 << k) : 1);
        }
        ok(worst < TOL, "reference %s is unitary (error %.2g)", sv_gate_name(g), worst);
    }
    ok(sv_gate_matrix(GATE_UNITARY, NULL, NULL) == -1 && sv_gate_matrix(GATE_COUNT, NULL, NULL) == -1,
       "the reference has no built-in matrix for GATE_UNITARY or an id out of range");
}

/* Matrices written out by hand from Qiskit's documentation. */
static void check_literals(void)
{
    const double r = 1 / sqrt(2.0), t = 0.7, c = cos(t / 2), s = sin(t / 2);
    const double th = 0.3, ph = 1.1, la = -0.4, ga = 0.25;
    struct {
        int g;
        double p[4];
        double complex m[64];
        const char *what;
    } cases[] = {
        {GATE_H, {0}, {r, r, r, -r}, "h"},
        {GATE_S, {0}, {1, 0, 0, I}, "s"},
        {GATE_TDG, {0}, {1, 0, 0, (1 - I) * r}, "tdg"},
        {GATE_SX, {0}, {(1 + I) / 2, (1 - I) / 2, (1 - I) / 2, (1 + I) / 2}, "sx"},
        {GATE_SXDG, {0}, {(1 - I) / 2, (1 + I) / 2, (1 + I) / 2, (1 - I) / 2}, "sxdg"},
        {GATE_RX, {t}, {c, -I * s, -I * s, c}, "rx(0.7)"},
        {GATE_RY, {t}, {c, -s, s, c}, "ry(0.7)"},
        {GATE_RZ, {t}, {cexp(-I * t / 2), 0, 0, cexp(I * t / 2)}, "rz(0.7)"},
        {GATE_P, {t}, {1, 0, 0, cexp(I * t)}, "p(0.7)"},
        {GATE_U2, {ph, la}, {r, -r * cexp(I * la), r * cexp(I * ph), r * cexp(I * (ph + la))}, "u2"},
        {GATE_U3, {th, ph, la},
         {cos(th / 2), -cexp(I * la) * sin(th / 2), cexp(I * ph) * sin(th / 2), cexp(I * (ph + la)) * cos(th / 2)},
         "u3"},
        {GATE_CX, {0}, {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0}, "cx (control first)"},
        {GATE_CZ, {0}, {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, -1}, "cz"},
        {GATE_SWAP, {0}, {1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1}, "swap"},
        {GATE_CU, {th, ph, la, ga},
         {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, cexp(I * ga) * cos(th / 2), -cexp(I * (ga + la)) * sin(th / 2), 0, 0,
          cexp(I * (ga + ph)) * sin(th / 2), cexp(I * (ga + ph + la)) * cos(th / 2)},
         "cu"},
        {GATE_RZZ, {t},
         {cexp(-I * t / 2), 0, 0, 0, 0, cexp(I * t / 2), 0, 0, 0, 0, cexp(I * t / 2), 0, 0, 0, 0, cexp(-I * t / 2)},
         "rzz(0.7)"},
        {GATE_RXX, {t}, {c, 0, 0, -I * s, 0, c, -I * s, 0, 0, -I * s, c, 0, -I * s, 0, 0, c}, "rxx(0.7)"},
        {GATE_RYY, {t}, {c, 0, 0, I * s, 0, c, -I * s, 0, 0, -I * s, c, 0, I * s, 0, 0, c}, "ryy(0.7)"},
        {GATE_RZX, {t}, {c, -I * s, 0, 0, -I * s, c, 0, 0, 0, 0, c, I * s, 0, 0, I * s, c}, "rzx(0.7), Z on the first"},
        {GATE_ISWAP, {0}, {1, 0, 0, 0, 0, 0, I, 0, 0, I, 0, 0, 0, 0, 0, 1}, "iswap"},
        {GATE_SQISWAP, {0}, {1, 0, 0, 0, 0, r, I * r, 0, 0, I * r, r, 0, 0, 0, 0, 1}, "sqiswap"},
        {GATE_ISWAPTHETA, {t}, {1, 0, 0, 0, 0, cos(t), I * sin(t), 0, 0, I * sin(t), cos(t), 0, 0, 0, 0, 1},
         "iswaptheta(0.7)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double complex m[64];
        int k = sv_gate_matrix(cases[i].g, cases[i].p, m);
        int d = 1 << k;
        double diff = max_diff(m, cases[i].m, d * d);
        ok(k >= 1 && diff < TOL, "reference %s equals the hand-written matrix (difference %.2g)", cases[i].what, diff);
    }
    double complex m[64], want[64];
    memset(want, 0, sizeof want);
    for (int i = 0; i < 8; i++) want[i * 8 + i] = 1;
    want[6 * 8 + 6] = want[7 * 8 + 7] = 0;
    want[6 * 8 + 7] = want[7 * 8 + 6] = 1;
    sv_gate_matrix(GATE_CCX, NULL, m);
    ok(max_diff(m, want, 64) < TOL, "reference ccx flips the last qubit when the first two are 1");
    memset(want, 0, sizeof want);
    for (int i = 0; i < 8; i++) want[i * 8 + i] = 1;
    want[5 * 8 + 5] = want[6 * 8 + 6] = 0;
    want[5 * 8 + 6] = want[6 * 8 + 5] = 1;
    sv_gate_matrix(GATE_CSWAP, NULL, m);
    ok(max_diff(m, want, 64) < TOL, "reference cswap exchanges 101 and 110");
}

static circ_op gate_op(int g, int q0, int q1, int q2, double param)
{
    circ_op op;
    memset(&op, 0, sizeof op);
    op.kind = OP_GATE;
    op.gate = g;
    op.nqubits = sv_gate_nqubits(g);
    op.qubits[0] = q0;
    op.qubits[1] = q1;
    op.qubits[2] = q2;
    op.params[0] = param;
    op.cond_reg = -1;
    return op;
}

static void apply(sv_state *s, int g, int q0, int q1, int q2)
{
    circ_op op = gate_op(g, q0, q1, q2, 0);
    sv_apply_op(s, &op);
}

/* Only the listed basis states are nonzero, with the listed amplitudes. */
static int state_is(const sv_state *s, int count, const size_t *idx, const double complex *amp)
{
    double worst = 0;
    for (size_t i = 0; i < ((size_t)1 << s->n); i++) {
        double complex want = 0;
        for (int j = 0; j < count; j++)
            if (idx[j] == i) want = amp[j];
        worst = fmax(worst, cabs(s->amp[i] - want));
    }
    if (worst >= TOL) diag("largest amplitude difference %.3g", worst);
    return worst < TOL;
}

static void check_circuits(void)
{
    const double r = 1 / sqrt(2.0);
    sv_state s;
    sv_init(&s, 2);
    apply(&s, GATE_H, 0, 0, 0);
    apply(&s, GATE_CX, 0, 1, 0);
    ok(state_is(&s, 2, (size_t[]){0, 3}, (double complex[]){r, r}), "Bell state (|00> + |11>)/sqrt 2");
    is_complex(sv_expect_pauli(&s, "ZZ"), 1, TOL, "Bell <ZZ> = 1");
    is_complex(sv_expect_pauli(&s, "XX"), 1, TOL, "Bell <XX> = 1");
    is_complex(sv_expect_pauli(&s, "YY"), -1, TOL, "Bell <YY> = -1");
    is_complex(sv_expect_pauli(&s, "ZI"), 0, TOL, "Bell <Z0> = 0");
    is_double(sv_project(&s, 0, 1), 0.5, TOL, "Bell: qubit 0 reads 1 with probability 1/2");
    ok(state_is(&s, 1, (size_t[]){3}, (double complex[]){1}), "Bell projected on qubit 0 = 1 is |11>");
    is_double(sv_project(&s, 1, 0), 0, 0, "then qubit 1 = 0 has probability 0");
    ok(state_is(&s, 1, (size_t[]){3}, (double complex[]){1}), "and a zero-probability projection leaves the state");
    sv_free(&s);

    sv_init(&s, 2);
    apply(&s, GATE_H, 0, 0, 0);
    apply(&s, GATE_CX, 0, 1, 0);
    is_double(sv_reset(&s, 1, 1), 0.5, TOL, "Bell: reset of qubit 1 along outcome 1 has probability 1/2");
    ok(state_is(&s, 1, (size_t[]){1}, (double complex[]){1}), "and leaves |q1 q0> = |01>");
    sv_free(&s);

    sv_init(&s, 5);
    apply(&s, GATE_H, 2, 0, 0);
    for (int q = 0; q < 5; q++)
        if (q != 2) apply(&s, GATE_CX, 2, q, 0);
    ok(state_is(&s, 2, (size_t[]){0, 31}, (double complex[]){r, r}), "GHZ on 5 qubits from qubit 2");
    is_double(sv_prob_one(&s, 4), 0.5, TOL, "GHZ: P(qubit 4 = 1) = 1/2");
    double p[32], sum = 0;
    sv_probabilities(&s, p);
    for (int i = 0; i < 32; i++) sum += p[i];
    ok(fabs(sum - 1) < TOL && fabs(p[31] - 0.5) < TOL, "GHZ probabilities sum to 1, P(11111) = 1/2");
    is_complex(sv_expect_pauli(&s, "XXXXX"), 1, TOL, "GHZ <XXXXX> = 1");
    is_complex(sv_expect_pauli(&s, "YYXXX"), -1, TOL, "GHZ <YYXXX> = -1");
    sv_free(&s);

    /* bit order: x on qubit 1 is index 2; cx(1, 0) then sets qubit 0 */
    sv_init(&s, 3);
    apply(&s, GATE_X, 1, 0, 0);
    ok(state_is(&s, 1, (size_t[]){2}, (double complex[]){1}), "x on qubit 1 gives index 2");
    apply(&s, GATE_CX, 1, 0, 0);
    ok(state_is(&s, 1, (size_t[]){3}, (double complex[]){1}), "cx(1, 0) controls on the first listed qubit");
    sv_free(&s);

    /* x(0); h(1); ccx(0, 1, 2): (|001> + |011>)/sqrt 2 -> (|001> + |111>)/sqrt 2 */
    sv_init(&s, 3);
    apply(&s, GATE_X, 0, 0, 0);
    apply(&s, GATE_H, 1, 0, 0);
    apply(&s, GATE_CCX, 0, 1, 2);
    ok(state_is(&s, 2, (size_t[]){1, 7}, (double complex[]){r, r}), "x(0) h(1) ccx(0,1,2) = (|001> + |111>)/sqrt 2");
    sv_free(&s);

    /* x(2); h(0); cswap(0, 1, 2): |100>, |101> -> |100>, |011> */
    sv_init(&s, 3);
    apply(&s, GATE_X, 2, 0, 0);
    apply(&s, GATE_H, 0, 0, 0);
    apply(&s, GATE_CSWAP, 0, 1, 2);
    ok(state_is(&s, 2, (size_t[]){4, 3}, (double complex[]){r, r}), "x(2) h(0) cswap(0,1,2) = (|100> + |011>)/sqrt 2");
    sv_free(&s);

    /* ry(t) on 0, then cry(u) on (0, 2), then p(v) on 2: worked by hand */
    sv_init(&s, 3);
    double t = 1.2, u = 0.8, v = 0.5;
    circ_op op = gate_op(GATE_RY, 0, 0, 0, t);
    sv_apply_op(&s, &op);
    op = gate_op(GATE_CRY, 0, 2, 0, u);
    sv_apply_op(&s, &op);
    op = gate_op(GATE_P, 2, 0, 0, v);
    sv_apply_op(&s, &op);
    double complex want[3] = {cos(t / 2), sin(t / 2) * cos(u / 2), sin(t / 2) * sin(u / 2) * cexp(I * v)};
    ok(state_is(&s, 3, (size_t[]){0, 1, 5}, want), "ry(0) cry(0,2) p(2) on 3 qubits equals the hand computation");
    sv_free(&s);
}

/* A GATE_UNITARY of kron(A, B, C) on (q0, q1, q2) equals A on q0, B on q1, C on q2. */
static void check_unitary_block(void)
{
    rng_stream r;
    rng_init(&r, 32, 0);
    const int gates[3] = {GATE_U3, GATE_RX, GATE_U3}, qs[3] = {3, 0, 2};
    double complex one[3][4], block[64];
    sv_state a, b;
    sv_init(&a, 4);
    sv_init(&b, 4);
    for (int q = 0; q < 4; q++) {   /* a generic starting state */
        circ_op op = gate_op(GATE_U3, q, 0, 0, 1 + q);
        op.params[1] = 0.3 * q;
        sv_apply_op(&a, &op);
        sv_apply_op(&b, &op);
    }
    circ_op op = gate_op(GATE_CX, 1, 3, 0, 0);
    sv_apply_op(&a, &op);
    sv_apply_op(&b, &op);
    for (int j = 0; j < 3; j++) {
        double p[4] = {rng_uniform(&r) * 3, rng_uniform(&r) * 6, rng_uniform(&r) * 6, 0};
        sv_gate_matrix(gates[j], p, one[j]);
        sv_apply_matrix(&a, one[j], 1, &qs[j]);
    }
    for (int i = 0; i < 8; i++)
        for (int k = 0; k < 8; k++)
            block[i * 8 + k] = one[0][((i >> 2) & 1) * 2 + ((k >> 2) & 1)] *
                               one[1][((i >> 1) & 1) * 2 + ((k >> 1) & 1)] * one[2][(i & 1) * 2 + (k & 1)];
    memset(&op, 0, sizeof op);
    op.kind = OP_GATE;
    op.gate = GATE_UNITARY;
    op.nqubits = 3;
    memcpy(op.qubits, qs, sizeof qs);
    op.matrix = block;
    op.cond_reg = -1;
    ok(sv_apply_op(&b, &op) == 0 && max_diff(a.amp, b.amp, 16) < TOL,
       "a 3-qubit block kron(A,B,C) on (3,0,2) equals A on 3, B on 0, C on 2");
    is_double(sv_norm2(&b), 1, TOL, "the norm stays 1");
    op.kind = OP_MEASURE;
    ok(sv_apply_op(&b, &op) == -1, "sv_apply_op refuses a measure (it needs an outcome)");
    sv_free(&a);
    sv_free(&b);
    sv_state big;
    ok(sv_init(&big, SV_MAX_QUBITS + 1) == -1 && big.amp == NULL, "sv_init refuses %d qubits", SV_MAX_QUBITS + 1);
}

/* Quantiles from the chi-square tables. */
static void check_chisq_tail(void)
{
    is_double(chisq_upper_tail(3.841458820694124, 1), 0.05, 1e-12, "chi-square(1): P(X >= 3.8415) = 0.05");
    is_double(chisq_upper_tail(18.307038053275146, 10), 0.05, 1e-12, "chi-square(10): P(X >= 18.307) = 0.05");
    is_double(chisq_upper_tail(6.737200771954642, 10), 0.75, 1e-12, "chi-square(10): P(X >= 6.7372) = 0.75");
    is_double(chisq_upper_tail(124.34211340400407, 100), 0.05, 1e-12, "chi-square(100): P(X >= 124.34) = 0.05");
    is_double(chisq_upper_tail(5.0, 2), exp(-2.5), 1e-15, "chi-square(2): P(X >= x) = exp(-x/2)");
    is_double(chisq_upper_tail(0, 4), 1, 0, "P(X >= 0) = 1");
    /* a fair coin, exactly expected counts: chi2 = 0; all on one side: impossible */
    unsigned char bits[100];
    for (int i = 0; i < 100; i++) bits[i] = i & 1;
    double prob[2] = {0.5, 0.5};
    chisq_result cs;
    ok(chisq_check_probs(prob, 1, bits, 100, &cs) && cs.chi2 == 0 && cs.bins == 2, "50/50 counts of a fair coin pass");
    memset(bits, 1, sizeof bits);
    ok(!chisq_check_probs(prob, 1, bits, 100, &cs), "100 ones of a fair coin fail (chi2 %.0f, p %.2g)", cs.chi2, cs.p);
    double certain[2] = {1, 0};
    bits[0] = 1;
    memset(bits + 1, 0, 99);
    ok(!chisq_check_probs(certain, 1, bits, 100, &cs) && cs.impossible == 1,
       "one shot on a zero-probability state fails");
}

int main(void)
{
    check_unitarity();
    check_literals();
    check_circuits();
    check_unitary_block();
    check_chisq_tail();
    return done_testing();
}
