"""torch.py - PyTorch layers over libtnemu:

  CayleyAdapter(in_features, block_qubits, device=..., noise=..., shots=...)
      x -> U x, U block-diagonal with one orthogonal block U_b = Cayley(K_b)
      of a trained skew-symmetric K_b per 2^k numbers (CUA, arXiv:2605.05914).
      mode "exact": U x computed here, differentiable (training).
      mode "emulated": every piece amplitude-encoded on k qubits of the
      device, U applied, measured with `shots` shots by libtnemu under the
      device's noise; magnitudes sqrt(counts/shots)|x| with the signs of the
      exact U x, as the hardware experiment restores them (docs/adapters.md).
  QNNLayer(qubits, layers, ...)
      the QWTHN-style layer of `tnemu qnn`: expectation values forward,
      parameter-shift gradients backward, for the parameters and the inputs.

"device" here is the quantum device the circuits are placed on, not a torch
device: the layers compute on the CPU. Not for: the arithmetic of circuits
(the library), language models (examples/cua-lm).
"""
import math

import numpy as np
import torch

from ._adapters import Adapters
from ._lib import TnemuInputError
from ._qnn import QNN

__all__ = ["CayleyAdapter", "QNNLayer", "device_spec", "generator_count"]

MODES = ("exact", "emulated")
MAX_LINE_QUBITS = 1024   # the default device: a line holding every block of one vector, up to this


def device_spec(device, qubits_needed):
    """The spec's "device" object for: None (a line of qubits_needed qubits, at
    most MAX_LINE_QUBITS), a dict (taken as it is), "line:N", "grid:RxC", or the
    file name of an IBM backend configuration (conf_*.json)."""
    if device is None:
        return {"kind": "line", "qubits": int(min(max(qubits_needed, 1), MAX_LINE_QUBITS))}
    if isinstance(device, dict):
        return dict(device)
    text = str(device)
    if text.startswith("line:"):
        return {"kind": "line", "qubits": int(text[5:])}
    if text.startswith("grid:"):
        rows, cols = text[5:].lower().split("x")
        return {"kind": "grid", "rows": int(rows), "cols": int(cols)}
    return {"kind": "ibm", "file": text}


def generator_count(block_qubits):
    """Numbers of a real skew-symmetric generator of a 2^k block: d(d-1)/2."""
    d = 1 << block_qubits
    return d * (d - 1) // 2


def cayley_unitaries(generators, block_qubits, c=0.5):
    """U_b = (I - c K_b)(I + c K_b)^-1 for every row of generators (nblocks,
    d(d-1)/2): K_b skew-symmetric with its entries above the diagonal row by
    row, as the spec of `tnemu adapters` takes them. Differentiable."""
    d = 1 << block_qubits
    nblocks = generators.shape[0]
    rows, cols = torch.triu_indices(d, d, 1)
    k = generators.new_zeros(nblocks, d, d)
    k[:, rows, cols] = generators
    k = k - k.transpose(1, 2)
    eye = torch.eye(d, dtype=generators.dtype).expand(nblocks, d, d)
    # (I + cK)^-1 (I - cK) = (I - cK)(I + cK)^-1: the factors commute
    return torch.linalg.solve(eye + c * k, eye - c * k)


