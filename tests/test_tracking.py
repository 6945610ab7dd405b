"""MLflowLogger against a real MLflow file store in a temporary folder."""

import pickle
import sys

import numpy as np
import pytest
from scipy.stats import randint
from sklearn.tree import DecisionTreeClassifier

mlflow = pytest.importorskip("mlflow")

from mlflow import MlflowClient  # noqa: E402

from skhypertune import HalvingRandomSearchCV  # noqa: E402
from skhypertune.narrowing import format_space  # noqa: E402
from skhypertune.tracking import MLflowLogger, _tracking_uri  # noqa: E402

SPACE = {"max_depth": randint(1, 12), "criterion": ["gini", "entropy"]}
# The refitted tree's type, trusted for MLflow's default (skops) format; the
# requirements given, so that MLflow does not infer them (seconds).
MODEL_KWARGS = {
    "skops_trusted_types": ["sklearn.tree._tree.Tree"],
    "pip_requirements": ["scikit-learn"],
}


@pytest.fixture
def store(tmp_path, monkeypatch):
    # MLflow >= 3.7 keeps its file store only on request.
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return (tmp_path / "mlruns").as_uri()


def _search(random_search_cls, callbacks, **kw):
    params = dict(n_iter=6, batch_size=2, cv=2, random_state=0)
    params.update(kw)
    return random_search_cls(
        DecisionTreeClassifier(random_state=0), SPACE, callbacks=callbacks, **params
    )


def _runs(store, experiment):
    client = MlflowClient(store)
    exp = client.get_experiment_by_name(experiment)
    runs = client.search_runs([exp.experiment_id], max_results=1000)
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    children = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    children.sort(key=lambda r: int(r.data.tags["candidate"]))
    return client, parents, children


