/* synth.c - compiles a block's state preparation and unitaries into U3 and
 * CZ (synth.h): the gate builder, Mottonen and Schmidt state preparation, the
 * two-qubit KAK decomposition and the quantum Shannon decomposition. */
#include "synth.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- the builder: native gates with one-qubit gates merged ------------------ */

typedef struct {
    int k;
    const unsigned char *adj;               /* k x k coupling inside the block; NULL: all pairs */
    double complex pend[BLOCKS_MAX_K][4];   /* one-qubit gates not yet emitted (row-major 2x2) */
    native_op *ops;
    int nops;
} builder;

static void mat_mul2(const double complex *a, const double complex *b, double complex *out)
{
    double complex r[4] = {a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3], a[2] * b[0] + a[3] * b[2],
                           a[2] * b[1] + a[3] * b[3]};
    memcpy(out, r, sizeof r);
}

static void apply1(builder *b, int q, const double complex *m) { mat_mul2(m, b->pend[q], b->pend[q]); }

/* U3 angles of a 2x2 unitary (up to a global phase). u / sqrt(det u) is
 * [[a, -conj(b)], [b, conj(a)]] = U3(theta, phi, lambda) up to a phase with
 * a = cos(theta/2) e^{-i(phi+lambda)/2}, b = sin(theta/2) e^{i(phi-lambda)/2}.
 * Each angle comes from a and b alone, each the mean of the two entries it
 * appears in: the phase of an entry at rounding level (a near-diagonal u, as
 * the factors of real orthogonal blocks are) never sets the phase of the
 * large entries, only its own, which multiplies a vanishing sine or cosine. */
static void u3_angles(const double complex *u, double *theta, double *phi, double *lambda)
{
    double complex root = csqrt(u[0] * u[3] - u[1] * u[2]);
    double complex a = (u[0] + conj(u[3]) * root / conj(root)) / (2 * root);
    double complex b = (u[2] - conj(u[1]) * root / conj(root)) / (2 * root);
    *theta = 2 * atan2(cabs(b), cabs(a));
    *phi = carg(b) - carg(a);
    *lambda = -carg(a) - carg(b);
}

static void flush(builder *b, int q)
{
    double complex *u = b->pend[q];
    int identity = cabs(u[1]) < 1e-14 && cabs(u[2]) < 1e-14 && cabs(u[3] - u[0]) < 1e-14;
    if (!identity) {
        native_op *op = &b->ops[b->nops++];
        memset(op, 0, sizeof *op);
        op->q0 = q;
        u3_angles(u, &op->theta, &op->phi, &op->lambda);
    }
    u[0] = 1; u[1] = 0; u[2] = 0; u[3] = 1;
}

/* An empty circuit on k qubits writing into ops. */
static void builder_init(builder *b, int k, const unsigned char *adj, native_op *ops)
{
    memset(b, 0, sizeof *b);
    b->k = k;
    b->adj = adj;
    b->ops = ops;
    for (int q = 0; q < k; q++) { b->pend[q][0] = 1; b->pend[q][3] = 1; }
}

/* Emits the pending one-qubit gates; returns the number of operations. */
static int builder_finish(builder *b)
{
    for (int q = 0; q < b->k; q++) flush(b, q);
    return b->nops;
}

static void emit_cz(builder *b, int a, int c)
{
    flush(b, a);
    flush(b, c);
    native_op *op = &b->ops[b->nops++];
    memset(op, 0, sizeof *op);
    op->cz = 1;
    op->q0 = a;
    op->q1 = c;
}

static const double complex H2[4] = {M_SQRT1_2, M_SQRT1_2, M_SQRT1_2, -M_SQRT1_2};

static int coupled(const builder *b, int x, int y) { return !b->adj || b->adj[x * b->k + y]; }

/* The neighbour of c on a shortest path from a to c inside the block. */
static int step_towards(const builder *b, int a, int c)
{
    int prev[BLOCKS_MAX_K], queue[BLOCKS_MAX_K], head = 0, tail = 0;
    for (int i = 0; i < b->k; i++) prev[i] = -2;
    prev[a] = -1;
    queue[tail++] = a;
    while (head < tail) {
        int u = queue[head++];
        for (int w = 0; w < b->k; w++)
            if (prev[w] == -2 && coupled(b, u, w)) { prev[w] = u; queue[tail++] = w; }
    }
    return prev[c];   /* the block is connected, so c was reached */
}

