/* statevec.c - the dense state-vector reference of the tests (see statevec.h).
 *
 * The gate matrices are built from their definitions, deliberately by a
 * different route from src/gates.c (which writes closed forms entry by
 * entry): rotations as exp(-i theta/2 P) of Pauli products, the phase gates
 * through U3, controlled gates as block-diagonal diag(I, U), SWAP as
 * (II + XX + YY + ZZ) / 2, the iSWAP family as exp(i theta (XX + YY) / 2),
 * Qiskit's ECR, DCX, R, XX+YY and XX-YY as products of exp(-i theta/2 P)
 * following the definitions in Qiskit's documentation.
 * Not for: anything but the tests. */
#include "statevec.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gates.h"

/* Name, qubits and parameters of each built-in gate, as gates.h defines them. */
static const struct {
    const char *name;
    int nqubits, nparams;
} sv_table[GATE_COUNT] = {
    [GATE_ID] = {"id", 1, 0},
    [GATE_X] = {"x", 1, 0},
    [GATE_Y] = {"y", 1, 0},
    [GATE_Z] = {"z", 1, 0},
    [GATE_H] = {"h", 1, 0},
    [GATE_S] = {"s", 1, 0},
    [GATE_SDG] = {"sdg", 1, 0},
    [GATE_T] = {"t", 1, 0},
    [GATE_TDG] = {"tdg", 1, 0},
    [GATE_SX] = {"sx", 1, 0},
    [GATE_SXDG] = {"sxdg", 1, 0},
    [GATE_RX] = {"rx", 1, 1},
    [GATE_RY] = {"ry", 1, 1},
    [GATE_RZ] = {"rz", 1, 1},
    [GATE_P] = {"p", 1, 1},
    [GATE_U2] = {"u2", 1, 2},
    [GATE_U3] = {"u3", 1, 3},
    [GATE_CX] = {"cx", 2, 0},
    [GATE_CY] = {"cy", 2, 0},
    [GATE_CZ] = {"cz", 2, 0},
    [GATE_CH] = {"ch", 2, 0},
    [GATE_SWAP] = {"swap", 2, 0},
    [GATE_CSX] = {"csx", 2, 0},
    [GATE_CRX] = {"crx", 2, 1},
    [GATE_CRY] = {"cry", 2, 1},
    [GATE_CRZ] = {"crz", 2, 1},
    [GATE_CP] = {"cp", 2, 1},
    [GATE_CU3] = {"cu3", 2, 3},
    [GATE_CU] = {"cu", 2, 4},
    [GATE_RXX] = {"rxx", 2, 1},
    [GATE_RYY] = {"ryy", 2, 1},
    [GATE_RZZ] = {"rzz", 2, 1},
    [GATE_RZX] = {"rzx", 2, 1},
    [GATE_ISWAP] = {"iswap", 2, 0},
    [GATE_SQISWAP] = {"sqiswap", 2, 0},
    [GATE_ISWAPTHETA] = {"iswaptheta", 2, 1},
    [GATE_CCX] = {"ccx", 3, 0},
    [GATE_CSWAP] = {"cswap", 3, 0},
    [GATE_UNITARY] = {"unitary", -1, 0},
    [GATE_ECR] = {"ecr", 2, 0},
    [GATE_DCX] = {"dcx", 2, 0},
    [GATE_R] = {"r", 1, 2},
    [GATE_XX_MINUS_YY] = {"xx_minus_yy", 2, 2},
    [GATE_XX_PLUS_YY] = {"xx_plus_yy", 2, 2},
    [GATE_DELAY] = {"delay", 1, 2},
};

int sv_gate_nqubits(int g) { return g >= 0 && g < GATE_COUNT ? sv_table[g].nqubits : -1; }

int sv_gate_nparams(int g) { return g >= 0 && g < GATE_COUNT ? sv_table[g].nparams : -1; }

const char *sv_gate_name(int g) { return g >= 0 && g < GATE_COUNT ? sv_table[g].name : "?"; }

int sv_init(sv_state *s, int n)
{
    s->n = n;
    s->amp = NULL;
    if (n < 0 || n > SV_MAX_QUBITS) return -1;
    s->amp = calloc((size_t)1 << n, sizeof *s->amp);
    if (!s->amp) return -1;
    s->amp[0] = 1;
    return 0;
}

