"""fANOVA importances: accuracy on functions with known decompositions, inputs."""

import math
import pickle
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import loguniform, randint, uniform
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    GridSearchCV,
    ParameterSampler,
    RandomizedSearchCV,
)
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

from skhypertune import param_importances
from skhypertune.importance import BRANCH


def _results(space, f, n=200, seed=0):
    params = list(ParameterSampler(space, n, random_state=seed))
    return {"params": params, "mean_test_score": [f(p) for p in params]}


def _check(imp, truth, tol=0.05):
    assert set(truth) <= set(imp)
    for name, share in truth.items():
        assert imp[name] == pytest.approx(share, abs=tol), (name, imp, truth)


# -- accuracy on synthetic objectives (analytic shares) ----------------------
def test_additive_function_shares_match_term_variances():
    # f = x1 + 2 x2 + 3 x3 on U(0,1)^3: Var terms 1/12 * (1, 4, 9).
    space = {k: uniform(0, 1) for k in ("x1", "x2", "x3")}
    res = _results(space, lambda p: p["x1"] + 2 * p["x2"] + 3 * p["x3"])
    imp = param_importances(res, param_distributions=space, random_state=0)
    _check(imp, {"x1": 1 / 14, "x2": 4 / 14, "x3": 9 / 14})
    assert list(imp) == ["x3", "x2", "x1"]
    assert math.isclose(sum(imp.values()), 1.0)


def test_nonlinear_terms_and_an_irrelevant_parameter():
    # Var(sin 2 pi x) = 1/2, Var(x^2) = 4/45, Var(x/2) = 1/48, x4 unused.
    space = {k: uniform(0, 1) for k in ("x1", "x2", "x3", "x4")}
    var = {"x1": 1 / 2, "x2": 4 / 45, "x3": 1 / 48, "x4": 0.0}
    total = sum(var.values())
    res = _results(
        space,
        lambda p: np.sin(2 * np.pi * p["x1"]) + p["x2"] ** 2 + 0.5 * p["x3"],
    )
    imp = param_importances(res, param_distributions=space, random_state=0)
    _check(imp, {k: v / total for k, v in var.items()})
    assert imp["x4"] < 0.01


def test_interaction_share_and_main_effects():
    # f = x1 + x2 + 4 (x1 - .5)(x2 - .5) + x3 / 2: mains 1/12, 1/12, 1/48;
    # the product term has no main effect and variance 1/9.
    space = {k: uniform(0, 1) for k in ("x1", "x2", "x3")}
    res = _results(
        space,
        lambda p: (
            p["x1"] + p["x2"] + 4 * (p["x1"] - 0.5) * (p["x2"] - 0.5) + 0.5 * p["x3"]
        ),
    )
    mains = {"x1": 1 / 12, "x2": 1 / 12, "x3": 1 / 48}
    total = sum(mains.values())
    imp = param_importances(res, param_distributions=space, random_state=0)
    _check(imp, {k: v / total for k, v in mains.items()})
    both = param_importances(
        res, param_distributions=space, interactions=True, random_state=0
    )
    assert math.isclose(sum(both.values()), 1.0)
    assert both[("x1", "x2")] == pytest.approx((1 / 9) / (total + 1 / 9), abs=0.05)
    assert both[("x1", "x3")] < 0.02 and both[("x2", "x3")] < 0.02


def test_unnormalised_shares_are_of_one_total():
    # Same function: the total variance is 1/12 + 1/12 + 1/48 + 1/9, of which
    # the pair explains 1/9 and nothing is left for higher orders.
    space = {k: uniform(0, 1) for k in ("x1", "x2", "x3")}
    res = _results(
        space,
        lambda p: (
            p["x1"] + p["x2"] + 4 * (p["x1"] - 0.5) * (p["x2"] - 0.5) + 0.5 * p["x3"]
        ),
    )
    kw = dict(param_distributions=space, random_state=0, normalize=False)
    main = param_importances(res, **kw)
    both = param_importances(res, interactions=True, **kw)
    total = 1 / 12 + 1 / 12 + 1 / 48 + 1 / 9
    _check(both, {"x1": 1 / 12 / total, "x2": 1 / 12 / total, "x3": 1 / 48 / total})
    assert both[("x1", "x2")] == pytest.approx((1 / 9) / total, abs=0.05)
    assert 1 - sum(both.values()) == pytest.approx(0.0, abs=0.05)
    # The main effects are the same numbers with or without interactions,
    # and normalising them gives the default shares.
    for name, share in main.items():
        assert both[name] == pytest.approx(share, rel=1e-12)
    normalised = param_importances(res, param_distributions=space, random_state=0)
    for name, share in normalised.items():
        assert share == pytest.approx(main[name] / sum(main.values()), rel=1e-12)
    # Without the pairs, what the main effects leave is the interaction.
    assert 1 - sum(main.values()) == pytest.approx((1 / 9) / total, abs=0.05)


