"""The helpers every exercise check shares: reading a student's number and calling a student's formula."""
import functools
import math

import numpy as np
import pytest
import torch

from companion.checks import Feedback, evaluate_formula, factor_phrase, number, uses_function


@pytest.mark.parametrize("value, expected", [
    (3, 3.0), (2.5, 2.5), (np.float32(1.5), 1.5), (np.int64(4), 4.0), (np.array(0.25), 0.25),
    (torch.tensor(15.0), 15.0), (torch.tensor(2, dtype=torch.int64), 2.0),
])
def test_number_reads_one_finite_real_number(value, expected):
    assert number(value) == expected


@pytest.mark.parametrize("value", [
    None, True, np.bool_(False), torch.tensor(True), "0.01", b"1", np.array("1.0"), np.array(1.0, dtype=object),
    float("nan"), math.inf, torch.tensor(float("nan")), 1j, np.array([1.0]), torch.tensor([1.0]), [1.0],
])
def test_number_refuses_anything_else(value):
    assert number(value) is None


def test_evaluate_formula_returns_floats_or_says_what_is_wrong():
    values, problem = evaluate_formula(lambda a, b: torch.tensor(a * b), [(1, 2), (3, 4)], "a, b")
    assert values == [2.0, 12.0] and problem is None
    for formula, words in [(None, "write a function of (a, b)"), (3.0, "must be a function of (a, b); got float"),
                           (lambda a, b: "0.5", "must return a finite number"), (lambda a, b: math.nan, "must return a finite number"),
                           (lambda a, b: 5.0, "in [0, 1]"), (lambda a: a, "exactly these arguments, in that order"),
                           (lambda a, b: math.log(-a), "raised ValueError: math domain error")]:
        values, problem = evaluate_formula(formula, [(1, 2)], "a, b", 0.0, 1.0)
        assert values is None and isinstance(problem, Feedback) and not problem.correct
        assert words in problem.message, problem.message


def test_evaluate_formula_adds_the_range_hint_to_a_number_out_of_range_only():
    _, problem = evaluate_formula(lambda a, b: 1.5, [(1, 2)], "a, b", 0.0, 1.0, range_hint="Forgot Phi?")
    assert problem.message.endswith("got 1.5 for (a, b) = (1, 2). Forgot Phi?"), problem.message
    _, problem = evaluate_formula(lambda a, b: "x", [(1, 2)], "a, b", 0.0, 1.0, range_hint="Forgot Phi?")
    assert "Forgot Phi?" not in problem.message


def test_evaluate_formula_says_in_that_order_only_for_argument_errors():
    _, problem = evaluate_formula(lambda a, b: 1 / (a - 1), [(1, 2)], "a, b")
    assert "ZeroDivisionError" in problem.message and "in that order" not in problem.message
    _, problem = evaluate_formula(lambda a, b: 1.0, [(1, 2)], "a, b")
    assert problem is None


@pytest.mark.parametrize("factor, words", [
    (2.0, "too large by a factor between 1.6 and 2.5"), (0.5, "too small by a factor between 1.6 and 2.5"),
    (1.05, "too large by less than 25%"), (1 / 1.41, "too small by a factor between 1.25 and 1.6"),
    (3.14, "too large by a factor between 2.5 and 5"), (40.0, "too large by a factor of more than 5"),
])
def test_factor_phrase_bins_the_factor_without_its_value(factor, words):
    phrase = factor_phrase(factor)
    assert phrase.startswith(words), phrase
    assert f"{factor:.2f}" not in phrase and f"{1 / factor:.2f}" not in phrase


@pytest.mark.parametrize("bad", [0.0, -2.0, math.nan, math.inf])
def test_factor_phrase_refuses_what_is_no_factor(bad):
    with pytest.raises(ValueError, match="factor must be a positive finite number"):
        factor_phrase(bad)


def _target(n, eta):
    return math.sqrt(2 / ((1 - eta) * n))


def test_uses_function_finds_the_package_implementation_however_it_is_wrapped():
    namespace = {"_target": _target, "mod": type(math)("mod")}
    namespace["mod"]._target = _target
    direct = eval("lambda n, eta: 1.0 * _target(n, eta)", namespace)
    through_module = eval("lambda n, eta: mod._target(n, eta)", namespace)
    nested = eval("lambda n, eta: (lambda: _target(n, eta))()", namespace)
    namespace["pkg"] = type(math)("pkg")
    namespace["pkg"].mod = namespace["mod"]
    through_package = eval("lambda n, eta: pkg.mod._target(n, eta)", namespace)
    for formula in (_target, functools.partial(_target), direct, through_module, nested, through_package):
        assert uses_function(formula, _target), formula
    _, problem = evaluate_formula(direct, [(40, 0.1)], "n, eta", refuse=[_target])
    assert not problem.correct and "_target, the package's implementation" in problem.message


def test_uses_function_lets_a_students_own_function_of_the_same_name_pass():
    own = {}
    exec("def _target(n, eta):\n    return (2 / n) ** 0.5\nformula = lambda n, eta: _target(n, eta)", own)
    assert not uses_function(own["formula"], _target)
    assert not uses_function(lambda n, eta: math.sqrt(2 / n), _target)
    values, problem = evaluate_formula(own["formula"], [(50, 0.1)], "n, eta", refuse=[_target])
    assert problem is None and values == [0.2]
