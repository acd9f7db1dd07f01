#!/bin/sh
exec "${TNEMU_BUILD:-build}/tests/test_qasm3"
