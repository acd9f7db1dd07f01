"""tnemu - Python interface of libtnemu, the MPI-distributed matrix-product-state
emulator of noisy quantum circuits: numpy arrays in and out, one function per
command of the `tnemu` program:

    tnemu.run(circuit, shots=..., seed=..., noise=..., observables=[...])   # tnemu run
    tnemu.adapters(spec, generators=..., inputs=...)                        # tnemu adapters
    tnemu.qnn(spec, parameters=..., inputs=..., gradient=True)              # tnemu qnn

and the objects behind them (Circuit; Adapters and QNN, which read a spec once
and run it many times with new numbers, as a training loop does). A failure
raises TnemuError (TnemuInputError, also a ValueError, for bad input) whose
message is the library's one-line message. The PyTorch layers are in
tnemu.torch. docs/python.md describes all of it.

Not for: the arithmetic, which is all in the library (tnemu/_lib.py loads it).
Under `mpirun -n P python3 script.py` every rank runs the script and the
runs are collective over MPI_COMM_WORLD: every rank gets the same numbers.
"""
from ._lib import TnemuError, TnemuInputError, lib

__all__ = ["TnemuError", "TnemuInputError", "Circuit", "RunResult", "run", "Adapters", "AdaptersResult",
           "adapters", "QNN", "QNNResult", "qnn", "version"]


def version():
    """The library's version, "MAJOR.MINOR.PATCH"."""
    return lib.tnemu_version().decode()


from ._circuit import Circuit, RunResult, run  # noqa: E402
from ._adapters import Adapters, AdaptersResult, adapters  # noqa: E402
from ._qnn import QNN, QNNResult, qnn  # noqa: E402
