/* bell.c - a first program against libtnemu (tnemu.h): builds a Bell
 * circuit gate by gate (or reads the OpenQASM/OriginIR file named on the
 * command line), emulates it with 1000 shots, and prints the counts and
 * <Z0 Z1>. Build it against an installed tnemu:
 *
 *     cc -o bell bell.c $(pkg-config --cflags --libs tnemu)
 *     ./bell              # or: mpirun -n 2 ./bell, or ./bell circuit.qasm
 *
 * It never calls MPI itself: the library starts MPI when it needs it. */
#include <stdio.h>
#include <stdlib.h>

#include <tnemu.h>

/* Prints the library's message and returns the status as the exit status. */
static int failed(int status, const char *what)
{
    fprintf(stderr, "bell: %s: %s\n", what, tnemu_last_error());
    return status;
}

static int build_bell(tnemu_circuit **c)
{
    int64_t q0[1] = {0}, q01[2] = {0, 1};
    int status = tnemu_circuit_create(2, 2, c);
    if (status == TNEMU_OK) status = tnemu_circuit_gate(*c, "h", 1, q0, 0, NULL);
    if (status == TNEMU_OK) status = tnemu_circuit_gate(*c, "cx", 2, q01, 0, NULL);
    if (status == TNEMU_OK) status = tnemu_circuit_measure_all(*c);
    return status;
}

static int print_result(const tnemu_result *r)
{
    int64_t n = 0, width = 0, rank = 0;
    double z = 0, fidelity = 0;
    int status = tnemu_result_counts_size(r, &n, &width);
    char *keys = malloc((size_t)(n * (width + 1)) + 1);
    int64_t *counts = malloc((size_t)n * sizeof *counts + 1);
    if (!keys || !counts) status = TNEMU_ERR_INTERNAL;
    if (status == TNEMU_OK) status = tnemu_result_counts(r, keys, n * (width + 1), counts, n);
    if (status == TNEMU_OK) status = tnemu_result_expectations(r, &z, NULL, 1);
    if (status == TNEMU_OK) status = tnemu_result_summary(r, NULL, NULL, &fidelity, NULL, NULL, NULL);
    if (status == TNEMU_OK) status = tnemu_comm_rank(NULL, &rank, NULL);
    if (status == TNEMU_OK && rank == 0) {   /* every rank has the result; one prints it */
        printf("tnemu %s\n", tnemu_version());
        for (int64_t e = 0; e < n; e++) printf("%s %lld\n", keys + e * (width + 1), (long long)counts[e]);
        printf("<Z0 Z1> = %.6f, fidelity estimate %.6f\n", z, fidelity);
    }
    free(keys);
    free(counts);
    return status;
}

int main(int argc, char **argv)
{
    tnemu_circuit *c = NULL;
    tnemu_options *o = NULL;
    tnemu_result *r = NULL;
    int status = argc > 1 ? tnemu_circuit_load(argv[1], NULL, &c) : build_bell(&c);
    if (status) return failed(status, "circuit");
    status = tnemu_options_create(&o);
    if (status == TNEMU_OK) status = tnemu_options_set_shots(o, 1000);
    if (status == TNEMU_OK) status = tnemu_options_set_seed(o, 7);
    if (status == TNEMU_OK) status = tnemu_options_add_observable(o, "Z0 Z1");
    if (status) return failed(status, "options");
    status = tnemu_run(c, o, NULL, &r);   /* NULL: on every rank of MPI_COMM_WORLD */
    if (status == TNEMU_OK) status = print_result(r);
    if (status) status = failed(status, "run");
    tnemu_result_free(&r);
    tnemu_options_free(&o);
    tnemu_circuit_free(&c);
    tnemu_finalize();
    return status;
}
