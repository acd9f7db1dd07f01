"""test_torch.py - tnemu.torch: CayleyAdapter in exact mode against the
adapters command's noiseless result and against finite differences, its
emulated mode through libtnemu, and QNNLayer's parameter-shift backward (for
the parameters and the inputs) against finite differences.

Not for: the plain numpy interface (test_core.py).
"""
import json
import math
import os

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import tnemu  # noqa: E402
import tnemu.torch as tt  # noqa: E402
from conftest import cli_json  # noqa: E402

torch.set_num_threads(1)


def central_differences(f, x, h=1e-6):
    """d f / d x (f: tensor -> tensor) by central differences, shape f(x).shape + x.shape."""
    x = x.detach().clone()
    cols = []
    for i in range(x.numel()):
        up, down = x.clone().view(-1), x.clone().view(-1)
        up[i] += h
        down[i] -= h
        cols.append((f(up.view(x.shape)) - f(down.view(x.shape))) / (2 * h))
    return torch.stack(cols, dim=-1).reshape(f(x).shape + x.shape)


def jacobian_error(f, x):
    """max |autograd Jacobian - central differences| of f at x."""
    fd = central_differences(f, x)
    x = x.detach().clone().requires_grad_(True)
    ad = torch.autograd.functional.jacobian(f, x)
    return (ad - fd).abs().max().item()


@pytest.fixture
def adapter():
    torch.manual_seed(3)
    return tt.CayleyAdapter(16, 2, init_scale=1.0, shots=100000).double()


def test_cayley_blocks_are_orthogonal_and_start_at_identity(adapter):
    u = adapter.unitaries()
    eye = torch.eye(4, dtype=torch.float64)
    assert (u @ u.transpose(1, 2) - eye).abs().max() < 1e-13
    assert (tt.CayleyAdapter(8, 3).unitaries() - torch.eye(8)).abs().max() == 0
    x = torch.randn(5, 16, dtype=torch.float64)
    assert torch.allclose(adapter(x).norm(dim=1), x.norm(dim=1), atol=1e-12)


def test_exact_mode_equals_the_commands_noiseless_result(adapter, tmp_path):
    x = torch.randn(3, 16, dtype=torch.float64)
    spec = {"device": {"kind": "line", "qubits": 8}, "block_qubits": 2, "shots": 1000000, "seed": 2,
            "generators": adapter.generators.detach().tolist(), "inputs": x.tolist()}
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec))
    want = np.array([i["output"] for i in cli_json("adapters", path)["inputs"]])
    got = adapter(x).detach().numpy()
    # the command samples 10^6 shots: each number within a few sqrt(p/shots) |x| of U x
    scale = x.view(3, 4, 4).norm(dim=2).repeat_interleave(4, dim=1).numpy()
    assert np.abs(got - want).max() <= 5e-3 * scale.max()
    big = np.abs(got) > 0.05 * scale
    assert np.array_equal(np.sign(got[big]), np.sign(want[big]))   # the signs restored from the same U x


def test_emulated_noiseless_mode_is_the_exact_map_up_to_shot_noise(adapter):
    x = torch.randn(4, 16, dtype=torch.float64)
    exact = adapter(x)
    adapter.mode = "emulated"
    emulated = adapter(x)
    assert adapter.last_circuits == 4 and adapter.circuits_run == 4   # 16 pieces, 8 blocks on a line of 16 qubits
    rel = (emulated - exact).view(4, 4, 4).norm(dim=2) / exact.view(4, 4, 4).norm(dim=2)
    assert rel.max() < 0.02 and 0 < adapter.last_mean_error < 0.02


def test_emulated_mode_passes_the_exact_gradient_through(adapter):
    x = torch.randn(2, 16, dtype=torch.float64, requires_grad=True)
    adapter(x).sum().backward()
    want = x.grad.clone()
    x.grad = None
    adapter.mode = "emulated"
    adapter(x).sum().backward()
    assert torch.allclose(x.grad, want, atol=1e-14)


def test_emulated_mode_on_the_heron_with_its_noise_is_worse(shared_data):
    fez = os.path.join(shared_data, "ibm-backends", "fez")
    torch.manual_seed(5)
    a = tt.CayleyAdapter(256, 2, device=os.path.join(fez, "conf_fez.json"), noise=os.path.join(fez, "props_fez.json"),
                         init_scale=1.0, trajectories=16, mode="emulated").double()
    x = torch.randn(1, 256, dtype=torch.float64)
    a(x)
    noisy = a.last_mean_error
    a.noise_scale = 0
    a(x)
    assert a.last_circuits == 1   # 64 pieces, 64 blocks on ibm_fez
    assert noisy > a.last_mean_error > 0


