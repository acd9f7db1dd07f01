#!/bin/sh
# noise_t2.t - --t2 ramsey|echo on Origin chip configurations: the channel's dephasing, fallback, refusals (tests/unit/test_noise_t2.c).
exec "${TNEMU_BUILD:-build}/tests/test_noise_t2"
