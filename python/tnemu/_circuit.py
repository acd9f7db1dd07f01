"""_circuit.py - circuits (read, parsed or built gate by gate) and
tnemu.run(), the Python form of `tnemu run`: options in, a RunResult with
numpy arrays out.

Not for: adapters and QNN layers (_adapters.py, _qnn.py).
"""
import ctypes
import json
import os

import numpy as np

from ._base import Handle, doubles, int64s, lock, out
from ._lib import call, encode, lib, take_string

_i64 = ctypes.c_int64
_vp = ctypes.c_void_p


# ---- circuits ------------------------------------------------------------------

class Circuit(Handle):
    """A circuit: Circuit.load(path), Circuit.parse(text), or built gate by gate
    from Circuit(nqubits, nclbits)."""
    _free_name = "tnemu_circuit_free"

    def __init__(self, nqubits=None, nclbits=0):
        super().__init__()
        if nqubits is not None:
            with lock:
                call("tnemu_circuit_create", int(nqubits), int(nclbits), ctypes.byref(self._h))

    @classmethod
    def load(cls, path, format=None):
        """Reads OpenQASM 2/3 or OriginIR (format "qasm", "originir", or None: by the name)."""
        c = cls()
        with lock:
            call("tnemu_circuit_load", encode(os.fspath(path)), encode(format), ctypes.byref(c._h))
        return c

    @classmethod
    def parse(cls, text, name=None, format=None):
        """Parses circuit text; name appears in error messages."""
        c = cls()
        data = text.encode("utf-8")
        with lock:
            call("tnemu_circuit_parse", data, len(data), encode(name), encode(format), ctypes.byref(c._h))
        return c

    def gate(self, name, qubits, params=()):
        q = np.ascontiguousarray(qubits, dtype=np.int64)
        p, pp = doubles(params if len(params) else [0.0], "params")
        with lock:
            call("tnemu_circuit_gate", self._ptr(), encode(name), q.size, q.ctypes.data_as(ctypes.POINTER(_i64)),
                 len(params), pp)
        return self

    def unitary(self, qubits, matrix):
        """A dense 2^k x 2^k unitary on k qubits (qubits[0] the most significant bit)."""
        q = np.ascontiguousarray(qubits, dtype=np.int64)
        m = np.ascontiguousarray(matrix, dtype=np.complex128)
        mm, pm = doubles(m.view(np.float64), "matrix")
        with lock:
            call("tnemu_circuit_unitary", self._ptr(), q.size, q.ctypes.data_as(ctypes.POINTER(_i64)), pm)
        return self

    def measure(self, qubit, clbit):
        with lock:
            call("tnemu_circuit_measure", self._ptr(), int(qubit), int(clbit))
        return self

    def measure_all(self):
        with lock:
            call("tnemu_circuit_measure_all", self._ptr())
        return self

    def reset(self, qubit):
        with lock:
            call("tnemu_circuit_reset", self._ptr(), int(qubit))
        return self

    def info(self):
        """{"qubits", "clbits", "operations", "depth", "dynamic"}."""
        v = int64s(0, 0, 0, 0, 0)
        with lock:
            call("tnemu_circuit_info", self._ptr(), *[ctypes.byref(x) for x in v])
        return dict(zip(("qubits", "clbits", "operations", "depth", "dynamic"), [x.value for x in v]))


# ---- tnemu run -------------------------------------------------------------------

