/* test_qft.c - the QFT of random product states on 2..20 qubits, run on the
 * MPS untruncated, equals an FFTW DFT of the input amplitudes to 1e-10:
 * QFT|x> = N^{-1/2} sum_k e^{+2 pi i x k / N} |k>, FFTW's backward transform
 * divided by sqrt(N). The circuit is the textbook one (h, cp, final swaps),
 * with qubit 0 the least significant bit of x and k. */
#include <complex.h>
#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "gates.h"
#include "mps.h"
#include "rng.h"
#include "tap.h"

static int apply(mps *m, int gate, double param, int a, int b)
{
    double complex u[16];
    double p[4] = {param, 0, 0, 0};
    gate_matrix(gate, p, u);
    int q[2] = {a, b};
    return mps_apply_gate(m, u, gate_get_info(gate)->nqubits, q);
}

static void check_qft(int n, uint64_t seed)
{
    rng_stream r;
    rng_init(&r, seed, 0);
    mps_trunc tr = {0, 0};
    mps *m;
    mps_create(n, NULL, &tr, &m);
    size_t dim = (size_t)1 << n;
    fftw_complex *in = fftw_malloc(dim * sizeof *in), *out = fftw_malloc(dim * sizeof *out);
    double complex single[20][2];
    int status = TN_OK;
    for (int q = 0; q < n && status == TN_OK; q++) {   /* a random u3 on |0> of each qubit */
        double p[4] = {rng_uniform(&r) * M_PI, rng_uniform(&r) * 6.28, rng_uniform(&r) * 6.28, 0};
        double complex u[4];
        gate_matrix(GATE_U3, p, u);
        single[q][0] = u[0];
        single[q][1] = u[2];
        status = mps_apply_gate(m, u, 1, &q);
    }
    for (size_t x = 0; x < dim; x++) {   /* the input, a product state */
        double complex a = 1;
        for (int q = 0; q < n; q++) a *= single[q][(x >> q) & 1];
        in[x] = a;
    }
    fftw_plan plan = fftw_plan_dft_1d((int)dim, in, out, FFTW_BACKWARD, FFTW_ESTIMATE);
    fftw_execute(plan);
    /* textbook QFT: the most significant qubit first */
    for (int j = n - 1; j >= 0 && status == TN_OK; j--) {
        status = apply(m, GATE_H, 0, j, 0);
        for (int k = j - 1; k >= 0 && status == TN_OK; k--) status = apply(m, GATE_CP, M_PI / (1 << (j - k)), k, j);
    }
    for (int q = 0; q < n / 2 && status == TN_OK; q++) status = apply(m, GATE_SWAP, 0, q, n - 1 - q);
    double complex *psi = malloc(dim * sizeof *psi);
    if (status == TN_OK) status = mps_to_dense(m, psi);
    double worst = status == TN_OK ? 0 : 1e300;
    for (size_t k = 0; k < dim && status == TN_OK; k++) worst = fmax(worst, cabs(psi[k] - out[k] / sqrt((double)dim)));
    if (!ok(worst < 1e-10, "QFT of a random product state on %d qubits equals the FFTW DFT", n))
        diag("largest difference %.3g (%s)", worst, status ? tn_last_message() : "ok");
    free(psi);
    fftw_destroy_plan(plan);
    fftw_free(in);
    fftw_free(out);
    mps_destroy(&m);
}

int main(void)
{
    for (int n = 2; n <= 20; n++) check_qft(n, 1000 + n);
    fftw_cleanup();
    return done_testing();
}
