/* main.c - the tnemu program: the BLAS kernels (tensor/blas.h), then MPI
 * start-up and shut-down around cli_main(). Every rank has agreed on the
 * status before it gets here (group_agree), so all of them leave through
 * MPI_Finalize with the same exit status. */
#include <mpi.h>

#include "blas.h"
#include "cli.h"

int main(int argc, char **argv)
{
    tn_blas_use_fastest(argv);
    MPI_Init(&argc, &argv);
    int status = cli_main(argc, argv);
    MPI_Finalize();
    return status;
}
