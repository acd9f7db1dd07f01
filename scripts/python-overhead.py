#!/usr/bin/python3
# python-overhead.py - what a call of the Python package costs against the
# command for the same adapters run (examples/adapters/line-k2.json, or the
# spec given): the median of N runs of `tnemu adapters SPEC` (a process each),
# of tnemu.adapters(SPEC) (reads the spec and runs, in this process) and of
# run() on a prepared tnemu.Adapters, beside the engine's own "timing.total".
# Usage: /usr/bin/python3 scripts/python-overhead.py [SPEC] [N]   (docs/python.md)
import json, os, subprocess, sys, tempfile, time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(root, "python"))
import tnemu  # noqa: E402

spec = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "examples", "adapters", "line-k2.json")
n = int(sys.argv[2]) if len(sys.argv) > 2 else 10
exe = os.path.join(root, os.environ.get("TNEMU_BUILD", "build"), "tnemu")
median = lambda v: sorted(v)[len(v) // 2]


def timed(f):
    t0 = time.perf_counter()
    value = f()
    return time.perf_counter() - t0, value


with tempfile.TemporaryDirectory() as d:
    out = os.path.join(d, "out.json")
    command = [timed(lambda: subprocess.run([exe, "adapters", spec, "-q", "-o", out], check=True))[0] for _ in range(n)]
    engine = json.load(open(out))["timing"]["total"]
tnemu.adapters(spec)   # loads the library and starts MPI once, as any first call does
one_call = [timed(lambda: tnemu.adapters(spec))[0] for _ in range(n)]
prepared = tnemu.Adapters(spec)
rerun = [timed(lambda: prepared.run())[0] for _ in range(n)]
print("spec %s, %d runs each (median seconds):" % (os.path.relpath(spec, root), n))
print("  command `tnemu adapters`           %.4f   (the engine's timing.total %.4f)" % (median(command), engine))
print("  tnemu.adapters(spec)               %.4f" % median(one_call))
print("  prepared tnemu.Adapters.run()      %.4f" % median(rerun))
