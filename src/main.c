/* main.c - the tnemu program: MPI start-up and shut-down around cli_main(). */
#include <mpi.h>

#include "cli.h"

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int status = cli_main(argc, argv);
    if (status != 0) {
        int size = 1;
        MPI_Comm_size(MPI_COMM_WORLD, &size);
        if (size > 1) MPI_Abort(MPI_COMM_WORLD, status);
    }
    MPI_Finalize();
    return status;
}
