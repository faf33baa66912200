"""Full-batch gradient descent for two-layer ReLU networks whose output layer is fixed.

The network is ``f(x) = sum_j a_j relu(<w_j, x>)`` with fixed output weights ``a`` (shape ``(m,)``)
and a trained first layer ``W`` (shape ``(m, d)``). The loss is the mean logistic loss
``L(W) = (1/n) sum_i log(1 + exp(-y_i f(x_i)))`` and gradient descent is exactly

    W_{t+1} = W_t - step_size * grad L(W_t),

with the ReLU derivative taken as ``1[z > 0]`` (PyTorch's convention, so autograd agrees).

The span fast path
------------------
The gradient with respect to ``w_j`` is a combination of the training inputs:
``grad_j = sum_i (dL/df_i) a_j 1[<w_j, x_i> > 0] x_i``. So every iterate stays in
``W_0 + span(rows of X)``: ``W_t = W_0 + C_t X`` with an ``(m, n)`` coefficient matrix ``C_t``. The
pre-activations on the training set are ``Z_t = W_t X^T = Z_0 + C_t K`` with ``K = X X^T``, and the
update of ``C`` needs only ``Z_t``. One step therefore costs ``O(m n^2)`` instead of ``O(m n d)``:
the dimension ``d`` enters once, when ``Z_0 = W_0 X^T`` and ``K`` are formed. Outputs on any other
point ``u`` follow from ``<w_j, u> = <w0_j, u> + C_t X u``. This is the same algorithm, not an
approximation; ``tests/test_engine.py`` checks it against :func:`plain_gd` (autograd on ``W``).

Many independent problems (seeds, or configurations of the same size) run as one batched
computation: every tensor carries a leading batch axis of size ``S``.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

__all__ = ["SpanProblem", "Trace", "record_steps", "span_gd", "plain_gd", "explicit_loss", "output_weights"]


def output_weights(width: int, device: torch.device, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """The fixed second layer: ``a_j = +1/sqrt(m)`` for the first half, ``-1/sqrt(m)`` for the rest.

    Parameters
    ----------
    width : int
        Number of hidden units ``m``; must be even and positive.
    device : torch.device
    dtype : torch.dtype

    Returns
    -------
    torch.Tensor, shape (m,)
    """
    if not isinstance(width, (int, np.integer)) or width < 2 or width % 2:
        raise ValueError(f"width must be an even integer >= 2; got {width!r}")
    a = torch.full((width,), 1.0 / np.sqrt(width), device=device, dtype=dtype)
    a[width // 2:] *= -1
    return a


@dataclass
class SpanProblem:
    """``S`` independent training problems of one size, stored as the span dynamics need them.

    Attributes
    ----------
    gram : torch.Tensor, shape (S, n, n)
        ``K = X X^T`` for each problem.
    pre0 : torch.Tensor, shape (S, m, n)
        Initial pre-activations ``Z_0 = W_0 X^T``.
    labels : torch.Tensor, shape (S, n)
        Training labels in {-1, +1} (possibly noisy).
    out_weights : torch.Tensor, shape (m,)
        The fixed output weights ``a``.
    eval_gram : torch.Tensor, shape (S, n, q)
        ``X U^T`` for ``q`` evaluation points ``U`` (test points) whose outputs are recorded.
    eval_pre0 : torch.Tensor, shape (S, m, q)
        ``W_0 U^T``.
    probe_gram : torch.Tensor, shape (S, n, k), optional
        ``X V^T`` for ``k`` probe directions ``V``; the neurons' inner products ``W_t V^T`` are
        recorded (for example the projection of every neuron on the cluster means).
    probe_pre0 : torch.Tensor, shape (S, m, k), optional
        ``W_0 V^T``.
    """

    gram: torch.Tensor
    pre0: torch.Tensor
    labels: torch.Tensor
    out_weights: torch.Tensor
    eval_gram: torch.Tensor
    eval_pre0: torch.Tensor
    probe_gram: torch.Tensor | None = None
    probe_pre0: torch.Tensor | None = None

    def __post_init__(self) -> None:
        S, m, n = self.pre0.shape
        q = self.eval_pre0.shape[-1]
        expected = {"gram": (S, n, n), "labels": (S, n), "out_weights": (m,),
                    "eval_gram": (S, n, q), "eval_pre0": (S, m, q)}
        if self.probe_gram is not None or self.probe_pre0 is not None:
            if self.probe_gram is None or self.probe_pre0 is None:
                raise ValueError("probe_gram and probe_pre0 must be given together")
            k = self.probe_pre0.shape[-1]
            expected.update(probe_gram=(S, n, k), probe_pre0=(S, m, k))
        for name, shape in expected.items():
            got = tuple(getattr(self, name).shape)
            if got != shape:
                raise ValueError(f"{name} must have shape {shape} to match pre0 {tuple(self.pre0.shape)}; "
                                 f"got {got}")


@dataclass
class Trace:
    """What a gradient-descent run recorded, as numpy arrays on the host.

    Attributes
    ----------
    steps : ndarray of int, shape (R,)
        The recorded steps (number of updates applied), increasing.
    train_out : ndarray, shape (S, R, n)
        Network outputs ``f(x_i)`` on the training points.
    eval_out : ndarray, shape (S, R, q)
        Network outputs on the evaluation points.
    probes : ndarray, shape (S, R, m, k) or None
        Inner products of every neuron with the probe directions.
    loss : ndarray, shape (S, R)
        Mean logistic training loss.
    interrupted : bool
        True when the run was stopped by KeyboardInterrupt; the arrays then hold the steps that
        finished.
    """

    steps: np.ndarray
    train_out: np.ndarray
    eval_out: np.ndarray
    probes: np.ndarray | None
    loss: np.ndarray
    interrupted: bool = False


def record_steps(steps: int, count: int = 40) -> np.ndarray:
    """Roughly log-spaced steps to record: always 0, 1 and ``steps``.

    Parameters
    ----------
    steps : int
        Total number of updates (>= 1).
    count : int
        About how many steps to record (>= 2).

    Returns
    -------
    ndarray of int, shape (R,) with R <= count + 1
    """
    if not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps must be an integer >= 1; got {steps!r}")
    if not isinstance(count, (int, np.integer)) or count < 2:
        raise ValueError(f"count must be an integer >= 2; got {count!r}")
    grid = np.unique(np.round(np.geomspace(1, steps, count)).astype(int))
    return np.concatenate([[0], grid])


def _outputs(pre: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
    """``f = a^T relu(Z)``: (S, m, q) pre-activations -> (S, q) outputs."""
    return torch.einsum("m,smq->sq", a, torch.relu(pre))


def _validate_run(step_size: float, steps: int, record: np.ndarray | None) -> np.ndarray:
    if not np.isfinite(step_size) or step_size <= 0:
        raise ValueError(f"step_size must be a finite number > 0; got {step_size!r}")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps must be an integer >= 1; got {steps!r}")
    if record is None:
        return record_steps(steps)
    record = np.asarray(record, dtype=int)
    if record.ndim != 1 or record.size == 0 or np.any(np.diff(record) <= 0) or record[0] < 0 \
            or record[-1] > steps:
        raise ValueError(f"record must be increasing steps within [0, steps={steps}]; got {record!r}")
    return record


def span_gd(problem: SpanProblem, step_size: float, steps: int, record: np.ndarray | None = None,
            progress: bool = False) -> Trace:
    """Full-batch GD on the mean logistic loss, run on the span coefficients (the fast path).

    Parameters
    ----------
    problem : SpanProblem
        ``S`` problems of one size, all on one device.
    step_size : float
        Multiplies the gradient of the mean loss.
    steps : int
        Number of updates.
    record : array of int, optional
        Steps at which to record outputs (default: :func:`record_steps`).
    progress : bool
        Show a progress bar (tqdm) over the steps.

    Returns
    -------
    Trace
        Recorded outputs for the steps that finished; ``interrupted`` is set when a
        KeyboardInterrupt stopped the run early.
    """
    record = _validate_run(step_size, steps, record)
    p = problem
    a = p.out_weights
    n = p.labels.shape[1]
    y = p.labels
    coef = torch.zeros_like(p.pre0)                       # C_t, (S, m, n)
    rec = set(int(s) for s in record)
    out_train, out_eval, out_probe, losses, done = [], [], [], [], []
    interrupted = False
    # a text bar on stderr: it updates in place in Jupyter, Colab and terminals, and a static page
    # (the built book) drops stderr instead of freezing a widget at 0%
    bar = tqdm(total=steps, disable=not progress, leave=False, desc="gradient descent", file=sys.stderr,
               mininterval=0.5)
    try:
        for t in range(steps + 1):
            pre = torch.baddbmm(p.pre0, coef, p.gram)      # Z_t = Z_0 + C_t K, (S, m, n)
            f = _outputs(pre, a)                           # (S, n)
            margin = y * f
            if t in rec:     # compute everything first, so an interrupt never leaves a partial record
                f_eval = _outputs(torch.baddbmm(p.eval_pre0, coef, p.eval_gram), a)
                probe = None if p.probe_gram is None else torch.baddbmm(p.probe_pre0, coef, p.probe_gram)
                loss = F.softplus(-margin).mean(dim=1)
                out_train.append(f)
                out_eval.append(f_eval)
                if probe is not None:
                    out_probe.append(probe)
                losses.append(loss)
                done.append(t)
            if t == steps:
                break
            dloss_df = -y * torch.sigmoid(-margin) / n     # dL/df_i, (S, n)
            # grad wrt w_j = sum_i dL/df_i a_j 1[z_ji > 0] x_i  ->  coefficient of x_i
            coef.sub_(step_size * a[None, :, None] * (pre > 0) * dloss_df[:, None, :])
            bar.update(1)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        bar.close()
    return _trace(done, out_train, out_eval, out_probe, losses, interrupted)


def _trace(done, out_train, out_eval, out_probe, losses, interrupted) -> Trace:
    def stack(xs):
        return torch.stack(xs, dim=1).detach().cpu().numpy()
    if not done:
        raise RuntimeError("the run was interrupted before step 0 was recorded")
    return Trace(steps=np.asarray(done, dtype=int), train_out=stack(out_train), eval_out=stack(out_eval),
                 probes=stack(out_probe) if out_probe else None, loss=stack(losses),
                 interrupted=interrupted)


def explicit_loss(w: torch.Tensor, x: torch.Tensor, labels: torch.Tensor,
                  out_weights: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Outputs and mean logistic loss of the network with explicit first-layer weights.

    Parameters
    ----------
    w : torch.Tensor, shape (m, d)
    x : torch.Tensor, shape (n, d)
    labels : torch.Tensor, shape (n,)
    out_weights : torch.Tensor, shape (m,)

    Returns
    -------
    f : torch.Tensor, shape (n,)
    loss : torch.Tensor, scalar
    """
    f = torch.relu(x @ w.T) @ out_weights
    return f, F.softplus(-labels * f).mean()