class RunResult:
    """What `tnemu run` computes: counts {bitstring: n} (classical bit 0 rightmost),
    count_errors, expectations and expectation_errors (in the order asked),
    amplitudes (complex), probabilities (when asked), fidelity, log_fidelity,
    discarded_weight, max_bond, bond_dimensions, shots, nqubits, and json: the
    result object `tnemu run -o` writes, as a dict."""

    def __init__(self, handle, n_observables, n_amplitudes):
        nq, shots, mb = int64s(0, 0, 0)
        fid, logf, dw = ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
        call("tnemu_result_summary", handle, ctypes.byref(nq), ctypes.byref(shots), ctypes.byref(fid),
             ctypes.byref(logf), ctypes.byref(dw), ctypes.byref(mb))
        self.nqubits, self.shots, self.max_bond = nq.value, shots.value, mb.value
        self.fidelity, self.log_fidelity, self.discarded_weight = fid.value, logf.value, dw.value
        self.counts, self.count_errors = self._counts(handle)
        values, pv = out(n_observables)
        errors, pe = out(n_observables)
        if n_observables:
            call("tnemu_result_expectations", handle, pv, pe, n_observables)
        self.expectations, self.expectation_errors = values, errors
        amps, pa = out(2 * n_amplitudes)
        if n_amplitudes:
            call("tnemu_result_amplitudes", handle, pa, n_amplitudes)
        self.amplitudes = amps.view(np.complex128)
        n = _i64()
        call("tnemu_result_probabilities_size", handle, ctypes.byref(n))
        self.probabilities = None
        if n.value:
            self.probabilities, pp = out(n.value)
            call("tnemu_result_probabilities", handle, pp, n.value)
        self.bond_dimensions = np.zeros(max(self.nqubits - 1, 0), dtype=np.int64)
        if self.bond_dimensions.size:
            call("tnemu_result_bond_dimensions", handle, self.bond_dimensions.ctypes.data_as(ctypes.POINTER(_i64)),
                 self.bond_dimensions.size)
        text = ctypes.c_void_p()
        call("tnemu_result_json", handle, ctypes.byref(text))
        self.json = json.loads(take_string(text))

    @staticmethod
    def _counts(handle):
        n, width = _i64(), _i64()
        call("tnemu_result_counts_size", handle, ctypes.byref(n), ctypes.byref(width))
        if n.value == 0:
            return {}, {}
        stride = width.value + 1
        keys = ctypes.create_string_buffer(n.value * stride)
        counts = np.zeros(n.value, dtype=np.int64)
        call("tnemu_result_counts", handle, keys, n.value * stride, counts.ctypes.data_as(ctypes.POINTER(_i64)), n.value)
        errors, pe = out(n.value)
        call("tnemu_result_count_errors", handle, pe, n.value)
        raw = keys.raw
        names = [raw[i * stride:i * stride + width.value].decode() for i in range(n.value)]
        return dict(zip(names, counts.tolist())), dict(zip(names, errors.tolist()))


# Keyword arguments of run() and the `tnemu run` options they stand for.
_RUN_OPTIONS = {"shots": "--shots", "seed": "--seed", "chi": "--chi", "cutoff": "--cutoff", "order": "--order",
                "noise": "--noise", "noise_scale": "--noise-scale", "trajectories": "--trajectories",
                "groups": "--groups", "t2": "--t2", "canonical": "--canonical"}


def run(circuit, *, observables=(), amplitudes=(), probabilities=False, options=None, **kwargs):
    """Emulates a circuit as `tnemu run` does and returns a RunResult.

    circuit: a Circuit, or a file name (OpenQASM 2/3, OriginIR by its extension).
    Keywords: shots, seed (default 1, not the clock), chi, cutoff, order, noise
    (a calibration file), noise_scale, trajectories, groups, t2, canonical;
    observables (Pauli strings like "Z0 Z1"), amplitudes (bitstrings, qubit 0
    rightmost), probabilities=True; options: any other `tnemu run` options as
    {"--name": "value"} (None for a flag). Values are checked by the command's
    own parser, so errors read as the command's."""
    if not isinstance(circuit, Circuit):
        circuit = Circuit.load(circuit)
    args = []
    for key, value in kwargs.items():
        if key not in _RUN_OPTIONS:
            raise TypeError("tnemu.run() got an unexpected keyword argument %r (valid: %s)" %
                            (key, ", ".join(sorted(_RUN_OPTIONS))))
        if value is not None:
            args.append((_RUN_OPTIONS[key], value))
    args += list((options or {}).items())
    observables, amplitudes = list(observables), list(amplitudes)
    with lock:
        opts, res = _vp(), _vp()
        call("tnemu_options_create", ctypes.byref(opts))
        try:
            for name, value in args:
                call("tnemu_options_set_arg", opts, encode(name), None if value is None else encode(value))
            for o in observables:
                call("tnemu_options_add_observable", opts, encode(o))
            for a in amplitudes:
                call("tnemu_options_add_amplitude", opts, encode(a))
            if probabilities:
                call("tnemu_options_set_probabilities", opts, 1)
            call("tnemu_run", circuit._ptr(), opts, None, ctypes.byref(res))
            return RunResult(res, len(observables), len(amplitudes))
        finally:
            lib.tnemu_result_free(ctypes.byref(res))
            lib.tnemu_options_free(ctypes.byref(opts))