/* CNOT control -> target. Between uncoupled qubits of the block it bridges
 * through m, the target's neighbour towards the control:
 * CNOT(a,c) = CNOT(m,c) CNOT(a,m) CNOT(m,c) CNOT(a,m) (time order reversed),
 * which leaves m as it was; 4 CNOTs at distance 2, 10 at distance 3. */
static void emit_cnot(builder *b, int control, int target)
{
    if (!coupled(b, control, target)) {
        int m = step_towards(b, control, target);
        emit_cnot(b, control, m);
        emit_cnot(b, m, target);
        emit_cnot(b, control, m);
        emit_cnot(b, m, target);
        return;
    }
    apply1(b, target, H2);
    emit_cz(b, control, target);
    apply1(b, target, H2);
}

static void rotation(char axis, double angle, double complex *m)
{
    double c = cos(angle / 2), s = sin(angle / 2);
    if (axis == 'y') { m[0] = c; m[1] = -s; m[2] = s; m[3] = c; }
    else if (axis == 'x') { m[0] = c; m[1] = -I * s; m[2] = -I * s; m[3] = c; }
    else { m[0] = cexp(-I * angle / 2); m[1] = 0; m[2] = 0; m[3] = cexp(I * angle / 2); }
}

static unsigned gray(unsigned i) { return i ^ (i >> 1); }

/* The rotation R_axis(theta[p]) on target, for every pattern p of the m
 * controls (bit j of p = control ctrl[j]): 2^m rotations and 2^m CNOTs in
 * Gray-code order, angles phi = M^-1 theta with M_jp = (-1)^(j . gray(p)). */
static void multiplexed(builder *b, char axis, int target, const int *ctrl, int m, const double *theta)
{
    unsigned count = 1u << m;
    for (unsigned i = 0; i < count; i++) {
        double phi = 0;
        for (unsigned j = 0; j < count; j++) phi += (__builtin_popcount(j & gray(i)) & 1) ? -theta[j] : theta[j];
        phi /= count;
        double complex r[4];
        rotation(axis, phi, r);
        apply1(b, target, r);
        if (m == 0) continue;
        unsigned bit = i == count - 1 ? (unsigned)m - 1 : (unsigned)__builtin_ctz(gray(i) ^ gray(i + 1));
        emit_cnot(b, ctrl[bit], target);
    }
}

/* Mottonen et al.: magnitudes by RY multiplexors from the top qubit down,
 * then the phases as a diagonal by RZ multiplexors from qubit 0 up. */
static void prep_mottonen(builder *b, const double complex *v)
{
    int k = b->k;
    unsigned d = 1u << k;
    double theta[1 << BLOCKS_MAX_K], omega[1 << BLOCKS_MAX_K];
    int ctrl[BLOCKS_MAX_K];
    for (int t = k - 1; t >= 0; t--) {
        int m = k - 1 - t;
        for (int j = 0; j < m; j++) ctrl[j] = t + 1 + j;
        for (unsigned p = 0; p < (1u << m); p++) {
            double n0 = 0, n1 = 0;
            for (unsigned i = 0; i < d; i++) {
                if ((i >> (t + 1)) != p) continue;
                double w = creal(v[i] * conj(v[i]));
                if (i >> t & 1) n1 += w; else n0 += w;
            }
            theta[p] = 2 * atan2(sqrt(n1), sqrt(n0));
        }
        multiplexed(b, 'y', t, ctrl, m, theta);
    }
    for (unsigned i = 0; i < d; i++) omega[i] = cabs(v[i]) > 0 ? carg(v[i]) : 0;
    for (int t = 0; t < k; t++) {   /* omega holds the phases of qubits t..k-1 */
        int m = k - 1 - t;
        for (int j = 0; j < m; j++) ctrl[j] = t + 1 + j;
        for (unsigned p = 0; p < (1u << m); p++) {
            theta[p] = omega[2 * p + 1] - omega[2 * p];
            omega[p] = (omega[2 * p] + omega[2 * p + 1]) / 2;
        }
        multiplexed(b, 'z', t, ctrl, m, theta);
    }
}

