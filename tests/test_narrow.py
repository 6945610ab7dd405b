"""Narrowing a space around the best region: suggest_space, narrow, params_inside."""

import math
import types
import warnings

import numpy as np
import pytest
import scipy.stats
from scipy.stats import loguniform, norm, randint, uniform
from sklearn.base import BaseEstimator
from sklearn.model_selection import KFold

from skhypertune import BayesSearchCV, HalvingRandomSearchCV, narrow, suggest_space
from skhypertune.checkpoint import describe
from skhypertune.narrowing import (
    _carry_over,
    _check_inside,
    format_space,
    params_inside,
)
from skhypertune.space import SearchSpace

from conftest import RandomHyperSearchCV, RvsOnly

X = np.zeros((20, 1))
CV = KFold(2)


class Valley(BaseEstimator):
    """Free to fit; best at x=3, c=10, k=20, kind="b"; ``noise`` does nothing."""

    def __init__(self, x=0.0, c=1.0, k=1, kind="a", noise=0.0):
        self.x, self.c, self.k, self.kind, self.noise = x, c, k, kind, noise

    def fit(self, X, y=None):
        return self

    def score(self, X, y=None):
        return -(
            (self.x - 3) ** 2 / 4
            + (math.log10(self.c) - 1) ** 2
            + ((self.k - 20) / 20) ** 2
            + 8 * (self.kind != "b")
        )


SPACE = {
    "x": uniform(0, 10),
    "c": loguniform(1e-3, 1e3),
    "k": randint(1, 101),
    "kind": ["a", "b", "c"],
    "noise": uniform(0, 1),
}


@pytest.fixture(scope="module")
def wide():
    # Random proposals through skhypertune's loop, so that the importances
    # weigh each hyperparameter by its prior (c on its log scale).
    return RandomHyperSearchCV(
        Valley(), SPACE, n_iter=80, batch_size=80, cv=CV, random_state=0
    ).fit(X)


def _results(params, scores, **extra):
    """A stand-in fitted search with the given candidates and scores."""
    return {"params": params, "mean_test_score": np.asarray(scores, float), **extra}


def _fake(space, params, scores, **extra):
    return types.SimpleNamespace(
        cv_results_=_results(params, scores, **extra),
        param_distributions=space,
        random_state=0,
    )


def _support(prior):
    return tuple(float(b) for b in prior.support())


# -- suggest_space -------------------------------------------------------------
def test_suggested_space_is_narrower_around_the_best(wide):
    new = suggest_space(wide)
    assert list(new) == list(SPACE)
    scores = wide.cv_results_["mean_test_score"]
    top = [wide.cv_results_["params"][i] for i in np.argsort(-scores)[:16]]
    for name in ("x", "c", "k"):
        prior = new[name]
        assert prior.dist.name == SPACE[name].dist.name  # the same family
        lo, hi = _support(prior)
        old_lo, old_hi = _support(SPACE[name])
        assert old_lo <= lo and hi <= old_hi and (lo, hi) != (old_lo, old_hi)
        assert all(lo <= p[name] <= hi for p in top)  # the top candidates stay in
    assert _support(new["x"])[0] <= 3 <= _support(new["x"])[1]
    assert _support(new["c"])[0] <= 10 <= _support(new["c"])[1]
    assert new["kind"] == ["b"]
    # noise does not change the score: it is kept as it was, the same object.
    assert wide.param_importances_["noise"] < 0.05
    assert new["noise"] is SPACE["noise"]
    # Everything narrowed with min_importance=0, and the space stays valid.
    every = suggest_space(wide, min_importance=0)
    assert every["noise"] is not SPACE["noise"]
    SearchSpace(every)


