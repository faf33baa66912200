"""IPython startup file for the test run: the student versions replay the chapters' experiments.

A student version is its chapter without the solutions (``companion.course``): the same experiment
cells, the same exercise cells. To prove that it runs, every one of its cells is executed, in order,
in a fresh kernel; what need not be repeated is the book-scale computation inside the experiment
calls, which the chapter's execution in the same test run has just done with the same arguments.

``COMPANION_REPLAY=record:FOLDER`` (the chapter's kernel) wraps every function that the chapter
packages export (``companion.xor``, ``companion.attention``, ...), except their figures, explorers
and exercise checks, and stores the result of each call that takes longer than
:data:`SLOWER_THAN` seconds, keyed by the function and the pickled arguments.
``COMPANION_REPLAY=replay:FOLDER`` (the student version's kernel) returns the stored result of a
call with exactly the same function and arguments, and runs every other call for real. A student
version whose code differs from its chapter's (a variable a removed solution used to set, an
argument that changed) therefore runs that experiment itself; figures, explorers and the exercise
checks always run. The experiments are deterministic given their arguments (each chapter's tests
check it), so a replayed result is the result the call would compute. Arguments or results that do
not pickle are never stored.
"""
import functools
import hashlib
import io
import os
import pickle
import time

SLOWER_THAN = 1.0
"""Seconds: a call that ends sooner is not stored (replaying it would save nothing)."""

SKIPPED = ("figures", "explorer", "checks")
"""Role modules whose functions always run: what the student sees and the feedback they get."""


class _KeyPickler(pickle.Pickler):
    """Pickles a torch tensor by its dtype, shape, device and values: torch's own pickle of a tensor
    differs from one process to the next (so a student version would never find its chapter's calls
    that take tensors), and two tensors with equal values are the same argument. Used without a memo
    (``fast``), so that an argument built from replayed results (separate objects) has the key of the
    same argument built in the chapter (where equal values may be one shared object)."""

    def reducer_override(self, obj):
        if type(obj).__module__.split(".")[0] == "torch" and hasattr(obj, "untyped_storage"):
            import torch            # already imported: the argument is one of its tensors
            data = obj.detach().cpu().contiguous()
            return tuple, (("torch.Tensor", str(data.dtype), tuple(data.shape), str(obj.device),
                            bool(obj.requires_grad), data.view(-1).view(torch.uint8).numpy().tobytes()),)
        return NotImplemented


def _key(function, args, kwargs) -> str | None:
    buffer = io.BytesIO()
    pickler = _KeyPickler(buffer, protocol=5)
    pickler.fast = True             # no memo: the key depends on the values, not on which objects are shared
    try:
        pickler.dump((function.__module__, function.__qualname__, args, sorted(kwargs.items())))
    except Exception:               # an argument that does not pickle: never stored, never replayed
        return None
    return hashlib.sha256(buffer.getvalue()).hexdigest()


def _wrap(function, mode: str, folder: str):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        key = _key(function, args, kwargs)
        path = os.path.join(folder, f"{key}.pkl") if key else None
        if mode == "replay" and path and os.path.exists(path):
            with open(path, "rb") as stored:
                return pickle.load(stored)
        start = time.perf_counter()
        result = function(*args, **kwargs)
        if mode == "record" and path and time.perf_counter() - start > SLOWER_THAN:
            try:
                blob = pickle.dumps(result, protocol=5)
            except Exception:       # a result that does not pickle is not stored
                return result
            with open(path + ".part", "wb") as out:
                out.write(blob)
            os.replace(path + ".part", path)
        return result
    return wrapper


def _wrap_imported(mode: str, folder: str, done: set) -> None:
    """Wrap the exports of every chapter package the notebook has imported so far (once each)."""
    import inspect
    import sys

    for name, package in list(sys.modules.items()):
        if name.count(".") == 1 and name.startswith("companion.") and name not in done \
                and name.split(".")[1] in _chapters():
            done.add(name)
            for export in getattr(package, "__all__", []):
                value = getattr(package, export)
                if inspect.isfunction(value) and value.__module__.rsplit(".", 1)[-1] not in SKIPPED:
                    setattr(package, export, _wrap(value, mode, folder))


def _chapters() -> tuple:
    from companion import robustness
    return robustness.CHAPTERS


def _install() -> None:
    """Read ``COMPANION_REPLAY`` and, in a kernel, wrap each chapter package when the notebook imports
    it (checked before and after every cell; nothing is imported here, so the kernel starts as fast
    as without this file)."""
    setting = os.environ.get("COMPANION_REPLAY", "")
    if not setting:
        return
    mode, _, folder = setting.partition(":")
    if mode not in ("record", "replay") or not folder:
        raise ValueError(f"COMPANION_REPLAY must be 'record:FOLDER' or 'replay:FOLDER'; got {setting!r}")
    os.makedirs(folder, exist_ok=True)
    try:
        shell = get_ipython()   # noqa: F821 (defined in a kernel)
    except NameError:           # not in IPython: nothing to wrap
        return
    done: set = set()
    shell.events.register("pre_run_cell", lambda *_: _wrap_imported(mode, folder, done))
    shell.events.register("post_run_cell", lambda *_: _wrap_imported(mode, folder, done))


_install()
