"""The seed runner, and what the chapters' results share.

A chapter's experiment is a function of a list of seeds (one batched run of the engine, or a loop
over seeds); :func:`over_seeds` runs it over many seeds, in batches, with the engine's conventions:

* a progress bar (``tqdm.auto``) over the seeds, off when ``COMPANION_PROGRESS=0``;
* interrupts: Ctrl-C keeps the batches that finished, warns (:class:`companion.engine.InterruptedRunWarning`)
  and marks the result interrupted, so that :func:`companion.engine.require_complete` refuses it;
* an optional :class:`concurrent.futures.Executor`: in-process by default, a
  :class:`~concurrent.futures.ProcessPoolExecutor` for the local cores (started with the ``spawn``
  method, :func:`companion.robustness.local_processes`: a process forked after torch has started its
  threads can hang), or a Dask cluster (``distributed.Client(...).get_executor()``, from
  :func:`companion.robustness.dask_executor`). Each batch is the same computation wherever it runs, so
  on the same kind of device with the same torch threads the results are identical seed for seed
  (``tests/test_runs.py`` checks it on a two-worker Dask cluster); the batches come back in the
  order of the seeds.

It also holds what the chapters' results have in common: results recorded at steps
(:class:`Recorded`), accuracies over masked subsets of points (:func:`masked_accuracy`), and sweeps
whose problems are laid out on a grid of configurations times seeds (:func:`on_grid`).
"""
from __future__ import annotations

import concurrent.futures
import warnings
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np

from . import engine, validate

__all__ = ["Recorded", "SeedRuns", "batches", "over_seeds", "masked_accuracy", "on_grid"]


class Recorded:
    """For results recorded at steps: they carry ``steps`` (R,) and get :meth:`index`."""

    steps: np.ndarray

    def index(self, step: int) -> int:
        """The position of a recorded ``step`` in :attr:`steps`.

        Raises
        ------
        ValueError
            If ``step`` was not recorded.
        """
        hits = np.flatnonzero(np.asarray(self.steps) == step)
        if hits.size == 0:
            raise ValueError(f"step must be one of the recorded steps {np.asarray(self.steps).tolist()}; got {step!r}")
        return int(hits[0])


