/* coherent.c - matrices of the coherent errors of a noise model (see
 * coherent.h): over-rotation per gate kind and the static ZZ phase.
 * Not for: scheduling or reading them. */
#include "coherent.h"

#include <math.h>
#include <string.h>

#include "gates.h"

/* Fixed gates and their generators: U_eps = U exp(-i eps/2 G), G a Pauli
 * product with G^2 = I, given per qubit (q[0] first) as letters; "H" is
 * (X + Z)/sqrt2. The angle is signed, as for rotation gates: sxdg = rx(-pi/2)
 * becomes rx(-pi/2 + eps), so a folded G G^dagger G carries 3 eps. All but
 * ecr commute with G; ecr = x(q0) rzx(pi/2) becomes x(q0) rzx(pi/2 + eps). */
static const struct { int gate; const char *g; } fixed[] = {
    {GATE_X, "X"}, {GATE_Y, "Y"}, {GATE_Z, "Z"}, {GATE_H, "H"}, {GATE_S, "Z"}, {GATE_T, "Z"}, {GATE_SDG, "Z"},
    {GATE_TDG, "Z"}, {GATE_SX, "X"}, {GATE_SXDG, "X"},
    {GATE_CX, "ZX"}, {GATE_CY, "ZY"}, {GATE_CZ, "ZZ"}, {GATE_ECR, "ZX"},
};

/* Rotation gates: the angle is params[0] (u2 is u3(pi/2, phi, lambda)). */
static const int rotation[] = {
    GATE_RX, GATE_RY, GATE_RZ, GATE_P, GATE_U3, GATE_R, GATE_CRX, GATE_CRY, GATE_CRZ, GATE_CP, GATE_CU3,
    GATE_CU, GATE_RXX, GATE_RYY, GATE_RZZ, GATE_RZX, GATE_ISWAPTHETA, GATE_XX_MINUS_YY, GATE_XX_PLUS_YY,
};

static int fixed_index(int g)
{
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (fixed[i].gate == g) return (int)i;
    return -1;
}

static int is_rotation(int g)
{
    for (size_t i = 0; i < sizeof rotation / sizeof rotation[0]; i++)
        if (rotation[i] == g) return 1;
    return g == GATE_U2;
}

int coherent_overrotation_defined(int g) { return g >= 0 && g < GATE_COUNT && (fixed_index(g) >= 0 || is_rotation(g)); }

const char *coherent_overrotation_gates(void)
{
    return "x y z h s sdg t tdg sx sxdg cx cy cz ecr, and the rotations rx ry rz p u2 u3 r crx cry crz cp cu3 cu "
           "rxx ryy rzz rzx iswaptheta xx_minus_yy xx_plus_yy";
}

static void letter_matrix(char l, double complex *m)
{
    double r = 1 / sqrt(2.0);
    double complex x[4] = {0, 1, 1, 0}, y[4] = {0, -I, I, 0}, z[4] = {1, 0, 0, -1}, h[4] = {r, r, r, -r};
    memcpy(m, l == 'X' ? x : l == 'Y' ? y : l == 'Z' ? z : h, sizeof x);
}

/* c = a b for d x d matrices (b_dagger: b conjugate-transposed). */
static void matmul(const double complex *a, const double complex *b, int b_dagger, int d, double complex *c)
{
    for (int r = 0; r < d; r++)
        for (int col = 0; col < d; col++) {
            double complex s = 0;
            for (int k = 0; k < d; k++) s += a[r * d + k] * (b_dagger ? conj(b[col * d + k]) : b[k * d + col]);
            c[r * d + col] = s;
        }
}

/* exp(-i eps/2 G) = cos(eps/2) I - i sin(eps/2) G for the generator of fixed[f]. */
static void generator_rotation(int f, double eps, double complex *out)
{
    const char *g = fixed[f].g;
    int k = (int)strlen(g), d = 1 << k;
    double complex a[4], b[4], gm[16];
    letter_matrix(g[0], a);
    if (k == 1) memcpy(gm, a, sizeof a);
    else {
        letter_matrix(g[1], b);
        for (int r = 0; r < 4; r++)
            for (int c = 0; c < 4; c++) gm[r * 4 + c] = a[(r >> 1) * 2 + (c >> 1)] * b[(r & 1) * 2 + (c & 1)];
    }
    for (int i = 0; i < d * d; i++)
        out[i] = (i % (d + 1) == 0 ? cos(eps / 2) : 0) - I * sin(eps / 2) * gm[i];
}

int coherent_overrotation(const circ_op *op, double eps, double complex *e)
{
    int g = op->gate, f = fixed_index(g);
    if (!coherent_overrotation_defined(g) || op->nqubits > 2) return -1;
    int d = 1 << op->nqubits;
    double complex u[16], ue[16], r[16];
    gate_matrix(g, op->params, u);
    if (f >= 0) {
        generator_rotation(f, eps, r);
        matmul(u, r, 0, d, ue);
    } else {
        double p[CIRC_MAX_PARAMS];
        memcpy(p, op->params, sizeof p);
        int ge = g;
        if (g == GATE_U2) { ge = GATE_U3; p[2] = p[1]; p[1] = p[0]; p[0] = M_PI / 2; }
        p[0] += eps;
        gate_matrix(ge, p, ue);
    }
    matmul(ue, u, 1, d, e);   /* E = U_eps U^dagger */
    return 0;
}

void coherent_zz(double phi, double complex *e)
{
    memset(e, 0, 16 * sizeof *e);
    double complex even = cexp(-I * phi / 2), odd = cexp(I * phi / 2);
    e[0] = even; e[5] = odd; e[10] = odd; e[15] = even;
}

double coherent_fidelity(const double complex *e, int d)
{
    double complex tr = 0;
    for (int i = 0; i < d; i++) tr += e[i * d + i];
    return creal(tr * conj(tr)) / ((double)d * d);
}
