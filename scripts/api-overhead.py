#!/usr/bin/python3
# api-overhead.py - how much a library call (Python ctypes over libtnemu.so)
# costs against the command for the same adapters run: runs `tnemu adapters`
# N times (a process each) and tnemu_adapters_run N times in this process,
# and prints the medians beside the engine's own time ("timing.total").
# Usage: /usr/bin/python3 scripts/api-overhead.py [BUILD_DIR] [N]   (a few seconds; docs/library.md)
import ctypes, json, os, subprocess, sys, tempfile, time

build = sys.argv[1] if len(sys.argv) > 1 else "build"
N = int(sys.argv[2]) if len(sys.argv) > 2 else 10
lib = ctypes.CDLL(os.path.abspath(os.path.join(build, "libtnemu.so")))
tnemu = os.path.abspath(os.path.join(build, "tnemu"))
c_i64, c_dbl = ctypes.c_int64, ctypes.c_double
lib.tnemu_last_error.restype = ctypes.c_char_p
SPEC = {"device": {"kind": "line", "qubits": 8}, "block_qubits": 2, "generators": {"random": 7},
        "inputs": {"random": 3, "count": 3, "pieces": 4}, "shots": 1000, "seed": 1}
med = lambda v: sorted(v)[len(v) // 2]

with tempfile.TemporaryDirectory() as d:
    spec, out_json = os.path.join(d, "spec.json"), os.path.join(d, "out.json")
    with open(spec, "w") as f:
        json.dump(SPEC, f)
    cmd = []
    for _ in range(N):
        t0 = time.perf_counter()
        subprocess.run([tnemu, "adapters", spec, "-q", "-o", out_json], check=True)
        cmd.append(time.perf_counter() - t0)
    cli = json.load(open(out_json))
    h = ctypes.c_void_p()
    if lib.tnemu_adapters_load(spec.encode(), ctypes.byref(h)) != 0:
        sys.exit(lib.tnemu_last_error().decode())
    out, err, mean = (c_dbl * 48)(), (c_dbl * 12)(), c_dbl()
    calls = []
    for _ in range(N + 1):
        t0 = time.perf_counter()
        if lib.tnemu_adapters_run(h, None, out, c_i64(48), err, c_i64(12), ctypes.byref(mean)) != 0:
            sys.exit(lib.tnemu_last_error().decode())
        calls.append(time.perf_counter() - t0)
    text = ctypes.c_void_p()
    lib.tnemu_adapters_json(h, ctypes.byref(text))
    lib_json = json.loads(ctypes.string_at(text).decode())
    lib.tnemu_free(text)
    lib.tnemu_adapters_free(ctypes.byref(h))

same = cli["inputs"][0]["output"] == list(out[:16])
print(f"command: median {med(cmd) * 1e3:.1f} ms per run (engine {cli['timing']['total'] * 1e3:.1f} ms of it)")
print(f"library: first call {calls[0] * 1e3:.1f} ms (starts MPI), then median {med(calls[1:]) * 1e3:.2f} ms per call "
      f"(engine {lib_json['timing']['total'] * 1e3:.2f} ms of it)")
print(f"the same outputs from both: {same}")
