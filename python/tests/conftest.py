"""conftest.py - what the tests of the Python package share: the checkout,
the tnemu command under test (TNEMU_BUILD, as the TAP tests use it), running
it, and the shared data folder (tests that need it skip without it).

Not for: tests (test_*.py).
"""
import json
import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def cli_path():
    build = os.environ.get("TNEMU_BUILD", "build")
    exe = os.path.join(ROOT, build, "tnemu")
    return exe if os.access(exe, os.X_OK) else os.path.join(ROOT, "bin", "tnemu")


def run_cli(*args, cwd=None):
    """(exit status, stdout, stderr) of the tnemu command."""
    p = subprocess.run([cli_path()] + [str(a) for a in args], capture_output=True, text=True, cwd=cwd,
                       stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout, p.stderr


def cli_json(*args):
    """Runs the command with -o FILE and returns the result object."""
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "out.json")
        status, _, err = run_cli(*args, "-q", "-o", out)
        assert status == 0, err
        with open(out) as f:
            return json.load(f)


@pytest.fixture
def shared_data():
    d = os.environ.get("TNEMU_SHARED_DATA", os.path.join(ROOT, "..", "shared", "data"))
    if not os.path.isdir(d):
        pytest.skip("the shared data folder %s is absent" % d)
    return os.path.abspath(d)


def example(*parts):
    return os.path.join(ROOT, "examples", *parts)
