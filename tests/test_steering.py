"""Seeding, warm start, max_time and failing fits, on every loop-based searcher."""

import time
import warnings

import numpy as np
import pytest
from scipy.stats import uniform
from sklearn.base import BaseEstimator
from sklearn.exceptions import FitFailedWarning
from sklearn.model_selection import KFold

from skhypertune import BayesSearchCV, EvolutionSearchCV

X = np.zeros((20, 1))
CV = KFold(2)
N_SPLITS = 2
IDS = ["random", "bayes", "evolution"]


class ToyError(Exception):
    """An estimator's own exception type, to check it comes out unchanged."""


class Bowl(BaseEstimator):
    """Score ``-(x - 0.3)^2``; fails for ``x > fail_above``; counts its fits."""

    fits: list = []

    def __init__(self, x=0.0, fail_above=np.inf, inf_above=np.inf, sleep=0.0):
        self.x = x
        self.fail_above = fail_above
        self.inf_above = inf_above
        self.sleep = sleep

    def fit(self, X, y=None):
        Bowl.fits.append((self.x, len(X)))
        if self.sleep:
            time.sleep(self.sleep)
        if self.x > self.fail_above:
            raise ToyError(f"toy failure at x={self.x}")
        return self

    def score(self, X, y=None):
        if self.x > self.inf_above:
            return np.inf
        return -((self.x - 0.3) ** 2)


@pytest.fixture(autouse=True)
def _clear_fits():
    Bowl.fits.clear()


@pytest.fixture(params=IDS)
def make(request, random_search_cls):
    """A searcher factory: ``make(estimator, space, **kw)``."""

    def build(estimator, space, **kw):
        kw.setdefault("cv", CV)
        if request.param == "random":
            return random_search_cls(estimator, space, batch_size=2, **kw)
        if request.param == "bayes":
            return BayesSearchCV(estimator, space, n_points=2, **kw)
        population = min(4, kw.get("n_iter", 4))
        return EvolutionSearchCV(
            estimator,
            space,
            population_size=population,
            tournament_size=min(3, population),
            elitism=min(2, population - 1),
            **kw,
        )

    build.kind = request.param
    return build


def _spy_strategy(monkeypatch, search):
    """Record every ``tell`` the search's strategy receives."""
    told = []
    make_strategy = type(search)._make_strategy

    def wrapped(self, space, rng):
        strategy = make_strategy(self, space, rng)
        tell = strategy.tell

        def spy(points, scores):
            told.append((np.array(points), np.array(scores, dtype=float)))
            return tell(points, scores)

        strategy.tell = spy
        return strategy

    monkeypatch.setattr(type(search), "_make_strategy", wrapped)
    return told


def _candidate_fits():
    """Fits of CV folds (half the data), excluding the final refit."""
    return [x for x, n in Bowl.fits if n < len(X)]


# -- seeding -------------------------------------------------------------------
def test_initial_params_come_first_and_are_told(make, monkeypatch):
    seeds = [{"x": 0.25}, {"x": 0.9}, {"x": 0.05}]
    search = make(Bowl(), {"x": uniform(0, 1)}, n_iter=8, random_state=0)
    search.set_params(initial_params=seeds)
    told = _spy_strategy(monkeypatch, search)
    search.fit(X)
    params = search.cv_results_["params"]
    assert params[:3] == seeds
    assert len(params) == 8
    told_points = np.vstack([p for p, _ in told])
    np.testing.assert_allclose(told_points[:3, 0], [0.25, 0.9, 0.05])
    told_scores = np.concatenate([s for _, s in told])
    np.testing.assert_allclose(told_scores, search.cv_results_["mean_test_score"])
    # Seeds count towards the budget and are never evaluated twice.
    assert len(set(_candidate_fits())) == 8


def test_more_seeds_than_budget_and_duplicate_seeds(make):
    seeds = [{"x": 0.1}, {"x": 0.1}, {"x": 0.2}, {"x": 0.4}]
    search = make(Bowl(), {"x": [0.1, 0.2, 0.4, 0.8]}, n_iter=2, random_state=0)
    search.set_params(initial_params=seeds).fit(X)
    assert search.cv_results_["params"] == [{"x": 0.1}, {"x": 0.2}]
    assert sorted(_candidate_fits()) == [0.1, 0.1, 0.2, 0.2]


