/* bench-eigh.c - measures the Hermitian eigensolver of a Gram split on one
 * rank (LAPACK zheevd) against ScaLAPACK pzheevd on all ranks, for the
 * default of --scalapack-min. Run: mpirun -n P build/bench-eigh [SIZES...]
 * Prints, per size, the median of 3 runs of each (seconds). */
#include <complex.h>
#include <lapacke.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"
#include "group.h"
#include "rng.h"
#include "run.h"
#include "scalapack.h"

static double median3(double a, double b, double c)
{
    if (a > b) { double t = a; a = b; b = t; }
    if (b > c) b = c;
    return a > b ? a : b;
}

/* A random Hermitian positive matrix (a Gram matrix) on rank 0. */
static void fill(int m, double complex *g, uint64_t seed)
{
    rng_stream r;
    rng_init(&r, seed, 0);
    for (int j = 0; j < m; j++)
        for (int i = 0; i <= j; i++) {
            double complex v = (rng_uniform(&r) - 0.5) + I * (rng_uniform(&r) - 0.5);
            if (i == j) v = creal(v) + m;
            g[i + (size_t)m * j] = v;
            g[j + (size_t)m * i] = conj(v);
        }
}

int main(int argc, char **argv)
{
    tn_blas_use_fastest(argv);   /* the kernels tnemu itself runs (tensor/blas.h) */
    MPI_Init(&argc, &argv);
    tn_group *g;
    group_create(MPI_COMM_WORLD, 1, &g);
    tn_scalapack *s = NULL;
    if (g->size > 1) scal_create(g, &s);
    int sizes[16], nsizes = 0;
    for (int i = 1; i < argc && nsizes < 16; i++) sizes[nsizes++] = atoi(argv[i]);
    if (!nsizes) { sizes[0] = 512; sizes[1] = 1024; sizes[2] = 2048; nsizes = 3; }
    if (g->rank == 0) printf("rows  zheevd_1rank_s  pzheevd_%dranks_s\n", g->size);
    for (int k = 0; k < nsizes; k++) {
        int m = sizes[k];
        double complex *a = g->rank == 0 ? malloc((size_t)m * m * sizeof *a) : NULL;
        double *w = malloc((size_t)m * sizeof *w);
        double t_local[3] = {0}, t_grid[3] = {0};
        for (int rep = 0; rep < 3; rep++) {
            if (g->rank == 0) {
                fill(m, a, (uint64_t)rep);
                double t0 = run_now();
                LAPACKE_zheevd(LAPACK_COL_MAJOR, 'V', 'U', m, a, m, w);
                t_local[rep] = run_now() - t0;
                fill(m, a, (uint64_t)rep);
            }
            MPI_Barrier(MPI_COMM_WORLD);
            if (s) {
                double t0 = run_now();
                if (g->rank == 0) { scal_eigh_root(s, m, a, w); scal_step_done(s); }
                else scal_serve(s, 0);
                t_grid[rep] = run_now() - t0;
            }
        }
        if (g->rank == 0)
            printf("%5d  %14.3f  %16.3f\n", m, median3(t_local[0], t_local[1], t_local[2]),
                   median3(t_grid[0], t_grid[1], t_grid[2]));
        free(a);
        free(w);
    }
    scal_destroy(&s);
    group_destroy(&g);
    MPI_Finalize();
    return 0;
}
