"""Portfolio initial designs: mapping into spaces and the searchers' use of it."""

import math
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import loguniform, norm, randint, uniform
from sklearn.datasets import make_classification, make_regression
from sklearn.decomposition import PCA
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import (
    ElasticNet,
    Lasso,
    LogisticRegression,
    Ridge,
    SGDClassifier,
)
from sklearn.model_selection import RandomizedSearchCV
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler
from sklearn.svm import SVC, SVR

from skhypertune import BayesSearchCV, EvolutionSearchCV
from skhypertune.portfolio import (
    Relative,
    _data_summary,
    get_portfolio,
    known_estimators,
    portfolio_params,
)
from skhypertune.space import SearchSpace
from skhypertune.strategies import EvolutionStrategy, GPStrategy

from conftest import RvsOnly

X, Y = make_classification(n_samples=60, n_features=5, n_informative=3, random_state=0)
XR, YR = make_regression(n_samples=60, n_features=5, noise=1.0, random_state=0)
SVC_SPACE = {
    "C": loguniform(1e-2, 1e2),
    "gamma": loguniform(1e-4, 1e1),
    "kernel": ["rbf", "linear"],
}


# -- mapping: properties -------------------------------------------------------
def _inside(dim, value) -> bool:
    """Whether ``value`` is one the dimension produces."""
    if dim.kind == "categorical":
        levels = [dim.decode((i + 0.5) / dim.n_levels) for i in range(dim.n_levels)]
        return any(v is value for v in levels)
    if dim.kind == "integer" and not isinstance(value, int | np.integer):
        return False
    if hasattr(dim.prior, "support"):
        lo, hi = (float(b) for b in dim.prior.support())
    else:  # a sampler with rvs only: the range of its fixed sample
        lo, hi = dim.decode(0.0), dim.decode(1.0)
    return lo <= value <= hi


def _check_mapped(space_def, params_list):
    space = SearchSpace(space_def)
    for params in params_list:
        u = space.encode(params)  # raises if no dict of the space produces it
        branch = space.branch_of(u)
        dims = {
            d.name: d
            for d in space.dimensions
            if d.name != "__branch__" and (space.n_branches == 1 or d.branch == branch)
        }
        assert set(params) == set(dims)
        for name, value in params.items():
            assert _inside(dims[name], value), (name, value)
        back = space.decode(space.snap(u[None])[0])
        for name, value in params.items():
            if isinstance(value, float):
                assert math.isclose(back[name], value, rel_tol=1e-6), name
            else:
                assert back[name] == value or back[name] is value, name


def _numeric(draw, integer: bool, positive: bool):
    a = draw(st.floats(1e-6 if positive else -1e3, 1e3))
    width = draw(st.floats(1e-3, 1e4))
    if integer:
        lo = int(a)
        return randint(lo, lo + max(1, int(width)))
    if positive and draw(st.booleans()):
        return loguniform(a, a * (1.0 + width))
    return uniform(a, width)


_LISTS = {
    "kernel": (["rbf", "linear", "poly", "sigmoid"], True),
    "C": ([0.01, 0.1, 1.0, 10.0, 100.0, 1000.0], True),
    "gamma": ([1e-4, 1e-2, 1.0, "scale"], True),
    "max_depth": ([None, 3, 10, 30], True),
    "max_features": (["sqrt", "log2", None, 0.3, 2], True),
    "bootstrap": ([True, False], True),
    "criterion": (["gini", "entropy", "log_loss"], True),
    "min_samples_leaf": ([1, 2, 5, 20], True),
    "n_estimators": ([10, 50, 200], True),
    "n_neighbors": ([1, 3, 5, 15, 40], True),
    "weights": (["uniform", "distance"], True),
    "p": ([1, 2], True),
}
_NUMERIC = {
    "C": (False, True),
    "gamma": (False, True),
    "max_depth": (True, True),
    "max_features": (False, True),
    "min_samples_leaf": (True, True),
    "min_samples_split": (True, True),
    "n_estimators": (True, True),
    "n_neighbors": (True, True),
    "p": (True, True),
}
_ESTIMATORS = {
    "svc": (SVC, ["C", "gamma", "kernel"]),
    "rf": (
        RandomForestClassifier,
        [
            "n_estimators",
            "max_depth",
            "max_features",
            "bootstrap",
            "criterion",
            "min_samples_leaf",
            "min_samples_split",
        ],
    ),
    "knn": (KNeighborsClassifier, ["n_neighbors", "weights", "p"]),
}