def test_ranges_are_the_top_values_widened_by_the_margin():
    space = {
        "c": loguniform(1e-3, 1e3),
        "x": uniform(0, 10),
        "k": randint(1, 101),
        "kind": ("a", "b", "c"),
    }
    params = [
        {"c": 0.5, "x": 2.0, "k": 10, "kind": "b"},
        {"c": 2.0, "x": 4.0, "k": 20, "kind": "c"},
        {"c": 500.0, "x": 9.0, "k": 90, "kind": "a"},
    ]
    fake = _fake(space, params, [0.9, 0.8, 0.1])
    new = suggest_space(fake, top=2, min_importance=0)
    # log10 range [-0.301, 0.301] widened by 0.1 * 6 decades, rounded outwards
    lo, hi = _support(new["c"])
    assert new["c"].dist.name == "loguniform"
    assert (lo, hi) == (0.125, 7.97)
    assert 10 ** (math.log10(0.5) - 0.6) >= lo and 10 ** (math.log10(2) + 0.6) <= hi
    assert format_space({"x": new["x"]}) == (
        "{\n    'x': uniform(loc=1.0, scale=4.0),\n}"
    )
    assert _support(new["k"]) == (1, 30)  # [10 - 9.9, 20 + 9.9], within [1, 100]
    assert new["k"].dist.name == "randint"
    assert new["kind"] == ["b", "c"]
    # margin=0: exactly the top values' range (ends rounded outwards only).
    tight = suggest_space(fake, top=2, margin=0, min_importance=0)
    assert _support(tight["x"]) == (2.0, 4.0) and _support(tight["k"]) == (10, 20)
    assert _support(tight["c"]) == (0.5, 2.0)
    # A range reaching the support's end is cut there; the whole range, or all
    # the values, give back the original object.
    edge = suggest_space(fake, top=1, margin=0.5, min_importance=0)
    assert _support(edge["x"]) == (0.0, 7.0)
    whole = suggest_space(fake, top=3, margin=0.2, min_importance=0)
    assert whole["x"] is space["x"] and whole["kind"] is space["kind"]
    # One top candidate, no margin: one value left.
    assert suggest_space(fake, top=1, margin=0, min_importance=0)["x"] == [2.0]


def test_other_families_and_samplers_are_kept_with_a_warning():
    space = {"a": norm(0, 1), "b": RvsOnly(integer=False), "c": uniform(0, 1)}
    params = [{"a": -0.5 + i / 10, "b": 0.1 * i, "c": i / 20} for i in range(10)]
    fake = _fake(space, params, np.arange(10.0))
    with pytest.warns(UserWarning) as record:
        new = suggest_space(fake, top=3, min_importance=0)
    messages = " ".join(str(w.message) for w in record)
    assert "'a' is kept as norm(0, 1) (norm has no range to shrink)" in messages
    assert "[0.2, 0.4], e.g. uniform(0.2, 0.2)" in messages
    assert "'b' is kept" in messages and "without cdf and ppf" in messages
    assert new["a"] is space["a"] and new["b"] is space["b"]
    assert new["c"] is not space["c"]


def test_list_of_dicts_narrows_each_dict_and_drops_the_others():
    space = [
        {"kind": ["a"], "x": uniform(0, 10)},
        {"kind": ["b"], "x": uniform(0, 10), "k": randint(1, 11)},
        {"kind": ["c"], "k": randint(1, 11)},
    ]
    params = [
        {"kind": "a", "x": 2.0},
        {"kind": "b", "x": 8.0, "k": 3},
        {"kind": "a", "x": 3.0},
        {"kind": "c", "k": 5},
    ]
    new = suggest_space(_fake(space, params, [3, 2, 1, 0]), top=3, min_importance=0)
    assert isinstance(new, list) and len(new) == 2  # no top candidate from "c"
    assert new[0]["kind"] is space[0]["kind"]
    assert _support(new[0]["x"]) == (1.0, 4.0)
    assert _support(new[1]["x"]) == (7.0, 9.0) and _support(new[1]["k"]) == (2, 4)


def test_halving_results_use_the_largest_resource():
    space = {"x": uniform(0, 10)}
    params = [{"x": 1.0}, {"x": 8.0}, {"x": 1.0}]
    # x=8 scores best at the small resource, x=1 is the one at the largest.
    fake = _fake(space, params, [0.1, 0.9, 0.5], iter=[0, 0, 1], n_resources=[5, 5, 10])
    new = suggest_space(fake, top=1, margin=0.05, min_importance=0)
    assert _support(new["x"]) == (0.5, 1.5)


