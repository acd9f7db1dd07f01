#!/bin/sh
# originir.t - the OriginIR front end: every gate, DAGGER/CONTROL/QGATE, every error, the samples and hardware qprogs (tests/unit/test_originir.c).
exec "${TNEMU_BUILD:-build}/tests/test_originir"
