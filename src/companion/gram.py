"""Gaussian vectors in any dimension, through their inner products alone.

Several models in the book see their data only through inner products: a two-layer network
trained from a Gaussian initialization (the XOR chapter), a softmax attention head whose
parameters start at zero (the attention chapter). When the vectors involved are a few explicit
signal directions plus isotropic Gaussian noise, their joint Gram matrix can be drawn directly,
at a cost that depends on how many vectors there are and not on the dimension.

The law
-------
Let ``z_1, ..., z_N`` be independent ``N(0, I_dim)`` vectors and ``e_1, ..., e_k`` the first ``k``
coordinate directions (the signal directions; by rotational invariance any orthonormal ``k``-set
gives the same law). Split every vector as ``z = (c, z_perp)`` with ``c = (z_1, ..., z_k)`` its
coordinates along the signal directions and ``z_perp`` the remaining ``dim - k`` coordinates. Then

* the coordinates ``c`` are independent ``N(0, 1)`` numbers, independent of everything else, and
* the complement Gram matrix ``G = Z_perp Z_perp^T`` (``N x N``) is Wishart with ``dim - k``
  degrees of freedom and identity scale.

Bartlett's decomposition draws ``G`` exactly: ``G = L L^T`` with ``L`` lower triangular, its
entries independent, ``L_ii = sqrt(chi^2_{dim - k - i})`` for ``i = 0, ..., N - 1`` and
``L_ij ~ N(0, 1)`` below the diagonal. (It is the Cholesky factor of ``G``; equivalently, the
``R^T`` of a QR decomposition of ``Z_perp^T``.) Drawing ``L`` costs ``O(N^2)`` numbers whatever
``dim`` is, so ``dim = 10^12`` costs what ``dim = 10^4`` does. This needs ``dim - k >= N``; for a
smaller dimension the vectors are drawn explicitly, which is then the cheaper way anyway.

All numbers are drawn and multiplied in float64: at ``dim = 10^12`` a diagonal entry is about
``10^12`` while an off-diagonal one is about ``10^6``, which float32 (7 significant digits) would not
keep apart once they are added. Draws come from a :class:`numpy.random.Generator`, so a seed gives
the same numbers on every machine and device.

The explicit path (:func:`gaussian_gram` with ``method="explicit"``) draws the vectors themselves;
``tests/test_gram.py`` checks that both paths have the same law (moments of the entries, and
downstream accuracies of the XOR network over many seeds).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np
import torch

__all__ = ["GaussianGram", "gaussian_gram", "METHODS"]

METHODS = ("auto", "wishart", "explicit")


@dataclass(frozen=True)
class GaussianGram:
    """Inner products of independent ``N(0, I_dim)`` vectors, split into named groups.

    Attributes
    ----------
    dim : int
        The dimension of the vectors.
    signal_dims : int
        ``k``: how many signal directions have explicit coordinates.
    groups : dict of str to slice
        Which rows belong to each group, in the order they were given.
    coords : torch.Tensor, shape (N, k), float64, on the CPU
        Every vector's coordinates along the signal directions ``e_1, ..., e_k``.
    factor : torch.Tensor, shape (N, r), float64, on the CPU
        Rows whose inner products are the complement Gram matrix: the Bartlett factor ``L``
        (``r = N``, lower triangular) or the explicit complement vectors (``r = dim - k``).
    method : {"wishart", "explicit"}
        How the complement part was drawn.
    """

    dim: int
    signal_dims: int
    groups: dict
    coords: torch.Tensor
    factor: torch.Tensor
    method: str

    def _rows(self, group: str) -> slice:
        if group not in self.groups:
            raise ValueError(f"group must be one of {list(self.groups)}; got {group!r}")
        return self.groups[group]

    def coordinates(self, group: str) -> torch.Tensor:
        """The group's coordinates along the signal directions.

        Parameters
        ----------
        group : str

        Returns
        -------
        torch.Tensor, shape (N_group, k), float64
        """
        return self.coords[self._rows(group)]

    def inner(self, a: str, b: str, signal: bool = True) -> torch.Tensor:
        """All inner products ``<z, z'>`` with ``z`` in group ``a`` and ``z'`` in group ``b``.

        Parameters
        ----------
        a, b : str
            Group names.
        signal : bool
            False: the inner products of the vectors projected orthogonally to the signal
            directions (``z_perp``), as for noise that is orthogonal to the signal by construction.

        Returns
        -------
        torch.Tensor, shape (N_a, N_b), float64
        """
        ra, rb = self._rows(a), self._rows(b)
        fa, fb = self.factor[ra], self.factor[rb]
        if self.method == "wishart":         # rows of a lower-triangular factor end at their own index
            cols = min(ra.stop, rb.stop)
            fa, fb = fa[:, :cols], fb[:, :cols]
        rest = fa @ fb.T
        return self.coords[ra] @ self.coords[rb].T + rest if signal else rest

    def sq_norms(self, group: str) -> torch.Tensor:
        """The group's squared norms ``||z||^2`` (the diagonal of ``inner(group, group)``, without the rest).

        Parameters
        ----------
        group : str

        Returns
        -------
        torch.Tensor, shape (N_group,), float64
        """
        rows = self._rows(group)
        return self.coords[rows].pow(2).sum(dim=1) + self.factor[rows].pow(2).sum(dim=1)

    def vectors(self, group: str) -> torch.Tensor:
        """The group's vectors themselves (explicit draws only): signal coordinates first.

        Parameters
        ----------
        group : str

        Returns
        -------
        torch.Tensor, shape (N_group, dim), float64

        Raises
        ------
        ValueError
            For a Wishart draw, which has no vectors.
        """
        if self.method != "explicit":
            raise ValueError("vectors() needs method='explicit'; a Wishart draw holds inner products only")
        rows = self._rows(group)
        return torch.cat([self.coords[rows], self.factor[rows]], dim=1)


def _check_count(name: str, value, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}; got {value!r}")
    return int(value)


def gaussian_gram(groups: Mapping[str, int], dim: int, signal_dims: int, rng: np.random.Generator,
                  method: str = "auto") -> GaussianGram:
    """Draw independent ``N(0, I_dim)`` vectors, in groups, as their inner products.

    Parameters
    ----------
    groups : mapping of str to int
        Group names and sizes, e.g. ``{"train": n, "test": q, "neurons": m}`` (each size >= 0,
        at least one vector in all).
    dim : int
        Dimension of the vectors (``>= signal_dims + 1``); any size up to about ``10^15``.
    signal_dims : int
        ``k >= 0``: how many coordinate directions get explicit coordinates (:attr:`GaussianGram.coords`).
    rng : numpy.random.Generator
        The source of randomness; the draws are a deterministic function of its state.
    method : {"auto", "wishart", "explicit"}
        ``"wishart"`` draws the complement Gram matrix by Bartlett's decomposition (needs
        ``dim - signal_dims >= N``), ``"explicit"`` draws the vectors (memory ``N * dim``),
        ``"auto"`` takes the Wishart path whenever it applies.

    Returns
    -------
    GaussianGram

    Raises
    ------
    ValueError
        For a bad size, an unknown method, or ``"wishart"`` with ``dim - signal_dims < N``.
    """
    if not isinstance(groups, Mapping) or not groups:
        raise ValueError(f"groups must be a non-empty mapping of names to sizes; got {groups!r}")
    sizes = {str(name): _check_count(f"groups[{name!r}]", size, 0) for name, size in groups.items()}
    total = sum(sizes.values())
    if total < 1:
        raise ValueError(f"groups must hold at least one vector in all; got {dict(groups)!r}")
    k = _check_count("signal_dims", signal_dims, 0)
    dim = _check_count("dim", dim, k + 1)
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}; got {method!r}")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator; got {type(rng).__name__}")
    rest = dim - k
    if method == "auto":
        method = "wishart" if rest >= total else "explicit"
    if method == "wishart" and rest < total:
        raise ValueError(f"method='wishart' needs dim - signal_dims >= the number of vectors ({total}); got "
                         f"dim={dim}, signal_dims={k}; use method='explicit' or 'auto'")
    coords = rng.standard_normal((total, k))
    if method == "wishart":
        factor = np.tril(rng.standard_normal((total, total)), -1)
        factor[np.diag_indices(total)] = np.sqrt(rng.chisquare(rest - np.arange(total, dtype=np.float64)))
    else:
        factor = rng.standard_normal((total, rest))
    rows, start = {}, 0
    for name, size in sizes.items():
        rows[name] = slice(start, start + size)
        start += size
    return GaussianGram(dim=dim, signal_dims=k, groups=rows, coords=torch.from_numpy(coords),
                        factor=torch.from_numpy(factor), method=method)
