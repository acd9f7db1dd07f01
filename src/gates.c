/* gates.c - the built-in gate table and gate matrices (conventions in gates.h). */
#include "gates.h"

#include <math.h>
#include <string.h>

static const gate_info gate_table[GATE_COUNT] = {
    [GATE_ID] = {"id", 1, 0},       [GATE_X] = {"x", 1, 0},
    [GATE_Y] = {"y", 1, 0},         [GATE_Z] = {"z", 1, 0},
    [GATE_H] = {"h", 1, 0},         [GATE_S] = {"s", 1, 0},
    [GATE_SDG] = {"sdg", 1, 0},     [GATE_T] = {"t", 1, 0},
    [GATE_TDG] = {"tdg", 1, 0},     [GATE_SX] = {"sx", 1, 0},
    [GATE_SXDG] = {"sxdg", 1, 0},   [GATE_RX] = {"rx", 1, 1},
    [GATE_RY] = {"ry", 1, 1},       [GATE_RZ] = {"rz", 1, 1},
    [GATE_P] = {"p", 1, 1},         [GATE_U2] = {"u2", 1, 2},
    [GATE_U3] = {"u3", 1, 3},       [GATE_CX] = {"cx", 2, 0},
    [GATE_CY] = {"cy", 2, 0},       [GATE_CZ] = {"cz", 2, 0},
    [GATE_CH] = {"ch", 2, 0},       [GATE_SWAP] = {"swap", 2, 0},
    [GATE_CSX] = {"csx", 2, 0},     [GATE_CRX] = {"crx", 2, 1},
    [GATE_CRY] = {"cry", 2, 1},     [GATE_CRZ] = {"crz", 2, 1},
    [GATE_CP] = {"cp", 2, 1},       [GATE_CU3] = {"cu3", 2, 3},
    [GATE_CU] = {"cu", 2, 4},       [GATE_RXX] = {"rxx", 2, 1},
    [GATE_RYY] = {"ryy", 2, 1},     [GATE_RZZ] = {"rzz", 2, 1},
    [GATE_RZX] = {"rzx", 2, 1},     [GATE_ISWAP] = {"iswap", 2, 0},
    [GATE_SQISWAP] = {"sqiswap", 2, 0}, [GATE_ISWAPTHETA] = {"iswaptheta", 2, 1},
    [GATE_CCX] = {"ccx", 3, 0},     [GATE_CSWAP] = {"cswap", 3, 0},
    [GATE_UNITARY] = {"unitary", 0, 0},
    [GATE_ECR] = {"ecr", 2, 0},     [GATE_DCX] = {"dcx", 2, 0},
    [GATE_R] = {"r", 1, 2},         [GATE_XX_MINUS_YY] = {"xx_minus_yy", 2, 2},
    [GATE_XX_PLUS_YY] = {"xx_plus_yy", 2, 2}, [GATE_DELAY] = {"delay", 1, 2},
};

const gate_info *gate_get_info(int g)
{
    if (g < 0 || g >= GATE_COUNT) return NULL;
    return &gate_table[g];
}

int gate_lookup(const char *name)
{
    for (int g = 0; g < GATE_COUNT; g++)
        if (strcmp(gate_table[g].name, name) == 0) return g;
    return -1;
}

/* The 2x2 matrix of U3(theta, phi, lambda), times e^{i gamma}. */
static void u3_matrix(double theta, double phi, double lambda, double gamma, double complex *m)
{
    double c = cos(theta / 2), s = sin(theta / 2);
    double complex g = cexp(I * gamma);
    m[0] = g * c;
    m[1] = -g * cexp(I * lambda) * s;
    m[2] = g * cexp(I * phi) * s;
    m[3] = g * cexp(I * (phi + lambda)) * c;
}

