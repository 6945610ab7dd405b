"""Plots: what is drawn (lines, bars, labels), rendered with the Agg backend."""

import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from scipy.stats import loguniform, randint, uniform  # noqa: E402
from sklearn.datasets import make_classification  # noqa: E402
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV  # noqa: E402
from sklearn.svm import SVC  # noqa: E402
from sklearn.tree import DecisionTreeClassifier  # noqa: E402

from skhypertune import param_importances  # noqa: E402
from skhypertune.plotting import (  # noqa: E402
    best_so_far,
    convergence_ylim,
    plot_convergence,
    plot_halving,
    plot_importances,
    plot_parallel_coordinates,
    plot_pareto,
    plot_slices,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def data():
    return make_classification(n_samples=60, n_features=4, random_state=0)


@pytest.fixture(scope="module")
def random_search(data):
    X, y = data
    return RandomizedSearchCV(
        SVC(),
        {"C": loguniform(1e-3, 1e3), "kernel": ["rbf", "linear"]},
        n_iter=10,
        cv=3,
        random_state=0,
    ).fit(X, y)


def _res(scores, params=None):
    params = (
        params if params is not None else [{"a": float(i)} for i in range(len(scores))]
    )
    return {"params": params, "mean_test_score": np.asarray(scores, dtype=float)}


def test_convergence_one_line_per_search_with_running_best(random_search):
    other = _res([0.1, np.nan, 0.9, 0.5])
    ax = plot_convergence(random_search, other)
    lines = ax.get_lines()
    assert len(lines) == 2
    expected = np.maximum.accumulate(random_search.cv_results_["mean_test_score"])
    np.testing.assert_allclose(lines[0].get_ydata(), expected)
    np.testing.assert_allclose(lines[1].get_ydata(), [0.1, 0.1, 0.9, 0.9])
    assert [t.get_text() for t in ax.get_legend().get_texts()][:2] == [
        "RandomizedSearchCV",
        "results 2",
    ]
    assert ax.get_xlabel() == "candidates evaluated"


def _clipped(ax):
    """(x, y) of the triangles marking scores beyond the y-limits."""
    pts = [c.get_offsets() for c in ax.collections if c.get_gid() == "clipped"]
    return np.vstack(pts) if pts else np.empty((0, 2))


def test_convergence_ylim_fits_the_best_so_far_lines():
    # Best so far [0.1, 0.1, 0.8, ...] and [0.7, 0.75, 0.75, ...]: each curve
    # is shown from its third candidate on (0.8 and 0.75), so the poor first
    # candidates do not stretch the axis.
    a = _res([0.1, 0.05, 0.8, 0.2, 0.85, 0.3, 0.9, 0.92, 0.15, 0.93])
    b = _res([0.7, 0.75, 0.2, 0.3, 0.88, 0.4, 0.9, 0.1, 0.95, 0.94])
    ax = plot_convergence(a, b, labels=["A", "B"])
    low, high = 0.75, 0.95
    margin = 0.08 * (high - low)
    assert ax.get_ylim() == pytest.approx((low - margin, high + margin))
    # The best-so-far lines are drawn in full, unchanged.
    np.testing.assert_allclose(
        ax.get_lines()[0].get_ydata(),
        [0.1, 0.1, 0.8, 0.8, 0.85, 0.85, 0.9, 0.92, 0.92, 0.93],
    )
    # The 10 scores below 0.734 are triangles on the bottom edge, at their x.
    below = [
        i + 1
        for s in (a, b)
        for i, v in enumerate(s["mean_test_score"])
        if v < low - margin
    ]
    clipped = _clipped(ax)
    assert sorted(clipped[:, 0]) == sorted(below) and len(below) == 10
    np.testing.assert_allclose(clipped[:, 1], low - margin)
    # Points inside the axes are the others, 10 of 20.
    inside = sum(len(c.get_offsets()) for c in ax.collections if c.get_gid() is None)
    assert inside == 20 - 10
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts == ["A", "B", "10 below 0.734 (lowest 0.05)"]


def test_convergence_ylim_all_and_explicit_limits():
    a = _res([0.1, 0.05, 0.8, 0.2, 0.9])
    ax = plot_convergence(a, ylim="all")
    assert ax.get_ylim()[0] < 0.05 and ax.get_ylim()[1] > 0.9
    assert len(_clipped(ax)) == 0
    ax = plot_convergence(a, ylim=(0.15, 0.85))
    assert ax.get_ylim() == pytest.approx((0.15, 0.85))
    clipped = _clipped(ax)
    assert sorted(map(tuple, clipped)) == [(1, 0.15), (2, 0.15), (5, 0.85)]
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts[1:] == ["2 below 0.15 (lowest 0.05)", "1 above 0.85"]
    with pytest.raises(ValueError, match="ylim"):
        plot_convergence(a, ylim="tight")


def test_convergence_ylim_edge_cases():
    # Failed first candidates: the kept part starts at the first score.
    assert convergence_ylim([np.nan, np.nan, np.nan, 0.5, 0.9]) == pytest.approx(
        (0.5 - 0.08 * 0.4, 0.9 + 0.08 * 0.4)
    )
    # Long searches leave out their first 5%: the curve from the 40th of 800
    # candidates on.
    scores = np.r_[np.zeros(39), 0.5, np.linspace(0.6, 0.9, 760)]
    assert convergence_ylim(scores, margin=0.0) == pytest.approx((0.5, 0.9))
    # One value, or none.
    assert convergence_ylim([0.5, 0.5]) == pytest.approx((0.495, 0.505))
    assert convergence_ylim([np.nan]) is None


def test_convergence_on_a_given_axes_with_labels():
    fig, ax = plt.subplots()
    out = plot_convergence(
        _res([1, 2]), _res([3, 1]), _res([0, 0]), ax=ax, labels="ABC"
    )
    assert out is ax
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["A", "B", "C"]
    with pytest.raises(ValueError, match="2 labels for 3"):
        plot_convergence(_res([1]), _res([1]), _res([1]), labels=["a", "b"])
    with pytest.raises(ValueError, match="at least one"):
        plot_convergence()


def test_best_so_far_ignores_failures():
    np.testing.assert_array_equal(
        best_so_far([np.nan, 1.0, np.nan, 0.5, 2.0]), [np.nan, 1, 1, 1, 2]
    )


def test_importance_bars_match_the_shares(random_search):
    ax = plot_importances(random_search)
    shares = param_importances(random_search, random_state=0)
    widths = [p.get_width() for p in ax.patches]
    np.testing.assert_allclose(widths, list(shares.values()))
    assert [t.get_text() for t in ax.get_yticklabels()] == list(shares)
    # Largest on top: y positions decrease along the dict order.
    ys = [p.get_y() for p in ax.patches]
    assert ys == sorted(ys, reverse=True)


def test_importance_interactions_and_max_bars():
    rng = np.random.RandomState(0)
    params = [{"a": a, "b": b, "c": c} for a, b, c in rng.uniform(size=(80, 3))]
    res = _res([p["a"] * p["b"] + 0.2 * p["c"] for p in params], params)
    ax = plot_importances(res, interactions=True)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(ax.patches) == 6  # 3 parameters + 3 pairs
    assert "a × b" in labels
    ax = plot_importances({"x": 0.5, "y": 0.3, "z": 0.2}, max_bars=2)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["x", "y"]


def test_parallel_coordinates_lines_axes_and_gaps():
    params = [
        {"kernel": "linear", "C": 0.01},
        {"kernel": "rbf", "C": 10.0, "gamma": 0.1},
        {"kernel": "rbf", "C": 1.0, "gamma": 1.0},
        {"kernel": "linear", "C": 100.0},
    ]
    res = _res([0.5, 0.9, np.nan, 0.7], params)
    ax = plot_parallel_coordinates(res)
    lines = [line for line in ax.get_lines() if line.get_gid() == "candidate"]
    assert len(lines) == 3  # the failed candidate is left out
    labels = [t.get_text() for t in ax.get_xticklabels()]
    # C spans four decades: a log axis, and it says so; gamma spans one.
    assert labels == ["C\n(log scale)", "gamma", "kernel", "mean test score"]
    by_score = {round(line.get_ydata()[-1], 3): line.get_ydata() for line in lines}
    # Scores scaled to [0, 1]; the linear kernel has no gamma: a gap (NaN).
    assert set(by_score) == {0.0, 0.5, 1.0}
    assert np.isnan(by_score[0.0][1]) and not np.isnan(by_score[1.0][1])
    # C spans four decades: log scale, 10 sits at 3/4 of the way up.
    assert by_score[1.0][0] == pytest.approx(0.75)


def _axis_ticks(ax, k):
    """{label: height} of the values written along axis k."""
    return {
        t.get_text(): t.get_position()[1]
        for t in ax.texts
        if t.get_gid() == "tick" and round(t.get_position()[0]) == k
    }


def test_parallel_coordinates_axes_are_labelled_with_values(random_search):
    # C ~ loguniform(1e-3, 1e3): the axis spans the space's support on a log
    # scale, with round values between the ends; kernel shows its levels.
    ax = plot_parallel_coordinates(random_search)
    c_ticks = _axis_ticks(ax, 0)
    assert c_ticks == pytest.approx({"1e-3": 0, "0.1": 1 / 3, "10": 2 / 3, "1e3": 1})
    assert set(_axis_ticks(ax, 1)) == {"rbf", "linear"}
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["C\n(log scale)", "kernel", "mean test score"]
    # The score axis: its ends to 4 digits, round values between.
    scores = random_search.cv_results_["mean_test_score"]
    lo, hi = scores.min(), scores.max()
    score_ticks = _axis_ticks(ax, 2)
    assert score_ticks[f"{lo:.4g}"] == 0 and score_ticks[f"{hi:.4g}"] == 1
    inner = {k: v for k, v in score_ticks.items() if 0 < v < 1}
    assert inner
    for text, y in inner.items():
        assert y == pytest.approx((float(text) - lo) / (hi - lo))
    # Each label has its tick mark on the axis.
    marks = [c for c in ax.collections if c.get_gid() == "tick"]
    assert [len(c.get_segments()) for c in marks] == [4, 2, len(score_ticks)]


def test_parallel_coordinates_scale_follows_the_distribution(data):
    X, y = data
    # loguniform over less than two decades: still a log axis, from the prior.
    # uniform(0, 1000) values span more than two decades: still linear.
    space = {"C": loguniform(0.1, 5.0), "tol": uniform(0, 1000)}
    search = RandomizedSearchCV(SVC(), space, n_iter=6, cv=2, random_state=4).fit(X, y)
    tol = [p["tol"] for p in search.cv_results_["params"]]
    assert max(tol) / min(tol) > 100
    ax = plot_parallel_coordinates(search)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["C\n(log scale)", "tol", "mean test score"]
    lines = [line for line in ax.get_lines() if line.get_gid() == "candidate"]
    c_values = [p["C"] for p in search.cv_results_["params"]]
    expected = sorted(np.log10(np.array(c_values) / 0.1) / np.log10(50))
    assert sorted(line.get_ydata()[0] for line in lines) == pytest.approx(expected)
    tol_ticks = _axis_ticks(ax, 1)
    assert tol_ticks["0"] == 0 and tol_ticks["1000"] == 1
    assert tol_ticks["400"] == pytest.approx(0.4)
    # Without the search, the values decide: C spans under two decades.
    ax = plot_parallel_coordinates(search.cv_results_)
    assert [t.get_text() for t in ax.get_xticklabels()][0] == "C"
    fig = plot_slices(search)
    assert [a.get_xscale() for a in fig.axes[:2]] == ["log", "linear"]


def test_parallel_coordinates_params_and_errors(random_search):
    ax = plot_parallel_coordinates(random_search, params=["kernel"])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["kernel", "mean test score"]
    with pytest.raises(ValueError, match="Unknown parameter"):
        plot_parallel_coordinates(random_search, params=["nope"])


def test_slices_one_panel_per_parameter(random_search):
    fig = plot_slices(random_search)
    visible = [a for a in fig.axes if a.get_visible()]
    assert [a.get_xlabel() for a in visible] == ["C", "kernel"]
    c_ax, k_ax = visible
    assert c_ax.get_xscale() == "log"
    assert len(c_ax.collections[0].get_offsets()) == 10
    assert sorted(t.get_text() for t in k_ax.get_xticklabels()) == ["linear", "rbf"]
    best = random_search.best_score_
    stars = [line for line in c_ax.get_lines() if line.get_marker() == "*"]
    assert stars[0].get_ydata()[0] == pytest.approx(best)


def test_slices_on_given_axes():
    fig, axes = plt.subplots(1, 2)
    res = _res([0.1, 0.2], [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}])
    assert plot_slices(res, ax=axes) is fig
    with pytest.raises(ValueError, match="1 Axes but 2"):
        plot_slices(res, ax=[axes[0]])


