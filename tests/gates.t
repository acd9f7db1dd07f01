#!/bin/sh
# gates.t - every built-in gate matrix is unitary and equals the reference's (tests/unit/test_gates.c).
exec "${TNEMU_BUILD:-build}/tests/test_gates"
