"""scikit-learn >= 1.9 callbacks (``set_callbacks``) see our searches' candidates.

The task tree is RandomizedSearchCV's (fit > search >
candidate-split-evaluation, and fit > refit-with-best-params), although our
searches evaluate candidates in several batches: scikit-learn's own callback
tests count the hooks of that tree.
"""

from collections import Counter

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import RandomizedSearchCV, StratifiedKFold

from skhypertune import BayesSearchCV, EvolutionSearchCV

sk_callback = pytest.importorskip(
    "sklearn.callback", reason="scikit-learn < 1.9 has no callback framework"
)


def get_context_path(context):
    """The task contexts from the root down to ``context``."""
    path = []
    while context is not None:
        path.append(context)
        context = context.parent
    return path[::-1]


X, y = make_classification(n_samples=60, n_features=4, random_state=0)
CV = StratifiedKFold(2)
C_VALUES = [0.01, 0.1, 1.0, 10.0]


class Recorder:
    """A custom FitCallback that records every hook call."""

    def __init__(self):
        self.events = []

    def setup(self, estimator, context):
        self.events.append(("setup", (), estimator))

    def teardown(self, estimator, context):
        self.events.append(("teardown", (), estimator))

    def on_fit_task_begin(self, estimator, context):
        path = tuple(c.task_name for c in get_context_path(context))
        self.events.append(("begin", path, estimator))

    def on_fit_task_end(self, estimator, context):
        path = tuple(c.task_name for c in get_context_path(context))
        self.events.append(("end", path, estimator))
        return False

    def leaves(self, kind):
        return [
            p
            for k, p, _ in self.events
            if k == kind and p[-1] == "candidate-split-evaluation"
        ]


def _ours(random_search_cls):
    space = {"C": C_VALUES}
    return {
        "random": random_search_cls(LogisticRegression(), space, n_iter=4, cv=CV),
        "bayes": BayesSearchCV(LogisticRegression(), space, n_iter=4, cv=CV),
        "evolution": EvolutionSearchCV(
            LogisticRegression(),
            space,
            n_iter=4,
            population_size=2,
            tournament_size=2,
            elitism=1,
            cv=CV,
        ),
    }


def _reference():
    return RandomizedSearchCV(
        LogisticRegression(), {"C": C_VALUES}, n_iter=4, cv=CV, random_state=0
    )


@pytest.mark.parametrize("kind", ["random", "bayes", "evolution"])
def test_custom_callback_sees_every_candidate_like_randomized_search(
    random_search_cls, kind
):
    ref = Recorder()
    _reference().set_callbacks(ref).fit(X, y)
    rec = Recorder()
    search = _ours(random_search_cls)[kind].set_params(random_state=0)
    search.set_callbacks(rec).fit(X, y)

    # One begin and one end per candidate and split, as for RandomizedSearchCV.
    assert len(rec.leaves("begin")) == len(ref.leaves("begin")) == 4 * 2
    assert len(rec.leaves("end")) == len(ref.leaves("end")) == 4 * 2
    for path in rec.leaves("end"):
        assert path[:2] == ("fit", "search")
    # The same lifecycle around them: setup, fit, search, refit, teardown.
    for recorder in (ref, rec):
        kinds = Counter((k, p) for k, p, _ in recorder.events if len(p) <= 2)
        assert kinds[("setup", ())] == kinds[("teardown", ())] == 1
        assert kinds[("begin", ("fit",))] == kinds[("end", ("fit",))] == 1
        assert kinds[("begin", ("fit", "search"))] == 1
        assert kinds[("end", ("fit", "search"))] == 1
        assert kinds[("end", ("fit", "refit-with-best-params"))] == 1
        assert recorder.events[0][0] == "setup"
        assert recorder.events[-1][0] == "teardown"
        assert all(est is recorder.events[0][2] for _, _, est in recorder.events)
    # Begins and ends nest properly (every task ends after its subtasks).
    depth = []
    for k, path, _ in rec.events:
        if k == "begin":
            depth.append(path)
        elif k == "end":
            assert depth.pop() == path
    assert depth == []


@pytest.mark.parametrize("kind", ["random", "bayes", "evolution"])
def test_scoring_monitor_on_the_estimator_sees_the_same_fits(random_search_cls, kind):
    ScoringMonitor = sk_callback.ScoringMonitor
    ref_monitor = ScoringMonitor(scoring="accuracy")
    ref = _reference()
    ref.set_params(estimator=LogisticRegression().set_callbacks(ref_monitor))
    ref.fit(X, y)
    monitor = ScoringMonitor(scoring="accuracy")
    search = _ours(random_search_cls)[kind]
    search.set_params(
        estimator=LogisticRegression().set_callbacks(monitor), random_state=0
    )
    search.fit(X, y)
    # Same candidates (the whole list), same splits: the same logged fits.
    ref_rows = ref_monitor.get_logs().data
    rows = monitor.get_logs().data
    assert len(rows) == len(ref_rows) > 9
    count = Counter(r["task_name"] for r in rows)
    assert count == Counter(r["task_name"] for r in ref_rows)
    assert count["fit"] == 4 * 2 + 1  # every candidate and split, and the refit
    assert sorted(r["accuracy"] for r in rows) == pytest.approx(
        sorted(r["accuracy"] for r in ref_rows)
    )


def test_progress_bar_runs_on_our_search(random_search_cls, capsys):
    pytest.importorskip("rich")
    search = _ours(random_search_cls)["bayes"]
    search.set_params(random_state=0)
    search.set_callbacks(sk_callback.ProgressBar()).fit(X, y)
    out = capsys.readouterr().out
    assert "BayesSearchCV - search" in out
    assert "batch" not in out
    assert search.n_evaluated_ == 4


def test_the_task_tree_is_randomized_search_cvs(random_search_cls):
    """Several batches, one search task: the same hooks on the same paths."""
    ref = Recorder()
    _reference().set_callbacks(ref).fit(X, y)
    rec = Recorder()
    search = random_search_cls(
        LogisticRegression(),
        {"C": np.logspace(-2, 2, 20)},
        n_iter=4,
        batch_size=1,
        cv=CV,
        random_state=0,
    )
    search.set_callbacks(rec).fit(X, y)
    assert search.search_history_["batch"].tolist() == [0, 1, 2, 3]
    assert Counter((k, p) for k, p, _ in rec.events) == Counter(
        (k, p) for k, p, _ in ref.events
    )


def test_own_callbacks_and_sklearn_callbacks_together(random_search_cls):
    rec = Recorder()
    states = []
    search = random_search_cls(
        LogisticRegression(),
        {"C": np.logspace(-2, 2, 20)},
        n_iter=6,
        batch_size=2,
        cv=CV,
        random_state=0,
        callbacks=[lambda s: states.append(s.n_evaluated)],
    )
    search.set_callbacks(rec).fit(X, y)
    assert states == [2, 4, 6]
    assert len(rec.leaves("end")) == 6 * 2


def test_resume_with_nothing_left_and_callbacks(random_search_cls, tmp_path):
    """The re-scoring fit path (nothing left to evaluate) also works."""
    path = str(tmp_path / "run.jsonl")
    kw = dict(n_iter=4, cv=CV, random_state=0, checkpoint=path)
    random_search_cls(LogisticRegression(), {"C": C_VALUES}, **kw).fit(X, y)
    rec = Recorder()
    search = random_search_cls(LogisticRegression(), {"C": C_VALUES}, **kw)
    search.set_callbacks(rec).fit(X, y)
    assert search.n_evaluated_ == 4
    assert rec.events[-1][0] == "teardown"