def test_suggest_space_on_a_fitted_skhypertune_search():
    search = BayesSearchCV(
        Valley(),
        {"x": uniform(0, 10), "k": randint(1, 101)},
        n_iter=10,
        cv=CV,
        random_state=0,
    ).fit(X)
    new = suggest_space(search, top=3, min_importance=0)
    best = search.best_params_
    assert _support(new["x"])[0] <= best["x"] <= _support(new["x"])[1]
    assert _support(new["k"])[0] <= best["k"] <= _support(new["k"])[1]


def test_suggest_space_errors():
    fake = _fake({"x": uniform(0, 1)}, [{"x": 0.5}, {"x": 0.2}], [1.0, 0.5])
    for top, error in [
        (0, ValueError),
        (1.5, ValueError),
        (0.0, ValueError),
        ("a", TypeError),
        (True, TypeError),
    ]:
        with pytest.raises(error, match="top must"):
            suggest_space(fake, top=top)
    with pytest.raises(ValueError, match="margin must be >= 0"):
        suggest_space(fake, margin=-0.1)
    with pytest.raises(ValueError, match=r"min_importance must be in \[0, 1\]"):
        suggest_space(fake, min_importance=2)
    with pytest.raises(TypeError, match="needs a fitted search"):
        suggest_space(Valley())
    with pytest.raises(TypeError, match="neither param_distributions nor param_grid"):
        suggest_space(types.SimpleNamespace(cv_results_={}))
    failed = _fake({"x": uniform(0, 1)}, [{"x": 0.5}], [np.nan])
    with pytest.raises(ValueError, match="every fit failed"):
        suggest_space(failed)
    multi = types.SimpleNamespace(
        cv_results_={
            "params": [{"x": 0.5}],
            "mean_test_a": [1.0],
            "mean_test_b": [0.0],
        },
        param_distributions={"x": uniform(0, 1)},
        refit=False,
    )
    with pytest.raises(ValueError, match=r"one of \['a', 'b'\]"):
        suggest_space(multi)
    with pytest.raises(ValueError, match="metric='c' is not in"):
        suggest_space(multi, metric="c")
    with pytest.warns(UserWarning, match="no importances"):
        assert suggest_space(multi, metric="a", margin=0)["x"] == [0.5]


# -- format_space ------------------------------------------------------------------
def test_format_space_is_python_that_gives_the_space_back():
    space = [
        {"C": loguniform(0.01, 10.0), "k": randint(low=1, high=5), "x": uniform(2, 3)},
        {"kernel": np.array(["rbf", "linear"]), "t": (1,), "u": (1, 2.5), "n": [None]},
    ]
    text = format_space(space)
    assert text == (
        "[\n"
        "    {\n"
        "        'C': loguniform(0.01, 10.0),\n"
        "        'k': randint(low=1, high=5),\n"
        "        'x': uniform(2, 3),\n"
        "    },\n"
        "    {\n"
        "        'kernel': ['rbf', 'linear'],\n"
        "        't': (1,),\n"
        "        'u': (1, 2.5),\n"
        "        'n': [None],\n"
        "    },\n"
        "]"
    )
    back = eval(text, vars(scipy.stats))
    assert _support(back[0]["C"]) == (0.01, 10.0)
    assert _support(back[0]["x"]) == (2.0, 5.0)
    assert back[1]["kernel"] == ["rbf", "linear"]
    with pytest.raises(TypeError, match="dict or a list of dicts"):
        format_space([1])


# -- narrow and the evaluations inside -------------------------------------------
@pytest.fixture
def bayes():
    return BayesSearchCV(
        Valley(),
        {"x": uniform(0, 10), "kind": ["a", "b", "c"]},
        n_iter=8,
        cv=CV,
        random_state=0,
    ).fit(X)


def test_narrow_sets_the_search_up_for_a_warm_start(bayes):
    space = {"x": uniform(1, 4), "kind": ["b", "c"]}
    assert narrow(bayes, space) is bayes
    assert bayes.param_distributions is space and bayes.warm_start is True