def test_each_candidate_is_a_nested_run_and_the_best_model_is_logged(
    store, random_search_cls, tiny_classification
):
    X, y = tiny_classification
    logger = MLflowLogger(
        "tuning", tracking_uri=store, tags={"team": "a"}, log_model_kwargs=MODEL_KWARGS
    )
    logged = []

    def count(state):  # runs after the logger: every candidate so far, once
        logged.append(len(_runs(store, "tuning")[2]))

    search = _search(random_search_cls, [logger, count], return_train_score=True).fit(
        X, y
    )
    assert logged == [2, 4, 6]
    model_uri = logger.finish()
    client, parents, children = _runs(store, "tuning")
    (parent,) = parents
    assert parent.info.run_id == logger.run_id_
    assert parent.info.status == "FINISHED"
    assert parent.info.run_name == "RandomHyperSearchCV on DecisionTreeClassifier"
    assert parent.data.tags["team"] == "a"
    p = parent.data.params
    assert p["searcher"] == "RandomHyperSearchCV" and p["n_iter"] == "6"
    assert p["estimator"] == "DecisionTreeClassifier(random_state=0)"
    for name, value in search.best_params_.items():
        assert p[f"best.{name}"] == (value if isinstance(value, str) else repr(value))
    assert parent.data.metrics["best_score"] == pytest.approx(search.best_score_)
    assert parent.data.metrics["refit_time"] == pytest.approx(search.refit_time_)
    history = client.get_metric_history(parent.info.run_id, "best_score")
    assert [m.step for m in history] == [2, 4, 6, 6]
    assert [r.info.run_id for r in children] == logger.run_ids_
    results = search.cv_results_
    for i, run in enumerate(children):
        assert run.data.tags["mlflow.parentRunId"] == parent.info.run_id
        assert run.info.status == "FINISHED"
        assert run.data.tags["batch"] == str(i // 2)
        assert run.data.params == {
            "criterion": results["params"][i]["criterion"],
            "max_depth": str(results["params"][i]["max_depth"]),
        }
        m = run.data.metrics
        for key in (
            "mean_test_score",
            "std_test_score",
            "mean_fit_time",
            "std_score_time",
            "mean_train_score",
        ):
            assert m[key] == pytest.approx(results[key][i])
        assert "split0_test_score" not in m and "rank_test_score" not in m
    assert parent.data.tags["best_run_id"] == logger.run_ids_[search.best_index_]
    space = client.download_artifacts(parent.info.run_id, "search_space.py")
    with open(space) as f:
        assert f.read() == format_space(SPACE)
    assert model_uri == logger.model_uri_ and model_uri.startswith("models:/")
    with _tracking_uri(mlflow, store):  # models:/ URIs are of the tracking store
        model = mlflow.sklearn.load_model(model_uri)
    assert np.array_equal(model.predict(X), search.best_estimator_.predict(X))
    with pytest.raises(ValueError, match="once per fit"):
        logger.finish()


def test_context_manager_ends_the_run_and_marks_a_failed_fit(
    store, random_search_cls, tiny_classification
):
    X, y = tiny_classification
    with MLflowLogger("ok", tracking_uri=store, log_model=False) as logger:
        _search(random_search_cls, [logger]).fit(X, y)
    _, (parent,), children = _runs(store, "ok")
    assert parent.info.status == "FINISHED" and "best.max_depth" in parent.data.params
    assert len(children) == 6 and logger.model_uri_ is None

    def crash(state):
        if state.batch == 1:
            raise RuntimeError("simulated crash")

    with pytest.raises(RuntimeError), MLflowLogger("bad", tracking_uri=store) as bad:
        _search(random_search_cls, [bad, crash]).fit(X, y)
    _, (parent,), children = _runs(store, "bad")
    assert parent.info.status == "FAILED" and len(children) == 4
    # Nothing logged, nothing to end.
    with MLflowLogger("none", tracking_uri=store):
        pass
    assert MlflowClient(store).get_experiment_by_name("none") is None


def test_a_warm_started_fit_logs_only_its_new_candidates(
    store, random_search_cls, tiny_classification
):
    X, y = tiny_classification
    logger = MLflowLogger("warm", tracking_uri=store, log_model=False)
    search = _search(random_search_cls, [logger], n_iter=4, warm_start=True).fit(X, y)
    logger.finish()
    first = list(logger.run_ids_)
    search.set_params(n_iter=6).fit(X, y)  # finish() left out: the next fit ends it
    second = logger.run_ids_
    _search(random_search_cls, [logger], n_iter=2).fit(X, y)
    _, parents, children = _runs(store, "warm")
    assert len(parents) == 3 and all(p.info.status == "FINISHED" for p in parents[1:])
    by_parent = {}
    for run in children:
        by_parent.setdefault(run.data.tags["mlflow.parentRunId"], []).append(run)
    sizes = sorted(len(v) for v in by_parent.values())
    assert sizes == [2, 2, 4] and len(first) == 4 and len(second) == 2
    warm = [MlflowClient(store).get_run(r) for r in second]
    assert [r.data.tags["candidate"] for r in warm] == ["4", "5"]
    assert [r.data.params for r in warm] == [
        {k: str(v) for k, v in p.items()} for p in search.cv_results_["params"][4:]
    ]
    (parent,) = [
        p for p in parents if p.info.run_id == warm[0].data.tags["mlflow.parentRunId"]
    ]
    assert parent.data.params["warm_start_candidates"] == "4"


def test_halving_rows_are_runs_with_their_iteration(store, tiny_classification):
    X, y = tiny_classification
    logger = MLflowLogger("halving", tracking_uri=store, log_model=False)
    search = HalvingRandomSearchCV(
        DecisionTreeClassifier(random_state=0),
        {"max_depth": randint(1, 6)},
        n_candidates=6,
        factor=2,
        min_resources=20,
        cv=2,
        random_state=0,
        callbacks=[logger],
    ).fit(X, y)
    logger.finish()
    _, _, children = _runs(store, "halving")
    assert len(children) == len(search.cv_results_["params"])
    assert [r.data.tags["iter"] for r in children] == [
        str(i) for i in search.cv_results_["iter"]
    ]
    assert [r.data.tags["n_resources"] for r in children] == [
        str(n) for n in search.cv_results_["n_resources"]
    ]


def test_the_global_tracking_uri_is_left_as_it_was(
    store, random_search_cls, tiny_classification, monkeypatch
):
    X, y = tiny_classification
    before = mlflow.get_tracking_uri()
    was_set = mlflow.is_tracking_uri_set()
    with MLflowLogger("uri", tracking_uri=store, log_model_kwargs=MODEL_KWARGS) as lg:
        _search(random_search_cls, [lg], n_iter=2).fit(X, y)
    assert lg.model_uri_ is not None
    assert mlflow.get_tracking_uri() == before
    assert mlflow.is_tracking_uri_set() == was_set
    assert "MLFLOW_TRACKING_URI" not in __import__("os").environ


def test_default_experiment_and_a_path_as_tracking_uri(
    tmp_path, monkeypatch, random_search_cls, tiny_classification
):
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    X, y = tiny_classification
    with MLflowLogger(tracking_uri=tmp_path / "store", log_model=False) as logger:
        _search(random_search_cls, [logger], n_iter=2).fit(X, y)
    client = MlflowClient((tmp_path / "store").as_uri())
    assert client.get_run(logger.run_id_).info.experiment_id == "0"  # "Default"


def test_parameters_are_checked_when_the_logger_is_made(monkeypatch):
    for kwargs, error, message in [
        ({"experiment": ""}, ValueError, "experiment must be a non-empty name"),
        ({"experiment": 3}, ValueError, "experiment must be"),
        ({"tracking_uri": 3}, ValueError, "tracking_uri must be a URI"),
        ({"tracking_uri": " "}, ValueError, "tracking_uri must be a URI"),
        ({"run_name": 1}, TypeError, "run_name must be a string"),
        ({"tags": ["a"]}, TypeError, "tags must be a mapping"),
        ({"log_model": "yes"}, TypeError, "log_model must be True or False"),
        ({"log_model_kwargs": 1}, TypeError, "log_model_kwargs must be a mapping"),
    ]:
        with pytest.raises(error, match=message):
            MLflowLogger(**kwargs)
    with pytest.raises(ValueError, match="use it in a fit's callbacks first"):
        MLflowLogger().finish()
    logger = MLflowLogger("x", tracking_uri="file:///nowhere")
    logger._client = object()
    assert pickle.loads(pickle.dumps(logger))._client is None
    monkeypatch.setitem(sys.modules, "mlflow", None)
    with pytest.raises(ImportError, match=r"skhypertune\[mlflow\]"):
        MLflowLogger()


def test_the_logger_is_reachable_from_callbacks():
    from skhypertune import callbacks

    assert callbacks.MLflowLogger is MLflowLogger
