"""The shared argument checks: each refuses bad input with a message naming the argument, the value
and what is allowed, and passes good input through unchanged."""
import dataclasses

import numpy as np
import pytest

from companion import validate


@dataclasses.dataclass(frozen=True)
class Small(validate.Config):
    n: int = 3
    rate: float = 0.1


def test_config_replace_names_unknown_fields_and_lists_the_known_ones():
    assert Small().replace(n=5) == Small(n=5, rate=0.1)
    with pytest.raises(ValueError, match=r"Small has no field 'steps'; its fields are \['n', 'rate'\]"):
        Small().replace(steps=3)


def test_instance_and_instances():
    assert validate.instance("cfg", Small(), Small) == Small()
    with pytest.raises(ValueError, match="cfg must be a Small; got int"):
        validate.instance("cfg", 3, Small)
    assert validate.instances("runs", (Small(), Small(n=4)), Small) == [Small(), Small(n=4)]
    with pytest.raises(ValueError, match="runs must be a non-empty sequence of Small; got an empty sequence"):
        validate.instances("runs", [], Small)
    with pytest.raises(ValueError, match="runs must be a non-empty sequence of Small; got items of type float, str"):
        validate.instances("runs", [Small(), "a", 1.0], Small)
    with pytest.raises(ValueError, match="got Small"):           # one item where a sequence is asked for
        validate.instances("runs", Small(), Small)


@pytest.mark.parametrize("bad", [[], 3, "012", [1, 1], [-1], [0.5], [True]])
def test_seeds_refuses_what_is_not_distinct_integers(bad):
    with pytest.raises(ValueError, match="seeds must be"):
        validate.seeds(bad)


def test_seeds_accepts_numpy_integers_and_returns_ints():
    out = validate.seeds(np.arange(3))
    assert out == [0, 1, 2] and all(type(s) is int for s in out)


def test_numbers_name_the_argument_and_the_range():
    with pytest.raises(ValueError, match=r"n must be an integer >= 2; got 1"):
        validate.integer("n", 1, 2)
    with pytest.raises(ValueError, match="rate"):
        validate.fraction("rate", 1.7)
    with pytest.raises(ValueError, match="step"):
        validate.positive("step", float("nan"))
    with pytest.raises(ValueError, match=r"kind must be one of \['a', 'b'\]; got 'c'"):
        validate.choice("kind", "c", ["a", "b"])


def test_arrays_refuse_nan_and_wrong_shapes():
    with pytest.raises(ValueError, match="x"):
        validate.array("x", [1.0, np.nan])
    with pytest.raises(ValueError, match="x"):
        validate.array("x", [[1.0]], ndim=1)
    with pytest.raises(ValueError, match="x"):
        validate.vector("x", [1.0, 2.0], length=3)
    with pytest.raises(ValueError, match=r"y.*\{-1, \+1\}.*0\.5"):
        validate.labels("y", [1, -1, 0.5])
