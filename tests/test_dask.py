"""The searches on a dask.distributed cluster through joblib's dask backend.

A two-worker LocalCluster stands in for a real cluster; the results must be
those of the same search with n_jobs=1 and the same random_state.
"""

import joblib
import numpy as np
import pytest
from scipy.stats import loguniform, randint
from sklearn.datasets import make_classification
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.tree import DecisionTreeClassifier

from skhypertune import BayesSearchCV, EvolutionSearchCV, HalvingRandomSearchCV

distributed = pytest.importorskip("distributed", reason="needs dask[distributed]")

X, y = make_classification(n_samples=90, n_features=6, random_state=0)
SPACE = {
    "max_depth": randint(1, 8),
    "min_samples_leaf": randint(1, 10),
    "ccp_alpha": loguniform(1e-4, 1e-1),
    "criterion": ["gini", "entropy"],
}
CV = StratifiedKFold(3)


def _searches(n_jobs):
    est = DecisionTreeClassifier(random_state=0)
    return {
        "bayes": BayesSearchCV(
            est, SPACE, n_iter=8, n_initial_points=4, n_points=2, cv=CV,
            n_jobs=n_jobs, random_state=0,
        ),
        "evolution": EvolutionSearchCV(
            est, SPACE, n_iter=8, population_size=4, cv=CV, n_jobs=n_jobs,
            random_state=0,
        ),
        "halving": HalvingRandomSearchCV(
            est, SPACE, n_candidates=9, factor=3, cv=CV, n_jobs=n_jobs,
            random_state=0,
        ),
    }  # fmt: skip


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=40,
    )
    with distributed.Client(cluster) as client:
        yield client
    cluster.close()


@pytest.mark.parametrize("kind", ["bayes", "evolution", "halving"])
def test_dask_backend_gives_the_n_jobs_1_results(client, kind):
    serial = _searches(n_jobs=1)[kind].fit(X, y)
    with distributed.get_task_stream(client) as stream:
        with joblib.parallel_backend("dask"):
            parallel = _searches(n_jobs=-1)[kind].fit(X, y)
    a, b = serial.cv_results_, parallel.cv_results_
    assert a["params"] == b["params"]
    assert len(a["params"]) >= 8
    for key in a:
        if "_test_" in key or key.startswith("rank_") or key in ("batch", "iter"):
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    assert serial.best_params_ == parallel.best_params_
    assert parallel.score(X, y) == serial.score(X, y)
    # The fits really ran on the cluster, on both workers.
    assert len(stream.data) > 0
    assert len({task["worker"] for task in stream.data}) == 2


@pytest.mark.parametrize("kind", ["bayes", "evolution"])
def test_asynchronous_mode_on_the_cluster(client, kind):
    """Fits go to the workers one by one, proposals as they finish."""
    search = _searches(n_jobs=-1)[kind].set_params(asynchronous=True, n_iter=10)
    serial = _searches(n_jobs=1)[kind].set_params(n_iter=10).fit(X, y)
    with distributed.get_task_stream(client) as stream:
        with joblib.parallel_backend("dask"):
            search.fit(X, y)
    res = search.cv_results_
    assert list(res) == list(serial.cv_results_)
    assert len({repr(sorted(p.items())) for p in res["params"]}) == 10
    for params, mean in zip(res["params"], res["mean_test_score"]):
        # Each row holds its own candidate's scores.
        tree = DecisionTreeClassifier(random_state=0, **params)
        assert mean == pytest.approx(cross_val_score(tree, X, y, cv=CV).mean())
    assert search.best_score_ == pytest.approx(np.max(res["mean_test_score"]))
    assert len({task["worker"] for task in stream.data}) == 2
    assert len(stream.data) >= 10 * CV.get_n_splits()
