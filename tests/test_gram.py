"""The Gram sampler has the law of explicit sampling.

Tolerances come from the sampling error: a mean over R replicas is compared with its target within
Z standard errors (the standard error estimated from the replicas), with Z = 4.5: a correct sampler
fails one such comparison with probability about 7e-6, and the seeds are fixed, so the tests are
deterministic. The same rule judges every quantity; none was adjusted after seeing a result.
"""
import numpy as np
import pytest
import torch

from companion import gram, xor

Z = 4.5


def _within(samples, target, what):
    samples = np.asarray(samples, dtype=float)
    se = samples.std(ddof=1) / np.sqrt(samples.size)
    assert abs(samples.mean() - target) <= Z * se, f"{what}: mean {samples.mean():.4g}, target {target}, SE {se:.3g}"


def _replicas(method, dim, replicas, seed):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(replicas):
        g = gram.gaussian_gram({"u": 1, "v": 2, "w": 1}, dim, 2, rng, method=method)
        full = torch.cat([torch.cat([g.inner(a, b) for b in "uvw"], dim=1) for a in "uvw"]).numpy()
        out.append(full)
    return np.stack(out)                                   # (R, 4, 4)


@pytest.mark.parametrize("method", ["wishart", "explicit"])
def test_entries_have_the_moments_of_gaussian_inner_products(method):
    dim, R = 30, 6000
    G = _replicas(method, dim, R, seed=11)
    _within(G[:, 0, 0], dim, "diagonal mean")
    _within((G[:, 1, 1] - dim) ** 2, 2 * dim, "diagonal variance")
    _within(G[:, 0, 1], 0.0, "off-diagonal mean")
    _within(G[:, 0, 2] ** 2, dim, "off-diagonal variance")
    _within(G[:, 0, 1] * G[:, 0, 2], 0.0, "covariance of entries sharing a vector")
    _within(G[:, 0, 0] * G[:, 3, 3], dim ** 2, "independence of squared norms")
    # E[<z1,z2><z2,z3><z3,z1>] = dim: the joint structure an entry-by-entry sampler would miss (it gives 0)
    _within(G[:, 0, 1] * G[:, 1, 2] * G[:, 2, 0], dim, "three-cycle moment")
    np.testing.assert_allclose(G, np.swapaxes(G, 1, 2), rtol=1e-12, atol=1e-9)


def test_signal_coordinates_are_standard_normal_and_separate_from_the_rest():
    rng = np.random.default_rng(3)
    coords, rest = [], []
    for _ in range(3000):
        g = gram.gaussian_gram({"a": 2, "b": 1}, 10**12, 3, rng)
        coords.append(g.coordinates("a")[0].numpy())
        rest.append(float(g.inner("a", "a")[0, 0] - g.coordinates("a")[0].pow(2).sum()))
    coords, rest = np.array(coords), np.array(rest)
    _within(coords[:, 0], 0.0, "coordinate mean")
    _within(coords[:, 1] ** 2, 1.0, "coordinate variance")
    _within((rest - (10**12 - 3)) / np.sqrt(2 * (10**12 - 3)), 0.0, "complement norm at dim 1e12")
    _within(((rest - (10**12 - 3)) / np.sqrt(2 * (10**12 - 3))) ** 2, 1.0, "complement norm variance")


def _ks(a, b):
    """Two-sample Kolmogorov-Smirnov statistic."""
    grid = np.sort(np.concatenate([a, b]))
    cdf = lambda s: np.searchsorted(np.sort(s), grid, side="right") / s.size  # noqa: E731
    return np.abs(cdf(a) - cdf(b)).max()


def test_wishart_and_explicit_log_determinants_have_the_same_distribution():
    # with dim - k = 8 complement dimensions for 5 vectors the Wishart is far from Gaussian
    dets = {}
    for method in ("wishart", "explicit"):
        G = _replicas(method, 10, 4000, seed=5)
        dets[method] = np.linalg.slogdet(G)[1]
    # KS critical value at level 1e-4: sqrt(-ln(1e-4 / 2) / 2) * sqrt(2 / R)
    critical = np.sqrt(-np.log(0.5e-4) / 2) * np.sqrt(2 / 4000)
    assert _ks(dets["wishart"], dets["explicit"]) < critical


