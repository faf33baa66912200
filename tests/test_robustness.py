"""python -m companion.robustness: every seed judged by exactly the chapter's claims, the same verdicts
wherever the batches run (this process, local processes, a Dask cluster), written as text and JSON."""
import concurrent.futures
import json
import subprocess
import sys
import time
import types

import numpy as np
import pytest
import torch

from companion import claims, robustness, xor

SEEDS = [1000, 1001, 1002, 1003]
SMALL = {"n": 100, "dim": 5000, "width": 50, "n_test": 200, "signal": 20}    # fast start in 0.05 s a seed
SMALL_SEEDS = list(range(1000, 1020))                                         # two batches of 10


@pytest.fixture(scope="module")
def fast_start():
    return robustness.judge("xor", SEEDS, groups=["fast_start"], device="cpu", progress=False)


def test_each_seed_is_judged_by_the_chapters_own_claims(fast_start):
    (group,) = fast_start["groups"]
    assert group["title"] == "fast start" and fast_start["seeds"] == SEEDS
    direct = xor.per_seed_claims(xor.train(xor.FAST_START, seeds=SEEDS, device="cpu"), xor.FAST_START_EXPECT)
    statements, values, holds = claims.verdicts(direct)
    assert [c["statement"] for c in group["claims"]] == statements
    for j, c in enumerate(group["claims"]):
        assert c["units"] == [[s] for s in SEEDS] and c["held"] == int(holds[:, j].sum()) and c["of"] == len(SEEDS)
        np.testing.assert_array_equal(np.array(c["values"], dtype=float), values[:, j])
    assert any("largest |d_k|" in note for note in group["notes"])


def test_verdicts_do_not_depend_on_where_the_batches_run(fast_start):
    with robustness.local_processes(2) as pool:
        there = robustness.judge("xor", SEEDS, groups=["fast_start"], device="cpu", executor=pool, progress=False)
    assert there["groups"][0]["claims"] == fast_start["groups"][0]["claims"]


@pytest.fixture(scope="module")
def dask_pool():
    """A Dask cluster of two worker processes, one task and as many torch threads as this process each."""
    pytest.importorskip("distributed")
    with robustness.dask_executor(workers=2, torch_threads=torch.get_num_threads()) as pool:
        yield pool


@pytest.fixture(scope="module")
def small_here():
    return robustness.judge("xor", SMALL_SEEDS, groups=["fast_start"], device="cpu", progress=False, changes=SMALL)


def test_verdicts_on_a_dask_cluster_are_identical_seed_for_seed(dask_pool, small_here):
    there = robustness.judge("xor", SMALL_SEEDS, groups=["fast_start"], executor=dask_pool, progress=False,
                             changes=SMALL, device="cpu")
    (here_group,), (there_group,) = small_here["groups"], there["groups"]
    assert there_group["claims"] == here_group["claims"] and there_group["notes"] == here_group["notes"]
    assert {c["held"] for c in here_group["claims"]} != {len(SMALL_SEEDS)}    # a config where some claims fail
    assert there["machine"]["executor"].startswith("dask: 2 workers (1 thread each) at tcp://127.0.0.1:")
    assert small_here["machine"]["executor"] == "this process"
    assert "dask: 2 workers" in robustness.text(there).splitlines()[0]


def test_the_device_is_picked_on_the_worker(dask_pool):
    assert len({dask_pool.submit(time.perf_counter_ns).result() for _ in range(2)}) == 2    # run anew each time
    there = robustness.judge("xor", SMALL_SEEDS[:3], groups=["fast_start"], executor=dask_pool, progress=False,
                             changes=SMALL)    # no device named: each worker resolves its own
    assert there["machine"]["device"] == dask_pool.submit(robustness.machine).result()["device"]
    with pytest.raises(ValueError, match="device must be None, 'cpu', 'cuda' or 'cuda:K'; got 'tpu'"):
        robustness.judge("xor", SMALL_SEEDS[:3], groups=["fast_start"], executor=dask_pool, device="tpu")
    if not torch.cuda.is_available():         # a GPU this machine lacks is the workers' to refuse, not this one's
        with pytest.raises(ValueError, match="device='cuda' was requested .* where a batch ran"):
            robustness.judge("xor", SMALL_SEEDS[:3], groups=["fast_start"], executor=dask_pool, device="cuda",
                             progress=False)
        with pytest.raises(ValueError, match="device='cuda' was requested but this machine has 0"):
            robustness.judge("xor", SMALL_SEEDS[:3], groups=["fast_start"], device="cuda")    # here: at once