def test_a_good_seed_helps(make):
    """A seed at the optimum makes it the best candidate."""
    search = make(Bowl(), {"x": uniform(0, 1)}, n_iter=6, random_state=1)
    search.set_params(initial_params=[{"x": 0.3}]).fit(X)
    assert search.best_params_ == {"x": 0.3}
    assert search.best_score_ == 0.0


# -- warm start ----------------------------------------------------------------
def test_warm_start_continues_without_refitting(make, monkeypatch):
    search = make(
        Bowl(), {"x": uniform(0, 1)}, n_iter=6, random_state=0, warm_start=True
    )
    search.fit(X)
    first = {k: np.array(v, dtype=object) for k, v in search.cv_results_.items()}
    first_params = list(search.cv_results_["params"])
    Bowl.fits.clear()
    told = _spy_strategy(monkeypatch, search)
    search.set_params(n_iter=10).fit(X)
    results = search.cv_results_
    assert len(results["params"]) == 10
    assert results["params"][:6] == first_params
    for key in ("mean_test_score", "split0_test_score", "mean_fit_time"):
        np.testing.assert_array_equal(results[key][:6], first[key].astype(float))
    # Only the 4 new candidates were fitted (twice each, one per split).
    new = _candidate_fits()
    assert len(new) == 4 * N_SPLITS
    assert not {p["x"] for p in first_params} & set(new)
    # The strategy was told the earlier evaluations before proposing.
    assert len(told[0][0]) == 6
    # Batches continue numbering; ranks cover all candidates.
    batch = search.search_history_[search._batch_column]
    assert batch[6] == batch[5] + 1
    assert sorted(results["rank_test_score"])[0] == 1
    assert results["rank_test_score"][search.best_index_] == 1


def test_warm_start_off_starts_over(make):
    search = make(Bowl(), {"x": uniform(0, 1)}, n_iter=4, random_state=0)
    search.fit(X)
    search.set_params(n_iter=5).fit(X)
    assert len(search.cv_results_["params"]) == 5
    assert len(_candidate_fits()) == (4 + 5) * N_SPLITS


def test_warm_start_with_nothing_left_keeps_results(make):
    search = make(
        Bowl(), {"x": uniform(0, 1)}, n_iter=4, random_state=0, warm_start=True
    )
    search.fit(X)
    before = search.cv_results_["mean_test_score"].copy()
    Bowl.fits.clear()
    search.fit(X)
    np.testing.assert_array_equal(search.cv_results_["mean_test_score"], before)
    # fit() must evaluate something: only the best candidate is scored again.
    assert len(_candidate_fits()) == N_SPLITS


def test_warm_start_refuses_changed_settings(make):
    search = make(
        Bowl(), {"x": uniform(0, 1)}, n_iter=3, random_state=0, warm_start=True
    )
    search.fit(X)
    search.set_params(estimator=Bowl(fail_above=0.5), n_iter=4)
    with pytest.raises(ValueError, match="warm_start.*estimator"):
        search.fit(X)
    search.set_params(estimator=Bowl(), cv=KFold(3))
    with pytest.raises(ValueError, match="warm_start"):
        search.fit(X)


# -- max_time ------------------------------------------------------------------
def test_max_time_stops_after_the_batch_in_flight(make):
    search = make(Bowl(sleep=0.02), {"x": uniform(0, 1)}, n_iter=200, random_state=0)
    search.set_params(max_time=0.3)
    start = time.monotonic()
    search.fit(X)
    elapsed = time.monotonic() - start
    assert 2 <= search.n_evaluated_ < 200
    assert search._stopped_by_ == "max_time"
    assert hasattr(search, "best_estimator_")
    assert elapsed < 10


def test_tiny_max_time_still_evaluates_one_batch(make):
    search = make(Bowl(), {"x": uniform(0, 1)}, n_iter=50, random_state=0)
    search.set_params(max_time=1e-9).fit(X)
    # One batch: for Bayes the whole initial design, which is fixed in advance.
    assert 1 <= search.n_evaluated_ <= 10
    assert set(search.search_history_[search._batch_column]) == {0}
    assert search.best_params_ == search.cv_results_["params"][search.best_index_]


