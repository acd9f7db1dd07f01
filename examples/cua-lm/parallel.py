"""parallel.py - what the experiment needs to run as P MPI ranks (srun -n P,
mpirun -n P): every rank runs the script, libtnemu farms each batch of
adapter circuits over all of them; training happens on rank 0 alone and its
weights are broadcast (python3-mpi4py), so every rank sends the same numbers
into the collective runs. With one process none of this is used.

Not for: the experiment itself (cua_lm.py).
"""
import os
import sys

_ENV_SIZES = ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "SLURM_NTASKS")


def _launched_size():
    for name in _ENV_SIZES:
        if os.environ.get(name, "").isdigit():
            return int(os.environ[name])
    return 1


_comm = None
if _launched_size() > 1:
    try:
        from mpi4py import MPI
    except ImportError:
        raise SystemExit("cua-lm: running on several ranks needs python3-mpi4py (apt-get install python3-mpi4py)")
    _comm = MPI.COMM_WORLD


def rank():
    return _comm.Get_rank() if _comm else 0


def size():
    return _comm.Get_size() if _comm else 1


def say(message):
    if rank() == 0:
        print("cua-lm: " + message, file=sys.stderr, flush=True)


def train_on_rank0(model, train):
    """Runs train() on rank 0 and gives every rank its weights; returns train()'s value."""
    if _comm is None:
        return train()
    value = train() if rank() == 0 else None
    state = _comm.bcast(model.state_dict() if rank() == 0 else None, root=0)
    model.load_state_dict(state)
    return _comm.bcast(value, root=0)