/* The 2x2 matrix of a one-qubit gate; returns 0 if g is not one. */
static int one_qubit_matrix(int g, const double *p, double complex *m)
{
    const double r = 1 / sqrt(2.0);
    double c, s;
    switch (g) {
    case GATE_ID: case GATE_DELAY: m[0] = 1; m[1] = 0; m[2] = 0; m[3] = 1; return 1;
    case GATE_X: m[0] = 0; m[1] = 1; m[2] = 1; m[3] = 0; return 1;
    case GATE_Y: m[0] = 0; m[1] = -I; m[2] = I; m[3] = 0; return 1;
    case GATE_Z: m[0] = 1; m[1] = 0; m[2] = 0; m[3] = -1; return 1;
    case GATE_H: m[0] = r; m[1] = r; m[2] = r; m[3] = -r; return 1;
    case GATE_S: m[0] = 1; m[1] = 0; m[2] = 0; m[3] = I; return 1;
    case GATE_SDG: m[0] = 1; m[1] = 0; m[2] = 0; m[3] = -I; return 1;
    case GATE_T: m[0] = 1; m[1] = 0; m[2] = 0; m[3] = cexp(I * M_PI / 4); return 1;
    case GATE_TDG: m[0] = 1; m[1] = 0; m[2] = 0; m[3] = cexp(-I * M_PI / 4); return 1;
    case GATE_SX:
        m[0] = (1 + I) / 2; m[1] = (1 - I) / 2; m[2] = (1 - I) / 2; m[3] = (1 + I) / 2;
        return 1;
    case GATE_SXDG:
        m[0] = (1 - I) / 2; m[1] = (1 + I) / 2; m[2] = (1 + I) / 2; m[3] = (1 - I) / 2;
        return 1;
    case GATE_RX:
        c = cos(p[0] / 2); s = sin(p[0] / 2);
        m[0] = c; m[1] = -I * s; m[2] = -I * s; m[3] = c;
        return 1;
    case GATE_RY:
        c = cos(p[0] / 2); s = sin(p[0] / 2);
        m[0] = c; m[1] = -s; m[2] = s; m[3] = c;
        return 1;
    case GATE_RZ:
        m[0] = cexp(-I * p[0] / 2); m[1] = 0; m[2] = 0; m[3] = cexp(I * p[0] / 2);
        return 1;
    case GATE_P: m[0] = 1; m[1] = 0; m[2] = 0; m[3] = cexp(I * p[0]); return 1;
    case GATE_R:   /* exp(-i theta/2 (cos phi X + sin phi Y)) */
        c = cos(p[0] / 2); s = sin(p[0] / 2);
        m[0] = c; m[1] = -I * cexp(-I * p[1]) * s; m[2] = -I * cexp(I * p[1]) * s; m[3] = c;
        return 1;
    case GATE_U2: u3_matrix(M_PI / 2, p[0], p[1], 0, m); return 1;
    case GATE_U3: u3_matrix(p[0], p[1], p[2], 0, m); return 1;
    default: return 0;
    }
}

/* The target gate of a controlled two-qubit gate; returns 0 if g is not one. */
static int controlled_target(int g, const double *p, double complex *u)
{
    switch (g) {
    case GATE_CX: return one_qubit_matrix(GATE_X, p, u);
    case GATE_CY: return one_qubit_matrix(GATE_Y, p, u);
    case GATE_CZ: return one_qubit_matrix(GATE_Z, p, u);
    case GATE_CH: return one_qubit_matrix(GATE_H, p, u);
    case GATE_CSX: return one_qubit_matrix(GATE_SX, p, u);
    case GATE_CRX: return one_qubit_matrix(GATE_RX, p, u);
    case GATE_CRY: return one_qubit_matrix(GATE_RY, p, u);
    case GATE_CRZ: return one_qubit_matrix(GATE_RZ, p, u);
    case GATE_CP: return one_qubit_matrix(GATE_P, p, u);
    case GATE_CU3: u3_matrix(p[0], p[1], p[2], 0, u); return 1;
    case GATE_CU: u3_matrix(p[0], p[1], p[2], p[3], u); return 1;
    default: return 0;
    }
}