def test_halving_bars_count_candidates_per_iteration(data):
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingRandomSearchCV

    X, y = data
    hs = HalvingRandomSearchCV(
        DecisionTreeClassifier(random_state=0),
        {"max_depth": randint(1, 6)},
        n_candidates=8,
        factor=2,
        min_resources=15,
        cv=2,
        random_state=0,
    ).fit(X, y)
    ax = plot_halving(hs)
    assert [p.get_height() for p in ax.patches] == hs.n_candidates_
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == [f"iter {i}\n{r} n_samples" for i, r in enumerate(hs.n_resources_)]
    iters = np.asarray(hs.cv_results_["iter"])
    scores = np.asarray(hs.cv_results_["mean_test_score"])
    best = [np.nanmax(scores[iters == i]) for i in range(len(hs.n_candidates_))]
    np.testing.assert_allclose(ax.right_ax.get_lines()[0].get_ydata(), best)


def test_halving_needs_halving_results(random_search):
    with pytest.raises(ValueError, match="successive-halving"):
        plot_halving(random_search)


def test_multimetric_results_need_a_metric(data):
    X, y = data
    grid = GridSearchCV(
        DecisionTreeClassifier(random_state=0),
        {"max_depth": [1, 2, 3]},
        scoring=["accuracy", "f1"],
        refit=False,
        cv=2,
    ).fit(X, y)
    with pytest.raises(ValueError, match="metric"):
        plot_convergence(grid)
    ax = plot_convergence(grid, metric="f1")
    np.testing.assert_allclose(
        ax.get_lines()[0].get_ydata(),
        np.maximum.accumulate(grid.cv_results_["mean_test_f1"]),
    )
    assert ax.get_ylabel() == "best mean test f1 so far"