def test_explicit_inner_products_are_those_of_its_vectors():
    g = gram.gaussian_gram({"a": 3, "b": 4}, 50, 2, np.random.default_rng(0), method="explicit")
    va, vb = g.vectors("a"), g.vectors("b")
    assert va.shape == (3, 50)
    np.testing.assert_allclose(g.inner("a", "b"), va @ vb.T, rtol=1e-12)
    np.testing.assert_array_equal(g.coordinates("b"), vb[:, :2])
    np.testing.assert_allclose(g.sq_norms("b"), (vb ** 2).sum(dim=1), rtol=1e-12)
    np.testing.assert_allclose(g.inner("a", "b", signal=False), va[:, 2:] @ vb[:, 2:].T, rtol=1e-12)
    w = gram.gaussian_gram({"a": 3, "b": 4}, 50, 2, np.random.default_rng(0), method="wishart")
    np.testing.assert_allclose(w.sq_norms("b"), w.inner("b", "b").diagonal(), rtol=1e-12)
    with pytest.raises(ValueError, match="explicit"):
        gram.gaussian_gram({"a": 3}, 50, 2, np.random.default_rng(0), method="wishart").vectors("a")


def test_xor_accuracies_have_the_same_law_under_both_samplers():
    # same seeds: the clusters and flips are identical, only the Gaussian parts differ, so paired
    # differences of per-seed accuracies have mean 0 when the two samplers have the same law
    cfg = xor.XORConfig(n=40, dim=1500, width=40, signal=14.0, noise_rate=0.15, step_size=0.3, init_scale=1e-4,
                        steps=30, n_test=200)
    seeds = list(range(60))
    runs = {m: xor.train(cfg, seeds=seeds, device="cpu", sampler=m, record=[0, 1, 30]) for m in ("wishart", "explicit")}
    for name in ("test_acc", "train_acc"):
        for r in (1, 2):
            diff = getattr(runs["wishart"], name)[:, r] - getattr(runs["explicit"], name)[:, r]
            if np.all(diff == 0):
                continue
            _within(diff, 0.0, f"{name} at recorded step {runs['wishart'].steps[r]}")
    # the comparison has power: the two paths draw different noise, and the runs learn
    assert not np.array_equal(runs["wishart"].test_acc, runs["explicit"].test_acc)
    assert runs["explicit"].test_acc[:, -1].mean() > runs["explicit"].test_acc[:, 1].mean() + 0.1


def test_dimension_costs_nothing():
    g = gram.gaussian_gram({"a": 300, "b": 200}, 10**15, 2, np.random.default_rng(1))
    assert g.method == "wishart" and g.factor.shape == (500, 500)
    assert abs(float(g.inner("a", "a")[0, 0]) / 1e15 - 1) < 1e-5


@pytest.mark.parametrize("kwargs, match", [
    (dict(groups={}), "groups must be"), (dict(groups={"a": -1}), r"groups\['a'\]"),
    (dict(groups={"a": 0}), "at least one vector"), (dict(dim=2), "dim must be an integer >= 3"),
    (dict(signal_dims=-1), "signal_dims"), (dict(method="cholesky"), "method must be one of"),
    (dict(dim=8, method="wishart"), "dim - signal_dims >= the number of vectors"),
    (dict(rng=0), "rng must be a numpy.random.Generator"),
])
def test_bad_input(kwargs, match):
    args = dict(groups={"a": 4, "b": 3}, dim=20, signal_dims=2, rng=np.random.default_rng(0))
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        gram.gaussian_gram(**args)
    with pytest.raises(ValueError, match="group must be one of"):
        gram.gaussian_gram({"a": 2}, 20, 2, np.random.default_rng(0)).inner("a", "z")
