/* test_gates.c - every built-in gate matrix is unitary and equals the
 * reference's own derivation (tests/ref/statevec.c) for random parameters. */
#include <complex.h>
#include <math.h>
#include <string.h>

#include "gates.h"
#include "rng.h"
#include "statevec.h"
#include "tap.h"

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

int main(void)
{
    rng_stream r;
    rng_init(&r, 2024, 0);
    for (int g = 0; g < GATE_COUNT; g++) {
        if (g == GATE_UNITARY) continue;
        const gate_info *info = gate_get_info(g);
        int d = 1 << info->nqubits;
        for (int trial = 0; trial < 3; trial++) {
            double p[4];
            for (int i = 0; i < 4; i++) p[i] = (rng_uniform(&r) - 0.5) * 4 * M_PI;
            double complex m[64], ref[64];
            gate_matrix(g, p, m);
            sv_gate_matrix(g, p, ref);
            double diff = 0;
            for (int i = 0; i < d * d; i++) diff = fmax(diff, cabs(m[i] - ref[i]));
            ok(unitarity_error(m, d) < 1e-14, "%s (trial %d) is unitary", info->name, trial);
            if (!ok(diff < 1e-13, "%s (trial %d) equals the reference derivation", info->name, trial))
                diag("largest difference %.3g", diff);
        }
        ok(gate_lookup(info->name) == g, "gate_lookup finds '%s'", info->name);
    }
    ok(gate_lookup("nonsense") == -1, "gate_lookup of an unknown name is -1");
    return done_testing();
}
