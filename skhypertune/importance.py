"""Hyperparameter importances by functional ANOVA on a random-forest surrogate.

The method is that of Hutter, Hoos and Leyton-Brown, "An Efficient Approach
for Assessing Hyperparameter Importance" (ICML 2014): fit a random forest
that predicts the score from the hyperparameters, then decompose the variance
of each tree's prediction, over the whole search space, into the part each
hyperparameter explains alone (main effects) and the parts pairs explain
together (interactions). A regression tree is piecewise constant on boxes, so
these integrals are exact finite sums over its leaves; the importance of a
hyperparameter is its share of the variance, averaged over the trees.

What "over the whole search space" means needs a measure on each
hyperparameter's values:

* when the search space is known (``param_distributions``, always the case
  for the ``param_importances_`` of skhypertune searches) it is the space's
  own prior: a ``loguniform`` is weighted on its log scale, a list of values
  uniformly;
* otherwise (the ``cv_results_`` of any scikit-learn search) each
  hyperparameter's values are weighted by how often they were evaluated. For
  random and grid search that is the distribution they were sampled from.

Conditional spaces (a list of dicts) are handled as in the product space the
ANOVA needs: a hyperparameter inactive for a candidate has no effect on its
score, so its value is drawn at random from its measure for the surrogate,
which then learns it does not matter there. When no listed hyperparameter
tells which dict a candidate came from, a pseudo-parameter ``"__branch__"``
stands for that choice.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np
from sklearn.ensemble import ExtraTreesRegressor, RandomForestRegressor
from sklearn.utils import check_random_state

__all__ = ["param_importances"]

#: Name of the pseudo-parameter standing for the dict of a list-of-dicts space.
BRANCH = "__branch__"


def param_importances(
    cv_results: Any,
    *,
    metric: str | None = None,
    param_distributions: Mapping | Sequence[Mapping] | None = None,
    interactions: bool = False,
    normalize: bool = True,
    iteration: int | str = "first",
    n_estimators: int = 64,
    forest: str = "extra",
    random_state: int | np.random.RandomState | None = None,
) -> dict:
    """Share of the score's variance each hyperparameter explains (fANOVA).

    Works on the ``cv_results_`` of any scikit-learn search (GridSearchCV,
    RandomizedSearchCV, the halving searches) and of skhypertune's.

    Parameters
    ----------
    cv_results : dict, DataFrame or fitted search
        A search's ``cv_results_`` (or ``pandas.DataFrame(cv_results_)``).
        A fitted search object is accepted too: its ``cv_results_`` and, for a
        multi-metric search, its ``refit`` metric are used, and for skhypertune
        searches its ``param_distributions``.
    metric : str, default=None
        Which score to explain: ``"mean_test_<metric>"``. Defaults to
        ``"score"`` for single-metric results; required for multi-metric ones.
    param_distributions : dict or list of dicts, default=None
        The search space the candidates were drawn from. When given, each
        hyperparameter is weighted by its prior (a ``loguniform`` on its log
        scale, a list uniformly); otherwise by the frequency of its evaluated
        values, which for random and grid search is their sampling distribution.
    interactions : bool, default=False
        Also return the pairwise interaction shares. With ``normalize=True``
        main effects and pairs are then normalised together, so the main
        effects' shares are smaller than with ``interactions=False``.
    normalize : bool, default=True
        If True, the returned shares are rescaled to sum to one. If False,
        each is its fraction of the total variance of the surrogate's
        prediction, the same whether or not ``interactions`` is set; they
        sum to at most one, and ``1 - sum`` is the variance the returned
        terms leave out (all interactions, or those of three and more
        hyperparameters with ``interactions=True``).
    iteration : "first", "last" or int, default="first"
        Which candidates of a successive-halving search (results with an
        ``iter`` column) to use: "first" takes those evaluated with the
        smallest resource (the first iteration; for Hyperband, the first
        iteration of its most exploratory bracket), "last" those with the
        largest, an int that iteration. The default is the first: scores are
        comparable only at equal resource, and only there do the candidates
        sample the whole space; later iterations hold the few survivors,
        concentrated where the scores were good. Ignored for results without
        ``iter``.
    n_estimators : int, default=64
        Number of trees of the surrogate forest.
    forest : {"random", "extra"}, default="extra"
        Surrogate: scikit-learn's ``RandomForestRegressor`` or
        ``ExtraTreesRegressor``.
    random_state : int, RandomState instance or None, default=None
        Seeds the forest and the imputation of inactive parameters.

    Returns
    -------
    importances : dict
        Parameter name to share of the explained variance, summing to one
        (at most one with ``normalize=False``), sorted from most to least
        important. With ``interactions=True`` the dict also holds
        ``(name_a, name_b)`` tuples for the pairs.

    Raises
    ------
    ValueError
        If the results hold fewer than two candidates with a finite score, or
        ``metric`` is missing for multi-metric results.

    Warns
    -----
    UserWarning
        When candidates with a NaN score (failed fits) are excluded, or when
        every score is the same.

    Notes
    -----
    The surrogate is a forest of fully grown trees on the candidates' scores
    (standardised); each split considers every parameter when there are at
    most three, else ``max(2, n_params // 4)`` drawn at random, which keeps
    the forest from crediting weak parameters' effects to strong ones.
    Categorical values are ordered by their mean score, which lets a binary
    split pick the best subset of values (Breiman et al., 1984). Accuracy
    against analytic decompositions and agreement with Optuna's fANOVA are
    measured in ``benchmarks/bench_importance.py``.

    Hutter, F., Hoos, H. and Leyton-Brown, K. (2014). An Efficient Approach
    for Assessing Hyperparameter Importance. ICML, PMLR 32(1):754-762.

    Examples
    --------
    >>> import numpy as np
    >>> from skhypertune import param_importances
    >>> rng = np.random.RandomState(0)
    >>> params = [{"a": a, "b": b} for a, b in rng.uniform(size=(100, 2))]
    >>> scores = [3 * p["a"] + 0.5 * p["b"] for p in params]
    >>> imp = param_importances(
    ...     {"params": params, "mean_test_score": scores}, random_state=0
    ... )
    >>> list(imp)
    ['a', 'b']
    >>> round(imp["a"], 1)
    1.0

    With ``normalize=False`` main effects and interactions are shares of one
    total; what they leave out is the variance of higher-order interactions:

    >>> both = param_importances(
    ...     {"params": params, "mean_test_score": scores},
    ...     interactions=True, normalize=False, random_state=0,
    ... )
    >>> rest = 1 - sum(both.values())
    >>> list(both), rest >= 0
    (['a', 'b', ('a', 'b')], True)
    """
    results, metric, param_distributions = _unpack(
        cv_results, metric, param_distributions
    )
    if forest not in ("random", "extra"):
        raise ValueError(f"forest must be 'random' or 'extra', got {forest!r}.")
    if not (isinstance(n_estimators, numbers.Integral) and n_estimators >= 1):
        raise ValueError(
            f"n_estimators must be a positive integer, got {n_estimators!r}."
        )
    rng = check_random_state(random_state)
    params, y = _select(results, metric, iteration)
    axes, X = _encode(params, y, param_distributions, rng)
    main, pairs = _fanova(
        X, y, axes, interactions, n_estimators, forest, rng.randint(2**31 - 1)
    )
    names = [a.name for a in axes]
    if not names:
        return {}
    shares: dict = {names[j]: main[j] for j in range(len(names))}
    if interactions:
        shares.update({(names[j], names[k]): v for (j, k), v in pairs.items()})
    total = sum(shares.values())
    if total <= 0 or not math.isfinite(total):
        warnings.warn(
            "The surrogate found no variation of the score with the "
            "hyperparameters; every hyperparameter gets the same share.",
            UserWarning,
            stacklevel=2,
        )
        shares = {k: (1.0 / len(names) if isinstance(k, str) else 0.0) for k in shares}
        total = 1.0
    if not normalize:
        # The fANOVA fractions are already of each tree's total variance.
        total = 1.0
    ordered = sorted(shares.items(), key=lambda kv: (-kv[1], str(kv[0])))
    return {k: float(v / total) for k, v in ordered}


# -- reading results ----------------------------------------------------------
def _unpack(obj: Any, metric: str | None, space: Any) -> tuple[Mapping, str, Any]:
    """The results mapping, the metric name and the space to use."""
    if hasattr(obj, "cv_results_"):
        search = obj
        results = search.cv_results_
        if metric is None and "mean_test_score" not in results:
            refit = getattr(search, "refit", None)
            if isinstance(refit, str):
                metric = refit
        if space is None and _is_skhypertune_search(search):
            space = search.param_distributions
    elif isinstance(obj, Mapping) or hasattr(obj, "columns"):
        results = obj
    else:
        raise TypeError(
            "cv_results must be a search's cv_results_ (a dict or DataFrame) or a "
            f"fitted search, got {type(obj).__name__}."
        )
    keys = list(results.keys())
    if "params" not in keys:
        raise ValueError("cv_results has no 'params' entry; is it a cv_results_?")
    if metric is None:
        if "mean_test_score" in keys:
            metric = "score"
        else:
            found = sorted(
                k[len("mean_test_") :] for k in keys if k.startswith("mean_test_")
            )
            raise ValueError(
                "cv_results holds several metrics; choose one with metric= "
                f"(one of {found!r})."
            )
    if f"mean_test_{metric}" not in keys:
        found = sorted(
            k[len("mean_test_") :] for k in keys if k.startswith("mean_test_")
        )
        raise ValueError(f"metric={metric!r} is not in cv_results; found {found!r}.")
    return results, metric, space


def _is_skhypertune_search(search: Any) -> bool:
    from ._search import BaseHyperSearchCV

    return isinstance(search, BaseHyperSearchCV) and hasattr(
        search, "param_distributions"
    )


def _select(results: Mapping, metric: str, iteration: Any) -> tuple[list, np.ndarray]:
    """Candidates and their scores, one halving iteration, NaN scores dropped."""
    params = list(results["params"])
    y = np.asarray(results[f"mean_test_{metric}"], dtype=float)
    keep = np.ones(len(params), dtype=bool)
    if "iter" in results.keys():
        iters = np.asarray(results["iter"], dtype=int)
        has_resources = "n_resources" in results.keys()
        if iteration in ("first", "last") and has_resources:
            # Scores are comparable only at one resource: take the smallest
            # (or largest) one, which also covers Hyperband's brackets.
            resources = np.asarray(results["n_resources"], dtype=float)
            pick = resources.min() if iteration == "first" else resources.max()
            keep &= resources == pick
        elif iteration in ("first", "last"):
            keep &= iters == (iters.min() if iteration == "first" else iters.max())
        elif isinstance(iteration, numbers.Integral) and iteration in set(iters):
            keep &= iters == int(iteration)
        else:
            raise ValueError(
                "iteration must be 'first', 'last' or one of the iterations "
                f"{sorted(set(iters.tolist()))!r}; got {iteration!r}."
            )
    finite = np.isfinite(y)
    n_bad = int((keep & ~finite).sum())
    if n_bad:
        warnings.warn(
            f"{n_bad} candidate(s) with a NaN score (failed fits) are excluded "
            "from the importances.",
            UserWarning,
            stacklevel=3,
        )
    keep &= finite
    if keep.sum() < 2:
        raise ValueError(
            "Importances need at least 2 candidates with a finite score; got "
            f"{int(keep.sum())}."
        )
    idx = np.flatnonzero(keep)
    return [params[i] for i in idx], y[idx]


# -- encoding parameters as features ------------------------------------------
@dataclass
class _Axis:
    """One hyperparameter as a surrogate feature and a measure on its values.

    ``position(t)`` maps a split threshold on the feature to the cumulative
    measure below it, so that every tree leaf becomes a box in ``[0, 1]^p``
    whose volume is its probability under the product measure.
    """

    name: str
    kind: str  # "ordered" or "categorical"
    position: Callable[[np.ndarray], np.ndarray]
    labels: list = field(default_factory=list)


def _encode(
    params: list[dict], y: np.ndarray, space: Any, rng: np.random.RandomState
) -> tuple[list[_Axis], np.ndarray]:
    """The feature matrix and one axis per hyperparameter (and the branch)."""
    names = sorted({k for p in params for k in p})
    dims = _space_dimensions(space)
    patterns = [frozenset(p) for p in params]
    axes: list[_Axis] = []
    columns: list[np.ndarray] = []
    for name in names:
        active = np.array([name in p for p in params])
        values = [p[name] for p in params if name in p]
        built = None
        if name in dims:
            built = _axis_from_dimension(name, dims[name], values, y[active], rng)
        if built is None:
            built = _empirical_axis(name, values, y[active], rng)
        axis, column, impute = built
        full = np.empty(len(params))
        full[active] = column
        n_inactive = int((~active).sum())
        if n_inactive:
            full[~active] = impute(n_inactive)
        axes.append(axis)
        columns.append(full)
    if len(set(patterns)) > 1 and not any(
        _determines(params, name, patterns) for name in names
    ):
        keys = sorted(set(patterns), key=lambda s: sorted(s))
        labels = ["{" + ", ".join(sorted(k)) + "}" for k in keys]
        codes = np.array([keys.index(p) for p in patterns])
        axis, column, _ = _categorical_axis(BRANCH, codes, labels, y, None, rng)
        axes.append(axis)
        columns.append(column)
    X = np.column_stack(columns) if columns else np.empty((len(params), 0))
    return axes, X


def _space_dimensions(space: Any) -> dict:
    """Parameter name -> its Dimension, for names set by exactly one dict."""
    if space is None:
        return {}
    from .space import SearchSpace

    dims: dict = {}
    count: dict = {}
    for dim in SearchSpace(space).dimensions:
        count[dim.name] = count.get(dim.name, 0) + 1
        dims[dim.name] = dim
    return {k: v for k, v in dims.items() if count[k] == 1 and k != BRANCH}


def _is_number(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))


def _category_key(v: Any) -> Any:
    """A hashable key under which equal values (e.g. equal estimators) group."""
    if v is None or isinstance(v, (str, bool, np.bool_)):
        return (type(v).__name__, v)
    if _is_number(v):
        return ("number", float(v))
    try:
        hash(v)
        if not hasattr(v, "get_params"):
            return ("object", v)
    except TypeError:
        pass
    return ("repr", repr(v))


def _label(v: Any) -> str:
    text = repr(v) if isinstance(v, str) else str(v)
    return text if len(text) <= 40 else text[:37] + "..."


def _empirical_axis(name: str, values: list, y: np.ndarray, rng):
    """Values weighted by how often they were evaluated."""
    if values and all(_is_number(v) and math.isfinite(float(v)) for v in values):
        x = np.asarray(values, dtype=float)
        sorted_x = np.sort(x)
        n = len(sorted_x)

        def position(t: np.ndarray) -> np.ndarray:
            return np.searchsorted(sorted_x, t, side="right") / n

        def impute(k: int) -> np.ndarray:
            return sorted_x[rng.randint(n, size=k)]

        return _Axis(name, "ordered", position), x, impute
    keys = [_category_key(v) for v in values]
    uniq: list = []
    labels: list = []
    for k, v in zip(keys, values):
        if k not in uniq:
            uniq.append(k)
            labels.append(_label(v))
    codes = np.array([uniq.index(k) for k in keys])
    weights = np.bincount(codes, minlength=len(uniq)) / len(codes)
    return _categorical_axis(name, codes, labels, y, weights, rng)


def _categorical_axis(name, codes, labels, y, weights, rng):
    """Categories as one feature, ordered by their mean score.

    For a squared-error regression tree, splitting categories sorted by their
    mean response finds the best partition into two subsets (Breiman et al.,
    1984), so one ordinal feature is as good as the subset splits that
    scikit-learn's trees lack.
    """
    k = len(labels)
    if weights is None:
        weights = np.bincount(codes, minlength=k) / len(codes)
    means = np.array(
        [y[codes == c].mean() if np.any(codes == c) else np.inf for c in range(k)]
    )
    order = np.argsort(means, kind="stable")
    rank = np.empty(k, dtype=int)
    rank[order] = np.arange(k)
    cum = np.cumsum(np.asarray(weights, dtype=float)[order])
    cum = cum / cum[-1]

    def position(t: np.ndarray) -> np.ndarray:
        i = np.floor(t).astype(int)
        return np.where(i < 0, 0.0, cum[np.clip(i, 0, k - 1)])

    probs = np.asarray(weights, dtype=float)[order] / np.sum(weights)

    def impute(n: int) -> np.ndarray:
        return rng.choice(k, size=n, p=probs).astype(float)

    axis = _Axis(name, "categorical", position, [labels[i] for i in order])
    return axis, rank[codes].astype(float), impute


def _axis_from_dimension(name, dim, values, y, rng):
    """Values weighted by the search space's prior; None to fall back."""
    try:
        if dim._values is not None:
            codes = np.array([_index(dim._values, v) for v in values])
            if np.any(codes < 0):
                return None
            seen = sorted(set(codes.tolist()))
            remap = {c: i for i, c in enumerate(seen)}
            labels = [_label(dim._values[c]) for c in seen]
            local = np.array([remap[c] for c in codes])
            # The prior is uniform over the listed values; values never
            # evaluated have no data, so the measure is over the others.
            return _categorical_axis(name, local, labels, y, np.ones(len(seen)), rng)
        if dim._sample is not None:
            return None
        if dim.kind == "integer":
            x = np.asarray(values, dtype=float)
            prior = dim.prior

            def position(t: np.ndarray) -> np.ndarray:
                return np.asarray(prior.cdf(np.floor(t)), dtype=float)

            def impute(k: int) -> np.ndarray:
                return np.array([dim.decode(u) for u in rng.uniform(size=k)], float)

            return _Axis(name, "ordered", position), x, impute
        z = np.array([dim.encode(v) for v in values], dtype=float)

        def impute_uniform(k: int) -> np.ndarray:
            return rng.uniform(size=k)

        return _Axis(name, "ordered", _identity), z, impute_uniform
    except (ValueError, TypeError):
        return None


def _identity(t: np.ndarray) -> np.ndarray:
    return np.clip(t, 0.0, 1.0)


def _index(values: list, v: Any) -> int:
    from .space import _index_of

    i = _index_of(values, v)
    return -1 if i is None else i


def _determines(params: list[dict], name: str, patterns: list) -> bool:
    """Whether the value of ``name`` tells which dict a candidate came from."""
    values = [p.get(name, _MISSING) for p in params]
    if all(_is_number(v) for v in values if v is not _MISSING):
        return False
    seen: dict = {}
    for v, pat in zip(values, patterns):
        key = _category_key(v) if v is not _MISSING else "<inactive>"
        if seen.setdefault(key, pat) != pat:
            return False
    return True


_MISSING = object()


# -- the variance decomposition ----------------------------------------------
def _fanova(X, y, axes, interactions, n_estimators, forest, seed):
    """Mean over trees of each main effect's (and pair's) variance fraction."""
    p = X.shape[1]
    main = np.zeros(p)
    pairs = {jk: 0.0 for jk in combinations(range(p), 2)} if interactions else {}
    # Scores that differ by less than their squares can hold (e.g. 0 and
    # 1e-270) have a standard deviation of zero: nothing to explain.
    spread = y.std()
    if p == 0 or not spread > 0:
        return main, pairs
    cls = RandomForestRegressor if forest == "random" else ExtraTreesRegressor
    # Trees that may split on every parameter rarely split on the weak ones
    # and attribute their variance to the strong ones; drawing a few
    # candidate parameters per split removes most of that bias beyond three
    # parameters (benchmarks/bench_importance.py: 8 dims, max error over seeds
    # 0.13 -> 0.05).
    model = cls(
        n_estimators=n_estimators,
        max_features=p if p <= 3 else max(2, p // 4),
        min_samples_leaf=1,
        bootstrap=forest == "random",
        random_state=seed,
    )
    # Standardising keeps the tolerance checks below independent of scale.
    y_std = (y - y.mean()) / spread
    model.fit(X, y_std)
    n_used = 0
    for tree in model.estimators_:
        lo, hi, value = _leaf_boxes(tree.tree_, axes)
        result = _tree_decomposition(lo, hi, value, interactions)
        if result is None:
            continue
        tree_main, tree_pairs = result
        main += tree_main
        for jk, v in tree_pairs.items():
            pairs[jk] += v
        n_used += 1
    if n_used:
        main /= n_used
        pairs = {jk: v / n_used for jk, v in pairs.items()}
    return main, pairs


def _leaf_boxes(tree, axes):
    """Each leaf's box in measure coordinates, and its predicted value.

    Leaves of zero volume (a split that does not cut the measure) are dropped:
    they contribute to no integral.
    """
    n_nodes, p = tree.node_count, len(axes)
    left, right = tree.children_left, tree.children_right
    feature = tree.feature
    cut = np.zeros(n_nodes)
    for f in range(p):
        at = np.flatnonzero((feature == f) & (left != -1))
        if at.size:
            cut[at] = axes[f].position(tree.threshold[at])
    lo = np.zeros((n_nodes, p))
    hi = np.ones((n_nodes, p))
    # scikit-learn numbers nodes in depth-first order: parents come first.
    for node in np.flatnonzero(left != -1):
        f, a, b = feature[node], left[node], right[node]
        lo[a], hi[a] = lo[node], hi[node]
        lo[b], hi[b] = lo[node], hi[node]
        hi[a, f] = min(hi[node, f], cut[node])
        lo[b, f] = max(lo[node, f], cut[node])
    leaves = np.flatnonzero(left == -1)
    lo, hi = lo[leaves], hi[leaves]
    keep = np.all(hi > lo, axis=1)
    return lo[keep], hi[keep], tree.value[leaves, 0, 0][keep]


def _tree_decomposition(lo, hi, value, interactions):
    """Exact main-effect (and pair) variance fractions of one tree.

    The tree's function is constant on each leaf box. Along each axis the
    boxes' faces cut ``[0, 1]`` into cells; the marginal of the tree over all
    other axes is constant on each cell and equals the sum, over the leaves
    covering that cell, of the leaf value times the leaf's volume in the
    other axes.
    """
    width = hi - lo
    volume = np.prod(width, axis=1)
    mean = float(volume @ value)
    total = float(volume @ (value - mean) ** 2)
    if not total > 1e-12:
        return None
    p = lo.shape[1]
    covers, cell_w = [], []
    main = np.zeros(p)
    for j in range(p):
        cuts = np.unique(np.concatenate([[0.0, 1.0], lo[:, j], hi[:, j]]))
        a, b = cuts[:-1], cuts[1:]
        cover = (lo[:, j, None] <= a[None, :]) & (b[None, :] <= hi[:, j, None])
        covers.append(cover.astype(float))
        cell_w.append(b - a)
        marginal = (value * volume / width[:, j]) @ covers[j]
        main[j] = cell_w[j] @ (marginal - mean) ** 2
    pairs = {}
    if interactions:
        for j, k in combinations(range(p), 2):
            others = value * volume / (width[:, j] * width[:, k])
            joint = covers[j].T @ (others[:, None] * covers[k])
            both = cell_w[j] @ (joint - mean) ** 2 @ cell_w[k]
            pairs[(j, k)] = max(both - main[j] - main[k], 0.0) / total
    return main / total, pairs