/* k = 2 by the Schmidt decomposition M = A diag(s) V^H of the 2x2 matrix
 * M[b1][b0] = v[b0 + 2 b1]: RY on q1, one CNOT q1 -> q0, then A on q1 and
 * (V^H)^T on q0. */
static int prep_schmidt(builder *b, const double complex *v)
{
    lapack_complex_double mat[4] = {v[0], v[1], v[2], v[3]}, a[4], vh[4];
    double s[2], superb[1];
    if (LAPACKE_zgesvd(LAPACK_ROW_MAJOR, 'A', 'A', 2, 2, mat, 2, s, a, 2, vh, 2, superb) != 0) return -1;
    double complex ry[4], at[4] = {a[0], a[1], a[2], a[3]}, w[4] = {vh[0], vh[2], vh[1], vh[3]};
    rotation('y', 2 * atan2(s[1], s[0]), ry);
    apply1(b, 1, ry);
    if (s[1] > 1e-15 * s[0]) emit_cnot(b, 1, 0);
    apply1(b, 1, at);
    apply1(b, 0, w);
    return 0;
}


/* ---- two qubits: the KAK decomposition ---------------------------------------- */

/* The magic basis (columns): in it, A x B with A, B in SU(2) is a real
 * orthogonal matrix and exp(i(a XX + b YY + c ZZ)) is diagonal. */
static const double complex MAGIC[16] = {
    M_SQRT1_2, 0, 0, I * M_SQRT1_2,
    0, I * M_SQRT1_2, M_SQRT1_2, 0,
    0, I * M_SQRT1_2, -M_SQRT1_2, 0,
    M_SQRT1_2, 0, 0, -I * M_SQRT1_2};
/* diag(M^H XX M), diag(M^H YY M), diag(M^H ZZ M): orthogonal +-1 rows */
static const double MAGIC_XX[4] = {1, 1, -1, -1}, MAGIC_YY[4] = {-1, 1, -1, 1}, MAGIC_ZZ[4] = {1, -1, -1, 1};

/* out = a b (n x n, row-major); out may not alias a or b. */
static void mat_mul(int n, const double complex *a, const double complex *b, double complex *out)
{
    const double complex one = 1, zero = 0;
    cblas_zgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, &one, a, n, b, n, &zero, out, n);
}

static void adjoint(int n, const double complex *a, double complex *out)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) out[j * n + i] = conj(a[i * n + j]);
}

static double complex det4(const double complex *u)
{
    lapack_complex_double lu[16];
    lapack_int piv[4];
    memcpy(lu, u, sizeof lu);
    if (LAPACKE_zgetrf(LAPACK_ROW_MAJOR, 4, 4, lu, 4, piv) < 0) return 0;
    double complex det = 1;
    for (int i = 0; i < 4; i++) det *= piv[i] != i + 1 ? -lu[i * 4 + i] : lu[i * 4 + i];
    return det;
}

/* K = A x B (A on the high qubit, B on the low one) up to a phase. */
static void kron_factor(const double complex *k, double complex *a, double complex *b)
{
    int best_r = 0, best_s = 0;
    double best = -1;
    for (int r = 0; r < 2; r++)
        for (int s = 0; s < 2; s++) {
            double norm = 0;
            for (int i = 0; i < 2; i++)
                for (int j = 0; j < 2; j++) norm += creal(k[(2 * r + i) * 4 + 2 * s + j] * conj(k[(2 * r + i) * 4 + 2 * s + j]));
            if (norm > best) { best = norm; best_r = r; best_s = s; }
        }
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) b[i * 2 + j] = k[(2 * best_r + i) * 4 + 2 * best_s + j];
    double complex root = csqrt(b[0] * b[3] - b[1] * b[2]);
    for (int i = 0; i < 4; i++) b[i] /= root;
    for (int r = 0; r < 2; r++)
        for (int s = 0; s < 2; s++) {
            double complex t = 0;   /* tr(B^H block) / 2 */
            for (int i = 0; i < 2; i++)
                for (int j = 0; j < 2; j++) t += conj(b[i * 2 + j]) * k[(2 * r + i) * 4 + 2 * s + j];
            a[r * 2 + s] = t / 2;
        }
}

typedef struct {
    double complex a1[4], b1[4], a2[4], b2[4];   /* U = (A1 x B1) exp(i(a XX + b YY + c ZZ)) (A2 x B2) */
    double a, b, c;
} kak_parts;

