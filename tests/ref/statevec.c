/* statevec.c - the dense state-vector reference (see statevec.h). */
#include "statevec.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gates.h"

int sv_init(sv_state *s, int n)
{
    s->n = n;
    s->amp = calloc((size_t)1 << n, sizeof *s->amp);
    if (!s->amp) return 1;
    s->amp[0] = 1;
    return 0;
}

void sv_free(sv_state *s)
{
    free(s->amp);
    s->amp = NULL;
}

/* ---- matrices from first principles --------------------------------------- */

static const double complex PX[4] = {0, 1, 1, 0}, PY[4] = {0, -I, I, 0}, PZ[4] = {1, 0, 0, -1}, PI2[4] = {1, 0, 0, 1};

static void matmul(int d, const double complex *a, const double complex *b, double complex *out)
{
    double complex t[64];
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++) {
            double complex s = 0;
            for (int k = 0; k < d; k++) s += a[i * d + k] * b[k * d + j];
            t[i * d + j] = s;
        }
    memcpy(out, t, (size_t)d * d * sizeof *out);
}

static void kron2(const double complex *a, const double complex *b, double complex *out)
{
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            for (int k = 0; k < 2; k++)
                for (int l = 0; l < 2; l++) out[(2 * i + k) * 4 + (2 * j + l)] = a[i * 2 + j] * b[k * 2 + l];
}

/* exp(-i t H) for a d x d Hermitian H by scaling and squaring a Taylor series. */
static void expm_minus_i(int d, const double complex *h, double t, double complex *out)
{
    double complex a[64], term[64], sum[64];
    int squarings = 8;
    double scale = t / (1 << squarings);
    for (int i = 0; i < d * d; i++) a[i] = -I * scale * h[i];
    for (int i = 0; i < d * d; i++) { sum[i] = (i % (d + 1) == 0); term[i] = sum[i]; }
    for (int k = 1; k < 30; k++) {
        matmul(d, term, a, term);
        for (int i = 0; i < d * d; i++) { term[i] /= k; sum[i] += term[i]; }
    }
    for (int s = 0; s < squarings; s++) matmul(d, sum, sum, sum);
    memcpy(out, sum, (size_t)d * d * sizeof *out);
}

static void rotation(const double complex *pauli, double theta, double complex *m) { expm_minus_i(2, pauli, theta / 2, m); }

/* U3 as Qiskit defines it: e^{i(phi+lambda)/2} RZ(phi) RY(theta) RZ(lambda). */
static void u3(double theta, double phi, double lambda, double complex *m)
{
    double complex rz1[4], ry[4], rz2[4];
    rotation(PZ, phi, rz1);
    rotation(PY, theta, ry);
    rotation(PZ, lambda, rz2);
    matmul(2, rz1, ry, m);
    matmul(2, m, rz2, m);
    for (int i = 0; i < 4; i++) m[i] *= cexp(I * (phi + lambda) / 2);
}

static void controlled(const double complex *u, double complex *m)
{
    memset(m, 0, 16 * sizeof *m);
    m[0] = 1;
    m[5] = 1;
    m[10] = u[0]; m[11] = u[1]; m[14] = u[2]; m[15] = u[3];
}

static void one_qubit(int g, const double *p, double complex *m)
{
    double complex t[4];
    switch (g) {
    case GATE_ID: memcpy(m, PI2, sizeof PI2); break;
    case GATE_X: memcpy(m, PX, sizeof PX); break;
    case GATE_Y: memcpy(m, PY, sizeof PY); break;
    case GATE_Z: memcpy(m, PZ, sizeof PZ); break;
    case GATE_H: for (int i = 0; i < 4; i++) m[i] = (PX[i] + PZ[i]) / sqrt(2.0); break;
    case GATE_S: u3(0, 0, M_PI / 2, m); break;
    case GATE_SDG: u3(0, 0, -M_PI / 2, m); break;
    case GATE_T: u3(0, 0, M_PI / 4, m); break;
    case GATE_TDG: u3(0, 0, -M_PI / 4, m); break;
    case GATE_SX: rotation(PX, M_PI / 2, t); for (int i = 0; i < 4; i++) m[i] = cexp(I * M_PI / 4) * t[i]; break;
    case GATE_SXDG: rotation(PX, -M_PI / 2, t); for (int i = 0; i < 4; i++) m[i] = cexp(-I * M_PI / 4) * t[i]; break;
    case GATE_RX: rotation(PX, p[0], m); break;
    case GATE_RY: rotation(PY, p[0], m); break;
    case GATE_RZ: rotation(PZ, p[0], m); break;
    case GATE_P: u3(0, 0, p[0], m); break;
    case GATE_U2: u3(M_PI / 2, p[0], p[1], m); break;
    case GATE_U3: u3(p[0], p[1], p[2], m); break;
    default: break;
    }
}

