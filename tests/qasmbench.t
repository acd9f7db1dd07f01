#!/bin/sh
# qasmbench.t - every QASMBench small/medium circuit of <= 20 qubits: MPS equals the reference (needs ../shared/data).
exec "${TNEMU_BUILD:-build}/tests/test_qasmbench"