void sv_free(sv_state *s)
{
    free(s->amp);
    s->amp = NULL;
}

/* ---- small dense matrices (dimension d <= 8) ------------------------------ */

static const double complex PAULI_I[4] = {1, 0, 0, 1};
static const double complex PAULI_X[4] = {0, 1, 1, 0};
static const double complex PAULI_Y[4] = {0, -I, I, 0};
static const double complex PAULI_Z[4] = {1, 0, 0, -1};

/* out = a b (out may alias a or b). */
static void mat_mul(int d, const double complex *a, const double complex *b, double complex *out)
{
    double complex t[64];
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++) {
            double complex sum = 0;
            for (int k = 0; k < d; k++) sum += a[i * d + k] * b[k * d + j];
            t[i * d + j] = sum;
        }
    memcpy(out, t, (size_t)d * d * sizeof *out);
}

/* out = a (x) b for 2x2 a and b: a acts on the more significant bit. */
static void kron2(const double complex *a, const double complex *b, double complex *out)
{
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            for (int k = 0; k < 2; k++)
                for (int l = 0; l < 2; l++) out[(2 * i + k) * 4 + (2 * j + l)] = a[i * 2 + j] * b[k * 2 + l];
}

static void scale(int d, double complex factor, double complex *m)
{
    for (int i = 0; i < d * d; i++) m[i] *= factor;
}

/* exp(-i theta/2 P) for a Pauli product P (P^2 = I): cos(theta/2) I - i sin(theta/2) P. */
static void pauli_exp(int d, const double complex *p, double theta, double complex *m)
{
    for (int i = 0; i < d * d; i++) m[i] = -I * sin(theta / 2) * p[i];
    for (int i = 0; i < d; i++) m[i * d + i] += cos(theta / 2);
}

/* exp(i theta G) for G = (XX + YY) / 2. G swaps |01> and |10> and kills
 * |00> and |11>, so G^3 = G and exp(i theta G) = I + i sin(theta) G
 * + (cos(theta) - 1) G^2. */
static void xy_exchange(double theta, double complex *m)
{
    double complex xx[16], yy[16], g[16], g2[16];
    kron2(PAULI_X, PAULI_X, xx);
    kron2(PAULI_Y, PAULI_Y, yy);
    for (int i = 0; i < 16; i++) g[i] = (xx[i] + yy[i]) / 2;
    mat_mul(4, g, g, g2);
    for (int i = 0; i < 16; i++) m[i] = I * sin(theta) * g[i] + (cos(theta) - 1) * g2[i] + (i % 5 == 0);
}

/* Qiskit's U3: e^{i(phi+lambda)/2} RZ(phi) RY(theta) RZ(lambda). */
static void u3(double theta, double phi, double lambda, double complex *m)
{
    double complex rz_phi[4], ry[4], rz_lambda[4];
    pauli_exp(2, PAULI_Z, phi, rz_phi);
    pauli_exp(2, PAULI_Y, theta, ry);
    pauli_exp(2, PAULI_Z, lambda, rz_lambda);
    mat_mul(2, rz_phi, ry, m);
    mat_mul(2, m, rz_lambda, m);
    scale(2, cexp(I * (phi + lambda) / 2), m);
}

/* The phase gate P(lambda) = e^{i lambda/2} RZ(lambda). */
static void phase(double lambda, double complex *m)
{
    pauli_exp(2, PAULI_Z, lambda, m);
    scale(2, cexp(I * lambda / 2), m);
}

/* diag(I_d, u): u acts when the control (the most significant bit) is 1. */
static void controlled(int d, const double complex *u, double complex *m)
{
    int dd = 2 * d;
    memset(m, 0, (size_t)dd * dd * sizeof *m);
    for (int i = 0; i < d; i++) m[i * dd + i] = 1;
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++) m[(d + i) * dd + (d + j)] = u[i * d + j];
}

/* SWAP = (II + XX + YY + ZZ) / 2. */
static void swap_matrix(double complex *m)
{
    double complex xx[16], yy[16], zz[16], id[16];
    kron2(PAULI_X, PAULI_X, xx);
    kron2(PAULI_Y, PAULI_Y, yy);
    kron2(PAULI_Z, PAULI_Z, zz);
    kron2(PAULI_I, PAULI_I, id);
    for (int i = 0; i < 16; i++) m[i] = (id[i] + xx[i] + yy[i] + zz[i]) / 2;
}