@pytest.mark.parametrize("bad", [0, -1.0, "10"])
def test_invalid_max_time(make, bad):
    search = make(Bowl(), {"x": [0.1]}, n_iter=1, max_time=bad)
    with pytest.raises((ValueError, TypeError), match="max_time"):
        search.fit(X)
    assert Bowl.fits == []


# -- failing fits ----------------------------------------------------------------
def test_some_failures_continue_and_are_told_as_nan(make, monkeypatch):
    search = make(
        Bowl(fail_above=0.6),
        {"x": uniform(0, 1)},
        n_iter=24,
        random_state=0,
        error_score=np.nan,
    )
    told = _spy_strategy(monkeypatch, search)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search.fit(X)
    assert any(issubclass(w.category, FitFailedWarning) for w in caught)
    scores = search.cv_results_["mean_test_score"]
    xs = np.array([p["x"] for p in search.cv_results_["params"]])
    assert len(scores) == 24
    np.testing.assert_array_equal(np.isnan(scores), xs > 0.6)
    assert search.best_params_["x"] <= 0.6
    # The strategy was told NaN for exactly the failures.
    told_scores = np.concatenate([s for _, s in told])
    np.testing.assert_array_equal(np.isnan(told_scores), xs > 0.6)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.FitFailedWarning")
@pytest.mark.filterwarnings("ignore:One or more of the (test|train) scores:UserWarning")
@pytest.mark.parametrize(
    "kind",
    ["bayes", "evolution"],
)
def test_model_guided_searches_learn_to_avoid_failures(kind, random_search_cls):
    """40% of the space fails; after the first half, few proposals go there."""
    late = []
    for seed in range(3):
        if kind == "bayes":
            search = BayesSearchCV(
                Bowl(fail_above=0.6), {"x": uniform(0, 1)}, n_points=2
            )
        else:
            search = EvolutionSearchCV(
                Bowl(fail_above=0.6), {"x": uniform(0, 1)}, population_size=4
            )
        search.set_params(n_iter=24, cv=CV, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FitFailedWarning)
            search.fit(X)
        xs = np.array([p["x"] for p in search.cv_results_["params"]])
        late.append(np.mean(xs[12:] > 0.6))
    assert np.mean(late) <= 0.2, late


def test_a_single_failing_candidate_per_batch_does_not_abort(random_search_cls):
    search = random_search_cls(
        Bowl(fail_above=0.5),
        {"x": [0.1, 0.9, 0.2, 0.3]},
        n_iter=4,
        batch_size=1,
        cv=CV,
        random_state=0,
        # Without a time limit the whole grid would be one batch.
        max_time=3600,
    )
    with pytest.warns(FitFailedWarning, match="this batch failed"):
        search.fit(X)
    assert np.isnan(search.cv_results_["mean_test_score"]).sum() == 1
    assert search.best_params_ == {"x": 0.3}


def test_all_failing_raises_like_scikit_learn(make):
    search = make(Bowl(fail_above=-1), {"x": uniform(0, 1)}, n_iter=6)
    with pytest.raises(ValueError, match=r"All the 12 fits failed") as info:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FitFailedWarning)
            search.fit(X)
    assert "toy failure" in str(info.value)
    assert "error_score='raise'" in str(info.value)


def test_all_failing_with_numeric_error_score_raises_too(make):
    search = make(Bowl(fail_above=-1), {"x": uniform(0, 1)}, n_iter=4)
    search.set_params(error_score=-1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitFailedWarning)
        with pytest.raises(ValueError, match="All the 8 fits failed"):
            search.fit(X)


def test_error_score_raise_raises_the_estimator_error(make):
    search = make(Bowl(fail_above=0.0), {"x": uniform(0.5, 1)}, n_iter=4)
    search.set_params(error_score="raise")
    with pytest.raises(ToyError, match="toy failure at x="):
        search.fit(X)
    assert len(Bowl.fits) == 1  # the very first fit raised, nothing after it


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.FitFailedWarning")
@pytest.mark.filterwarnings("ignore:One or more of the (test|train) scores:UserWarning")
# scikit-learn's std of infinite scores
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_infinite_scores_are_failures(make, monkeypatch):
    search = make(Bowl(inf_above=0.7), {"x": uniform(0, 1)}, n_iter=16, random_state=0)
    told = _spy_strategy(monkeypatch, search)
    search.fit(X)
    results = search.cv_results_
    xs = np.array([p["x"] for p in results["params"]])
    assert (xs > 0.7).any()
    assert np.isinf(results["mean_test_score"][xs > 0.7]).all()
    # Never the best, ranked last, and NaN for the strategy.
    assert search.best_params_["x"] <= 0.7
    assert np.isfinite(search.best_score_)
    worst = results["rank_test_score"].max()
    assert (results["rank_test_score"][xs > 0.7] == worst).all()
    told_scores = np.concatenate([s for _, s in told])
    np.testing.assert_array_equal(np.isnan(told_scores), xs > 0.7)