def test_unnormalised_shares_leave_out_a_three_way_interaction():
    # f = x1 + 8 (x1 - .5)(x2 - .5)(x3 - .5): Var(x1) = 1/12, the product
    # 64 / 12**3, with no main effect or pair: 31% is left for the rest.
    space = {k: uniform(0, 1) for k in ("x1", "x2", "x3")}
    res = _results(
        space,
        lambda p: p["x1"] + 8 * (p["x1"] - 0.5) * (p["x2"] - 0.5) * (p["x3"] - 0.5),
        n=400,
    )
    both = param_importances(
        res,
        param_distributions=space,
        interactions=True,
        normalize=False,
        random_state=0,
    )
    assert both["x1"] == pytest.approx((1 / 12) / (1 / 12 + 64 / 12**3), abs=0.05)
    assert 1 - sum(both.values()) > 0.15
    assert sum(both.values()) <= 1 + 1e-9


def test_categorical_values_of_any_type():
    # Strings, None and an estimator object as the values of one parameter.
    est = LogisticRegression()
    levels = {"a": 0.0, None: 1.0, est: 3.0}
    space = {"cat": ["a", None, est], "x": uniform(0, 1)}
    res = _results(
        space,
        lambda p: levels[p["cat"]] + 2 * p["x"],
    )
    # Var over {0, 1, 3} uniform = 14/9; Var(2x) = 1/3.
    truth = {"cat": (14 / 9) / (14 / 9 + 1 / 3), "x": (1 / 3) / (14 / 9 + 1 / 3)}
    _check(param_importances(res, random_state=0), truth)
    _check(param_importances(res, param_distributions=space, random_state=0), truth)


def test_conditional_space_from_a_list_of_dicts():
    # kernel uniform on {lin, rbf}; gamma is active only for rbf.
    # f = C + [rbf] gamma: main effects C 1/12, kernel 1/16, gamma 1/48.
    space = [
        {"kernel": ["lin"], "C": uniform(0, 1)},
        {"kernel": ["rbf"], "C": uniform(0, 1), "gamma": uniform(0, 1)},
    ]
    res = _results(space, lambda p: p["C"] + p.get("gamma", 0.0))
    truth = {"C": 0.5, "kernel": 0.375, "gamma": 0.125}
    _check(param_importances(res, param_distributions=space, random_state=0), truth)
    emp = param_importances(res, random_state=0)
    _check(emp, truth, tol=0.08)
    assert BRANCH not in emp  # kernel already tells the dicts apart


def test_branch_pseudo_parameter_when_nothing_names_the_dict():
    space = [{"a": uniform(0, 1)}, {"b": uniform(0, 1)}]
    # The dict chosen matters most: 0 + a/10 versus 1 + b/10.
    res = _results(space, lambda p: 0.1 * p["a"] if "a" in p else 1 + 0.1 * p["b"])
    imp = param_importances(res, random_state=0)
    assert list(imp)[0] == BRANCH
    assert imp[BRANCH] > 0.8


def test_integer_distribution_with_and_without_the_space():
    space = {"n": randint(1, 11), "x": uniform(0, 1)}
    res = _results(space, lambda p: p["n"] / 10 + 0.1 * p["x"])
    # Var(n / 10) for n uniform on 1..10 = 0.0825; Var(x / 10) = 1/1200.
    share = 0.0825 / (0.0825 + 1 / 1200)
    _check(
        param_importances(res, param_distributions=space, random_state=0), {"n": share}
    )
    _check(param_importances(res, random_state=0), {"n": share})


