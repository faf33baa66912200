"""The XOR chapter's module: validation, shapes, claims, exercise checks."""
import numpy as np
import pytest
import torch

from companion import checks, claims, xor

SMALL = xor.XORConfig(n=40, dim=3000, width=40, signal=20.0, noise_rate=0.2, step_size=0.05, steps=20,
                      n_test=100)


@pytest.mark.parametrize("field, value, match", [
    ("n", 0, "n must be"), ("n", 2.5, "n must be"), ("dim", 1, "dim must be"), ("dim", -5, "dim must be"),
    ("width", 7, "width must be an even"), ("width", 0, "width must be"),
    ("signal", 0.0, "signal must be"), ("signal", float("inf"), "signal must be"),
    ("noise_rate", -0.1, r"noise_rate must be in \[0, 0.5\)"), ("noise_rate", 0.5, "noise_rate"),
    ("step_size", 0.0, "step_size must be"), ("step_size", float("nan"), "step_size"),
    ("init_scale", -1e-6, "init_scale"), ("steps", 0, "steps must be"), ("n_test", 0, "n_test"),
])
def test_config_rejects_bad_values(field, value, match):
    with pytest.raises(ValueError, match=match) as info:
        SMALL.replace(**{field: value})
    assert repr(value) in str(info.value) or str(value) in str(info.value)


@pytest.mark.parametrize("seeds", [[], 3, [-1], [1, 1], [0.5]])
def test_train_rejects_bad_seeds(seeds):
    with pytest.raises(ValueError, match="seeds"):
        xor.train(SMALL, seeds=seeds)


@pytest.mark.parametrize("dev", ["tpu", "cuda:7", 3, "gpu"])
def test_train_rejects_unknown_device(dev):
    with pytest.raises(ValueError, match="device"):
        xor.train(SMALL, seeds=[0], device=dev)


def test_unknown_scale():
    with pytest.raises(ValueError, match="scale must be one of"):
        xor.config_for("huge")
    assert xor.config_for("book") == xor.BOOK


def test_result_shapes_and_ranges():
    res = xor.train(SMALL, seeds=[0, 1, 2], device="cpu")
    S, R = 3, len(res.steps)
    assert res.steps[0] == 0 and res.steps[1] == 1 and res.steps[-1] == SMALL.steps
    for name in ("train_acc", "flipped_train_acc", "clean_train_acc", "test_acc", "train_loss"):
        arr = getattr(res, name)
        assert arr.shape == (S, R), name
        assert np.isfinite(arr).all(), name
    assert res.neuron_proj.shape == (S, R, SMALL.width, 2)
    assert ((res.test_acc >= 0) & (res.test_acc <= 1)).all()
    # the training accuracy is the weighted mean of its clean and flipped parts
    frac = res.n_flipped[:, None] / SMALL.n
    np.testing.assert_allclose(res.train_acc, frac * res.flipped_train_acc + (1 - frac) * res.clean_train_acc)
    with pytest.raises(ValueError, match="recorded steps"):
        res.at(10_000)


def test_sample_matches_the_data_model():
    s = xor.sample(SMALL.replace(n=2000, dim=50, n_test=10), seed=4)
    # labels: +1 on +-mu1, -1 on +-mu2, flipped with the noise rate
    assert set(s.clean_labels.unique().tolist()) == {-1.0, 1.0}
    assert abs(float(s.flipped.float().mean()) - 0.2) < 0.04
    assert (s.labels == torch.where(s.flipped, -1.0, 1.0) * s.clean_labels).all()
    centered = s.x - (s.means[0] * (s.cluster == 0)[:, None] - s.means[0] * (s.cluster == 1)[:, None]
                      + s.means[1] * (s.cluster == 2)[:, None] - s.means[1] * (s.cluster == 3)[:, None])
    assert abs(float(centered.std()) - 1.0) < 0.02
    assert float(s.means[0] @ s.means[1]) == 0.0


def test_feature_alignment_bounds():
    res = xor.train(SMALL, seeds=[0, 1, 2])
    align = xor.feature_alignment(res)
    assert align.shape == res.train_acc.shape
    assert ((align >= 0) & (align <= 1)).all()


def _fake_result(step1_train=1.0, step1_test=0.5, end_test=1.0, seeds=3):
    steps = np.array([0, 1, 50])
    one = np.ones((seeds, 3))
    train = one.copy()
    train[:, 1] = step1_train
    test = 0.5 * one
    test[:, 1] = step1_test
    test[:, 2] = end_test
    return xor.XORResult(config=SMALL, seeds=np.arange(seeds), steps=steps, train_acc=train,
                         flipped_train_acc=train, clean_train_acc=train, test_acc=test, train_loss=one,
                         neuron_proj=np.zeros((seeds, 3, 2, 2)), out_weights=np.array([1.0, -1.0]),
                         n_flipped=np.full(seeds, 3))


def test_claims_hold_and_fail_where_they_should():
    assert all(c.holds for c in xor.claims(_fake_result()))
    for bad, name in [(dict(step1_train=0.99), "after step 1: training"), (dict(step1_test=0.61), "clean test"),
                      (dict(end_test=0.94), "after step 50: clean test")]:
        failed = [c for c in xor.claims(_fake_result(**bad)) if not c.holds]
        assert failed and any(name in c.statement for c in failed)
        with pytest.raises(claims.ClaimFailed):
            claims.require(xor.claims(_fake_result(**bad)))
    with pytest.raises(ValueError, match="at least 3 seeds"):
        xor.claims(_fake_result(seeds=2))


def test_claims_table_is_machine_independent():
    a = claims.table(xor.claims(_fake_result(end_test=0.97)))
    b = claims.table(xor.claims(_fake_result(end_test=0.99)))
    assert a == b and "✓" in a and "≥ 95%" in a and "0.97" not in a
    assert "0.97" in claims.measurements(xor.claims(_fake_result(end_test=0.97)))


def test_claim_rejects_nan():
    with pytest.raises(ValueError, match="measured"):
        claims.Claim("x", float("nan"), 1.0)


def test_step_one_check_gives_specific_feedback():
    ex = SMALL
    s = xor.sample(ex, 0)
    assert not checks.xor_step_one(s.w0.clone(), s, ex.step_size).correct
    ref = checks._one_step_reference(s, ex.step_size)
    assert checks.xor_step_one(ref, s, ex.step_size).correct
    twice = s.w0 + 2 * (ref - s.w0)
    assert "twice" in checks.xor_step_one(twice, s, ex.step_size).message
    wrong_sign = s.w0 - (ref - s.w0)
    assert "sign" in checks.xor_step_one(wrong_sign, s, ex.step_size).message
    assert "shape" in checks.xor_step_one(s.w0[:3], s, ex.step_size).message


def test_prediction_check():
    res = _fake_result()
    assert not checks.xor_predict_step_one(None, res).correct
    assert "[0, 1]" in checks.xor_predict_step_one(7, res).message
    assert checks.xor_predict_step_one(0.5, res).correct
    assert not checks.xor_predict_step_one(0.9, res).correct


def test_signal_check_runs_the_experiment():
    assert not checks.xor_signal_breaks_memorization(None).correct
    assert "between 5 and 200" in checks.xor_signal_breaks_memorization(1000).message
    weak = checks.xor_signal_breaks_memorization(10.0)
    assert not weak.correct and "still fits 100%, 100%, 100%" in weak.message
    assert checks.xor_signal_breaks_memorization(150.0).correct
