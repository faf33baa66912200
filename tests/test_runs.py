"""The seed runner: batches, order, interrupts and executors; and what the chapters' results share."""
import concurrent.futures
import dataclasses
import functools

import numpy as np
import pytest
import torch

from companion import engine, runs


def _square(seeds, offset=0):
    return [s * s + offset for s in seeds]


def test_batches_split_merge_and_pool():
    assert runs.batches(range(7), 3) == ([[0, 1, 2], [3, 4, 5], [6]], [])
    assert runs.batches(range(7), 3, min_seeds=2) == ([[0, 1, 2], [3, 4, 5, 6]], [])      # a short tail joins
    assert runs.batches(range(7), 3, min_seeds=3, pooled=True) == ([[0, 1, 2], [3, 4, 5]], [6])   # or is left out
    assert runs.batches([4, 2, 9], None) == ([[4, 2, 9]], [])
    with pytest.raises(ValueError, match="seeds must number at least 10 here; got 7"):
        runs.batches(range(7), 10, min_seeds=10, pooled=True)
    with pytest.raises(ValueError, match="seeds must be distinct"):
        runs.batches([1, 1], 1)


def test_over_seeds_runs_in_order_in_process_and_on_an_executor():
    here = runs.over_seeds(_square, range(10), batch=3, progress=False)
    assert here.seeds == list(range(10)) and not here.interrupted
    assert [x for r in here.results for x in r] == [s * s for s in range(10)]
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        there = runs.over_seeds(functools.partial(_square, offset=1), range(10), batch=3, executor=pool, progress=False)
    assert there.runs == here.runs and [x for r in there.results for x in r] == [s * s + 1 for s in range(10)]


def test_over_seeds_on_a_dask_cluster_is_identical_seed_for_seed():
    pytest.importorskip("distributed")
    from companion import robustness, xor
    cfg = xor.FAST_START.replace(n=100, dim=5000, width=50, n_test=200, signal=20, steps=50)

    def experiment(seeds):            # defined here, as in a notebook: Dask sends it by value (cloudpickle)
        return xor.train(cfg, seeds=seeds, device="cpu", progress=False)

    here = runs.over_seeds(experiment, range(6), batch=3, progress=False)
    with robustness.dask_executor(workers=2, torch_threads=torch.get_num_threads()) as pool:
        there = runs.over_seeds(experiment, range(6), batch=3, executor=pool, progress=False)
        pairs = runs.over_seeds(functools.partial(runs.batches, batch=2), range(4), batch=4, executor=pool,
                                  progress=False)         # a partial of a module's function: sent by name
    assert there.runs == here.runs == [[0, 1, 2], [3, 4, 5]] and not there.interrupted
    assert pairs.results == [runs.batches(range(4), 2)]
    for a, b in zip(here.results, there.results):
        for field in dataclasses.fields(a):
            x, y = getattr(a, field.name), getattr(b, field.name)
            if isinstance(x, np.ndarray):
                np.testing.assert_array_equal(x, y, err_msg=field.name)
            else:
                assert x == y, field.name


def test_an_interrupted_seed_run_keeps_what_finished_and_is_refused():
    def experiment(seeds):
        if seeds[0] >= 4:
            raise KeyboardInterrupt
        return seeds

    with pytest.warns(engine.InterruptedRunWarning, match="after 2 of 4 batches"):
        done = runs.over_seeds(experiment, range(8), batch=2, progress=False)
    assert done.interrupted and done.seeds == [0, 1, 2, 3] and done.interrupted_at == 2
    with pytest.raises(engine.IncompleteRunError, match="stopped at seed batch 2 of 4"):
        engine.require_complete(done, "the robustness check")


def test_over_seeds_refuses_bad_arguments():
    with pytest.raises(ValueError, match="experiment must be callable"):
        runs.over_seeds(3, [0])
    with pytest.raises(ValueError, match="executor must be a concurrent.futures.Executor"):
        runs.over_seeds(_square, [0], executor="dask")
    with pytest.raises(ValueError, match="batch must be an integer >= 1"):
        runs.over_seeds(_square, [0], batch=0)


def test_masked_accuracy_and_grids():
    out = np.array([[[1.0, -1.0, 2.0], [1.0, 1.0, 1.0]]])          # (S=1, R=2, q=3)
    labels = np.array([[1.0, 1.0, -1.0]])
    np.testing.assert_allclose(runs.masked_accuracy(out, labels), [[1 / 3, 2 / 3]])
    np.testing.assert_allclose(runs.masked_accuracy(out, labels, np.array([[True, False, False]])), [[1.0, 1.0]])
    np.testing.assert_allclose(runs.masked_accuracy(out, labels, np.zeros((1, 3), bool)), [[1.0, 1.0]])   # empty: 1
    problems = np.arange(2 * 3 * 4 * 5).reshape(24, 5)
    grid = runs.on_grid(problems, {"a": [1, 2], "b": [1, 2, 3]}, seeds=4)
    assert grid.shape == (2, 3, 4, 5) and (grid[1, 2, 3] == problems[-1]).all()
    with pytest.raises(ValueError, match="array has 24 problems; the grid \\[2, 2\\] times 4 seeds has 16"):
        runs.on_grid(problems, {"a": [1, 2], "b": [1, 2]}, seeds=4)


def test_recorded_results_find_their_steps():
    class Result(runs.Recorded):
        steps = np.array([0, 1, 5])

    assert Result().index(5) == 2
    with pytest.raises(ValueError, match=r"step must be one of the recorded steps \[0, 1, 5\]; got 4"):
        Result().index(4)
