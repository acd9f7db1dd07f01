"""test_install.py - `make install-python` puts a package that
/usr/bin/python3 imports (tnemu and tnemu.torch) and that runs with the
libtnemu.so installed beside it, from any folder, without the checkout.

Not for: what the package computes (test_core.py, test_torch.py).
"""
import os
import subprocess
import sys

import pytest

from conftest import ROOT


def test_make_install_python_gives_an_importable_package(tmp_path):
    lib = os.environ.get("TNEMU_LIB") or os.path.join(ROOT, "build", "libtnemu.so")
    if not os.path.exists(lib):
        pytest.skip("no libtnemu.so built at %s" % lib)
    # SHLIB named on the command line: the library under test, never a rebuild
    make = subprocess.run(["make", "-s", "-C", ROOT, "install-python", "DESTDIR=%s" % tmp_path,
                           "PREFIX=/usr/local", "SHLIB=%s" % os.path.realpath(lib)],
                          capture_output=True, text=True)
    assert make.returncode == 0, make.stderr
    sites = [os.path.join(dp) for dp, dn, fn in os.walk(tmp_path) if dp.endswith("dist-packages")]
    assert len(sites) == 1 and os.path.exists(os.path.join(sites[0], "tnemu", "libtnemu.so"))
    assert sites[0].endswith("/usr/local/lib/python%d.%d/dist-packages" % sys.version_info[:2])
    env = {k: v for k, v in os.environ.items() if k not in ("TNEMU_LIB", "TNEMU_BUILD", "PYTHONPATH")}
    env["PYTHONPATH"] = sites[0]
    code = ("import tnemu, tnemu.torch; c = tnemu.Circuit(1, 1).gate('x', [0]).measure(0, 0); "
            "print(tnemu.run(c, shots=5).counts, tnemu._lib.lib.loaded()._name)")
    p = subprocess.run(["/usr/bin/python3", "-c", code], capture_output=True, text=True, env=env, cwd=str(tmp_path))
    assert p.returncode == 0, p.stderr
    assert p.stdout.split()[:2] == ["{'1':", "5}"]
    assert p.stdout.split()[2] == os.path.join(sites[0], "tnemu", "libtnemu.so")
