"""Shared fixtures: a minimal searcher on the random strategy, tiny data."""

import os

# Tests fit many tiny models, often two processes at a time (n_jobs=2, dask);
# one BLAS/OpenMP thread each avoids oversubscribing the cores. Set before
# scikit-learn and numpy load their thread pools.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.utils import check_random_state

from skhypertune._search import BaseHyperSearchCV
from skhypertune.strategies import RandomStrategy


class RandomHyperSearchCV(BaseHyperSearchCV):
    """The shared loop with uniform random proposals, for testing the loop."""

    def __init__(
        self,
        estimator,
        param_distributions,
        *,
        n_iter=10,
        batch_size=2,
        scoring=None,
        n_jobs=None,
        refit=True,
        cv=3,
        verbose=0,
        pre_dispatch="2*n_jobs",
        random_state=None,
        error_score=np.nan,
        return_train_score=False,
        initial_params=None,
        callbacks=None,
        max_time=None,
        warm_start=False,
        checkpoint=None,
        asynchronous=False,
    ):
        super().__init__(
            estimator,
            param_distributions,
            n_iter=n_iter,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            pre_dispatch=pre_dispatch,
            random_state=random_state,
            error_score=error_score,
            return_train_score=return_train_score,
            initial_params=initial_params,
            callbacks=callbacks,
            max_time=max_time,
            warm_start=warm_start,
            checkpoint=checkpoint,
        )
        self.batch_size = batch_size
        self.asynchronous = asynchronous

    def _make_strategy(self, space, rng):
        return RandomStrategy(space, rng)

    def _batch_size(self):
        return self.batch_size


@pytest.fixture
def random_search_cls():
    return RandomHyperSearchCV


@pytest.fixture(scope="session")
def tiny_classification():
    X, y = make_classification(
        n_samples=60, n_features=5, n_informative=3, random_state=0
    )
    return X, y


class RvsOnly:
    """A sampler with only ``rvs`` (RandomizedSearchCV accepts those).

    Draws integers in ``[0, high)`` or floats from an exponential.
    """

    def __init__(self, integer: bool, high: int = 50):
        self.integer = integer
        self.high = high

    def rvs(self, random_state=None):
        rng = check_random_state(random_state)
        if self.integer:
            return int(rng.randint(0, self.high))
        return float(rng.exponential())


# scikit-learn's own search tests, run with our classes swapped in, have a
# runner of their own (python tests/sklearn_suite/run.py; CI calls it).
collect_ignore = ["sklearn_suite"]
