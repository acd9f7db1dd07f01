#!/bin/sh
# api_mpi.t - the public C API under mpirun on 1 and 2 ranks in a program
# that never calls MPI_Init: the library starts MPI and finalises it
# (tests/unit/test_api_mpi.c; api_mpi_caller.t: the caller starts MPI).
. "$(dirname "$0")/lib/mpi.sh"
run_tap_under_ranks "${TNEMU_BUILD:-build}/tests/test_api_mpi" 1 2
