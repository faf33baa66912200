"""The claim machinery shared by the chapters: worst-seed aggregation, per-seed verdicts, reports."""
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


def test_verdicts_and_report_name_the_failing_seeds():
    statements, values, holds = claims.verdicts(_per_seed())
    assert values.shape == holds.shape == (3, 2)
    np.testing.assert_array_equal(holds, [[True, True], [False, True], [True, False]])
    report = claims.robustness_report(statements, values, holds, [10, 11, 12])
    assert "accuracy: failed on 1 of 3 seeds [11]" in report
    assert "loss: failed on 1 of 3 seeds [12]" in report
    assert report.endswith("all claims held on 1 of 3 seeds")


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
    report = claims.robustness_report(*claims.verdicts([c]), [1, 2, 3])
    assert "failed on 1 of 3 seeds [3]" in report and "does not apply to 1 seeds" in report
    assert "values 0.1 to 0.3" in report
