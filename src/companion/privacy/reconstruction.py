"""Reconstruction from the parameters alone (Haim et al., in the weight-decay form of Buzaglo et al.):
candidate inputs and multipliers fitted so that the parameters satisfy the stationarity equation
``theta = sum_j lambda_j y_j grad_theta f(x_j)``, the trials that run it with their controls, the
published recipe scaled down, and the defences."""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from .. import validate
from .data import Digits, digits, gaussian_images
from .measures import RECOVERED_NCC, best_matches
from .networks import attacked_parameters, checked_module, flat, logits, published_network, smooth_network
from .setting import DEFENCES
from .theory import kkt_residual
from .train import train_plain, train_stationary

__all__ = ["Reconstruction", "SmoothedReLU", "smoothed_relus", "reconstruct", "Trial", "reconstruction_trial",
           "published_trial", "trial_arguments", "compare", "defences"]

@dataclass
class Reconstruction:
    """Candidates found by :func:`reconstruct`.

    Attributes
    ----------
    candidates : torch.Tensor, shape (n_candidates, input_dim)
    labels : torch.Tensor, shape (n_candidates,)
        The label each candidate was given (half +1, half -1).
    multipliers : torch.Tensor, shape (n_candidates,)
    loss : float
        ``||theta - sum_j lambda_j y_j grad f(x_j)||^2 / ||theta||^2`` at the end.
    history : ndarray, shape (R,)
        That loss along the first stage, every 100 steps.
    halvings : int
        How often the first stage diverged and restarted from its last good point with both learning
        rates halved (the defaults suit the chapter's networks; a model with a much larger scale needs
        smaller steps, found this way without tuning).
    """

    candidates: torch.Tensor
    labels: torch.Tensor
    multipliers: torch.Tensor
    loss: float
    history: np.ndarray
    halvings: int = 0


class SmoothedReLU(torch.autograd.Function):
    """ReLU forward; backward with ``sigmoid(alpha z)`` in place of the step (Haim et al.), written in
    differentiable torch operations so that the attack can differentiate through it."""

    @staticmethod
    def forward(ctx, z, alpha):
        ctx.save_for_backward(z)
        ctx.alpha = alpha
        return z.clamp_min(0)

    @staticmethod
    def backward(ctx, grad):
        (z,) = ctx.saved_tensors
        return grad * torch.sigmoid(ctx.alpha * z), None


class smoothed_relus:
    """Within the block, every ``torch.nn.ReLU`` of ``model`` uses :class:`SmoothedReLU`."""

    def __init__(self, model, alpha):
        self.units = [m for m in model.modules() if isinstance(m, torch.nn.ReLU)] if alpha is not None else []
        self.alpha = alpha

    def __enter__(self):
        for m in self.units:
            m.forward = lambda z, a=self.alpha: SmoothedReLU.apply(z, a)

    def __exit__(self, *exc):
        for m in self.units:
            del m.forward