/* The largest off-diagonal entry of O^T P O. */
static double off_diagonal(const double complex *p, const double *o)
{
    double off = 0;
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            if (i == j) continue;
            double complex s = 0;
            for (int m = 0; m < 4; m++)
                for (int n = 0; n < 4; n++) s += o[m * 4 + i] * p[m * 4 + n] * o[n * 4 + j];
            off = fmax(off, cabs(s));
        }
    return off;
}

/* The real orthogonal O with O^T P O diagonal, for the symmetric unitary P:
 * Re P and Im P are real symmetric and commute, so the eigenvectors of a
 * combination Re P + m Im P diagonalise both, up to rounding divided by the
 * gap between the combination's eigenvalues. A mix can bring two distinct
 * eigenvalues of P close together (1e-4 apart: O^T P O off the diagonal by
 * 1e-12), so several mixes are tried and the best kept; it stops early at
 * rounding level. Returns 0, or -1 if none diagonalises P to 1e-11. */
static int diagonalise_symmetric_unitary(const double complex *p, double *o)
{
    static const double mix[] = {0.6180339887498949, 1.4142135623730951, 0.2718281828459045, 3.3166247903554,
                                 -0.7071067811865476, 2.2360679774997898};
    double best = INFINITY, trial[16];
    for (size_t t = 0; t < sizeof mix / sizeof mix[0] && best > 1e-14; t++) {
        double w[4];
        for (int i = 0; i < 16; i++) trial[i] = creal(p[i]) + mix[t] * cimag(p[i]);
        if (LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', 4, trial, 4, w) != 0) continue;
        double off = off_diagonal(p, trial);
        if (off < best) { best = off; memcpy(o, trial, sizeof trial); }
    }
    return best < 1e-11 ? 0 : -1;
}

static double det4_real(const double *o)
{
    double complex c[16];
    for (int i = 0; i < 16; i++) c[i] = o[i];
    return creal(det4(c));
}

static int kak_decompose(const double complex *u_in, kak_parts *kp)
{
    double complex u[16], up[16], t[16], mh[16], p[16];
    double complex scale = cpow(det4(u_in), 0.25);
    if (cabs(scale) < 1e-8) return -1;
    for (int i = 0; i < 16; i++) u[i] = u_in[i] / scale;   /* now in SU(4) */
    adjoint(4, MAGIC, mh);
    mat_mul(4, mh, u, t);
    mat_mul(4, t, MAGIC, up);                              /* Up = M^H U M */
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            double complex s = 0;
            for (int m = 0; m < 4; m++) s += up[m * 4 + i] * up[m * 4 + j];
            p[i * 4 + j] = s;                              /* P = Up^T Up */
        }
    double o[16];
    if (diagonalise_symmetric_unitary(p, o) != 0) return -1;
    if (det4_real(o) < 0)
        for (int i = 0; i < 4; i++) o[i * 4] = -o[i * 4];
    double complex half[4], prod = 1;                     /* sqrt of diag(O^T P O), det 1 */
    for (int j = 0; j < 4; j++) {
        double complex s = 0;
        for (int m = 0; m < 4; m++)
            for (int n = 0; n < 4; n++) s += o[m * 4 + j] * p[m * 4 + n] * o[n * 4 + j];
        half[j] = cexp(I * carg(s) / 2);
        prod *= half[j];
    }
    if (creal(prod) < 0) half[0] = -half[0];
    double complex k1m[16], ot[16], k[16];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            double complex s = 0;
            for (int m = 0; m < 4; m++) s += up[i * 4 + m] * o[m * 4 + j];
            k1m[i * 4 + j] = s / half[j];                 /* K1' = Up O D^-1, real orthogonal */
            ot[i * 4 + j] = o[j * 4 + i];
        }
    mat_mul(4, MAGIC, k1m, t);
    mat_mul(4, t, mh, k);
    kron_factor(k, kp->a1, kp->b1);
    mat_mul(4, MAGIC, ot, t);
    mat_mul(4, t, mh, k);
    kron_factor(k, kp->a2, kp->b2);
    kp->a = kp->b = kp->c = 0;
    for (int j = 0; j < 4; j++) {
        double ph = carg(half[j]);
        kp->a += MAGIC_XX[j] * ph / 4;
        kp->b += MAGIC_YY[j] * ph / 4;
        kp->c += MAGIC_ZZ[j] * ph / 4;
    }
    return 0;
}

