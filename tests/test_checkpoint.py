"""Checkpoint and resume: nothing finished is lost, nothing is fitted twice."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings

import numpy as np
import pytest
from scipy.stats import loguniform, uniform
from sklearn.base import BaseEstimator
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.svm import SVC

from skhypertune import BayesSearchCV, EvolutionSearchCV
from skhypertune.checkpoint import Checkpoint, read_checkpoint
from skhypertune.space import SearchSpace

X = np.arange(40, dtype=float).reshape(20, 2)
CV = KFold(2)
N_SPLITS = 2
TESTS_DIR = os.path.dirname(os.path.abspath(__file__))


class Logged(BaseEstimator):
    """Score ``-(x - 0.3)^2``. Logs each fit to ``$CKPT_FIT_LOG`` (any process).

    ``$CKPT_SLEEP`` slows fits down, ``interrupt_at`` raises KeyboardInterrupt
    at that fit number; neither is a parameter, so they do not change the
    search's settings.
    """

    fits: list = []
    interrupt_at = None

    def __init__(self, x=0.0, fail_above=np.inf):
        self.x = x
        self.fail_above = fail_above

    def fit(self, X, y=None):
        Logged.fits.append((self.x, len(X)))
        if Logged.interrupt_at is not None and len(Logged.fits) >= Logged.interrupt_at:
            raise KeyboardInterrupt
        log = os.environ.get("CKPT_FIT_LOG")
        if log:
            with open(log, "a") as f:
                f.write(f"{self.x!r} {len(X)}\n")
        time.sleep(float(os.environ.get("CKPT_SLEEP", "0")))
        if self.x > self.fail_above:
            raise ValueError("logged failure")
        return self

    def score(self, X, y=None):
        return -((self.x - 0.3) ** 2)


@pytest.fixture(autouse=True)
def _reset():
    Logged.fits.clear()
    Logged.interrupt_at = None
    yield
    Logged.interrupt_at = None


def _with_checkpoint(search, path):
    if "checkpoint" in search.get_params():
        return search.set_params(checkpoint=str(path))
    search.checkpoint = str(path)  # until every searcher lists the parameter
    return search


def _make(kind, random_search_cls, estimator, space, path, **kw):
    kw.setdefault("cv", CV)
    kw.setdefault("random_state", 0)
    if kind == "random":
        search = random_search_cls(estimator, space, batch_size=2, **kw)
    elif kind == "bayes":
        search = BayesSearchCV(estimator, space, n_points=2, **kw)
    else:
        search = EvolutionSearchCV(estimator, space, population_size=4, **kw)
    return _with_checkpoint(search, path)


def _records(path):
    with open(path) as f:
        lines = [json.loads(line) for line in f]
    return lines[0], lines[1:]


def _candidate_fits():
    return [x for x, n in Logged.fits if n < len(X)]


@pytest.mark.parametrize("kind", ["random", "bayes", "evolution"])
def test_every_searcher_takes_checkpoint(kind):
    cls = {"bayes": BayesSearchCV, "evolution": EvolutionSearchCV}.get(kind)
    if cls is None:
        pytest.skip("the test searcher of conftest")
    assert "checkpoint" in cls(Logged(), {"x": [0.1]}).get_params()


# -- resume --------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["random", "bayes", "evolution"])
def test_resume_skips_recorded_candidates(kind, random_search_cls, tmp_path):
    path = tmp_path / "run.jsonl"
    space = {"x": uniform(0, 1)}
    first = _make(kind, random_search_cls, Logged(), space, path, n_iter=8).fit(X)
    header, records = _records(path)
    assert header["format"] == "skhypertune-checkpoint"
    assert len(records) == 8
    for record, params in zip(records, first.cv_results_["params"]):
        assert record["params"] == params
        assert record["results"]["mean_test_score"] == pytest.approx(
            -((params["x"] - 0.3) ** 2)
        )

    Logged.fits.clear()
    again = _make(kind, random_search_cls, Logged(), space, path, n_iter=12).fit(X)
    results = again.cv_results_
    assert len(results["params"]) == 12
    assert results["params"][:8] == first.cv_results_["params"]
    for key in first.cv_results_:
        if key.startswith(("split", "mean_", "std_")):
            np.testing.assert_array_equal(results[key][:8], first.cv_results_[key])
    for key, column in first.search_history_.items():
        np.testing.assert_array_equal(again.search_history_[key][:8], column)
    recorded = {p["x"] for p in first.cv_results_["params"]}
    fitted = _candidate_fits()
    assert len(fitted) == 4 * N_SPLITS
    assert not recorded & set(fitted)
    assert len(_records(path)[1]) == 12
    assert again.best_index_ == int(np.argmax(results["mean_test_score"]))


class Knobs(BaseEstimator):
    """A free estimator with LogisticRegression-like parameters."""

    def __init__(self, C=1.0, class_weight=None, fit_intercept=True):
        self.C = C
        self.class_weight = class_weight
        self.fit_intercept = fit_intercept

    def fit(self, X, y=None):
        return self

    def score(self, X, y=None):
        return -abs(np.log(self.C)) + (self.class_weight is None)


def test_resume_with_objects_and_a_conditional_space(random_search_cls, tmp_path):
    """Values JSON cannot hold come back through the space, not through JSON."""
    space = [
        {"C": loguniform(1e-2, 1e2), "class_weight": [None, {0: 1, 1: 2}]},
        {"C": [0.5, 2.0], "fit_intercept": [True, False]},
    ]
    path = tmp_path / "run.jsonl"
    kw = {"n_iter": 6, "random_state": 1, "cv": CV}
    first = random_search_cls(Knobs(), space, **kw)
    _with_checkpoint(first, path).fit(X)
    kw["n_iter"] = 9
    again = _with_checkpoint(random_search_cls(Knobs(), space, **kw), path)
    again.fit(X)
    assert again.cv_results_["params"][:6] == first.cv_results_["params"]
    assert len(again.cv_results_["params"]) == 9

    class Picks(BaseEstimator):
        def __init__(self, model=None):
            self.model = model

    path2 = tmp_path / "objects.jsonl"
    picks = {"model": [LogisticRegression(C=0.5), SVC(kernel="linear")]}
    ckpt = Checkpoint(path2, {"searcher": "t"}, SearchSpace(picks))
    space = ckpt.space
    ckpt.append(space.snap([[0.2], [0.8]]), {"mean_test_score": [0.5, 0.7]})
    ckpt.close()
    with Checkpoint(path2, {"searcher": "t"}, space) as reread:
        models = [p["model"] for p in reread.results["params"]]
    assert [type(m).__name__ for m in models] == ["LogisticRegression", "SVC"]
    assert models[0].C == 0.5
    assert _records(path2)[1][1]["params"]["model"].startswith("SVC(")


def test_one_fsync_per_batch(random_search_cls, tmp_path, monkeypatch):
    calls = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (calls.append(fd), real(fd)))
    search = _make(
        "random", random_search_cls, Logged(), {"x": uniform(0, 1)}, tmp_path / "c"
    )
    search.set_params(n_iter=7).fit(X)
    assert len(calls) == 1 + 4  # header, then batches of 2, 2, 2, 1


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.FitFailedWarning")
@pytest.mark.filterwarnings("ignore:One or more of the (test|train) scores:UserWarning")
def test_failures_and_all_columns_are_recorded(random_search_cls, tmp_path):
    path = tmp_path / "run.jsonl"
    kw = dict(n_iter=6, return_train_score=True)
    est = Logged(fail_above=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitFailedWarning)
        first = _make(
            "random", random_search_cls, est, {"x": uniform(0, 1)}, path, **kw
        )
        first.fit(X)
        _, records = _records(path)
        columns = {k for k in first.cv_results_ if not k.startswith(("param", "rank_"))}
        # The checkpoint also keeps the batch, which fitted search_history_.
        assert set(records[0]["results"]) == columns | {"batch"}
        assert "split1_train_score" in columns and "batch" in first.search_history_
        again = _make(
            "random", random_search_cls, est, {"x": uniform(0, 1)}, path, **kw
        )
        again.fit(X)
    scores = again.cv_results_["mean_test_score"]
    np.testing.assert_array_equal(scores, first.cv_results_["mean_test_score"])
    assert np.isnan(scores).any() and not np.isnan(scores).all()
    np.testing.assert_array_equal(
        again.cv_results_["rank_test_score"], first.cv_results_["rank_test_score"]
    )


def test_warm_start_into_a_new_checkpoint_writes_the_earlier_results(
    random_search_cls, tmp_path
):
    search = random_search_cls(
        Logged(), {"x": uniform(0, 1)}, n_iter=4, cv=CV, random_state=0
    )
    search.set_params(warm_start=True).fit(X)
    path = tmp_path / "later.jsonl"
    _with_checkpoint(search, path).set_params(n_iter=6).fit(X)
    _, records = _records(path)
    assert [r["params"] for r in records] == search.cv_results_["params"]


# -- damaged and foreign files -------------------------------------------------
def test_torn_last_line_is_ignored_with_a_warning(random_search_cls, tmp_path):
    path = tmp_path / "run.jsonl"
    space = {"x": uniform(0, 1)}
    _make("random", random_search_cls, Logged(), space, path, n_iter=4).fit(X)
    with open(path, "a") as f:
        f.write('{"point": [0.5], "params": {"x": 0.5}, "resu')
    Logged.fits.clear()
    with pytest.warns(UserWarning, match="torn last line"):
        again = _make("random", random_search_cls, Logged(), space, path, n_iter=6)
        again.fit(X)
    assert len(_candidate_fits()) == 2 * N_SPLITS
    _, records = _records(path)  # every line parses again
    assert len(records) == 6


def test_torn_header_starts_over(random_search_cls, tmp_path):
    path = tmp_path / "run.jsonl"
    path.write_text('{"format": "skhypertune-che')
    with pytest.warns(UserWarning, match="torn"):
        _make(
            "random", random_search_cls, Logged(), {"x": [0.1, 0.2]}, path, n_iter=2
        ).fit(X)
    assert len(_records(path)[1]) == 2


def test_corrupt_middle_line_is_refused(random_search_cls, tmp_path):
    path = tmp_path / "run.jsonl"
    space = {"x": uniform(0, 1)}
    _make("random", random_search_cls, Logged(), space, path, n_iter=4).fit(X)
    lines = path.read_text().splitlines()
    lines[2] = lines[2][:10]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match="checkpoint.*corrupt at line 3"):
        _make("random", random_search_cls, Logged(), space, path, n_iter=6).fit(X)


def test_a_file_that_is_not_a_checkpoint_is_not_overwritten(
    random_search_cls, tmp_path
):
    path = tmp_path / "data.csv"
    path.write_text("a,b\n1,2\n")
    search = _make("random", random_search_cls, Logged(), {"x": [0.1]}, path)
    with pytest.raises(ValueError, match="checkpoint.*not a skhypertune"):
        search.set_params(n_iter=1).fit(X)
    assert path.read_text() == "a,b\n1,2\n"
    assert Logged.fits == []


@pytest.mark.parametrize(
    "change, named",
    [
        ({"estimator": Logged(fail_above=2.0)}, "estimator"),
        ({"param_distributions": {"x": uniform(0, 2)}}, "param_distributions"),
        ({"cv": KFold(3)}, "cv"),
        ({"scoring": "r2"}, "scoring"),
        ({"random_state": 1}, "random_state"),
        ({"batch_size": 3}, "batch_size"),
        ({"error_score": -1.0}, "error_score"),
    ],
)
def test_other_settings_are_refused(random_search_cls, tmp_path, change, named):
    path = tmp_path / "run.jsonl"
    kw = {"n_iter": 2}
    _make("random", random_search_cls, Logged(), {"x": uniform(0, 1)}, path, **kw)
    search = _make(
        "random", random_search_cls, Logged(), {"x": uniform(0, 1)}, path, **kw
    )
    search.fit(X)
    before = path.read_text()
    Logged.fits.clear()
    search.set_params(**change, n_iter=4)
    with pytest.raises(ValueError, match=f"checkpoint .*different settings.*{named}"):
        search.fit(X)
    assert Logged.fits == []
    assert path.read_text() == before


def test_other_data_is_refused_but_budget_and_parallelism_may_change(
    random_search_cls, tmp_path
):
    path = tmp_path / "run.jsonl"
    space = {"x": uniform(0, 1)}
    _make("random", random_search_cls, Logged(), space, path, n_iter=2).fit(X)
    search = _make(
        "random", random_search_cls, Logged(), space, path, n_iter=3, verbose=0
    )
    search.set_params(n_jobs=1, max_time=100.0).fit(X)
    assert search.n_evaluated_ == 3
    with pytest.raises(ValueError, match="checkpoint .*different settings.*data"):
        search.fit(X + 1)


def test_a_checkpoint_in_use_is_refused(random_search_cls, tmp_path):
    pytest.importorskip("fcntl")
    path = tmp_path / "run.jsonl"
    space = SearchSpace({"x": [0.1, 0.2]})
    with Checkpoint(path, {"searcher": "t"}, space):
        with pytest.raises(ValueError, match="checkpoint .*in use"):
            Checkpoint(path, {"searcher": "t"}, space)
    Checkpoint(path, {"searcher": "t"}, space).close()  # free again


def test_invalid_checkpoint_parameter(random_search_cls):
    search = random_search_cls(Logged(), {"x": [0.1]}, n_iter=1, cv=CV)
    with pytest.raises(ValueError, match="checkpoint"):
        search.set_params(checkpoint=5).fit(X)
    with pytest.raises(ValueError, match="checkpoint"):
        search.set_params(checkpoint="").fit(X)
    assert Logged.fits == []


# -- interruptions -------------------------------------------------------------
def test_keyboard_interrupt_during_a_fit_keeps_the_checkpoint_consistent(
    random_search_cls, tmp_path
):
    path = tmp_path / "run.jsonl"
    space = {"x": uniform(0, 1)}
    Logged.interrupt_at = 11  # during the 3rd batch (4 fits per batch)
    search = _make("random", random_search_cls, Logged(), space, path, n_iter=10)
    with pytest.raises(KeyboardInterrupt):
        search.fit(X)
    header, records = read_checkpoint(path)[:2]
    assert len(records) == 4  # two whole batches, nothing of the third
    kept = [r["params"]["x"] for r in records]

    Logged.interrupt_at = None
    Logged.fits.clear()
    search.fit(X)
    assert [p["x"] for p in search.cv_results_["params"][:4]] == kept
    assert len(search.cv_results_["params"]) == 10
    assert not set(kept) & set(_candidate_fits())
    assert len(_candidate_fits()) == 6 * N_SPLITS


def test_keyboard_interrupt_in_a_callback_keeps_the_finished_batch(
    random_search_cls, tmp_path
):
    def interrupt(state):
        if state.n_evaluated >= 4:
            raise KeyboardInterrupt

    path = tmp_path / "run.jsonl"
    search = _make(
        "random", random_search_cls, Logged(), {"x": uniform(0, 1)}, path, n_iter=8
    )
    with pytest.raises(KeyboardInterrupt):
        search.set_params(callbacks=[interrupt]).fit(X)
    assert len(_records(path)[1]) == 4


SCRIPT = textwrap.dedent(
    """
    import sys
    import numpy as np
    from scipy.stats import uniform
    from sklearn.model_selection import KFold
    sys.path.insert(0, {tests!r})
    from test_checkpoint import Logged, X, _with_checkpoint
    from skhypertune import BayesSearchCV
    search = BayesSearchCV(Logged(), {{"x": uniform(0, 1)}}, n_iter=24, n_points=2,
                           n_initial_points=4, cv=KFold(2), random_state=0)
    _with_checkpoint(search, {path!r}).fit(X)
    """
)


def _kill_when_recorded(proc, path, n_records: int, poll: float) -> None:
    """SIGKILL ``proc`` once the checkpoint at ``path`` holds ``n_records``.

    Polls rather than sleeping a fixed time, so a slow machine changes only
    when the kill comes, never whether the file is far enough along.
    """
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if path.exists() and path.read_text().count("\n") >= 1 + n_records:
                break
            assert proc.poll() is None, "the search ended before it was killed"
            time.sleep(poll)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL


def test_sigkill_mid_run_then_resume(tmp_path, monkeypatch):
    """A killed process loses at most its batch in flight; nothing is re-fitted."""
    path = tmp_path / "run.jsonl"
    child_log = tmp_path / "child_fits.log"
    env = {**os.environ, "CKPT_FIT_LOG": str(child_log), "CKPT_SLEEP": "0.05"}
    script = SCRIPT.format(tests=TESTS_DIR, path=str(path))
    proc = subprocess.Popen([sys.executable, "-c", script], env=env)
    _kill_when_recorded(proc, path, 6, poll=0.02)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a torn line is allowed
        _, before, _ = read_checkpoint(path)
    assert 6 <= len(before) < 24
    child_fits = child_log.read_text().split()
    assert len(child_fits) // 2 >= len(before) * N_SPLITS

    resume_log = tmp_path / "resume_fits.log"
    monkeypatch.setenv("CKPT_FIT_LOG", str(resume_log))
    monkeypatch.setenv("CKPT_SLEEP", "0")
    search = BayesSearchCV(
        Logged(),
        {"x": uniform(0, 1)},
        n_iter=24,
        n_points=2,
        n_initial_points=4,
        cv=KFold(2),
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        _with_checkpoint(search, path).fit(X)
    results = {**search.cv_results_, **search.search_history_}
    assert len(results["params"]) == 24
    for i, record in enumerate(before):
        assert results["params"][i] == record["params"]
        for key, value in record["results"].items():
            assert results[key][i] == value, (i, key)
    # The resumed run fitted only new candidates (and the final refit on all X).
    resumed = [line.split() for line in resume_log.read_text().splitlines()]
    refit = [x for x, n in resumed if int(n) == len(X)]
    fitted = {float(x) for x, n in resumed if int(n) < len(X)}
    assert len(refit) == 1
    assert not fitted & {r["params"]["x"] for r in before}
    assert len(fitted) == 24 - len(before)


def test_checkpoint_with_parallel_workers(tmp_path):
    """scikit-learn >= 1.9 pickles the running search for its workers."""
    from scipy.stats import loguniform as logu
    from sklearn.linear_model import Ridge

    rng = np.random.RandomState(0)
    Xr, yr = rng.rand(30, 3), rng.rand(30)
    runs = []
    for n_jobs in (1, 2):
        path = tmp_path / f"run{n_jobs}.jsonl"
        search = BayesSearchCV(
            Ridge(), {"alpha": logu(1e-3, 1e3)}, n_iter=4, n_points=2, cv=CV
        )
        search.set_params(n_jobs=n_jobs, random_state=0)
        _with_checkpoint(search, path).fit(Xr, yr)
        runs.append([r["results"]["mean_test_score"] for r in _records(path)[1]])
    assert runs[0] == runs[1]
    assert len(runs[0]) == 4


# -- halving searches ------------------------------------------------------------
def _halving(kind, path, **kw):
    from skhypertune import HalvingRandomSearchCV, HyperbandSearchCV

    space = {"x": uniform(0, 1)}
    kw = {"cv": CV, "random_state": 0, "checkpoint": path, "factor": 2, **kw}
    if kind == "halving":
        return HalvingRandomSearchCV(Logged(), space, n_candidates=12, **kw)
    return HyperbandSearchCV(
        Logged(),
        space,
        min_resources=4,
        sampler="bayes",
        n_rounds=2,
        **kw,
    )


_HALVING_COLUMNS = ("mean_test_score", "split0_test_score", "iter", "n_resources")
# Enough rows for several halving iterations on subsamples.
X_BIG = np.arange(160, dtype=float).reshape(80, 2)


def _assert_same_rows(search, reference):
    for key in _HALVING_COLUMNS:
        np.testing.assert_array_equal(
            search.cv_results_[key], reference.cv_results_[key], err_msg=key
        )


@pytest.mark.parametrize("kind", ["halving", "hyperband"])
def test_halving_resume_replays_the_finished_iterations(kind, tmp_path):
    reference = _halving(kind, None).fit(X_BIG)
    n_fits = len(Logged.fits)
    assert n_fits > 20

    path = str(tmp_path / "run.jsonl")
    Logged.fits.clear()
    # A KeyboardInterrupt in the middle of an iteration: halving's second,
    # a bracket of Hyperband's second round (whose model-guided candidates
    # then depend on replayed scores).
    n_first = int(np.sum(reference.cv_results_["iter"] == 0))
    Logged.interrupt_at = n_first * N_SPLITS + 3 if kind == "halving" else n_fits // 2
    with pytest.raises(KeyboardInterrupt):
        _halving(kind, path).fit(X_BIG)
    n_stored = len(_records(path)[1])
    assert 0 < n_stored < len(reference.cv_results_["params"])

    Logged.fits.clear()
    Logged.interrupt_at = None
    resumed = _halving(kind, path).fit(X_BIG)
    _assert_same_rows(resumed, reference)
    assert resumed.cv_results_["params"] == reference.cv_results_["params"]
    assert resumed.best_params_ == reference.best_params_
    assert resumed.n_candidates_ == reference.n_candidates_
    # Only what the checkpoint did not hold was fitted (plus the final refit).
    assert len(Logged.fits) == n_fits - n_stored * N_SPLITS
    assert len(_records(path)[1]) == len(reference.cv_results_["params"])

    # A third fit finds everything stored: one candidate is scored again.
    Logged.fits.clear()
    again = _halving(kind, path).fit(X_BIG)
    assert len(Logged.fits) == N_SPLITS + 1
    _assert_same_rows(again, reference)
    assert again.best_index_ == reference.best_index_


@pytest.mark.parametrize("kind", ["halving", "hyperband"])
@pytest.mark.parametrize("random_state", [None, np.random.RandomState(0)])
def test_halving_checkpoint_needs_an_int_random_state(kind, random_state, tmp_path):
    search = _halving(kind, str(tmp_path / "r.jsonl"), random_state=random_state)
    with pytest.raises(ValueError, match="checkpoint needs random_state to be an int"):
        search.fit(X_BIG)
    assert not Logged.fits
    assert not (tmp_path / "r.jsonl").exists()


def test_halving_refuses_a_checkpoint_of_other_settings(tmp_path):
    path = str(tmp_path / "run.jsonl")
    _halving("halving", path).fit(X_BIG)
    Logged.fits.clear()
    with pytest.raises(ValueError, match="different settings.*factor"):
        _halving("halving", path, factor=3).fit(X_BIG)
    assert not Logged.fits


def test_halving_resume_from_part_of_an_iteration(tmp_path):
    """A file cut inside an iteration: its stored candidates are not refitted."""
    path = tmp_path / "run.jsonl"
    reference = _halving("halving", str(path)).fit(X_BIG)
    lines = path.read_text().splitlines(keepends=True)
    n_first = int(np.sum(reference.cv_results_["iter"] == 0))
    n_keep = n_first + 2  # all of iteration 0 and 2 candidates of iteration 1
    path.write_text("".join(lines[: 1 + n_keep]))

    Logged.fits.clear()
    resumed = _halving("halving", str(path)).fit(X_BIG)
    _assert_same_rows(resumed, reference)
    n_total = len(reference.cv_results_["params"])
    assert len(Logged.fits) == (n_total - n_keep) * N_SPLITS + 1


class HangsAt(Logged):
    """Logged, except that fit number ``$CKPT_HANG_AT`` of a process never ends.

    The killed process below hangs there, so it cannot finish before the
    test kills it, however slow the machine.
    """

    def fit(self, X, y=None):
        super().fit(X, y)
        if len(Logged.fits) == int(os.environ.get("CKPT_HANG_AT", "0")):
            time.sleep(600)
        return self


HALVING_SCRIPT = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {tests!r})
    from test_checkpoint import X_BIG, HangsAt, _halving
    search = _halving({kind!r}, {path!r}, **{kwargs!r})
    search.set_params(estimator=HangsAt()).fit(X_BIG)
    """
)
# Hyperband as model-guided successive halving (one bracket a round, the
# second round proposed by the Gaussian process): 62 rows instead of 154.
_KILLED = {"halving": {}, "hyperband": {"n_brackets": 1}}