@st.composite
def estimator_spaces(draw):
    """A known estimator and a random space over some of its parameters."""
    cls, names = _ESTIMATORS[draw(st.sampled_from(sorted(_ESTIMATORS)))]
    chosen = draw(st.lists(st.sampled_from(names), min_size=1, unique=True))
    space = {}
    for name in chosen:
        use_list = name not in _NUMERIC or draw(st.booleans())
        if use_list and name in _LISTS:
            values = _LISTS[name][0]
            subset = draw(st.lists(st.sampled_from(values), min_size=1, unique=True))
            space[name] = subset
        else:
            integer, positive = _NUMERIC[name]
            if name == "max_features" and not integer:
                space[name] = uniform(draw(st.floats(0.01, 0.5)), 0.5)
            elif name in ("min_samples_split",):
                space[name] = randint(2, 2 + draw(st.integers(1, 50)))
            elif name in ("n_estimators", "n_neighbors", "p", "max_depth"):
                lo = draw(st.integers(1, 30))
                space[name] = randint(lo, lo + draw(st.integers(1, 100)))
            else:
                space[name] = _numeric(draw, integer, positive)
    use_pipeline = draw(st.booleans())
    estimator = cls()
    if use_pipeline:
        estimator = Pipeline([("scale", StandardScaler()), ("est", estimator)])
        space = {f"est__{k}": v for k, v in space.items()}
    if draw(st.booleans()):
        # A second dict searching one parameter only.
        first = next(iter(space))
        space = [space, {first: space[first]}]
    return estimator, space


@settings(max_examples=80, deadline=None)
@given(estimator_spaces())
def test_mapped_points_always_lie_inside_the_space(case):
    estimator, space = case
    params = portfolio_params(estimator, space, X, Y)
    _check_mapped(space, params)
    # Distinct parameter sets: the same point is never proposed twice.
    s = SearchSpace(space)
    keys = [s.key(s.encode(p)) for p in params]
    assert len(keys) == len(set(keys))


@st.composite
def step_spaces(draw):
    """A pipeline with a step portfolio before Ridge, and a space over both."""
    from sklearn.feature_selection import SelectKBest, f_regression

    kind = draw(st.sampled_from(["poly", "pca", "kbest"]))
    lo = draw(st.integers(1, 8))
    hi = lo + draw(st.integers(1, 60))
    if kind == "poly":
        step = PolynomialFeatures()
        degrees = draw(st.lists(st.integers(1, 4), min_size=1, unique=True))
        dists = {"degree": degrees}
        if draw(st.booleans()):
            dists["interaction_only"] = draw(
                st.lists(st.booleans(), min_size=1, unique=True)
            )
    elif kind == "pca":
        step = PCA()
        dists = {
            "n_components": draw(
                st.sampled_from(
                    [randint(lo, hi), uniform(0.5, 0.49), sorted({lo, hi, 3})]
                )
            )
        }
    else:
        step = SelectKBest(f_regression)
        dists = {"k": draw(st.sampled_from([randint(lo, hi), sorted({lo, hi})]))}
    pipe = Pipeline([("scale", StandardScaler()), ("step", step), ("ridge", Ridge())])
    space = {f"step__{k}": v for k, v in dists.items()}
    space["ridge__alpha"] = loguniform(1e-3, 1e3)
    return pipe, space, draw(st.sampled_from(["estimator", "spread"]))


@settings(max_examples=60, deadline=None)
@given(step_spaces())
def test_step_settings_always_lie_inside_the_space(case):
    pipe, space, rule = case
    params = portfolio_params(pipe, space, XR, YR, n_samples=40, open_values=rule)
    assert params
    _check_mapped(space, params)
    # PCA's counts come from the step portfolio (Ridge has three entries, all
    # within its four settings): never more components than the 5 features,
    # which PCA refuses, unless the space allows no fewer. (SelectKBest
    # keeps every feature for a k above their number.)
    name = "step__n_components"
    for p in params:
        if name in space and isinstance(p[name], int | np.integer):
            dist = space[name]
            lowest = min(dist) if isinstance(dist, list) else dist.support()[0]
            assert p[name] <= max(XR.shape[1], lowest)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(sorted(_ESTIMATORS)), st.data())
def test_searches_evaluate_only_points_of_the_space(name, data):
    cls, names = _ESTIMATORS[name]
    space = {n: _LISTS[n][0] for n in names if n in _LISTS and n != "max_features"}
    for n in names:
        if n not in space and n in _NUMERIC:
            space[n] = randint(2, 6)
    search = BayesSearchCV(
        cls(), space, n_iter=4, n_initial_points=4, cv=2, random_state=0
    ).fit(X, Y)
    _check_mapped(space, search.cv_results_["params"])