static void one_qubit(int g, const double *p, double complex *m)
{
    switch (g) {
    case GATE_ID: case GATE_DELAY: memcpy(m, PAULI_I, sizeof PAULI_I); break;
    case GATE_R: {   /* exp(-i theta/2 (cos phi X + sin phi Y)) */
        double complex axis[4];
        for (int i = 0; i < 4; i++) axis[i] = cos(p[1]) * PAULI_X[i] + sin(p[1]) * PAULI_Y[i];
        pauli_exp(2, axis, p[0], m);
        break;
    }
    case GATE_X: memcpy(m, PAULI_X, sizeof PAULI_X); break;
    case GATE_Y: memcpy(m, PAULI_Y, sizeof PAULI_Y); break;
    case GATE_Z: memcpy(m, PAULI_Z, sizeof PAULI_Z); break;
    case GATE_H: for (int i = 0; i < 4; i++) m[i] = (PAULI_X[i] + PAULI_Z[i]) / sqrt(2.0); break;
    case GATE_S: phase(M_PI / 2, m); break;
    case GATE_SDG: phase(-M_PI / 2, m); break;
    case GATE_T: phase(M_PI / 4, m); break;
    case GATE_TDG: phase(-M_PI / 4, m); break;
    case GATE_SX: pauli_exp(2, PAULI_X, M_PI / 2, m); scale(2, cexp(I * M_PI / 4), m); break;
    case GATE_SXDG: pauli_exp(2, PAULI_X, -M_PI / 2, m); scale(2, cexp(-I * M_PI / 4), m); break;
    case GATE_RX: pauli_exp(2, PAULI_X, p[0], m); break;
    case GATE_RY: pauli_exp(2, PAULI_Y, p[0], m); break;
    case GATE_RZ: pauli_exp(2, PAULI_Z, p[0], m); break;
    case GATE_P: phase(p[0], m); break;
    case GATE_U2: u3(M_PI / 2, p[0], p[1], m); break;
    case GATE_U3: u3(p[0], p[1], p[2], m); break;
    default: break;
    }
}

/* The one-qubit gate a controlled two-qubit gate applies, or -1. */
static int controlled_target(int g)
{
    switch (g) {
    case GATE_CX: return GATE_X;
    case GATE_CY: return GATE_Y;
    case GATE_CZ: return GATE_Z;
    case GATE_CH: return GATE_H;
    case GATE_CSX: return GATE_SX;
    case GATE_CRX: return GATE_RX;
    case GATE_CRY: return GATE_RY;
    case GATE_CRZ: return GATE_RZ;
    case GATE_CP: return GATE_P;
    case GATE_CU3: return GATE_U3;
    default: return -1;
    }
}

/* exp(-i theta/2 a(x)b) for one-qubit Paulis a (first qubit) and b. */
static void pauli_exp2(const double complex *a, const double complex *b, double theta, double complex *m)
{
    double complex ab[16];
    kron2(a, b, ab);
    pauli_exp(4, ab, theta, m);
}

/* CX with control `first` (1: the first qubit) as a product of Pauli
 * exponentials: CX = e^{i pi/4} exp(-i pi/4 Z_c) exp(-i pi/4 X_t) exp(i pi/4 Z_c X_t). */
static void cx_from_paulis(int first, double complex *m)
{
    double complex a[16], b[16], c[16];
    const double complex *zc1 = first ? PAULI_Z : PAULI_I, *zc2 = first ? PAULI_I : PAULI_Z;
    const double complex *xt1 = first ? PAULI_I : PAULI_X, *xt2 = first ? PAULI_X : PAULI_I;
    pauli_exp2(zc1, zc2, M_PI / 2, a);
    pauli_exp2(xt1, xt2, M_PI / 2, b);
    pauli_exp2(first ? PAULI_Z : PAULI_X, first ? PAULI_X : PAULI_Z, -M_PI / 2, c);
    mat_mul(4, a, b, m);
    mat_mul(4, m, c, m);
    scale(4, cexp(I * M_PI / 4), m);
}