def reconstruct(model, n_candidates: int = 40, input_dim: int | None = None, steps: int = 1000,
                lbfgs_iterations: int = 1000, seed: int = 0, params=None, box: tuple[float, float] = (-1.0, 1.0),
                init_scale: float = 0.004, lr_x: float = 0.3, lr_lambda: float = 0.03,
                lambda_min: float = 0.2, relu_alpha: float | None = None) -> Reconstruction:
    """Candidate training inputs read off the parameters alone (Haim et al. 2022, in the
    weight-decay form of Buzaglo et al. 2023).

    Minimizes ``||theta - sum_j lambda_j y_j grad_theta f(x_j)||^2 / ||theta||^2`` over candidate
    inputs ``x_j`` and multipliers ``lambda_j = s l_j`` (``s = ||theta||^2 / n_candidates``, the
    multipliers' natural scale), plus a penalty keeping ``x`` in ``box`` and one keeping ``l_j`` above
    ``lambda_min``: SGD with momentum 0.9 for ``steps`` steps, then L-BFGS on ``x`` and ``l`` jointly.
    The sum over candidates is one backward pass (the gradient of ``sum_j lambda_j y_j f(x_j)``), so
    no per-example gradient is formed; the loss is differentiated through it.

    Parameters
    ----------
    model : torch.nn.Module
        Maps ``(N, input_dim)`` to ``(N,)`` or ``(N, 1)``; twice differentiable (a smooth activation)
        for the attack to find the training points (with a ReLU the input gradients vanish).
    n_candidates : int
        Even; half the candidates are labelled +1, half -1.
    input_dim : int, optional
        Default: read off the first ``torch.nn.Linear`` of the model.
    steps, lbfgs_iterations : int
    seed : int
    params : sequence of torch.Tensor, optional
        ``theta`` (default: the parameters with ``requires_grad``).
    box : (float, float)
        The input range assumed by the attack.
    init_scale, lr_x, lr_lambda, lambda_min : float
        The candidates' initial standard deviation, the two learning rates, the multipliers' floor
        (in units of ``s``).
    relu_alpha : float, optional
        If given, every ``torch.nn.ReLU`` of the model is differentiated as ``sigmoid(relu_alpha z)``
        during the attack (the published trick for ReLU networks, whose input gradients are piecewise
        constant); the reported final loss uses the true ReLU.

    Returns
    -------
    Reconstruction
    """
    model = checked_module(model)
    n_candidates = validate.integer("n_candidates", n_candidates, 2)
    if n_candidates % 2:
        raise ValueError(f"n_candidates must be even (half labelled +1, half -1); got {n_candidates}")
    if input_dim is None:
        first = next((m for m in model.modules() if isinstance(m, torch.nn.Linear)), None)
        if first is None:
            raise ValueError("input_dim must be given for a model without a torch.nn.Linear layer")
        input_dim = first.in_features
    input_dim = validate.integer("input_dim", input_dim, 1)
    steps = validate.integer("steps", steps, 0)
    lbfgs_iterations = validate.integer("lbfgs_iterations", lbfgs_iterations, 0)
    low, high = (float(b) for b in box)
    if not low < high:
        raise ValueError(f"box must be (low, high) with low < high; got {box!r}")
    for name, value in (("init_scale", init_scale), ("lr_x", lr_x), ("lr_lambda", lr_lambda)):
        validate.positive(name, value)
    validate.positive("lambda_min", lambda_min, allow_zero=True)
    if relu_alpha is not None:
        validate.positive("relu_alpha", relu_alpha)
    theta = [p.detach() for p in attacked_parameters(model, params)]
    live = attacked_parameters(model, params)
    ref = theta[0]
    target = flat(theta)
    sq = float((target * target).sum())
    if sq == 0:
        raise ValueError("the attacked parameters are all zero: there is nothing to reconstruct from")
    scale = sq / n_candidates
    gen = torch.Generator(device="cpu").manual_seed(seed)
    x = (init_scale * torch.randn(n_candidates, input_dim, generator=gen, dtype=torch.float64)).to(ref)
    x.requires_grad_(True)
    l = torch.rand(n_candidates, generator=gen, dtype=torch.float64).to(ref).requires_grad_(True)
    labels = torch.cat([torch.ones(n_candidates // 2), -torch.ones(n_candidates // 2)]).to(ref)

    def stationarity():
        out = logits(model, x)
        combo = torch.autograd.grad((scale * l * labels * out).sum(), live, create_graph=True)
        return ((target - flat(combo)) ** 2).sum() / sq

    def objective():
        fit = stationarity()
        box_penalty = (F.relu(x - high) ** 2 + F.relu(low - x) ** 2).sum()
        return fit + box_penalty + 5.0 * (F.relu(lambda_min - l) ** 2).sum(), fit

    history = []
    rates = [lr_x, lr_lambda]

    def backward():                     # gradients for x and l only (not for the attacked parameters)
        total, fit = objective()
        x.grad, l.grad = torch.autograd.grad(total, [x, l])
        return total, fit

    halvings = 0
    with smoothed_relus(model, relu_alpha):
        opt = torch.optim.SGD([{"params": [x], "lr": rates[0]}, {"params": [l], "lr": rates[1]}], momentum=0.9)
        saved = (x.detach().clone(), l.detach().clone())
        step = 0
        while step < steps:
            total, fit = backward()
            if not torch.isfinite(total):   # diverged: back to the last good point with half the rates
                halvings += 1
                if halvings > 30:
                    raise FloatingPointError("the attack diverged even with its learning rates halved 30 times")
                with torch.no_grad():
                    x.copy_(saved[0])
                    l.copy_(saved[1])
                rates = [r / 2 for r in rates]
                opt = torch.optim.SGD([{"params": [x], "lr": rates[0]}, {"params": [l], "lr": rates[1]}],
                                      momentum=0.9)
                continue
            if step % 100 == 0:                 # a point whose loss is known to be finite
                history.append(float(fit.detach()))
                saved = (x.detach().clone(), l.detach().clone())
            opt.step()
            step += 1
        if lbfgs_iterations:
            before = (x.detach().clone(), l.detach().clone())
            lbfgs = torch.optim.LBFGS([x, l], lr=1.0, max_iter=lbfgs_iterations, history_size=50,
                                      tolerance_grad=1e-14, tolerance_change=1e-18, line_search_fn="strong_wolfe")
            lbfgs.step(lambda: backward()[0])
            if not torch.isfinite(stationarity()):          # keep the first stage's result rather than NaN
                with torch.no_grad():
                    x.copy_(before[0])
                    l.copy_(before[1])
    final = float(stationarity().detach())
    if not np.isfinite(final):
        raise FloatingPointError("the attack ended with a non-finite stationarity loss")
    return Reconstruction(candidates=x.detach(), labels=labels, multipliers=(scale * l).detach(), loss=final,
                          history=np.asarray(history), halvings=halvings)


@dataclass
class Trial:
    """One reconstruction experiment with its controls (:func:`reconstruction_trial`).

    Attributes
    ----------
    residual : float
        The attacked network's stationarity residual (:class:`Stationary`; after the perturbation, if
        any).
    train_acc : float
    test_acc : float
        Accuracy on 200 held-out images of the same kind.
    attack_loss, control_loss : float
        The attack's final stationarity loss on the trained and on the untrained network.
    recovered, held_out, control : int
        Training images recovered; held-out digits matched as well by the same candidates; training
        images recovered from the untrained network.
    scores : ndarray, shape (n,)
        Each training image's best NCC with a candidate.
    matches : ndarray of int, shape (n,)
        Which candidate.
    candidates : torch.Tensor, shape (n_candidates, input_dim)
    data : Digits
    multipliers : ndarray, shape (n,), or None
        The attacked network's ``mu_i = sigmoid(-y_i f(x_i)) / (n weight_decay)`` (:class:`Stationary`;
        after the perturbation, if any); None for :func:`published_trial`, trained without weight decay.
    arguments : dict or None
        Every argument of the :func:`reconstruction_trial` call that produced it, defaults included
        (:func:`trial_arguments`), so that :func:`compare` can tell an equal call (None for
        :func:`published_trial`).
    """

    residual: float
    train_acc: float
    test_acc: float
    attack_loss: float
    control_loss: float
    recovered: int
    held_out: int
    control: int
    scores: np.ndarray
    matches: np.ndarray
    candidates: torch.Tensor
    data: Digits
    multipliers: np.ndarray | None = None
    arguments: dict | None = None


def trial_arguments(**kwargs) -> dict:
    """Every argument of a :func:`reconstruction_trial` call with the keyword arguments ``kwargs``,
    defaults included and ``widths`` as a tuple: two calls for which these are equal compute the same
    trial (it is deterministic given its arguments, on a given device and thread count)."""
    bound = inspect.signature(reconstruction_trial).bind(**kwargs)
    bound.apply_defaults()
    arguments = dict(bound.arguments)
    arguments["widths"] = tuple(int(w) for w in arguments["widths"])
    return arguments


def reconstruction_trial(n: int = 20, seed: int = 0, side: int = 16, widths: Sequence[int] = (200, 200),
                         weight_decay: float = 1e-3, activation: str = "softplus", train_first_only: bool = True,
                         lbfgs_iterations: int = 1000, attack_steps: int = 1000, attack_lbfgs: int = 1000,
                         relu_alpha: float | None = None, control: bool = True, data: str = "digits",
                         gd_steps: int = 300, perturb: float = 0.0, device=None) -> Trial:
    """Train a network on ``n`` digits to a stationary point, attack it, and run the two controls.

    The controls: the untrained network (same seed, so the same upper layers) through the same attack,
    and held-out digits of the same classes matched against the candidates of the real attack.

    Parameters
    ----------
    n, seed, side
        As for :func:`digits`.
    widths, activation, train_first_only
        As for :func:`smooth_network`.
    weight_decay, gd_steps, lbfgs_iterations
        As for :func:`train_stationary` (``lbfgs_iterations=0`` stops the training early).
    perturb : float
        A defence: after training, add Gaussian noise of norm about ``perturb * ||theta||`` to the
        trained parameters (output perturbation).
    attack_steps, attack_lbfgs, relu_alpha
        The attack's ``steps``, ``lbfgs_iterations`` and ``relu_alpha`` (:func:`reconstruct`).
    control : bool
        Run the untrained-network control (it costs a second attack).
    data : {"digits", "gaussian"}
        The training images: digits, or :func:`gaussian_images` (no prior but the box).
    device : str, torch.device or None

    Returns
    -------
    Trial
    """
    arguments = trial_arguments(**locals())         # the parameters, as called (nothing else is defined yet)
    validate.choice("data", data, ("digits", "gaussian"))
    make = digits if data == "digits" else gaussian_images
    data = make(n, seed, side=side, held_out=n, device=device)        # as many held-out images as training ones
    dim = data.X.shape[1]

    def network():
        return smooth_network(dim, widths, seed=seed, train_first_only=train_first_only, activation=activation,
                              device=device)

    perturb = validate.positive("perturb", perturb, allow_zero=True)
    model = network()
    fit = train_stationary(model, data.X, data.y, weight_decay=weight_decay, gd_steps=gd_steps,
                           lbfgs_iterations=lbfgs_iterations)
    if perturb > 0:
        theta = [p for p in model.parameters() if p.requires_grad]
        gen = torch.Generator(device="cpu").manual_seed(seed + 7919)
        with torch.no_grad():
            norm = flat(theta).norm()
            size = sum(p.numel() for p in theta)
            for p in theta:
                p += (perturb * norm / np.sqrt(size)) * torch.randn(p.shape, generator=gen, dtype=p.dtype).to(p)
        fit = train_stationary(model, data.X, data.y, weight_decay=weight_decay, gd_steps=0, lbfgs_iterations=0)
    test = make(n, seed, side=side, held_out=200, device=device)
    with torch.no_grad():
        test_acc = float((logits(model, test.held_out) * test.held_out_y > 0).double().mean())
    attack = dict(n_candidates=2 * n, steps=attack_steps, lbfgs_iterations=attack_lbfgs, seed=seed,
                  relu_alpha=relu_alpha)
    rec = reconstruct(model, **attack)
    scores, matches = best_matches(data.X, rec.candidates)
    held, _ = best_matches(data.held_out, rec.candidates)
    if control:
        untrained = reconstruct(network(), **attack)
        control_count = int((best_matches(data.X, untrained.candidates)[0] >= RECOVERED_NCC).sum())
        control_loss = untrained.loss
    else:
        control_count, control_loss = -1, float("nan")
    return Trial(residual=fit.residual, train_acc=fit.train_acc, test_acc=test_acc, attack_loss=rec.loss,
                 control_loss=control_loss,
                 recovered=int((scores >= RECOVERED_NCC).sum()), held_out=int((held >= RECOVERED_NCC).sum()),
                 control=control_count, scores=scores, matches=matches, candidates=rec.candidates, data=data,
                 multipliers=fit.multipliers.detach().cpu().numpy(), arguments=arguments)


def published_trial(n: int = 20, seed: int = 0, side: int = 16, widths: Sequence[int] = (200, 200),
                    steps: int = 4000, step_size: float = 0.5, relu_alpha: float = 20.0, attack_steps: int = 1000,
                    attack_lbfgs: int = 1000, device=None) -> Trial:
    """The published recipe, scaled down to this CPU: a ReLU MLP with a bias in its first layer only,
    that layer initialized at 1e-4 of PyTorch's default (:func:`published_network`), every layer
    trained by full-batch gradient descent without weight decay (:func:`train_plain`), then the
    attack on all parameters with the published smoothed backward pass. The residual reported is
    :func:`kkt_residual`'s (the max-margin KKT conditions, multipliers fitted by NNLS), since without
    weight decay there is no stationarity equation with known multipliers.

    Parameters
    ----------
    n, seed, side
        As for :func:`digits`.
    widths : sequence of int
    steps, step_size
        As for :func:`train_plain` (the published run: 10^6 epochs at 0.01, a flow time of 10^4; the
        default here is a flow time of 2,000).
    relu_alpha : float
        As for :func:`reconstruct`.
    attack_steps, attack_lbfgs : int
        The attack's SGD steps and L-BFGS iterations (:func:`reconstruct`'s ``steps`` and
        ``lbfgs_iterations``).
    device : str, torch.device or None

    Returns
    -------
    Trial
        With ``control = -1`` (not run) and ``attack_loss`` the attack's stationarity loss.
    """
    data = digits(n, seed, side=side, held_out=n, device=device)
    model = published_network(data.X.shape[1], widths, seed=seed, device=device)
    train_plain(model, data.X, data.y, steps=steps, step_size=step_size)
    with torch.no_grad():
        out = logits(model, data.X)
        train_acc = float((out * data.y > 0).double().mean())
    residual = kkt_residual(model, data.X, data.y).residual
    test = digits(n, seed, side=side, held_out=200, device=device)
    with torch.no_grad():
        test_acc = float((logits(model, test.held_out) * test.held_out_y > 0).double().mean())
    rec = reconstruct(model, n_candidates=2 * n, seed=seed, relu_alpha=relu_alpha, steps=attack_steps,
                      lbfgs_iterations=attack_lbfgs)
    scores, matches = best_matches(data.X, rec.candidates)
    held, _ = best_matches(data.held_out, rec.candidates)
    return Trial(residual=residual, train_acc=train_acc, test_acc=test_acc, attack_loss=rec.loss,
                 control_loss=float("nan"), recovered=int((scores >= RECOVERED_NCC).sum()),
                 held_out=int((held >= RECOVERED_NCC).sum()), control=-1, scores=scores, matches=matches,
                 candidates=rec.candidates, data=data)


def compare(variants: dict, seeds: Sequence[int] = (0, 1), reuse: dict | None = None, **common) -> dict:
    """Run :func:`reconstruction_trial` for every variant and seed.

    Parameters
    ----------
    variants : dict
        Name (any hashable) -> the trial's arguments (for example :data:`FAILURES`).
    seeds : sequence of int
    reuse : dict, optional
        An earlier result of :func:`compare` or :func:`defences`: a trial whose call has exactly the
        same arguments (:attr:`Trial.arguments`) is taken from it instead of run again (the trial is
        deterministic given its arguments, on a given device and thread count, so in the same process
        it is the trial the call would compute).
    **common
        Arguments shared by every trial (``side``, ``n``, ``control``, ``device``, ...).

    Returns
    -------
    dict
        Name -> list of Trial, one per seed.
    """
    seeds = validate.seeds(seeds)
    if not isinstance(variants, dict) or not variants:
        raise ValueError(f"variants must be a non-empty dict of name -> trial arguments; got {variants!r}")
    if reuse is not None and not isinstance(reuse, dict):
        raise ValueError(f"reuse must be an earlier result of compare or defences (a dict); got {type(reuse).__name__}")
    earlier = [t for trials in (reuse or {}).values() for t in trials if t.arguments is not None]

    def trial(seed, kwargs):
        call = {**common, **kwargs, "seed": seed}
        wanted = trial_arguments(**call)
        found = next((t for t in earlier if t.arguments == wanted), None)
        return found if found is not None else reconstruction_trial(**call)

    return {name: [trial(seed, kwargs) for seed in seeds] for name, kwargs in variants.items()}


def defences(seeds: Sequence[int] = (0,), names: Sequence[str] | None = None,
             strengths: Sequence[float] | None = None, **common) -> dict:
    """Every strength of every defence in :data:`DEFENCES` (or of those named), through :func:`compare`.

    Parameters
    ----------
    seeds : sequence of int
    names : sequence of str, optional
        Keys of :data:`DEFENCES` to run (default: all of them, in its order); one defence at a time
        keeps each call short.
    strengths : sequence of float, optional
        With one name only: the strengths of that defence to run, each one of those it lists (default:
        all), so that a defence can be run a few strengths at a time.
    **common
        As for :func:`compare` (``reuse`` included).

    Returns
    -------
    dict of (str, float) to list of Trial
        ``(defence, strength)`` -> one trial per seed.
    """
    names = list(DEFENCES) if names is None else list(names)
    unknown = [n for n in names if n not in DEFENCES]
    if unknown or not names:
        raise ValueError(f"names must be keys of DEFENCES {list(DEFENCES)}; got {names!r}")
    if strengths is not None:
        listed = DEFENCES[names[0]][1]
        if len(names) != 1 or not strengths or any(v not in listed for v in strengths):
            raise ValueError(f"strengths must be a non-empty selection of one named defence's strengths (for "
                             f"{names[0]!r}: {list(listed)}); got names={names!r}, strengths={strengths!r}")
    variants = {(name, value): {argument: value, **fixed} for name, (argument, values, fixed) in DEFENCES.items()
                if name in names for value in values if strengths is None or value in strengths}
    return compare(variants, seeds, **common)
