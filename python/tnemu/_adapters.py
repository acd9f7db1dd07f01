"""_adapters.py - tnemu.adapters() and tnemu.Adapters, the Python form of
`tnemu adapters SPEC.json` (docs/adapters.md): Cayley unitary adapter blocks
emulated on a device. An Adapters object reads the spec once (device, noise
model, block placement) and runs it again with new generators and inputs, as
a training or evaluation loop does.

Not for: the PyTorch layer (torch.py builds on this), the arithmetic (the library).
"""
import ctypes
import json
import os

import numpy as np

from ._base import Handle, doubles, int64s, lock, out
from ._lib import call, encode, take_string

_INFO_FIELDS = ("block_qubits", "d", "complex_generators", "generators", "inputs", "input_length",
                "blocks_per_circuit", "circuits")


class AdaptersResult:
    """outputs: (inputs, input_length) reconstructed vectors (complex for complex
    generators); errors: (inputs, pieces) relative errors |y - U x| / |U x|;
    mean_error; json: the object `tnemu adapters -o` writes, as a dict."""

    def __init__(self, outputs, errors, mean_error, result_json):
        self.outputs, self.errors, self.mean_error, self.json = outputs, errors, mean_error, result_json


class Adapters(Handle):
    """A prepared adapter experiment: spec is a file name or a dict (file names in
    a dict are relative to base_dir, default the current folder). The spec must
    name generators and inputs; set_generators and set_inputs replace them."""
    _free_name = "tnemu_adapters_free"

    def __init__(self, spec, base_dir=None):
        super().__init__()
        with lock:
            if isinstance(spec, dict):
                call("tnemu_adapters_parse", json.dumps(spec).encode(), encode(base_dir), ctypes.byref(self._h))
            else:
                call("tnemu_adapters_load", encode(os.fspath(spec)), ctypes.byref(self._h))

    def info(self):
        """{"block_qubits", "d", "complex_generators", "generators", "inputs",
        "input_length", "blocks_per_circuit", "circuits"}."""
        v = int64s(*([0] * len(_INFO_FIELDS)))
        with lock:
            call("tnemu_adapters_info", self._ptr(), *[ctypes.byref(x) for x in v])
        return dict(zip(_INFO_FIELDS, [x.value for x in v]))

    def set_generators(self, generators):
        """generators: (n, numbers) with n = 1 (shared) or one per piece; each row the
        d(d-1)/2 entries above the diagonal of K row by row (real), or those as
        (re, im) pairs then the d imaginary diagonal entries (complex)."""
        g, p = doubles(generators, "generators", ndim=2)
        with lock:
            call("tnemu_adapters_set_generators", self._ptr(), g.shape[0], g.shape[1], p)
        return self

    def set_inputs(self, inputs):
        """inputs: (n, length) vectors, length a multiple of d = 2^k."""
        x, p = doubles(inputs, "inputs", ndim=2)
        with lock:
            call("tnemu_adapters_set_inputs", self._ptr(), x.shape[0], x.shape[1], p)
        return self

    def set(self, shots=None, seed=None, noise_scale=None, groups=None):
        """Overrides of the spec's shots, seed, noise scale (0: noiseless) and MPI groups."""
        with lock:
            if shots is not None:
                call("tnemu_adapters_set_shots", self._ptr(), int(shots))
            if seed is not None:
                call("tnemu_adapters_set_seed", self._ptr(), int(seed))
            if noise_scale is not None:
                call("tnemu_adapters_set_noise_scale", self._ptr(), float(noise_scale))
            if groups is not None:
                call("tnemu_adapters_set_groups", self._ptr(), int(groups))
        return self

    def run(self, want_json=True):
        """Runs every circuit (collective over MPI_COMM_WORLD); an AdaptersResult."""
        with lock:
            info = self.info()
            d, n, length = info["d"], info["inputs"], info["input_length"]
            width = 2 if info["complex_generators"] else 1
            outputs, po = out(n * length * width)
            pieces = length // d
            errors, pe = out(n * pieces)
            mean = ctypes.c_double()
            call("tnemu_adapters_run", self._ptr(), None, po, outputs.size, pe, errors.size, ctypes.byref(mean))
            result_json = None
            if want_json:
                text = ctypes.c_void_p()
                call("tnemu_adapters_json", self._ptr(), ctypes.byref(text))
                result_json = json.loads(take_string(text))
        outputs = outputs.reshape(n, length, width)
        outputs = outputs[..., 0] + 1j * outputs[..., 1] if width == 2 else outputs[..., 0]
        return AdaptersResult(outputs, errors.reshape(n, pieces), mean.value, result_json)


def adapters(spec, *, generators=None, inputs=None, shots=None, seed=None, noise_scale=None, groups=None,
             base_dir=None):
    """Runs an adapter spec as `tnemu adapters SPEC.json` does; generators and
    inputs (numpy arrays) replace the spec's, the keywords its other fields.
    Returns an AdaptersResult."""
    if generators is not None and np.ndim(generators) == 1:
        generators = np.asarray(generators)[None, :]
    if inputs is not None and np.ndim(inputs) == 1:
        inputs = np.asarray(inputs)[None, :]
    with Adapters(spec, base_dir) as a:
        if inputs is not None:
            a.set_inputs(inputs)
        if generators is not None:
            a.set_generators(generators)
        a.set(shots=shots, seed=seed, noise_scale=noise_scale, groups=groups)
        return a.run()