def test_cayley_adapter_gradients_match_finite_differences(adapter):
    x = torch.randn(2, 16, dtype=torch.float64)
    g = adapter.generators.detach().clone()

    def output_of_generators(gen):
        u = tt.cayley_unitaries(gen, 2)
        return torch.einsum("bij,nbj->nbi", u, x.view(2, 4, 4)).reshape(2, 16)

    assert jacobian_error(lambda gen: tt.cayley_unitaries(gen, 2), g) < 1e-8
    assert jacobian_error(adapter, x) < 1e-8
    assert jacobian_error(output_of_generators, g) < 1e-8
    assert torch.autograd.gradcheck(lambda inp, gen: torch.einsum(
        "bij,nbj->nbi", tt.cayley_unitaries(gen, 2), inp.view(2, 4, 4)),
        (x.clone().requires_grad_(True), g.clone().requires_grad_(True)))


def test_cayley_adapter_k3_gradient_matches_finite_differences():
    torch.manual_seed(1)
    a = tt.CayleyAdapter(16, 3, init_scale=0.5).double()
    x = torch.randn(16, dtype=torch.float64)
    g = a.generators.detach().clone()
    err = jacobian_error(lambda gen: torch.einsum("bij,bj->bi", tt.cayley_unitaries(gen, 3), x.view(2, 8)), g)
    assert err < 1e-8


@pytest.fixture
def qnn_layer():
    torch.manual_seed(2)
    return tt.QNNLayer(3, 2, observables=["Z0", "Z1 Z2", "X1"]).double()


def test_qnn_layer_forward_equals_the_library(qnn_layer):
    x = torch.rand(4, 5, dtype=torch.float64)
    got = qnn_layer(x)
    spec = dict(qnn_layer.spec(), parameters=[qnn_layer.theta.tolist()], inputs=x.tolist())
    want = tnemu.qnn(spec).values[0]
    assert got.shape == (4, 3)
    np.testing.assert_allclose(got.detach().numpy(), want, atol=1e-14)


def test_qnn_layer_parameter_gradients_match_finite_differences(qnn_layer):
    x = torch.rand(3, 3, dtype=torch.float64)
    theta = qnn_layer.theta.detach().clone()
    err = jacobian_error(lambda t: tt._QNNFunction.apply(x, t, qnn_layer), theta)
    assert err < 1e-8


def test_qnn_layer_input_gradients_match_finite_differences(qnn_layer):
    x = torch.rand(2, 5, dtype=torch.float64)   # 5 features on 3 qubits: two qubits take two RY each
    err = jacobian_error(lambda inp: tt._QNNFunction.apply(inp, qnn_layer.theta.detach(), qnn_layer), x)
    assert err < 1e-8


def test_qnn_layer_passes_torch_gradcheck(qnn_layer):
    x = torch.rand(2, 3, dtype=torch.float64, requires_grad=True)
    theta = qnn_layer.theta.detach().clone().requires_grad_(True)
    assert torch.autograd.gradcheck(lambda inp, t: tt._QNNFunction.apply(inp, t, qnn_layer), (x, theta),
                                    eps=1e-6, atol=1e-7)


def test_qnn_layer_backpropagates_into_a_model(qnn_layer):
    torch.manual_seed(0)
    pre = torch.nn.Linear(2, 3).double()
    x = torch.rand(4, 2, dtype=torch.float64)
    loss = qnn_layer(pre(x)).pow(2).sum()
    loss.backward()
    assert pre.weight.grad is not None and pre.weight.grad.abs().sum() > 0
    assert qnn_layer.theta.grad.abs().sum() > 0


def test_bad_arguments_raise_with_a_message():
    with pytest.raises(tnemu.TnemuInputError, match="multiple of"):
        tt.CayleyAdapter(10, 2)
    with pytest.raises(tnemu.TnemuInputError, match="mode"):
        tt.CayleyAdapter(8, 2, mode="quantum")
    with pytest.raises(tnemu.TnemuInputError, match="Z7"):
        tt.QNNLayer(3, 1, observables=["Z7"])
    a = tt.CayleyAdapter(8, 2, device="line:1", mode="emulated")
    with pytest.raises(tnemu.TnemuError) as e:
        a(torch.ones(1, 8))
    assert str(e.value)
    assert math.isnan(a.last_mean_error)
