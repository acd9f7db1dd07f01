#!/bin/sh
# coherent.t - over-rotation and static ZZ of the tnemu noise format against the density matrix (tests/unit/test_coherent.c).
exec "${TNEMU_BUILD:-build}/tests/test_coherent"
