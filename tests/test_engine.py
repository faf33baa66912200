"""The model-agnostic loop: a model from the docstring against autograd, update rules, recording,
interrupts and bad input."""
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from companion import engine


class Logistic:
    """The docstring's example model: batched logistic regression."""

    def __init__(self, x, y):
        self.x, self.y = x, y

    def init(self):
        return {"w": self.x.new_zeros(self.x.shape[0], self.x.shape[2])}

    def forward(self, params):
        return torch.einsum("snd,sd->sn", self.x, params["w"])

    def observe(self, params, out):
        return {"loss": F.softplus(-self.y * out).mean(dim=1), "w": params["w"]}

    def gradients(self, params, out):
        d = -self.y * torch.sigmoid(-self.y * out) / self.x.shape[1]
        return {"w": torch.einsum("sn,snd->sd", d, self.x)}


def _data(S=3, n=20, d=5, seed=0):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(S, n, d, generator=gen, dtype=torch.float64)
    y = torch.where(torch.rand(S, n, generator=gen) < 0.5, -1.0, 1.0).double()
    return x, y


def test_docstring_model_matches_autograd_per_problem():
    x, y = _data()
    record = [0, 1, 2, 7, 30]
    run = engine.train(Logistic(x, y), engine.GD(0.7), 30, record=record)
    assert run.steps.tolist() == record and not run.interrupted
    assert run["loss"].shape == (3, 5) and run["w"].shape == (3, 5, 5)
    for s in range(3):
        ref = engine.plain_gd(lambda p: F.softplus(-y[s] * (x[s] @ p["w"])).mean(), {"w": torch.zeros(5).double()},
                              0.7, 30, record=record, observe=lambda p: {"w": p["w"]})
        np.testing.assert_allclose(run["w"][s], ref["w"][0], rtol=1e-12, atol=1e-14)
    assert np.all(np.diff(run["loss"], axis=1) < 0)          # it trains


class Quadratic:
    """Two parameter groups, L = |a|^2 / 2 + 2 |b|^2: gradients a and 4 b."""

    def init(self):
        return {"a": torch.ones(1, 2, dtype=torch.float64), "b": torch.ones(1, 3, dtype=torch.float64)}

    def forward(self, params):
        return None

    def observe(self, params, out):
        return {"a": params["a"], "b": params["b"]}

    def gradients(self, params, out):
        return {"a": params["a"].clone(), "b": 4 * params["b"]}


def test_gd_uses_one_step_size_per_group():
    run = engine.train(Quadratic(), engine.GD({"a": 0.5, "b": 0.1}), 3, record=[0, 1, 3])
    np.testing.assert_allclose(run["a"][0, :, 0], [1, 0.5, 0.125])
    np.testing.assert_allclose(run["b"][0, :, 0], [1, 0.6, 0.216])


def test_a_step_size_per_problem_equals_separate_runs():
    x, y = _data(S=3, seed=4)
    together = engine.train(Logistic(x, y), engine.GD([0.1, 0.5, 0.9]), 15)
    for s, size in enumerate([0.1, 0.5, 0.9]):
        alone = engine.train(Logistic(x[s:s + 1], y[s:s + 1]), engine.GD(size), 15)
        np.testing.assert_allclose(together["w"][s], alone["w"][0], rtol=1e-13)
    with pytest.raises(ValueError, match="has 2 values; the batch has 3"):
        engine.train(Logistic(x, y), engine.GD([0.1, 0.5]), 2)


@pytest.mark.parametrize("step_size, match", [
    ({"a": 0.5}, "one step size per parameter group"), ({"a": 0.5, "b": 0.1, "c": 1.0}, "one step size per"),
    ({"a": -1.0, "b": 0.1}, r"step_size\['a'\] must be"), (0.0, "step_size must be"), (float("nan"), "step_size"),
    ({}, "at least one"), (True, "step_size must be"), ([0.1, -0.2], "step_size must be"),
    ({"a": 0.0, "b": [0.0, 0.0]}, "at least one parameter group"),
    ([[0.1]], "1-D sequence"),
])
def test_gd_rejects_bad_step_sizes(step_size, match):
    with pytest.raises(ValueError, match=match):
        engine.train(Quadratic(), engine.GD(step_size), 2)


