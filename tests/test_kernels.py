"""The kernels chapter's module: kernels and solves against scipy and scikit-learn, nested
factorizations against separate solves, spectra against closed forms and kernel matrices,
eigenlearning against known limits and explicit sampling, the min-norm ReLU interpolator against a
plain fine-grid program and a closed form, claims that can fail, bad input, and the exercise checks."""
import dataclasses
import warnings

import numpy as np
import pytest
import torch
from scipy.spatial.distance import cdist
from sklearn.kernel_ridge import KernelRidge

from companion import claims, engine
from companion import kernels as K
from companion.checks import kernels as check
from companion.kernels import references as R


def _points(n, dim=5, seed=0):
    return K.sphere(n, dim, seed).numpy()


# ---------------------------------------------------------------- kernels
def test_kernel_matrix_matches_explicit_formulas():
    X, Z = _points(30), _points(20, seed=1)
    D = cdist(X, Z)
    np.testing.assert_allclose(K.kernel_matrix(X, Z, "gaussian", 0.7), np.exp(-D ** 2 / (2 * 0.49)), rtol=1e-12)
    np.testing.assert_allclose(K.kernel_matrix(X, Z, "laplace", 0.7), np.exp(-D / 0.7), rtol=1e-7)
    u = np.clip(X @ Z.T, -1, 1)
    ntk = (2 * u * (np.pi - np.arccos(u)) + np.sqrt(1 - u ** 2)) / np.pi
    np.testing.assert_allclose(K.kernel_matrix(X, Z, "relu_ntk", 1.0), ntk, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(K.kernel_matrix(X, Z, "relu_ntk", 2.0), ntk / 4, rtol=1e-10, atol=1e-12)


def test_kernel_matrix_returns_the_kind_it_is_given():
    X = _points(5)
    assert isinstance(K.kernel_matrix(X, X, "laplace", 1.0), np.ndarray)
    out = K.kernel_matrix(torch.as_tensor(X), torch.as_tensor(X), "laplace", 1.0)
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float64


@pytest.mark.parametrize("kwargs, match", [
    (dict(kind="cosine", bandwidth=1.0), "kind"),
    (dict(kind="gaussian", bandwidth=-1.0), "bandwidth"),
    (dict(kind="gaussian", bandwidth=0.0), "bandwidth"),
])
def test_kernel_matrix_rejects_bad_arguments(kwargs, match):
    X = _points(4)
    with pytest.raises(ValueError, match=match):
        K.kernel_matrix(X, X, **kwargs)


def test_kernel_matrix_rejects_mismatched_columns():
    with pytest.raises(ValueError, match="columns"):
        K.kernel_matrix(_points(4), _points(4, dim=3), "laplace", 1.0)


# ---------------------------------------------------------------- solves
@pytest.mark.parametrize("kind, bandwidth, ridge", [("gaussian", 0.5, 1e-3), ("laplace", 1.0, 0.0),
                                                    ("laplace", 1.0, 0.3), ("relu_ntk", 1.0, 1e-2)])
def test_fit_predict_matches_scikit_learn(kind, bandwidth, ridge):
    X, T = _points(300), _points(50, seed=3)
    y = np.random.default_rng(0).standard_normal(300)
    Kx = K.kernel_matrix(X, X, kind, bandwidth)
    ref = KernelRidge(alpha=ridge, kernel="precomputed").fit(Kx, y).predict(K.kernel_matrix(T, X, kind, bandwidth))
    np.testing.assert_allclose(K.fit_predict(X, y, T, kind, bandwidth, ridge), ref, rtol=1e-7, atol=1e-9)


def test_fit_predict_several_right_hand_sides_and_tensors():
    X, T = _points(100), _points(10, seed=3)
    Y = np.random.default_rng(1).standard_normal((100, 3))
    both = K.fit_predict(X, Y, T, "laplace", 1.0, 0.0)
    for j in range(3):
        np.testing.assert_allclose(both[:, j], K.fit_predict(X, Y[:, j], T, "laplace", 1.0, 0.0), rtol=1e-10)
    out = K.fit_predict(torch.as_tensor(X), torch.as_tensor(Y[:, 0]), torch.as_tensor(T), "laplace", 1.0)
    assert isinstance(out, torch.Tensor) and out.shape == (10,)


@pytest.mark.parametrize("kwargs, match", [
    (dict(ridge=-1.0), "ridge"), (dict(kind="poly"), "kind"), (dict(bandwidth=-2.0), "bandwidth")])
def test_fit_predict_rejects_bad_arguments(kwargs, match):
    X = _points(10)
    args = dict(kind="laplace", bandwidth=1.0, ridge=0.0) | kwargs
    with pytest.raises(ValueError, match=match):
        K.fit_predict(X, np.zeros(10), X, **args)


def test_fit_predict_rejects_mismatched_shapes():
    X = _points(10)
    with pytest.raises(ValueError, match="one row per row of X"):
        K.fit_predict(X, np.zeros(9), X, "laplace", 1.0)
    with pytest.raises(ValueError, match="columns of X"):
        K.fit_predict(X, np.zeros(10), _points(3, dim=4), "laplace", 1.0)
    with pytest.raises(ValueError, match="finite"):
        K.fit_predict(X, np.full(10, np.nan), X, "laplace", 1.0)


def test_badly_conditioned_solves_warn_and_broken_ones_raise():
    X = _points(1500)
    with pytest.warns(K.UntrustworthySolve, match="condition number"):
        K.fit_predict(X, X[:, 0], X[:3], "gaussian", 1.0, 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")                    # a well-conditioned solve says nothing
        K.fit_predict(X[:300], X[:300, 0], X[:3], "gaussian", 0.3, 0.0)
    with pytest.raises(K.SolveFailed, match="not numerically positive definite"):
        K.fit_predict(_points(1500), X[:, 0], X[:3], "gaussian", 3.0, 0.0)


def test_condition_estimate_is_a_close_lower_bound():
    for b in (0.3, 0.6, 1.0):
        A = torch.as_tensor(K.kernel_matrix(_points(400), _points(400), "gaussian", b))
        true = float(torch.linalg.cond(A))
        est = K.condition_estimate(torch.linalg.cholesky(A))
        assert true / 10 <= est <= true * (1 + 1e-6), (b, est, true)


def test_ridge_path_matches_separate_solves():
    X, T = _points(200), _points(20, seed=4)
    y = np.random.default_rng(2).standard_normal(200)
    ridges = [1e-4, 1e-2, 1.0]
    path = K.ridge_path(X, y, T, "gaussian", 0.4, ridges)
    for r, row in zip(ridges, path):
        np.testing.assert_allclose(row, K.fit_predict(X, y, T, "gaussian", 0.4, r), rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------- risk curves
def test_nested_factorization_equals_separate_fits_at_every_n_and_noise():
    cfg = K.CurveConfig(kind="laplace", bandwidth=1.0, ridge=0.05, ns=(20, 50, 80), noise=(0.0, 0.5, 2.0),
                        label_draws=2, n_test=30)
    curves = K.risk_curves(cfg, [7], progress=False)
    X = K.sphere(80 + 30, 5, 7)                    # the draw risk_curves documents (kernels.draw)
    X, T = X[:80], X[80:]
    eps = torch.randn(80, 2, generator=torch.Generator().manual_seed(10_000_019 + 7), dtype=torch.float64)
    for mine, theirs in zip(K.draw(cfg, 7, "cpu"), (X, T, eps)):
        assert torch.equal(mine, theirs)
    for j, n in enumerate(cfg.ns):
        for k, s2 in enumerate(cfg.noise):
            for r in range(2):
                y = K.target(X[:n]) + s2 ** 0.5 * eps[:n, r]
                pred = K.fit_predict(X[:n], y, T, "laplace", 1.0, 0.05)
                risk = float((pred - K.target(T)).pow(2).mean()) + s2
                assert curves.risk[0, k, j, r] == pytest.approx(risk, rel=1e-9)


def test_risk_curves_are_deterministic_and_interpolate_when_ridgeless():
    cfg = K.CurveConfig(kind="laplace", bandwidth=1.0, ridge=0.0, ns=(30, 60), label_draws=1, n_test=20)
    a, b = K.risk_curves(cfg, [1, 2], progress=False), K.risk_curves(cfg, [1, 2], progress=False)
    np.testing.assert_array_equal(a.risk, b.risk)
    assert a.train_mse.max() < 1e-20 and a.trusted.all()


def test_risk_curves_flag_untrusted_sizes_and_refuse_broken_ones():
    cfg = K.CurveConfig(kind="gaussian", bandwidth=1.0, ridge=0.0, ns=(100, 1500), label_draws=1, n_test=10)
    with pytest.warns(K.UntrustworthySolve):
        curves = K.risk_curves(cfg, [0], progress=False)
    assert curves.trusted[0].tolist() == [True, False]
    with pytest.raises(K.SolveFailed, match="largest n of the config that works"):
        K.risk_curves(cfg.__class__(kind="gaussian", bandwidth=3.0, ridge=0.0, ns=(50, 1500), label_draws=1,
                                    n_test=10), [0], progress=False)


@pytest.mark.parametrize("field, value, match", [("ns", (100, 50), "increasing"), ("noise", (-1.0,), "noise"),
                                                  ("label_draws", 0, "label_draws"), ("kind", "x", "kind")])
def test_curve_config_rejects_bad_values(field, value, match):
    with pytest.raises(ValueError, match=match):
        K.CurveConfig(**{field: value})


# ---------------------------------------------------------------- spectra
def test_multiplicities_are_the_dimensions_of_harmonic_spaces():
    from math import comb
    np.testing.assert_array_equal(K.multiplicity(3, np.arange(6)), 2 * np.arange(6) + 1)
    for d in (4, 5, 9):
        for l in range(8):
            homog = comb(l + d - 1, d - 1) - (comb(l + d - 3, d - 1) if l >= 2 else 0)
            assert K.multiplicity(d, l) == homog


@pytest.mark.parametrize("b", [0.3, 0.5, 1.0])
def test_quadrature_matches_the_gaussian_closed_form(b):
    quad = K.sphere_spectrum("gaussian", b, 5, 40, method="quadrature").eigenvalues
    exact = K.gaussian_spectrum_closed_form(b, 5, 40)
    big = exact > 1e-11
    np.testing.assert_allclose(quad[big], exact[big], rtol=1e-4)


@pytest.mark.parametrize("kind, b", [("laplace", 1.0), ("relu_ntk", 1.0), ("gaussian", 0.4)])
def test_spectra_account_for_the_whole_trace(kind, b):
    s = K.sphere_spectrum(kind, b, 5, 150)
    trace = float(K.kernel_matrix(np.eye(5)[:1], np.eye(5)[:1], kind, b)[0, 0])
    assert (s.multiplicities * s.eigenvalues).sum() + s.tail_trace == pytest.approx(trace, rel=1e-9)
    assert (s.eigenvalues >= 0).all()


def test_relu_ntk_odd_degrees_above_one_vanish():
    s = K.sphere_spectrum("relu_ntk", 1.0, 5, 9)
    assert (s.eigenvalues[3::2] == 0).all() and (s.eigenvalues[:3] > 0).all()


@pytest.mark.parametrize("kind, b", [("laplace", 1.0), ("gaussian", 0.7)])
def test_spectra_match_kernel_matrix_eigenvalues_at_low_degrees(kind, b):
    s = K.sphere_spectrum(kind, b, 5, 10)
    X = K.sphere(2000, 5, 21)
    w = torch.linalg.eigvalsh(K.kernel_matrix(X, X, kind, b)).flip(0).numpy() / 2000
    start = 0
    for l in range(3):                  # blocks of 1, 5 and 14 eigenvalues
        m = int(s.multiplicities[l])
        assert w[start:start + m].mean() == pytest.approx(s.eigenvalues[l], rel=0.05), l
        start += m


def test_laplace_spectrum_decays_like_degree_to_the_minus_dimension():
    s = K.sphere_spectrum("laplace", 1.0, 5, 200)
    l = np.arange(100, 201)
    assert np.polyfit(np.log(l), np.log(s.eigenvalues[l]), 1)[0] == pytest.approx(-5.0, abs=0.1)


# ---------------------------------------------------------------- eigenlearning
def test_eigenlearning_known_limits():
    modes = 2_000_000
    lam = np.arange(1, modes + 1, dtype=float) ** -2.0
    for n, want in ((100, 1.99), (1000, 2.00), (10000, 2.00)):
        e0 = K.eigenlearning(lam, np.zeros(modes), 0.0, 1.0, n, tail_trace=1 / (modes + 0.5)).e0
        assert round(e0, 2) == want
    expo = np.exp(-np.arange(4000) / 5.0)
    for n in (100, 1000):
        assert K.eigenlearning(expo, np.zeros(4000), 0.0, 1.0, n).e0 == pytest.approx(n / 5, rel=0.01)


def test_eigenlearning_matches_explicit_sampling_of_gaussian_features():
    rng = np.random.default_rng(0)
    p, n, ridge, noise = 300, 60, 1e-2, 0.5
    lam = np.arange(1, p + 1) ** -1.5
    v = rng.standard_normal(p) * np.sqrt(lam)
    est = K.eigenlearning(lam, v, ridge, noise, n)
    test_mse, train_mse = [], []
    for _ in range(400):
        G, Gt = rng.standard_normal((n, p)), rng.standard_normal((500, p))
        y = G @ v + np.sqrt(noise) * rng.standard_normal(n)
        Phi, Phit = G * np.sqrt(lam), Gt * np.sqrt(lam)
        c = np.linalg.solve(Phi @ Phi.T + ridge * np.eye(n), y)
        pred, fit = Phit @ (Phi.T @ c), Phi @ (Phi.T @ c)
        test_mse.append(np.mean((pred - Gt @ v) ** 2) + noise)
        train_mse.append(np.mean((fit - y) ** 2))
    assert np.mean(test_mse) == pytest.approx(est.test_mse, rel=0.05)
    assert np.mean(train_mse) == pytest.approx(est.train_mse, rel=0.1)


def test_eigenlearning_refuses_impossible_or_truncated_inputs():
    with pytest.raises(ValueError, match="more than n"):
        K.eigenlearning(np.ones(10), np.zeros(10), 0.0, 1.0, 10)
    with pytest.raises(ValueError, match="truncated too early"):
        K.eigenlearning(np.arange(1, 50) ** -1.0, np.zeros(49), 0.0, 1.0, 40, tail_trace=1.0)
    with pytest.raises(ValueError, match="eigenvalues"):
        K.eigenlearning(np.array([1.0, -1.0]), np.zeros(2), 0.1, 1.0, 5)
    with pytest.raises(ValueError, match="target_coeffs"):
        K.eigenlearning(np.ones(3), np.zeros(2), 0.1, 1.0, 5)


# ---------------------------------------------------------------- the univariate min-norm interpolator
def _plain_fine_grid(x, y, r):
    """The same program on a uniform grid with r cells per interval, in the values of f (no refinement)."""
    import scipy.sparse as sp
    from scipy.optimize import linprog
    g = np.concatenate([np.linspace(x[i], x[i + 1], r + 1)[:-1] for i in range(len(x) - 1)] + [x[-1:]])
    G, h = len(g), np.diff(g)
    D1 = sp.diags([-1 / h, 1 / h], [0, 1], shape=(G - 1, G))
    D2 = (sp.eye(G - 1, format="csr")[1:] - sp.eye(G - 1, format="csr")[:-1]) @ D1
    m = G - 2
    A_ub = sp.vstack([sp.hstack([D2, -sp.eye(m)]), sp.hstack([-D2, -sp.eye(m)])])
    A_eq = sp.csr_matrix((np.ones(len(x)), (np.arange(len(x)), np.arange(0, G, r))), shape=(len(x), G + m))
    res = linprog(np.concatenate([np.zeros(G), np.sqrt(1 + g[1:-1] ** 2)]), A_ub=A_ub, b_ub=np.zeros(2 * m),
                  A_eq=A_eq, b_eq=y, bounds=[(None, None)] * G + [(0, None)] * m, method="highs")
    return res.fun


def test_min_norm_interpolant_matches_a_plain_fine_grid_and_interpolates():
    x, y = K.relu_data(12, 3)
    f = K.min_norm_interpolant(x, y)
    np.testing.assert_allclose(f(x), y, atol=1e-9)
    assert f.change <= 1e-3
    fine = _plain_fine_grid(x, y, 64)
    assert f.cost <= fine * (1 + 1e-7)                  # at least as good as the fine uniform grid
    assert f.cost >= fine * (1 - 1e-3)
    assert f.cost <= K.linear_spline(x, y).cost * (1 + 1e-9)


def test_same_sign_kinks_merge_into_one_at_their_center_of_mass():
    # convex data: slopes -1, 0, 1 at x = 0.4 and 0.6 change by +1 each; the minimizer replaces the two
    # kinks by one at 0.5 (max of the two outer lines), which Jensen makes strictly cheaper
    x = np.array([0.0, 0.4, 0.6, 1.0])
    y = np.array([0.4, 0.0, 0.0, 0.4])
    f = K.min_norm_interpolant(x, y)
    t = np.linspace(0, 1, 101)
    np.testing.assert_allclose(f(t), np.maximum(0.4 - t, t - 0.6), atol=1e-6)
    assert f.cost == pytest.approx(2 * np.sqrt(1 + 0.25), rel=1e-6)


def test_relu_risk_reports_the_largest_value_of_each_interpolant():
    risk = K.relu_risk((8, 16), [3], progress=False)
    t = np.linspace(0, 1, 200_001)
    for j, n in enumerate(risk.ns):
        x, y = K.relu_data(int(n), 3 * 100 + j)
        f = K.min_norm_interpolant(x, y)
        assert risk.sup[0, j] == pytest.approx(np.abs(f(t)).max(), rel=1e-4)


def test_relu_risk_split_over_seeds_and_joined_equals_one_call():
    whole = K.relu_risk((8, 16), [3, 4, 5], progress=False)
    joined = K.join_risks([K.relu_risk((8, 16), [3], progress=False), K.relu_risk((8, 16), [4, 5], progress=False)])
    for name in ("l1", "l2", "spline_l1", "spline_l2", "change", "sup"):
        np.testing.assert_array_equal(getattr(joined, name), getattr(whole, name))
    assert joined.planned_steps == whole.planned_steps == 3 and not joined.interrupted
    with pytest.raises(ValueError, match="same ns and noise"):
        K.join_risks([whole, K.relu_risk((8,), [3], progress=False)])
    with pytest.raises(engine.IncompleteRunError):
        K.join_risks([whole, dataclasses.replace(whole, interrupted_at=1)])


def test_min_norm_interpolant_rejects_bad_input():
    with pytest.raises(ValueError, match="distinct"):
        K.min_norm_interpolant([0.1, 0.1, 0.5], [0, 1, 2])
    with pytest.raises(ValueError, match="length"):
        K.min_norm_interpolant([0.1, 0.2], [0.0])


def test_norms_are_exact_for_piecewise_linear_functions():
    f = K.Interpolant(np.array([0.0, 0.5, 1.0]), np.array([-1.0, 1.0, 1.0]), 0.0, 0.0)
    t = np.linspace(0, 1, 2_000_001)
    l1, l2 = f.norms()
    assert l1 == pytest.approx(np.trapezoid(np.abs(f(t)), t), abs=1e-6)
    assert l2 == pytest.approx(np.trapezoid(f(t) ** 2, t), abs=1e-6)


# ---------------------------------------------------------------- the Adam rule of the engine
def test_engine_adam_matches_torch_adam():
    target = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
    loss = lambda p: ((p["w"] - target) ** 4).sum()
    run = engine.plain_gd(loss, {"w": torch.zeros(3, dtype=torch.float64)}, 0.05, 50, record=[50],
                          observe=lambda p: {"w": p["w"].clone()}, rule=engine.Adam(0.05))
    w = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([w], lr=0.05)
    for _ in range(50):
        opt.zero_grad()
        loss({"w": w}).backward()
        opt.step()
    np.testing.assert_allclose(run.records["w"][0, -1], w.detach().numpy(), rtol=1e-10)


def test_adam_rejects_bad_settings():
    with pytest.raises(ValueError, match="betas"):
        engine.Adam(0.1, betas=(0.9, 1.0))


# ---------------------------------------------------------------- claims can fail
def _fake(cfg, values, trusted=True):
    S = 3
    risk = np.broadcast_to(np.asarray(values, float)[None, None, :, None], (S, 1, len(cfg.ns), 5)).copy()
    cond = np.full((S, len(cfg.ns)), 10.0 if trusted else 1e13)
    return K.RiskCurves(cfg, [0, 1, 2], risk, cond, cond <= K.MAX_CONDITION, np.zeros_like(risk))


def test_kernel_claims_fail_when_the_curves_say_otherwise():
    B = K.BOOK_CURVES
    pred = np.full(8, 1.25)
    good = {"ridge": _fake(B["ridge"], [1.5, 1.3, 1.2, 1.16, 1.14, 1.13, 1.12, 1.11]),
            "tempered": _fake(B["tempered"], [1.25] * 8),
            "catastrophic": _fake(B["catastrophic"], [1.5, 1.6, 2.0, 2.7, 3.4, 4.1, 5.5, 6.8])}
    assert all(c.holds for c in claims.aggregate(K.per_seed_curves(good, pred)))
    bad = dict(good, tempered=_fake(B["tempered"], [1.2, 1.1, 1.05, 1.02, 1.01, 1.01, 1.0, 1.0]),
               catastrophic=_fake(B["catastrophic"], [1.5, 1.6, 2.0, 2.7, 3.4, 4.1, 5.5, 6.8], trusted=False))
    failed = [c.statement for c in claims.aggregate(K.per_seed_curves(bad, pred)) if not c.holds]
    assert any("bounded away from 0" in s for s in failed) and any("eigenlearning" in s for s in failed)
    assert any("catastrophic" in s for s in failed)
    with pytest.raises(ValueError, match="BOOK_CURVES or PAPER_CURVES"):
        K.per_seed_curves(dict(good, ridge=good["tempered"]), pred)
    with pytest.raises(ValueError, match="prediction must have one value per n \\(8\\); got 3"):
        K.per_seed_curves(good, pred[:3])
    with pytest.raises(ValueError, match="curves must map 'ridge', 'tempered' and 'catastrophic'"):
        K.per_seed_curves({"tempered": good["tempered"]}, pred)


@pytest.mark.parametrize("values, side", [
    ([1.45, 1.42, 1.35, 1.29, 1.29, 1.28, 1.26, 1.25], "at least"),   # slowly falling: ratio 0.71
    ([1.20, 1.20, 1.20, 1.25, 1.27, 1.28, 1.29, 1.29], "at most"),    # slowly rising: ratio 1.45
])
def test_tempered_trend_claim_catches_a_curve_that_is_not_flat(values, side):
    # every other tempered claim holds on these curves (excess in [0.1, 0.5] from n = 500 on, within 0.05
    # of the estimate from n = 1000 on): only the trend claim can catch them
    B = K.BOOK_CURVES
    curves = {"ridge": _fake(B["ridge"], [1.5, 1.3, 1.2, 1.16, 1.14, 1.13, 1.12, 1.11]),
              "tempered": _fake(B["tempered"], values),
              "catastrophic": _fake(B["catastrophic"], [1.5, 1.6, 2.0, 2.7, 3.4, 4.1, 5.5, 6.8])}
    failed = [c.statement for c in claims.aggregate(K.per_seed_curves(curves, np.full(8, 1.25))) if not c.holds]
    assert len(failed) == 1 and "flat" in failed[0] and side in failed[0]


def test_relu_claims_fail_on_flat_curves():
    ns = np.array([32, 512])
    flat = K.ReluRisk(ns, np.ones((4, 2)), np.ones((4, 2)), np.ones((4, 2)), np.ones((4, 2)) * 0.7,
                      np.zeros((4, 2)), 1.0, np.ones((4, 2)))
    verdicts = {c.statement: c.holds for c in claims.aggregate(K.per_seed_relu(flat))}
    assert [v for s, v in verdicts.items() if "L2 error at" in s and "min-norm" in s] == [False]
    assert [v for s, v in verdicts.items() if "max |f|" in s] == [False]
    assert all(c.pooled and c.values.shape == (1,) for c in K.per_seed_relu(flat))    # medians over the seeds
    with pytest.raises(ValueError, match="risk must be a ReluRisk"):
        K.per_seed_relu({"l1": 1})


# ---------------------------------------------------------------- exercise checks
def test_tempered_constant_check():
    # the real measurement, once (cached per process): the right answer and an equivalent form
    np.testing.assert_allclose(R.tempered_estimates(2000), ESTIMATES, atol=1e-4)
    right = check.tempered_constant(lambda d: d / (d - 1))
    assert right.correct and "eigenlearning 1.500" in right.message and "measured" in right.message
    assert check.tempered_constant(lambda d: 1 + 1 / (d - 1)).correct
    assert "write a function" in check.tempered_constant(None).message
    assert "must be a function" in check.tempered_constant(1.5).message


ESTIMATES = (1.4998, 1.3339, 1.1774)       # eigenlearning's E0 at d = 3, 4, 7, n = 2,000 (recorded)


class _NotMeasured:
    def __iter__(self):
        pytest.fail("measured for a wrong answer")


def test_tempered_constant_check_judges_what_it_is_given():
    assert check.tempered_constant(lambda d: d / (d - 1), estimates=ESTIMATES, measured=(1.43, 1.31, 1.17)).correct
    assert not check.tempered_constant(lambda d: d / (d - 1), estimates=(1.7, 1.5, 1.3), measured=(1, 1, 1)).correct
    with pytest.raises(ValueError, match="estimates must hold one value for each of the dimensions \\(3, 4, 7\\)"):
        check.tempered_constant(lambda d: d / (d - 1), estimates=ESTIMATES[:2])


@pytest.mark.parametrize("formula, expected", [
    (lambda d: (d + 1) / d, "Off by one"),
    (lambda d: 1.0, "benign"),
    (lambda d: 1.5, "same value at every d"),
    (lambda d: (d - 1) / d, "below 1, but E0"),
    (lambda d: d / (d - 1) ** 2, "at least 1"),
    (lambda d: float(d), "per degree"),
    (lambda d: d / (d - 2), "harmonics of degree l"),
    (lambda d: d / (d - 1) + 0.1, "d=3: yours 1.6 (too high); d=4: yours 1.433 (too high)"),
    (lambda d: 1 + 0.8 / (d - 1), "d=3: yours 1.4 (too low); d=4: yours 1.267 (too low); d=7: yours 1.133 (too low)"),
])
def test_tempered_constant_check_diagnoses_without_the_target(formula, expected):
    feedback = check.tempered_constant(formula, estimates=ESTIMATES, measured=_NotMeasured())
    assert not feedback.correct and expected in feedback.message
    assert not any(f"{e:.3f}" in feedback.message or f"{e:.4f}" in feedback.message for e in ESTIMATES)


def test_eigenlearning_e0_check():
    assert check.eigenlearning_e0(1.617).correct
    assert check.eigenlearning_e0(torch.tensor(1.6168, dtype=torch.float64)).correct       # a 0-d tensor
    assert "directly" in check.eigenlearning_e0(1.61676).message
    assert "solve for kappa" in check.eigenlearning_e0(None).message
    assert "one number" in check.eigenlearning_e0("two").message
    # the typical mistakes (their values at the defaults, measured once with the exercise's solver)
    cases = {2.0: "ridgeless limit", 0.6185: "reciprocal", 2.618: "missing from n - sum L_i^2",
             1.104: "without the ridge", 1.025: "kappa to the ridge", 38.70: "kappa to the ridge",
             1.0: "kappa to the ridge", 4.2255: "n / (n - sum L_i)", 3.2335: "factor of 2", 0.8084: "factor of 2",
             0.3: "at least 1", -1.0: "positive", 1.75: "is not within 1% of E0", 1.4: "is not within 1% of E0"}
    for answer, expected in cases.items():
        feedback = check.eigenlearning_e0(answer)
        assert not feedback.correct and expected in feedback.message, (answer, feedback.message)
        assert "1.617" not in feedback.message and "1.6168" not in feedback.message
        if expected == "is not within 1% of E0":   # one number: no side is told, so guessing does not converge
            assert "high" not in feedback.message and "low" not in feedback.message, feedback.message


def test_expected_risk_equals_the_ridge_path_average_over_the_noise():
    X, T = K.sphere(40, 5, seed=3), K.sphere(30, 5, seed=4)
    ridges = [1e-3, 0.1, 3.0]
    bias = K.ridge_path(X, K.target(X), T, "gaussian", 0.5, ridges) - K.target(T)
    unit = torch.stack([K.ridge_path(X, torch.eye(40, dtype=torch.float64)[i], T, "gaussian", 0.5, ridges)
                        for i in range(40)])                       # the prediction's response to each label
    expected = (bias ** 2).mean(1) + 0.5 * (unit ** 2).sum(0).mean(1) + 0.5       # noise variance 0.5
    assert np.allclose(R.expected_risk(X, T, ridges, "gaussian", 0.5, noise=0.5), expected.numpy(), rtol=1e-10)


def test_best_ridge_check():
    assert check.best_ridge(3.16).correct                        # what a grid with 3.16 finds on seed 0
    bowl = (np.log(R.RIDGE_GRID) - np.log(0.1)) ** 2 + 1.0      # a curve passed in is what the check judges
    assert check.best_ridge(0.1, curve=bowl).correct and not check.best_ridge(3.16, curve=bowl).correct
    with pytest.raises(ValueError, match="curve must hold the risk at each of the 141 ridges"):
        check.best_ridge(3.16, curve=bowl[:5])
    assert check.best_ridge(np.float64(3.35)).correct and check.best_ridge(torch.tensor(2.5)).correct
    assert "ridge_path" in check.best_ridge(None).message
    assert "one number" in check.best_ridge("3").message
    assert "from 1e-06 to 10" in check.best_ridge(20.0).message
    for ridge, expected in [(1.0, "Experiment 1"), (1e-6, "interpolating end"), (1.78, "too small"),
                            (5.62, "too large"), (10.0, "too large")]:
        feedback = check.best_ridge(ridge)
        assert not feedback.correct and expected in feedback.message and "the minimum" not in feedback.message
        assert "3.16" not in feedback.message and "3.35" not in feedback.message


def test_spline_l2_check():
    assert check.spline_l2(2 / 3).correct and check.spline_l2(torch.tensor(0.67)).correct
    assert "data points" in check.spline_l2(1.0).message
    assert "midpoint" in check.spline_l2(0.5).message and "one end only" in check.spline_l2(1 / 3).message
    for wrong in (0.8, 0.2):                     # one number: no side is told, so guessing does not converge
        message = check.spline_l2(wrong).message
        assert "not within 1%" in message and "high" not in message and "low" not in message
    for wrong in (0.5, 1 / 3, 1.0, 0.8, 0.2):
        assert "2/3" not in check.spline_l2(wrong).message and "0.667" not in check.spline_l2(wrong).message
    assert "set `answer`" in check.spline_l2(None).message and "one number" in check.spline_l2([0.6]).message


def test_noise_slope_claims_tell_tempered_from_catastrophic():
    flat = np.full((3, 3), 1.25)
    growing = np.array([[1.5, 2.8, 4.3]] * 3)
    good = {"ridge": flat, "tempered": flat, "catastrophic": growing}
    assert all(c.holds for c in claims.aggregate(K.per_seed_slopes(good)))
    swapped = {"ridge": flat, "tempered": growing, "catastrophic": flat}          # the two regimes exchanged
    failed = [c.statement for c in claims.aggregate(K.per_seed_slopes(swapped)) if not c.holds]
    assert len(failed) == 2 and any("tempered: constant, at most" in f for f in failed) \
        and any("catastrophic" in f for f in failed)


@pytest.mark.parametrize("spectrum, n, ridge", [("power", 1000, 1e-3), ("power", 1000, 0.0), ("exponential", 3000, 0.0)])
def test_eigenlearning_e0_equals_the_plain_formula_and_stays_finite(spectrum, n, ridge):
    # E0 = n / (n - sum L_i^2), computed as it stands, against the package's form; on the exponential
    # spectrum kappa is about 1e-261, where lambda kappa / (lambda + kappa)^2 would be 0/0
    i = np.arange(1, 4001 if spectrum == "exponential" else 200_001, dtype=float)
    lam = np.exp(-i / 5) if spectrum == "exponential" else i ** -2.0
    result = K.eigenlearning(lam, np.zeros(lam.size), ridge, 1.0, n)
    plain = n / (n - float(((lam / (lam + result.kappa)) ** 2).sum()))
    assert np.isfinite(result.e0) and result.e0 == pytest.approx(plain, rel=1e-9)


def test_scales_and_the_paper_scale_runs():
    assert K.config_for("book") == K.BOOK_CURVES and K.config_for("paper") == K.PAPER_CURVES
    with pytest.raises(ValueError, match=r"scale must be one of \['book', 'paper'\]; got 'galaxy'"):
        K.config_for("galaxy")
    assert list(K.claim_groups("paper")) == ["curves", "dimension", "relu"]
    # meant for a GPU; here one seed of the largest paper-scale solve, one label draw
    cfg = K.PAPER_CURVES["tempered"]
    one = K.CurveConfig(kind=cfg.kind, bandwidth=cfg.bandwidth, ridge=cfg.ridge, dim=cfg.dim, ns=(cfg.ns[-1],),
                        noise=cfg.noise, label_draws=1, n_test=500)
    curves = K.risk_curves(one, [0], device="cpu", progress=False)
    assert curves.trusted.all() and 1.0 < curves.risk[0, 0, 0, 0] < 1.6      # tempered: near (E0) sigma^2, not 0


def test_a_trained_relu_network_interpolates_with_a_small_cost():
    x, y = K.relu_data(5, seed=1)
    net = K.train_relu_network(x, y, width=40, steps=3000, step_size=0.02, seed=0, device="cpu")
    assert net(x).shape == (5,) and net.train_mse < 1e-3 and np.isfinite(net.cost)
    # its representational cost is near the min-norm interpolator's, far below that of a wiggly fit
    assert net.cost < 2 * K.min_norm_interpolant(x, y).cost + 1.0
    # it pickles (the student versions replay it) and computes the same function afterwards
    import pickle
    t = np.linspace(0, 1, 7)
    back = pickle.loads(pickle.dumps(net))
    assert isinstance(back, K.ReluNetwork) and np.array_equal(back(t), net(t)) and back(t[:, None]).shape == (7, 1)
    with pytest.raises(ValueError, match="width must be an integer >= 1"):
        K.train_relu_network(x, y, width=0)
