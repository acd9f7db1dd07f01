"""_lib.py - finds and loads libtnemu.so and declares the C functions of
tnemu.h for ctypes; turns a failed status into an exception carrying the
library's message.

Not for: anything a user calls (tnemu/__init__.py wraps these functions in
numpy-friendly ones).

Where the library is looked for, in this order:
  1. the file named by the environment variable TNEMU_LIB;
  2. libtnemu.so next to this package (what `make install-python` installs);
  3. the build folder of the checkout this package sits in
     (python/../build/libtnemu.so, or $TNEMU_BUILD/libtnemu.so);
  4. the system's library path (ldconfig, LD_LIBRARY_PATH): libtnemu.so.
"""
import ctypes
import ctypes.util
import os

_HERE = os.path.dirname(os.path.abspath(__file__))
_CHECKOUT = os.path.dirname(os.path.dirname(_HERE))

TNEMU_OK = 0
TNEMU_ERR_INTERNAL = 1
TNEMU_ERR_INPUT = 2


class TnemuError(RuntimeError):
    """A failure reported by libtnemu; str() is the library's one-line message.
    status is 1 (internal, numerical, memory or write failure) or 2 (bad input)."""

    def __init__(self, message, status=TNEMU_ERR_INTERNAL):
        super().__init__(message)
        self.status = status


class TnemuInputError(TnemuError, ValueError):
    """Bad input (status 2): a malformed file, an option out of range, a bad argument."""


def _candidates():
    env = os.environ.get("TNEMU_LIB")
    if env:
        yield env
        return
    yield os.path.join(_HERE, "libtnemu.so")
    build = os.environ.get("TNEMU_BUILD", "build")
    yield os.path.join(build if os.path.isabs(build) else os.path.join(_CHECKOUT, build), "libtnemu.so")
    found = ctypes.util.find_library("tnemu")
    yield found or "libtnemu.so"


def _load():
    tried = []
    for path in _candidates():
        if os.sep in path and not os.path.exists(path):
            tried.append(path + " (absent)")
            continue
        try:
            # RTLD_GLOBAL: Open MPI loads its components as plugins that look up
            # symbols of libmpi in the global namespace.
            return ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)
        except OSError as e:
            tried.append("%s (%s)" % (path, e))
    raise TnemuError("tnemu: cannot load libtnemu.so; tried: " + "; ".join(tried) +
                     ". Build it with `make` in the checkout, install it with `make install-python`, "
                     "or name it in TNEMU_LIB.")

_c_int64_p = ctypes.POINTER(ctypes.c_int64)
_c_double_p = ctypes.POINTER(ctypes.c_double)
_vp = ctypes.c_void_p
_i64 = ctypes.c_int64
_u64 = ctypes.c_uint64
_str = ctypes.c_char_p
_int = ctypes.c_int
_dbl = ctypes.c_double

