"""test_core.py - tnemu.run, tnemu.adapters and tnemu.qnn against the tnemu
command on the same inputs and seeds, and the library's error messages
raised as exceptions.

Not for: the PyTorch layers (test_torch.py).
"""
import json
import os

import numpy as np
import pytest

import tnemu
from conftest import cli_json, example, run_cli

GHZ_ROTATED = """OPENQASM 2.0;
include "qelib1.inc";
qreg q[5];
creg c[5];
h q[0];
cx q[0],q[1];
ry(0.7) q[2];
cx q[1],q[2];
rx(1.1) q[3];
cz q[2],q[3];
u3(0.3,0.2,0.1) q[4];
cx q[3],q[4];
measure q -> c;
"""


@pytest.fixture
def circuit_file(tmp_path):
    path = tmp_path / "rot.qasm"
    path.write_text(GHZ_ROTATED)
    return str(path)


def test_version():
    assert tnemu.version().count(".") == 2


def test_run_counts_equal_the_commands(circuit_file):
    got = tnemu.run(circuit_file, shots=3000, seed=7)
    want = cli_json("run", circuit_file, "--shots", "3000", "--seed", "7")
    assert got.counts == want["counts"]
    assert sum(got.counts.values()) == 3000
    assert got.json["counts"] == want["counts"]


def test_run_noisy_counts_equal_the_commands(circuit_file, tmp_path):
    noise = tmp_path / "noise.json"
    noise.write_text(json.dumps({"format": "tnemu-noise", "t1": 1e-4, "t2": 8e-5, "readout": [0.01, 0.03],
                                 "gates": [{"gate": "*", "channels": [{"type": "depolarizing", "p": 0.01}]}]}))
    status, _, err = run_cli("run", circuit_file, "--noise", noise, "--shots", "500", "--seed", "3", "-q", "-o",
                             tmp_path / "o.json")
    assert status == 0, err
    want = json.loads((tmp_path / "o.json").read_text())
    got = tnemu.run(circuit_file, noise=str(noise), shots=500, seed=3)
    assert got.counts == want["counts"]


def test_run_observables_and_amplitudes_of_a_built_circuit():
    c = tnemu.Circuit(3, 3).gate("h", [0]).gate("cx", [0, 1]).gate("cx", [1, 2])
    r = tnemu.run(c, observables=["Z0 Z2", "X0 X1 X2", "Z1"], amplitudes=["000", "111", "101"], shots=0)
    np.testing.assert_allclose(r.expectations, [1, 1, 0], atol=1e-12)
    np.testing.assert_allclose(r.amplitudes, [2 ** -0.5, 2 ** -0.5, 0], atol=1e-12)
    assert c.info()["qubits"] == 3 and r.max_bond == 2


def test_a_bad_circuit_raises_the_commands_message(tmp_path):
    bad = tmp_path / "bad.qasm"
    bad.write_text("OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\nfoo q[0];\n")
    with pytest.raises(tnemu.TnemuInputError) as e:
        tnemu.run(str(bad))
    status, _, err = run_cli("run", bad)
    assert status == 2 and e.value.status == 2
    assert str(e.value).startswith(str(bad) + ":4:")
    assert str(e.value) in err


def test_a_bad_option_raises_with_the_option_and_its_range(circuit_file):
    with pytest.raises(tnemu.TnemuInputError, match="--chi") as e:
        tnemu.run(circuit_file, chi=-3)
    _, _, err = run_cli("run", circuit_file, "--chi", "-3")
    assert str(e.value) in err
    with pytest.raises(TypeError, match="chii"):
        tnemu.run(circuit_file, chii=3)


def test_adapters_equal_the_commands():
    spec = example("adapters", "line-k2.json")
    got = tnemu.adapters(spec)
    want = cli_json("adapters", spec)
    np.testing.assert_allclose(got.outputs, [i["output"] for i in want["inputs"]], rtol=0, atol=1e-12)
    np.testing.assert_allclose(got.errors, [i["block_relative_errors"] for i in want["inputs"]], atol=1e-12)
    assert got.mean_error == pytest.approx(want["mean_relative_error"], abs=1e-12)
    assert got.json["circuits"] == want["circuits"]


def test_adapters_with_given_numbers_equal_the_commands(tmp_path):
    rng = np.random.default_rng(4)
    gens, inputs = rng.uniform(-1, 1, (3, 6)), rng.uniform(-1, 1, (2, 12))
    spec = {"device": {"kind": "line", "qubits": 6}, "block_qubits": 2, "generators": gens.tolist(),
            "inputs": inputs.tolist(), "shots": 5000, "seed": 9}
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec))
    want = cli_json("adapters", path)
    prepared = dict(spec, generators={"random": 1}, inputs={"random": 1, "count": 1, "pieces": 1})
    got = tnemu.adapters(prepared, generators=gens, inputs=inputs)
    np.testing.assert_allclose(got.outputs, [i["output"] for i in want["inputs"]], atol=1e-12)


def test_adapters_errors_carry_the_librarys_message():
    spec = {"device": {"kind": "line", "qubits": 4}, "block_qubits": 2, "generators": {"random": 1},
            "inputs": {"random": 1, "count": 1, "pieces": 2}}
    a = tnemu.Adapters(spec)
    with pytest.raises(tnemu.TnemuInputError) as e:
        a.set_generators(np.zeros((1, 5)))
    assert str(e.value) and "generator" in str(e.value)
    with pytest.raises(tnemu.TnemuInputError, match="noize"):
        tnemu.Adapters(dict(spec, noize=1))
    with pytest.raises(tnemu.TnemuInputError):
        tnemu.Adapters(example("adapters", "no-such-spec.json"))


def test_qnn_equals_the_commands():
    spec = example("qnn", "wukong-4q.json")
    got = tnemu.qnn(spec)
    want = cli_json("qnn", spec)
    for row in want["results"]:
        s, i = row["parameter_set"], row["input"]
        np.testing.assert_allclose(got.values[s, i], row["expectation"], atol=1e-12)
        np.testing.assert_allclose(got.gradients[s, i], row["gradient"], atol=1e-12)


def test_qnn_gradients_match_finite_differences():
    spec = {"device": {"kind": "line", "qubits": 3}, "qubits": 3, "layers": 2, "parameters": {"random": 3},
            "inputs": {"random": 4, "count": 2}, "observables": ["Z0", "Z1 Z2"]}
    q = tnemu.QNN(spec)
    theta = np.random.default_rng(1).uniform(-np.pi, np.pi, q.info()["parameters"])
    q.set_parameters(theta)
    grad = q.run(gradient=True).gradients[0]
    h = 1e-5
    for j in range(theta.size):
        up, down = theta.copy(), theta.copy()
        up[j] += h
        down[j] -= h
        fd = (q.set_parameters(up).run().values[0] - q.set_parameters(down).run().values[0]) / (2 * h)
        np.testing.assert_allclose(grad[:, :, j], fd, atol=1e-8)


def test_run_is_collective_but_fine_alone():
    # one process, no launcher: the library started MPI itself and every call still works
    assert tnemu.run(tnemu.Circuit(1, 1).gate("x", [0]).measure(0, 0), shots=10).counts == {"1": 10}
