/* test_qft.c - the quantum Fourier transform of random product states on
 * 2..20 qubits, run on the untruncated MPS, equals an FFTW DFT of the input
 * amplitudes to 1e-10.
 *
 * With qubit 0 the least significant bit of x and of k,
 *   QFT|x> = N^{-1/2} sum_k e^{+2 pi i x k / N} |k>,
 * so the output amplitudes are FFTW's FFTW_BACKWARD transform of the input
 * amplitudes (which has the + sign and no normalisation) divided by sqrt(N).
 * The circuit is the textbook one, written here op by op into a circuit with
 * circ_append: u3 on each qubit of |0...0> (the random input), then from the
 * most significant qubit down, h on it and cp(pi / 2^(j-k)) from each less
 * significant qubit k, then swaps that reverse the qubit order. */
#include <complex.h>
#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "circuit.h"
#include "error.h"
#include "gates.h"
#include "mps.h"
#include "rng.h"
#include "tap.h"

#define MAX_N 20
#define TOL 1e-10

static int append_gate(circuit *c, int gate, int nqubits, int q0, int q1, const double *params)
{
    circ_op op;
    memset(&op, 0, sizeof op);
    op.kind = OP_GATE;
    op.gate = gate;
    op.nqubits = nqubits;
    op.qubits[0] = q0;
    op.qubits[1] = q1;
    op.cond_reg = -1;
    if (params) memcpy(op.params, params, sizeof op.params);
    return circ_append(c, &op);
}

/* Random u3 angles per qubit into the circuit; the product state's
 * one-qubit factors U3|0> = (cos(theta/2), e^{i phi} sin(theta/2)) into single. */
static int append_input(circuit *c, int n, rng_stream *r, double complex single[][2])
{
    for (int q = 0; q < n; q++) {
        double p[CIRC_MAX_PARAMS] = {rng_uniform(r) * M_PI, rng_uniform(r) * 2 * M_PI, rng_uniform(r) * 2 * M_PI, 0};
        single[q][0] = cos(p[0] / 2);
        single[q][1] = cexp(I * p[1]) * sin(p[0] / 2);
        CALL(append_gate(c, GATE_U3, 1, q, 0, p));
    }
    return TN_OK;
}

/* The textbook QFT: qubit n-1 is the most significant. */
static int append_qft(circuit *c, int n)
{
    for (int j = n - 1; j >= 0; j--) {
        CALL(append_gate(c, GATE_H, 1, j, 0, NULL));
        for (int k = j - 1; k >= 0; k--) {
            double p[CIRC_MAX_PARAMS] = {M_PI / (double)(1 << (j - k))};
            CALL(append_gate(c, GATE_CP, 2, k, j, p));
        }
    }
    for (int q = 0; q < n / 2; q++) CALL(append_gate(c, GATE_SWAP, 2, q, n - 1 - q, NULL));
    return TN_OK;
}

static int run_on_mps(const circuit *c, int n, double complex *psi)
{
    mps_trunc tr = {0, 0};
    mps *m = NULL;
    int status = mps_create(n, NULL, &tr, &m);
    for (size_t i = 0; i < c->nops && status == TN_OK; i++) status = mps_apply_op(m, &c->ops[i]);
    if (status == TN_OK) status = mps_to_dense(m, psi);
    mps_destroy(&m);
    return status;
}

/* The expected output: FFTW_BACKWARD of the product-state amplitudes / sqrt(N). */
static int expected_output(int n, double complex single[][2], double complex *want)
{
    size_t dim = (size_t)1 << n;
    fftw_complex *in = fftw_malloc(dim * sizeof *in), *out = fftw_malloc(dim * sizeof *out);
    if (!in || !out) {
        fftw_free(in);
        fftw_free(out);
        return TN_ERR_MEMORY;
    }
    for (size_t x = 0; x < dim; x++) {
        double complex a = 1;
        for (int q = 0; q < n; q++) a *= single[q][(x >> q) & 1];
        in[x] = a;
    }
    fftw_plan dft = fftw_plan_dft_1d((int)dim, in, out, FFTW_BACKWARD, FFTW_ESTIMATE);
    fftw_execute(dft);
    for (size_t k = 0; k < dim; k++) want[k] = out[k] / sqrt((double)dim);
    fftw_destroy_plan(dft);
    fftw_free(in);
    fftw_free(out);
    return TN_OK;
}

static void check_qft(int n, uint64_t seed)
{
    rng_stream r;
    rng_init(&r, seed, 0);
    size_t dim = (size_t)1 << n;
    double complex single[MAX_N][2];
    double complex *psi = malloc(dim * sizeof *psi), *want = malloc(dim * sizeof *want);
    circuit *c = NULL;
    int status = psi && want ? circ_create("qft", &c) : TN_ERR_MEMORY;
    if (status == TN_OK) status = append_input(c, n, &r, single);
    if (status == TN_OK) status = append_qft(c, n);
    if (status == TN_OK) status = run_on_mps(c, n, psi);
    if (status == TN_OK) status = expected_output(n, single, want);
    double worst = status == TN_OK ? 0 : 1e300;
    for (size_t k = 0; k < dim && status == TN_OK; k++) worst = fmax(worst, cabs(psi[k] - want[k]));
    if (!ok(worst < TOL, "QFT of a random product state on %d qubits equals the FFTW DFT to 1e-10", n))
        diag("largest difference %.3g (status %d: %s)", worst, status, tn_last_message());
    circ_destroy(&c);
    free(psi);
    free(want);
}

int main(void)
{
    for (int n = 2; n <= MAX_N; n++) check_qft(n, 1000 + n);
    fftw_cleanup();
    return done_testing();
}
