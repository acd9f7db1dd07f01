#!/bin/sh
# noise.t - trajectories against the exact density matrix, IBM calibration, readout, 1/f (tests/unit/test_noise.c).
exec "${TNEMU_BUILD:-build}/tests/test_noise"
