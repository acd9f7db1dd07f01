#!/bin/sh
# tally.t - the outcome tally against plain references, merged over 1-3 ranks (tests/unit/test_tally.c).
. "$(dirname "$0")/lib/mpi.sh"
run_tap_under_ranks "${TNEMU_BUILD:-build}/tests/test_tally" 1 2 3
