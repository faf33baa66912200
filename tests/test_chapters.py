"""Every chapter follows one shape: the same files, a map of them in the package's docstring, scales
refused by name, claims exposed as groups, no chapter importing another; and every figure_* function
of every chapter draws on a tiny result."""
import ast
import importlib
import inspect
import pathlib

import matplotlib
import numpy as np
import pytest

from companion import claims

matplotlib.use("Agg")

SRC = pathlib.Path(__file__).resolve().parents[1] / "src" / "companion"
CHAPTERS = ("xor", "attention", "kernels", "privacy")
ROLE_FILES = ("__init__.py", "setting.py", "data.py", "train.py", "theory.py", "measures.py", "claims.py",
              "figures.py", "explorer.py", "checks.py", "references.py")
SHARED = ("engine", "runs", "claims", "robustness", "validate", "device", "gram", "twolayer", "plots", "widgets",
          "course")
MAX_LINES = 520            # "about 500"


def _imports(path: pathlib.Path) -> set[str]:
    """The companion modules a file imports, as dotted names relative to the package (``xor.train``)."""
    tree = ast.parse(path.read_text())
    package = path.parent.relative_to(SRC.parent).parts            # ("companion", "xor")
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[: len(package) - node.level + 1])
                base += node.module.split(".") if node.module else []
            else:
                base = (node.module or "").split(".")
            if base and base[0] == "companion":
                found.add(".".join(base[1:]))
                found.update(".".join(base[1:] + [a.name]) for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".", 1)[1] for a in node.names if a.name.startswith("companion."))
    return found


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_chapter_has_the_role_files_and_a_map_of_them(chapter):
    folder = SRC / chapter
    assert folder.is_dir() and not (SRC / f"{chapter}.py").exists()
    files = {p.name for p in folder.glob("*.py")}
    assert set(ROLE_FILES) <= files, sorted(set(ROLE_FILES) - files)
    module = importlib.import_module(f"companion.{chapter}")
    for name in files - {"__init__.py"}:                # the package's docstring says what lives in each file
        assert f"``{name}``" in module.__doc__, name
    for name in module.__all__:                         # every public name resolves, and is not a module
        assert hasattr(module, name) and not isinstance(getattr(module, name), type(module)), name
    for name in files - {"__init__.py", "checks.py", "references.py"}:   # the map promises every public name
        part = importlib.import_module(f"companion.{chapter}.{name[:-3]}")
        assert set(part.__all__) <= set(module.__all__), (name, sorted(set(part.__all__) - set(module.__all__)))
    assert callable(module.claim_groups) and callable(module.config_for) and isinstance(module.SCALES, dict)