def test_command_line_runs_on_a_running_dask_scheduler(dask_pool, small_here, tmp_path, capsys):
    address = dask_pool._client.scheduler.address
    out = tmp_path / "xor.json"
    assert robustness.main(["xor", "--groups", "fast_start", "--seeds", "1000", "1020", "--device", "cpu", "--set",
                            *(f"{k}={v}" for k, v in SMALL.items()), "--dask", address, "--workers", "2",
                            "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["groups"][0]["claims"] == small_here["groups"][0]["claims"]
    assert result["machine"]["executor"] == f"dask: 2 workers (1 thread each) at {address}"
    assert result["command"].endswith(f"--dask {address} --workers 2 --json {out}")
    assert "fast start" in capsys.readouterr().out


def _fake_distributed(calls: list) -> types.SimpleNamespace:
    """A stand-in for the ``distributed`` package that records what the command line asks of it."""
    class Closing:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            calls.append(f"{type(self).__name__} closed")

    class LocalCluster(Closing):
        def __init__(self, **kwargs):
            calls.append(("LocalCluster", kwargs))

    class Client(Closing):
        def __init__(self, address=None, **kwargs):
            calls.append(("Client", address if isinstance(address, str) or address is None else type(address).__name__,
                          kwargs))

        def register_worker_callbacks(self, setup):
            calls.append(("torch threads", setup.args))

        def wait_for_workers(self, n):
            calls.append(("wait for workers", n))

        def get_executor(self, pure=True):
            calls.append(("executor", {"pure": pure}))
            return concurrent.futures.ThreadPoolExecutor(1)

    return types.SimpleNamespace(LocalCluster=LocalCluster, Client=Client)


ANEW = ("executor", {"pure": False})                 # every submit runs: no result handed back from before


def _local(workers):
    return ("LocalCluster", {"n_workers": workers, "threads_per_worker": 1, "processes": True,
                             "dashboard_address": None, "scheduler_kwargs": {"dashboard_address": ":0"}})


@pytest.mark.parametrize("args, asked", [
    (["--dask"], [_local(2), ("Client", "LocalCluster", {}), ("torch threads", (1,)), ANEW,
                  "Client closed", "LocalCluster closed"]),
    (["--dask", "--workers", "3", "--torch-threads", "2"], [_local(3), ("Client", "LocalCluster", {}),
                                                            ("torch threads", (2,)), ANEW, "Client closed",
                                                            "LocalCluster closed"]),
    (["--dask", "tcp://scheduler:8786", "--workers", "4"], [("Client", "tcp://scheduler:8786", {}),
                                                           ("wait for workers", 4), ANEW, "Client closed"]),
    (["--dask", "scheduler.json"], [("Client", None, {"scheduler_file": "scheduler.json"}), ANEW,
                                    "Client closed"]),
])
def test_an_interrupted_dask_run_closes_the_cluster_and_writes_nothing(args, asked, monkeypatch, tmp_path, capsys):
    calls = []
    monkeypatch.setitem(sys.modules, "distributed", _fake_distributed(calls))

    def interrupted(*args, executor=None, **kwargs):
        assert isinstance(executor, concurrent.futures.Executor)
        raise KeyboardInterrupt

    monkeypatch.setattr(robustness, "judge", interrupted)
    out = tmp_path / "xor.json"
    assert robustness.main(["xor", "--seeds", "0", "3", *args, "--json", str(out)]) == 130
    assert calls == asked
    assert not out.exists() and "interrupted: no result is written" in capsys.readouterr().err


@pytest.mark.parametrize("args, message", [
    (["--seeds", "0", "3", "--dask", "xor"], "--dask took 'xor' for a scheduler's address"),
    (["xor", "--seeds", "0", "3", "--torch-threads", "2"], "use it with --dask"),
])
def test_dask_options_that_do_not_fit_say_so(args, message, capsys):
    with pytest.raises(SystemExit):
        robustness.main(args)
    assert message in capsys.readouterr().err


def test_without_dask_the_error_says_what_to_install(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)        # import distributed fails
    with pytest.raises(ModuleNotFoundError, match="pip install dask distributed"):
        with robustness.dask_executor():
            pass
    with pytest.raises(SystemExit):
        robustness.main(["xor", "--seeds", "0", "3", "--dask"])
    assert "--dask: the Dask executor needs the optional packages dask and distributed" in capsys.readouterr().err


def test_text_reports_failures_and_counts(fast_start):
    text = robustness.text(fast_start)
    assert text.startswith("xor, scale 'book': seeds 1000..1003 (4 seeds)")
    assert "step 1: clean test accuracy (best seed) ≤ 60%: failed on" in text
    assert "every per-seed claim held on" in text and "of 4 seeds" in text


def test_command_line_writes_json(tmp_path):
    out = tmp_path / "xor.json"
    proc = subprocess.run([sys.executable, "-m", "companion.robustness", "xor", "--groups", "fast_start", "--seeds",
                           "1000", "1003", "--device", "cpu", "--json", str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(out.read_text())
    assert result["command"].endswith("--json " + str(out)) and result["seeds"] == [1000, 1001, 1002]
    assert result["machine"]["device"].startswith("cpu") and result["groups"][0]["key"] == "fast_start"
    assert result["groups"][0]["title"] in proc.stdout


@pytest.mark.parametrize("args, message", [
    (["physics", "--seeds", "0", "3"], "invalid choice: 'physics'"),
    (["xor", "--seeds", "5", "3"], "needs STOP > FIRST"),
    (["xor", "--seeds", "0", "3", "--scale", "galaxy"], "scale must be one of ['book', 'paper', 'theorem']"),
    (["xor", "--seeds", "0", "3", "--groups", "everything"], "groups must be one of ['main', 'fast_start', 'theorem']"),
    (["xor", "--seeds", "0", "2", "--groups", "main"], "seeds must number at least 3 here; got 2"),
    (["xor", "--seeds", "0", "3", "--set", "n"], "--set takes FIELD=NUMBER items; got 'n'"),
    (["xor", "--seeds", "0", "3", "--set", "depth=3"], "depth"),
])
def test_bad_command_lines_say_what_is_wrong(args, message, capsys):
    # in this process (test_command_line_writes_json runs the module as a command): the same main()
    with pytest.raises(SystemExit) as stopped:
        robustness.main(args)
    err = capsys.readouterr().err
    assert stopped.value.code not in (0, None) and message in err, err[-2000:]
