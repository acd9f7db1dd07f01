#!/bin/sh
# tsvd.t - the truncated split (Gram and SVD paths) on matrices with known singular values.
exec "${TNEMU_BUILD:-build}/tests/test_tsvd"
