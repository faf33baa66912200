"""The helpers every exercise check shares: reading a student's number and calling a student's formula."""
import math

import numpy as np
import pytest
import torch

from companion.checks import Feedback, evaluate_formula, number


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
                           (lambda a, b: "0.5", "must return a number"), (lambda a, b: math.nan, "must return a number"),
                           (lambda a, b: 5.0, "in [0, 1]"), (lambda a: a, "arguments in that order")]:
        values, problem = evaluate_formula(formula, [(1, 2)], "a, b", 0.0, 1.0)
        assert values is None and isinstance(problem, Feedback) and not problem.correct
        assert words in problem.message, problem.message
