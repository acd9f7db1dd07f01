/* test_mpi_engine.c - the distributed MPS equals the single-process one.
 *
 * Run under mpirun -n 1..4 (tests/mpi_engine.t). Every rank builds the same
 * random circuits; the state distributed over all ranks (segments, borrowed
 * windows, rebalancing) must give the same dense state, amplitudes, Pauli
 * expectations, samples, bond dimensions and fidelity estimate as a state
 * held on one process, untruncated and truncated. Verdicts are reduced to
 * rank 0, which alone prints TAP. */
#include <complex.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "gates.h"
#include "group.h"
#include "mps.h"
#include "part.h"
#include "rng.h"
#include "scalapack.h"

static int rank, tests, failures;

/* Reduces a local verdict (1 = pass) over the world and prints it on rank 0. */
static void check(int ok_local, const char *what)
{
    int ok_all;
    MPI_Allreduce(&ok_local, &ok_all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    tests++;
    if (!ok_all) failures++;
    if (rank == 0) printf("%sok %d - %s\n", ok_all ? "" : "not ", tests, what);
}

/* A random gate on distinct random qubits: 1, 2 or 3 qubits, or a dense
 * block of 2-3 qubits. */
static void random_gate(rng_stream *r, int n, double complex *u, int *k, int *qubits)
{
    double pick = rng_uniform(r);
    *k = pick < 0.4 ? 1 : pick < 0.85 ? 2 : 3;
    if (*k > n) *k = n;
    for (int j = 0; j < *k; j++) {
        int q, dup;
        do {
            q = (int)(rng_uniform(r) * n);
            dup = 0;
            for (int i = 0; i < j; i++) dup |= qubits[i] == q;
        } while (dup);
        qubits[j] = q;
    }
    double p[4] = {rng_uniform(r) * 6.3, rng_uniform(r) * 6.3, rng_uniform(r) * 6.3, 0};
    if (*k == 1) gate_matrix(GATE_U3, p, u);
    else if (*k == 2) gate_matrix(rng_uniform(r) < 0.5 ? GATE_CX : GATE_RZX, p, u);
    else gate_matrix(rng_uniform(r) < 0.5 ? GATE_CCX : GATE_CSWAP, p, u);
}

static double max_diff(const double complex *a, const double complex *b, size_t len)
{
    double worst = 0;
    for (size_t i = 0; i < len; i++) worst = fmax(worst, cabs(a[i] - b[i]));
    return worst;
}

/* Runs one random circuit on a local and a distributed state and compares. */
static void compare_run(tn_group *g, tn_scalapack *scal, int center, int n, int ngates, int max_chi, uint64_t seed,
                        int lazy)
{
    mps_trunc tr = {max_chi, 0};
    mps *local, *dist;
    int order[64];
    for (int q = 0; q < n; q++) order[q] = q % 2 ? n - 1 - q / 2 : q / 2;   /* interleaved: long-range gates */
    int ok = mps_create(n, order, &tr, &local) == TN_OK && mps_create_group(n, order, &tr, g, &dist) == TN_OK;
    if (ok && scal) mps_use_scalapack(dist, scal, 96);
    if (ok && center) ok = mps_use_center_form(local) == TN_OK && mps_use_center_form(dist) == TN_OK;
    /* lazy returns stay on after the gates: every query below must bring the sites home by itself */
    if (ok && lazy) ok = mps_lazy_begin(dist) == TN_OK;
    rng_stream r;
    rng_init(&r, seed, 0);
    for (int i = 0; i < ngates && ok; i++) {
        double complex u[64];
        int k, qs[3];
        random_gate(&r, n, u, &k, qs);
        ok = mps_apply_gate(local, u, k, qs) == TN_OK && mps_apply_gate(dist, u, k, qs) == TN_OK;
        if (!ok) fprintf(stderr, "# rank %d: gate %d failed: %s\n", rank, i, tn_last_message());
    }
    /* one eigensolver against another: equal to rounding, which heavy truncation
     * (many near-degenerate cuts) amplifies; exact arithmetic paths must agree to 1e-10 */
    double tol = scal && max_chi > 0 ? 1e-6 : 1e-10;
    char label[160];
    snprintf(label, sizeof label, "n=%d gates=%d chi=%d %s%s%s", n, ngates, max_chi,
             center ? "centre form" : "Vidal form", scal ? ", scalapack from 96 rows" : "",
             lazy ? ", lazy returns" : "");
    char what[400];
    snprintf(what, sizeof what, "%s: gates applied on %d ranks", label, g->size);
    check(ok, what);
    if (!ok) return;
    snprintf(what, sizeof what, "%s: the state is still in %s form on every rank", label, center ? "centre" : "Vidal");
    check(mps_vidal_form(dist) == !center && mps_vidal_form(local) == !center, what);
    if (lazy && g->size > 1) {   /* some rank lent a site without waiting (Vidal form only) */
        long lent = mps_lazy_lends(dist), all = 0;
        MPI_Allreduce(&lent, &all, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
        snprintf(what, sizeof what, "%s: %ld sites lent without waiting", label, all);
        check(center ? all == 0 : all > 0, what);
    }

    size_t dim = (size_t)1 << n;
    double complex *a = malloc(dim * sizeof *a), *b = malloc(dim * sizeof *b);
    ok = mps_to_dense(local, a) == TN_OK && mps_to_dense(dist, b) == TN_OK;
    snprintf(what, sizeof what, "%s: dense states agree to %g", label, tol);
    check(ok && max_diff(a, b, dim) < tol, what);

    unsigned char bits[64];
    double worst = 0;
    for (int t = 0; t < 8; t++) {
        for (int q = 0; q < n; q++) bits[q] = (unsigned char)(rng_uniform(&r) < 0.5);
        double complex x, y;
        mps_amplitude(local, bits, &x);
        mps_amplitude(dist, bits, &y);
        worst = fmax(worst, cabs(x - y));
    }
    snprintf(what, sizeof what, "%s: amplitudes agree to %g", label, tol);
    check(worst < tol, what);

    worst = 0;
    char paulis[65];
    for (int t = 0; t < 8; t++) {
        for (int q = 0; q < n; q++) paulis[q] = "IXYZ"[(int)(rng_uniform(&r) * 4)];
        double complex x, y;
        mps_expect_pauli(local, paulis, &x);
        mps_expect_pauli(dist, paulis, &y);
        worst = fmax(worst, cabs(x - y));
    }
    snprintf(what, sizeof what, "%s: Pauli expectations agree to %g", label, tol);
    check(worst < tol, what);

    int shots = 3000;
    unsigned char *sa = malloc((size_t)shots * n), *sb = malloc((size_t)shots * n);
    ok = mps_sample(local, shots, seed, 5, sa) == TN_OK && mps_sample(dist, shots, seed, 5, sb) == TN_OK;
    snprintf(what, sizeof what, "%s: %d samples identical", label, shots);
    check(ok && memcmp(sa, sb, (size_t)shots * n) == 0, what);

    int da[64], db[64];
    mps_bond_dims(local, da);
    mps_bond_dims(dist, db);
    double fa = mps_fidelity_estimate(local), fb = mps_fidelity_estimate(dist);
    snprintf(what, sizeof what, "%s: bond dimensions equal, fidelity estimates %.12f and %.12f agree", label, fa, fb);
    check(memcmp(da, db, (size_t)(n - 1) * sizeof(int)) == 0 && fabs(fa - fb) < tol / 100, what);

    int outcome_a, outcome_b;
    ok = mps_measure(local, 0, 0.37, &outcome_a) == TN_OK && mps_measure(dist, 0, 0.37, &outcome_b) == TN_OK;
    ok = ok && mps_to_dense(local, a) == TN_OK && mps_to_dense(dist, b) == TN_OK;
    snprintf(what, sizeof what, "%s: mid-circuit measurement gives the same outcome and state", label);
    check(ok && outcome_a == outcome_b && max_diff(a, b, dim) < tol, what);

    free(a); free(b); free(sa); free(sb);
    mps_destroy(&local);
    mps_destroy(&dist);
}

/* part_balanced on the bond profile of a long chain at its bond limit (cheap
 * ends, equal middle), 156 sites on 64 ranks: the smallest largest segment,
 * and every rank a share (the greedy fill alone left the right end one
 * cheap site per rank). Rank independent. */
static void check_partition(void)
{
    enum { N = 156, P = 64 };
    double cost[N], total = 0, unit = 0;
    for (int s = 0; s < N; s++) {
        int l = s < 10 ? 1 << s : 1024, r = N - 1 - s < 10 ? 1 << (N - 1 - s) : 1024;
        double b = l < r ? l : r;
        cost[s] = b * b * 2 * b;   /* chi_l chi_r (chi_l + chi_r) with equal bonds */
        total += cost[s];
        if (cost[s] > unit) unit = cost[s];
    }
    int lo[P + 1];
    part_balanced(N, P, cost, lo);
    double worst = 0, least = total;
    int empty = 0;
    for (int r = 0; r < P; r++) {
        double seg = 0;
        for (int s = lo[r]; s < lo[r + 1]; s++) seg += cost[s];
        worst = fmax(worst, seg);
        least = fmin(least, seg);
        empty += lo[r + 1] == lo[r];
    }
    check(lo[0] == 0 && lo[P] == N && empty == 0, "partition of 156 sites on 64 ranks: contiguous, no rank empty");
    check(worst <= 3 * unit * (1 + 1e-9), "its largest segment is 3 full sites, the smallest a contiguous split allows");
    check(least >= 0.5 * total / P, "every rank has at least half the mean cost (none left with one cheap site)");
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    tn_group *g;
    if (group_create(MPI_COMM_WORLD, 1, &g) != TN_OK) MPI_Abort(MPI_COMM_WORLD, 1);
    tn_scalapack *scal = NULL;
    if (g->size > 1 && scal_create(g, &scal) != TN_OK) MPI_Abort(MPI_COMM_WORLD, 1);
    for (int center = 0; center < 2; center++) {
        for (int lazy = 0; lazy < 2; lazy++) {
            compare_run(g, NULL, center, 6, 60, 0, 1, lazy);
            compare_run(g, NULL, center, 10, 200, 0, 2, lazy);
            compare_run(g, NULL, center, 12, 300, 8, 3, lazy);
            compare_run(g, NULL, center, 14, 400, 4, 4, lazy);
        }
    }
    check_partition();
    if (scal) {   /* the ScaLAPACK path (centre form) against the LAPACK one */
        compare_run(g, scal, 1, 14, 300, 0, 5, 0);
        compare_run(g, scal, 1, 16, 300, 100, 6, 0);
        long solves = scal_solves(scal);
        check(solves > 0, "the distributed eigensolver was used");
        scal_destroy(&scal);
    }
    group_destroy(&g);
    if (rank == 0) printf("1..%d\n", tests);
    MPI_Finalize();
    return failures ? 1 : 0;
}
