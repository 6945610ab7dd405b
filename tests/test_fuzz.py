"""Bad input fuzzing: every case works, or fails cleanly before the first fit.

Hypothesis draws constructor parameters and ``param_distributions`` for each
searcher: a valid configuration, or one with exactly one parameter (or the
space) broken. A case passes when the fit works, or raises ValueError or
TypeError (scikit-learn's InvalidParameterError is a ValueError) whose message
names the broken parameter, before the estimator was fitted even once. Any
other exception (an IndexError from numpy, a scipy error, ...) fails.

``FUZZ_EXAMPLES`` sets the number of cases per searcher (default 100).
"""

import os
import warnings
import zlib
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.stats import loguniform, norm, randint, uniform
from sklearn.base import BaseEstimator
from sklearn.model_selection import KFold

from skhypertune import BayesSearchCV, EvolutionSearchCV, HalvingRandomSearchCV

N_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))
X = np.arange(48, dtype=float).reshape(24, 2)
CASES: dict = {}


class Counted(BaseEstimator):
    """Never fails; counts its fits; scores depend on its parameters only."""

    fits = 0

    def __init__(self, a=0.5, b=1, c="x", n_estimators=10):
        self.a = a
        self.b = b
        self.c = c
        self.n_estimators = n_estimators

    def fit(self, X, y=None):
        Counted.fits += 1
        return self

    def score(self, X, y=None):
        return zlib.crc32(repr(sorted(self.get_params().items())).encode()) / 2**32


class NoDraws:
    """A distribution whose rvs always fails."""

    def rvs(self, random_state=None, size=None):
        raise RuntimeError("cannot draw")


def _score(estimator, X, y=None):
    return estimator.score(X)


GOOD_SPACES = [
    {"a": uniform(0, 1), "b": randint(1, 5), "c": ["x", "y"]},
    {"a": norm(0.5, 0.1)},
    {"c": ("x", "y", None)},
    {"a": np.array([0.1, 0.2])},
    [{"a": uniform(0, 1)}, {"c": ["x", "y"], "b": [1, 2]}],
    {},
    {"a": [np.nan, 1.0]},
    {"a": uniform},  # unfrozen: RandomizedSearchCV draws from uniform(0, 1)
]
# (space, words of which one must be in the message)
BAD_SPACES = [
    ([], ["param_distributions"]),
    ("a", ["param_distributions"]),
    (None, ["param_distributions"]),
    (5, ["param_distributions"]),
    ({"a": []}, ["'a'"]),
    ({"a": loguniform}, ["'a'"]),
    ({"b": randint(5, 5)}, ["'b'"]),
    ({"a": "abc"}, ["'a'"]),
    ({"a": 5}, ["'a'"]),
    ({"a": None}, ["'a'"]),
    ({"a": np.zeros((2, 2))}, ["'a'"]),
    ({"a": uniform(0, np.nan)}, ["'a'"]),
    ({"a": NoDraws()}, ["'a'"]),
    ({"zzz": [1, 2]}, ["'zzz'"]),
    ({1: [1, 2]}, ["names", "1"]),
    ([{"a": [0.1]}, 5], ["param_distributions[1]"]),
    ([{"a": [0.1]}, {"a": []}], ["'a'"]),
]

COMMON_VALID = {
    "scoring": [None, _score],
    "cv": [2, KFold(3)],
    "n_jobs": [None, 1],
    "refit": [True, False],
    "verbose": [0],
    "random_state": [0, None, np.random.RandomState(1)],
    "error_score": [np.nan, 0.0, "raise"],
    "return_train_score": [False, True],
}
COMMON_INVALID = {
    "scoring": ["not_a_scorer", 5, ["a", "a"]],
    "cv": [1, 0, -2, "three", 1.5, 1000],
    "n_jobs": ["two", 1.5],
    "verbose": ["loud", -1],
    "random_state": ["seed", 1.5, -1],
    "error_score": ["ignore", None],
    "return_train_score": ["yes", None],
}
LOOP_VALID = {
    **COMMON_VALID,
    "n_iter": [1, 3, 5],
    "initial_params": [None, [{"a": 0.25, "b": 2, "c": "y"}]],
    "callbacks": [None, [lambda state: False]],
    "max_time": [None, 30.0],
    "warm_start": [False, True],
    "checkpoint": [None],
}
LOOP_INVALID = {
    **COMMON_INVALID,
    "n_iter": [0, -3, 2.5, "10", None],
    "pre_dispatch": [5.5, None],
    "initial_params": [
        {"a": 0.5},
        [5],
        [{"zzz": 0.5}],
        [{"a": 99.0, "b": 2, "c": "x"}],
    ],
    "callbacks": [["stop"], 5],
    "max_time": [0, -1.0, "soon"],
    "warm_start": ["yes", None],
    "checkpoint": [5, ""],
}
# Other words accepted as naming the parameter.
ALIASES = {"cv": ["n_splits", "CV splits"], "refit": ["multi-metric"]}

