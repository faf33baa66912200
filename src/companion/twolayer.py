"""Two-layer networks with a fixed output layer, trained on the span of their data.

The network is ``f(x) = sum_j a_j relu(<w_j, x>)`` with fixed output weights ``a`` (shape ``(m,)``)
and a trained first layer ``W`` (shape ``(m, d)``), on a margin loss
``L(W) = (1/n) sum_i loss(y_i f(x_i))`` (logistic, exponential or squared; :data:`LOSSES`).
Gradient descent is exactly ``W_{t+1} = W_t - step_size * grad L(W_t)``, with the ReLU derivative
taken as ``1[z > 0]`` (PyTorch's convention, so autograd agrees).

The span fast path
------------------
The gradient with respect to ``w_j`` is a combination of the training inputs,
``grad_j = sum_i (dL/df_i) a_j 1[<w_j, x_i> > 0] x_i``, so every iterate stays in
``W_0 + span(rows of X)``: ``W_t = W_0 + C_t X`` with an ``(m, n)`` coefficient matrix ``C_t``. The
pre-activations on the training set are ``Z_t = W_t X^T = Z_0 + C_t K`` with ``K = X X^T``, and the
update of ``C`` needs only ``Z_t``. One step costs ``O(m n^2)`` instead of ``O(m n d)``: the dimension
enters only through the inner products ``K``, ``Z_0 = W_0 X^T`` and those with the evaluation points
and probe directions (:class:`SpanData`), which :mod:`companion.gram` can draw for any dimension.
This is the same algorithm, not an approximation; ``tests/test_twolayer.py`` checks it against
:func:`companion.engine.plain_gd` (autograd on ``W``) in float64.

The coefficients move by a linear map of the gradient, so the model is exact under update rules
linear in the gradient (``linear_rules_only``): gradient descent, not sign descent.

Each step works in one ``(S, m, n)`` buffer: the pre-activations are written into it, made
``relu`` in place, read once for the outputs, and then turned in place into the coefficient
gradient ``a_j 1[z_ji > 0] dL/df_i``; no other array of that size is allocated.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ["LOSSES", "SpanData", "SpanTwoLayer", "output_weights", "explicit_outputs", "explicit_loss"]


def _logistic(z):
    return F.softplus(-z)


def _logistic_slope(z):
    return -torch.sigmoid(-z)


def _exponential(z):
    return torch.exp(-z)


def _exponential_slope(z):
    return -torch.exp(-z)


def _squared(z):
    return 0.5 * (1 - z) ** 2


def _squared_slope(z):
    return z - 1


LOSSES = {"logistic": (_logistic, _logistic_slope), "exponential": (_exponential, _exponential_slope),
          "squared": (_squared, _squared_slope)}
"""Margin losses ``loss(z)`` of ``z = y f`` and their derivatives: ``log(1 + e^-z)``, ``e^-z`` and
``(1 - z)^2 / 2`` (for labels in {-1, +1} the last is the squared error ``(f - y)^2 / 2``)."""


def _check_loss(loss: str) -> None:
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {sorted(LOSSES)}; got {loss!r}")


def output_weights(width: int, device: torch.device | str = "cpu", dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """The usual fixed second layer: ``a_j = +1/sqrt(m)`` for the first half, ``-1/sqrt(m)`` for the rest.

    Parameters
    ----------
    width : int
        Number of hidden units ``m``; even and positive.
    device : torch.device or str
    dtype : torch.dtype

    Returns
    -------
    torch.Tensor, shape (m,)
    """
    if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or width < 2 or width % 2:
        raise ValueError(f"width must be an even integer >= 2; got {width!r}")
    a = torch.full((width,), 1.0 / np.sqrt(width), device=device, dtype=dtype)
    a[width // 2:] *= -1
    return a


@dataclass
class SpanData:
    """``S`` training problems of one size, as the span dynamics see them: inner products only.

    Attributes
    ----------
    gram : torch.Tensor, shape (S, n, n)
        ``K = X X^T``.
    pre0 : torch.Tensor, shape (S, m, n)
        Initial pre-activations ``Z_0 = W_0 X^T``.
    labels : torch.Tensor, shape (S, n)
        Training labels in {-1, +1}.
    eval_gram : torch.Tensor, shape (S, n, q)
        ``X U^T`` for ``q`` evaluation points ``U`` whose outputs are recorded (may be ``q = 0``).
    eval_pre0 : torch.Tensor, shape (S, m, q)
        ``W_0 U^T``.
    probe_gram : torch.Tensor, shape (S, n, k), optional
        ``X V^T`` for ``k`` probe directions ``V``: the neurons' inner products ``W_t V^T`` are
        recorded (for example the projections of every neuron on the cluster means).
    probe_pre0 : torch.Tensor, shape (S, m, k), optional
        ``W_0 V^T``.
    init_sq_norm : torch.Tensor, shape (S,), optional
        ``||W_0||_F^2``; when given, the model records ``||W_t||_F`` (for normalized margins).

    All tensors share one device and one floating-point type.
    """

    gram: torch.Tensor
    pre0: torch.Tensor
    labels: torch.Tensor
    eval_gram: torch.Tensor
    eval_pre0: torch.Tensor
    probe_gram: torch.Tensor | None = None
    probe_pre0: torch.Tensor | None = None
    init_sq_norm: torch.Tensor | None = None

    def __post_init__(self) -> None:
        if self.pre0.ndim != 3:
            raise ValueError(f"pre0 must have shape (S, m, n); got {tuple(self.pre0.shape)}")
        S, m, n = self.pre0.shape
        q = self.eval_pre0.shape[-1]
        expected = {"gram": (S, n, n), "labels": (S, n), "eval_gram": (S, n, q), "eval_pre0": (S, m, q)}
        if (self.probe_gram is None) != (self.probe_pre0 is None):
            raise ValueError("probe_gram and probe_pre0 must be given together")
        if self.probe_gram is not None:
            k = self.probe_pre0.shape[-1]
            expected.update(probe_gram=(S, n, k), probe_pre0=(S, m, k))
        if self.init_sq_norm is not None:
            expected["init_sq_norm"] = (S,)
        for name, shape in expected.items():
            got = tuple(getattr(self, name).shape)
            if got != shape:
                raise ValueError(f"{name} must have shape {shape} to match pre0 {tuple(self.pre0.shape)}; got {got}")
        for name in expected:
            t = getattr(self, name)
            if t.device != self.pre0.device or t.dtype != self.pre0.dtype:
                raise ValueError(f"{name} must be on {self.pre0.device} with dtype {self.pre0.dtype} like pre0; "
                                 f"got {t.device}, {t.dtype}")

    @classmethod
    def from_explicit(cls, x: torch.Tensor, labels: torch.Tensor, w0: torch.Tensor, x_eval: torch.Tensor,
                      probes: torch.Tensor | None = None) -> "SpanData":
        """The inner products of explicit vectors, for one problem (``S = 1``).

        Parameters
        ----------
        x : torch.Tensor, shape (n, d)
        labels : torch.Tensor, shape (n,)
        w0 : torch.Tensor, shape (m, d)
        x_eval : torch.Tensor, shape (q, d)
        probes : torch.Tensor, shape (k, d), optional

        Returns
        -------
        SpanData
        """
        extra = {} if probes is None else dict(probe_gram=(x @ probes.T)[None], probe_pre0=(w0 @ probes.T)[None])
        extra["init_sq_norm"] = w0.pow(2).sum()[None]
        return cls(gram=(x @ x.T)[None], pre0=(w0 @ x.T)[None], labels=labels[None],
                   eval_gram=(x @ x_eval.T)[None], eval_pre0=(w0 @ x_eval.T)[None], **extra)


class SpanTwoLayer:
    """The two-layer network on its span coefficients, as a model of :func:`companion.engine.train`.

    Parameters
    ----------
    data : SpanData
    out_weights : torch.Tensor, shape (m,)
        The fixed output layer ``a`` (same device and dtype as ``data``).
    loss : {"logistic", "exponential", "squared"}

    Notes
    -----
    Parameters: ``{"coef": C}`` with ``C`` of shape ``(S, m, n)``, starting at zero (``W = W_0``).
    Recorded at each recorded step: ``train_out`` (S, n) and ``eval_out`` (S, q), the outputs;
    ``loss`` (S,), the mean training loss; ``probes`` (S, m, k), ``W_t V^T``, when the data
    have probe directions; ``weight_norm`` (S,), ``||W_t||_F``, when they have ``init_sq_norm``
    (from ``||W_0 + C X||^2 = ||W_0||^2 + 2 <C, Z_0> + <C K, C>``); and ``pattern_change`` (S,),
    the share of (neuron, evaluation point) pairs whose ReLU is on at step ``t`` but off at
    initialization or the reverse (near 0 while training stays lazy).
    """

    linear_rules_only = True

    def __init__(self, data: SpanData, out_weights: torch.Tensor, loss: str = "logistic"):
        _check_loss(loss)
        m = data.pre0.shape[1]
        if tuple(out_weights.shape) != (m,):
            raise ValueError(f"out_weights must have shape ({m},) to match the data's width; "
                             f"got {tuple(out_weights.shape)}")
        if out_weights.device != data.pre0.device or out_weights.dtype != data.pre0.dtype:
            raise ValueError(f"out_weights must be on {data.pre0.device} with dtype {data.pre0.dtype}; "
                             f"got {out_weights.device}, {out_weights.dtype}")
        self.data, self.out_weights, self.loss = data, out_weights, loss
        self._loss, self._slope = LOSSES[loss]
        self._a_col = out_weights[None, :, None]
        self._buffer = torch.empty_like(data.pre0)

    def init(self) -> dict[str, torch.Tensor]:
        return {"coef": torch.zeros_like(self.data.pre0)}

    def forward(self, params):
        act = torch.baddbmm(self.data.pre0, params["coef"], self.data.gram, out=self._buffer).relu_()
        return act, torch.matmul(self.out_weights, act)          # relu(Z_t) (S, m, n), f (S, n)

    def observe(self, params, out):
        d, coef = self.data, params["coef"]
        f = out[1]
        eval_pre = torch.baddbmm(d.eval_pre0, coef, d.eval_gram)
        seen = {"train_out": f, "loss": self._loss(d.labels * f).mean(dim=1),
                "pattern_change": ((eval_pre > 0) != (d.eval_pre0 > 0)).flatten(1).to(f.dtype).mean(dim=1),
                "eval_out": torch.matmul(self.out_weights, eval_pre.relu_())}
        if d.probe_gram is not None:
            seen["probes"] = torch.baddbmm(d.probe_pre0, coef, d.probe_gram)
        if d.init_sq_norm is not None:
            sq = d.init_sq_norm + 2 * (coef * d.pre0).sum(dim=(1, 2)) + (torch.bmm(coef, d.gram) * coef).sum(dim=(1, 2))
            seen["weight_norm"] = sq.clamp_min(0).sqrt()
        return seen

    def gradients(self, params, out):
        act, f = out
        y = self.data.labels
        dloss_df = y * self._slope(y * f) / y.shape[1]                 # dL/df_i, (S, n)
        # in place: relu(Z) -> 1[Z > 0] -> a_j 1[Z > 0] -> a_j 1[Z > 0] dL/df_i
        return {"coef": act.sign_().mul_(self._a_col).mul_(dloss_df[:, None, :])}


def explicit_outputs(w: torch.Tensor, x: torch.Tensor, out_weights: torch.Tensor) -> torch.Tensor:
    """Outputs of the network with explicit first-layer weights.

    Parameters
    ----------
    w : torch.Tensor, shape (m, d)
    x : torch.Tensor, shape (q, d)
    out_weights : torch.Tensor, shape (m,)

    Returns
    -------
    torch.Tensor, shape (q,)
    """
    return torch.relu(x @ w.T) @ out_weights


def explicit_loss(w: torch.Tensor, x: torch.Tensor, labels: torch.Tensor, out_weights: torch.Tensor,
                  loss: str = "logistic") -> torch.Tensor:
    """The mean training loss of the network with explicit first-layer weights (for autograd).

    Parameters
    ----------
    w : torch.Tensor, shape (m, d)
    x : torch.Tensor, shape (n, d)
    labels : torch.Tensor, shape (n,)
    out_weights : torch.Tensor, shape (m,)
    loss : {"logistic", "exponential", "squared"}

    Returns
    -------
    torch.Tensor, scalar
    """
    _check_loss(loss)
    return LOSSES[loss][0](labels * explicit_outputs(w, x, out_weights)).mean()
