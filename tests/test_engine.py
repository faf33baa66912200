"""The span fast path against plain autograd gradient descent on the explicit weights."""
import numpy as np
import pytest
import torch

from companion import engine, xor


def _problem_from_explicit(x, y, w0, a, x_eval, probes):
    """Build the span problem the obvious way: explicit products of explicit matrices."""
    return engine.SpanProblem(gram=(x @ x.T)[None], pre0=(w0 @ x.T)[None], labels=y[None], out_weights=a,
                              eval_gram=(x @ x_eval.T)[None], eval_pre0=(w0 @ x_eval.T)[None],
                              probe_gram=(x @ probes.T)[None], probe_pre0=(w0 @ probes.T)[None])


@pytest.mark.parametrize("init_scale", [1e-3, 0.3])
def test_span_gd_matches_autograd_in_float64(init_scale):
    gen = torch.Generator().manual_seed(7)
    n, d, m, q = 12, 40, 16, 9
    x = torch.randn(n, d, generator=gen, dtype=torch.float64)
    y = torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0).double()
    w0 = init_scale * torch.randn(m, d, generator=gen, dtype=torch.float64)
    a = engine.output_weights(m, torch.device("cpu"), torch.float64)
    x_eval = torch.randn(q, d, generator=gen, dtype=torch.float64)
    probes = torch.eye(d, dtype=torch.float64)[:3]
    record = np.array([0, 1, 2, 5, 17, 60])
    fast = engine.span_gd(_problem_from_explicit(x, y, w0, a, x_eval, probes), 0.5, 60, record)
    ref = engine.plain_gd(x, y, w0, a, 0.5, 60, record, x_eval=x_eval, probes=probes)
    np.testing.assert_array_equal(fast.steps, ref.steps)
    for name in ("train_out", "eval_out", "probes", "loss"):
        np.testing.assert_allclose(getattr(fast, name), getattr(ref, name), rtol=1e-9, atol=1e-12, err_msg=name)
    assert ref.loss[0, -1] < ref.loss[0, 0]          # it did train


def test_xor_train_matches_autograd_on_the_same_draws():
    cfg = xor.XORConfig(n=40, dim=4000, width=60, signal=20.0, noise_rate=0.15, step_size=0.05,
                        init_scale=1e-6, steps=40, n_test=200)
    record = np.array([0, 1, 2, 3, 10, 40])
    fast = xor.train(cfg, seeds=[3], device="cpu", record=record)
    s = xor.sample(cfg, 3, device="cpu")
    ref = engine.plain_gd(s.x, s.labels, s.w0, s.out_weights, cfg.step_size, cfg.steps, record,
                          x_eval=s.x_test, probes=s.means / cfg.signal)
    # same iterates to float32 rounding: neuron projections and losses agree closely ...
    np.testing.assert_allclose(fast.neuron_proj, ref.probes, atol=1e-4 * np.abs(ref.probes).max())
    np.testing.assert_allclose(fast.train_loss, ref.loss, rtol=1e-4)
    # ... and the accuracies are identical
    labels, flipped = s.labels.numpy(), s.flipped.numpy()
    ref_train = ((ref.train_out * labels) > 0).mean(axis=-1)
    ref_test = ((ref.eval_out * s.test_labels.numpy()) > 0).mean(axis=-1)
    ref_flip = ((ref.train_out[..., flipped] * labels[flipped]) > 0).mean(axis=-1)
    np.testing.assert_array_equal(fast.train_acc, ref_train)
    np.testing.assert_array_equal(fast.test_acc, ref_test)
    np.testing.assert_array_equal(fast.flipped_train_acc, ref_flip)
    assert flipped.any() and ref_train[0, -1] == 1.0


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
    for name in ("train_acc", "test_acc", "train_loss", "neuron_proj"):
        np.testing.assert_array_equal(getattr(first, name), getattr(second, name))


def test_record_steps_include_ends():
    steps = engine.record_steps(200)
    assert steps[0] == 0 and steps[1] == 1 and steps[-1] == 200
    assert np.all(np.diff(steps) > 0)
    assert engine.record_steps(1).tolist() == [0, 1]


def test_interrupt_returns_finished_steps(monkeypatch):
    cfg = xor.XORConfig(n=20, dim=500, width=10, steps=50, n_test=20)
    calls = {"k": 0}
    real = torch.baddbmm

    def interrupting(*args, **kwargs):
        calls["k"] += 1
        if calls["k"] > 40:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(engine.torch, "baddbmm", interrupting)
    res = xor.train(cfg, seeds=[0], record=list(range(51)))
    assert res.interrupted
    assert 0 < len(res.steps) < 51
    assert res.train_acc.shape == (1, len(res.steps))


def test_bad_engine_input():
    with pytest.raises(ValueError, match="width"):
        engine.output_weights(3, torch.device("cpu"))
    with pytest.raises(ValueError, match="steps"):
        engine.record_steps(0)
    p = _problem_from_explicit(torch.randn(4, 6), torch.ones(4), torch.randn(2, 6), torch.ones(2),
                               torch.randn(3, 6), torch.eye(6)[:2])
    with pytest.raises(ValueError, match="step_size"):
        engine.span_gd(p, float("nan"), 5)
    with pytest.raises(ValueError, match="steps must be"):
        engine.span_gd(p, 0.1, 0)
    with pytest.raises(ValueError, match="record"):
        engine.span_gd(p, 0.1, 5, record=np.array([0, 9]))
    with pytest.raises(ValueError, match="labels"):
        engine.SpanProblem(gram=p.gram, pre0=p.pre0, labels=torch.ones(1, 5), out_weights=p.out_weights,
                           eval_gram=p.eval_gram, eval_pre0=p.eval_pre0)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_matches_cpu():
    cfg = xor.XORConfig(n=40, dim=4000, width=60, signal=20.0, steps=30, n_test=200)
    cpu, gpu = xor.train(cfg, seeds=[0, 1], device="cpu"), xor.train(cfg, seeds=[0, 1], device="cuda")
    np.testing.assert_allclose(gpu.train_loss, cpu.train_loss, rtol=1e-3)
    assert np.abs(gpu.test_acc - cpu.test_acc).max() <= 0.01