# -- mapping: rules ------------------------------------------------------------
def test_numbers_are_clipped_rounded_and_snapped():
    big = {"kernel": "rbf", "C": 2670.0, "gamma": Relative(0.0248, "1/(p*var)")}
    assert big in [e.params for e in get_portfolio(SVC())]
    space = {"C": loguniform(1e-2, 1e2), "kernel": ["rbf"]}
    assert {"C": 100.0, "kernel": "rbf"} in portfolio_params(SVC(), space, X, Y)
    # A list of numbers: the nearest on a log scale (25.1 is nearer 100 than
    # 0.1 there, not on a linear scale); duplicates count once.
    listed = portfolio_params(SVC(), {"C": [0.1, 100.0, 1000.0]}, X, Y)
    assert sorted(p["C"] for p in listed) == [0.1, 100.0, 1000.0]
    # Integers: rounded and clipped into randint's support.
    knn = portfolio_params(KNeighborsClassifier(), {"n_neighbors": randint(1, 4)}, X, Y)
    assert all(p["n_neighbors"] in (1, 2, 3) for p in knn)
    assert all(isinstance(p["n_neighbors"], int) for p in knn)


def test_a_choice_that_is_not_listed_drops_the_configuration():
    params = portfolio_params(SVC(), {"C": [1.0, 10.0], "kernel": ["sigmoid"]}, X, Y)
    assert params == []


def test_a_configuration_for_another_model_is_dropped():
    # The user's kernel is fixed to "poly": configurations made for the rbf or
    # linear kernel say nothing about it.
    assert portfolio_params(SVC(kernel="poly"), {"C": loguniform(1, 10)}, X, Y) == []
    rbf = portfolio_params(SVC(), {"C": loguniform(1e-3, 1e4)}, X, Y)
    entries = [e.params for e in get_portfolio(SVC()) if e.params["kernel"] == "rbf"]
    assert len(rbf) == len({e["C"] for e in entries})


def test_no_overlap_with_the_searched_parameters_gives_nothing():
    assert portfolio_params(SVC(), {"tol": loguniform(1e-5, 1e-2)}, X, Y) == []


OPEN_SPACE = {
    "C": loguniform(1e-2, 1e2),
    "tol": loguniform(1e-5, 1e-1),  # SVC's 1e-3 is inside
    "shrinking": [False, True],  # SVC's True is listed
    "cache_size": randint(10, 20),  # SVC's 200 is not: the median, 14
    "class_weight": ["balanced", None],
}


def test_parameters_the_entry_leaves_open_take_the_estimators_value_or_median():
    params = portfolio_params(SVC(), OPEN_SPACE, X, Y)
    assert params
    for p in params:
        assert p["tol"] == 1e-3 and p["shrinking"] is True
        assert p["cache_size"] == 14 and p["class_weight"] is None
    first = portfolio_params(
        SVC(), {"C": [3.0], "decision_function_shape": ["x"]}, X, Y
    )
    assert all(p["decision_function_shape"] == "x" for p in first)


def test_spread_open_values_keep_the_first_and_spread_the_others():
    same = portfolio_params(SVC(), OPEN_SPACE, X, Y)
    params = portfolio_params(SVC(), OPEN_SPACE, X, Y, open_values="spread")
    assert len(params) >= 3
    assert params[0] == same[0]
    # The same configurations (two whose C both clip to 100 no longer
    # coincide once their open values differ).
    assert {p["C"] for p in params} == {p["C"] for p in same}
    for name in ("tol", "shrinking", "cache_size", "class_weight"):
        assert len({repr(p[name]) for p in params}) > 1, name
    assert all(1e-5 <= p["tol"] <= 1e-1 and 10 <= p["cache_size"] < 20 for p in params)
    # A fixed sequence: the same space always gets the same design.
    assert portfolio_params(SVC(), OPEN_SPACE, X, Y, open_values="spread") == params
    with pytest.raises(ValueError, match="open_values must be"):
        portfolio_params(SVC(), OPEN_SPACE, X, Y, open_values="random")


def _poly_ridge(poly=None):
    return Pipeline(
        [
            ("poly", poly or PolynomialFeatures()),
            ("scale", StandardScaler()),
            ("ridge", Ridge()),
        ]
    )


POLY_SPACE = {
    "poly__degree": [1, 2, 3],
    "poly__interaction_only": [True, False],
    "ridge__alpha": loguniform(1e-4, 1e4),
}


