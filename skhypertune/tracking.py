"""Experiment tracking: every candidate of a search as an MLflow run.

:class:`MLflowLogger` is a callback (see :mod:`skhypertune.callbacks`): after
each batch it logs the candidates evaluated since the last batch as runs
nested under one parent run for the search, and :meth:`MLflowLogger.finish`
adds the best candidate and the refitted best model to the parent. It needs
the ``mlflow`` extra (``pip install "skhypertune[mlflow]"``); MLflow is
imported when a logger is created, not with skhypertune.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import math
import os
import re
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

__all__ = ["MLflowLogger"]

#: MLflow's tag that nests a run under another (``mlflow.utils.mlflow_tags``).
_PARENT_TAG = "mlflow.parentRunId"
#: Longest parameter value written; MLflow refuses longer ones (6000 chars).
_MAX_PARAM = 500
#: cv_results_ columns logged as metrics of each candidate's run.
_METRIC_COLUMNS = re.compile(r"(mean|std)_(test|train)_\w+|(mean|std)_(fit|score)_time")


def _import_mlflow():
    try:
        import mlflow
    except ImportError as exc:
        raise ImportError(
            'MLflowLogger needs MLflow: pip install "skhypertune[mlflow]" '
            "(or pip install mlflow)."
        ) from exc
    return mlflow


class MLflowLogger:
    """Log every candidate of a search to MLflow, and the best model at the end.

    A callback for the ``callbacks`` parameter of the skhypertune searchers.
    On its first call in a fit it starts a parent run for the search (the
    searcher, estimator, budget and scoring as parameters, the search space
    as the ``search_space.py`` artifact); after each batch it logs each new
    candidate once, as a run nested under the parent: its hyperparameters
    as parameters, its ``cv_results_`` means and standard deviations (test
    and train scores per metric, fit and score times) as metrics, and its
    index, batch (and halving iteration and resource) as tags. The parent's
    ``best_score`` metric follows the best score against the number of
    candidates evaluated, and its ``best_run_id`` tag names the best
    candidate's run.

    A callback only sees batches, not the end of the fit: call
    :meth:`finish` after ``fit`` (or use the logger as a context manager
    around it) to log the best parameters, the refit time and the refitted
    best estimator (``mlflow.sklearn.log_model``) to the parent run and end
    it.

    Parameters
    ----------
    experiment : str, default=None
        Name of the MLflow experiment, created if needed; MLflow's default
        experiment when None.
    tracking_uri : str or path-like, default=None
        Where to log (``"sqlite:///mlflow.db"``, ``"http://host:5000"``, a
        folder for MLflow's file store...); MLflow's current tracking URI
        when None.
    run_name : str, default=None
        Name of the parent run; "<searcher> on <estimator>" when None.
    tags : mapping, default=None
        Extra tags for the parent run.
    log_model : bool, default=True
        Whether :meth:`finish` logs the refitted best estimator.
    log_model_kwargs : mapping, default=None
        More arguments for ``mlflow.sklearn.log_model``, e.g.
        ``{"serialization_format": "cloudpickle"}`` for estimators MLflow's
        default (skops) format does not trust, or ``pip_requirements``.

    Attributes
    ----------
    run_id_ : str or None
        The parent run of the current (or last) fit.
    run_ids_ : list of str
        The candidates' runs of that fit, in ``cv_results_`` order.
    model_uri_ : str or None
        Where :meth:`finish` logged the best model.

    Examples
    --------
    >>> import pytest; mlflow = pytest.importorskip("mlflow")  # the mlflow extra
    >>> import os, tempfile, pathlib
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from skhypertune import BayesSearchCV
    >>> from skhypertune.tracking import MLflowLogger
    >>> os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"  # a folder, MLflow >= 3.7
    >>> store = pathlib.Path(tempfile.mkdtemp())
    >>> X, y = load_iris(return_X_y=True)
    >>> with MLflowLogger("iris", tracking_uri=store, log_model=False) as logger:
    ...     search = BayesSearchCV(
    ...         DecisionTreeClassifier(random_state=0), {"max_depth": [1, 2, 3]},
    ...         n_iter=3, n_points=2, callbacks=[logger], random_state=0,
    ...     ).fit(X, y)
    >>> len(logger.run_ids_)
    3
    >>> from mlflow import MlflowClient
    >>> client = MlflowClient(store.as_uri())
    >>> runs = client.search_runs([client.get_experiment_by_name("iris").experiment_id])
    >>> len(runs)  # the parent and one run per candidate
    4
    """

    def __init__(
        self,
        experiment: str | None = None,
        *,
        tracking_uri: str | os.PathLike | None = None,
        run_name: str | None = None,
        tags: Mapping[str, Any] | None = None,
        log_model: bool = True,
        log_model_kwargs: Mapping[str, Any] | None = None,
    ):
        if experiment is not None and (
            not isinstance(experiment, str) or not experiment.strip()
        ):
            raise ValueError(
                f"experiment must be a non-empty name or None, got {experiment!r}."
            )
        if isinstance(tracking_uri, os.PathLike):
            tracking_uri = Path(tracking_uri).absolute().as_uri()
        elif tracking_uri is not None and (
            not isinstance(tracking_uri, str) or not tracking_uri.strip()
        ):
            raise ValueError(
                "tracking_uri must be a URI, a folder path or None, got "
                f"{tracking_uri!r}."
            )
        if run_name is not None and not isinstance(run_name, str):
            raise TypeError(f"run_name must be a string or None, got {run_name!r}.")
        if tags is not None and not isinstance(tags, Mapping):
            raise TypeError(f"tags must be a mapping or None, got {tags!r}.")
        if not isinstance(log_model, bool):
            raise TypeError(f"log_model must be True or False, got {log_model!r}.")
        if log_model_kwargs is not None and not isinstance(log_model_kwargs, Mapping):
            raise TypeError(
                f"log_model_kwargs must be a mapping or None, got {log_model_kwargs!r}."
            )
        _import_mlflow()  # fail here, before any fit, without MLflow
        self.experiment = experiment
        self.tracking_uri = tracking_uri
        self.run_name = run_name
        self.tags = dict(tags or {})
        self.log_model = log_model
        self.log_model_kwargs = dict(log_model_kwargs or {})
        self.run_id_: str | None = None
        self.run_ids_: list[str] = []
        self.model_uri_: str | None = None
        self._client = None
        self._open = False  # a parent run started and not ended
        self._experiment_id_: str | None = None
        self._search = None
        self._offset = 0  # candidates evaluated before this fit (warm start)
        self._last_elapsed = -math.inf

    # -- the callback ---------------------------------------------------------
    def __call__(self, state) -> bool:
        results = state.cv_results
        n_rows = len(results["params"])
        if self._open and (
            state.estimator is not self._search
            or state.elapsed < self._last_elapsed
            or n_rows < len(self.run_ids_)
        ):
            # Another fit began (time and rows start again) without finish()
            # for the last one.
            self._end_parent("FINISHED")
        self._last_elapsed = state.elapsed
        if not self._open:
            self._start_parent(state)
        client = self._get_client()
        entities = _import_entities()
        for row in range(len(self.run_ids_), n_rows):
            self.run_ids_.append(self._log_candidate(client, entities, results, row))
        now = _now()
        client.log_batch(
            self.run_id_,
            metrics=[
                entities.Metric("best_score", state.best_score, now, state.n_evaluated),
                entities.Metric("n_evaluated", state.n_evaluated, now, state.batch),
            ],
        )
        best = self._run_of(state.best_index)
        if best is not None:
            client.set_tag(self.run_id_, "best_run_id", best)
        return False

    def finish(self, search: Any = None) -> str | None:
        """Log the fitted search's best candidate and model, and end its run.

        Parameters
        ----------
        search : fitted search, default=None
            The search; by default the one this logger last saw.

        Returns
        -------
        model_uri : str or None
            Where the best model was logged (None without a refitted best
            estimator, or with ``log_model=False``).
        """
        search = self._search if search is None else search
        if search is None or not self._open:
            raise ValueError(
                "finish() needs a search this logger is logging: use it in a "
                "fit's callbacks first (and call finish() once per fit)."
            )
        if not hasattr(search, "cv_results_"):
            raise TypeError(
                f"finish() needs the fitted search, got {type(search).__name__}."
            )
        client = self._get_client()
        entities = _import_entities()
        now = _now()
        n = len(search.cv_results_["params"])
        index = getattr(search, "best_index_", None)
        params = []
        metrics = []
        if index is not None:
            params = [
                entities.Param(f"best.{k}", _param_text(v))
                for k, v in search.cv_results_["params"][index].items()
            ]
            score = getattr(search, "best_score_", None)
            if score is not None:
                metrics.append(entities.Metric("best_score", float(score), now, n))
            best = self._run_of(index)
            if best is not None:
                client.set_tag(self.run_id_, "best_run_id", best)
        refit_time = getattr(search, "refit_time_", None)
        if refit_time is not None:
            metrics.append(entities.Metric("refit_time", float(refit_time), now, 0))
        client.log_batch(self.run_id_, metrics=metrics, params=params)
        self.model_uri_ = None
        model = getattr(search, "best_estimator_", None)
        if self.log_model and model is not None:
            self.model_uri_ = self._log_model(model)
        self._end_parent("FINISHED")
        return self.model_uri_

    def __enter__(self) -> MLflowLogger:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if not self._open:
            return
        if exc_type is None and hasattr(self._search, "cv_results_"):
            self.finish()
        else:
            self._end_parent("FAILED" if exc_type is not None else "FINISHED")

    def __getstate__(self) -> dict:
        # scikit-learn may pickle the running search (callbacks included) for
        # its workers: the client and the search itself stay here.
        state = dict(self.__dict__)
        state["_client"] = None
        state["_search"] = None
        return state

    # -- runs -------------------------------------------------------------------
    def _get_client(self):
        if self._client is None:
            self._client = _import_mlflow().MlflowClient(self.tracking_uri)
        return self._client

    def _experiment_id(self, client) -> str:
        name = self.experiment or "Default"
        found = client.get_experiment_by_name(name)
        if found is None:
            return client.create_experiment(name)
        if found.lifecycle_stage != "active":
            raise ValueError(
                f"The MLflow experiment {name!r} is deleted; restore it or pass "
                "another experiment name."
            )
        return found.experiment_id

    def _start_parent(self, state) -> None:
        from .narrowing import format_space

        client = self._get_client()
        entities = _import_entities()
        search = state.estimator
        estimator = getattr(search, "estimator", None)
        name = self.run_name or (
            f"{type(search).__name__} on {_estimator_name(estimator)}"
        )
        tags = {"skhypertune.searcher": type(search).__name__}
        tags.update({k: str(v) for k, v in self.tags.items()})
        self._experiment_id_ = self._experiment_id(client)
        run = client.create_run(self._experiment_id_, run_name=name, tags=tags)
        self.run_id_ = run.info.run_id
        self._open = True
        self.run_ids_ = []
        self._search = search
        self._offset = state.n_evaluated - len(state.cv_results["params"])
        settings = {
            "searcher": type(search).__name__,
            "estimator": _param_text(estimator),
            "n_iter": state.n_iter,
            "scoring": getattr(search, "scoring", None),
            "cv": getattr(search, "cv", None),
            "random_state": getattr(search, "random_state", None),
            "warm_start_candidates": self._offset,
        }
        client.log_batch(
            self.run_id_,
            params=[entities.Param(k, _param_text(v)) for k, v in settings.items()],
        )
        space = getattr(search, "param_distributions", None)
        if space is not None:
            with contextlib.suppress(TypeError):
                client.log_text(self.run_id_, format_space(space), "search_space.py")

    def _log_candidate(self, client, entities, results: Mapping, row: int) -> str:
        index = self._offset + row
        tags = {_PARENT_TAG: self.run_id_, "candidate": str(index)}
        for column in ("batch", "iter", "n_resources"):
            if column in results:
                tags[column] = str(results[column][row])
        run = client.create_run(
            self._experiment_id_, run_name=f"candidate {index}", tags=tags
        )
        now = _now()
        metrics = [
            entities.Metric(key, _metric_value(results[key][row]), now, 0)
            for key in results
            if _METRIC_COLUMNS.fullmatch(key)
        ]
        params = [
            entities.Param(k, _param_text(v)) for k, v in results["params"][row].items()
        ]
        client.log_batch(run.info.run_id, metrics=metrics, params=params)
        client.set_terminated(run.info.run_id, "FINISHED")
        return run.info.run_id

    def _run_of(self, index: int | None) -> str | None:
        """The run of a candidate by its index among all evaluated ones."""
        if index is None:
            return None
        row = index - self._offset
        return self.run_ids_[row] if 0 <= row < len(self.run_ids_) else None

    def _log_model(self, model) -> str:
        mlflow = _import_mlflow()
        flavor = importlib.import_module("mlflow.sklearn")
        kwargs = dict(self.log_model_kwargs)
        # MLflow 3 names the model; MLflow 2 took an artifact path.
        params = inspect.signature(flavor.log_model).parameters
        kwargs.setdefault("name" if "name" in params else "artifact_path", "model")
        with _tracking_uri(mlflow, self.tracking_uri):
            with mlflow.start_run(run_id=self.run_id_, nested=True):
                info = flavor.log_model(model, **kwargs)
        return info.model_uri

    def _end_parent(self, status: str) -> None:
        self._get_client().set_terminated(self.run_id_, status)
        self._open = False
        self._last_elapsed = -math.inf


# -- helpers -------------------------------------------------------------------
def _import_entities():
    from mlflow import entities

    return entities


def _now() -> int:
    return int(time.time() * 1000)


def _metric_value(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _param_text(value: Any) -> str:
    if hasattr(value, "item") and not hasattr(value, "get_params"):
        with contextlib.suppress(ValueError, TypeError, AttributeError):
            value = value.item()
    text = repr(value) if not isinstance(value, str) else value
    text = re.sub(r"\s+", " ", text)
    return text if len(text) <= _MAX_PARAM else text[: _MAX_PARAM - 3] + "..."


def _estimator_name(estimator: Any) -> str:
    steps = getattr(estimator, "steps", None)
    if steps:
        return " → ".join(type(s).__name__ for _, s in steps if s is not None)
    return type(estimator).__name__


@contextlib.contextmanager
def _tracking_uri(mlflow, uri: str | None) -> Iterator[None]:
    """MLflow's global tracking URI set to ``uri`` for a fluent-API call.

    ``mlflow.sklearn.log_model`` logs to the active run of the global URI;
    the user's setting (and the ``MLFLOW_TRACKING_URI`` variable, which
    MLflow's setter changes too) is put back afterwards.
    """
    if uri is None or mlflow.get_tracking_uri() == uri:
        yield
        return
    was_set = mlflow.is_tracking_uri_set()
    previous = mlflow.get_tracking_uri()
    env = os.environ.get("MLFLOW_TRACKING_URI")
    mlflow.set_tracking_uri(uri)
    try:
        yield
    finally:
        mlflow.set_tracking_uri(previous if was_set else None)
        if env is None:
            os.environ.pop("MLFLOW_TRACKING_URI", None)
        else:
            os.environ["MLFLOW_TRACKING_URI"] = env
