"""The XOR chapter's module: validation, shapes, claims, exercise checks."""
import numpy as np
import pytest
import torch

from companion import claims, engine, twolayer, xor
from companion.checks import xor as check

SMALL = xor.XORConfig(n=40, dim=3000, width=40, signal=20.0, noise_rate=0.2, step_size=0.05, steps=20,
                      n_test=100)


@pytest.mark.parametrize("field, value, match", [
    ("n", 0, "n must be"), ("n", 2.5, "n must be"), ("dim", 1, "dim must be"), ("dim", -5, "dim must be"),
    ("dim", 2, "dim must be"), ("width", 7, "width must be an even"), ("width", 0, "width must be"),
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


@pytest.mark.parametrize("kwargs, match", [(dict(sampler="bartlett"), "sampler must be one of"),
                                           (dict(dtype=torch.float16), "dtype must be one of"),
                                           (dict(sampler="wishart", cfg=SMALL.replace(dim=100)), "dim - signal_dims")])
def test_train_rejects_bad_options(kwargs, match):
    cfg = kwargs.pop("cfg", SMALL)
    with pytest.raises(ValueError, match=match):
        xor.train(cfg, seeds=[0], **kwargs)


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


def test_training_learns_the_features_and_generalizes():
    # behaviour, not bounds: at a setting with both phases, alignment and test accuracy rise
    res = xor.train(SMALL.replace(signal=25.0, steps=100), seeds=[0, 1, 2], device="cpu", record=[0, 1, 100])
    align = xor.feature_alignment(res)
    assert np.all(np.abs(align[:, 1] - 0.5) < 0.1)                 # step 1: no preference
    assert np.all(align[:, 2] > align[:, 1] + 0.2)                  # then each neuron picks its feature
    assert np.all(res.test_acc[:, 2] > res.test_acc[:, 1] + 0.25)   # and the test accuracy follows
    assert np.all(res.train_acc[:, 2] == 1)


def test_a_sweep_cell_equals_a_separate_run():
    grid = xor.sweep(SMALL, signals=[10.0, 25.0], noise_rates=[0.0, 0.2], seeds=[4, 7], device="cpu")
    alone = xor.train(SMALL.replace(signal=25.0, noise_rate=0.2), seeds=[7], device="cpu", record=grid.steps)
    np.testing.assert_array_equal(grid.test_acc[1, 1, 1], alone.test_acc[0])
    np.testing.assert_array_equal(grid.flipped_train_acc[1, 1, 1], alone.flipped_train_acc[0])
    assert not np.array_equal(grid.test_acc[0, 1, 1], grid.test_acc[1, 1, 1])   # the cells do differ


def test_the_theorem_dimension_costs_what_a_small_one_does():
    # dim = 10^12 would need terabytes explicitly; the Gram sampler draws it in milliseconds
    res = xor.train(SMALL.replace(dim=10**12, signal=3000.0, step_size=SMALL.n / 10**12, init_scale=1e-12),
                    seeds=[0], device="cpu", record=[0, 1])
    assert res.train_acc[0, 1] == 1.0 and xor.default_dtype(10**12) == torch.float64


def test_claims_refuse_an_interrupted_run(monkeypatch):
    real, calls = twolayer.SpanTwoLayer.gradients, {"k": 0}

    def interrupting(self, params, out):
        calls["k"] += 1
        if calls["k"] > 5:
            raise KeyboardInterrupt
        return real(self, params, out)

    monkeypatch.setattr(twolayer.SpanTwoLayer, "gradients", interrupting)
    with pytest.warns(engine.InterruptedRunWarning, match="interrupted at step 5 of 20"):
        res = xor.train(SMALL, seeds=[0, 1, 2], record=list(range(21)))
    assert res.interrupted and res.interrupted_at == 5 and res.steps[-1] == 5
    with pytest.raises(engine.IncompleteRunError, match="XOR claims cannot judge an interrupted run"):
        xor.claims(res)


def _fake_result(step1_train=1.0, step1_test=0.5, end_test=1.0, seeds=3):
    steps = np.array([0, 1, 50])
    one = np.ones((seeds, 3))
    train = one.copy()
    train[:, 1] = step1_train
    test = 0.5 * one
    test[:, 1] = step1_test
    test[:, 2] = end_test
    return xor.XORResult(config=SMALL, seeds=np.arange(seeds), steps=steps, train_acc=train,
                         flipped_train_acc=train, clean_train_acc=train, test_acc=test,
                         test_out=np.zeros((seeds, 3, 4)), test_labels=np.ones((seeds, 4)), train_loss=one,
                         neuron_proj=np.zeros((seeds, 3, 2, 2)), out_weights=np.array([1.0, -1.0]),
                         n_flipped=np.full(seeds, 3), planned_steps=50)


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
    assert not check.step_one(s.w0.clone(), s, ex.step_size).correct
    ref = check.step_one_reference(s, ex.step_size)
    assert check.step_one(ref, s, ex.step_size).correct
    twice = s.w0 + 2 * (ref - s.w0)
    assert "twice" in check.step_one(twice, s, ex.step_size).message
    wrong_sign = s.w0 - (ref - s.w0)
    assert "sign" in check.step_one(wrong_sign, s, ex.step_size).message
    assert "shape" in check.step_one(s.w0[:3], s, ex.step_size).message


def test_prediction_check():
    res = _fake_result()
    assert not check.predict_step_one(None, res).correct
    assert "[0, 1]" in check.predict_step_one(7, res).message
    assert check.predict_step_one(0.5, res).correct
    assert not check.predict_step_one(0.9, res).correct


def test_signal_check_runs_the_experiment():
    assert not check.signal_breaks_memorization(None).correct
    assert "between 5 and 200" in check.signal_breaks_memorization(1000).message
    weak = check.signal_breaks_memorization(10.0)
    assert not weak.correct and "still fits 100%, 100%, 100%" in weak.message
    assert check.signal_breaks_memorization(150.0).correct


def test_xor_train_matches_autograd_on_the_same_draws():
    cfg = xor.XORConfig(n=40, dim=4000, width=60, signal=20.0, noise_rate=0.15, step_size=0.05,
                        init_scale=1e-6, steps=40, n_test=200)
    record = [0, 1, 2, 3, 10, 40]
    s = xor.sample(cfg, 3, device="cpu", dtype=torch.float64)
    probes = s.means / cfg.signal

    def observe(p):
        w = p["w"]
        return {"train_out": twolayer.explicit_outputs(w, s.x, s.out_weights),
                "test_out": twolayer.explicit_outputs(w, s.x_test, s.out_weights), "probes": w @ probes.T,
                "loss": twolayer.explicit_loss(w, s.x, s.labels, s.out_weights)}

    ref = engine.plain_gd(lambda p: twolayer.explicit_loss(p["w"], s.x, s.labels, s.out_weights), {"w": s.w0},
                          cfg.step_size, cfg.steps, record=record, observe=observe)
    fast64 = xor.train(cfg, seeds=[3], device="cpu", record=record, sampler="explicit", dtype=torch.float64)
    np.testing.assert_allclose(fast64.test_out, ref["test_out"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fast64.neuron_proj, ref["probes"], rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(fast64.train_loss, ref["loss"], rtol=1e-9)
    # float32 (the default at this size): iterates equal to rounding, accuracies identical
    fast32 = xor.train(cfg, seeds=[3], device="cpu", record=record, sampler="explicit")
    np.testing.assert_allclose(fast32.train_loss, ref["loss"], rtol=1e-4)
    labels, flipped = s.labels.numpy(), s.flipped.numpy()
    ref_train = ((ref["train_out"] * labels) > 0).mean(axis=-1)
    ref_test = ((ref["test_out"] * s.test_labels.numpy()) > 0).mean(axis=-1)
    ref_flip = ((ref["train_out"][..., flipped] * labels[flipped]) > 0).mean(axis=-1)
    for fast in (fast32, fast64):
        np.testing.assert_array_equal(fast.train_acc, ref_train)
        np.testing.assert_array_equal(fast.test_acc, ref_test)
        np.testing.assert_array_equal(fast.flipped_train_acc, ref_flip)
    assert flipped.any() and ref_train[0, -1] == 1.0 and ref_test[0, -1] > ref_test[0, 1] + 0.2


def test_batched_seeds_equal_single_seed_runs():
    cfg = xor.XORConfig(n=30, dim=3000, width=20, signal=20.0, steps=15, n_test=50)
    together = xor.train(cfg, seeds=[0, 5, 9], device="cpu")
    for k, seed in enumerate([0, 5, 9]):
        alone = xor.train(cfg, seeds=[seed], device="cpu")
        np.testing.assert_allclose(together.train_loss[k], alone.train_loss[0], rtol=1e-5)
        np.testing.assert_array_equal(together.test_acc[k], alone.test_acc[0])


def test_runs_are_deterministic():
    cfg = xor.XORConfig(n=30, dim=3000, width=20, steps=10, n_test=50)
    first, second = xor.train(cfg, seeds=[1, 2, 3]), xor.train(cfg, seeds=[1, 2, 3])
    for name in ("train_acc", "test_acc", "train_loss", "neuron_proj", "test_out"):
        np.testing.assert_array_equal(getattr(first, name), getattr(second, name))


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_matches_cpu():
    cfg = xor.XORConfig(n=40, dim=4000, width=60, signal=20.0, steps=30, n_test=200)
    cpu, gpu = xor.train(cfg, seeds=[0, 1], device="cpu"), xor.train(cfg, seeds=[0, 1], device="cuda")
    np.testing.assert_allclose(gpu.train_loss, cpu.train_loss, rtol=1e-3)
    assert np.abs(gpu.test_acc - cpu.test_acc).max() <= 0.01