def test_a_pipelines_earlier_steps_take_their_step_portfolio():
    # Ridge's portfolio sets alpha only; PolynomialFeatures' step portfolio
    # (degree 2, 1, 3, then 2 with interactions only) fills the step. With
    # the estimator rule every entry takes its first setting, whatever the
    # user's step says, and the entries differ in alpha.
    for pipe in (_poly_ridge(), _poly_ridge(PolynomialFeatures(degree=3))):
        fixed = portfolio_params(pipe, POLY_SPACE, XR, YR)
        assert len(fixed) == 3
        assert {(p["poly__degree"], p["poly__interaction_only"]) for p in fixed} == {
            (2, False)
        }
        assert len({p["ridge__alpha"] for p in fixed}) == 3
    # Spread: the r-th entry takes the r-th setting.
    spread = portfolio_params(_poly_ridge(), POLY_SPACE, XR, YR, open_values="spread")
    assert [(p["poly__degree"], p["poly__interaction_only"]) for p in spread] == [
        (2, False),
        (1, False),
        (3, False),
    ]
    search = EvolutionSearchCV(
        _poly_ridge(), POLY_SPACE, n_iter=4, population_size=4, cv=2
    )
    search.fit(XR, YR)
    # Half the first generation is the portfolio, in order (alpha, relative
    # to the data, differs with the CV fold size).
    design = search.cv_results_["params"][:2]
    assert [(p["poly__degree"], p["poly__interaction_only"]) for p in design] == [
        (2, False),
        (1, False),
    ]


def test_step_settings_move_into_the_space_or_leave_it_open():
    # Only degrees 2 and 3 searched: degree 1 snaps to 2.
    space = {"poly__degree": [3, 2], "ridge__alpha": loguniform(1e-4, 1e4)}
    spread = portfolio_params(_poly_ridge(), space, XR, YR, open_values="spread")
    assert [p["poly__degree"] for p in spread] == [2, 2, 3]
    # A searched step (the step itself is a choice) gets no setting: its
    # parameters keep the estimator's rule.
    space = {
        "poly": [PolynomialFeatures(degree=3), "passthrough"],
        "ridge__alpha": loguniform(1e-4, 1e4),
    }
    params = portfolio_params(_poly_ridge(), space, XR, YR, open_values="spread")
    assert all("poly__degree" not in p for p in params)


def test_feature_counts_are_relative_to_the_data_reaching_the_step():
    X10, y10 = make_classification(n_samples=90, n_features=10, random_state=0)
    pipe = Pipeline([("scale", StandardScaler()), ("pca", PCA()), ("svc", SVC())])
    space = {"pca__n_components": randint(1, 50), "svc__C": loguniform(1e-2, 1e3)}
    fixed = portfolio_params(pipe, space, X10, y10)
    # n_components=None keeps min(n, p) = 10 components.
    assert {p["pca__n_components"] for p in fixed} == {10}
    spread = portfolio_params(pipe, space, X10, y10, open_values="spread")
    # 0.25, 0.75 and 0.1 of 10, rounded half up; then the Sobol spread.
    assert [p["pca__n_components"] for p in spread[:4]] == [10, 3, 8, 1]
    assert all(1 <= p["pca__n_components"] < 50 for p in spread)
    # Clipped into a narrower range.
    narrow = {**space, "pca__n_components": randint(2, 6)}
    assert {
        p["pca__n_components"] for p in portfolio_params(pipe, narrow, X10, y10)
    } == {5}
    # Fewer samples than features in a CV fit: at most n components.
    few = portfolio_params(pipe, space, X10, y10, n_samples=6)
    assert {p["pca__n_components"] for p in few} == {6}
    # A float n_components is a share of the variance, not a count: the
    # step portfolio leaves it to the estimator's rule (the median).
    share = {**space, "pca__n_components": uniform(0.5, 0.49)}
    values = [p["pca__n_components"] for p in portfolio_params(pipe, share, X10, y10)]
    assert values == pytest.approx([0.745] * len(values))
    # Counted after the earlier steps: degree-2 features of 10 are 66.
    poly_pca = Pipeline(
        [("poly", PolynomialFeatures()), ("pca", PCA()), ("ridge", Ridge())]
    )
    space = {
        "pca__n_components": randint(1, 500),
        "ridge__alpha": loguniform(1e-4, 1e4),
    }
    first = portfolio_params(poly_pca, space, X10, y10)[0]
    assert first["pca__n_components"] == 66


def test_select_k_best_starts_from_its_default_then_shares_of_the_features():
    from sklearn.feature_selection import SelectKBest

    X40, y40 = make_classification(n_samples=90, n_features=40, random_state=0)
    pipe = Pipeline([("kbest", SelectKBest()), ("lr", LogisticRegression())])
    space = {"kbest__k": randint(1, 41), "lr__C": loguniform(1e-4, 1e3)}
    spread = portfolio_params(pipe, space, X40, y40, open_values="spread")
    assert [p["kbest__k"] for p in spread[:4]] == [10, 20, 30, 4]
    assert {p["kbest__k"] for p in portfolio_params(pipe, space, X40, y40)} == {10}


def _committed_derivation(name: str):
    """The committed results ``name`` and the derivation script's module."""
    import json
    import sys
    from pathlib import Path

    bench = Path(__file__).resolve().parents[1] / "benchmarks"
    results = bench / "results" / name
    if not results.exists():
        pytest.skip("no committed derivation results")
    sys.path.insert(0, str(bench))
    import derive_portfolio

    return json.loads(results.read_text()), derive_portfolio


