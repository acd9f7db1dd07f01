#!/bin/sh
# check.sh - what `make check` runs: every TAP file in tests/ through prove,
# two at a time. When some fail, it runs each failed file again, verbosely,
# and prints only its "not ok" lines and their diagnostics, at the very end,
# so that the reason is in the last lines of a long log (a CI log's tail).
# Usage: TNEMU_BUILD=build sh scripts/check.sh   (exit status 0 = all passed)
build=${TNEMU_BUILD:-build}
mkdir -p "$build" || exit 1
log="$build/check.log"
status_file="$build/check.status"
{ prove -j2 --timer tests/; echo $? > "$status_file"; } 2>&1 | tee "$log"
status=$(cat "$status_file")
[ "$status" = 0 ] && exit 0
failed=$(sed -n 's/^\(tests\/[^ ]*\.t\) .*(Wstat.*/\1/p' "$log")
[ -n "$failed" ] || exit "$status"
echo
echo "=== failed files, run again one at a time: their failures and diagnostics ==="
echo "machine: $(uname -srm), $(nproc) cores, user $(id -un); cc: $(cc --version 2>&1 | head -1);" \
     "mpicc: $(mpicc --showme:version 2>&1 | head -1); python3: $(/usr/bin/python3 --version 2>&1)"
env | grep -E '^(CC|CFLAGS|LDFLAGS|LD_LIBRARY_PATH|LD_PRELOAD|PKG_CONFIG_PATH|PYTHONPATH|OMP_|OMPI_|TMPDIR)' | sed 's/^/env: /'
for t in $failed; do
    echo "--- $t"
    prove -v "$t" 2>&1 | grep -E '^(not ok|#)|Dubious|Wstat' | head -40
done
exit 1