static const double complex PAULI[3][4] = {{0, 1, 1, 0}, {0, -I, I, 0}, {1, 0, 0, -1}};

/* Moves whole multiples of pi/2 out of an interaction angle: exp(i m pi/2 PP)
 * is (P x P)^m up to a phase, a local gate folded into A2 x B2. Leaves the
 * angle in [-pi/4, pi/4]. */
static void reduce_angle(double *angle, int pauli, kak_parts *kp)
{
    long m = lround(*angle / M_PI_2);
    *angle -= m * M_PI_2;
    if (m % 2 == 0) return;
    mat_mul2(PAULI[pauli], kp->a2, kp->a2);
    mat_mul2(PAULI[pauli], kp->b2, kp->b2);
}

static void apply_both(builder *b, int lo, int hi, const double complex *m)
{
    apply1(b, lo, m);
    apply1(b, hi, m);
}

/* exp(i(x XX + z ZZ)) = CNOT(lo->hi) exp(i x X_lo) exp(i z Z_hi) CNOT(lo->hi): 2 CZ. */
static void interaction_xz(builder *b, int lo, int hi, double x, double z)
{
    double complex rx[4], rz[4];
    rotation('x', -2 * x, rx);
    rotation('z', -2 * z, rz);
    emit_cnot(b, lo, hi);
    apply1(b, lo, rx);
    apply1(b, hi, rz);
    emit_cnot(b, lo, hi);
}

/* exp(i(a XX + b YY + c ZZ)) with reduced angles, in the fewest CZ: 0 when all
 * vanish, 1 for the CZ class (one angle +-pi/4), 2 when one angle vanishes,
 * else 3 (Vatan & Williams' circuit). */
static void interaction(builder *b, int lo, int hi, double a, double bb, double c)
{
    const double eps = 1e-12;
    double angle[3] = {a, bb, c};
    int zero = 0, quarter = 0, which = -1;
    for (int p = 0; p < 3; p++) {
        if (fabs(angle[p]) < eps) zero++;
        else if (fabs(fabs(angle[p]) - M_PI_4) < eps) { quarter++; which = p; }
    }
    double complex to_z[4], from_z[4], s[4];
    if (zero == 3) return;
    if (zero == 2 && quarter == 1) {
        /* exp(+-i pi/4 PP) = (C^H x C^H) CZ (S^-+ x S^-+) (C x C), C P C^H = Z */
        if (which == 0) { memcpy(to_z, H2, sizeof to_z); }
        else if (which == 1) rotation('x', M_PI_2, to_z);
        else { to_z[0] = 1; to_z[1] = 0; to_z[2] = 0; to_z[3] = 1; }
        adjoint(2, to_z, from_z);
        rotation('z', angle[which] > 0 ? -M_PI_2 : M_PI_2, s);   /* S^-+ up to a phase */
        apply_both(b, lo, hi, to_z);
        apply_both(b, lo, hi, s);
        emit_cz(b, lo, hi);
        apply_both(b, lo, hi, from_z);
        return;
    }
    if (zero >= 1) {
        if (fabs(bb) < eps) {
            interaction_xz(b, lo, hi, a, c);
        } else if (fabs(a) < eps) {   /* b YY + c ZZ = (S x S)(b XX + c ZZ)(S^H x S^H) */
            double complex sd[4] = {1, 0, 0, -I}, sp[4] = {1, 0, 0, I};
            apply_both(b, lo, hi, sd);
            interaction_xz(b, lo, hi, bb, c);
            apply_both(b, lo, hi, sp);
        } else {                      /* a XX + b YY = C (a XX + b ZZ) C^H, C = RX(-pi/2) */
            double complex ch[4], cc[4];
            rotation('x', M_PI_2, ch);
            rotation('x', -M_PI_2, cc);
            apply_both(b, lo, hi, ch);
            interaction_xz(b, lo, hi, a, bb);
            apply_both(b, lo, hi, cc);
        }
        return;
    }
    double complex m[4];
    rotation('z', M_PI_2, m);       apply1(b, hi, m);
    emit_cnot(b, hi, lo);
    rotation('z', M_PI_2 - 2 * c, m);  apply1(b, lo, m);
    rotation('y', M_PI_2 - 2 * a, m);  apply1(b, hi, m);
    emit_cnot(b, lo, hi);
    rotation('y', 2 * bb - M_PI_2, m); apply1(b, hi, m);
    emit_cnot(b, hi, lo);
    rotation('z', -M_PI_2, m);      apply1(b, lo, m);
}

