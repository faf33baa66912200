"""Where batches of seeds run: this process, local processes, or a Dask cluster.

:func:`local_processes` starts local worker processes; :func:`dask_executor` connects to (or starts)
a Dask cluster and yields its :class:`concurrent.futures.Executor`; :func:`executor_line` says in
words where a run's batches ran, for the records. :mod:`companion.robustness` and
:func:`companion.runs.over_seeds` take any of them.
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import multiprocessing
from typing import Iterator

import torch

from . import validate

__all__ = ["DASK_MISSING", "local_processes", "dask_executor", "executor_line"]


def local_processes(workers: int) -> concurrent.futures.ProcessPoolExecutor:
    """An executor of ``workers`` local processes, started fresh (``spawn``), not forked: a process forked
    after torch has started its thread pool can hang.

    Parameters
    ----------
    workers : int

    Returns
    -------
    concurrent.futures.ProcessPoolExecutor
    """
    workers = validate.integer("workers", workers, 1)
    return concurrent.futures.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))


DASK_MISSING = ("the Dask executor needs the optional packages dask and distributed: python -m pip install dask "
                "distributed (requirements.txt pins the versions tested)")
"""The message of the error :func:`dask_executor` raises where Dask is not installed."""


def _torch_threads(threads: int) -> None:
    """Set torch's thread count in the process that calls it (run on each Dask worker as it joins)."""
    torch.set_num_threads(threads)


@contextlib.contextmanager
def dask_executor(address: str | None = None, workers: int | None = None,
                  torch_threads: int | None = None) -> Iterator[concurrent.futures.Executor]:
    """A Dask cluster's :class:`concurrent.futures.Executor`, closed (with the cluster it started) on exit.

    For :func:`judge` and :func:`companion.runs.over_seeds` (``executor=``); the command line's
    ``--dask``. Needs the optional packages ``dask`` and ``distributed`` (imported here, not when
    ``companion`` is). Every worker must be able to import ``companion`` (installed where it runs).

    Parameters
    ----------
    address : str, optional
        None: start a local cluster, ``distributed.LocalCluster(n_workers=workers, threads_per_worker=1,
        processes=True)``, without a dashboard (nor a fixed port), and with glibc's own memory trimming
        in the workers: Dask's ``MALLOC_TRIM_THRESHOLD_`` makes the training loops a fifth to a half
        slower (set ``distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_: null`` in the Dask
        configuration of other workers for the same). Otherwise a running scheduler: its address
        (``"tcp://host:8786"``) or the JSON scheduler file it wrote (``dask scheduler --scheduler-file``),
        for any Dask deployment (dask-jobqueue's ``SLURMCluster.scheduler_address``, ...).
    workers : int, optional
        The local cluster's number of worker processes (default 2); with ``address``, wait (without a
        time limit) until this many workers have joined before returning (default: do not wait).
    torch_threads : int, optional
        ``torch.set_num_threads(torch_threads)`` in every worker, now and as new ones join. Default: 1
        on the local cluster (its workers share this machine); with ``address`` leave the workers as
        they start (Dask's nanny starts them with ``OMP_NUM_THREADS=1``; CPU-only workers of C cores
        each want C; with one GPU per worker one thread is fine).

    Yields
    ------
    concurrent.futures.Executor
        ``distributed.Client(...).get_executor(pure=False)``: every submit runs (Dask would otherwise
        hand back a result it holds for the same function and arguments). What it runs must pickle:
        Dask sends a function defined in a notebook by value (cloudpickle), a module's function by name.

    Raises
    ------
    ModuleNotFoundError
        If ``distributed`` is not installed (the message says what to install).
    OSError
        If the scheduler at ``address`` cannot be reached.

    Examples
    --------
    >>> with dask_executor(workers=2) as pool:                                   # doctest: +SKIP
    ...     result = judge("xor", range(1000, 1030), executor=pool)
    >>> with dask_executor("tcp://10.0.0.5:8786", workers=4) as pool:             # doctest: +SKIP
    ...     done = runs.over_seeds(experiment, range(100), batch=10, executor=pool)
    """
    try:
        import dask
        import distributed
    except ImportError as error:
        raise ModuleNotFoundError(DASK_MISSING, name="distributed") from error
    if workers is not None:
        workers = validate.integer("workers", workers, 1)
    if torch_threads is not None:
        torch_threads = validate.integer("torch_threads", torch_threads, 1)
    if address is not None and (not isinstance(address, str) or not address):
        raise ValueError(f"address must be None or a scheduler's address or scheduler file; got {address!r}")
    with contextlib.ExitStack() as stack:
        if address is None:
            # glibc's defaults in the workers: Dask's MALLOC_TRIM_THRESHOLD_ hands every large temporary
            # array back to the system, which slows the training loops by a fifth to a half
            with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
                cluster = stack.enter_context(distributed.LocalCluster(     # no dashboard; its HTTP server on
                    n_workers=workers or 2, threads_per_worker=1, processes=True,   # a free port, not on 8787
                    dashboard_address=None, scheduler_kwargs={"dashboard_address": ":0"}))
            client = stack.enter_context(distributed.Client(cluster))
            torch_threads = torch_threads or 1
        elif address.endswith(".json"):           # a scheduler file (Dask waits a while for it to appear)
            client = stack.enter_context(distributed.Client(scheduler_file=address))
        else:
            client = stack.enter_context(distributed.Client(address))
        if torch_threads is not None:
            client.register_worker_callbacks(functools.partial(_torch_threads, torch_threads))
        if address is not None and workers is not None:
            client.wait_for_workers(workers)
        yield client.get_executor(pure=False)         # every submit runs, as concurrent.futures promises


def executor_line(executor: concurrent.futures.Executor | None) -> str:
    """Where the batches ran, in words: ``"this process"``, ``"2 local processes"``,
    ``"dask: 2 workers (1 thread each) at tcp://127.0.0.1:40427"``, or the executor's class.

    Parameters
    ----------
    executor : concurrent.futures.Executor or None

    Returns
    -------
    str
    """
    if executor is None:
        return "this process"
    if isinstance(executor, concurrent.futures.ProcessPoolExecutor):
        return f"{getattr(executor, '_max_workers', '?')} local processes"
    if isinstance(executor, concurrent.futures.ThreadPoolExecutor):
        return f"{getattr(executor, '_max_workers', '?')} threads"
    client = getattr(executor, "_client", None)       # distributed's ClientExecutor keeps its Client there
    if type(executor).__module__.split(".")[0] == "distributed" and client is not None:
        try:
            threads = [w.get("nthreads", 0) for w in client.scheduler_info()["workers"].values()]
            address = client.scheduler.address
        except Exception as error:                   # a closed client: say so rather than fail the record
            return f"dask (its scheduler did not answer: {type(error).__name__})"
        each = (f"{threads[0]} thread{'' if threads[0] == 1 else 's'} each" if len(set(threads)) == 1
                else f"{sum(threads)} threads in all")
        return f"dask: {len(threads)} worker{'' if len(threads) == 1 else 's'} ({each}) at {address}"
    return type(executor).__name__
