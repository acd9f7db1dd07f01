"""test_mpi.py - the package under `mpirun -n 2 /usr/bin/python3`: every rank
runs the script, the runs are collective, and every rank gets the numbers of
a one-process run.

Not for: one-process behaviour (test_core.py).
"""
import json
import os
import shutil
import subprocess

import numpy as np
import pytest

import tnemu
from conftest import ROOT, example

SCRIPT = """
import json, os, sys, tnemu
r = tnemu.adapters(sys.argv[1])
q = tnemu.qnn(sys.argv[2], gradient=True)
# one file per rank: the ranks' standard outputs would interleave
with open(os.path.join(sys.argv[3], "rank-%s.json" % os.environ["OMPI_COMM_WORLD_RANK"]), "w") as f:
    json.dump({"outputs": r.outputs.tolist(), "mpi": r.json["mpi"], "gradients": q.gradients.tolist()}, f)
"""


def test_two_ranks_give_every_rank_the_one_process_numbers(tmp_path):
    if not shutil.which("mpirun"):
        pytest.skip("mpirun is not installed")
    script = tmp_path / "two.py"
    script.write_text(SCRIPT)
    spec, qspec = example("adapters", "line-k2.json"), example("qnn", "wukong-4q.json")
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               PYTHONPATH=os.path.join(ROOT, "python"))
    p = subprocess.run(["mpirun", "--oversubscribe", "-n", "2", "/usr/bin/python3", str(script), spec, qspec,
                        str(tmp_path)],
                       capture_output=True, text=True, env=env, timeout=300, stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stderr
    lines = [json.loads((tmp_path / ("rank-%d.json" % r)).read_text()) for r in (0, 1)]
    one, qone = tnemu.adapters(spec), tnemu.qnn(qspec, gradient=True)
    for got in lines:
        assert got["mpi"] == {"ranks": 2, "groups": 2}
        np.testing.assert_allclose(got["outputs"], one.outputs, atol=1e-12)
        np.testing.assert_allclose(got["gradients"], qone.gradients, atol=1e-12)
