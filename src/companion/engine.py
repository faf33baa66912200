"""One full-batch training loop for every chapter.

The theory in this book analyzes full-batch gradient descent, so that is what the loop runs:
every update uses the exact gradient of the whole training loss, no sampling, no approximation.
The loop is model-agnostic. It owns what every chapter needs once:

* the recorded steps (:func:`record_steps`) and what is recorded at them;
* batching: every tensor of a model carries a leading axis of ``S`` independent problems (seeds,
  configurations), trained together as one computation;
* the update rule, a parameter of the loop (:class:`GD`: gradient descent with one step size per
  parameter group; other rules such as sign descent or Adam implement the same two methods);
* progress (a ``tqdm.auto`` bar for runs that take more than a couple of seconds; the variable
  ``COMPANION_PROGRESS=0`` turns every bar off, as the book build does);
* interrupts: Ctrl-C returns the steps that finished, with a warning, and the result says so;
  :func:`require_complete` refuses to judge such a result;
* results: a :class:`Run` of numpy arrays, one per recorded quantity.

A model supplies its parameters, its forward pass, what to observe and its gradients. It plugs
in with a dozen lines; here is batched logistic regression (``x`` of shape ``(S, n, d)``, ``y`` of
shape ``(S, n)``)::

    class Logistic:
        def __init__(self, x, y):
            self.x, self.y = x, y
        def init(self):                                  # parameters, leading axis S
            return {"w": self.x.new_zeros(self.x.shape[0], self.x.shape[2])}
        def forward(self, params):                       # anything observe/gradients need
            return torch.einsum("snd,sd->sn", self.x, params["w"])
        def observe(self, params, out):                  # recorded at recorded steps
            return {"loss": F.softplus(-self.y * out).mean(dim=1)}
        def gradients(self, params, out):                # gradient of the mean loss
            d = -self.y * torch.sigmoid(-self.y * out) / self.x.shape[1]
            return {"w": torch.einsum("sn,snd->sd", d, self.x)}

    run = engine.train(Logistic(x, y), engine.GD(0.5), steps=100)
    run["loss"]        # (S, R): the loss at run.steps

At each step ``t`` the loop calls ``forward``, then ``observe`` if ``t`` is recorded, then (unless
``t`` is the last step) ``gradients`` and the rule's ``update``. ``observe`` runs before
``gradients``, so a model may reuse the forward pass's buffers in place when it computes the
gradients. A model whose parameters are coordinates in which only some rules are exact (the span
coefficients of :mod:`companion.twolayer`: the span of the data is preserved by any update linear in
the gradient, not by sign descent) sets ``linear_rules_only = True`` and the loop refuses other rules.

:func:`plain_gd` is the generic autograd reference: gradient descent on explicit parameters with
gradients from ``torch.autograd``; every fast path in the book is tested against it.
"""
from __future__ import annotations

import itertools
import os
import warnings
from dataclasses import dataclass, field
from typing import Callable, Mapping, Protocol, Sequence

import numpy as np
import torch
from tqdm.auto import tqdm

__all__ = ["Model", "UpdateRule", "GD", "Adam", "Run", "RunStatus", "IncompleteRunError", "InterruptedRunWarning", "train",
           "plain_gd", "progress_bar", "record_steps", "require_complete", "progress_enabled", "grid"]


class Model(Protocol):
    """What the loop needs from a model (see the module docstring for an example)."""

    def init(self) -> dict[str, torch.Tensor]:
        """The starting parameters, by group name, each with a leading axis of ``S`` problems."""

    def forward(self, params: dict[str, torch.Tensor]):
        """Whatever :meth:`observe` and :meth:`gradients` need from the current parameters."""

    def observe(self, params: dict[str, torch.Tensor], out) -> dict[str, torch.Tensor]:
        """The quantities to record, by name, each with a leading axis of ``S``."""

    def gradients(self, params: dict[str, torch.Tensor], out) -> dict[str, torch.Tensor]:
        """The gradient of the training loss for each parameter group (same shapes as params).

        The tensors are handed over: an update rule may overwrite them in place."""


