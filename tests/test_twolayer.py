"""The span fast path of the two-layer network against plain autograd GD on the explicit weights."""
import numpy as np
import pytest
import torch

from companion import engine, twolayer


def _explicit_problem(seed=7, n=12, d=40, m=16, q=9, init_scale=1e-3, dtype=torch.float64):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=gen, dtype=dtype)
    y = torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0).to(dtype)
    w0 = init_scale * torch.randn(m, d, generator=gen, dtype=dtype)
    x_eval = torch.randn(q, d, generator=gen, dtype=dtype)
    probes = torch.eye(d, dtype=dtype)[:3]
    return x, y, w0, x_eval, probes


def _reference(x, y, w0, a, x_eval, probes, loss, step_size, steps, record):
    def observe(p):
        w = p["w"]
        return {"train_out": twolayer.explicit_outputs(w, x, a), "eval_out": twolayer.explicit_outputs(w, x_eval, a),
                "probes": w @ probes.T, "loss": twolayer.explicit_loss(w, x, y, a, loss), "weight_norm": w.norm(),
                "pattern_change": ((x_eval @ w.T > 0) != (x_eval @ w0.T > 0)).double().mean()}
    return engine.plain_gd(lambda p: twolayer.explicit_loss(p["w"], x, y, a, loss), {"w": w0}, step_size, steps,
                           record=record, observe=observe)


@pytest.mark.parametrize("loss, step_size", [("logistic", 0.5), ("exponential", 0.3), ("squared", 0.05)])
@pytest.mark.parametrize("init_scale", [1e-3, 0.3])
def test_span_gd_matches_autograd_in_float64(loss, step_size, init_scale):
    x, y, w0, x_eval, probes = _explicit_problem(init_scale=init_scale)
    a = twolayer.output_weights(w0.shape[0], dtype=torch.float64)
    record = [0, 1, 2, 5, 17, 60]
    data = twolayer.SpanData.from_explicit(x, y, w0, x_eval, probes)
    fast = engine.train(twolayer.SpanTwoLayer(data, a, loss=loss), engine.GD(step_size), 60, record=record)
    ref = _reference(x, y, w0, a, x_eval, probes, loss, step_size, 60, record)
    np.testing.assert_array_equal(fast.steps, ref.steps)
    for name in ("train_out", "eval_out", "probes", "loss", "weight_norm", "pattern_change"):
        np.testing.assert_allclose(fast[name], ref[name], rtol=1e-9, atol=1e-12, err_msg=name)
    assert ref["loss"][0, -1] < 0.5 * ref["loss"][0, 0]          # it did train


def test_batched_problems_equal_problems_run_alone():
    parts = [twolayer.SpanData.from_explicit(*_explicit_problem(seed=s)) for s in (1, 2, 3)]
    stacked = twolayer.SpanData(**{k: torch.cat([getattr(p, k) for p in parts]) for k in
                                   ("gram", "pre0", "labels", "eval_gram", "eval_pre0", "probe_gram", "probe_pre0",
                                    "init_sq_norm")})
    a = twolayer.output_weights(16, dtype=torch.float64)
    together = engine.train(twolayer.SpanTwoLayer(stacked, a), engine.GD(0.5), 25)
    for k, part in enumerate(parts):
        alone = engine.train(twolayer.SpanTwoLayer(part, a), engine.GD(0.5), 25)
        for name in ("train_out", "eval_out", "probes", "loss", "weight_norm"):
            np.testing.assert_allclose(together[name][k], alone[name][0], rtol=1e-12, atol=1e-14)


def test_bad_input():
    x, y, w0, x_eval, probes = _explicit_problem()
    data = twolayer.SpanData.from_explicit(x, y, w0, x_eval, probes)
    a = twolayer.output_weights(16, dtype=torch.float64)
    with pytest.raises(ValueError, match="width must be an even"):
        twolayer.output_weights(3)
    with pytest.raises(ValueError, match="loss must be one of"):
        twolayer.SpanTwoLayer(data, a, loss="hinge")
    with pytest.raises(ValueError, match=r"out_weights must have shape \(16,\)"):
        twolayer.SpanTwoLayer(data, a[:4])
    with pytest.raises(ValueError, match="dtype"):
        twolayer.SpanTwoLayer(data, a.float())
    with pytest.raises(ValueError, match="labels must have shape"):
        twolayer.SpanData(gram=data.gram, pre0=data.pre0, labels=torch.ones(1, 5, dtype=torch.float64),
                          eval_gram=data.eval_gram, eval_pre0=data.eval_pre0)
    with pytest.raises(ValueError, match="together"):
        twolayer.SpanData(gram=data.gram, pre0=data.pre0, labels=data.labels, eval_gram=data.eval_gram,
                          eval_pre0=data.eval_pre0, probe_gram=data.probe_gram)
    with pytest.raises(ValueError, match="gram must be on"):
        twolayer.SpanData(gram=data.gram.float(), pre0=data.pre0, labels=data.labels, eval_gram=data.eval_gram,
                          eval_pre0=data.eval_pre0)