@pytest.mark.parametrize(
    "space, message",
    [
        (
            {"x": uniform(1, 10), "kind": ["b"]},
            r"'x': uniform\(1, 10\) draws from "
            r"\[1, 11\], outside the support \[0, 10\] of uniform\(0, 10\)",
        ),
        ({"x": uniform(1, 4), "kind": ["b", "d"]}, "'kind': value 'd' is not one"),
        ({"x": uniform(1, 4)}, r"missing \['kind'\]"),
        (
            {"x": uniform(1, 4), "kind": ["b"], "y": [1]},
            r"not in the search's "
            r"space: \['y'\]",
        ),
        ({"x": norm(5, 1), "kind": ["b"]}, r"\[-inf, inf\], outside"),
        ({"x": [2.0, 11.0], "kind": ["b"]}, "'x': value 11.0 is not one"),
        ({"x": uniform(1, 4), "kind": randint(0, 2)}, "'kind': randint"),
        ({"x": RvsOnly(integer=False), "kind": ["b"]}, "'x': .* has only rvs"),
        ({"x": uniform(1, 4), "kind": "b"}, "a valid search space: Parameter 'kind'"),
    ],
)
def test_narrow_refuses_a_space_outside_before_any_change(bayes, space, message):
    before = bayes.param_distributions
    with pytest.raises(ValueError, match="The new space is not .*" + message):
        narrow(bayes, space)
    assert bayes.param_distributions is before and bayes.warm_start is False


def test_narrow_checks_kinds_and_lists_of_dicts():
    old = [{"k": randint(1, 11), "m": [1, 2, 3]}, {"x": uniform(0, 1)}]
    fake = _fake(old, [{"k": 2, "m": 1}], [1.0])
    fake.get_params = lambda deep=False: {"warm_start": False}
    fake.set_params = lambda **kw: fake.__dict__.update(kw) or fake
    assert narrow(fake, [{"k": [2, 3], "m": randint(1, 3)}]).warm_start is True
    fake.param_distributions = old
    with pytest.raises(
        ValueError,
        match=r"param_distributions\[0\]: parameter "
        "'k': uniform.* draws non-integer values",
    ):
        narrow(fake, [{"k": uniform(1, 2), "m": [1]}])
    with pytest.raises(ValueError, match=r"'m': randint\(1, 5\) can draw 4"):
        narrow(fake, [{"k": [2], "m": randint(1, 5)}])
    with pytest.raises(ValueError, match="'m': uniform.* not among the listed"):
        narrow(fake, [{"k": [2], "m": uniform(1, 1)}])
    old_rvs = _fake({"x": RvsOnly(integer=False)}, [{"x": 1.0}], [1.0])
    old_rvs.get_params = fake.get_params
    with pytest.raises(ValueError, match="no support to compare with"):
        narrow(old_rvs, {"x": uniform(0, 1)})


def test_narrow_needs_a_fitted_search_with_warm_start():
    with pytest.raises(TypeError, match="needs a fitted search"):
        narrow(BayesSearchCV(Valley(), SPACE), SPACE)
    halving = HalvingRandomSearchCV(
        Valley(),
        {"x": uniform(0, 10)},
        n_candidates=4,
        cv=CV,
        min_resources=10,
        random_state=0,
    ).fit(X)
    with pytest.raises(TypeError, match="has none: start a new search"):
        narrow(halving, {"x": uniform(1, 2)})


def test_params_inside_best_first_without_failures():
    space = {"x": uniform(0, 10)}
    params = [{"x": 1.0}, {"x": 5.0}, {"x": 2.0}, {"x": 3.0}, {"x": 9.0}]
    fake = _fake(space, params, [0.1, 0.9, 0.5, np.nan, 0.7])
    assert params_inside(fake, {"x": uniform(0, 6)}) == [
        {"x": 5.0},
        {"x": 2.0},
        {"x": 1.0},
    ]
    # Halving rows: each candidate once, by the largest resource it reached.
    halving = _fake(
        space,
        params[:3] + [{"x": 1.0}],
        [0.1, 0.9, 0.5, 0.2],
        n_resources=[5, 5, 5, 10],
    )
    assert params_inside(halving, {"x": uniform(0, 6)}) == [
        {"x": 1.0},
        {"x": 5.0},
        {"x": 2.0},
    ]
    with pytest.raises(TypeError, match="needs a fitted search"):
        params_inside(Valley(), space)