class UpdateRule(Protocol):
    """How parameters move given their gradients. ``linear`` says whether the update is a fixed
    linear map of the gradient (gradient descent is; sign descent and Adam are not)."""

    linear: bool

    def init(self, params: dict[str, torch.Tensor]):
        """Validate the rule against the parameter groups; return the rule's state (or None)."""

    def update(self, params: dict[str, torch.Tensor], grads: dict[str, torch.Tensor], state, step: int) -> None:
        """Move ``params`` in place."""


def _check_step_size(name: str, value, allow_zero: bool = False):
    """A finite number > 0 (>= 0 with ``allow_zero``), or a non-empty 1-D sequence of them (one per problem)."""
    bound = ">= 0" if allow_zero else "> 0"
    low_ok = (lambda a: np.all(a >= 0)) if allow_zero else (lambda a: np.all(a > 0))
    if isinstance(value, (list, tuple, np.ndarray, torch.Tensor)):
        arr = np.asarray(value.cpu() if isinstance(value, torch.Tensor) else value, dtype=float)
        if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)) or not low_ok(arr):
            raise ValueError(f"{name} must be a finite number {bound} or a 1-D sequence of them (one per problem); "
                             f"got {value!r}")
        return arr
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not np.isfinite(value) or not low_ok(np.asarray(value, dtype=float)):
        raise ValueError(f"{name} must be a finite number {bound} or a 1-D sequence of them (one per problem); "
                         f"got {value!r}")
    return float(value)


@dataclass(frozen=True)
class GD:
    """Full-batch gradient descent: ``theta_g <- theta_g - step_size_g * grad_g`` for every group ``g``.

    Parameters
    ----------
    step_size : float, sequence, or mapping of str to either
        One step size for every parameter group (> 0), or one per group (every group must be named;
        a group's step size may be 0, which freezes it, as long as some group's is not). A step size
        may also be a sequence of ``S`` values, one per problem of the batch, so that configurations
        that differ only in their step size train together.
    """

    step_size: float | Sequence[float] | Mapping[str, float | Sequence[float]]
    linear: bool = field(default=True, init=False)

    def __post_init__(self) -> None:
        if isinstance(self.step_size, Mapping):
            if not self.step_size:
                raise ValueError("step_size must name at least one parameter group")
            sizes = [_check_step_size(f"step_size[{name!r}]", value, allow_zero=True)
                     for name, value in self.step_size.items()]
            if all(np.all(np.asarray(v) == 0) for v in sizes):
                raise ValueError(f"step_size must be > 0 for at least one parameter group; got {dict(self.step_size)!r}")
        else:
            _check_step_size("step_size", self.step_size)

    def init(self, params: dict[str, torch.Tensor]) -> dict:
        """The step size of every parameter group: a float, or a tensor broadcastable against the group."""
        if isinstance(self.step_size, Mapping):
            missing, extra = set(params) - set(self.step_size), set(self.step_size) - set(params)
            if missing or extra:
                raise ValueError(f"step_size must give one step size per parameter group {sorted(params)}; "
                                 f"got {sorted(self.step_size)}")
            sizes = {name: _check_step_size(f"step_size[{name!r}]", v, allow_zero=True)
                     for name, v in self.step_size.items()}
        else:
            sizes = {name: _check_step_size("step_size", self.step_size) for name in params}
        for name, size in sizes.items():
            if isinstance(size, np.ndarray):
                p = params[name]
                if size.size != p.shape[0]:
                    raise ValueError(f"step_size for {name!r} has {size.size} values; the batch has {p.shape[0]} "
                                     "problems")
                sizes[name] = torch.as_tensor(size, dtype=p.dtype, device=p.device).view(-1, *[1] * (p.ndim - 1))
        return sizes

    def update(self, params, grads, state, step) -> None:
        """``params[g] -= state[g] * grads[g]`` in place, for every group."""
        for name, grad in grads.items():
            size = state[name]
            if isinstance(size, torch.Tensor):
                params[name].sub_(grad.mul_(size))      # the gradient is the model's scratch space
            else:
                params[name].add_(grad, alpha=-size)