class CayleyAdapter(torch.nn.Module):
    """A block-diagonal orthogonal map of in_features numbers, one 2^k x 2^k
    Cayley block per piece; generators start at zero (U = I) unless init_scale
    is given. Parameters: generators (in_features / 2^k, d(d-1)/2).

    Keywords: device (see device_spec), noise (a calibration file, as `tnemu run
    --noise`; None: noiseless), noise_scale, shots per circuit, trajectories
    (None: the library's default), seed (each emulated call uses seed + its
    number), cayley_c (U = (I - cK)(I + cK)^-1), mode "exact" or "emulated",
    groups (MPI groups; None: chosen by the library).

    After an emulated call: last_circuits (circuits of that call),
    last_mean_error (mean |y - U x| / |U x| over its pieces); circuits_run
    counts every circuit since construction (or reset_counts())."""

    def __init__(self, in_features, block_qubits=2, device=None, noise=None, shots=8192, mode="exact",
                 noise_scale=1.0, trajectories=None, seed=1, cayley_c=0.5, init_scale=0.0, groups=None):
        super().__init__()
        if not 1 <= block_qubits <= 5:
            raise TnemuInputError("block_qubits %r is out of range (1..5)" % (block_qubits,), 2)
        self.block_qubits, self.d = int(block_qubits), 1 << int(block_qubits)
        if in_features <= 0 or in_features % self.d:
            raise TnemuInputError("in_features %r is not a positive multiple of 2^block_qubits = %d" %
                                  (in_features, self.d), 2)
        self.in_features = int(in_features)
        self.nblocks = self.in_features // self.d
        init = torch.zeros(self.nblocks, generator_count(self.block_qubits))
        if init_scale:
            init.uniform_(-init_scale, init_scale)
        self.generators = torch.nn.Parameter(init)
        self.device_arg, self.noise, self.noise_scale = device, noise, float(noise_scale)
        self.shots, self.trajectories, self.seed, self.cayley_c, self.groups = shots, trajectories, seed, cayley_c, groups
        self.mode = mode
        self._handle = None
        self._calls = 0
        self.reset_counts()

    @property
    def mode(self):
        return self._mode

    @mode.setter
    def mode(self, value):
        if value not in MODES:
            raise TnemuInputError("mode %r: expected one of %s" % (value, ", ".join(MODES)), 2)
        self._mode = value

    def reset_counts(self):
        self.circuits_run = 0
        self.last_circuits = 0
        self.last_mean_error = float("nan")

    def extra_repr(self):
        return "in_features=%d, block_qubits=%d, mode=%s" % (self.in_features, self.block_qubits, self.mode)

    def unitaries(self):
        """The blocks U_b as a (nblocks, d, d) tensor (differentiable)."""
        return cayley_unitaries(self.generators, self.block_qubits, self.cayley_c)

    def exact(self, x):
        u = self.unitaries().to(x.dtype)
        pieces = x.reshape(*x.shape[:-1], self.nblocks, self.d)
        return torch.einsum("bij,...bj->...bi", u, pieces).reshape(x.shape)

    def spec(self):
        """The `tnemu adapters` spec this layer runs (generators and inputs set per call)."""
        s = {"device": device_spec(self.device_arg, self.nblocks * self.block_qubits),
             "block_qubits": self.block_qubits, "generator_type": "real", "cayley_c": self.cayley_c,
             "generators": {"random": 1}, "inputs": {"random": 1, "count": 1, "pieces": self.nblocks},
             "shots": int(self.shots), "seed": int(self.seed), "noise_scale": self.noise_scale}
        if self.noise:
            s["noise"] = str(self.noise)
        if self.trajectories:
            s["trajectories"] = int(self.trajectories)
        return s

    def _adapters(self):
        if self._handle is None:
            self._handle = Adapters(self.spec())
        return self._handle

    def emulated(self, x):
        """y as the device returns it: magnitudes from counts, signs of the exact U x."""
        rows = x.detach().reshape(-1, self.in_features).to(torch.float64).cpu().numpy()
        a = self._adapters()
        a.set_inputs(rows)
        a.set_generators(self.generators.detach().to(torch.float64).cpu().numpy())
        a.set(seed=int(self.seed) + self._calls, noise_scale=self.noise_scale, shots=int(self.shots),
              groups=self.groups)
        self._calls += 1
        result = a.run(want_json=False)
        self.last_circuits = a.info()["circuits"]
        self.circuits_run += self.last_circuits
        self.last_mean_error = result.mean_error
        return torch.from_numpy(np.ascontiguousarray(result.outputs)).to(x.dtype).reshape(x.shape)

    def forward(self, x):
        if x.shape[-1] != self.in_features:
            raise TnemuInputError("CayleyAdapter: input has %d features, expected %d" % (x.shape[-1], self.in_features), 2)
        if self.mode == "exact":
            return self.exact(x)
        y = self.emulated(x)
        if torch.is_grad_enabled() and (x.requires_grad or self.generators.requires_grad):
            # straight through: the emulated values, the exact map's gradient
            exact = self.exact(x)
            return exact + (y - exact).detach()
        return y


