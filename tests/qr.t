#!/bin/sh
# qr.t - thin QR and LQ (CholeskyQR2 and Householder paths) on random, ill-conditioned and rank-deficient matrices.
exec "${TNEMU_BUILD:-build}/tests/test_qr"
