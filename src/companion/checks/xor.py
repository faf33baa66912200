"""Exercise checks of the XOR chapter (see :mod:`companion.checks` for the convention)."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from .. import twolayer, xor
from . import Feedback

__all__ = ["step_one_reference", "step_one", "predict_step_one", "signal_breaks_memorization", "EXERCISE"]

EXERCISE = xor.EXPLORER.replace(signal=40.0)
"""The setting of the XOR chapter's exercises (the explorer's size, with a stronger signal)."""


def step_one_reference(sample: xor.XORSample, step_size: float) -> torch.Tensor:
    """One full-batch GD step on the explicit weights, with autograd (what the checks compare with).

    Parameters
    ----------
    sample : companion.xor.XORSample
    step_size : float

    Returns
    -------
    torch.Tensor, shape (width, dim)
    """
    w = sample.w0.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(twolayer.explicit_loss(w, sample.x, sample.labels, sample.out_weights), w)
    return (sample.w0 - step_size * grad).detach()


def step_one(w1, sample: xor.XORSample, step_size: float) -> Feedback:
    """Check a hand-derived first-step weight matrix against one step of gradient descent.

    Parameters
    ----------
    w1 : array-like, shape (width, dim)
        The student's ``W^(1)``.
    sample : companion.xor.XORSample
        The data and initialization the step starts from.
    step_size : float

    Returns
    -------
    Feedback
    """
    reference = step_one_reference(sample, step_size)
    w1 = torch.as_tensor(np.asarray(w1.detach().cpu() if torch.is_tensor(w1) else w1), dtype=reference.dtype)
    if tuple(w1.shape) != tuple(reference.shape):
        return Feedback(False, f"W1 must have shape {tuple(reference.shape)} (width, dim); got {tuple(w1.shape)}.")
    if not torch.isfinite(w1).all():
        return Feedback(False, "W1 contains NaN or infinite entries.")
    update, ref_update = w1 - sample.w0.cpu(), (reference - sample.w0).cpu()
    if update.norm() == 0:
        return Feedback(False, "W1 equals the initialization: add the gradient step.")
    ratio = float((update * ref_update).sum() / ref_update.pow(2).sum())
    error = float((update - ref_update).norm() / ref_update.norm())
    if error < 1e-3:
        return Feedback(True, f"your W1 matches one step of gradient descent (relative error of the update "
                              f"{error:.1e}).")
    n = sample.x.shape[0]
    hints = [(2.0, "your update is twice too large: at f = 0 the derivative of log(1 + e^(-z)) is -1/2."),
             (0.5, "your update is half the right size: at f = 0 the derivative of log(1 + e^(-z)) is -1/2, "
                   "not -1/4."),
             (-1.0, "your update has the wrong sign: gradient descent moves against the gradient, so w_j moves "
                    "towards a_j y_i x_i."),
             (float(n), f"your update is n = {n} times too large: the loss is the mean over the training set, "
                        "not the sum."),
             (1.0 / n, f"your update is n = {n} times too small: divide by n once, not twice.")]
    for target, hint in hints:
        if abs(ratio - target) < 0.02 * abs(target):
            return Feedback(False, hint)
    return Feedback(False, f"your update differs from one GD step by a relative error of {error:.2f} (best "
                           f"scalar fit {ratio:.3g}). Check the indicator 1[<w_j^(0), x_i> > 0]: it uses the "
                           "initial weights, and the sum runs over all training points.")


def predict_step_one(prediction, result: xor.XORResult, tolerance: float = 0.1) -> Feedback:
    """Compare a predicted clean test accuracy after step 1 with the run's mean over seeds.

    Parameters
    ----------
    prediction : float or None
        The student's prediction, in [0, 1]; None means "not made yet".
    result : companion.xor.XORResult
        The run to compare with.
    tolerance : float
        How far from the measured mean a prediction may be.

    Returns
    -------
    Feedback
    """
    if prediction is None:
        return Feedback(False, "write down your prediction (a number in [0, 1]) before you look at the run.")
    if isinstance(prediction, bool) or not isinstance(prediction, (int, float, np.floating)) \
            or not 0 <= prediction <= 1:
        return Feedback(False, f"prediction must be an accuracy in [0, 1]; got {prediction!r}.")
    measured = float(result.at(1)["test_acc"].mean())
    why = ("After one step from a tiny initialization, every neuron's weight is (up to the tiny start) a "
           "signed sum of training points, so the network acts like a linear classifier, and on XOR no "
           "linear classifier beats chance, flipped labels or not.")
    if abs(prediction - measured) <= tolerance:
        return Feedback(True, f"measured {measured:.3f} (mean over seeds), within {tolerance} of your "
                              f"prediction. {why}")
    return Feedback(False, f"measured {measured:.3f} (mean over seeds), against your {prediction:.3f}. {why}")


def signal_breaks_memorization(signal, seeds: Sequence[int] = (0, 1, 2), device=None) -> Feedback:
    """Check a signal strength at which step 1 no longer fits every flipped label, on every seed.

    Runs :data:`EXERCISE` with the given ``signal`` for one step.

    Parameters
    ----------
    signal : float or None
        The student's choice; None means "not chosen yet".
    seeds : sequence of int
    device : str, torch.device or None

    Returns
    -------
    Feedback
    """
    if signal is None:
        return Feedback(False, "choose a signal strength (a number between 5 and 200) and run the cell.")
    if isinstance(signal, bool) or not isinstance(signal, (int, float, np.floating)) or not 5 <= signal <= 200:
        return Feedback(False, f"signal must be a number between 5 and 200; got {signal!r}.")
    run = xor.train(EXERCISE.replace(signal=float(signal), steps=1), seeds=seeds, device=device,
                    progress=False)
    fitted = run.at(1)["flipped_train_acc"]
    shown = ", ".join(f"{100 * v:.0f}%" for v in fitted)
    if np.all(fitted < 1):
        return Feedback(True, f"at signal {signal:g}, step 1 fits only {shown} of the flipped labels on the "
                              "seeds: the signal term of <x_i, x_k> now outweighs the noise term ||xi_i||^2 ≈ p "
                              "that lets one step memorize each point.")
    return Feedback(False, f"at signal {signal:g}, step 1 still fits {shown} of the flipped labels. Memorization "
                           "in one step relies on ||xi_i||^2 ≈ p dominating the signal part of the inner "
                           "products; which way should the signal move?")
