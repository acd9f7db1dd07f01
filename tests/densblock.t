#!/bin/sh
# densblock.t - exact per-block noisy distributions against a density matrix and the trajectory path, and the shot draws (tests/unit/test_densblock.c).
exec "${TNEMU_BUILD:-build}/tests/test_densblock"
