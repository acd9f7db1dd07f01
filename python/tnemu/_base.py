"""_base.py - what the wrappers of libtnemu share: the lock that keeps calls
to one thread at a time (tnemu.h asks it), numpy <-> C array helpers, and
the base class of objects that own a library handle.

Not for: any particular command (_circuit.py, _adapters.py, _qnn.py).
"""
import ctypes
import threading

import numpy as np

from ._lib import TnemuError, TnemuInputError, lib

# libtnemu is called from one thread at a time (tnemu.h).
lock = threading.RLock()


def doubles(a, name, ndim=None):
    """a as a C-contiguous float64 array (a copy when needed) and its pointer."""
    arr = np.ascontiguousarray(a, dtype=np.float64)
    if ndim is not None and arr.ndim != ndim:
        raise TnemuInputError("%s: expected a %d-dimensional array, got shape %s" % (name, ndim, arr.shape), 2)
    return arr, arr.ctypes.data_as(ctypes.POINTER(ctypes.c_double))


def out(n):
    arr = np.zeros(int(n), dtype=np.float64)
    return arr, arr.ctypes.data_as(ctypes.POINTER(ctypes.c_double))


def int64s(*values):
    return [ctypes.c_int64(v) for v in values]


class Handle:
    """An opaque library handle freed by `free_name` when the object goes."""
    _free_name = None

    def __init__(self):
        self._h = ctypes.c_void_p()

    def _ptr(self):
        if not self._h:
            raise TnemuError("tnemu: this object was closed", 1)
        return self._h

    def close(self):
        if getattr(self, "_h", None):
            getattr(lib, self._free_name)(ctypes.byref(self._h))

    def __del__(self):
        try:
            self.close()
        except Exception:   # interpreter shutdown: the library may be gone already
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