def test_clear_error_without_matplotlib(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"skhypertune\[plot\]"):
        plot_convergence(_res([1.0]))


class _Fitted:
    """A fitted search's attributes, without a search."""

    def __init__(self, **attributes):
        self.__dict__.update(attributes)


def test_halving_brackets_from_search_history_or_the_results():
    results = {
        "params": [{}] * 6,
        "iter": [0, 0, 1, 0, 0, 1],
        "n_resources": [10, 10, 20, 20, 20, 40],
        "mean_test_score": [0.5, 0.6, 0.7, 0.4, 0.8, 0.9],
    }
    bracket = [0, 0, 0, 1, 1, 1]
    expected = [
        "b0 iter 0\n10 n_samples",
        "b0 iter 1\n20 n_samples",
        "b1 iter 0\n20 n_samples",
        "b1 iter 1\n40 n_samples",
    ]
    # skhypertune's searches keep the bracket in search_history_ ...
    search = _Fitted(cv_results_=results, search_history_={"bracket": bracket})
    ax = plot_halving(search)
    assert [t.get_text() for t in ax.get_xticklabels()] == expected
    assert [p.get_height() for p in ax.patches] == [2, 1, 2, 1]
    # ... older fits and bare results in the results.
    ax = plot_halving({**results, "bracket": bracket})
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        e.replace("n_samples", "resources") for e in expected
    ]
    ax = plot_halving(_Fitted(cv_results_={**results, "bracket": bracket}))
    assert [t.get_text() for t in ax.get_xticklabels()] == expected


