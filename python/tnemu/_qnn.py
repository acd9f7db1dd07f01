"""_qnn.py - tnemu.qnn() and tnemu.QNN, the Python form of `tnemu qnn
SPEC.json` (docs/qnn.md): QWTHN-style layers, expectation values and their
parameter-shift gradients. A QNN object reads the spec once and runs it again
with new parameters and inputs.

Not for: the PyTorch layer (torch.py builds on this), the arithmetic (the library).
"""
import ctypes
import json
import os

import numpy as np

from ._base import Handle, doubles, int64s, lock, out
from ._lib import call, encode, take_string

_INFO_FIELDS = ("qubits", "parameters", "features", "observables", "sets", "inputs")


class QNNResult:
    """values: (sets, inputs, observables) expectation values; errors: their
    standard errors (0 without noise); gradients: (sets, inputs, observables,
    parameters) d<O_k>/d theta_j by the parameter-shift rule, or None; json:
    the object `tnemu qnn -o` writes, as a dict."""

    def __init__(self, values, errors, gradients, result_json):
        self.values, self.errors, self.gradients, self.json = values, errors, gradients, result_json


class QNN(Handle):
    """A prepared QNN layer: spec is a file name or a dict (file names in a dict
    are relative to base_dir, default the current folder)."""
    _free_name = "tnemu_qnn_free"

    def __init__(self, spec, base_dir=None):
        super().__init__()
        with lock:
            if isinstance(spec, dict):
                call("tnemu_qnn_parse", json.dumps(spec).encode(), encode(base_dir), ctypes.byref(self._h))
            else:
                call("tnemu_qnn_load", encode(os.fspath(spec)), ctypes.byref(self._h))

    def info(self):
        """{"qubits", "parameters", "features", "observables", "sets", "inputs"}."""
        v = int64s(*([0] * len(_INFO_FIELDS)))
        with lock:
            call("tnemu_qnn_info", self._ptr(), *[ctypes.byref(x) for x in v])
        return dict(zip(_INFO_FIELDS, [x.value for x in v]))

    def set_parameters(self, parameters):
        """parameters: (sets, 2 n L) angles, or one set as a vector."""
        p, pp = doubles(np.atleast_2d(parameters), "parameters", ndim=2)
        with lock:
            call("tnemu_qnn_set_parameters", self._ptr(), p.shape[0], p.shape[1], pp)
        return self

    def set_inputs(self, inputs):
        """inputs: (inputs, features) angles (feature j on qubit j mod n), or one vector."""
        x, px = doubles(np.atleast_2d(inputs), "inputs", ndim=2)
        with lock:
            call("tnemu_qnn_set_inputs", self._ptr(), x.shape[0], x.shape[1], px)
        return self

    def set(self, seed=None, groups=None):
        with lock:
            if seed is not None:
                call("tnemu_qnn_set_seed", self._ptr(), int(seed))
            if groups is not None:
                call("tnemu_qnn_set_groups", self._ptr(), int(groups))
        return self

    def run(self, gradient=False, want_json=True):
        """Runs every circuit (collective over MPI_COMM_WORLD); a QNNResult."""
        with lock:
            info = self.info()
            pairs, nobs, npar = info["sets"] * info["inputs"], info["observables"], info["parameters"]
            values, pv = out(pairs * nobs)
            errors, pe = out(pairs * nobs)
            grads, pg = out(pairs * nobs * npar if gradient else 0)
            call("tnemu_qnn_run", self._ptr(), None, pv, values.size, pe, errors.size, pg if gradient else None,
                 grads.size)
            result_json = None
            if want_json:
                text = ctypes.c_void_p()
                call("tnemu_qnn_json", self._ptr(), ctypes.byref(text))
                result_json = json.loads(take_string(text))
        shape = (info["sets"], info["inputs"], nobs)
        return QNNResult(values.reshape(shape), errors.reshape(shape),
                         grads.reshape(shape + (npar,)) if gradient else None, result_json)


def _spec_mode(spec):
    """The spec's "mode" ("expectation" when absent or unreadable here: the library reports bad specs)."""
    try:
        if not isinstance(spec, dict):
            with open(spec) as f:
                spec = json.load(f)
        return spec.get("mode", "expectation")
    except (OSError, ValueError, AttributeError):
        return "expectation"


def qnn(spec, *, parameters=None, inputs=None, gradient=None, seed=None, groups=None, base_dir=None):
    """Runs a QNN spec as `tnemu qnn SPEC.json` does; parameters and inputs
    (numpy arrays) replace the spec's; gradient None follows the spec's "mode".
    Returns a QNNResult."""
    if gradient is None:
        gradient = _spec_mode(spec) == "gradient"
    with QNN(spec, base_dir) as q:
        if parameters is not None:
            q.set_parameters(parameters)
        if inputs is not None:
            q.set_inputs(inputs)
        q.set(seed=seed, groups=groups)
        return q.run(gradient=gradient)