# -- incremental cv_results_ formatting -----------------------------------------
class Mixed(BaseEstimator):
    """Takes parameters of mixed types; fails for one of them."""

    def __init__(self, a=0.0, b=None, c="x", d=1):
        self.a, self.b, self.c, self.d = a, b, c, d

    def fit(self, X, y=None):
        if self.c == "bad":
            raise ToyError("bad c")
        return self

    def score(self, X, y=None):
        return float(self.a) + (self.b is None) + 0.1 * float(self.d)


def _mixed_search(random_search_cls, **kw):
    space = [
        {"a": uniform(0, 1), "b": [None, 1, "two"], "d": [1, 2, 3]},
        {"c": ["x", "bad", "y"], "d": [1.5, 2.5]},
        {"a": [1, 2], "c": ["z"]},
    ]
    return random_search_cls(
        Mixed(),
        space,
        n_iter=30,
        batch_size=1,
        cv=CV,
        random_state=0,
        return_train_score=True,
        scoring={"s": lambda est, X, y=None: est.score(X), "t": _neg},
        refit="s",
        **kw,
    )


def _neg(est, X, y=None):
    return -est.score(X)


def test_incremental_formatting_equals_full_formatting(random_search_cls, monkeypatch):
    import skhypertune._search as loop

    appended = []
    real = loop._append_formatted

    def spy(*args):
        merged = real(*args)
        appended.append(merged is not None)
        return merged

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        monkeypatch.setattr(loop, "_append_formatted", spy)
        fast = _mixed_search(random_search_cls).fit(X).cv_results_
        monkeypatch.setattr(loop, "_append_formatted", lambda *a: None)
        full = _mixed_search(random_search_cls).fit(X).cv_results_
    assert sum(appended) >= 20  # batches after the first were appended
    assert list(fast) == list(full)  # same columns, same order
    assert np.isnan(full["mean_test_s"]).any()
    for key, expected in full.items():
        if key.endswith("_time"):
            continue
        got = fast[key]
        if key == "params":
            assert got == expected
        elif key.startswith("param_"):
            assert got.dtype == expected.dtype, key
            np.testing.assert_array_equal(np.ma.getmaskarray(got), expected.mask)
            assert got.compressed().tolist() == expected.compressed().tolist(), key
        else:
            assert got.dtype == expected.dtype, key
            np.testing.assert_array_equal(got, expected, err_msg=key)


def test_formatting_cache_is_not_pickled(random_search_cls):
    import pickle

    search = random_search_cls(Bowl(), {"x": uniform(0, 1)}, n_iter=4, cv=CV)
    search._format_cache = ("large",)
    assert "_format_cache" not in pickle.loads(pickle.dumps(search)).__dict__


def test_append_falls_back_when_a_column_turns_to_objects():
    from skhypertune._search import _append_formatted

    def formatted(values):
        column = np.ma.MaskedArray(np.array(values), mask=False)
        return {
            "mean_test_score": np.zeros(len(values)),
            "param_b": column,
            "params": [{"b": v} for v in values],
            "rank_test_score": np.ones(len(values), dtype=np.int32),
        }

    prev, new = formatted([1.0, 2.0]), formatted(["two"])
    new["param_b"] = new["param_b"].astype(object)
    assert _append_formatted(prev, new, prev["params"] + new["params"], 2) is None
    merged = _append_formatted(new, formatted([1]), [{"b": "two"}, {"b": 1}], 1)
    assert merged["param_b"].dtype == object
    assert merged["param_b"].tolist() == ["two", 1]
    merged = _append_formatted(formatted([1]), formatted([2.5]), [{}, {}], 1)
    assert merged["param_b"].dtype == np.float64
    assert list(merged) == ["mean_test_score", "param_b", "params", "rank_test_score"]