def test_halving_plot_of_hyperband_brackets():
    from sklearn.datasets import load_iris

    from skhypertune import HyperbandSearchCV

    X, y = load_iris(return_X_y=True)
    space = {"max_depth": randint(1, 8), "min_samples_leaf": randint(1, 10)}
    hb = HyperbandSearchCV(
        DecisionTreeClassifier(random_state=0), space, factor=3, cv=3, random_state=0
    ).fit(X, y)
    ax = plot_halving(hb)
    heights = [p.get_height() for p in ax.patches]
    assert heights == [c for bracket in hb.n_candidates_ for c in bracket]
    labels = [t.get_text() for t in ax.get_xticklabels()]
    expected = [
        f"b{b} iter {i}\n{r} n_samples"
        for b, bracket in enumerate(hb.n_resources_)
        for i, r in enumerate(bracket)
    ]
    assert labels == expected


# -- Pareto front ------------------------------------------------------------------
@pytest.fixture(scope="module")
def pareto_search():
    from sklearn.datasets import load_iris

    from skhypertune import BayesSearchCV

    return BayesSearchCV(
        DecisionTreeClassifier(random_state=0),
        {"max_depth": randint(1, 12), "min_samples_leaf": randint(1, 20)},
        n_iter=12,
        cv=3,
        random_state=0,
        objectives=["score", "fit_time"],
    ).fit(*load_iris(return_X_y=True))


