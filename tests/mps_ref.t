#!/bin/sh
# mps_ref.t - the MPS engine against the dense reference: random circuits, measurements, sampling, truncation.
exec "${TNEMU_BUILD:-build}/tests/test_mps_ref"
