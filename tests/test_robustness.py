"""python -m companion.robustness: every seed judged by exactly the chapter's claims, the same verdicts
wherever the batches run, written as text and JSON."""
import json
import subprocess
import sys

import numpy as np
import pytest

from companion import claims, robustness, xor

SEEDS = [1000, 1001, 1002, 1003]


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
def test_bad_command_lines_say_what_is_wrong(args, message):
    proc = subprocess.run([sys.executable, "-m", "companion.robustness", *args], capture_output=True, text=True)
    assert proc.returncode != 0 and message in proc.stderr, proc.stderr[-2000:]
