/* originir_gates.c - OriginIR's gate table and QPanda's dense matrices (see
 * originir_gates.h; the conventions are listed at the top of originir.c). */
#include "originir_gates.h"

#include <math.h>
#include <string.h>
#include <strings.h>

#include "gates.h"

static const originir_gate originir_gates[] = {
    {"H", 1, 0, E_PLAIN, GATE_H, 0},          {"X", 1, 0, E_PLAIN, GATE_X, 0},
    {"NOT", 1, 0, E_PLAIN, GATE_X, 0},        {"Y", 1, 0, E_PLAIN, GATE_Y, 0},
    {"Z", 1, 0, E_PLAIN, GATE_Z, 0},          {"S", 1, 0, E_PLAIN, GATE_S, 0},
    {"T", 1, 0, E_PLAIN, GATE_T, 0},          {"I", 1, 0, E_PLAIN, GATE_ID, 0},
    {"ECHO", 1, 0, E_PLAIN, GATE_ID, 0},      {"SX", 1, 0, E_PLAIN, GATE_SX, 0},
    {"X1", 1, 0, E_FIXED, GATE_RX, M_PI / 2}, {"Y1", 1, 0, E_FIXED, GATE_RY, M_PI / 2},
    {"Z1", 1, 0, E_FIXED, GATE_RZ, M_PI / 2}, {"RX", 1, 1, E_PLAIN, GATE_RX, 0},
    {"RY", 1, 1, E_PLAIN, GATE_RY, 0},        {"RZ", 1, 1, E_PLAIN, GATE_RZ, 0},
    {"U1", 1, 1, E_PLAIN, GATE_P, 0},         {"P", 1, 1, E_PLAIN, GATE_P, 0},
    {"U2", 1, 2, E_PLAIN, GATE_U2, 0},        {"RPhi", 1, 2, E_RPHI, GATE_U3, -1},
    {"RPhi90", 1, 1, E_RPHI, GATE_U3, M_PI / 2}, {"RPhi180", 1, 1, E_RPHI, GATE_U3, M_PI},
    {"U3", 1, 3, E_PLAIN, GATE_U3, 0},        {"U4", 1, 4, E_U4, GATE_UNITARY, 0},
    {"CNOT", 2, 0, E_PLAIN, GATE_CX, 0},      {"CZ", 2, 0, E_PLAIN, GATE_CZ, 0},
    {"SWAP", 2, 0, E_PLAIN, GATE_SWAP, 0},    {"ISWAP", 2, 0, E_PLAIN, GATE_ISWAP, 0},
    {"SQISWAP", 2, 0, E_FIXED, GATE_ISWAPTHETA, -M_PI / 4},
    {"ISWAPTHETA", 2, 1, E_NEGATED, GATE_ISWAPTHETA, 0},
    {"CR", 2, 1, E_PLAIN, GATE_CP, 0},        {"CP", 2, 1, E_PLAIN, GATE_CP, 0},
    {"RXX", 2, 1, E_PLAIN, GATE_RXX, 0},      {"RYY", 2, 1, E_PLAIN, GATE_RYY, 0},
    {"RZZ", 2, 1, E_PLAIN, GATE_RZZ, 0},      {"RZX", 2, 1, E_PLAIN, GATE_RZX, 0},
    {"XX", 2, 1, E_PLAIN, GATE_RXX, 0},       {"YY", 2, 1, E_PLAIN, GATE_RYY, 0},
    {"ZZ", 2, 1, E_PLAIN, GATE_RZZ, 0},       {"XY", 2, 1, E_XY, GATE_ISWAPTHETA, 0},
    {"CU", 2, 4, E_CU, GATE_CU, 0},           {"PHASE2Q", 2, 3, E_PHASE2Q, GATE_UNITARY, 0},
    {"UU15", 2, 15, E_UU15, GATE_UNITARY, 0}, {"TOFFOLI", 3, 0, E_PLAIN, GATE_CCX, 0},
    {"CSWAP", 3, 0, E_PLAIN, GATE_CSWAP, 0},
};

const originir_gate *originir_find_gate(const char *name, int len)
{
    for (size_t i = 0; i < sizeof originir_gates / sizeof originir_gates[0]; i++)
        if ((int)strlen(originir_gates[i].name) == len && strncasecmp(name, originir_gates[i].name, (size_t)len) == 0)
            return &originir_gates[i];
    return NULL;
}

