/* test_gates.c - the built-in gate table and matrices of src/gates.c: for
 * every gate id, with random parameters, gate_matrix() is unitary to 1e-14
 * and equals the reference's own derivation (tests/ref/statevec.c) to 1e-14;
 * the table's arity, parameter count and name agree with the reference's,
 * and gate_lookup() finds every name. gate_adjoint() and gate_controlled()
 * give built-ins whose reference matrices are the conjugate transpose and the
 * controlled matrix, global phase included. */
#include <complex.h>
#include <math.h>
#include <string.h>

#include "gates.h"
#include "rng.h"
#include "statevec.h"
#include "tap.h"

#define TOL 1e-14
#define TRIALS 4

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

static void check_gate(int g, rng_stream *r)
{
    const gate_info *info = gate_get_info(g);
    const char *name = sv_gate_name(g);
    if (!ok(info && info->nqubits == sv_gate_nqubits(g) && info->nparams == sv_gate_nparams(g) &&
                strcmp(info->name, name) == 0,
            "%s: table entry (qubits, parameters, name) agrees with the reference", name))
        return;
    int d = 1 << info->nqubits;
    double worst_u = 0, worst_d = 0;
    for (int trial = 0; trial < TRIALS; trial++) {
        double p[CIRC_MAX_PARAMS];
        for (int i = 0; i < CIRC_MAX_PARAMS; i++) p[i] = (rng_uniform(r) - 0.5) * 4 * M_PI;
        double complex m[64], ref[64];
        gate_matrix(g, p, m);
        sv_gate_matrix(g, p, ref);
        worst_u = fmax(worst_u, unitarity_error(m, d));
        for (int i = 0; i < d * d; i++) worst_d = fmax(worst_d, cabs(m[i] - ref[i]));
    }
    ok(worst_u < TOL, "%s is unitary to 1e-14 (%d random parameter sets, error %.2g)", name, TRIALS, worst_u);
    ok(worst_d < TOL, "%s equals the reference to 1e-14 (%d random parameter sets, difference %.2g)", name,
       TRIALS, worst_d);
    is_int(gate_lookup(name), g, "gate_lookup(\"%s\")", name);
}

/* gate_adjoint(g) by the reference: sv_gate_matrix(adjoint, p') = U(p)^+ exactly. */
static void check_adjoint(int g, rng_stream *r)
{
    double p[CIRC_MAX_PARAMS], q[CIRC_MAX_PARAMS];
    for (int i = 0; i < CIRC_MAX_PARAMS; i++) p[i] = q[i] = (rng_uniform(r) - 0.5) * 4 * M_PI;
    int a = gate_adjoint(g, q);
    if (a < 0) {
        ok(memcmp(p, q, sizeof p) == 0, "%s: no built-in adjoint, parameters untouched", sv_gate_name(g));
        return;
    }
    int d = 1 << sv_gate_nqubits(g);
    double complex u[64], v[64];
    sv_gate_matrix(g, p, u);
    sv_gate_matrix(a, q, v);
    double worst = sv_gate_nqubits(a) == sv_gate_nqubits(g) ? 0 : INFINITY;
    for (int i = 0; i < d && worst < INFINITY; i++)
        for (int j = 0; j < d; j++) worst = fmax(worst, cabs(v[i * d + j] - conj(u[j * d + i])));
    ok(worst < TOL, "adjoint of %s is %s: the conjugate transpose to 1e-14 (difference %.2g)", sv_gate_name(g),
       sv_gate_name(a), worst);
}

/* gate_controlled(g, n) by the reference: identity except U in the corner. */
static void check_controlled(int g, int n, rng_stream *r)
{
    int c = gate_controlled(g, n);
    if (c < 0) return;
    double p[CIRC_MAX_PARAMS];
    for (int i = 0; i < CIRC_MAX_PARAMS; i++) p[i] = (rng_uniform(r) - 0.5) * 4 * M_PI;
    int k = sv_gate_nqubits(g), dk = 1 << k, d = 1 << (k + n);
    if (!ok(sv_gate_nqubits(c) == k + n, "%s with %d control(s) is %s on %d qubits", sv_gate_name(g), n,
            sv_gate_name(c), k + n))
        return;
    double complex u[64], v[64];
    sv_gate_matrix(g, p, u);
    sv_gate_matrix(c, p, v);
    double worst = 0;
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++) {
            double complex want = i >= d - dk && j >= d - dk ? u[(i - d + dk) * dk + j - d + dk] : i == j;
            worst = fmax(worst, cabs(v[i * d + j] - want));
        }
    ok(worst < TOL, "%s is %s controlled %d time(s) to 1e-14 (difference %.2g)", sv_gate_name(c), sv_gate_name(g),
       n, worst);
}

int main(void)
{
    rng_stream r;
    rng_init(&r, 2024, 0);
    for (int g = 0; g < GATE_COUNT; g++)
        if (g != GATE_UNITARY) check_gate(g, &r);
    for (int g = 0; g < GATE_COUNT; g++)
        if (g != GATE_UNITARY && g != GATE_DELAY) {
            check_adjoint(g, &r);
            check_controlled(g, 1, &r);
            check_controlled(g, 2, &r);
        }
    is_int(gate_controlled(GATE_UNITARY, 1), -1, "a dense matrix has no controlled built-in");
    ok(gate_get_info(GATE_UNITARY)->nqubits == 0, "unitary: the operation gives the width (0 in the table)");
    ok(gate_get_info(-1) == NULL && gate_get_info(GATE_COUNT) == NULL, "gate_get_info of an id out of range is NULL");
    is_int(gate_lookup("nonsense"), -1, "gate_lookup of an unknown name");
    return done_testing();
}