class IncompleteRunError(RuntimeError):
    """Raised when something that judges a result (claims, a verdict) is given an interrupted run."""


class InterruptedRunWarning(UserWarning):
    """Warned when a run was stopped (Ctrl-C) before its last step: its result holds fewer steps."""


class RunStatus:
    """For results built from a :class:`Run`: they carry ``planned_steps`` and ``interrupted_at``
    (None when the run finished) and get the ``interrupted`` property from here."""

    planned_steps: int
    interrupted_at: int | None

    @property
    def interrupted(self) -> bool:
        """True when training stopped before ``planned_steps``."""
        return self.interrupted_at is not None


@dataclass
class Run(RunStatus):
    """What the loop recorded, as numpy arrays on the host.

    Attributes
    ----------
    steps : ndarray of int, shape (R,)
        The recorded steps that finished (number of updates applied), increasing.
    records : dict of str to ndarray
        Each recorded quantity, shape ``(S, R, ...)``.
    planned_steps : int
        The number of steps the run was asked for.
    interrupted_at : int or None
        The step during which a KeyboardInterrupt stopped the run; None if it finished.
    """

    steps: np.ndarray
    records: dict
    planned_steps: int
    interrupted_at: int | None = None

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self.records:
            raise KeyError(f"{name!r} was not recorded; recorded: {sorted(self.records)}")
        return self.records[name]


def require_complete(result, what: str = "this result") -> None:
    """Raise :class:`IncompleteRunError` if ``result`` comes from an interrupted run.

    Parameters
    ----------
    result : object with ``interrupted`` (bool) and ``interrupted_at`` (int or None)
        A :class:`Run`, a chapter's result built from one, or a :class:`companion.runs.SeedRuns`
        (whose ``unit`` attribute names what ``interrupted_at`` counts; steps by default).
    what : str
        What refuses the result, for the message (e.g. "the XOR claims").

    Raises
    ------
    IncompleteRunError
    """
    if getattr(result, "interrupted", False):
        at = getattr(result, "interrupted_at", None)
        planned = getattr(result, "planned_steps", None)
        unit = getattr(result, "unit", "step")
        raise IncompleteRunError(
            f"{what} cannot judge an interrupted run: it stopped at {unit} {at}"
            + (f" of {planned}" if planned is not None else "")
            + f", so its last recorded {unit} is not the end of the run. Rerun the cell to the end.")


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
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps must be an integer >= 1; got {steps!r}")
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 2:
        raise ValueError(f"count must be an integer >= 2; got {count!r}")
    grid = np.unique(np.round(np.geomspace(1, steps, count)).astype(int))
    return np.concatenate([[0], grid])


def _validate_record(steps: int, record) -> np.ndarray:
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps must be an integer >= 0; got {steps!r}")
    if record is None:
        return record_steps(steps) if steps >= 1 else np.array([0])
    record = np.asarray(record)
    if record.ndim != 1 or record.size == 0 or not np.issubdtype(record.dtype, np.integer) \
            or np.any(np.diff(record) <= 0) or record[0] < 0 or record[-1] > steps:
        raise ValueError(f"record must be increasing integer steps within [0, steps={steps}]; got {record.tolist()}")
    return record.astype(int)