def test_the_step_portfolios_are_those_the_committed_derivation_chooses():
    from skhypertune.portfolio import _STEP_PORTFOLIOS

    stored, derive_portfolio = _committed_derivation("portfolio_steps.json")
    steps = stored["steps"]
    assert {name for _, name in _STEP_PORTFOLIOS} == set(steps)
    for (module, name), entries in _STEP_PORTFOLIOS.items():
        assert derive_portfolio.STEPS[name].module == module
        res = steps[name]
        norm = derive_portfolio.normalised(np.array(res["scores"], dtype=float))
        expected = [
            (
                res["pool"][i]["source"],
                derive_portfolio._from_json(res["pool"][i]["params"]),
            )
            for i in derive_portfolio.greedy(norm, 4)
        ]
        assert expected == [(e.source, e.params) for e in entries], name


def test_data_dependent_values_follow_the_data():
    scale = portfolio_params(SVC(), {"gamma": loguniform(1e-6, 1e3)}, X, Y)[0]["gamma"]
    assert scale == pytest.approx(1.0 / (X.shape[1] * X.var()))
    # Through a pipeline the values come from the data the SVC sees.
    pipe = make_pipeline(StandardScaler(), SVC())
    gamma = portfolio_params(pipe, {"svc__gamma": loguniform(1e-6, 1e3)}, X * 100, Y)
    assert gamma[0]["svc__gamma"] == pytest.approx(1.0 / X.shape[1])
    # max_features "sqrt" as a count or a share of the features.
    rf_count = portfolio_params(
        RandomForestClassifier(), {"max_features": randint(1, 6)}, X, Y
    )
    assert rf_count[0] == {"max_features": 2}
    rf_share = portfolio_params(
        RandomForestClassifier(), {"max_features": uniform(0.1, 0.8)}, X, Y
    )
    assert rf_share[0] == {"max_features": pytest.approx(0.4)}


def test_relative_values_need_what_they_are_relative_to():
    with pytest.raises(ValueError, match="Unknown unit"):
        Relative(1.0, "furlongs")
    assert Relative(2.0, "std(y)").resolve({"y_std": 3.0}) == 6.0
    with pytest.raises(KeyError):
        Relative(2.0, "std(y)").resolve({"p": 3})
    with pytest.raises(KeyError):  # one training sample per fold is not enough
        Relative(2.0, "1/(n*var)").resolve({"n": 0.0, "var": 1.0})
    summary = _data_summary([], sp.csr_matrix(X), None, None)
    assert summary["p"] == X.shape[1] and summary["var"] == pytest.approx(X.var())
    assert "y_std" not in summary
    # A pipeline step that fails leaves the summary empty, so the values
    # relative to the data drop their configurations instead of guessing.
    assert _data_summary([PCA(n_components=50)], X, Y, None) == {}


def test_regressors_scale_with_the_target():
    wide = {"C": loguniform(1e-6, 1e12)}
    params = portfolio_params(SVR(), wide, XR, YR * 1000)
    small = portfolio_params(SVR(), wide, XR, YR)
    relative = [i for i, e in enumerate(get_portfolio(SVR())) if e.source == "own runs"]
    assert relative
    for i in relative:
        assert params[i]["C"] == pytest.approx(1000 * small[i]["C"], rel=1e-6)
    lasso = portfolio_params(Lasso(), {"alpha": loguniform(1e-8, 1e8)}, XR, YR)
    assert lasso and all(p["alpha"] > 0 for p in lasso)


def test_integer_and_tuple_values_meet_their_kind():
    space = {"hidden_layer_sizes": randint(8, 96), "batch_size": randint(16, 128)}
    mlp = portfolio_params(MLPClassifier(), space, X, Y)
    assert mlp and all(isinstance(p["hidden_layer_sizes"], int) for p in mlp)
    tuples = portfolio_params(
        MLPClassifier(), {"hidden_layer_sizes": [(5,), (90,), (50, 50)]}, X, Y
    )
    assert all(p["hidden_layer_sizes"] in [(5,), (90,)] for p in tuples)
    depth = portfolio_params(
        RandomForestClassifier(), {"max_depth": randint(2, 9)}, X, Y
    )
    assert {"max_depth": 8} in depth  # None (no limit) maps to the largest depth


def test_rvs_only_and_unbounded_distributions():
    space = {"C": RvsOnly(integer=False), "n_neighbors": RvsOnly(integer=True)}
    _check_mapped({"C": space["C"]}, portfolio_params(SVC(), {"C": space["C"]}, X, Y))
    knn = {"n_neighbors": space["n_neighbors"]}
    assert portfolio_params(KNeighborsClassifier(), knn, X, Y)
    unbounded = portfolio_params(SVC(), {"C": norm(0, 1)}, X, Y)
    assert unbounded and all(np.isfinite(p["C"]) for p in unbounded)