static void identity(int dim, double complex *m)
{
    memset(m, 0, (size_t)dim * dim * sizeof *m);
    for (int i = 0; i < dim; i++) m[i * dim + i] = 1;
}

/* exp(-i theta/2 A) for a two-qubit Pauli product A with A^2 = I given densely. */
static void pauli_rotation(double theta, const double complex *a, double complex *m)
{
    double c = cos(theta / 2), s = sin(theta / 2);
    for (int i = 0; i < 16; i++) m[i] = -I * s * a[i];
    for (int i = 0; i < 4; i++) m[i * 4 + i] += c;
}

static void two_qubit_matrix(int g, const double *p, double complex *m)
{
    double complex u[4];
    identity(4, m);
    if (controlled_target(g, p, u)) {
        m[2 * 4 + 2] = u[0]; m[2 * 4 + 3] = u[1];
        m[3 * 4 + 2] = u[2]; m[3 * 4 + 3] = u[3];
        return;
    }
    static const double complex xx[16] = {0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0};
    static const double complex yy[16] = {0, 0, 0, -1, 0, 0, 1, 0, 0, 1, 0, 0, -1, 0, 0, 0};
    static const double complex zx[16] = {0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, -1, 0, 0, -1, 0};
    double c, s;
    switch (g) {
    case GATE_SWAP:
        m[1 * 4 + 1] = 0; m[2 * 4 + 2] = 0; m[1 * 4 + 2] = 1; m[2 * 4 + 1] = 1;
        break;
    case GATE_RXX: pauli_rotation(p[0], xx, m); break;
    case GATE_RYY: pauli_rotation(p[0], yy, m); break;
    case GATE_RZX: pauli_rotation(p[0], zx, m); break;
    case GATE_RZZ:
        m[0] = cexp(-I * p[0] / 2); m[5] = cexp(I * p[0] / 2);
        m[10] = cexp(I * p[0] / 2); m[15] = cexp(-I * p[0] / 2);
        break;
    case GATE_ISWAP:
        m[5] = 0; m[10] = 0; m[6] = I; m[9] = I;
        break;
    case GATE_SQISWAP:
        m[5] = 1 / sqrt(2.0); m[10] = 1 / sqrt(2.0); m[6] = I / sqrt(2.0); m[9] = I / sqrt(2.0);
        break;
    case GATE_ISWAPTHETA:
        c = cos(p[0]); s = sin(p[0]);
        m[5] = c; m[10] = c; m[6] = I * s; m[9] = I * s;
        break;
    case GATE_ECR:   /* (XI - YX) / sqrt2 */
        memset(m, 0, 16 * sizeof *m);
        m[2] = 1 / sqrt(2.0); m[3] = I / sqrt(2.0); m[6] = I / sqrt(2.0); m[7] = 1 / sqrt(2.0);
        m[8] = 1 / sqrt(2.0); m[9] = -I / sqrt(2.0); m[12] = -I / sqrt(2.0); m[13] = 1 / sqrt(2.0);
        break;
    case GATE_DCX:   /* cx a,b; cx b,a: |a b> -> |b, a xor b> */
        memset(m, 0, 16 * sizeof *m);
        m[0] = 1; m[1 * 4 + 2] = 1; m[2 * 4 + 3] = 1; m[3 * 4 + 1] = 1;
        break;
    case GATE_XX_PLUS_YY:   /* mixes |01> and |10> with the phase beta on the first qubit */
        c = cos(p[0] / 2); s = sin(p[0] / 2);
        m[5] = c; m[10] = c; m[1 * 4 + 2] = -I * s * cexp(I * p[1]); m[2 * 4 + 1] = -I * s * cexp(-I * p[1]);
        break;
    case GATE_XX_MINUS_YY:   /* mixes |00> and |11> */
        c = cos(p[0] / 2); s = sin(p[0] / 2);
        m[0] = c; m[15] = c; m[3] = -I * s * cexp(-I * p[1]); m[12] = -I * s * cexp(I * p[1]);
        break;
    default: break;
    }
}

