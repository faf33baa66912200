"""Training the privacy chapter's networks, every loop through :mod:`companion.engine`: to a stationary
point of the regularized loss (weight decay, then L-BFGS), plainly without weight decay (the
published recipe), and toward the max-margin direction (homogeneous networks, with plain or
loss-normalized steps). Progress bars and interrupts are the engine's; an interrupted run says so.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from .. import engine, validate
from ..device import resolve_device
from .networks import (attacked_parameters, checked_inputs, checked_labels, checked_module, flat, homogeneous_network,
                       logits)
from .theory import kkt_residual

__all__ = ["Network", "Steps", "Stationary", "train_stationary", "train_plain", "HomogeneousRun",
           "train_homogeneous"]


class Network:
    """A ``torch.nn.Module`` trained in place, as a model of :func:`companion.engine.train` (a batch of one
    problem): its parameters ``theta`` are the engine's parameter groups (views of their storage, so the
    module itself moves), the loss is the mean logistic loss plus ``(weight_decay / 2) ||theta||^2``, and
    the gradients come from autograd.

    With ``normalized``, once every training point is classified correctly the gradient is that of
    ``log L`` (computed in log space, defined after ``L`` underflows): with the step of :class:`Steps`,
    loss-normalized gradient descent. ``separated`` says which was used at the last step.

    Parameters
    ----------
    model : torch.nn.Module
    X : torch.Tensor, shape (n, input_dim)
    y : torch.Tensor, shape (n,)
    theta : list of torch.Tensor
        The trained parameters.
    weight_decay : float
    normalized : bool
    observe : callable, optional
        ``observe(out, loss) -> dict of tensors`` recorded at the recorded steps (default: the loss).
    """

    def __init__(self, model, X, y, theta, weight_decay: float = 0.0, normalized: bool = False, observe=None):
        self.model, self.X, self.y, self.theta = model, X, y, theta
        self.weight_decay, self.normalized, self._observe = weight_decay, normalized, observe
        self.separated = False

    def init(self):
        return {str(k): p.data.unsqueeze(0) for k, p in enumerate(self.theta)}

    def forward(self, params):
        out = logits(self.model, self.X)
        loss = F.softplus(-self.y * out).mean()
        objective = loss + 0.5 * self.weight_decay * sum((p * p).sum() for p in self.theta) if self.weight_decay \
            else loss
        return out, loss, objective

    def observe(self, params, forward):
        out, loss, objective = forward
        if self._observe is None:
            return {"loss": objective.detach()[None]}
        return {k: torch.as_tensor(v, dtype=torch.float64)[None] for k, v in self._observe(out, loss).items()}

    def gradients(self, params, forward):
        out, loss, objective = forward
        self.separated = self.normalized and bool((self.y * out > 0).all())
        if self.separated:       # grad L / L = grad log L, log L computed in log space
            z = -self.y * out
            log_terms = torch.where(z < -30, z, torch.log(F.softplus(z.clamp_min(-30))))   # log softplus(z) ~ z there
            objective = torch.logsumexp(log_terms, 0)
        grads = torch.autograd.grad(objective, self.theta)
        return {str(k): g.unsqueeze(0) for k, g in enumerate(grads)}


class Steps:
    """The update rule of :class:`Network`: ``theta -= step_size * grad``, and ``theta -= normalized * grad``
    at the steps where the network took the gradient of ``log L`` (loss-normalized steps).

    The product is formed before the subtraction, as a plain loop writes it (``p -= step * g``); the
    engine's :class:`companion.engine.GD` fuses the two, which can differ in the last bit.

    Parameters
    ----------
    network : Network
    step_size : float
    normalized : float, optional
    """

    linear = True

    def __init__(self, network: Network, step_size: float, normalized: float | None = None):
        self.network, self.step_size, self.normalized = network, step_size, normalized

    def init(self, params):
        return None

    def update(self, params, grads, state, step) -> None:
        scale = self.normalized if self.network.separated else self.step_size
        for name, grad in grads.items():
            params[name].sub_(grad.mul_(scale))


def _descend(network: Network, rule: Steps, steps: int, record, desc: str, progress: bool | None = None) -> engine.Run:
    """``steps`` updates of ``network`` through the engine, refusing nothing: the caller says what an
    interrupted run means for its result."""
    return engine.train(network, rule, steps, record=record, progress=progress, desc=desc)


@dataclass
class Stationary:
    """What :func:`train_stationary` reached.

    Attributes
    ----------
    residual : float
        ``||grad of the regularized loss|| / (weight_decay ||theta||)``: the relative distance of
        ``theta`` from ``sum_i mu_i y_i grad f(x_i)`` with ``mu_i = sigmoid(-y_i f_i) / (n wd)``.
    train_acc : float
    loss : float
        The regularized loss at the end.
    multipliers : torch.Tensor, shape (n,)
        ``mu_i``.
    """

    residual: float
    train_acc: float
    loss: float
    multipliers: torch.Tensor


def train_stationary(model, X, y, weight_decay: float = 1e-3, gd_steps: int = 300, step_size: float = 0.5,
                     lbfgs_iterations: int = 1000, params=None) -> Stationary:
    """Train ``model`` in place to a stationary point of the mean logistic loss plus
    ``(weight_decay / 2) ||theta||^2`` over the trained parameters: gradient descent, then L-BFGS.

    At a stationary point ``theta = sum_i mu_i y_i grad_theta f(x_i)`` with
    ``mu_i = sigmoid(-y_i f(x_i)) / (n weight_decay)`` exactly: the equation the reconstruction
    attack solves for the inputs.

    Parameters
    ----------
    model : torch.nn.Module
    X : array_like, shape (n, input_dim)
    y : array_like, shape (n,)
        Labels in {-1, +1}.
    weight_decay : float
    gd_steps : int
    step_size : float
    lbfgs_iterations : int
    params : sequence of torch.Tensor, optional
        The trained parameters (default: those with ``requires_grad``).

    Returns
    -------
    Stationary

    Raises
    ------
    companion.engine.IncompleteRunError
        When the gradient-descent stage is interrupted (a network short of its steps is no stationary
        point).
    """
    model = checked_module(model)
    X = checked_inputs("X", X, model)
    y = checked_labels("y", y, X)
    wd = validate.positive("weight_decay", weight_decay)
    gd_steps = validate.integer("gd_steps", gd_steps, 0)
    validate.positive("step_size", step_size)
    lbfgs_iterations = validate.integer("lbfgs_iterations", lbfgs_iterations, 0)
    theta = attacked_parameters(model, params)

    def objective():
        return F.softplus(-y * logits(model, X)).mean() + 0.5 * wd * sum((p * p).sum() for p in theta)

    network = Network(model, X, y, theta, weight_decay=wd)
    run = _descend(network, Steps(network, step_size), gd_steps, [gd_steps], "gradient descent (weight decay)")
    engine.require_complete(run, "train_stationary")
    if lbfgs_iterations:
        opt = torch.optim.LBFGS(theta, lr=1.0, max_iter=lbfgs_iterations, history_size=50,
                                tolerance_grad=1e-14, tolerance_change=1e-16, line_search_fn="strong_wolfe")

        def closure():
            opt.zero_grad()
            value = objective()
            value.backward()
            return value

        opt.step(closure)
    value = objective()
    grads = torch.autograd.grad(value, theta)
    with torch.no_grad():
        out = logits(model, X)
        norm = flat(theta).norm()
        residual = float(flat(grads).norm() / (wd * norm)) if norm > 0 else float("inf")
        return Stationary(residual=residual, train_acc=float((out * y > 0).double().mean()), loss=float(value),
                          multipliers=torch.sigmoid(-y * out) / (len(y) * wd))


def train_plain(model, X, y, steps: int, step_size: float) -> float:
    """Full-batch gradient descent on the mean logistic loss, no weight decay, in place (the published
    training, with far fewer steps than its 10^6 epochs). Returns the final loss.

    Parameters
    ----------
    model : torch.nn.Module
    X : array_like, shape (n, input_dim)
    y : array_like, shape (n,)
    steps : int
    step_size : float

    Returns
    -------
    float

    Raises
    ------
    companion.engine.IncompleteRunError
        When the run is interrupted.
    """
    model = checked_module(model)
    X = checked_inputs("X", X, model)
    y = checked_labels("y", y, X)
    steps = validate.integer("steps", steps, 1)
    validate.positive("step_size", step_size)
    theta = attacked_parameters(model, None)
    network = Network(model, X, y, theta)
    run = _descend(network, Steps(network, step_size), steps, [steps], "gradient descent (published recipe)")
    engine.require_complete(run, "train_plain")
    return float(run["loss"][0, -1])


@dataclass
class HomogeneousRun(engine.RunStatus):
    """A homogeneous network trained by :func:`train_homogeneous`, and what was recorded.

    Attributes
    ----------
    model : torch.nn.Sequential
        The trained network.
    steps : ndarray of int, shape (R,)
    loss : ndarray, shape (R,)
    normalized_margin : ndarray, shape (R,)
        ``min_i y_i f(x_i) / ||theta||^L``.
    train_acc : ndarray, shape (R,)
    degree : int
        ``L``.
    kkt : ndarray, shape (R,)
        :func:`kkt_residual` at each recorded step (NaN unless asked for).
    off_margin : ndarray, shape (R,)
        Complementary slackness, measured: the share of the fitted multipliers' total on points whose
        margin exceeds the smallest by more than 5% (0 at an exact KKT point; NaN unless asked for,
        and before the data are separated).
    n : int
        Training points.
    planned_steps : int
    interrupted_at : int or None
        The step at which a KeyboardInterrupt stopped training (None: it finished); the arrays then hold
        the steps recorded before it, and the claims refuse the run.
    """

    model: torch.nn.Sequential
    steps: np.ndarray
    loss: np.ndarray
    normalized_margin: np.ndarray
    train_acc: np.ndarray
    degree: int
    kkt: np.ndarray
    off_margin: np.ndarray
    n: int
    planned_steps: int = 0
    interrupted_at: int | None = None


def train_homogeneous(X, y, widths: Sequence[int] = (1000,), steps: int = 10_000, step_size: float = 0.1,
                      seed: int = 0, init_scale: float = 1.0, normalized: float | None = None,
                      record: Sequence[int] | None = None, kkt: bool = False, device=None) -> HomogeneousRun:
    """Gradient descent on the mean logistic loss of a bias-free ReLU network from
    :func:`homogeneous_network`.

    Parameters
    ----------
    X : array_like, shape (n, input_dim)
    y : array_like, shape (n,)
        Labels in {-1, +1}.
    widths : sequence of int
    steps : int
    step_size : float
    seed : int
    init_scale : float
    normalized : float, optional
        If given, once the data are separated the step is this divided by the current loss
        (loss-normalized steps: they stay large as the loss vanishes, which speeds up the convergence
        in direction); ``step_size`` is used until then. The step is computed as the gradient of
        ``log L`` in log space, so it stays defined after the loss itself underflows.
    record : sequence of int, optional
        Steps to record (default: about 40, log-spaced).
    kkt : bool
        Also compute the KKT residual at every recorded step, and the multipliers' mass off the margin
        once the data are separated (one NNLS fit each).
    device : str, torch.device or None

    Returns
    -------
    HomogeneousRun
        If a KeyboardInterrupt stops training, the steps recorded before it, marked interrupted (with an
        :class:`companion.engine.InterruptedRunWarning`).
    """
    dev = resolve_device(device)
    X = torch.as_tensor(validate.array("X", X, ndim=2), dtype=torch.float64, device=dev)
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"X must have shape (n, input_dim) with n >= 1; got {tuple(X.shape)}")
    y = checked_labels("y", y, X)
    steps = validate.integer("steps", steps, 1)
    validate.positive("step_size", step_size)
    if normalized is not None:
        validate.positive("normalized", normalized)
    model = homogeneous_network(X.shape[1], widths, seed=seed, init_scale=init_scale, device=dev)
    record = engine.record_steps(steps) if record is None else np.asarray(sorted(set(int(s) for s in record)))
    if record.size == 0 or record[0] < 0 or record[-1] > steps:
        raise ValueError(f"record must hold steps in [0, {steps}]; got {record.tolist()}")
    theta = list(model.parameters())
    degree = len(theta)

    def observe(out, loss):
        with torch.no_grad():
            norm = flat(theta).norm()
            separated = bool((y * out > 0).all())
            row = {"loss": loss.detach(), "margin": (y * out).min() / norm ** degree,
                   "acc": (y * out > 0).double().mean(), "kkt": np.nan, "off": np.nan}
        if kkt:
            k = kkt_residual(model, X, y)
            total = k.multipliers.sum()
            row["kkt"] = k.residual
            if separated and total > 0:
                row["off"] = float(k.multipliers[k.margins > 1.05].sum() / total)
        return row

    network = Network(model, X, y, theta, normalized=normalized is not None, observe=observe)
    run = _descend(network, Steps(network, step_size, normalized), steps, record,
                   "gradient descent" + (" (loss-normalized once separated)" if normalized is not None else ""))
    return HomogeneousRun(model=model, steps=run.steps, loss=run["loss"][0], normalized_margin=run["margin"][0],
                          train_acc=run["acc"][0], degree=degree, kkt=run["kkt"][0], off_margin=run["off"][0], n=len(y),
                          planned_steps=steps, interrupted_at=run.interrupted_at)