def test_carry_over_keeps_the_rows_inside_reencoded(bayes):
    results = {**bayes.cv_results_, **bayes.search_history_}
    new = {"x": uniform(2, 5), "kind": ["b", "c"]}
    kept, points = _carry_over(results, new)
    inside = [
        i
        for i, p in enumerate(bayes.cv_results_["params"])
        if 2 <= p["x"] <= 7 and p["kind"] != "a"
    ]
    assert inside and len(inside) < len(bayes.cv_results_["params"])
    assert kept["params"] == [bayes.cv_results_["params"][i] for i in inside]
    for key, column in results.items():
        if key != "params":
            assert np.array_equal(np.asarray(kept[key]), np.asarray(column)[inside])
    assert isinstance(kept["param_x"], np.ma.MaskedArray)
    space = SearchSpace(new)
    assert np.allclose(points, space.snap([space.encode(p) for p in kept["params"]]))
    nothing, empty = _carry_over(results, {"x": uniform(2, 5), "kind": ["d"]})
    assert nothing is None and empty.shape == (0, 2)


class _NarrowingBayes(BayesSearchCV):
    """BayesSearchCV with the warm start into a narrowed space proposed for
    ``_search.py``: it remembers the space of its last fit, and a changed
    space that lies inside it keeps the evaluations inside, re-encoded."""

    def fit(self, X, y=None, **params):
        super().fit(X, y, **params)
        self._search_distributions_ = self.param_distributions
        return self

    def _previous_evaluations(self):
        if not (
            self.warm_start
            and hasattr(self, "_search_points_")
            and self._search_space_repr_ != describe(self.param_distributions)
        ):
            return super()._previous_evaluations()
        try:
            _check_inside(self._search_distributions_, self.param_distributions)
        except ValueError as exc:
            raise ValueError(
                f"warm_start=True but param_distributions changed: {exc} Set "
                "warm_start=False to start a new search."
            ) from None
        prev = {**self.cv_results_, **self.search_history_}
        return _carry_over(prev, self.param_distributions)


def test_a_warm_start_into_the_narrowed_space_keeps_the_evaluations_inside(
    monkeypatch,
):
    # What _search.py's _previous_evaluations is to do with a narrowed space
    # (here in a subclass): keep the rows inside, re-encoded, and go on.
    first = _NarrowingBayes(
        Valley(),
        {"x": uniform(0, 10), "kind": ["a", "b", "c"]},
        n_iter=10,
        cv=CV,
        random_state=0,
    ).fit(X)
    before = list(first.cv_results_["params"])
    space = suggest_space(first, top=3, min_importance=0)
    kept = [p for p in before if _inside(p, space)]
    assert 0 < len(kept) < len(before)
    fits = []
    monkeypatch.setattr(Valley, "fit", lambda self, X, y=None: fits.append(1) or self)
    narrow(first, space).set_params(n_iter=len(kept) + 5).fit(X)
    monkeypatch.undo()
    after = first.cv_results_["params"]
    assert after[: len(kept)] == kept and len(after) == len(kept) + 5
    assert all(_inside(p, space) for p in after)
    assert len(fits) == 5 * 2 + 1  # new candidates' CV fits and the refit only
    assert first.search_history_["batch"].shape == (len(after),)
    # A space set by hand that is not inside is refused before any fit.
    first.set_params(param_distributions={"x": uniform(0, 20), "kind": ["b"]})
    with pytest.raises(ValueError, match=r"changed: .*'x': uniform\(0, 20\)"):
        first.fit(X)


def _inside(params, space):
    try:
        SearchSpace(space).encode(params)
    except ValueError:
        return False
    return True


def test_narrow_then_fit_continues_a_bayes_search(bayes):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        space = suggest_space(bayes, top=3, min_importance=0)
    kept = params_inside(bayes, space)
    narrow(bayes, space).set_params(n_iter=len(kept) + 4).fit(X)
    params = bayes.cv_results_["params"]
    assert len(params) == len(kept) + 4
    assert all(_inside(p, space) for p in params)