def test_log_scale_prior_is_used_when_the_space_is_given():
    # Random search on loguniform; the score depends on log10(C) linearly.
    space = {"C": loguniform(1e-3, 1e3), "x": uniform(0, 1)}
    res = _results(space, lambda p: np.log10(p["C"]) / 6 + 0.5 * p["x"])
    # log10 C is uniform on [-3, 3]: Var(log10 C / 6) = 1/12; Var(x/2) = 1/48.
    truth = {"C": 0.8, "x": 0.2}
    _check(param_importances(res, param_distributions=space, random_state=0), truth)
    _check(param_importances(res, random_state=0), truth)


# -- inputs: every scikit-learn search ----------------------------------------
@pytest.fixture(scope="module")
def data():
    return make_classification(n_samples=60, n_features=4, random_state=0)


def test_grid_search_results(data):
    X, y = data
    grid = GridSearchCV(
        DecisionTreeClassifier(random_state=0),
        {"max_depth": [1, 2, None], "criterion": ["gini", "entropy"]},
        cv=3,
    ).fit(X, y)
    imp = param_importances(grid.cv_results_, random_state=0)
    assert set(imp) == {"max_depth", "criterion"}
    assert math.isclose(sum(imp.values()), 1.0)
    assert list(imp.values()) == sorted(imp.values(), reverse=True)
    assert imp == param_importances(grid, random_state=0)


def test_randomized_search_results_and_dataframe(data):
    pd = pytest.importorskip("pandas")
    X, y = data
    rs = RandomizedSearchCV(
        SVC(),
        {"C": loguniform(1e-3, 1e3), "kernel": ["rbf", "linear"]},
        n_iter=12,
        cv=3,
        random_state=0,
    ).fit(X, y)
    a = param_importances(rs.cv_results_, random_state=0)
    b = param_importances(pd.DataFrame(rs.cv_results_), random_state=0)
    assert a == b
    assert set(a) == {"C", "kernel"}


def test_halving_search_uses_the_chosen_iteration(data):
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingRandomSearchCV

    X, y = data
    hs = HalvingRandomSearchCV(
        DecisionTreeClassifier(random_state=0),
        {"max_depth": randint(1, 6), "min_samples_leaf": randint(1, 10)},
        n_candidates=12,
        factor=2,
        min_resources=20,
        cv=2,
        random_state=0,
    ).fit(X, y)
    res = hs.cv_results_
    first = param_importances(res, random_state=0)
    rows = np.asarray(res["iter"]) == 0
    only_first = {
        "params": [p for p, r in zip(res["params"], rows) if r],
        "mean_test_score": np.asarray(res["mean_test_score"])[rows],
    }
    assert first == param_importances(only_first, random_state=0)
    last = int(np.max(res["iter"]))
    if (np.asarray(res["iter"]) == last).sum() >= 2:
        assert set(param_importances(res, iteration="last", random_state=0)) == {
            "max_depth",
            "min_samples_leaf",
        }
    with pytest.raises(ValueError, match="iteration"):
        param_importances(res, iteration=99)


def test_multimetric_results_need_a_metric():
    params = [{"a": a} for a in np.linspace(0, 1, 10)]
    res = {
        "params": params,
        "mean_test_acc": np.linspace(0, 1, 10),
        "mean_test_f1": np.ones(10),
    }
    with pytest.raises(ValueError, match="metric"):
        param_importances(res)
    with pytest.raises(ValueError, match="'auc' is not in cv_results"):
        param_importances(res, metric="auc")
    assert param_importances(res, metric="acc") == {"a": 1.0}


def test_nan_scores_are_excluded_with_a_warning():
    space = {"a": uniform(0, 1), "b": uniform(0, 1)}
    res = _results(space, lambda p: p["a"] + 0.2 * p["b"], n=40)
    clean = param_importances(res, random_state=0)
    bad = {
        "params": res["params"] + [{"a": 0.5, "b": 0.5}] * 3,
        "mean_test_score": list(res["mean_test_score"]) + [np.nan] * 3,
    }
    with pytest.warns(UserWarning, match="3 candidate"):
        assert param_importances(bad, random_state=0) == clean