def masked_accuracy(out: np.ndarray, labels: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """The share of points with ``label * out > 0``, per problem and recorded step.

    Parameters
    ----------
    out : ndarray, shape (S, R, q)
        Outputs at the recorded steps.
    labels : ndarray, shape (S, q)
    mask : ndarray of bool, shape (S, q), optional
        Only these points count. Over a problem whose mask selects no point the accuracy is 1 (every
        one of its zero points is fitted); callers report the counts beside it.

    Returns
    -------
    ndarray, shape (S, R)
    """
    correct = (out * labels[:, None, :]) > 0
    if mask is None:
        return correct.mean(axis=2)
    m = mask[:, None, :]
    count = m.sum(axis=2)
    return np.where(count > 0, (correct & m).sum(axis=2) / np.maximum(count, 1), 1.0)


def on_grid(array: np.ndarray, axes: Mapping[str, Sequence], seeds: int) -> np.ndarray:
    """The leading problem axis of a sweep's array laid out as ``(*axis sizes, seeds)``.

    A sweep trains ``problems = prod(axis sizes) * seeds`` problems in the order of
    :func:`companion.engine.grid` (the last axis fastest, the seed fastest of all).

    Parameters
    ----------
    array : ndarray, shape (problems, ...)
    axes : mapping of str to sequence
        The swept fields and their values, in order.
    seeds : int

    Returns
    -------
    ndarray, shape (*axis sizes, seeds, ...)
    """
    sizes = [len(v) for v in axes.values()]
    if array.shape[0] != int(np.prod(sizes)) * seeds:
        raise ValueError(f"array has {array.shape[0]} problems; the grid {sizes} times {seeds} seeds has "
                         f"{int(np.prod(sizes)) * seeds}")
    return array.reshape(*sizes, seeds, *array.shape[1:])


def batches(seeds: Sequence[int], batch: int | None = None, min_seeds: int = 1,
            pooled: bool = False) -> tuple[list[list[int]], list[int]]:
    """Split seeds into the consecutive batches that one run each takes.

    Parameters
    ----------
    seeds : sequence of int
    batch : int or None
        Seeds per batch; None: one batch of all the seeds.
    min_seeds : int
        The fewest seeds a batch may hold.
    pooled : bool
        Batches of exactly ``batch`` seeds (a claim pooled over a batch is about that many seeds); the
        seeds left over are not run. Otherwise a last batch with fewer than ``min_seeds`` seeds joins
        the one before it.

    Returns
    -------
    runs : list of list of int
    left_out : list of int
        Seeds in no batch (pooled only).

    Raises
    ------
    ValueError
        When the seeds cannot fill one batch of ``min_seeds`` (or of ``batch`` when pooled).
    """
    seeds = validate.seeds(seeds)
    min_seeds = validate.integer("min_seeds", min_seeds, 1)
    size = len(seeds) if batch is None else validate.integer("batch", batch, 1)
    need = max(min_seeds, size if pooled else min_seeds)
    if len(seeds) < need:
        raise ValueError(f"seeds must number at least {need} here; got {len(seeds)}")
    runs = [seeds[i:i + size] for i in range(0, len(seeds), size)]
    left_out: list[int] = []
    if pooled and len(runs[-1]) < size:
        left_out = runs.pop()
    elif len(runs) > 1 and len(runs[-1]) < min_seeds:
        runs[-2].extend(runs.pop())
    return runs, left_out


@dataclass
class SeedRuns:
    """What :func:`over_seeds` ran.

    Attributes
    ----------
    runs : list of list of int
        The batches of seeds that finished, in the order of the seeds.
    results : list
        The experiment's result for each of them.
    planned : list of list of int
        Every batch that was asked for.
    interrupted : bool
        True when a KeyboardInterrupt stopped the runs before every batch finished.
    """

    runs: list
    results: list
    planned: list
    interrupted: bool = False

    unit = "seed batch"

    @property
    def seeds(self) -> list[int]:
        """The seeds whose batch finished, in order."""
        return [s for run in self.runs for s in run]

    @property
    def planned_steps(self) -> int:
        """The number of batches asked for (what :func:`companion.engine.require_complete` reports)."""
        return len(self.planned)

    @property
    def interrupted_at(self) -> int | None:
        """The number of batches that finished, when interrupted; None otherwise."""
        return len(self.runs) if self.interrupted else None


def over_seeds(experiment: Callable[[list[int]], object], seeds: Sequence[int], batch: int | None = None,
               min_seeds: int = 1, pooled: bool = False, executor: concurrent.futures.Executor | None = None,
               progress: bool | None = None, desc: str = "seeds") -> SeedRuns:
    """Run ``experiment`` on batches of seeds: in this process, or on an executor.

    Parameters
    ----------
    experiment : callable
        ``experiment(seeds) -> result`` for a list of seeds. With an executor it and its result must
        pickle. Local processes (:class:`~concurrent.futures.ProcessPoolExecutor`) take a module-level
        function of an importable module, or a :func:`functools.partial` of one: not a function defined
        in a notebook, nor a lambda. A Dask executor (:func:`companion.robustness.dask_executor`) sends
        a function defined in a notebook (or a closure, a lambda) by value with cloudpickle, together
        with the globals it uses, which must pickle too (no open files, locks or live GPU tensors; a
        large array is sent with every batch); a module's function is sent by name, so its module (the
        ``companion`` package, for one) must be installed where the workers run.
    seeds : sequence of int
        Distinct seeds >= 0.
    batch, min_seeds, pooled
        How the seeds are split (:func:`batches`).
    executor : concurrent.futures.Executor, optional
        Where to run the batches (default: here, one after the other): local processes
        (:func:`companion.robustness.local_processes`), a Dask cluster
        (:func:`companion.robustness.dask_executor`), or any other.
    progress : bool or None
        A progress bar over the seeds: True always, False never, None when the work takes more than
        2 s (see :func:`companion.engine.progress_bar`).
    desc : str
        The progress bar's label.

    Returns
    -------
    SeedRuns
        If a KeyboardInterrupt stops the runs, the batches that finished, marked interrupted, and an
        :class:`companion.engine.InterruptedRunWarning` is issued.
    """
    if not callable(experiment):
        raise ValueError(f"experiment must be callable; got {type(experiment).__name__}")
    if executor is not None and not isinstance(executor, concurrent.futures.Executor):
        raise ValueError(f"executor must be a concurrent.futures.Executor or None; got {type(executor).__name__}")
    planned, _ = batches(seeds, batch, min_seeds, pooled)
    done: dict[int, object] = {}
    bar = engine.progress_bar(sum(len(b) for b in planned), progress, desc)
    interrupted = False
    futures: dict = {}
    try:
        if executor is None:
            for i, run in enumerate(planned):
                done[i] = experiment(list(run))
                bar.update(len(run))
        else:
            futures = {executor.submit(experiment, list(run)): i for i, run in enumerate(planned)}
            for future in concurrent.futures.as_completed(futures):
                i = futures[future]
                done[i] = future.result()
                bar.update(len(planned[i]))
    except KeyboardInterrupt:
        interrupted = True
        for future in futures:
            future.cancel()
    except BaseException:                 # a failed batch: the others are not waited for
        for future in futures:
            future.cancel()
        raise
    finally:
        bar.close()
    order = sorted(done)
    if interrupted:
        warnings.warn(f"the seed runs were interrupted after {len(order)} of {len(planned)} batches; the result "
                      "holds the batches that finished and is marked interrupted", engine.InterruptedRunWarning,
                      stacklevel=2)
    return SeedRuns(runs=[planned[i] for i in order], results=[done[i] for i in order], planned=planned,
                    interrupted=interrupted)
