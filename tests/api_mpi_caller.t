#!/bin/sh
# api_mpi_caller.t - the public C API under mpirun on 1 and 2 ranks in a
# program that calls MPI_Init and MPI_Finalize itself: the library runs on the
# caller's MPI and leaves finalising to it (tests/unit/test_api_mpi.c).
. "$(dirname "$0")/lib/mpi.sh"
TNEMU_TEST_CALLER_INIT=1 run_tap_under_ranks "${TNEMU_BUILD:-build}/tests/test_api_mpi" 1 2
