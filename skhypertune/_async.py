"""Asynchronous evaluation: a new candidate as soon as a worker frees up.

The batch loop of :mod:`skhypertune._search` asks for a batch, waits for all
of its fits and asks again, so workers sit idle while a batch's slowest fit
runs. Here the fits go to joblib one at a time, with results returned as
they finish (``return_as="generator_unordered"``) and the next fit pulled
lazily: when a worker frees up and no fit of a proposed candidate is left,
the strategy proposes one more from every finished result, the candidates
still running counted as pending (the GP believes its prediction for them,
the evolution breeds from the pool as it stands).

scikit-learn's ``evaluate_candidates`` is still what builds each fit (its
splits, routed metadata, scorers, callbacks and error handling), but inside
:func:`~skhypertune._sklearn_compat.capture_evaluations` it only records the
fits; they run here, and their results fill the dicts it stored, so the
final ``cv_results_`` is scikit-learn's formatting of all of them.

Results depend on which fit finishes first, so the same ``random_state``
gives the same search only in batch mode (the default).
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn import config_context, get_config

from . import _sklearn_compat as compat


@dataclass
class Capture:
    """What the search's ``_format_results`` keeps while fits are captured."""

    results: dict = field(default_factory=dict)
    lists: tuple | None = None


@dataclass
class _Candidate:
    index: int
    point: np.ndarray
    params: dict
    sequence: int
    outs: list
    n_finished: int = 0
    score: float = np.nan


def _run_tagged(key, func, args, kwargs):
    """Run one captured fit; the key tells the unordered results apart."""
    return key, func(*args, **kwargs)


class AsyncRun:
    """One asynchronous search loop over ``n_left`` new candidates.

    Parameters mirror the batch loop's state: ``seeds`` (popped first),
    ``seen`` (keys never to propose again), ``sequence`` (first value of the
    history column: every candidate is its own batch here), ``start``
    (monotonic time the fit started) and ``prior`` (points, scores and
    params already evaluated: earlier fits, checkpoint).
    """

    def __init__(
        self,
        search,
        evaluate_candidates,
        strategy,
        *,
        seeds: list,
        seen: set,
        rng: np.random.RandomState,
        n_left: int,
        sequence: int,
        search_ctx: Any,
        start: float,
        prior: tuple[list, list, list],
    ):
        self.search = search
        self.evaluate_candidates = evaluate_candidates
        self.strategy = strategy
        self.seeds = seeds
        self.seen = seen
        self.rng = rng
        self.n_left = n_left
        self.sequence = sequence
        self.search_ctx = search_ctx
        self.start = start
        self.points, self.scores, self.params = (list(p) for p in prior)
        self.lock = threading.RLock()
        self.tasks: deque = deque()
        self.running: dict[int, _Candidate] = {}
        self.proposed: list[_Candidate] = []
        self.stop = False
        self.exhausted = False
        self.config = get_config()

    # -- the side that proposes (runs in joblib's dispatching thread) ----
    def _propose_one(self) -> bool:
        """Capture the fits of one new candidate; False when none is left."""
        search = self.search
        if self.stop or self.exhausted or len(self.proposed) >= self.n_left:
            return False
        pending = (
            np.array([c.point for c in self.running.values()])
            if self.running
            else np.empty((0, search._space.n_dims))
        )
        U = search._propose(
            self.strategy, self.seeds, self.seen, 1, self.rng, pending=pending
        )
        if len(U) == 0:
            self.exhausted = True  # every distinct parameter set is taken
            return False
        params = search._decode(U)[0]
        n_before = len(self.proposed) * search._n_splits
        ctx = compat.evaluation_context(self.search_ctx, n_before)
        kwargs = {"callback_ctx": ctx} if ctx is not None else {}
        sequence = self.sequence + len(self.proposed)
        # The thread's scikit-learn configuration is the fit's, so the
        # captured fits carry the user's (config_context) settings.
        with compat.capture_evaluations() as captured, config_context(**self.config):
            self.evaluate_candidates(
                [params], more_results={search._batch_column: [sequence]}, **kwargs
            )
        cand = _Candidate(
            index=len(self.proposed),
            point=U[0],
            params=params,
            sequence=sequence,
            outs=[placeholder for *_, placeholder in captured],
        )
        self.proposed.append(cand)
        self.running[cand.index] = cand
        for split, (func, args, kw, _) in enumerate(captured):
            self.tasks.append(((cand.index, split), func, args, kw))
        return True

    def _feed(self):
        """The lazily consumed task stream joblib dispatches from."""
        while True:
            with self.lock:
                if not self.tasks and not self._propose_one():
                    return
                key, func, args, kwargs = self.tasks.popleft()
            yield _run_tagged, (key, func, args, kwargs), {}

    # -- the side that collects (the fit's thread) ------------------------
    def run(self, parallel) -> dict | None:
        """Evaluate, tell and steer until the budget or a stop; the results.

        Returns scikit-learn's formatted results of every candidate proposed
        here, in proposal order (the dict ``evaluate_candidates`` returned,
        updated in place), or None if nothing was proposed.
        """
        search = self.search
        n_splits = search._n_splits
        done_params: list = []
        done_outs: list = []
        done_more: dict = {search._batch_column: []}
        for (index, split), out in parallel(self._feed()):
            with self.lock:
                cand = self.proposed[index]
                cand.outs[split].clear()
                cand.outs[split].update(out)
                cand.n_finished += 1
                if cand.n_finished < n_splits:
                    continue
                del self.running[index]
            compat._warn_or_raise_in_batches(cand.outs, search.error_score)
            done_outs.extend(cand.outs)
            if callable(search.scoring):
                compat.insert_error_scores(done_outs, search.error_score)
            done_params.append(cand.params)
            done_more[search._batch_column].append(cand.sequence)
            results = search._format_results(
                done_params, n_splits, done_outs, done_more
            )
            score = search._objective_of(results)[-1:]
            cand.score = float(score[0])
            if search._checkpoint is not None:
                search._checkpoint.append(cand.point[None, :], results)
            with self.lock:
                self.strategy.tell(
                    cand.point[None, :], search._strategy_values(results)[-1:]
                )
            self.points.append(cand.point)
            self.scores.append(float(score[0]))
            self.params.append(cand.params)
            search._after_batch(cand.point[None, :], [cand.params], results)
            if not self.stop and search._should_stop(
                results,
                self.params,
                np.array(self.scores, dtype=float),
                cand.sequence,
                self.start,
            ):
                with self.lock:
                    self.stop = True  # the fits already proposed still finish
        if not self.proposed:
            return None
        capture = search._async_capture
        candidate_params, _, outs, more = capture.lists
        final = search._format_all(candidate_params, n_splits, outs, more)
        capture.results.clear()
        capture.results.update(final)
        return capture.results

    def new_rows(self) -> tuple[np.ndarray, np.ndarray, list]:
        """Points, scores and params of the candidates proposed here, in the
        order of their rows in the results (proposal order)."""
        d = self.search._space.n_dims
        points = np.array([c.point for c in self.proposed]).reshape(-1, d)
        scores = np.array([c.score for c in self.proposed], dtype=float)
        return points, scores, [c.params for c in self.proposed]
