"""Several objectives at once: Pareto fronts, hypervolume and picking a model.

A search with ``objectives=["score", "fit_time"]`` looks for the candidates
no other candidate beats on every objective at once (the *Pareto front*,
``search.pareto_front_``). This module holds the pieces behind it, usable on
any ``cv_results_``:

* :func:`pareto_front` -- the non-dominated rows of a matrix of objective values;
* :func:`hypervolume` -- the volume a set of points dominates up to a
  reference point, the usual single number for the quality of a front;
* :func:`best_within` -- a ``refit`` callable that picks, from the front, the
  cheapest candidate whose score is within a tolerance of the best one.

Objectives are names resolved against ``cv_results_``: ``"score"`` (the
optimised metric), a metric name of a multi-metric ``scoring``, ``"fit_time"``
or ``"score_time"`` (``mean_fit_time``, ``mean_score_time``), or any numeric
column of ``cv_results_`` by its full name. Scores are maximised and times
and ``std_*`` columns minimised unless a dict gives each objective its
direction (``{"score": "max", "n_leaves": "min"}``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

__all__ = [
    "Objective",
    "best_within",
    "crowding_distance",
    "hypervolume",
    "non_dominated_rank",
    "objective_matrix",
    "pareto_front",
    "resolve_objectives",
]

_TIMES = {"fit_time": "mean_fit_time", "score_time": "mean_score_time"}
#: The ``cv_results_`` columns that are measured seconds.
_TIME_COLUMNS = frozenset(_TIMES.values())


class Objective(NamedTuple):
    """One objective of a multi-objective search.

    ``name`` is as the user gave it, ``column`` the ``cv_results_`` key it
    reads and ``direction`` ``"max"`` or ``"min"``.
    """

    name: str
    column: str
    direction: str


def _metric_names(scoring) -> list[str] | None:
    """Metric names of ``scoring``; None when only a fit can tell (callable)."""
    if scoring is None or isinstance(scoring, str):
        return ["score"]
    if isinstance(scoring, Mapping):
        return list(scoring)
    if isinstance(scoring, (list, tuple, set)):
        return list(scoring)
    return None


def resolve_objectives(
    objectives, scoring=None, refit: Any = True, columns: Sequence[str] | None = None
) -> tuple[Objective, ...]:
    """Check ``objectives`` and say which column and direction each one is.

    Parameters
    ----------
    objectives : list of str or dict
        Objective names (directions by default: scores maximised, times and
        ``std_*`` columns minimised), or names mapped to ``"max"`` or
        ``"min"``. At least two.
    scoring : str, callable, list, tuple or dict, default=None
        The search's ``scoring``: it tells which metric names exist.
    refit : bool, str or callable, default=True
        The search's ``refit``: with several metrics, ``"score"`` means the
        one it names (else the first).
    columns : sequence of str, default=None
        The keys of ``cv_results_`` when known (after a fit); names are then
        checked against them, else against what ``scoring`` will produce.

    Returns
    -------
    objectives : tuple of Objective

    Raises
    ------
    ValueError
        For fewer than two objectives, a repeated one, a direction other than
        ``"max"`` or ``"min"``, or a name that is no column of ``cv_results_``.

    Examples
    --------
    >>> from skhypertune.pareto import resolve_objectives
    >>> resolve_objectives(["score", "fit_time"])
    (Objective(name='score', column='mean_test_score', direction='max'), \
Objective(name='fit_time', column='mean_fit_time', direction='min'))
    """
    if isinstance(objectives, str) or not isinstance(
        objectives, (list, tuple, Mapping)
    ):
        raise ValueError(
            "objectives must be a list of objective names or a dict of names to "
            f"'max' or 'min', got {objectives!r}."
        )
    items = (
        list(objectives.items())
        if isinstance(objectives, Mapping)
        else [(name, None) for name in objectives]
    )
    if len(items) < 2:
        raise ValueError(
            f"objectives needs at least two objectives, got {objectives!r}; a "
            "single one is what scoring and refit choose."
        )
    metrics = _metric_names(scoring)
    if metrics is not None and len(metrics) > 1:
        primary = refit if isinstance(refit, str) and refit in metrics else metrics[0]
    else:
        primary = "score" if metrics is None or metrics == ["score"] else metrics[0]
    out: list[Objective] = []
    for name, direction in items:
        if not isinstance(name, str):
            raise ValueError(f"objectives: names must be strings, got {name!r}.")
        column = _column(name, metrics, primary, columns)
        if direction is None:
            is_cost = column in _TIME_COLUMNS or column.startswith("std_")
            direction = "min" if is_cost else "max"
        elif direction not in ("max", "min"):
            raise ValueError(
                f"objectives[{name!r}] must be 'max' or 'min', got {direction!r}."
            )
        if any(o.column == column for o in out):
            raise ValueError(
                f"objectives names {column!r} twice ({name!r}); each objective "
                "must be a different column."
            )
        out.append(Objective(name, column, direction))
    return tuple(out)


def _column(name: str, metrics, primary: str, columns) -> str:
    """The ``cv_results_`` column an objective name reads, or a clear error."""
    if name in _TIMES:
        return _TIMES[name]
    if name == "score":
        return f"mean_test_{primary}"
    if columns is not None:
        if f"mean_test_{name}" in columns:
            return f"mean_test_{name}"
        if name in columns and not name.startswith(("param", "rank_")):
            return name
    elif metrics is None:
        # A callable scorer: its metric names are known after the first fit.
        return (
            name if name.startswith(("mean_", "std_", "split")) else f"mean_test_{name}"
        )
    else:
        if name in metrics:
            return f"mean_test_{name}"
        if _predictable_column(name, metrics):
            return name
    known = ["score", "fit_time", "score_time"]
    if metrics and metrics != ["score"]:
        known += list(metrics)
    raise ValueError(
        f"objectives: {name!r} is not a column of cv_results_. Use one of "
        f"{known}, or a numeric column such as 'std_fit_time'; to minimise "
        "something a fit does not measure (model size, predict latency), add "
        "a scorer computing it to scoring and name it here with direction 'min'."
    )


def _predictable_column(name: str, metrics) -> bool:
    """Whether ``name`` is a numeric column every fit of the search will have."""
    stats = {f"{s}_{t}" for s in ("mean", "std") for t in ("fit_time", "score_time")}
    if name in stats:
        return True
    for metric in metrics:
        if name in (f"mean_test_{metric}", f"std_test_{metric}"):
            return True
    return False


def objective_matrix(
    results: Mapping, objectives: Sequence[Objective], *, maximise: bool = False
) -> np.ndarray:
    """The objectives of every row of ``results``, shape (n_rows, n_objectives).

    Non-finite values become NaN. With ``maximise=True`` columns to minimise
    are negated, so that higher is better in every column.
    """
    missing = [o.column for o in objectives if o.column not in results]
    if missing:
        raise ValueError(
            f"objectives: {missing} are not columns of cv_results_ (it has "
            f"{sorted(k for k in results if not k.startswith('param'))})."
        )
    values = np.column_stack(
        [np.asarray(results[o.column], dtype=float) for o in objectives]
    )
    values = np.where(np.isfinite(values), values, np.nan)
    if maximise:
        sign = np.array([1.0 if o.direction == "max" else -1.0 for o in objectives])
        values = values * sign
    return values


def _dominates(V: np.ndarray) -> np.ndarray:
    """``D[i, j]``: row i is at least as good as row j everywhere, better once."""
    ge = (V[:, None, :] >= V[None, :, :]).all(axis=-1)
    gt = (V[:, None, :] > V[None, :, :]).any(axis=-1)
    return ge & gt


def non_dominated_rank(values: np.ndarray) -> np.ndarray:
    """Front number of each row (0 is the Pareto front), higher is better.

    Rows with a NaN come after every front. This is the sorting of NSGA-II:
    front 0 are the rows nothing dominates, front 1 those only front 0
    dominates, and so on.

    Examples
    --------
    >>> import numpy as np
    >>> from skhypertune.pareto import non_dominated_rank
    >>> non_dominated_rank(np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]))
    array([0, 0, 1])
    """
    V = np.atleast_2d(np.asarray(values, dtype=float))
    n = len(V)
    ranks = np.full(n, -1, dtype=int)
    ok = ~np.isnan(V).any(axis=1)
    idx = np.flatnonzero(ok)
    if len(idx):
        D = _dominates(V[idx])
        count = D.sum(axis=0)  # how many rows dominate each row
        front = 0
        left = np.ones(len(idx), dtype=bool)
        while left.any():
            current = left & (count == 0)
            ranks[idx[current]] = front
            left &= ~current
            count = count - D[current].sum(axis=0)
            front += 1
    ranks[~ok] = ranks.max() + 1 if n else 0
    return ranks


def crowding_distance(
    values: np.ndarray, ranks: np.ndarray | None = None
) -> np.ndarray:
    """NSGA-II's crowding distance of each row within its front.

    The sum over objectives of the gap between a row's two neighbours along
    that objective, in units of the front's range; the extremes of each front
    get ``inf``. Rows with a NaN get 0.
    """
    V = np.atleast_2d(np.asarray(values, dtype=float))
    if ranks is None:
        ranks = non_dominated_rank(V)
    out = np.zeros(len(V))
    ok = ~np.isnan(V).any(axis=1)
    for r in np.unique(ranks[ok]):
        members = np.flatnonzero(ok & (ranks == r))
        if len(members) <= 2:
            out[members] = np.inf
            continue
        for j in range(V.shape[1]):
            col = V[members, j]
            order = np.argsort(col, kind="stable")
            span = col[order[-1]] - col[order[0]]
            out[members[order[0]]] = out[members[order[-1]]] = np.inf
            if span > 0:
                gaps = (col[order[2:]] - col[order[:-2]]) / span
                out[members[order[1:-1]]] += gaps
    return out


def _orient(values, directions) -> np.ndarray:
    V = np.atleast_2d(np.asarray(values, dtype=float))
    if directions is None:
        return V
    if len(directions) != V.shape[1]:
        raise ValueError(
            f"directions has {len(directions)} entries for {V.shape[1]} objectives."
        )
    for d in directions:
        if d not in ("max", "min"):
            raise ValueError(f"directions must be 'max' or 'min', got {d!r}.")
    sign = np.array([1.0 if d == "max" else -1.0 for d in directions])
    return V * sign


def pareto_front(values, directions: Sequence[str] | None = None) -> np.ndarray:
    """Indices of the rows of ``values`` that no other row dominates.

    Parameters
    ----------
    values : array-like of shape (n_rows, n_objectives)
        Objective values; rows with a NaN are never on the front.
    directions : sequence of {"max", "min"}, default=None
        Per column, whether higher or lower is better; None: all ``"max"``.

    Returns
    -------
    front : ndarray of int
        Row indices, best first along the first objective (ties: along the
        next ones). Of identical rows, all are on the front.

    Examples
    --------
    >>> from skhypertune.pareto import pareto_front
    >>> pareto_front([[0.9, 2.0], [0.8, 1.0], [0.7, 3.0]], ["max", "min"])
    array([0, 1])
    """
    V = _orient(values, directions)
    front = np.flatnonzero(non_dominated_rank(V) == 0)
    front = front[~np.isnan(V[front]).any(axis=1)]
    order = np.lexsort(tuple(-V[front, j] for j in range(V.shape[1] - 1, -1, -1)))
    return front[order]


def hypervolume(values, reference, directions: Sequence[str] | None = None) -> float:
    """Volume dominated by the rows of ``values`` and bounded by ``reference``.

    Parameters
    ----------
    values : array-like of shape (n_rows, n_objectives)
        Objective values. Rows with a NaN, or not strictly better than
        ``reference`` in every objective, add nothing.
    reference : array-like of shape (n_objectives,)
        The worst corner of the measured region (in the same units and
        directions as ``values``).
    directions : sequence of {"max", "min"}, default=None
        Per column, whether higher or lower is better; None: all ``"max"``.

    Returns
    -------
    volume : float
        Exact, by sweeping in two dimensions and slicing along the last
        objective in more (fine for the few hundred points of a search).

    Examples
    --------
    >>> from skhypertune.pareto import hypervolume
    >>> hypervolume([[1.0, 2.0], [2.0, 1.0]], reference=[0.0, 0.0])
    3.0
    """
    V = _orient(values, directions)
    ref = _orient(np.asarray(reference, dtype=float)[None, :], directions)[0]
    if ref.shape[0] != V.shape[1]:
        raise ValueError(
            f"reference has {ref.shape[0]} entries for {V.shape[1]} objectives."
        )
    V = V[~np.isnan(V).any(axis=1)]
    V = V[(V > ref).all(axis=1)] - ref
    if not len(V):
        return 0.0
    return float(_hv(V[non_dominated_rank(V) == 0]))


def _hv(V: np.ndarray) -> float:
    """Hypervolume of non-negative points above the origin (maximisation)."""
    if V.shape[1] == 1:
        return float(V[:, 0].max())
    if V.shape[1] == 2:
        order = np.argsort(-V[:, 0], kind="stable")
        x, y = V[order, 0], V[order, 1]
        best_y = np.maximum.accumulate(y)
        # Between consecutive x values (descending), the best y reached so far.
        widths = x - np.append(x[1:], 0.0)
        return float(np.sum(widths * best_y))
    levels = np.unique(V[:, -1])[::-1]
    total, below = 0.0, np.append(levels[1:], 0.0)
    for hi, lo in zip(levels, below):
        slab = V[V[:, -1] >= hi, :-1]
        total += (hi - lo) * _hv(slab[non_dominated_rank(slab) == 0])
    return total


def best_within(
    tolerance: float = 0.01, *, cost: str = "fit_time", score: str = "score"
) -> Callable[[Mapping], int]:
    """A ``refit`` callable: the cheapest candidate scoring near the best.

    Among the candidates whose mean score is at least the best mean score
    minus ``tolerance``, the one with the lowest ``cost`` (ties: the higher
    score). That candidate is on the Pareto front of (score, cost).

    Parameters
    ----------
    tolerance : float, default=0.01
        How much score to give up, in the scorer's units.
    cost : str, default="fit_time"
        ``"fit_time"``, ``"score_time"``, a metric name (minimised) or a
        column of ``cv_results_``.
    score : str, default="score"
        The score: ``"score"`` (single metric) or a metric name.

    Returns
    -------
    refit : callable
        Takes ``cv_results_`` and returns the index of the chosen candidate,
        as scikit-learn's searches expect of a callable ``refit``.

    Examples
    --------
    >>> import numpy as np
    >>> from skhypertune.pareto import best_within
    >>> results = {"mean_test_score": np.array([0.95, 0.94, 0.90]),
    ...            "mean_fit_time": np.array([3.0, 0.5, 0.1])}
    >>> best_within(0.02)(results)
    1
    """
    if not isinstance(tolerance, (int, float)) or not tolerance >= 0:
        raise ValueError(f"tolerance must be a non-negative number, got {tolerance!r}.")

    def refit(cv_results: Mapping) -> int:
        s = _lookup(cv_results, score, "score")
        c = _lookup(cv_results, cost, "cost")
        ok = np.isfinite(s) & np.isfinite(c)
        if not ok.any():
            raise ValueError("best_within: no candidate has a finite score and cost.")
        near = ok & (s >= np.max(s[ok]) - tolerance)
        idx = np.flatnonzero(near)
        order = np.lexsort((-s[idx], c[idx]))
        return int(idx[order[0]])

    refit.__name__ = f"best_within({tolerance}, cost={cost!r})"
    return refit


def _lookup(results: Mapping, name: str, role: str) -> np.ndarray:
    for key in (_TIMES.get(name), f"mean_test_{name}", name):
        if key is not None and key in results:
            return np.asarray(results[key], dtype=float)
    raise ValueError(
        f"best_within: {role} {name!r} is not a column of cv_results_ (tried "
        f"'mean_test_{name}' and {name!r})."
    )