# name: (argument types); every one of these returns an int status
_STATUS_FUNCTIONS = {
    "tnemu_init": (),
    "tnemu_finalize": (),
    "tnemu_circuit_load": (_str, _str, ctypes.POINTER(_vp)),
    "tnemu_circuit_parse": (_str, _i64, _str, _str, ctypes.POINTER(_vp)),
    "tnemu_circuit_create": (_i64, _i64, ctypes.POINTER(_vp)),
    "tnemu_circuit_gate": (_vp, _str, _i64, _c_int64_p, _i64, _c_double_p),
    "tnemu_circuit_unitary": (_vp, _i64, _c_int64_p, _c_double_p),
    "tnemu_circuit_measure": (_vp, _i64, _i64),
    "tnemu_circuit_measure_all": (_vp,),
    "tnemu_circuit_reset": (_vp, _i64),
    "tnemu_circuit_info": (_vp, _c_int64_p, _c_int64_p, _c_int64_p, _c_int64_p, _c_int64_p),
    "tnemu_options_create": (ctypes.POINTER(_vp),),
    "tnemu_options_set_arg": (_vp, _str, _str),
    "tnemu_options_set_noise": (_vp, _str, _str, _dbl),
    "tnemu_options_set_seed": (_vp, _u64),
    "tnemu_options_add_observable": (_vp, _str),
    "tnemu_options_add_amplitude": (_vp, _str),
    "tnemu_options_set_probabilities": (_vp, _i64),
    "tnemu_run": (_vp, _vp, _vp, ctypes.POINTER(_vp)),
    "tnemu_result_summary": (_vp, _c_int64_p, _c_int64_p, _c_double_p, _c_double_p, _c_double_p, _c_int64_p),
    "tnemu_result_counts_size": (_vp, _c_int64_p, _c_int64_p),
    "tnemu_result_counts": (_vp, _str, _i64, _c_int64_p, _i64),
    "tnemu_result_count_errors": (_vp, _c_double_p, _i64),
    "tnemu_result_expectations": (_vp, _c_double_p, _c_double_p, _i64),
    "tnemu_result_amplitudes": (_vp, _c_double_p, _i64),
    "tnemu_result_probabilities_size": (_vp, _c_int64_p),
    "tnemu_result_probabilities": (_vp, _c_double_p, _i64),
    "tnemu_result_bond_dimensions": (_vp, _c_int64_p, _i64),
    "tnemu_result_json": (_vp, ctypes.POINTER(ctypes.c_void_p)),
    "tnemu_adapters_load": (_str, ctypes.POINTER(_vp)),
    "tnemu_adapters_parse": (_str, _str, ctypes.POINTER(_vp)),
    "tnemu_adapters_info": (_vp,) + (_c_int64_p,) * 8,
    "tnemu_adapters_set_generators": (_vp, _i64, _i64, _c_double_p),
    "tnemu_adapters_set_inputs": (_vp, _i64, _i64, _c_double_p),
    "tnemu_adapters_set_shots": (_vp, _i64),
    "tnemu_adapters_set_seed": (_vp, _u64),
    "tnemu_adapters_set_noise_scale": (_vp, _dbl),
    "tnemu_adapters_set_groups": (_vp, _i64),
    "tnemu_adapters_run": (_vp, _vp, _c_double_p, _i64, _c_double_p, _i64, _c_double_p),
    "tnemu_adapters_json": (_vp, ctypes.POINTER(ctypes.c_void_p)),
    "tnemu_qnn_load": (_str, ctypes.POINTER(_vp)),
    "tnemu_qnn_parse": (_str, _str, ctypes.POINTER(_vp)),
    "tnemu_qnn_info": (_vp,) + (_c_int64_p,) * 6,
    "tnemu_qnn_set_parameters": (_vp, _i64, _i64, _c_double_p),
    "tnemu_qnn_set_inputs": (_vp, _i64, _i64, _c_double_p),
    "tnemu_qnn_set_groups": (_vp, _i64),
    "tnemu_qnn_set_seed": (_vp, _u64),
    "tnemu_qnn_run": (_vp, _vp, _c_double_p, _i64, _c_double_p, _i64, _c_double_p, _i64),
    "tnemu_qnn_json": (_vp, ctypes.POINTER(ctypes.c_void_p)),
}

# name: (argument types); these return nothing
_VOID_FUNCTIONS = {
    "tnemu_free": (_vp,),
    "tnemu_set_quiet": (_int,),
    "tnemu_circuit_free": (ctypes.POINTER(_vp),),
    "tnemu_options_free": (ctypes.POINTER(_vp),),
    "tnemu_result_free": (ctypes.POINTER(_vp),),
    "tnemu_adapters_free": (ctypes.POINTER(_vp),),
    "tnemu_qnn_free": (ctypes.POINTER(_vp),),
}


def _declare(lib):
    for name, args in _STATUS_FUNCTIONS.items():
        f = getattr(lib, name)
        f.argtypes = list(args)
        f.restype = _int
    for name, args in _VOID_FUNCTIONS.items():
        f = getattr(lib, name)
        f.argtypes = list(args)
        f.restype = None
    lib.tnemu_version.argtypes = []
    lib.tnemu_version.restype = _str
    lib.tnemu_version_number.argtypes = []
    lib.tnemu_version_number.restype = _int
    lib.tnemu_last_error.argtypes = []
    lib.tnemu_last_error.restype = _str


class _LazyLibrary:
    """libtnemu, loaded at the first call: `import tnemu` (and the exact mode of
    tnemu.torch) works where the library is not built yet; the first call that
    needs it says where it was looked for."""

    def __init__(self):
        self._cdll = None

    def loaded(self):
        if self._cdll is None:
            cdll = _load()
            _declare(cdll)
            self._cdll = cdll
        return self._cdll

    def __getattr__(self, name):
        return getattr(self.loaded(), name)


lib = _LazyLibrary()


def last_error():
    """The library's message of the last failure on this thread ("" if none)."""
    m = lib.tnemu_last_error()
    return m.decode("utf-8", "replace") if m else ""


def check(status):
    """Raises TnemuInputError (status 2) or TnemuError (1) with the library's message."""
    if status == TNEMU_OK:
        return
    message = last_error() or "libtnemu failed with status %d" % status
    if status == TNEMU_ERR_INPUT:
        raise TnemuInputError(message, status)
    raise TnemuError(message, status)


def call(name, *args):
    """Calls the status-returning function `name` and raises on failure."""
    check(getattr(lib, name)(*args))


def take_string(pointer):
    """Copies a string the library allocated and frees it with tnemu_free."""
    try:
        return ctypes.string_at(pointer).decode("utf-8")
    finally:
        lib.tnemu_free(pointer)


def encode(s):
    return None if s is None else os.fsencode(s) if isinstance(s, os.PathLike) else str(s).encode("utf-8")