def _gid(ax, gid):
    """Offsets of the scatter drawn with ``gid`` (None when there is none)."""
    found = [c.get_offsets() for c in ax.collections if c.get_gid() == gid]
    assert len(found) <= 1
    return np.asarray(found[0]) if found else None


def _line(ax, gid):
    found = [line for line in ax.get_lines() if line.get_gid() == gid]
    assert len(found) <= 1
    return found[0] if found else None


def test_pareto_plot_draws_the_searchs_front(pareto_search):
    s = pareto_search
    res = s.cv_results_
    points = np.column_stack([res["mean_test_score"], res["mean_fit_time"]])
    ax = plot_pareto(s)
    np.testing.assert_allclose(_gid(ax, "candidate"), points)
    # The highlighted points are the fitted front, in its order, joined by a
    # step line through them.
    np.testing.assert_allclose(_gid(ax, "front"), points[s.pareto_front_])
    line = _line(ax, "front-line")
    assert line.get_drawstyle() == "steps-post"
    np.testing.assert_allclose(line.get_xdata(), points[s.pareto_front_, 0])
    np.testing.assert_allclose(line.get_ydata(), points[s.pareto_front_, 1])
    star = _line(ax, "refit")
    assert star.get_xdata().tolist() == [points[s.best_index_, 0]]
    assert star.get_ydata().tolist() == [points[s.best_index_, 1]]
    assert ax.get_xlabel() == "mean test score (higher is better)"
    assert ax.get_ylabel() == "fit time (s, lower is better)"
    assert (ax.get_xscale(), ax.get_yscale()) == ("linear", "log")
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [
        "candidates (12)",
        f"Pareto front ({len(s.pareto_front_)})",
        "refitted (best_index_)",
    ]


def test_pareto_plot_axes_follow_the_objectives_given(pareto_search):
    s = pareto_search
    res = s.cv_results_
    fig, ax = plt.subplots()
    assert plot_pareto(s, objectives=["fit_time", "score"], ax=ax) is ax
    assert ax.get_xlabel() == "fit time (s, lower is better)"
    assert (ax.get_xscale(), ax.get_yscale()) == ("log", "linear")
    front = _gid(ax, "front")
    # The same candidates, now best first along fit time.
    order = sorted(s.pareto_front_, key=lambda i: res["mean_fit_time"][i])
    np.testing.assert_allclose(front[:, 0], res["mean_fit_time"][order])
    np.testing.assert_allclose(front[:, 1], res["mean_test_score"][order])
    # Columns name objectives too.
    ax = plot_pareto(s, objectives=["mean_test_score", "mean_fit_time"])
    np.testing.assert_allclose(
        _gid(ax, "front")[:, 1], res["mean_fit_time"][s.pareto_front_]
    )


