#!/bin/sh
# api.t - the public C API in one process that never calls MPI_Init (tests/unit/test_api.c).
exec "${TNEMU_BUILD:-build}/tests/test_api"
