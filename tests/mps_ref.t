#!/bin/sh
exec "${TNEMU_BUILD:-build}/tests/test_mps_ref"