def test_pareto_plot_errors(pareto_search, random_search, data):
    from skhypertune import BayesSearchCV

    with pytest.raises(ValueError, match=r"fitted without objectives.*objectives="):
        plot_pareto(random_search)
    single = BayesSearchCV(
        DecisionTreeClassifier(random_state=0),
        {"max_depth": randint(1, 6)},
        n_iter=3,
        cv=2,
        random_state=0,
    ).fit(*data)
    assert not hasattr(single, "pareto_front_")
    with pytest.raises(ValueError, match="BayesSearchCV was fitted without"):
        plot_pareto(single)
    with pytest.raises(ValueError, match="cv_results_ do not say"):
        plot_pareto(_res([0.1, 0.2]))
    with pytest.raises(ValueError, match="objectives: 'nope' is not a column"):
        plot_pareto(random_search, objectives=["score", "nope"])
    with pytest.raises(
        ValueError, match=r"objectives: 'score_time' is not one of .*'fit_time'"
    ):
        plot_pareto(pareto_search, objectives=["score", "score_time"])
    for bad in ["score", ["score"], ["score", "fit_time", "score_time"], [1, 2]]:
        with pytest.raises(ValueError, match="objectives must name the two"):
            plot_pareto(pareto_search, objectives=bad)
    with pytest.raises(ValueError, match="directions are those it was fitted"):
        plot_pareto(pareto_search, objectives={"score": "max", "fit_time": "max"})
    with pytest.raises(ValueError, match="twice"):
        plot_pareto(pareto_search, objectives=["score", "mean_test_score"])
    with pytest.raises(TypeError, match="fitted search"):
        plot_pareto(SVC())


def test_pareto_plot_of_results_without_objectives(random_search):
    # Any search's results, with the objectives named here.
    res = random_search.cv_results_
    ax = plot_pareto(random_search, objectives=["score", "fit_time"])
    from skhypertune.pareto import pareto_front

    points = np.column_stack([res["mean_test_score"], res["mean_fit_time"]])
    expected = pareto_front(points, ["max", "min"])
    np.testing.assert_allclose(_gid(ax, "front"), points[expected])
    assert _line(ax, "refit") is not None
    # A results dict: failed fits left out, no refitted candidate, directions
    # from a dict, and no log scale for a column that is not a time.
    results = {
        "params": [{"a": i} for i in range(5)],
        "mean_test_score": np.array([0.9, np.nan, 0.7, 0.95, 0.5]),
        "mean_test_n_leaves": np.array([8.0, 1.0, 3.0, 20.0, 4.0]),
    }
    ax = plot_pareto(results, objectives={"score": "max", "n_leaves": "min"})
    assert _gid(ax, "candidate").shape == (4, 2)
    assert _gid(ax, "front").tolist() == [[0.95, 20.0], [0.9, 8.0], [0.7, 3.0]]
    assert _line(ax, "refit") is None
    assert ax.get_ylabel() == "mean test n_leaves (lower is better)"
    assert ax.get_yscale() == "linear"


def test_pareto_plot_of_three_objectives_rings_the_rest_of_the_front():
    from skhypertune.pareto import pareto_front, resolve_objectives

    results = {
        "params": [{"a": i} for i in range(4)],
        "mean_test_score": np.array([0.9, 0.8, 0.85, 0.7]),
        "mean_fit_time": np.array([2.0, 1.0, 3.0, 0.5]),
        "mean_score_time": np.array([0.3, 0.2, 0.01, 0.4]),
    }
    objectives = resolve_objectives(["score", "fit_time", "score_time"])
    values = np.column_stack([results[o.column] for o in objectives])
    full = pareto_front(values, [o.direction for o in objectives])
    search = _Fitted(
        cv_results_=results, objectives_=objectives, pareto_front_=full, best_index_=2
    )
    assert sorted(full) == [0, 1, 2, 3]
    ax = plot_pareto(search)
    # On score and fit time alone, candidate 2 is dominated by candidate 0.
    assert _gid(ax, "front").tolist() == [[0.9, 2.0], [0.8, 1.0], [0.7, 0.5]]
    assert _gid(ax, "front-other").tolist() == [[0.85, 3.0]]
    assert _line(ax, "refit").get_xdata().tolist() == [0.85]
    ax = plot_pareto(search, objectives=["score", "score_time"])
    assert _gid(ax, "front").tolist() == [[0.9, 0.3], [0.85, 0.01]]
    assert ax.get_ylabel() == "score time (s, lower is better)"
