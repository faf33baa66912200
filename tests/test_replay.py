"""The machinery of the test run's one execution of the book: the replay that lets the student
versions run without repeating their chapter's experiments (tests/replay.py: a stored result only for
exactly the same call, every other call run for real), the scheduler of tests/execute_book.py, and
imports that work where the book build's packages are missing."""
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import replay

TESTS = pathlib.Path(__file__).resolve().parent


def test_replay_returns_the_recorded_result_only_for_the_same_call(tmp_path, monkeypatch):
    monkeypatch.setattr(replay, "SLOWER_THAN", 0.0)        # store every call
    calls = []

    def experiment(seeds, scale=1.0):
        calls.append(list(seeds))
        return {"values": np.arange(len(seeds)) * scale}

    record = replay._wrap(experiment, "record", str(tmp_path))
    first = record([0, 1, 2], scale=2.0)
    assert calls == [[0, 1, 2]] and len(list(tmp_path.glob("*.pkl"))) == 1
    play = replay._wrap(experiment, "replay", str(tmp_path))
    again = play([0, 1, 2], scale=2.0)                      # the same call: the stored result, not a run
    assert calls == [[0, 1, 2]]
    np.testing.assert_array_equal(again["values"], first["values"])
    play([0, 1, 2], scale=3.0)                              # another argument: run for real
    play([0, 1])                                            # other seeds: run for real
    assert calls == [[0, 1, 2], [0, 1, 2], [0, 1]]


def test_a_call_that_does_not_pickle_is_run_and_never_stored(tmp_path, monkeypatch):
    monkeypatch.setattr(replay, "SLOWER_THAN", 0.0)

    def experiment(fn):
        return fn(2)

    assert replay._wrap(experiment, "record", str(tmp_path))(lambda x: x + 1) == 3
    assert not list(tmp_path.glob("*.pkl"))


def test_a_fast_call_is_not_stored(tmp_path):
    replay._wrap(lambda x: x, "record", str(tmp_path))(1)
    assert not list(tmp_path.glob("*.pkl"))


def test_a_bad_setting_is_refused(monkeypatch):
    monkeypatch.setenv("COMPANION_REPLAY", "rewind:/tmp/x")
    with pytest.raises(ValueError, match="COMPANION_REPLAY must be 'record:FOLDER' or 'replay:FOLDER'"):
        replay._install()


def test_the_book_run_starts_each_job_after_its_prerequisites_and_within_its_slots():
    import threading
    import time

    from execute_book import in_slots
    events, lock, running = [], threading.Lock(), [0]
    peak = [0]

    def job(name, seconds):
        def run():
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
                events.append(("start", name))
            time.sleep(seconds)
            with lock:
                running[0] -= 1
                events.append(("end", name))
            return name
        return run

    jobs = {"chapter:a": job("chapter:a", 0.6), "chapter:b": job("chapter:b", 0.1), "build": job("build", 0.1),
            "student:a": job("student:a", 0.1), "student:b": job("student:b", 0.1)}
    after = {"build": ["chapter:a", "chapter:b"], "student:a": ["chapter:a"], "student:b": ["chapter:b"]}
    results = in_slots(jobs, lambda: 2, after)
    assert results == {name: name for name in jobs}
    order = {event: i for i, event in enumerate(events)}
    for name, needs in after.items():
        assert all(order[("end", n)] < order[("start", name)] for n in needs), (name, events)
    assert peak[0] == 2
    # student:b is ready while chapter:a still runs, so it goes before the build, which waits for chapter:a
    assert order[("start", "student:b")] < order[("end", "chapter:a")] < order[("start", "build")]
    events.clear()
    in_slots(jobs, lambda: 1, after)
    assert [e for e in events if e[0] == "start"] == [("start", n) for n in
                                                      ["chapter:a", "chapter:b", "build", "student:a", "student:b"]]


