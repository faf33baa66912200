"""The claim machinery shared by the chapters: worst-seed aggregation, per-seed verdicts, reports."""
import json

import numpy as np
import pytest

from companion import claims


def _per_seed():
    return [claims.PerSeed("accuracy", np.array([0.9, 0.7, 0.95]), 0.8),
            claims.PerSeed("loss", np.array([0.1, 0.2, 0.6]), 0.5, relation="<=", percent=False)]


def test_aggregate_takes_the_worst_seed_in_the_claims_direction():
    acc, loss = claims.aggregate(_per_seed())
    assert acc.measured == 0.7 and not acc.holds and acc.statement == "accuracy (worst seed)"
    assert loss.measured == 0.6 and not loss.holds
    assert "0.7000" in acc.detail and "0.9500" in acc.detail


def test_verdicts_judge_each_seed():
    statements, values, holds = claims.verdicts(_per_seed())
    assert statements == ["accuracy", "loss"] and values.shape == holds.shape == (3, 2)
    np.testing.assert_array_equal(holds, [[True, True], [False, True], [True, False]])


def test_require_raises_with_every_failed_claim_and_table_has_no_numbers():
    cs = claims.aggregate(_per_seed())
    with pytest.raises(claims.ClaimFailed, match="accuracy.*\n.*loss"):
        claims.require(cs)
    assert claims.table(cs) == "✗ accuracy (worst seed) ≥ 80%\n✗ loss (worst seed) ≤ 0.5"
    claims.require(claims.aggregate([claims.PerSeed("fine", np.array([1.0]), 0.5)]))


def test_claim_rejects_nan_and_unknown_relations():
    with pytest.raises(ValueError, match="measured must be a finite number"):
        claims.Claim("x", float("nan"), 0.5)
    with pytest.raises(ValueError, match="relation must be one of"):
        claims.Claim("x", 0.5, 0.5, relation=">")


def test_a_claim_that_does_not_apply_to_a_seed_is_left_out_not_failed():
    c = claims.PerSeed("flipped separated", np.array([0.3, np.nan, 0.1]), 0.2)
    np.testing.assert_array_equal(c.holds(), [True, True, False])
    (agg,) = claims.aggregate([c])
    assert agg.measured == 0.1 and "n/a" in agg.detail
    _, values, holds = claims.verdicts([c])
    assert holds[:, 0].tolist() == [True, True, False] and np.isnan(values[1, 0])


# --- the protocol every chapter follows: groups, verify, report ------------------------------------

def _judge(values):
    return [claims.PerSeed("accuracy", np.asarray(values, dtype=float), 0.8)]


def _pooled(values):
    share = float((np.asarray(values) >= 0.8).mean())
    return [claims.PerSeed("share of seeds at 80%", np.array([share]), 0.5, worst="", pooled=True,
                           detail=f"{len(values)} seeds")]


def _run(seeds, device=None):
    return (np.array([0.9 if s % 2 else 0.85 for s in seeds]),)


GROUPS = {"main": claims.Group("main run", _judge, _run, min_seeds=3),
          "pool": claims.Group("pooled", _pooled, _run, batch=4, min_seeds=4, pooled=True)}


def test_verify_judges_every_group_on_its_input_and_report_prints_and_raises():
    checked = claims.verify(GROUPS, main=np.array([0.9, 0.95, 0.85]), pool=np.array([0.9, 0.7, 0.9, 0.9]),
                            unused=None)                               # an input for no group is not used
    assert list(checked) == ["main run", "pooled"]
    text = claims.report(checked)
    assert text == "main run\n✓ accuracy (worst seed) ≥ 80%\npooled\n✓ share of seeds at 80% ≥ 50%"
    assert "4 seeds" in claims.report(checked, measured=True) and "0.85" in claims.report(checked, measured=True)
    failing = claims.verify(GROUPS, main=np.array([0.9, 0.5, 0.85]), pool=np.array([0.9, 0.7, 0.9, 0.9]))
    with pytest.raises(claims.ClaimFailed, match=r"(?s)^main run\n✗ accuracy.*measured 0.5"):
        claims.report(failing)
    claims.report(failing, measured=True)                             # the measurements never raise


def test_measured_shows_the_measurements_and_carries_every_claim_as_data():
    checked = claims.verify(GROUPS, main=np.array([0.9, 0.5, 0.85]), pool=np.array([0.9, 0.7, 0.9, 0.9]))
    shown = claims.measured(checked, chapter="toy", scale="book")
    bundle = shown._repr_mimebundle_()
    assert bundle["text/plain"] == str(shown) == claims.report(checked, measured=True)
    data = bundle[claims.MIME]
    assert data["chapter"] == "toy" and data["scale"] == "book"
    assert [g["title"] for g in data["groups"]] == ["main run", "pooled"]
    first = data["groups"][0]["claims"][0]
    assert first == {"title": "accuracy (worst seed)", "line": "✗ accuracy (worst seed) ≥ 80%", "threshold": 0.8,
                     "relation": ">=", "percent": True, "measured": 0.5, "holds": False}
    json.dumps(data)                                                   # plain data, as a notebook stores it
    with pytest.raises(ValueError, match="chapter must be a non-empty string; got ''"):
        claims.measured(checked, chapter="", scale="book")
    with pytest.raises(ValueError, match="checked must be what claims.verify returned"):
        claims.measured({"main run": [0.5]}, chapter="toy", scale="book")


def test_verify_refuses_a_missing_group_and_too_few_seeds():
    with pytest.raises(ValueError, match=r"missing \['pool'\]"):
        claims.verify(GROUPS, main=np.array([0.9, 0.9, 0.9]))
    with pytest.raises(ValueError, match="'main run' must be judged on at least 3 seeds; got 2"):
        claims.verify(GROUPS, main=np.array([0.9, 0.9]), pool=np.ones(4))
    with pytest.raises(ValueError, match="groups must be a non-empty mapping"):
        claims.verify({}, main=1)
    with pytest.raises(TypeError, match="must return a non-empty list of PerSeed"):
        claims.Group("bad", lambda x: [0.5], _run).judged(1)


@pytest.mark.parametrize("kwargs, match", [(dict(batch=0), "batch must be None or an integer >= 1"),
                                           (dict(min_seeds=0), "min_seeds must be an integer >= 1"),
                                           (dict(batch=2, min_seeds=5, pooled=True), "batch must be at least min_seeds"),
                                           (dict(title=""), "title must be a non-empty string")])
def test_group_refuses_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        claims.Group(**{"title": "g", "judge": _judge, "run": _run, **kwargs})


def test_per_seed_refuses_what_it_cannot_judge():
    with pytest.raises(ValueError, match="a pooled claim has one value; got 2"):
        claims.PerSeed("x", np.array([1.0, 2.0]), 0.5, pooled=True)
    with pytest.raises(ValueError, match="values must be finite or NaN"):
        claims.PerSeed("x", np.array([np.inf]), 0.5)
    with pytest.raises(ValueError, match="values must be a non-empty 1-d array"):
        claims.PerSeed("x", np.zeros((2, 2)), 0.5)
    with pytest.raises(ValueError, match="relation must be one of"):
        claims.PerSeed("x", np.ones(2), 0.5, relation="==")
    with pytest.raises(ValueError, match="pooled over seeds"):
        claims.verdicts(_pooled([0.9]))


def test_a_pooled_claim_keeps_its_statement_and_detail():
    (claim,) = claims.aggregate(_pooled([0.9, 0.1]))
    assert claim.statement == "share of seeds at 80%" and claim.detail == "2 seeds" and claim.measured == 0.5