class _QNNFunction(torch.autograd.Function):
    """Expectation values forward; parameter-shift gradients backward, for the
    parameters (the library's gradient mode) and the inputs (each feature is
    one RY angle: d<O>/dx_j = (<O>(x_j + pi/2) - <O>(x_j - pi/2)) / 2)."""

    @staticmethod
    def forward(ctx, x, theta, layer):
        ctx.layer = layer
        ctx.save_for_backward(x, theta)
        values = layer.expectations(x, theta)
        return torch.from_numpy(values).to(x.dtype)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_out):
        x, theta = ctx.saved_tensors
        layer, g = ctx.layer, grad_out.detach().to(torch.float64).cpu().numpy()
        grad_x = grad_theta = None
        if ctx.needs_input_grad[1]:
            jac = layer.parameter_jacobian(x, theta)                    # (batch, obs, params)
            grad_theta = torch.from_numpy(np.einsum("bk,bkp->p", g, jac)).to(theta.dtype)
        if ctx.needs_input_grad[0]:
            jac = layer.input_jacobian(x, theta)                        # (batch, features, obs)
            grad_x = torch.from_numpy(np.einsum("bk,bjk->bj", g, jac)).to(x.dtype)
        return grad_x, grad_theta, None


class QNNLayer(torch.nn.Module):
    """The QWTHN-style layer of `tnemu qnn` (docs/qnn.md): inputs (batch,
    features) angle-encoded as RY on qubit j mod n, `layers` layers of RY, RZ
    and CZ; outputs (batch, observables) expectation values. Parameters: theta
    (2 n layers), uniform in [-init_scale, init_scale].

    Keywords: device (see device_spec; default a line of n qubits), qubits (a
    count, or a list of device qubits), couplers, observables (default every
    Zi), noise (a calibration file), noise_scale, trajectories, seed, groups."""

    def __init__(self, qubits, layers, device=None, observables=None, couplers=None, noise=None, noise_scale=None,
                 trajectories=None, seed=1, groups=None, init_scale=math.pi):
        super().__init__()
        n = len(qubits) if isinstance(qubits, (list, tuple)) else int(qubits)
        self.nqubits, self.layers = n, int(layers)
        s = {"device": device_spec(device, n), "qubits": list(qubits) if isinstance(qubits, (list, tuple)) else n,
             "layers": self.layers, "parameters": {"random": 1}, "inputs": {"random": 1, "count": 1}, "seed": int(seed)}
        for key, value in (("observables", observables), ("couplers", couplers), ("noise", noise),
                           ("noise_scale", noise_scale), ("trajectories", trajectories)):
            if value is not None:
                s[key] = [list(c) for c in value] if key == "couplers" else value
        self._spec = s
        self._handle = QNN(s)
        self._handle.set(groups=groups)
        info = self._handle.info()
        self.nobservables = info["observables"]
        init = torch.empty(info["parameters"], dtype=torch.float64).uniform_(-init_scale, init_scale)
        self.theta = torch.nn.Parameter(init.float())

    def spec(self):
        return dict(self._spec)

    def _run(self, x, theta, gradient):
        q = self._handle
        q.set_parameters(np.asarray(theta, dtype=np.float64)[None, :])
        q.set_inputs(np.asarray(x, dtype=np.float64))
        return q.run(gradient=gradient, want_json=False)

    def expectations(self, x, theta):
        """(batch, observables) for numpy-convertible x (batch, features) and theta."""
        return self._run(_numpy(x), _numpy(theta), False).values[0]

    def parameter_jacobian(self, x, theta):
        """(batch, observables, parameters) by the library's parameter-shift rule."""
        return self._run(_numpy(x), _numpy(theta), True).gradients[0]

    def input_jacobian(self, x, theta):
        """(batch, features, observables): d<O_k>/dx_j from x_j +- pi/2, all in one run."""
        x = _numpy(x)
        batch, features = x.shape
        shifted = np.repeat(x[:, None, None, :], 2, axis=2).repeat(features, axis=1)   # (b, j, +-, f)
        idx = np.arange(features)
        shifted[:, idx, 0, idx] += math.pi / 2
        shifted[:, idx, 1, idx] -= math.pi / 2
        values = self._run(shifted.reshape(-1, features), _numpy(theta), False).values[0]
        values = values.reshape(batch, features, 2, -1)
        return (values[:, :, 0] - values[:, :, 1]) / 2

    def forward(self, x):
        squeeze = x.dim() == 1
        x2 = x[None, :] if squeeze else x
        y = _QNNFunction.apply(x2, self.theta, self)
        return y[0] if squeeze else y


def _numpy(t):
    if isinstance(t, torch.Tensor):
        t = t.detach().to(torch.float64).cpu().numpy()
    return np.ascontiguousarray(t, dtype=np.float64)