def grid(values: Mapping[str, Sequence], problems: int) -> list[tuple[dict, int]]:
    """Every combination of the values of a sweep, for each of ``problems`` base problems (seeds):
    the settings and base index of each problem of one batched run, in row-major order (the last
    axis fastest, the base problem fastest of all), so the results reshape to
    ``(*axis sizes, problems, ...)``.

    Parameters
    ----------
    values : mapping of str to sequence
    problems : int

    Returns
    -------
    list of (dict, int)
    """
    return [(dict(zip(values, point)), k) for point in itertools.product(*values.values()) for k in range(problems)]


@dataclass(frozen=True)
class Adam:
    """Adam (Kingma and Ba), the same update as ``torch.optim.Adam`` without weight decay.

    Not a linear function of the gradient, so models that are exact only under gradient descent
    refuse it. The book uses it where the object of study is a minimizer, not the path of gradient
    descent (the trained ReLU network of the kernels chapter).

    Parameters
    ----------
    step_size : float
    betas : tuple of float
    eps : float
    """

    step_size: float
    betas: tuple = (0.9, 0.999)
    eps: float = 1e-8
    linear: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        _check_step_size("step_size", self.step_size)
        if len(self.betas) != 2 or not all(0 <= b < 1 for b in self.betas):
            raise ValueError(f"betas must be two numbers in [0, 1); got {self.betas!r}")
        if not self.eps > 0:
            raise ValueError(f"eps must be > 0; got {self.eps!r}")

    def init(self, params: dict[str, torch.Tensor]) -> dict:
        """First and second moments, zero, for every group."""
        return {name: (torch.zeros_like(p), torch.zeros_like(p)) for name, p in params.items()}

    def update(self, params, grads, state, step) -> None:
        """One Adam step (``step`` counts from 0)."""
        b1, b2 = self.betas
        for name, grad in grads.items():
            m, v = state[name]
            m.mul_(b1).add_(grad, alpha=1 - b1)
            v.mul_(b2).addcmul_(grad, grad, value=1 - b2)
            denom = (v / (1 - b2 ** (step + 1))).sqrt_().add_(self.eps)
            params[name].addcdiv_(m, denom, value=-self.step_size / (1 - b1 ** (step + 1)))


def progress_enabled() -> bool:
    """False when the environment variable ``COMPANION_PROGRESS`` is ``0`` (the book build sets it,
    so that no progress bar is stored in the built pages); True otherwise."""
    return os.environ.get("COMPANION_PROGRESS", "1").strip() != "0"


def progress_bar(total: int, progress: bool | None, desc: str):
    """The book's progress bar (tqdm.auto) over ``total`` units: ``progress`` True shows it, False
    hides it, None shows it only if the work is still going after 2 s; the environment variable
    ``COMPANION_PROGRESS=0`` hides it always (the book build sets it)."""
    disable = progress is False or not progress_enabled()
    return tqdm(total=total, desc=desc, disable=disable, leave=False, delay=0 if progress else 2.0,
                mininterval=0.5)


