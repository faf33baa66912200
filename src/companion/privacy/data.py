"""The privacy chapter's data: scikit-learn's 8x8 digits (shipped with the package: nothing is
downloaded), optionally upsampled to 16x16, odd (+1) against even (-1), the training mean subtracted;
Gaussian "images" with no structure (the control); the univariate task of the kink attack; and the
Gaussian task of membership inference."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .. import validate
from ..device import resolve_device

__all__ = ["Digits", "digits", "gaussian_images", "univariate_task", "univariate_inputs", "gaussian_task"]

@dataclass
class Digits:
    """A training set of digits and held-out digits of the same classes.

    Attributes
    ----------
    X : torch.Tensor, shape (n, side * side)
        Training images in [0, 1] minus the training mean (so inside [-1, 1]), float64.
    y : torch.Tensor, shape (n,)
        +1 for odd digits, -1 for even ones.
    held_out : torch.Tensor, shape (m, side * side)
        Other digits of the data set, with the same mean subtracted (a control for the attacks).
    held_out_y : torch.Tensor, shape (m,)
    mean : torch.Tensor, shape (side * side,)
    side : int
    """

    X: torch.Tensor
    y: torch.Tensor
    held_out: torch.Tensor
    held_out_y: torch.Tensor
    mean: torch.Tensor
    side: int


def digits(n: int, seed: int, side: int = 16, held_out: int = 200, device=None) -> Digits:
    """``n`` digits (half odd, half even), drawn per seed from scikit-learn's 8x8 set.

    Parameters
    ----------
    n : int
        Training images, even, at least 2.
    seed : int
    side : {8, 16}
        Image side: 8 is the data set's own resolution, 16 upsamples bilinearly.
    held_out : int
        Held-out images (half odd, half even), disjoint from the training ones.
    device : str, torch.device or None

    Returns
    -------
    Digits
    """
    from sklearn.datasets import load_digits

    n = validate.integer("n", n, 2)
    if n % 2:
        raise ValueError(f"n must be even (half odd, half even digits); got {n}")
    validate.choice("side", side, (8, 16))
    held_out = validate.integer("held_out", held_out, 0)
    if held_out % 2:
        raise ValueError(f"held_out must be even; got {held_out}")
    data = load_digits()
    images = torch.as_tensor(data.images / 16.0, dtype=torch.float64)          # (1797, 8, 8) in [0, 1]
    if side == 16:
        images = F.interpolate(images[:, None], size=(16, 16), mode="bilinear", align_corners=False)[:, 0]
    flat = images.reshape(len(images), -1).clamp(0.0, 1.0)
    labels = torch.as_tensor(np.where(data.target % 2 == 1, 1.0, -1.0), dtype=torch.float64)
    rng = np.random.default_rng(seed)
    odd, even = (rng.permutation(np.flatnonzero(labels.numpy() == s)) for s in (1.0, -1.0))
    half, held = n // 2, held_out // 2
    if half + held > min(len(odd), len(even)):
        raise ValueError(f"n / 2 + held_out / 2 must be at most {min(len(odd), len(even))}; got {half + held}")
    train_idx = np.concatenate([odd[:half], even[:half]])
    held_idx = np.concatenate([odd[half:half + held], even[half:half + held]])
    dev = resolve_device(device)
    mean = flat[train_idx].mean(dim=0)
    return Digits(X=(flat[train_idx] - mean).to(dev), y=labels[train_idx].to(dev),
                  held_out=(flat[held_idx] - mean).to(dev), held_out_y=labels[held_idx].to(dev), mean=mean.to(dev),
                  side=side)


def gaussian_images(n: int, seed: int, side: int = 8, held_out: int = 200, scale: float | None = None,
                    device=None) -> Digits:
    """Synthetic "images" with no structure: i.i.d. Gaussian pixels clipped to the digits' range, random
    balanced labels, the training mean subtracted (the "No Prior, No Leakage" control).

    Parameters
    ----------
    n, seed, side, held_out, device
        As for :func:`digits`.
    scale : float, optional
        The pixels' standard deviation before clipping (default: that of the digits at this side,
        so the two data sets have the same overall contrast).

    Returns
    -------
    Digits
        With Gaussian rows in place of digits.
    """
    n = validate.integer("n", n, 2)
    held_out = validate.integer("held_out", held_out, 0)
    if n % 2 or held_out % 2:
        raise ValueError(f"n and held_out must be even; got {n} and {held_out}")
    validate.choice("side", side, (8, 16))
    if scale is None:
        ref = digits(n, seed, side=side, held_out=0)
        scale = float((ref.X + ref.mean).std())
    validate.positive("scale", scale)
    rng = np.random.default_rng(seed)
    total = n + held_out
    pixels = torch.as_tensor(np.clip(0.5 + scale * rng.standard_normal((total, side * side)), 0.0, 1.0))
    labels = torch.as_tensor(np.tile([1.0, -1.0], total // 2))
    dev = resolve_device(device)
    mean = pixels[:n].mean(dim=0)
    return Digits(X=(pixels[:n] - mean).to(dev), y=labels[:n].to(dev), held_out=(pixels[n:] - mean).to(dev),
                  held_out_y=labels[n:].to(dev), mean=mean.to(dev), side=side)


def univariate_task(n: int = 12, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points on a grid of [-1, 1], each moved by up to 30% of the spacing (and clipped to
    [-1, 1]), with independent random labels.

    Parameters
    ----------
    n : int
        At least 2.
    seed : int

    Returns
    -------
    x : ndarray, shape (n,)
        Sorted.
    y : ndarray, shape (n,)
        In {-1, +1}.
    """
    n = validate.integer("n", n, 2)
    g = np.random.default_rng(seed)
    x = np.linspace(-1.0, 1.0, n) + g.uniform(-0.3, 0.3, n) * (2.0 / (n - 1))
    return np.sort(np.clip(x, -1.0, 1.0)), g.choice([-1.0, 1.0], n)


def univariate_inputs(x) -> np.ndarray:
    """The univariate inputs with a constant second coordinate, ``(x, 1)``, shape (n, 2): a bias-free
    network on them is ``f(x) = sum_j a_j [w_j x + b_j]_+``, a two-layer ReLU network with biases
    that is still homogeneous (of degree 2) in all its parameters, as the implicit-bias theory needs."""
    x = np.asarray(x, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"x must have shape (n,); got {x.shape}")
    return np.stack([x, np.ones_like(x)], axis=1)


def gaussian_task(n: int, dim: int, seed: int, n_fresh: int | None = None):
    """Members and fresh points for membership inference: ``x ~ N(0, I_d / d)`` (nearly orthogonal,
    norm about 1, in high dimension) with random labels in {-1, +1}.

    Returns
    -------
    X, y : ndarray, shapes (n, dim) and (n,)
    X_fresh, y_fresh : ndarray, shapes (n_fresh, dim) and (n_fresh,)
        Drawn the same way (default ``n_fresh = n``).
    """
    n = validate.integer("n", n, 1)
    dim = validate.integer("dim", dim, 1)
    n_fresh = n if n_fresh is None else validate.integer("n_fresh", n_fresh, 1)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n + n_fresh, dim)) / np.sqrt(dim)
    y = np.where(rng.random(n + n_fresh) < 0.5, 1.0, -1.0)
    return X[:n], y[:n], X[n:], y[n:]