def test_no_module_is_much_over_500_lines():
    long = {str(p.relative_to(SRC)): n for p in SRC.rglob("*.py") if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long, long


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_scales_and_claim_groups(chapter):
    module = importlib.import_module(f"companion.{chapter}")
    assert {"book", "paper"} <= set(module.SCALES)
    with pytest.raises(ValueError, match=r"scale must be one of \[.*'book'.*'paper'.*\]; got 'galaxy'"):
        module.config_for("galaxy")
    with pytest.raises(ValueError, match="scale must be one of"):
        module.claim_groups("galaxy")
    for scale in module.SCALES:
        module.config_for(scale)
        groups = module.claim_groups(scale)
        assert groups and all(isinstance(g, claims.Group) for g in groups.values())
        assert len({g.title for g in groups.values()}) == len(groups)         # titles tell the groups apart


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_judge_names_the_argument_it_refuses(chapter):
    """A judge given something other than the runs it judges says which argument is wrong, instead of
    failing on an attribute deep inside."""
    for key, group in importlib.import_module(f"companion.{chapter}").claim_groups().items():
        params = [p for p in inspect.signature(group.judge).parameters.values()
                  if p.default is inspect.Parameter.empty and p.kind is p.POSITIONAL_OR_KEYWORD]
        with pytest.raises(ValueError, match=params[0].name):
            group.judge(*["not a result"] * len(params))


def test_chapters_import_only_shared_modules_and_shared_modules_no_chapter():
    for chapter in CHAPTERS:
        for path in (SRC / chapter).glob("*.py"):
            others = {m.split(".")[0] for m in _imports(path)} & (set(CHAPTERS) - {chapter})
            assert not others, (path.name, others)
    for name in SHARED:
        chapters = {m.split(".")[0] for m in _imports(SRC / f"{name}.py")} & set(CHAPTERS)
        assert not chapters, (name, chapters)
    # companion.checks holds what the checks share, and one alias per chapter under the name the notebooks use
    assert not {m.split(".")[0] for m in _imports(SRC / "checks" / "__init__.py")} & set(CHAPTERS)
    for chapter in CHAPTERS:
        alias, own = importlib.import_module(f"companion.checks.{chapter}"), importlib.import_module(
            f"companion.{chapter}.checks")
        assert alias.__all__ == own.__all__ and all(getattr(alias, n) is getattr(own, n) for n in own.__all__)


# --- every figure draws on a tiny result ----------------------------------------------------------------

def _xor():
    from companion import xor
    cfg = xor.XORConfig(n=40, dim=3000, width=40, signal=20.0, noise_rate=0.2, step_size=0.05, init_scale=1e-6,
                        steps=20, n_test=100)
    run = xor.train(cfg, seeds=[0, 1], device="cpu")
    return {
        "figure_phases": lambda: xor.figure_phases(run, zoom=10),
        "figure_hebbian": lambda: xor.figure_hebbian(run, xor.step_one_widths(cfg.replace(init_scale=0.05), [2, 4],
                                                                                      seeds=[0, 1])),
        "figure_delay": lambda: xor.figure_delay(xor.sweep(cfg, {"init_scale": [1e-6, 1e-3], "step_size": [0.05, 0.1]},
                                                           seeds=[0]), step_size=0.05),
        "figure_neurons": lambda: xor.figure_neurons(run, steps=[0, 1, 20], learned=True),
        "figure_alignment": lambda: xor.figure_alignment(run),
        "figure_sweep": lambda: xor.figure_sweep(xor.sweep(cfg, {"signal": [10.0, 25.0], "noise_rate": [0.0, 0.2]},
                                                           seeds=[0])),
        "figure_regimes": lambda: xor.figure_regimes([run, run], ["one", "two"]),
        "figure_long_run": lambda: xor.figure_long_run(run),
    }


def _attention():
    from companion import attention as A
    cfg = A.AttentionConfig(n=12, dim=600, signal=8.0, noise_rate=0.25, steps=4, step_size_v=0.3,
                            step_size_p=0.4, n_test=30)
    run = A.train(cfg, seeds=[0, 1])
    margins = A.hard_attention_margin(cfg, seeds=[0, 1])
    signals, ns = [4.0, 8.0], [8, 12]
    return {
        "figure_steps": lambda: A.figure_steps(run, title="tiny"),
        "figure_phase": lambda: A.figure_phase(A.sweep(cfg, {"signal": signals, "n": ns}, seeds=[0, 1]),
                                               A.margin_grid(cfg, signals, ns, seeds=[0, 1])),
        "figure_attention_role": lambda: A.figure_attention_role(A.attention_role(cfg, snrs=[0.1, 0.3], seeds=[0, 1])),
        "figure_step_sizes": lambda: A.figure_step_sizes(A.sweep(cfg, {"step_size_v": [0.1, 0.3],
                                                                       "step_size_p": [0.1, 0.4]}, seeds=[0, 1])),
        "figure_long_run": lambda: A.figure_long_run([run], [margins], ["tiny"]),
        "figure_fates": lambda: A.figure_fates(run, margins),
    }


def _kernels():
    from companion import kernels as K
    cfg = K.CurveConfig(kind="laplace", bandwidth=1.0, ridge=0.0, dim=5, ns=(20, 40), noise=(0.0, 1.0),
                        label_draws=2, n_test=50)
    curves = K.risk_curves(cfg, [0, 1], device="cpu", progress=False)
    fixed = K.CurveConfig(kind="gaussian", bandwidth=1.0, ridge=0.0, dim=5, ns=(20, 40), n_test=50, label_draws=2)
    growing = K.dimension_risk([20, 40], [3, 4], 1.0, 1.0, [0, 1], label_draws=2, n_test=50, device="cpu",
                               progress=False)
    spectrum = K.sphere_spectrum("laplace", 1.0, 5, 20)
    x, y = K.relu_data(6, 0)
    return {
        "figure_risk_curves": lambda: K.figure_risk_curves({"tempered": curves}, {"tempered": K.predicted_curve(cfg)},
                                                           title="tiny"),
        "figure_spectra": lambda: K.figure_spectra({"laplace": spectrum}, {"laplace": spectrum.eigenvalues[:4]}),
        "figure_noise": lambda: K.figure_noise(curves, 40, K.predicted_curve(cfg)[:, 1]),
        "figure_numerics": lambda: K.figure_numerics(K.numerics_check(fixed, seed=0, device="cpu"), title="tiny"),
        "figure_dimension": lambda: K.figure_dimension(K.risk_curves(fixed, [0, 1], device="cpu", progress=False),
                                                       growing, K.predicted_curve(fixed)[0], np.ones(2)),
        "figure_relu": lambda: K.figure_relu(x, y, K.min_norm_interpolant(x, y), K.linear_spline(x, y), None,
                                             K.relu_risk((4, 8), [0, 1], progress=False)),
    }


def _privacy():
    from companion import privacy as P
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((10, 20)) / np.sqrt(20), np.tile([1.0, -1.0], 5)
    run = P.train_homogeneous(X, y, widths=(30,), steps=100, step_size=0.5, record=[1, 50, 100], kkt=True)
    trial = P.reconstruction_trial(n=4, seed=0, side=8, widths=(20, 20), gd_steps=20, lbfgs_iterations=20,
                                   attack_steps=20, attack_lbfgs=5, control=False)
    uni = P.univariate_attack(n=6, seed=0, width=50, steps=300)
    return {
        "figure_implicit_bias": lambda: P.figure_implicit_bias({"GD": run}),
        "figure_univariate": lambda: P.figure_univariate([uni, uni]),
        "figure_membership": lambda: P.figure_membership(P.membership_over_dimension([10, 30], n=6, seeds=[0],
                                                                                     widths=(20,), steps=100)),
        "figure_reconstruction": lambda: P.figure_reconstruction(trial, count=2),
        "figure_defences": lambda: P.figure_defences({("weight decay", 1e-3): [trial], ("weight decay", 1e-2): [trial]},
                                                     undefended=[trial]),
    }


@pytest.mark.parametrize("chapter, builders", [("xor", _xor), ("attention", _attention), ("kernels", _kernels),
                                               ("privacy", _privacy)])
def test_every_figure_draws_on_a_tiny_result(chapter, builders):
    import matplotlib.pyplot as plt
    module = importlib.import_module(f"companion.{chapter}")
    drawers = builders()
    assert set(drawers) == {n for n in module.__all__ if n.startswith("figure_")}     # every figure, and only them
    for name, draw in drawers.items():
        fig = draw()
        assert isinstance(fig, matplotlib.figure.Figure) and fig.axes, name
        assert fig.get_size_inches()[0] <= 7.5 + 1e-9, name                           # at most the book's width
        fig.canvas.draw()                                                              # the layout and text render
        plt.close(fig)
