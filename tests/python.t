#!/bin/sh
# python.t - the Python package (python/tnemu) and its PyTorch layers: runs
# python/tests with /usr/bin/python3 -m pytest against the library of the
# build under test, one TAP line per pytest test. Skips, with the reason, where
# Debian's python3-numpy or python3-pytest is missing (python3-torch missing
# skips the layer tests inside pytest).
root=$(cd "$(dirname "$0")/.." && pwd)
build=${TNEMU_BUILD:-build}
case $build in /*) ;; *) build="$root/$build" ;; esac
py=/usr/bin/python3
if ! $py -c 'import numpy' 2>/dev/null; then echo "1..0 # SKIP python3-numpy is not installed (make deps)"; exit 0; fi
if ! $py -c 'import pytest' 2>/dev/null; then echo "1..0 # SKIP python3-pytest is not installed (make deps)"; exit 0; fi
case $build in   # whether or not build-san/libtnemu.so exists (tests/install.t installs it)
*-san) echo "1..0 # SKIP an ASan-instrumented libtnemu.so cannot load into an uninstrumented /usr/bin/python3"; exit 0 ;;
esac
if [ ! -e "$build/libtnemu.so" ]; then
    echo "1..1"; echo "not ok 1 - $build/libtnemu.so is not built (make lib)"
    exit 0
fi
out=$(mktemp -d) || exit 1
trap 'rm -rf "$out"' EXIT
cd "$root/python/tests" || exit 1
TNEMU_LIB="$build/libtnemu.so" TNEMU_BUILD="$build" PYTHONPATH="$root/python" PYTHONDONTWRITEBYTECODE=1 \
    $py -m pytest -v -rs -p no:cacheprovider . >"$out/log" 2>&1
status=$?
# "test_x.py::test_name PASSED [ 10%]" -> TAP
$py - "$out/log" "$status" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
results = [(m.group(1), m.group(2)) for m in (re.match(r"^(\S+::\S+) (PASSED|FAILED|SKIPPED|ERROR|XFAIL|XPASS)", l)
                                            for l in lines) if m]
reasons = [l for l in lines if l.startswith("SKIPPED")]
print("1..%d" % (len(results) + 1))
for i, (name, verdict) in enumerate(results, 1):
    if verdict == "SKIPPED":
        why = next((r for r in reasons if name.split("::")[0] in r), "skipped")
        print("ok %d - %s # SKIP %s" % (i, name, why.split(": ", 1)[-1]))
    else:
        print("%s %d - %s" % ("ok" if verdict in ("PASSED", "XFAIL") else "not ok", i, name))
ok = results and sys.argv[2] == "0"
print("%s %d - pytest ran %d tests, exit status %s" % ("ok" if ok else "not ok", len(results) + 1, len(results),
                                                       sys.argv[2]))
if not ok:
    print("\n".join("# " + l for l in lines[-40:]))
PY
