#!/bin/sh
# marginals.t - wide counts (keys past 64 bits), sets of bits and marginal distributions of `tnemu compare` (tests/unit/test_marginals.c).
exec "${TNEMU_BUILD:-build}/tests/test_marginals"
