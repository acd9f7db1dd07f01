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
 * significant qubit k, then swaps that reverse the qubit order.
 * The same QFT as QASMBench's qft_n63 writes it (no final swaps, each cp as
 * u1 and two cx, qubit k's phases on qubits 0..k-1 before h on k: the
 * textbook QFT on the qubits relabelled q -> n-1-q, whose final swaps undo
 * that relabelling of the output, so it is the DFT of the input with its
 * qubits reversed) is run through the scheduler and its routing
 * (schedule_attach: qubits carried along the chain, swaps fused into gates),
 * and must equal that DFT; on 24 to 63 qubits the routing must take at most n^2
 * swaps (fused or not), where swapping each gate's qubits together takes
 * about n^3 / 3. */
#include <complex.h>
#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "circuit.h"
#include "error.h"
#include "gates.h"
#include "mps.h"
#include "order.h"
#include "rng.h"
#include "schedule.h"
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

/* QASMBench's order: for k = 0..n-1, cp(pi / 2^(k-j)) between k and each
 * j < k (u1 on k, cx k->j, u1 on j, cx k->j, u1 on j), then h on k. */
static int append_qft_qasmbench(circuit *c, int n)
{
    for (int k = 0; k < n; k++) {
        for (int j = 0; j < k; j++) {
            double t = ldexp(M_PI, -(k - j)), half[CIRC_MAX_PARAMS] = {t / 2}, neg[CIRC_MAX_PARAMS] = {-t / 2};
            CALL(append_gate(c, GATE_P, 1, k, 0, half));
            CALL(append_gate(c, GATE_CX, 2, k, j, NULL));
            CALL(append_gate(c, GATE_P, 1, j, 0, neg));
            CALL(append_gate(c, GATE_CX, 2, k, j, NULL));
            CALL(append_gate(c, GATE_P, 1, j, 0, half));
        }
        CALL(append_gate(c, GATE_H, 1, k, 0, NULL));
    }
    return TN_OK;
}

/* Every gate of c in the scheduler's order, routed by it, on a state of
 * bond dimension at most chi (0: exact); psi (if not NULL) gets the state. */
static int run_routed(const circuit *c, int n, int chi, double complex *psi, long *swaps, long *fused)
{
    mps_trunc tr = {chi, 0};
    mps *m = NULL;
    schedule *sch = NULL;
    int status = mps_create(n, NULL, &tr, &m);
    if (status == TN_OK) status = schedule_create(c, 0, c->nops, &sch);
    if (status == TN_OK) schedule_attach(sch, m);
    size_t i;
    while (status == TN_OK && schedule_next(sch, m, &i)) status = mps_apply_op(m, &c->ops[i]);
    schedule_destroy(&sch);
    if (status == TN_OK && psi) status = mps_to_dense(m, psi);
    if (m) { *swaps = mps_swaps(m); *fused = mps_fused_swaps(m); }
    mps_destroy(&m);
    return status;
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

/* The routed QASMBench-order QFT equals the DFT of the input with its qubits reversed. */
static void check_routed_qft(int n, uint64_t seed)
{
    rng_stream r;
    rng_init(&r, seed, 0);
    size_t dim = (size_t)1 << n;
    double complex single[MAX_N][2], rev[MAX_N][2];
    double complex *psi = malloc(dim * sizeof *psi), *want = malloc(dim * sizeof *want);
    circuit *c = NULL;
    long swaps = 0, fused = 0;
    int status = psi && want ? circ_create("qft", &c) : TN_ERR_MEMORY;
    if (status == TN_OK) status = append_input(c, n, &r, single);
    if (status == TN_OK) status = append_qft_qasmbench(c, n);
    if (c) c->nqubits = n;
    if (status == TN_OK) status = run_routed(c, n, 0, psi, &swaps, &fused);
    for (int q = 0; q < n; q++) { rev[q][0] = single[n - 1 - q][0]; rev[q][1] = single[n - 1 - q][1]; }
    if (status == TN_OK) status = expected_output(n, rev, want);
    double worst = status == TN_OK ? 0 : 1e300;
    for (size_t k = 0; k < dim && status == TN_OK; k++) worst = fmax(worst, cabs(psi[k] - want[k]));
    if (!ok(worst < TOL, "routed QFT (QASMBench order, cx/u1) of a random product state on %d qubits equals the "
            "DFT to 1e-10 (%ld swaps, %ld fused)", n, swaps, fused))
        diag("largest difference %.3g (status %d: %s)", worst, status, tn_last_message());
    circ_destroy(&c);
    free(psi);
    free(want);
}

/* The routing of the QASMBench-order QFT on n qubits takes at most n^2 swaps. */
static void check_qft_swaps(int n)
{
    circuit *c = NULL;
    long swaps = 0, fused = 0;
    int status = circ_create("qft", &c);
    if (status == TN_OK) status = append_qft_qasmbench(c, n);
    if (c) c->nqubits = n;
    int *identity = malloc((size_t)n * sizeof(int));
    long before = -1;
    if (identity) {
        for (int q = 0; q < n; q++) identity[q] = q;
        before = order_swap_distance(c, identity);
    }
    if (status == TN_OK) status = run_routed(c, n, 2, NULL, &swaps, &fused);
    ok(status == TN_OK && swaps + fused <= (long)n * n && swaps + fused < before,
       "QFT on %d qubits: %ld swaps and %ld fused into gates (at most n^2 = %d; each gate's qubits swapped "
       "together: %ld)", n, swaps, fused, n * n, before);
    free(identity);
    circ_destroy(&c);
}

int main(void)
{
    for (int n = 2; n <= MAX_N; n++) check_qft(n, 1000 + n);
    for (int n = 2; n <= 14; n++) check_routed_qft(n, 2000 + n);
    for (int n = 24; n <= 63; n += 13) check_qft_swaps(n);
    fftw_cleanup();
    return done_testing();
}