/* Qiskit's ECR: rzx(pi/4) a,b; x a; rzx(-pi/4) a,b (rzx = exp(-i theta/2 Z X)). */
static void ecr_from_paulis(double complex *m)
{
    double complex first[16], xa[16], last[16];
    pauli_exp2(PAULI_Z, PAULI_X, M_PI / 4, first);
    kron2(PAULI_X, PAULI_I, xa);
    pauli_exp2(PAULI_Z, PAULI_X, -M_PI / 4, last);
    mat_mul(4, last, xa, m);
    mat_mul(4, m, first, m);
}

/* Qiskit's XX+YY (plus = 1) and XX-YY: rz(beta) on qubit 0 (XX+YY) or 1
 * (XX-YY) around exp(-i theta/4 (XX +- YY)) = exp(-i theta/4 XX) exp(-+i theta/4 YY):
 * RZ_0(-beta) E RZ_0(beta), and RZ_1(beta) E RZ_1(-beta). */
static void xx_yy_from_paulis(int plus, double theta, double beta, double complex *m)
{
    double complex xx[16], yy[16], before[16], after[16];
    pauli_exp2(PAULI_X, PAULI_X, theta / 2, xx);
    pauli_exp2(PAULI_Y, PAULI_Y, plus ? theta / 2 : -theta / 2, yy);
    if (plus) {
        pauli_exp2(PAULI_Z, PAULI_I, beta, before);
        pauli_exp2(PAULI_Z, PAULI_I, -beta, after);
    } else {
        pauli_exp2(PAULI_I, PAULI_Z, -beta, before);
        pauli_exp2(PAULI_I, PAULI_Z, beta, after);
    }
    mat_mul(4, after, xx, m);
    mat_mul(4, m, yy, m);
    mat_mul(4, m, before, m);
}

static void two_qubit(int g, const double *p, double complex *m)
{
    double complex u[4], pp[16];
    if (controlled_target(g) >= 0) {
        one_qubit(controlled_target(g), p, u);
        controlled(2, u, m);
        return;
    }
    switch (g) {
    case GATE_CU: u3(p[0], p[1], p[2], u); scale(2, cexp(I * p[3]), u); controlled(2, u, m); break;
    case GATE_SWAP: swap_matrix(m); break;
    case GATE_RXX: kron2(PAULI_X, PAULI_X, pp); pauli_exp(4, pp, p[0], m); break;
    case GATE_RYY: kron2(PAULI_Y, PAULI_Y, pp); pauli_exp(4, pp, p[0], m); break;
    case GATE_RZZ: kron2(PAULI_Z, PAULI_Z, pp); pauli_exp(4, pp, p[0], m); break;
    case GATE_RZX: kron2(PAULI_Z, PAULI_X, pp); pauli_exp(4, pp, p[0], m); break;   /* Z on the first qubit */
    case GATE_ISWAP: xy_exchange(M_PI / 2, m); break;
    case GATE_SQISWAP: xy_exchange(M_PI / 4, m); break;
    case GATE_ISWAPTHETA: xy_exchange(p[0], m); break;
    case GATE_ECR: ecr_from_paulis(m); break;
    case GATE_DCX: {   /* cx a,b then cx b,a */
        double complex ab[16], ba[16];
        cx_from_paulis(1, ab);
        cx_from_paulis(0, ba);
        mat_mul(4, ba, ab, m);
        break;
    }
    case GATE_XX_PLUS_YY: xx_yy_from_paulis(1, p[0], p[1], m); break;
    case GATE_XX_MINUS_YY: xx_yy_from_paulis(0, p[0], p[1], m); break;
    default: break;
    }
}

static void three_qubit(int g, double complex *m)
{
    double complex inner[16];
    if (g == GATE_CCX) {
        controlled(2, PAULI_X, inner);
        controlled(4, inner, m);
    } else {   /* GATE_CSWAP */
        swap_matrix(inner);
        controlled(4, inner, m);
    }
}

int sv_gate_matrix(int g, const double *params, double complex *m)
{
    static const double zero[CIRC_MAX_PARAMS] = {0};
    int k = sv_gate_nqubits(g);
    if (k < 1) return -1;
    if (!params) params = zero;
    if (k == 1) one_qubit(g, params, m);
    else if (k == 2) two_qubit(g, params, m);
    else three_qubit(g, m);
    return k;
}