void gate_matrix(int g, const double *params, double complex *m)
{
    static const double no_params[4] = {0};
    if (!params) params = no_params;
    const gate_info *info = gate_get_info(g);
    if (!info) return;
    if (info->nqubits == 1) {
        one_qubit_matrix(g, params, m);
    } else if (info->nqubits == 2) {
        two_qubit_matrix(g, params, m);
    } else if (g == GATE_CCX) {
        identity(8, m);
        m[6 * 8 + 6] = 0; m[7 * 8 + 7] = 0; m[6 * 8 + 7] = 1; m[7 * 8 + 6] = 1;
    } else if (g == GATE_CSWAP) {
        identity(8, m);   /* control 1: swap 101 <-> 110 */
        m[5 * 8 + 5] = 0; m[6 * 8 + 6] = 0; m[5 * 8 + 6] = 1; m[6 * 8 + 5] = 1;
    }
}

double gate_phase_distance(const double complex *a, const double complex *b, int dim)
{
    int n = dim * dim, big = 0;
    for (int i = 1; i < n; i++)
        if (cabs(b[i]) > cabs(b[big])) big = i;
    if (cabs(b[big]) == 0 || cabs(a[big]) == 0) return 2;
    double complex phase = a[big] / b[big];
    phase /= cabs(phase);
    double worst = 0;
    for (int i = 0; i < n; i++) worst = fmax(worst, cabs(a[i] - phase * b[i]));
    return worst;
}

int gate_adjoint(int g, double *p)
{
    double t;
    switch (g) {
    case GATE_ID: case GATE_X: case GATE_Y: case GATE_Z: case GATE_H: case GATE_SWAP: case GATE_ECR:
    case GATE_CX: case GATE_CY: case GATE_CZ: case GATE_CH: case GATE_CCX: case GATE_CSWAP:
        return g;
    case GATE_S: return GATE_SDG;
    case GATE_SDG: return GATE_S;
    case GATE_T: return GATE_TDG;
    case GATE_TDG: return GATE_T;
    case GATE_SX: return GATE_SXDG;
    case GATE_SXDG: return GATE_SX;
    case GATE_RX: case GATE_RY: case GATE_RZ: case GATE_P: case GATE_CRX: case GATE_CRY: case GATE_CRZ:
    case GATE_CP: case GATE_RXX: case GATE_RYY: case GATE_RZZ: case GATE_RZX: case GATE_ISWAPTHETA:
        p[0] = -p[0];
        return g;
    case GATE_U2:   /* u2(phi, lambda) = u3(pi/2, phi, lambda) */
        t = p[0];
        p[0] = -M_PI / 2;
        p[2] = -t;
        p[1] = -p[1];
        return GATE_U3;
    case GATE_U3: case GATE_CU3: case GATE_CU:   /* u3(t, f, l)^+ = u3(-t, -l, -f) */
        t = p[1];
        p[0] = -p[0];
        p[1] = -p[2];
        p[2] = -t;
        p[3] = -p[3];
        return g;
    default:
        return -1;
    }
}

int gate_controlled(int g, int ncontrols)
{
    if (ncontrols == 2) return g == GATE_X ? GATE_CCX : -1;
    if (ncontrols != 1) return -1;
    switch (g) {
    case GATE_X: return GATE_CX;
    case GATE_Y: return GATE_CY;
    case GATE_Z: return GATE_CZ;
    case GATE_H: return GATE_CH;
    case GATE_SX: return GATE_CSX;
    case GATE_RX: return GATE_CRX;
    case GATE_RY: return GATE_CRY;
    case GATE_RZ: return GATE_CRZ;
    case GATE_P: return GATE_CP;
    case GATE_U3: return GATE_CU3;
    case GATE_SWAP: return GATE_CSWAP;
    case GATE_CX: return GATE_CCX;
    default: return -1;
    }
}