def test_too_few_finite_scores_and_bad_inputs():
    with pytest.raises(ValueError, match="at least 2"), pytest.warns(UserWarning):
        param_importances(
            {"params": [{"a": 1}, {"a": 2}], "mean_test_score": [1.0, np.nan]}
        )
    with pytest.raises(ValueError, match="params"):
        param_importances({"mean_test_score": [1.0]})
    with pytest.raises(TypeError, match="cv_results"):
        param_importances([1, 2, 3])
    with pytest.raises(ValueError, match="forest"):
        param_importances({"params": [{"a": 1}], "mean_test_score": [1]}, forest="x")


def test_constant_scores_give_equal_shares_with_a_warning():
    res = {
        "params": [{"a": i, "b": -i} for i in range(8)],
        "mean_test_score": [1.0] * 8,
    }
    with pytest.warns(UserWarning, match="no variation"):
        imp = param_importances(res)
    assert imp == {"a": 0.5, "b": 0.5}
    # Scores too close for their variance to be represented (it underflows
    # to zero) count as constant instead of overflowing the standardisation.
    res["mean_test_score"] = [0.0] * 7 + [7e-272]
    with pytest.warns(UserWarning, match="no variation"):
        imp = param_importances(res, interactions=True)
    assert imp == {"a": 0.5, "b": 0.5, ("a", "b"): 0.0}


def test_same_random_state_same_result_and_random_forest_option():
    space = {"a": uniform(0, 1), "b": uniform(0, 1), "c": ["x", "y"]}
    res = _results(space, lambda p: p["a"] + (p["c"] == "x") + 0.3 * p["b"], n=60)
    assert param_importances(res, random_state=3) == param_importances(
        res, random_state=3
    )
    rf = param_importances(res, forest="random", n_estimators=16, random_state=0)
    assert list(rf)[-1] == "b"


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(0, 1),
            st.sampled_from(["p", "q", None]),
            st.floats(-5, 5, allow_nan=False),
        ),
        min_size=3,
        max_size=25,
    )
)
def test_shares_are_a_sorted_distribution(rows):
    res = {
        "params": [{"x": x, "c": c} for x, c, _ in rows],
        "mean_test_score": [s for *_, s in rows],
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        imp = param_importances(res, n_estimators=4, random_state=0, interactions=True)
    values = list(imp.values())
    assert all(v >= 0 for v in values)
    assert math.isclose(sum(values), 1.0)
    assert values == sorted(values, reverse=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        raw = param_importances(
            res, n_estimators=4, random_state=0, interactions=True, normalize=False
        )
    assert all(v >= 0 for v in raw.values())
    assert sum(raw.values()) <= 1 + 1e-9


# -- the fitted attribute of skhypertune searches ------------------------------
def test_param_importances_attribute_after_fit(random_search_cls, tiny_classification):
    X, y = tiny_classification
    space = {"C": loguniform(1e-3, 1e3), "kernel": ["rbf", "linear"]}
    search = random_search_cls(SVC(), space, n_iter=8, random_state=0)
    assert not hasattr(search, "param_importances_")
    search.fit(X, y)
    imp = search.param_importances_
    assert set(imp) == {"C", "kernel"}
    assert math.isclose(sum(imp.values()), 1.0)
    assert imp == param_importances(
        search.cv_results_, param_distributions=space, random_state=0
    )
    imp["C"] = -1.0  # a copy: the cached value is not changed
    assert search.param_importances_["C"] >= 0
    assert pickle.loads(pickle.dumps(search)).param_importances_ == (
        search.param_importances_
    )


def test_hyperband_uses_the_smallest_resource():
    from sklearn.datasets import load_iris

    from skhypertune import HyperbandSearchCV

    X, y = load_iris(return_X_y=True)
    space = {"max_depth": randint(1, 8), "min_samples_leaf": randint(1, 10)}
    hb = HyperbandSearchCV(
        DecisionTreeClassifier(random_state=0),
        space,
        factor=2,
        cv=3,
        random_state=0,
    ).fit(X, y)
    res = hb.cv_results_
    rows = np.asarray(res["n_resources"]) == min(res["n_resources"])
    subset = {
        "params": [p for p, r in zip(res["params"], rows) if r],
        "mean_test_score": np.asarray(res["mean_test_score"])[rows],
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        expected = param_importances(subset, param_distributions=space, random_state=0)
        assert hb.param_importances_ == expected
