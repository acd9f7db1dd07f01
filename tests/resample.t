#!/bin/sh
# resample.t - multinomial redraws and binomial variates of `tnemu compare` (src/resample.c).
exec "${TNEMU_BUILD:-build}/tests/test_resample"