def _fitted_pairs(log) -> list[tuple[float, int]]:
    """(x, training samples) of each CV fit in a fit log, without the refit."""
    pairs = [line.split() for line in log.read_text().splitlines()]
    return [(float(x), int(n)) for x, n in pairs if int(n) < len(X_BIG)]


def _trained_on(n_resources) -> int:
    """Training samples of a fit with ``n_resources`` of X_BIG, with KFold(2).

    Each iteration subsamples every fold to its share of the data.
    """
    return int(n_resources / len(X_BIG) * (len(X_BIG) // N_SPLITS))


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["halving", "hyperband"])
def test_halving_sigkill_mid_run_then_resume(kind, tmp_path, monkeypatch):
    """A killed halving search resumes: same results, no recorded fit again."""
    kwargs = _KILLED[kind]
    monkeypatch.setenv("CKPT_SLEEP", "0")
    monkeypatch.delenv("CKPT_FIT_LOG", raising=False)
    monkeypatch.delenv("CKPT_HANG_AT", raising=False)
    reference = _halving(kind, None, **kwargs).set_params(estimator=HangsAt())
    reference.fit(X_BIG)
    n_total = len(reference.cv_results_["params"])
    n_first = reference.n_candidates_[0]
    n_first = n_first if kind == "halving" else n_first[0]

    path = tmp_path / "run.jsonl"
    child_log = tmp_path / "child_fits.log"
    env = {
        **os.environ,
        "CKPT_FIT_LOG": str(child_log),
        "CKPT_SLEEP": "0.01",
        "CKPT_HANG_AT": str(n_total * N_SPLITS),  # the last CV fit
    }
    script = HALVING_SCRIPT.format(
        tests=TESTS_DIR, kind=kind, path=str(path), kwargs=kwargs
    )
    proc = subprocess.Popen([sys.executable, "-c", script], env=env)
    # Killed once the first iteration is on disk (usually during the second),
    # so that the resumed fit replays a whole iteration and the promotions
    # that follow from it.
    _kill_when_recorded(proc, path, n_first, poll=0.005)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a torn line is allowed
        _, before, _ = read_checkpoint(path)
    assert n_first <= len(before) < n_total
    recorded = [
        (r["params"]["x"], _trained_on(r["results"]["n_resources"])) for r in before
    ]
    assert set(recorded) <= set(_fitted_pairs(child_log))

    resume_log = tmp_path / "resume_fits.log"
    monkeypatch.setenv("CKPT_FIT_LOG", str(resume_log))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        resumed = _halving(kind, str(path), **kwargs)
        resumed.set_params(estimator=HangsAt()).fit(X_BIG)

    # The run an uninterrupted fit gives: rows, parameters, scores, schedule.
    _assert_same_rows(resumed, reference)
    assert resumed.cv_results_["params"] == reference.cv_results_["params"]
    assert resumed.n_candidates_ == reference.n_candidates_
    assert resumed.best_params_ == reference.best_params_
    # The rows the killed process finished come from the checkpoint, fit
    # times of its slowed-down fits included.
    results = {**resumed.cv_results_, **resumed.search_history_}
    for i, record in enumerate(before):
        assert results["params"][i] == record["params"]
        for key, value in record["results"].items():
            assert results[key][i] == value, (i, key)
    assert min(results["mean_fit_time"][: len(before)]) >= 0.01
    # Every pair the checkpoint did not hold was fitted, on each split, and
    # none that it held; then the refit.
    fitted = _fitted_pairs(resume_log)
    assert not set(fitted) & set(recorded)
    assert len(fitted) == (n_total - len(before)) * N_SPLITS
    rows = zip(results["params"], results["n_resources"])
    assert set(fitted) == {(p["x"], _trained_on(r)) for p, r in rows} - set(recorded)
    refits = [n for n in resume_log.read_text().split()[1::2] if int(n) == len(X_BIG)]
    assert len(refits) == 1


def test_hyperband_checkpoint_of_fewer_rounds_is_continued(tmp_path):
    """n_rounds is Hyperband's budget: a larger one continues the file."""
    path = str(tmp_path / "run.jsonl")
    reference = _halving("hyperband", None, n_brackets=1).fit(X_BIG)
    _halving("hyperband", path, n_brackets=1).set_params(n_rounds=1).fit(X_BIG)
    n_stored = len(_records(path)[1])
    assert n_stored == sum(reference.n_candidates_[0])

    Logged.fits.clear()
    resumed = _halving("hyperband", path, n_brackets=1).fit(X_BIG)
    _assert_same_rows(resumed, reference)
    assert resumed.cv_results_["params"] == reference.cv_results_["params"]
    n_total = len(reference.cv_results_["params"])
    assert len(Logged.fits) == (n_total - n_stored) * N_SPLITS + 1
    # A smaller n_rounds replays the first rounds of a longer file.
    Logged.fits.clear()
    shorter = _halving("hyperband", path, n_brackets=1).set_params(n_rounds=1)
    shorter.fit(X_BIG)
    assert len(shorter.cv_results_["params"]) == n_stored
    assert len(Logged.fits) == N_SPLITS + 1
    # Other settings are still refused.
    with pytest.raises(ValueError, match="different settings.*n_brackets"):
        _halving("hyperband", path, n_brackets=2).fit(X_BIG)


def test_hyperband_warm_start_into_a_new_checkpoint_writes_the_earlier_results(
    tmp_path,
):
    search = _halving("hyperband", None, n_brackets=1, warm_start=True)
    search.set_params(n_rounds=1).fit(X_BIG)
    n_earlier = len(search.cv_results_["params"])
    path = tmp_path / "later.jsonl"
    search.set_params(n_rounds=2, checkpoint=str(path)).fit(X_BIG)
    _, records = _records(path)
    assert [r["params"] for r in records] == search.cv_results_["params"]
    assert [r["results"]["bracket"] for r in records] == list(
        search.search_history_["bracket"]
    )
    assert len(records) > n_earlier
    # The file alone gives the same search again.
    Logged.fits.clear()
    again = _halving("hyperband", str(path), n_brackets=1).fit(X_BIG)
    _assert_same_rows(again, search)
    assert len(Logged.fits) == N_SPLITS + 1


def test_halving_checkpoint_finishes_a_run_max_time_ended(tmp_path):
    """HalvingRandomSearchCV has no warm_start; its checkpoint finishes a run."""
    path = str(tmp_path / "run.jsonl")
    reference = _halving("halving", None).fit(X_BIG)
    stopped = _halving("halving", path, max_time=1e-9).fit(X_BIG)
    assert stopped.n_iterations_ == 1
    n_first = len(stopped.cv_results_["params"])
    Logged.fits.clear()
    finished = _halving("halving", path).fit(X_BIG)
    _assert_same_rows(finished, reference)
    assert finished.n_candidates_ == reference.n_candidates_
    n_total = len(reference.cv_results_["params"])
    assert len(Logged.fits) == (n_total - n_first) * N_SPLITS + 1


def test_a_resumed_search_reports_seeds_exactly_as_given(tmp_path):
    # The checkpoint stores unit-cube points; decoding C=100 at the top of a
    # log-uniform range gives 99.99999908 unless the seed is looked up.
    from sklearn.datasets import make_classification

    Xc, yc = make_classification(n_samples=40, n_features=4, random_state=0)
    seed = {"C": 100.0, "gamma": 0.001}
    kw = dict(
        n_iter=4,
        cv=2,
        random_state=0,
        initial_params=[seed],
        checkpoint=str(tmp_path / "run.jsonl"),
    )
    space = {"C": loguniform(1e-2, 1e2), "gamma": loguniform(1e-4, 1e1)}
    first = BayesSearchCV(SVC(), space, **kw).fit(Xc, yc)
    resumed = BayesSearchCV(SVC(), space, **kw).fit(Xc, yc)
    assert first.cv_results_["params"][0] == seed
    assert resumed.cv_results_["params"] == first.cv_results_["params"]
    assert resumed.best_params_ == first.best_params_