static void two_qubit(int g, const double *p, double complex *m)
{
    double complex u[4], a[16], b[16];
    static const int target_of[][2] = {{GATE_CX, GATE_X}, {GATE_CY, GATE_Y}, {GATE_CZ, GATE_Z}, {GATE_CH, GATE_H},
                                      {GATE_CSX, GATE_SX}, {GATE_CRX, GATE_RX}, {GATE_CRY, GATE_RY},
                                      {GATE_CRZ, GATE_RZ}, {GATE_CP, GATE_P}, {GATE_CU3, GATE_U3}};
    for (size_t i = 0; i < sizeof target_of / sizeof target_of[0]; i++)
        if (target_of[i][0] == g) { one_qubit(target_of[i][1], p, u); controlled(u, m); return; }
    switch (g) {
    case GATE_CU: u3(p[0], p[1], p[2], u); for (int i = 0; i < 4; i++) u[i] *= cexp(I * p[3]); controlled(u, m); break;
    case GATE_SWAP: memset(m, 0, 16 * sizeof *m); m[0] = m[6] = m[9] = m[15] = 1; break;
    case GATE_RXX: kron2(PX, PX, a); expm_minus_i(4, a, p[0] / 2, m); break;
    case GATE_RYY: kron2(PY, PY, a); expm_minus_i(4, a, p[0] / 2, m); break;
    case GATE_RZZ: kron2(PZ, PZ, a); expm_minus_i(4, a, p[0] / 2, m); break;
    case GATE_RZX: kron2(PZ, PX, a); expm_minus_i(4, a, p[0] / 2, m); break;
    case GATE_ISWAP: case GATE_SQISWAP: case GATE_ISWAPTHETA: {   /* exp(i t (XX + YY) / 2) */
        double t = g == GATE_ISWAP ? M_PI / 2 : g == GATE_SQISWAP ? M_PI / 4 : p[0];
        kron2(PX, PX, a);
        kron2(PY, PY, b);
        for (int i = 0; i < 16; i++) a[i] += b[i];
        expm_minus_i(4, a, -t / 2, m);
        break;
    }
    default: break;
    }
}

void sv_gate_matrix(int g, const double *params, double complex *m)
{
    static const double zero[4] = {0};
    if (!params) params = zero;
    const gate_info *info = gate_get_info(g);
    if (info->nqubits == 1) { one_qubit(g, params, m); return; }
    if (info->nqubits == 2) { two_qubit(g, params, m); return; }
    memset(m, 0, 64 * sizeof *m);   /* three qubits: permutations */
    for (int i = 0; i < 8; i++) {
        int j = i;
        if (g == GATE_CCX && (i & 6) == 6) j = i ^ 1;                              /* both controls: flip last */
        if (g == GATE_CSWAP && (i & 4) && ((i >> 1) & 1) != (i & 1)) j = i ^ 3;    /* control: swap the others */
        m[j * 8 + i] = 1;
    }
}

/* ---- applying ------------------------------------------------------------------ */

void sv_apply_matrix(sv_state *s, const double complex *m, int k, const int *qubits)
{
    size_t dim = (size_t)1 << s->n, d = (size_t)1 << k;
    size_t mask = 0;
    for (int j = 0; j < k; j++) mask |= (size_t)1 << qubits[j];
    double complex in[1024], out[1024];
    size_t idx[1024];
    for (size_t base = 0; base < dim; base++) {
        if (base & mask) continue;
        for (size_t a = 0; a < d; a++) {
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

void sv_apply_op(sv_state *s, const circ_op *op)
{
    if (op->gate == GATE_UNITARY) { sv_apply_matrix(s, op->matrix, op->nqubits, op->qubits); return; }
    double complex m[64];
    sv_gate_matrix(op->gate, op->params, m);
    sv_apply_matrix(s, m, op->nqubits, op->qubits);
}

double sv_prob_one(const sv_state *s, int q)
{
    double p = 0;
    for (size_t i = 0; i < ((size_t)1 << s->n); i++)
        if ((i >> q) & 1) p += creal(s->amp[i] * conj(s->amp[i]));
    return p;
}

double sv_project(sv_state *s, int q, int outcome)
{
    double p = outcome ? sv_prob_one(s, q) : 1 - sv_prob_one(s, q);
    double scale = p > 0 ? 1 / sqrt(p) : 0;
    for (size_t i = 0; i < ((size_t)1 << s->n); i++)
        s->amp[i] = ((int)((i >> q) & 1) == outcome) ? s->amp[i] * scale : 0;
    return p;
}

double complex sv_expect_pauli(const sv_state *s, const char *paulis)
{
    size_t dim = (size_t)1 << s->n;
    double complex total = 0;
    for (size_t i = 0; i < dim; i++) {   /* <psi| P |i> psi_i */
        size_t j = i;
        double complex phase = 1;
        for (int q = 0; q < s->n; q++) {
            int b = (i >> q) & 1;
            switch (paulis[q]) {
            case 'X': j ^= (size_t)1 << q; break;
            case 'Y': j ^= (size_t)1 << q; phase *= b ? -I : I; break;
            case 'Z': if (b) phase = -phase; break;
            default: break;
            }
        }
        total += conj(s->amp[j]) * phase * s->amp[i];
    }
    return total;
}