/* The two-qubit unitary u (index bit 0 = lo, bit 1 = hi). */
static int compile_two(builder *b, int lo, int hi, const double complex *u)
{
    kak_parts kp;
    if (kak_decompose(u, &kp) != 0) return -1;
    reduce_angle(&kp.a, 0, &kp);
    reduce_angle(&kp.b, 1, &kp);
    reduce_angle(&kp.c, 2, &kp);
    apply1(b, lo, kp.b2);
    apply1(b, hi, kp.a2);
    interaction(b, lo, hi, kp.a, kp.b, kp.c);
    apply1(b, lo, kp.b1);
    apply1(b, hi, kp.a1);
    return 0;
}

/* ---- k >= 3: the quantum Shannon decomposition ---------------------------------- */

static int compile_unitary(builder *b, const int *qubits, int n, const double complex *u);

/* diag(L0, L1) on qubits[0..n-1], selected by qubits[n]: with L0 L1^H = V D^2 V^H,
 * diag(L0, L1) = (I x V) diag(D, D^H) (I x W), W = D V^H L1; diag(D, D^H) is
 * a multiplexed RZ on the select qubit. */
static int demultiplex(builder *b, const int *qubits, int n, const double complex *l0, const double complex *l1)
{
    int h = 1 << n, status = 0;
    size_t hh = (size_t)h * h;
    double complex *m = calloc(4 * hh, sizeof *m);
    lapack_complex_double *z = malloc(hh * sizeof *z), *w = malloc((size_t)h * sizeof *w);
    if (!m || !z || !w) { free(m); free(z); free(w); return -1; }
    double complex *l1h = m + hh, *v = m + 2 * hh, *wm = m + 3 * hh;
    adjoint(h, l1, l1h);
    mat_mul(h, l0, l1h, m);
    for (int i = 0; i < h; i++)
        for (int j = 0; j < h; j++) z[(size_t)j * h + i] = m[(size_t)i * h + j];   /* column-major for zgees */
    lapack_int sdim = 0;
    lapack_complex_double *vs = malloc(hh * sizeof *vs);
    if (!vs || LAPACKE_zgees(LAPACK_COL_MAJOR, 'V', 'N', NULL, h, z, h, &sdim, w, vs, h) != 0) status = -1;
    double theta[1 << BLOCKS_MAX_K];
    if (status == 0) {
        for (int i = 0; i < h; i++)
            for (int j = 0; j < h; j++) v[(size_t)i * h + j] = vs[(size_t)j * h + i];
        double complex *dvh = l1h;   /* D V^H */
        for (int i = 0; i < h; i++) {
            double phase = carg(w[i]) / 2;
            theta[i] = -2 * phase;   /* diag(e^{i phase}, e^{-i phase}) = RZ(-2 phase) */
            for (int j = 0; j < h; j++) dvh[(size_t)i * h + j] = cexp(I * phase) * conj(v[(size_t)j * h + i]);
        }
        mat_mul(h, dvh, l1, wm);
        status = compile_unitary(b, qubits, n, wm);
        if (status == 0) multiplexed(b, 'z', qubits[n], qubits, n, theta);
        if (status == 0) status = compile_unitary(b, qubits, n, v);
    }
    free(m); free(z); free(w); free(vs);
    return status;
}

/* u = diag(U1, U2) [[C, -S], [S, C]] diag(V1, V2)^H (zuncsd), the top qubit
 * qubits[n-1] selecting the blocks; [[C, -S], [S, C]] is a multiplexed RY on it. */
