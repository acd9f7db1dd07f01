#!/bin/sh
# ref.t - the test references (state vector, chi-square) checked on their own.
exec "${TNEMU_BUILD:-build}/tests/test_ref"
