#!/bin/sh
# qft.t - the QFT of random product states on 2..20 qubits equals an FFTW DFT.
exec "${TNEMU_BUILD:-build}/tests/test_qft"
