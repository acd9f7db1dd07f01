#!/bin/sh
# pauliprop.t - Heisenberg-picture expectation values and light cones against the state vector, density matrix
# and a stabilizer tableau (tests/unit/test_pauliprop.c; the 127-qubit checks skip without ../shared/data).
exec "${TNEMU_BUILD:-build}/tests/test_pauliprop"