/* ---- applying operations ---------------------------------------------------- */

void sv_apply_matrix(sv_state *s, const double complex *m, int k, const int *qubits)
{
    enum { MAX_DIM = 1 << CIRC_MAX_GATE_QUBITS };
    double complex in[MAX_DIM], out[MAX_DIM];
    size_t idx[MAX_DIM];
    size_t dim = (size_t)1 << s->n, d = (size_t)1 << k, mask = 0;
    for (int j = 0; j < k; j++) mask |= (size_t)1 << qubits[j];
    for (size_t base = 0; base < dim; base++) {
        if (base & mask) continue;
        for (size_t a = 0; a < d; a++) {   /* bit k-1-j of a is the value of qubits[j] */
            size_t i = base;
            for (int j = 0; j < k; j++)
                if ((a >> (k - 1 - j)) & 1) i |= (size_t)1 << qubits[j];
            idx[a] = i;
            in[a] = s->amp[i];
        }
        for (size_t r = 0; r < d; r++) {
            double complex sum = 0;
            for (size_t c = 0; c < d; c++) sum += m[r * d + c] * in[c];
            out[r] = sum;
        }
        for (size_t a = 0; a < d; a++) s->amp[idx[a]] = out[a];
    }
}

int sv_apply_op(sv_state *s, const circ_op *op)
{
    if (op->kind == OP_BARRIER) return 0;
    if (op->kind != OP_GATE) return -1;
    if (op->gate == GATE_UNITARY) {
        sv_apply_matrix(s, op->matrix, op->nqubits, op->qubits);
        return 0;
    }
    double complex m[64];
    int k = sv_gate_matrix(op->gate, op->params, m);
    if (k < 1 || k != op->nqubits) return -1;
    sv_apply_matrix(s, m, k, op->qubits);
    return 0;
}

/* ---- measurement and observables -------------------------------------------- */

double sv_prob_one(const sv_state *s, int q)
{
    double p = 0;
    for (size_t i = 0; i < ((size_t)1 << s->n); i++)
        if ((i >> q) & 1) p += creal(s->amp[i] * conj(s->amp[i]));
    return p;
}

double sv_project(sv_state *s, int q, int outcome)
{
    double p = 0;
    for (size_t i = 0; i < ((size_t)1 << s->n); i++)
        if ((int)((i >> q) & 1) == outcome) p += creal(s->amp[i] * conj(s->amp[i]));
    if (p <= 0) return 0;
    double factor = 1 / sqrt(p);
    for (size_t i = 0; i < ((size_t)1 << s->n); i++)
        s->amp[i] = (int)((i >> q) & 1) == outcome ? s->amp[i] * factor : 0;
    return p;
}

double sv_reset(sv_state *s, int q, int outcome)
{
    double p = sv_project(s, q, outcome);
    if (outcome == 1 && p > 0) sv_apply_matrix(s, PAULI_X, 1, &q);
    return p;
}

void sv_probabilities(const sv_state *s, double *p)
{
    for (size_t i = 0; i < ((size_t)1 << s->n); i++) p[i] = creal(s->amp[i] * conj(s->amp[i]));
}

double sv_norm2(const sv_state *s)
{
    double sum = 0;
    for (size_t i = 0; i < ((size_t)1 << s->n); i++) sum += creal(s->amp[i] * conj(s->amp[i]));
    return sum;
}

double complex sv_expect_pauli(const sv_state *s, const char *paulis)
{
    double complex total = 0;
    for (size_t i = 0; i < ((size_t)1 << s->n); i++) {   /* P|i> = phase |j> */
        size_t j = i;
        double complex ph = 1;
        for (int q = 0; q < s->n; q++) {
            int bit = (i >> q) & 1;
            switch (paulis[q]) {
            case 'X': j ^= (size_t)1 << q; break;
            case 'Y': j ^= (size_t)1 << q; ph *= bit ? -I : I; break;   /* Y|0> = i|1>, Y|1> = -i|0> */
            case 'Z': if (bit) ph = -ph; break;
            default: break;
            }
        }
        total += conj(s->amp[j]) * ph * s->amp[i];
    }
    return total;
}