def test_models_exact_only_under_linear_rules_refuse_others():
    class SignDescent:
        linear = False

        def init(self, params):
            return None

        def update(self, params, grads, state, step):
            for k, g in grads.items():
                params[k].sub_(0.1 * g.sign())

    class SpanLike(Quadratic):
        linear_rules_only = True

    assert engine.train(Quadratic(), SignDescent(), 2)["a"].shape == (1, 3, 2)   # a plain model accepts it
    with pytest.raises(ValueError, match="not linear in the gradient"):
        engine.train(SpanLike(), SignDescent(), 2)


@pytest.mark.parametrize("steps, record, match", [
    (5, [0, 9], "record must be"), (5, [3, 1], "record must be"), (5, [], "record must be"),
    (5, [0.5, 1], "record must be"), (-1, None, "steps must be"), (2.5, None, "steps must be"),
])
def test_bad_record_or_steps(steps, record, match):
    with pytest.raises(ValueError, match=match):
        engine.train(Quadratic(), engine.GD(0.1), steps, record=record)


def test_record_steps_include_ends():
    steps = engine.record_steps(200)
    assert steps[0] == 0 and steps[1] == 1 and steps[-1] == 200 and np.all(np.diff(steps) > 0)
    assert engine.record_steps(1).tolist() == [0, 1]
    with pytest.raises(ValueError, match="steps"):
        engine.record_steps(0)
    with pytest.raises(ValueError, match="count"):
        engine.record_steps(10, count=1)


class Interrupting(Quadratic):
    """Raises KeyboardInterrupt (as Ctrl-C would) inside the gradient of step ``at``."""

    def __init__(self, at):
        self.at, self.calls = at, 0

    def gradients(self, params, out):
        if self.calls == self.at:
            raise KeyboardInterrupt
        self.calls += 1
        return super().gradients(params, out)


def test_interrupt_returns_finished_steps_warns_and_is_refused():
    with pytest.warns(engine.InterruptedRunWarning, match="interrupted at step 4 of 10"):
        run = engine.train(Interrupting(at=4), engine.GD(0.1), 10, record=list(range(11)))
    assert run.interrupted and run.interrupted_at == 4 and run.planned_steps == 10
    assert run.steps.tolist() == [0, 1, 2, 3, 4]          # step 4 was recorded before its update broke
    np.testing.assert_allclose(run["a"][0, :, 0], 0.9 ** np.arange(5))
    with pytest.raises(engine.IncompleteRunError, match="stopped at step 4 of 10"):
        engine.require_complete(run, "the test")


def test_a_finished_run_is_not_refused_and_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run = engine.train(Quadratic(), engine.GD(0.1), 5)
    engine.require_complete(run)
    assert not run.interrupted and run.steps[-1] == 5


def test_progress_can_be_switched_off_by_the_environment(monkeypatch):
    monkeypatch.setenv("COMPANION_PROGRESS", "0")
    assert not engine.progress_enabled()
    monkeypatch.setenv("COMPANION_PROGRESS", "1")
    assert engine.progress_enabled()


def test_runs_are_deterministic():
    x, y = _data(seed=3)
    a = engine.train(Logistic(x, y), engine.GD(0.3), 20)
    b = engine.train(Logistic(x, y), engine.GD(0.3), 20)
    np.testing.assert_array_equal(a["w"], b["w"])


def test_unknown_record_name():
    run = engine.train(Quadratic(), engine.GD(0.1), 2)
    with pytest.raises(KeyError, match="recorded"):
        run["nope"]