# -- pipelines and lists of dicts -----------------------------------------------
def test_the_last_step_of_a_pipeline_and_nested_pipelines():
    inner = make_pipeline(PCA(n_components=3), KNeighborsClassifier())
    pipe = Pipeline([("scale", StandardScaler()), ("model", inner)])
    space = {
        "model__kneighborsclassifier__n_neighbors": randint(1, 40),
        "model__pca__n_components": randint(1, 5),
    }
    params = portfolio_params(pipe, space, X, Y)
    assert params
    entries = get_portfolio(pipe)
    assert entries == get_portfolio(KNeighborsClassifier())
    assert (
        params[0]["model__kneighborsclassifier__n_neighbors"]
        == (entries[0].params["n_neighbors"])
    )
    # The inner pipeline's PCA takes its step portfolio, not its own
    # n_components=3: min(n, p) = 5 components, clipped into randint(1, 5).
    assert all(p["model__pca__n_components"] == 4 for p in params)


def test_list_of_dicts_gets_each_dicts_portfolio_in_turn():
    pipe = Pipeline([("scale", StandardScaler()), ("clf", SVC())])
    space = [
        {"clf": [SVC()], "clf__C": loguniform(1e-2, 1e2)},
        {
            "clf": [KNeighborsClassifier(), SGDClassifier()],
            "clf__n_neighbors": randint(1, 40),
        },
    ]
    params = portfolio_params(pipe, space, X, Y)
    kinds = [type(p["clf"]).__name__ for p in params]
    assert kinds[:2] == ["SVC", "KNeighborsClassifier"]  # round robin
    assert "SGDClassifier" not in kinds  # no portfolio for it
    assert all(
        p["clf"] is space[0]["clf"][0] or p["clf"] in space[1]["clf"] for p in params
    )
    _check_mapped(space, params)


# -- the searchers ---------------------------------------------------------------
@pytest.mark.parametrize("cls", [BayesSearchCV, EvolutionSearchCV])
def test_a_small_search_evaluates_the_portfolio_first(cls):
    search = cls(SVC(), SVC_SPACE, n_iter=12, cv=2, random_state=0).fit(X, Y)
    expected = portfolio_params(SVC(), SVC_SPACE, X, Y, n_samples=30)
    size = search._design_size()
    k = min(size, len(expected))
    assert k >= 2
    assert search.cv_results_["params"][:k] == expected[:k]
    flags = search.search_history_["portfolio"]
    later = search._later_design_size()  # EvolutionSearchCV: 12 // 4 - 2 = 1
    assert flags.dtype == bool and flags[:k].all() and flags[k:].sum() == later
    assert set(search.cv_results_) == set(
        RandomizedSearchCV(SVC(), SVC_SPACE, n_iter=2, cv=2).fit(X, Y).cv_results_
    )


def test_evolution_keeps_half_its_first_generation_space_filling():
    search = EvolutionSearchCV(SVC(), SVC_SPACE, n_iter=36, cv=2, random_state=0)
    search.fit(X, Y)
    assert search.population_size_ == 6
    generation = search.search_history_["generation"]
    flags = search.search_history_["portfolio"]
    first = generation == 0
    assert first.sum() == 6
    # Three portfolio configurations, then three Sobol points, although the
    # SVC portfolio has more configurations that fit this space.
    expected = portfolio_params(SVC(), SVC_SPACE, X, Y, n_samples=30)
    assert len(expected) > 3
    assert flags[first].tolist() == [True] * 3 + [False] * 3
    # The rest of the portfolio comes one configuration per later generation,
    # as its first candidate, in portfolio order (36 // 4 = 9 would be room
    # for more than the portfolio holds).
    rest = expected[3:]
    params = search.cv_results_["params"]
    for g in range(1, len(rest) + 1):
        rows = np.flatnonzero(generation == g)
        assert flags[rows].tolist() == [True] + [False] * (len(rows) - 1)
        assert params[rows[0]] == rest[g - 1]
    assert flags.sum() == len(expected)


