/* test_api_mpi.c - the public C API under MPI (run by tests/api_mpi.t on 1
 * and 2 ranks): by default the program never calls MPI_Init and the library
 * starts MPI itself; with TNEMU_TEST_CALLER_INIT=1 the program initialises
 * and finalises MPI and the library must leave that to it. Either way: a
 * run on the world and on communicators the caller passes (a duplicate of
 * the world as a pointer and as a Fortran handle, MPI_COMM_SELF) gives
 * every rank the same result, equal for every rank count; adapters and qnn
 * likewise; bad input fails on every rank with status 2, and no rank hangs.
 * Verdicts are reduced to rank 0, which alone prints TAP. */
#include <math.h>
#include <mpi.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "tnemu.h"

static int rank, size;

/* ok() on rank 0 of the verdict every rank agrees on (all must pass). */
static void all_ok(int pass, const char *what)
{
    int all = 0;
    MPI_Allreduce(&pass, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (rank == 0) ok(all, "%s", what);
}

static const char *ghz = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[5];\ncreg c[5];\n"
                         "h q[0];\ncx q[0],q[1];\ncx q[1],q[2];\nrx(0.7) q[3];\ncx q[2],q[3];\ncx q[3],q[4];\n"
                         "ry(0.4) q[4];\nmeasure q -> c;\n";

/* The outcome counts of a run as a vector over the 32 outcomes. */
static int run_counts(const tnemu_circuit *c, const tnemu_options *o, const void *comm, int64_t *hist, double *zz)
{
    tnemu_result *r = NULL;
    int status = tnemu_run(c, o, comm, &r);
    memset(hist, 0, 32 * sizeof *hist);
    if (status) return status;
    int64_t n = 0, out[32], counts[32];
    tnemu_result_counts_size(r, &n, NULL);
    status = n <= 32 ? tnemu_result_counts_int(r, out, counts, n) : TNEMU_ERR_INTERNAL;
    for (int64_t e = 0; status == TNEMU_OK && e < n; e++) hist[out[e]] = counts[e];
    if (status == TNEMU_OK) status = tnemu_result_expectations(r, zz, NULL, 1);
    tnemu_result_free(&r);
    return status;
}

/* Whether every rank holds the same n numbers as rank 0. */
static int same_everywhere(const void *v, int bytes)
{
    char *mine = malloc((size_t)bytes), *root = malloc((size_t)bytes);
    memcpy(mine, v, (size_t)bytes);
    memcpy(root, v, (size_t)bytes);
    MPI_Bcast(root, bytes, MPI_BYTE, 0, MPI_COMM_WORLD);
    int same = memcmp(mine, root, (size_t)bytes) == 0;
    free(mine);
    free(root);
    return same;
}

static void test_run(void)
{
    tnemu_circuit *c = NULL;
    tnemu_options *o = NULL;
    tnemu_circuit_parse(ghz, -1, "ghz.qasm", NULL, &c);
    tnemu_options_create(&o);
    tnemu_options_set_shots(o, 3000);
    tnemu_options_set_seed(o, 11);
    tnemu_options_add_observable(o, "Z0 Z4");
    int64_t world[32], self[32], dup[32], fdup[32];
    double zw = 0, zs = 0, zd = 0, zf = 0;
    all_ok(run_counts(c, o, NULL, world, &zw) == TNEMU_OK, "a run on the world (NULL communicator)");
    all_ok(same_everywhere(world, sizeof world) && same_everywhere(&zw, sizeof zw), "every rank has the same counts and <Z0 Z4>");
    int64_t total = 0;
    for (int i = 0; i < 32; i++) total += world[i];
    all_ok(total == 3000, "3000 shots counted");
    MPI_Comm self_comm = MPI_COMM_SELF;
    all_ok(run_counts(c, o, &self_comm, self, &zs) == TNEMU_OK && memcmp(self, world, sizeof world) == 0 && zs == zw,
           "each rank alone on MPI_COMM_SELF (passed): the world's counts");
    MPI_Comm d;
    MPI_Comm_dup(MPI_COMM_WORLD, &d);
    all_ok(run_counts(c, o, &d, dup, &zd) == TNEMU_OK && memcmp(dup, world, sizeof world) == 0 && zd == zw,
           "on a duplicate of the world (passed as a pointer): the same");
    tnemu_comm *fc = NULL;
    all_ok(tnemu_comm_from_fortran(MPI_Comm_c2f(d), &fc) == TNEMU_OK, "a communicator from a Fortran handle");
    int64_t r = -1, s = -1;
    all_ok(tnemu_comm_rank(fc, &r, &s) == TNEMU_OK && r == rank && s == size, "it has this rank and size");
    all_ok(run_counts(c, o, fc, fdup, &zf) == TNEMU_OK && memcmp(fdup, world, sizeof world) == 0,
           "on it: the same counts");
    tnemu_comm_free(&fc);
    if (size >= 2) {   /* two groups of the world's ranks, each a state: the same counts */
        tnemu_options_set_groups(o, 2);
        int64_t g2[32];
        double zg = 0;
        all_ok(run_counts(c, o, NULL, g2, &zg) == TNEMU_OK && memcmp(g2, world, sizeof world) == 0, "--groups 2: the same counts");
        tnemu_options_set_groups(o, 0);
    } else {
        all_ok(1, "--groups 2 needs 2 ranks (checked on the 2-rank run)");
    }
    /* bad input fails on every rank, none hangs */
    tnemu_options_add_observable(o, "Z9");
    tnemu_result *res = NULL;
    int st = tnemu_run(c, o, &d, &res);
    all_ok(st == TNEMU_ERR_INPUT && res == NULL, "an observable off the circuit: status 2 on every rank");
    if (rank == 0) ok(strstr(tnemu_last_error(), "Z9") != NULL, "rank 0's message names Z9: %s", tnemu_last_error());
    MPI_Comm_free(&d);
    tnemu_options_free(&o);
    tnemu_circuit_free(&c);
}

static void test_batches(void)
{
    tnemu_adapters *a = NULL;
    const char *spec = "{\"device\": {\"kind\": \"line\", \"qubits\": 4}, \"block_qubits\": 2,"
                       " \"generators\": {\"random\": 5}, \"inputs\": {\"random\": 2, \"count\": 3, \"pieces\": 2},"
                       " \"shots\": 2000, \"seed\": 4}";
    all_ok(tnemu_adapters_parse(spec, NULL, &a) == TNEMU_OK, "adapters: parse a spec");
    double out[24], out_self[24], mean = 0;
    all_ok(tnemu_adapters_run(a, NULL, out, 24, NULL, 0, &mean) == TNEMU_OK && same_everywhere(out, sizeof out),
           "adapters on the world: every rank has the outputs");
    MPI_Comm self_comm = MPI_COMM_SELF;
    all_ok(tnemu_adapters_run(a, &self_comm, out_self, 24, NULL, 0, NULL) == TNEMU_OK && memcmp(out, out_self, sizeof out) == 0,
           "adapters on MPI_COMM_SELF: the world's outputs");
    tnemu_adapters_free(&a);
    tnemu_qnn *q = NULL;
    const char *qspec = "{\"device\": {\"kind\": \"line\", \"qubits\": 3}, \"qubits\": [0, 1], \"couplers\": [[0, 1]],"
                        " \"layers\": 1, \"parameters\": {\"random\": 3}, \"inputs\": {\"random\": 4, \"count\": 2}}";
    all_ok(tnemu_qnn_parse(qspec, NULL, &q) == TNEMU_OK, "qnn: parse a spec");
    double v[4], g[16], vs[4], gs[16];
    all_ok(tnemu_qnn_run(q, NULL, v, 4, NULL, 0, g, 16) == TNEMU_OK && same_everywhere(g, sizeof g),
           "qnn gradients on the world: every rank has them");
    all_ok(tnemu_qnn_run(q, &self_comm, vs, 4, NULL, 0, gs, 16) == TNEMU_OK && memcmp(g, gs, sizeof g) == 0 &&
           memcmp(v, vs, sizeof v) == 0, "qnn on MPI_COMM_SELF: the world's values and gradients");
    tnemu_qnn_free(&q);
}

int main(int argc, char **argv)
{
    int caller = getenv("TNEMU_TEST_CALLER_INIT") && strcmp(getenv("TNEMU_TEST_CALLER_INIT"), "1") == 0;
    if (caller) MPI_Init(&argc, &argv);
    int up = 0;
    MPI_Initialized(&up);
    int was_up = up;
    tnemu_init();   /* the library starts MPI unless the caller has */
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    all_ok(was_up == caller, caller ? "the caller initialised MPI" : "MPI was not up before the library's first call");
    test_run();
    test_batches();
    tnemu_finalize();
    int down = 0;
    MPI_Finalized(&down);
    /* only rank 0 prints after the verdict, and no collective follows a finalize */
    if (caller) {
        if (rank == 0) ok(!down, "tnemu_finalize leaves the caller's MPI up");
        int status = done_testing();
        MPI_Finalize();
        return status;
    }
    if (rank == 0) ok(down, "tnemu_finalize finalises the MPI the library started");
    return rank == 0 ? done_testing() : 0;
}