def train(model: Model, rule: UpdateRule, steps: int, record=None, progress: bool | None = None,
          desc: str = "gradient descent") -> Run:
    """Run ``steps`` full-batch updates of ``model`` with ``rule`` and record what it observes.

    Parameters
    ----------
    model : Model
    rule : UpdateRule
        For example ``GD(0.1)`` or ``GD({"p": 0.05, "v": 0.02})``.
    steps : int
        Number of updates (>= 0).
    record : sequence of int, optional
        Increasing steps in ``[0, steps]`` at which to call ``model.observe`` (default:
        :func:`record_steps`).
    progress : bool or None
        True: always show a progress bar; False: never; None: only for runs slower than 2 s.
    desc : str
        The progress bar's label.

    Returns
    -------
    Run
        ``records[name]`` has shape ``(S, R, ...)``. If a KeyboardInterrupt stopped the run, the
        run holds the steps recorded before it, ``interrupted_at`` says when, and an
        :class:`InterruptedRunWarning` is issued.
    """
    record = _validate_record(steps, record)
    if getattr(model, "linear_rules_only", False) and not getattr(rule, "linear", False):
        raise ValueError(f"rule {type(rule).__name__} is not linear in the gradient, and this model "
                         f"({type(model).__name__}) is exact only under linear rules such as GD")
    wanted = set(int(s) for s in record)
    params = model.init()
    state = rule.init(params)
    history: list[tuple[int, dict]] = []
    interrupted_at = None
    t = 0
    bar = progress_bar(steps, progress, desc)
    try:
        for t in range(steps + 1):
            out = model.forward(params)
            if t in wanted:
                # snapshots: a model may return views of parameters that later updates change in place
                observed = {k: v.detach().clone() for k, v in model.observe(params, out).items()}
                history.append((t, observed))        # one append: never a half-written record
            if t == steps:
                break
            rule.update(params, model.gradients(params, out), state, t)
            bar.update(1)
    except KeyboardInterrupt:
        interrupted_at = t
    finally:
        bar.close()
    if interrupted_at is not None:
        last = history[-1][0] if history else None
        warnings.warn(f"training was interrupted at step {interrupted_at} of {steps}; the result holds the "
                      f"steps recorded up to {last} and is marked interrupted", InterruptedRunWarning,
                      stacklevel=2)
    if not history:
        raise IncompleteRunError("the run was interrupted before step 0 was recorded: nothing to return")
    names = history[0][1].keys()
    records = {name: torch.stack([obs[name] for _, obs in history], dim=1).cpu().numpy() for name in names}
    return Run(steps=np.array([t for t, _ in history], dtype=int), records=records, planned_steps=steps,
               interrupted_at=interrupted_at)


class _Autograd:
    """A model given by a loss function of explicit parameters; gradients from autograd."""

    def __init__(self, loss_fn, params, observe):
        self._loss_fn, self._params, self._observe = loss_fn, params, observe

    def init(self):
        return {k: v.detach().clone()[None] for k, v in self._params.items()}

    def forward(self, params):
        return None

    def observe(self, params, out):
        with torch.no_grad():
            return {k: torch.as_tensor(v)[None] for k, v in self._observe({k: p[0] for k, p in params.items()}).items()}

    def gradients(self, params, out):
        leaves = {k: p[0].detach().requires_grad_(True) for k, p in params.items()}
        grads = torch.autograd.grad(self._loss_fn(leaves), list(leaves.values()))
        return {k: g[None] for k, g in zip(leaves, grads)}


def plain_gd(loss_fn: Callable[[dict], torch.Tensor], params: Mapping[str, torch.Tensor],
             step_size: float | Mapping[str, float], steps: int, record=None,
             observe: Callable[[dict], Mapping[str, torch.Tensor]] | None = None, rule: UpdateRule | None = None) -> Run:
    """The plain reference: gradient descent on explicit parameters, gradients by autograd.

    Slow and obviously correct: the tests run every fast path of the book against it, in float64.

    Parameters
    ----------
    loss_fn : callable
        ``loss_fn(params) -> scalar tensor``: the training loss of the explicit parameters (a dict
        of tensors, without a batch axis).
    params : mapping of str to torch.Tensor
        The starting parameters (copied; not modified).
    step_size : float or mapping of str to float
        As for :class:`GD`.
    steps : int
    record : sequence of int, optional
    observe : callable, optional
        ``observe(params) -> dict of tensors`` recorded at the recorded steps; default records
        the loss as ``"loss"``.
    rule : UpdateRule, optional
        Another update rule (for example :class:`Adam`) instead of ``GD(step_size)``.

    Returns
    -------
    Run
        With a batch axis of size 1.
    """
    if not isinstance(params, Mapping) or not params:
        raise ValueError("params must be a non-empty mapping of names to tensors")
    if observe is None:
        def observe(p):
            return {"loss": loss_fn(p)}
    return train(_Autograd(loss_fn, dict(params), observe), GD(step_size) if rule is None else rule, steps,
                 record=record, progress=False, desc="plain GD (autograd)")