static int shannon(builder *b, const int *qubits, int n, const double complex *u)
{
    int d = 1 << n, h = d / 2, status = 0;
    size_t hh = (size_t)h * h;
    lapack_complex_double *x = malloc((size_t)d * d * sizeof *x), *blk = malloc(4 * hh * sizeof *blk);
    double complex *r0 = malloc(4 * hh * sizeof *r0);
    double *angles = malloc((size_t)h * sizeof *angles);
    if (!x || !blk || !r0 || !angles) status = -1;
    for (int i = 0; i < d && status == 0; i++)
        for (int j = 0; j < d; j++) x[(size_t)j * d + i] = u[(size_t)i * d + j];   /* column-major */
    lapack_complex_double *u1 = blk, *u2 = blk + hh, *v1t = blk + 2 * hh, *v2t = blk + 3 * hh;
    if (status == 0 && LAPACKE_zuncsd(LAPACK_COL_MAJOR, 'Y', 'Y', 'Y', 'Y', 'N', 'D', d, h, h, x, d, x + (size_t)h * d,
                                      d, x + h, d, x + (size_t)h * d + h, d, angles, u1, h, u2, h, v1t, h, v2t, h) != 0)
        status = -1;
    double complex *r1 = r0 + hh, *l0 = r0 + 2 * hh, *l1 = r0 + 3 * hh;
    double theta[1 << BLOCKS_MAX_K];
    if (status == 0) {
        for (int i = 0; i < h; i++) {
            theta[i] = 2 * angles[i];
            for (int j = 0; j < h; j++) {   /* back to row-major */
                r0[(size_t)i * h + j] = v1t[(size_t)j * h + i];
                r1[(size_t)i * h + j] = v2t[(size_t)j * h + i];
                l0[(size_t)i * h + j] = u1[(size_t)j * h + i];
                l1[(size_t)i * h + j] = u2[(size_t)j * h + i];
            }
        }
        status = demultiplex(b, qubits, n - 1, r0, r1);
        if (status == 0) multiplexed(b, 'y', qubits[n - 1], qubits, n - 1, theta);
        if (status == 0) status = demultiplex(b, qubits, n - 1, l0, l1);
    }
    free(x); free(blk); free(r0); free(angles);
    return status;
}

/* u on qubits[0..n-1] (bit j of u's index = qubits[j]). */
static int compile_unitary(builder *b, const int *qubits, int n, const double complex *u)
{
    if (n == 1) { apply1(b, qubits[0], u); return 0; }
    if (n == 2) return compile_two(b, qubits[0], qubits[1], u);
    return shannon(b, qubits, n, u);
}

/* ---- entry points ------------------------------------------------------------------ */

/* CNOTs of the k-qubit unitary: c(2) = 3, c(k) = 4 c(k-1) + 3 * 2^(k-1). */
static long unitary_cnots(int k)
{
    long c = k >= 2 ? 3 : 0;
    for (int j = 3; j <= k; j++) c = 4 * c + 3 * (1L << (j - 1));
    return c;
}

int blocks_max_ops(int k)
{
    if (k < 1 || k > BLOCKS_MAX_K) return 0;
    /* CZ per CNOT bridged along a path of k qubits: 1, 4, 10, 22, 46 at distance 1..5 */
    long bridge = 1;
    for (int dist = 2; dist < k; dist++) bridge = 2 + 2 * bridge;
    long cnots = 2L * (1 << k) + unitary_cnots(k);   /* preparation (Mottonen) + unitary */
    return (int)(cnots * bridge * 3 + 2 * k + 8);    /* each CZ with up to two U3s, and the last U3s */
}

int blocks_compile(int k, const double complex *v, const double complex *u, const unsigned char *adj,
                   native_op *ops)
{
    if (k < 1 || k > BLOCKS_MAX_K) return -1;
    builder b;
    builder_init(&b, k, adj, ops);
    int status = 0;
    if (v && k == 1) {
        double complex prep[4] = {v[0], -conj(v[1]), v[1], conj(v[0])};
        apply1(&b, 0, prep);
    } else if (v && k == 2) {
        status = prep_schmidt(&b, v);
    } else if (v) {
        prep_mottonen(&b, v);
    }
    int qubits[BLOCKS_MAX_K];
    for (int q = 0; q < k; q++) qubits[q] = q;
    if (status == 0 && u) status = compile_unitary(&b, qubits, k, u);
    return status != 0 ? -1 : builder_finish(&b);
}

int blocks_compile_interaction(double a, double b, double c, native_op *ops)
{
    builder bd;
    builder_init(&bd, 2, NULL, ops);
    interaction(&bd, 0, 1, a, b, c);
    return builder_finish(&bd);
}

int blocks_state_prep(int k, const double complex *v, const unsigned char *adj, native_op *ops)
{
    return blocks_compile(k, v, NULL, adj, ops);
}