SEARCHERS = {
    "bayes": (
        BayesSearchCV,
        {**LOOP_VALID, "n_initial_points": [1, 2, 10], "n_points": ["auto", 1, 3]},
        {**LOOP_INVALID, "n_initial_points": [0, -1, "a"], "n_points": [0, "many"]},
    ),
    "evolution": (
        EvolutionSearchCV,
        {
            **LOOP_VALID,
            "n_iter": [2, 4, 6],
            "population_size": [None, 2],
            "mutation_probability": [0.0, 0.8, 1.0],
            "crossover_probability": [0.0, 0.6],
            "tournament_size": [1, 2],
            "elitism": [0, 1],
        },
        {
            **LOOP_INVALID,
            "population_size": [1, 0, "x"],
            "mutation_probability": [-0.1, 1.5, "x"],
            "crossover_probability": [-1.0, 2.0],
            "tournament_size": [0, "x"],
            "elitism": [-1, 1.5],
        },
    ),
    "halving": (
        HalvingRandomSearchCV,
        {
            **COMMON_VALID,
            "n_candidates": ["exhaust", 3, 6],
            "factor": [2, 3.0],
            "resource": ["n_samples", "n_estimators"],
            "min_resources": ["smallest", "exhaust", 8],
            "max_resources": ["auto", 24],
            "aggressive_elimination": [False, True],
        },
        {
            **COMMON_INVALID,
            "n_candidates": [0, -1, "x", 2.5],
            "factor": [1, 0.5, "x"],
            "resource": ["not_a_param", 5],
            "min_resources": [-1, "big", 0],
            "max_resources": [0, "x", 10**6],
            "aggressive_elimination": ["yes", None],
        },
    ),
}


@st.composite
def cases(draw, valid, invalid, good_spaces):
    kwargs = {name: draw(st.sampled_from(values)) for name, values in valid.items()}
    space = draw(st.sampled_from(good_spaces))
    if space is not GOOD_SPACES[0] and kwargs.get("initial_params"):
        kwargs["initial_params"] = None  # the seed fits the first space only
    kind = draw(st.sampled_from(["valid", "valid", "parameter", "parameter", "space"]))
    expected = None
    if kind == "parameter":
        name = draw(st.sampled_from(sorted(invalid)))
        kwargs[name] = draw(st.sampled_from(invalid[name]))
        expected = [name, *ALIASES.get(name, [])]
    elif kind == "space":
        space, expected = draw(st.sampled_from(BAD_SPACES))
    if kwargs.get("min_resources") == "exhaust" == kwargs.get("n_candidates"):
        kwargs["n_candidates"] = 3  # documented conflict; not what is fuzzed
    fuzzed = expected[0] if kind == "parameter" else None
    if kwargs.get("resource", "n_samples") != "n_samples":
        if fuzzed != "max_resources":
            # An integer resource needs an integer max_resources (documented).
            kwargs["max_resources"] = 40
        elif kwargs["max_resources"] == 10**6:
            # Valid for n_estimators (only too many for n_samples): a million
            # candidates would run, not fail.
            kwargs["max_resources"] = 0
    return kwargs, space, expected


def _run(cls, kwargs, space, expected):
    Counted.fits = 0
    search = cls(Counted(), space, **kwargs)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            search.fit(X)
    except (ValueError, TypeError) as exc:
        message = str(exc)
        assert Counted.fits == 0, f"{type(exc).__name__} after fitting: {message}"
        if expected is not None:
            assert any(word in message for word in expected), (expected, message)
        else:
            # A valid-looking combination may still be refused (e.g. too few
            # samples for cv); the message must then name a parameter.
            names = set(search.get_params(deep=False)) | {"n_splits", "CV"}
            assert any(name in message for name in names), message
        return "refused"
    assert expected is None or expected == ["refit", "multi-metric"], (
        f"accepted a broken {expected[0]}: {kwargs.get(expected[0], space)!r}"
    )
    assert Counted.fits > 0
    return "worked"


@pytest.fixture(scope="module", autouse=True)
def _report_counts():
    yield
    counts = {k: dict(v) for k, v in CASES.items()}
    print(f"\nfuzz cases tried per searcher: {counts}")


@pytest.mark.parametrize("kind", sorted(SEARCHERS))
def test_fuzz_constructor_and_space(kind):
    cls, valid, invalid = SEARCHERS[kind]
    # Fuzz the parameters the searcher has (a missing one is another test's job).
    accepted = set(cls(Counted(), {}).get_params(deep=False))
    valid = {k: v for k, v in valid.items() if k in accepted}
    invalid = {k: v for k, v in invalid.items() if k in accepted}

    @settings(
        max_examples=N_EXAMPLES,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(case=cases(valid, invalid, GOOD_SPACES))
    def run(case):
        kwargs, space, expected = case
        outcome = _run(cls, kwargs, space, expected)
        CASES.setdefault(kind, Counter())[outcome] += 1

    run()
    assert sum(CASES[kind].values()) >= N_EXAMPLES
    assert CASES[kind]["worked"] > 0 and CASES[kind]["refused"] > 0


def test_multimetric_without_a_refit_metric_is_refused():
    search = BayesSearchCV(
        Counted(), {"a": uniform(0, 1)}, scoring={"m1": _score, "m2": _score}
    )
    Counted.fits = 0
    with pytest.raises(ValueError, match="refit"):
        search.fit(X)
    assert Counted.fits == 0


@pytest.mark.parametrize("kind", sorted(SEARCHERS))
def test_empty_space_evaluates_the_estimator_once(kind):
    cls = SEARCHERS[kind][0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        search = cls(Counted(), {}, cv=2).fit(X)
    assert search.cv_results_["params"] == [{}]
    assert search.best_params_ == {}