def plain_gd(x: torch.Tensor, labels: torch.Tensor, w0: torch.Tensor, out_weights: torch.Tensor,
             step_size: float, steps: int, record: np.ndarray | None = None,
             x_eval: torch.Tensor | None = None, probes: torch.Tensor | None = None) -> Trace:
    """The plain reference: the same GD on the explicit weights ``W`` with autograd, one problem.

    Slow (each step costs ``O(m n d)``) and obviously correct; used by the tests and benchmarks
    to check :func:`span_gd`.

    Parameters
    ----------
    x : torch.Tensor, shape (n, d)
    labels : torch.Tensor, shape (n,)
    w0 : torch.Tensor, shape (m, d)
    out_weights : torch.Tensor, shape (m,)
    step_size : float
    steps : int
    record : array of int, optional
    x_eval : torch.Tensor, shape (q, d), optional
    probes : torch.Tensor, shape (k, d), optional

    Returns
    -------
    Trace
        With a batch axis of size 1. ``train_out`` etc. as in :func:`span_gd`.
    """
    record = _validate_run(step_size, steps, record)
    rec = set(int(s) for s in record)
    w = w0.clone().requires_grad_(True)
    x_eval = x[:0] if x_eval is None else x_eval
    out_train, out_eval, out_probe, losses, done = [], [], [], [], []
    for t in range(steps + 1):
        f, loss = explicit_loss(w, x, labels, out_weights)
        if t in rec:
            with torch.no_grad():
                out_train.append(f.detach()[None])
                out_eval.append((torch.relu(x_eval @ w.T) @ out_weights)[None])
                if probes is not None:
                    out_probe.append((w @ probes.T)[None])
                losses.append(loss.detach()[None])
                done.append(t)
        if t == steps:
            break
        (grad,) = torch.autograd.grad(loss, w)
        with torch.no_grad():
            w -= step_size * grad
    return _trace(done, out_train, out_eval, out_probe, losses, False)