def test_the_test_machinery_imports_without_the_book_build_packages():
    # the version tests (test_lower_bounds.py, test_newest.py) run the core tests in environments
    # without Jupyter Book, so conftest.py (and what it imports) must not need it
    code = ("import sys\nfor name in ('docutils', 'sphinx', 'jupyter_book', 'myst_nb'):\n    sys.modules[name] = None\n"
            f"sys.path.insert(0, {str(TESTS)!r})\nimport conftest, execute_book\n"
            "assert 'docutils' not in [m for m, v in sys.modules.items() if v is not None]")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=TESTS.parent)
    assert run.returncode == 0, run.stderr[-3000:]


def test_the_book_run_refuses_prerequisites_it_cannot_meet():
    from execute_book import in_slots
    jobs = {"a": lambda: 1, "b": lambda: 2}
    with pytest.raises(ValueError, match=r"not in jobs: \['c'\]"):
        in_slots(jobs, lambda: 2, {"a": ["c"]})
    with pytest.raises(ValueError, match="cycle"):
        in_slots(jobs, lambda: 2, {"a": ["b"], "b": ["a"]})


def test_a_failing_job_fails_the_book_run():
    from execute_book import in_slots

    def broken():
        raise RuntimeError("the kernel died")

    with pytest.raises(RuntimeError, match="the kernel died"):
        in_slots({"a": broken, "b": lambda: 2}, lambda: 1, {"b": ["a"]})


def test_a_call_with_tensors_is_replayed_in_another_process(tmp_path):
    # torch's own pickle of a tensor differs between processes: the key must not, or a student version
    # would run every experiment that takes tensors again; and tensors with other values are other calls
    code = ("import sys, torch; sys.path.insert(0, sys.argv[1]); import replay\n"
            "x = torch.arange(6, dtype=torch.float64).reshape(2, 3)\n"
            "print(replay._key(replay._key, (x, {'y': x[0].clone().requires_grad_()}), {'z': x.T}))")
    keys = {subprocess.run([sys.executable, "-c", code, str(TESTS)], capture_output=True, text=True,
                           check=True).stdout for _ in range(2)}
    assert len(keys) == 1 and len(keys.pop().strip()) == 64
    import torch
    x = torch.arange(6, dtype=torch.float64)
    assert replay._key(len, (x,), {}) == replay._key(len, (x.clone(),), {})
    assert replay._key(len, (x,), {}) != replay._key(len, (x + 1,), {})
    assert replay._key(len, (x,), {}) != replay._key(len, (x.float(),), {})
    assert replay._key(len, (x,), {}) != replay._key(len, (x.reshape(2, 3),), {})
    # equal values, whether shared or not (a student builds arguments from results replayed one by one)
    one, two = ("".join(["soft", "plus"]) for _ in range(2))
    assert one == two and one is not two
    assert replay._key(len, ([one, one],), {}) == replay._key(len, ([one, two],), {})
    assert replay._key(len, ([x, x],), {}) == replay._key(len, ([x, x.clone()],), {})


def test_a_whole_suite_run_starts_the_book_early_and_stops_it_when_no_test_needs_it(tmp_path):
    # the README's command (no test paths, -k or -m) starts tests/execute_book.py before collection; here
    # every test file but one is ignored, so no collected test needs the book: the run must be stopped
    root = TESTS.parent
    ignore = [f"--ignore={p}" for p in sorted((root / "tests").glob("test_*.py")) if p.name != "test_validate.py"]
    env = {**os.environ, "TMPDIR": str(tmp_path), "COMPANION_KEEP_BOOK_RUN": "1"}
    env.pop("COMPANION_BOOK_RUN", None)
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *ignore], cwd=root,
                         capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stdout[-3000:]
    started = list(tmp_path.glob("companion-book-run-*"))
    assert len(started) == 1 and (started[0] / "execute.log").exists()     # it was started ...
    assert not (started[0] / "status.json").exists() and not (started[0] / "built.json").exists()  # ... and stopped
    # with a test path named, nothing is started before collection (and nothing after: no test needs it)
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_validate.py"],
                   cwd=root, capture_output=True, text=True, env=env, check=True)
    assert len(list(tmp_path.glob("companion-book-run-*"))) == 1