@pytest.mark.parametrize("n_iter", [10, 20])
def test_evolution_gives_the_portfolio_a_quarter_of_the_budget(n_iter):
    search = EvolutionSearchCV(SVC(), SVC_SPACE, n_iter=n_iter, cv=2, random_state=0)
    search.fit(X, Y)
    flags = search.search_history_["portfolio"]
    generation = search.search_history_["generation"]
    assert search.population_size_ == 4
    # Two in the first generation; at n_iter=20, one in each of the next three.
    assert flags.sum() == max(2, n_iter // 4)
    assert flags[generation == 0].tolist() == [True, True, False, False]
    assert all(
        flags[generation == g].sum() <= 1 for g in range(1, generation.max() + 1)
    )


def test_asynchronous_evolution_keeps_the_portfolio_in_its_first_generation():
    search = EvolutionSearchCV(
        SVC(), SVC_SPACE, n_iter=20, cv=2, random_state=0, asynchronous=True
    ).fit(X, Y)
    flags = search.search_history_["portfolio"]
    assert flags.tolist()[:4] == [True, True, False, False]
    assert flags.sum() == 2


def test_evolution_warm_start_and_resume_add_no_more_of_the_portfolio(tmp_path):
    search = EvolutionSearchCV(
        SVC(),
        SVC_SPACE,
        n_iter=12,
        population_size=4,
        cv=2,
        random_state=0,
        warm_start=True,
    ).fit(X, Y)
    assert search.search_history_["portfolio"].sum() == 3  # 2 + 1 (12 // 4)
    search.set_params(n_iter=20).fit(X, Y)
    flags = search.search_history_["portfolio"]
    assert flags.sum() == 5
    keys = [repr(sorted(p.items())) for p in search.cv_results_["params"]]
    assert len(set(keys)) == 20

    def interrupt(state):
        if state.n_evaluated >= 8:
            raise KeyboardInterrupt

    kw = dict(n_iter=20, cv=2, random_state=0, checkpoint=str(tmp_path / "c.jsonl"))
    with pytest.raises(KeyboardInterrupt):
        EvolutionSearchCV(SVC(), SVC_SPACE, callbacks=[interrupt], **kw).fit(X, Y)
    resumed = EvolutionSearchCV(SVC(), SVC_SPACE, **kw).fit(X, Y)
    params = resumed.cv_results_["params"]
    assert len(params) == 20
    assert resumed.search_history_["portfolio"].sum() == 5

    def rounded(params, flags):  # a checkpoint stores points of the unit cube
        return [
            (p["kernel"], round(p["C"], 9), round(p["gamma"], 9))
            for p, f in zip(params, flags)
            if f
        ]

    assert rounded(params, resumed.search_history_["portfolio"]) == rounded(
        search.cv_results_["params"], flags
    )
    assert len({repr(sorted(p.items())) for p in params}) == 20


def test_initial_params_come_first_and_share_the_design():
    seed = {"C": 3.0, "gamma": 0.01, "kernel": "linear"}
    search = BayesSearchCV(
        SVC(),
        SVC_SPACE,
        n_iter=12,
        n_initial_points=3,
        initial_params=[seed],
        cv=2,
        random_state=0,
    ).fit(X, Y)
    params = search.cv_results_["params"]
    assert params[0] == seed
    assert search.search_history_["portfolio"].tolist()[:4] == [
        False,
        True,
        True,
        False,
    ]


@pytest.mark.parametrize("cls", [BayesSearchCV, EvolutionSearchCV])
def test_same_random_state_same_search(cls):
    a = cls(SVC(), SVC_SPACE, n_iter=8, cv=2, random_state=3).fit(X, Y)
    b = cls(SVC(), SVC_SPACE, n_iter=8, cv=2, random_state=3).fit(X, Y)
    assert a.cv_results_["params"] == b.cv_results_["params"]
    np.testing.assert_array_equal(
        a.cv_results_["mean_test_score"], b.cv_results_["mean_test_score"]
    )


@pytest.mark.parametrize("cls", [BayesSearchCV, EvolutionSearchCV])
def test_unknown_estimators_fall_back_to_the_sobol_design(cls):
    space = {"alpha": loguniform(1e-6, 1e-1)}
    auto = cls(SGDClassifier(random_state=0), space, n_iter=6, cv=2, random_state=0)
    sobol = cls(
        SGDClassifier(random_state=0),
        space,
        n_iter=6,
        cv=2,
        random_state=0,
        initial_design="sobol",
    )
    auto.fit(X, Y)
    sobol.fit(X, Y)
    assert auto.cv_results_["params"] == sobol.cv_results_["params"]
    assert not auto.search_history_["portfolio"].any()
    with pytest.raises(ValueError, match="no portfolio for SGDClassifier"):
        cls(SGDClassifier(), space, n_iter=6, initial_design="portfolio").fit(X, Y)


def test_portfolio_that_fits_nothing_warns_when_asked_for():
    search = BayesSearchCV(
        SVC(),
        {"tol": loguniform(1e-5, 1e-2)},
        n_iter=4,
        cv=2,
        initial_design="portfolio",
        random_state=0,
    )
    with pytest.warns(UserWarning, match="no portfolio configuration fits"):
        search.fit(X, Y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        search.set_params(initial_design="auto").fit(X, Y)


@pytest.mark.parametrize("design", ["sobol", "random"])
def test_designs_without_portfolio(design):
    search = EvolutionSearchCV(
        SVC(), SVC_SPACE, n_iter=8, cv=2, random_state=0, initial_design=design
    ).fit(X, Y)
    assert not search.search_history_["portfolio"].any()
    other = "random" if design == "sobol" else "sobol"
    search2 = EvolutionSearchCV(
        SVC(), SVC_SPACE, n_iter=8, cv=2, random_state=0, initial_design=other
    ).fit(X, Y)
    assert search.cv_results_["params"] != search2.cv_results_["params"]


def test_invalid_initial_design_is_refused():
    with pytest.raises(ValueError, match="initial_design"):
        BayesSearchCV(SVC(), SVC_SPACE, initial_design="lhs").fit(X, Y)
    with pytest.raises(ValueError, match="initial_design"):
        GPStrategy(SearchSpace(SVC_SPACE), np.random.RandomState(0), initial_design="x")
    with pytest.raises(ValueError, match="initial_design"):
        EvolutionStrategy(
            SearchSpace(SVC_SPACE), np.random.RandomState(0), initial_design="x"
        )


def test_strategies_draw_their_design_as_asked():
    space = SearchSpace({"a": uniform(0, 1), "b": uniform(0, 1)})
    sobol = GPStrategy(space, np.random.RandomState(0), n_initial_points=8).ask(8)
    rand = GPStrategy(
        space, np.random.RandomState(0), n_initial_points=8, initial_design="random"
    ).ask(8)
    assert not np.allclose(sobol, rand)
    # A Sobol design of 8 points has exactly one point per eighth of each axis.
    assert sorted((sobol[:, 0] * 8).astype(int)) == list(range(8))


def test_warm_start_keeps_the_flags_and_adds_no_portfolio_point_twice():
    search = BayesSearchCV(
        SVC(), SVC_SPACE, n_iter=8, cv=2, random_state=0, warm_start=True
    ).fit(X, Y)
    first = search.search_history_["portfolio"].copy()
    search.set_params(n_iter=12).fit(X, Y)
    flags = search.search_history_["portfolio"]
    assert len(flags) == 12
    np.testing.assert_array_equal(flags[:8], first)
    keys = [repr(sorted(p.items())) for p in search.cv_results_["params"]]
    assert len(set(keys)) == 12


def test_checkpoint_resume_marks_the_portfolio_rows(tmp_path):
    path = tmp_path / "run.jsonl"
    kw = dict(n_iter=8, cv=2, random_state=0, checkpoint=str(path))
    full = BayesSearchCV(SVC(), SVC_SPACE, **kw).fit(X, Y)
    again = BayesSearchCV(SVC(), SVC_SPACE, **kw).fit(X, Y)  # everything stored
    np.testing.assert_array_equal(
        again.search_history_["portfolio"], full.search_history_["portfolio"]
    )


def test_known_estimators_cover_the_issue():
    names = set(known_estimators())
    for name in [
        "SVC",
        "SVR",
        "LogisticRegression",
        "RandomForestClassifier",
        "RandomForestRegressor",
        "ExtraTreesClassifier",
        "ExtraTreesRegressor",
        "HistGradientBoostingClassifier",
        "HistGradientBoostingRegressor",
        "GradientBoostingClassifier",
        "GradientBoostingRegressor",
        "KNeighborsClassifier",
        "KNeighborsRegressor",
        "MLPClassifier",
        "MLPRegressor",
        "ElasticNet",
        "Ridge",
        "Lasso",
    ]:
        assert name in names, name
    for est in [
        SVC(),
        Ridge(),
        ElasticNet(),
        LogisticRegression(),
        RandomForestRegressor(),
    ]:
        entries = get_portfolio(est)
        assert 1 <= len(entries) <= 6
        assert all(e.source for e in entries)
    assert get_portfolio(HistGradientBoostingClassifier())
    assert get_portfolio(SGDClassifier()) == []


def test_the_portfolios_are_those_the_committed_derivation_chooses():
    """skhypertune/portfolio.py holds what derive_portfolio.py selects."""
    from skhypertune.portfolio import _PORTFOLIOS

    stored, derive_portfolio = _committed_derivation("portfolio_derivation.json")
    families = stored["families"]
    assert set(families) == set(_PORTFOLIOS)
    for name, res in families.items():
        norm = derive_portfolio.normalised(np.array(res["scores"], dtype=float))
        chosen = derive_portfolio.greedy(norm, 6)
        expected = [
            (
                res["pool"][i]["source"],
                derive_portfolio._from_json(res["pool"][i]["params"]),
            )
            for i in chosen
        ]
        got = [(e.source, e.params) for e in _PORTFOLIOS[name]]
        tags = {"own runs": "own runs", "scikit-learn default": "scikit-learn default"}
        assert [(tags.get(s, s), p) for s, p in expected] == got, name
