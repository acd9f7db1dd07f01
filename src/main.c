/* main.c - the tnemu program: the BLAS kernels, then MPI start-up and
 * shut-down around cli_main(). Every rank has agreed on the status before it
 * gets here (group_agree), so all of them leave through MPI_Finalize with the
 * same exit status. */
#include <mpi.h>
#include <stdlib.h>
#include <unistd.h>

#include "blas.h"
#include "cli.h"

/* Where OpenBLAS chose slower kernels than the CPU allows (tensor/blas.h),
 * starts this program again with the faster ones: OpenBLAS reads
 * OPENBLAS_CORETYPE only when it is loaded. Set, it is not changed again. If
 * the program cannot be started again, it goes on with OpenBLAS's choice. */
static void use_fastest_blas(char **argv)
{
    const char *core = tn_blas_better_core();
    if (!core || setenv("OPENBLAS_CORETYPE", core, 1) != 0) return;
    execv("/proc/self/exe", argv);
    unsetenv("OPENBLAS_CORETYPE");
}

int main(int argc, char **argv)
{
    use_fastest_blas(argv);
    MPI_Init(&argc, &argv);
    int status = cli_main(argc, argv);
    MPI_Finalize();
    return status;
}
