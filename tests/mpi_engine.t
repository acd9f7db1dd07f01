#!/bin/sh
# mpi_engine.t - the distributed MPS equals the single-process one on 1-4 ranks.
. "$(dirname "$0")/lib/mpi.sh"
run_tap_under_ranks "${TNEMU_BUILD:-build}/tests/test_mpi_engine" 1 2 3 4