/* e^{ia} RZ(b) RY(g) RZ(d), QPanda's U4 (QuantumGate.cpp). */
static void originir_u4_matrix(const double *p, double complex *m)
{
    double a = p[0], b = p[1], g = p[2], d = p[3];
    m[0] = cexp(I * (a - b / 2 - d / 2)) * cos(g / 2);
    m[1] = -cexp(I * (a - b / 2 + d / 2)) * sin(g / 2);
    m[2] = cexp(I * (a + b / 2 - d / 2)) * sin(g / 2);
    m[3] = cexp(I * (a + b / 2 + d / 2)) * cos(g / 2);
}

/* c = a b for n x n matrices. */
static void matmul(int n, const double complex *a, const double complex *b, double complex *c)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double complex s = 0;
            for (int k = 0; k < n; k++) s += a[i * n + k] * b[k * n + j];
            c[i * n + j] = s;
        }
}

/* The 4x4 matrix of one-qubit u on the first (high) or second qubit. */
static void one_on_two(const double complex *u, int on_first, double complex *m)
{
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 4; c++) {
            int hi_r = r >> 1, lo_r = r & 1, hi_c = c >> 1, lo_c = c & 1;
            m[r * 4 + c] = on_first ? (lo_r == lo_c ? u[hi_r * 2 + hi_c] : 0) : (hi_r == hi_c ? u[lo_r * 2 + lo_c] : 0);
        }
}

/* m = g m, for a 4x4 g. */
static void then_apply(const double complex *g, double complex *m)
{
    double complex t[16];
    matmul(4, g, m, t);
    memcpy(m, t, sizeof t);
}

/* QPanda-lite's PHASE2Q(t1, t2, tzz): U1(t1) on the first, U1(t2) on the
 * second, then ZZ(tzz); diagonal. */
static void originir_phase2q_matrix(const double *p, double complex *m)
{
    memset(m, 0, 16 * sizeof *m);
    for (int b = 0; b < 4; b++) {
        int b1 = b >> 1, b2 = b & 1;
        double zz = (b1 == b2) ? -p[2] / 2 : p[2] / 2;
        m[b * 4 + b] = cexp(I * (b1 * p[0] + b2 * p[1] + zz));
    }
}

/* QPanda-lite's UU15: U3 (x) U3, XX, YY, ZZ, then U3 (x) U3 (first qubit
 * gets parameters 0-2 and 9-11). */
static void originir_uu15_matrix(const double *p, double complex *m)
{
    double complex u[4], g[16];
    memset(m, 0, 16 * sizeof *m);
    for (int i = 0; i < 4; i++) m[i * 4 + i] = 1;
    gate_matrix(GATE_U3, p, u);
    one_on_two(u, 1, g);
    then_apply(g, m);
    gate_matrix(GATE_U3, p + 3, u);
    one_on_two(u, 0, g);
    then_apply(g, m);
    gate_matrix(GATE_RXX, p + 6, g);
    then_apply(g, m);
    gate_matrix(GATE_RYY, p + 7, g);
    then_apply(g, m);
    gate_matrix(GATE_RZZ, p + 8, g);
    then_apply(g, m);
    gate_matrix(GATE_U3, p + 9, u);
    one_on_two(u, 1, g);
    then_apply(g, m);
    gate_matrix(GATE_U3, p + 12, u);
    one_on_two(u, 0, g);
    then_apply(g, m);
}

/* Fills op (gate and parameters, or a dense matrix into dense) for gate g
 * with source parameters p. */
void originir_gate_op(const originir_gate *g, const double *p, circ_op *op, double complex *dense)
{
    op->gate = g->gate;
    for (int i = 0; i < g->nparams && i < CIRC_MAX_PARAMS; i++) op->params[i] = p[i];
    switch (g->emit) {
    case E_FIXED: op->params[0] = g->fixed; break;
    case E_NEGATED: op->params[0] = -p[0]; break;
    case E_XY: op->params[0] = -p[0] / 2; break;
    case E_RPHI: {
        double theta = g->fixed >= 0 ? g->fixed : p[0], phi = g->fixed >= 0 ? p[0] : p[1];
        op->params[0] = theta;
        op->params[1] = phi - M_PI / 2;
        op->params[2] = M_PI / 2 - phi;
        break;
    }
    case E_CU:
        op->params[0] = p[2];
        op->params[1] = p[1];
        op->params[2] = p[3];
        op->params[3] = p[0] - (p[1] + p[3]) / 2;
        break;
    case E_U4: originir_u4_matrix(p, dense); op->matrix = dense; break;
    case E_PHASE2Q: originir_phase2q_matrix(p, dense); op->matrix = dense; break;
    case E_UU15: originir_uu15_matrix(p, dense); op->matrix = dense; break;
    default: break;
    }
}
