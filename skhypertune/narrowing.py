"""Narrowing a search space around its best region, to continue there.

After a first search over a wide space, :func:`suggest_space` proposes a
narrower ``param_distributions`` from where the best candidates are and which
hyperparameters matter (their importances). It is an ordinary dict (or list
of dicts) of the same kinds of values a person writes, so it can be printed
with :func:`format_space`, edited, and handed back: :func:`narrow` checks that
the new space lies inside the old one and sets the search up to continue in
it with ``warm_start=True``, and :func:`params_inside` lists the evaluated
candidates that fall inside (to seed another search with ``initial_params``).

How each hyperparameter is narrowed:

* a ``uniform`` or ``loguniform`` distribution becomes the same family over
  the range of the top candidates' values, widened on each side by
  ``margin`` times the original range (on the log scale for ``loguniform``),
  within the original support, its ends rounded outwards to three
  significant digits;
* an integer distribution (``randint`` and other discrete ones) becomes a
  ``randint`` over the range found the same way;
* a list of values keeps the values that appear among the top candidates;
* a hyperparameter whose importance is below ``min_importance``, and any
  distribution that has no range to shrink within its family (``norm``,
  ``expon``..., or a sampler with only ``rvs``), is kept as it was (the
  latter with a warning giving the range to use);
* in a list of dicts, each dict is narrowed with its own top candidates,
  and a dict none of them come from is dropped.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .space import SearchSpace, _describe, _index_of

__all__ = ["format_space", "narrow", "params_inside", "suggest_space"]

#: Distributions narrowed within their family, by scipy name.
_LOG_FAMILIES = ("loguniform", "reciprocal")
_LINEAR_FAMILIES = ("uniform",)
#: Significant digits kept when the ends of a range are rounded (outwards).
_DIGITS = 3


def suggest_space(
    search: Any,
    *,
    top: float | int = 0.2,
    margin: float = 0.1,
    min_importance: float = 0.05,
    metric: str | None = None,
) -> dict | list[dict]:
    """A narrower ``param_distributions`` around the best candidates of a search.

    Parameters
    ----------
    search : fitted search
        A fitted skhypertune search, or a scikit-learn ``RandomizedSearchCV``
        or ``GridSearchCV`` (anything with ``cv_results_`` and
        ``param_distributions`` or ``param_grid``).
    top : float or int, default=0.2
        The best candidates that define the region: a fraction of the
        candidates with a finite score (at least one), or a number of them.
        For successive-halving results, of the candidates evaluated with the
        largest resource (only their scores are comparable).
    margin : float, default=0.1
        How far each range is widened beyond the top candidates' values, as
        a fraction of the original range (on its log scale for
        ``loguniform``). 0 keeps exactly the range of the top candidates.
    min_importance : float, default=0.05
        Hyperparameters whose importance (share of the main effects, as in
        ``param_importances_``) is below this are kept as they were: the
        score hardly depends on them, so where the top candidates happen to
        have them says little. 0 narrows every hyperparameter.
    metric : str, default=None
        Which ``mean_test_<metric>`` ranks the candidates; the ``refit``
        metric of a multi-metric search by default.

    Returns
    -------
    param_distributions : dict or list of dicts
        The narrowed space, in the form the search was given (a list of
        dicts stays a list, without the dicts no top candidate came from).
        Unchanged hyperparameters hold the original objects.

    Raises
    ------
    ValueError
        If a parameter is invalid, or no candidate has a finite score.

    Warns
    -----
    UserWarning
        For an important hyperparameter that cannot be narrowed within its
        family (the message gives the range), and when the importances
        cannot be computed (then every hyperparameter is narrowed).

    See Also
    --------
    narrow : Continue the search in the narrowed space.
    format_space : The space as Python source, to read and edit.

    Examples
    --------
    >>> from scipy.stats import loguniform, randint
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from skhypertune import BayesSearchCV, suggest_space
    >>> from skhypertune.narrowing import format_space
    >>> X, y = load_iris(return_X_y=True)
    >>> space = {"max_depth": randint(1, 30), "criterion": ["gini", "entropy"],
    ...          "ccp_alpha": loguniform(1e-4, 1.0)}
    >>> search = BayesSearchCV(DecisionTreeClassifier(random_state=0), space,
    ...                        n_iter=12, cv=3, random_state=0).fit(X, y)
    >>> narrowed = suggest_space(search, top=4)
    >>> sorted(narrowed) == sorted(space)
    True
    >>> print(format_space(narrowed))  # doctest: +SKIP
    {
        'ccp_alpha': loguniform(0.0001, 0.0342),
        'criterion': ['gini', 'entropy'],
        'max_depth': randint(2, 16),
    }
    """
    original, results = _space_and_results(search, "suggest_space()")
    _check_fraction_or_count(top, "top")
    _check_real(margin, "margin", low=0.0)
    _check_real(min_importance, "min_importance", low=0.0, high=1.0)
    metric = _metric(search, results, metric)
    scores = np.asarray(results[f"mean_test_{metric}"], dtype=float)
    pool = np.flatnonzero(np.isfinite(scores) & _comparable_rows(results))
    if len(pool) == 0:
        raise ValueError(
            "suggest_space() needs candidates with a finite score; every fit failed."
        )
    n_top = (
        min(int(top), len(pool))
        if isinstance(top, numbers.Integral)
        else max(1, math.ceil(top * len(pool)))
    )
    best = pool[np.argsort(-scores[pool], kind="stable")[:n_top]]
    importances = _importances(search, metric)
    params = list(results["params"])
    branches = _branches(original)
    spaces = [SearchSpace(b) for b in branches]
    members: list[list[dict]] = [[] for _ in branches]
    for i in best:
        b = _branch_of(params[i], spaces)
        if b is not None:
            members[b].append(params[i])
    all_values = {}
    for p in params:
        for k, v in p.items():
            all_values.setdefault(k, []).append(v)
    narrowed = []
    for branch, space, chosen in zip(branches, spaces, members):
        if not chosen:
            continue
        new = {}
        for dim in space.dimensions:
            prior = branch[dim.name]
            important = importances is None or (
                importances.get(dim.name, 1.0) >= min_importance
            )
            if not important:
                new[dim.name] = prior
                continue
            values = [p[dim.name] for p in chosen]
            new[dim.name] = _narrow_one(
                dim, prior, values, all_values.get(dim.name, values), margin
            )
        narrowed.append(new)
    if not narrowed:
        raise ValueError(
            "None of the best candidates is a point of the search's "
            "param_distributions; was it changed after the fit?"
        )
    return narrowed[0] if isinstance(original, Mapping) else narrowed


def narrow(search: Any, param_distributions: Mapping | Sequence[Mapping]) -> Any:
    """Set a fitted search up to continue in a narrower space.

    Checks that every value ``param_distributions`` can produce is one the
    search's space could produce (ranges within the original supports,
    values among the original lists, the same parameter names), then sets
    ``param_distributions`` and ``warm_start=True`` on the search and
    returns it: its next ``fit`` keeps the evaluations that lie inside the
    new space and spends the rest of ``n_iter`` (which counts them) there.

    Parameters
    ----------
    search : fitted BayesSearchCV or EvolutionSearchCV
        The search to continue (changed in place, as by ``set_params``).
    param_distributions : dict or list of dicts
        The narrowed space, e.g. from :func:`suggest_space`, edited or not.

    Returns
    -------
    search : the same search
        Ready to ``fit`` again.

    Raises
    ------
    ValueError
        Before anything is changed, naming the parameter, if the new space
        is not inside the old one or is not a valid space.
    TypeError
        If the search is not fitted or has no ``warm_start``.

    Examples
    --------
    >>> from scipy.stats import loguniform
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.svm import SVC
    >>> from skhypertune import BayesSearchCV, narrow
    >>> X, y = load_iris(return_X_y=True)
    >>> search = BayesSearchCV(SVC(), {"C": loguniform(1e-3, 1e3)}, n_iter=6,
    ...                        cv=3, random_state=0).fit(X, y)
    >>> narrow(search, {"C": loguniform(1e-1, 1e2)}).warm_start
    True
    >>> narrow(search, {"C": loguniform(1e-1, 1e4)})
    Traceback (most recent call last):
    ...
    ValueError: The new space is not inside the search's space: parameter 'C': ...
    """
    original, _ = _space_and_results(search, "narrow()")
    if "warm_start" not in search.get_params(deep=False):
        raise TypeError(
            f"narrow() continues a search with warm_start; "
            f"{type(search).__name__} has none: start a new search over the "
            "narrowed space instead (params_inside() gives seeds for it)."
        )
    _check_inside(original, param_distributions)
    return search.set_params(param_distributions=param_distributions, warm_start=True)


def params_inside(
    search: Any,
    param_distributions: Mapping | Sequence[Mapping],
    *,
    metric: str | None = None,
) -> list[dict]:
    """The evaluated candidates of a search that lie inside a space, best first.

    Failed candidates are left out. Pass the first few as ``initial_params``
    to start a new search in the narrowed space from the best points found
    so far (they are evaluated again there).

    Parameters
    ----------
    search : fitted search
        Any fitted search (its ``cv_results_``).
    param_distributions : dict or list of dicts
        The space, e.g. from :func:`suggest_space`.
    metric : str, default=None
        Which ``mean_test_<metric>`` orders them; the ``refit`` metric of a
        multi-metric search by default.

    Returns
    -------
    params : list of dict
        Each candidate once; for successive-halving results, ordered by the
        largest resource the candidate reached, then by its score there.

    Examples
    --------
    >>> from scipy.stats import loguniform
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.svm import SVC
    >>> from skhypertune import BayesSearchCV
    >>> from skhypertune.narrowing import params_inside
    >>> X, y = load_iris(return_X_y=True)
    >>> search = BayesSearchCV(SVC(), {"C": loguniform(1e-3, 1e3)}, n_iter=6,
    ...                        cv=3, random_state=0).fit(X, y)
    >>> inside = params_inside(search, {"C": loguniform(1e-1, 1e3)})
    >>> all(0.1 <= p["C"] <= 1e3 for p in inside)
    True
    """
    if not hasattr(search, "cv_results_"):
        raise TypeError(
            "params_inside() needs a fitted search (an object with "
            f"cv_results_), got {type(search).__name__}."
        )
    results = search.cv_results_
    metric = _metric(search, results, metric)
    space = SearchSpace(param_distributions)
    scores = np.asarray(results[f"mean_test_{metric}"], dtype=float)
    level = (
        np.asarray(results["n_resources"], dtype=float)
        if "n_resources" in results
        else np.zeros(len(scores))
    )
    best: dict = {}
    for i, p in enumerate(results["params"]):
        if not np.isfinite(scores[i]) or not _fits(space, p):
            continue
        key = space.key(space.snap(space.encode(p)[None])[0])
        rank = (level[i], scores[i])
        if key not in best or rank > best[key][0]:
            best[key] = (rank, p)
    ordered = sorted(best.values(), key=lambda item: item[0], reverse=True)
    return [dict(p) for _, p in ordered]


def format_space(param_distributions: Mapping | Sequence[Mapping]) -> str:
    """A search space as Python source, to read, paste and edit.

    scipy.stats distributions are written as calls (``loguniform(0.01,
    10.0)``), lists as lists, other objects by their ``repr``.

    Parameters
    ----------
    param_distributions : dict or list of dicts
        The space.

    Returns
    -------
    source : str
        A dict (or list of dicts) display, one parameter a line.

    Examples
    --------
    >>> from scipy.stats import loguniform, randint
    >>> from skhypertune.narrowing import format_space
    >>> print(format_space({"C": loguniform(0.01, 10.0), "k": randint(1, 5),
    ...                     "kernel": ["rbf", "linear"]}))
    {
        'C': loguniform(0.01, 10.0),
        'k': randint(1, 5),
        'kernel': ['rbf', 'linear'],
    }
    """
    if isinstance(param_distributions, Mapping):
        return _format_dict(param_distributions, "")
    if isinstance(param_distributions, (list, tuple)) and all(
        isinstance(d, Mapping) for d in param_distributions
    ):
        inner = "".join(
            f"    {_format_dict(d, '    ')},\n" for d in param_distributions
        )
        return f"[\n{inner}]"
    raise TypeError(
        "param_distributions must be a dict or a list of dicts, got "
        f"{type(param_distributions).__name__}."
    )


# -- carrying evaluations over (for warm_start into a narrowed space) ----------
def _carry_over(
    results: Mapping, param_distributions: Mapping | Sequence[Mapping]
) -> tuple[dict | None, np.ndarray]:
    """The rows of ``results`` inside the space, and their points in it.

    ``results`` is an earlier fit's ``cv_results_`` (with its
    ``search_history_`` columns); the rows kept are those whose parameters
    the new space can produce, in their order, every column cut to them.
    The points are their coordinates in the new space's unit cube
    (snapped). ``(None, empty)`` when none lies inside, as a search without
    earlier evaluations has.
    """
    space = SearchSpace(param_distributions)
    params = list(results["params"])
    keep = [i for i, p in enumerate(params) if _fits(space, p)]
    if not keep:
        return None, np.empty((0, space.n_dims))
    n = len(params)
    rows = np.asarray(keep)
    kept: dict = {}
    for key, column in results.items():
        if key == "params":
            kept[key] = [params[i] for i in keep]
        elif np.ndim(column) >= 1 and len(column) == n:
            kept[key] = (
                column[rows]
                if isinstance(column, np.ndarray)
                else np.asarray(column)[rows]
            )
        else:
            kept[key] = column
    points = space.snap(np.array([space.encode(params[i]) for i in keep]))
    return kept, points


def _check_inside(
    original: Mapping | Sequence[Mapping], new: Mapping | Sequence[Mapping]
) -> None:
    """ValueError naming the first parameter of ``new`` outside ``original``.

    Each dict of ``new`` must lie inside a dict of ``original`` that sets the
    same parameters: every value it can produce, that one can produce too.
    """
    try:
        SearchSpace(new)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"The new space is not a valid search space: {exc}") from None
    old_branches = _branches(original)
    for b, branch in enumerate(_branches(new)):
        where = "" if isinstance(new, Mapping) else f"param_distributions[{b}]: "
        same_names = [o for o in old_branches if set(o) == set(branch)]
        if not same_names:
            reason = _other_names(branch, old_branches)
        else:
            reasons = [_branch_outside(o, branch) for o in same_names]
            if None in reasons:
                continue
            reason = reasons[0]
        raise ValueError(
            f"The new space is not inside the search's space: {where}{reason}."
        )


def _branch_outside(old: Mapping, new: Mapping) -> str | None:
    """Why ``new`` (with the same names) is not inside ``old``; None if it is."""
    for name in new:
        reason = _prior_outside(name, old[name], new[name])
        if reason is not None:
            return reason
    return None


def _other_names(new: Mapping, old_branches: list[Mapping]) -> str:
    """What differs between the names of ``new`` and the closest old dict."""
    closest = min(old_branches, key=lambda o: len(set(o) ^ set(new)))
    missing = sorted(set(closest) - set(new))
    extra = sorted(set(new) - set(closest))
    parts = []
    if missing:
        parts.append(
            f"missing {missing} (keep them as they were, or fix one value with a "
            "one-element list)"
        )
    if extra:
        parts.append(f"not in the search's space: {extra}")
    return (
        f"parameters {sorted(new)} are not those of the search's space "
        f"({'; '.join(parts)})"
    )


def _prior_outside(name: str, old: Any, new: Any) -> str | None:
    """Why values of ``new`` are not all values of ``old`` (None: they are)."""
    if new is old:
        return None
    a = SearchSpace({name: old}).dimensions[0]
    b = SearchSpace({name: new}).dimensions[0]
    prefix = f"parameter {name!r}: "
    if a._sample is not None:
        # A sampler with only rvs has no support to compare with.
        return prefix + (
            f"its original sampler {old!r} has no support to compare with; keep "
            "the same object"
        )
    if b._values is not None:
        for v in b._values:
            try:
                a.encode(v)
            except ValueError:
                return prefix + (
                    f"value {v!r} is not one the search's space can produce "
                    f"({_format_prior(old)})"
                )
        return None
    if a._values is not None:
        # A distribution inside a list of values: only a discrete one whose
        # values are all listed.
        if b.kind == "integer" and b.n_levels is not None and b.n_levels <= 10_000:
            for v in range(int(b._lo), int(b._hi) + 1):
                if _index_of(a._values, v) is None:
                    return prefix + (
                        f"{_format_prior(new)} can draw {v}, which is not among "
                        f"the listed values {a._values!r}"
                    )
            return None
        return prefix + (
            f"{_format_prior(new)} draws values that are not among the listed "
            f"values {a._values!r}; give a list of some of them"
        )
    if b._sample is not None:
        return prefix + (
            f"{new!r} has only rvs, so its values cannot be checked against "
            f"{_format_prior(old)}; use a scipy.stats distribution or a list"
        )
    if a.kind == "integer" and b.kind != "integer":
        return prefix + (
            f"{_format_prior(new)} draws non-integer values, and "
            f"{_format_prior(old)} only integers"
        )
    if b._lo < a._lo or b._hi > a._hi:
        return prefix + (
            f"{_format_prior(new)} draws from [{b._lo:g}, {b._hi:g}], outside "
            f"the support [{a._lo:g}, {a._hi:g}] of {_format_prior(old)}"
        )
    return None


# -- helpers -------------------------------------------------------------------
def _space_and_results(search: Any, caller: str) -> tuple[Any, Mapping]:
    if not hasattr(search, "cv_results_"):
        raise TypeError(
            f"{caller} needs a fitted search (an object with cv_results_), got "
            f"{type(search).__name__}."
        )
    space = getattr(search, "param_distributions", None)
    if space is None:
        space = getattr(search, "param_grid", None)
    if space is None:
        raise TypeError(
            f"{caller} needs the search's space: {type(search).__name__} has "
            "neither param_distributions nor param_grid."
        )
    return space, search.cv_results_


def _branches(space: Any) -> list[Mapping]:
    if isinstance(space, Mapping):
        return [space]
    if isinstance(space, (list, tuple)) and all(isinstance(d, Mapping) for d in space):
        return list(space)
    raise TypeError(
        f"param_distributions must be a dict or a list of dicts, got {space!r}."
    )


def _check_fraction_or_count(value: Any, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be a fraction in (0, 1] or a number of candidates, "
            f"got {value!r}."
        )
    if isinstance(value, numbers.Integral):
        if value < 1:
            raise ValueError(
                f"{name} must be at least 1 candidate (or a fraction), got {value!r}."
            )
    elif not 0 < value <= 1:
        raise ValueError(f"{name} must be a fraction in (0, 1], got {value!r}.")


def _check_real(value: Any, name: str, low: float, high: float = math.inf) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r}.")
    if not low <= value <= high:
        bounds = f"in [{low:g}, {high:g}]" if math.isfinite(high) else f">= {low:g}"
        raise ValueError(f"{name} must be {bounds}, got {value!r}.")


def _metric(search: Any, results: Mapping, metric: str | None) -> str:
    found = sorted(
        k[len("mean_test_") :] for k in results if k.startswith("mean_test_")
    )
    if metric is None:
        if "mean_test_score" in results:
            return "score"
        refit = getattr(search, "refit", None)
        if isinstance(refit, str) and f"mean_test_{refit}" in results:
            return refit
        raise ValueError(
            f"Choose a metric for this multi-metric search: one of {found!r}."
        )
    if f"mean_test_{metric}" not in results:
        raise ValueError(f"metric={metric!r} is not in cv_results_; found {found!r}.")
    return metric


def _comparable_rows(results: Mapping) -> np.ndarray:
    """Rows whose scores compare: for halving, those at the largest resource."""
    n = len(results["params"])
    if "n_resources" in results:
        resources = np.asarray(results["n_resources"], dtype=float)
        return resources == resources.max()
    if "iter" in results:
        iters = np.asarray(results["iter"])
        return iters == iters.max()
    return np.ones(n, dtype=bool)


def _importances(search: Any, metric: str) -> dict | None:
    """Main-effect shares (summing to one), or None when they cannot be had."""
    from .importance import param_importances

    seed = getattr(search, "random_state", None)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return param_importances(
                search, metric=metric, random_state=seed if isinstance(seed, int) else 0
            )
    except ValueError as exc:
        warnings.warn(
            f"suggest_space(): no importances ({exc}); every hyperparameter is "
            "narrowed.",
            UserWarning,
            stacklevel=3,
        )
        return None


def _fits(space: SearchSpace, params: Mapping) -> bool:
    try:
        space.encode(params)
    except (TypeError, ValueError):
        return False
    return True


def _branch_of(params: Mapping, spaces: list[SearchSpace]) -> int | None:
    for b, space in enumerate(spaces):
        if set(params) == set(space.param_names) and _fits(space, params):
            return b
    return None


def _narrow_one(dim, prior: Any, values: list, evaluated: list, margin: float) -> Any:
    """The narrowed prior of one hyperparameter (``prior`` itself if unchanged)."""
    family = getattr(getattr(prior, "dist", None), "name", None)
    if hasattr(prior, "rvs") and family is None:
        _warn_kept(dim.name, prior, values, "a sampler without cdf and ppf")
        return prior
    if dim._values is not None:
        kept = [v for v in dim._values if _index_of(values, v) is not None]
        return prior if len(kept) == len(dim._values) else kept
    lo, hi = min(float(v) for v in values), max(float(v) for v in values)
    if dim.kind == "integer":
        width = _width(dim._lo, dim._hi, evaluated, log=False)
        pad = margin * width
        new_lo = max(dim._lo, math.floor(lo - pad))
        new_hi = min(dim._hi, math.ceil(hi + pad))
        if new_lo <= dim._lo and new_hi >= dim._hi:
            return prior
        from scipy.stats import randint

        return randint(int(new_lo), int(new_hi) + 1)
    log = family in _LOG_FAMILIES
    if not log and family not in _LINEAR_FAMILIES:
        _warn_kept(dim.name, prior, values, f"{family} has no range to shrink")
        return prior
    to = math.log10 if log else float
    back = (lambda t: 10.0**t) if log else float
    width = _width(dim._lo, dim._hi, evaluated, log=log)
    pad = margin * width
    new_lo = back(to(lo) - pad) if pad else lo
    new_hi = back(to(hi) + pad) if pad else hi
    new_lo, new_hi = _round_out(new_lo, new_hi, lo, hi)
    new_lo, new_hi = max(new_lo, dim._lo), min(new_hi, dim._hi)
    if new_lo <= dim._lo and new_hi >= dim._hi:
        return prior
    if new_hi <= new_lo:  # every top candidate has the same value
        return [lo]
    if log:
        return prior.dist(new_lo, new_hi)
    return prior.dist(loc=new_lo, scale=new_hi - new_lo)


def _width(lo: float, hi: float, evaluated: list, log: bool) -> float:
    """The original range (log10 for a log scale), or the evaluated values'."""
    if log:
        lo, hi = math.log10(lo) if lo > 0 else -math.inf, math.log10(hi)
    if math.isfinite(hi - lo):
        return hi - lo
    values = np.asarray(evaluated, dtype=float)
    values = np.log10(values[values > 0]) if log else values
    return float(np.ptp(values)) if values.size else 1.0


def _round_out(new_lo: float, new_hi: float, lo: float, hi: float) -> tuple:
    """Ends rounded outwards to a few significant digits, still around [lo, hi]."""

    def rounded(x: float, up: bool) -> float:
        if x == 0 or not math.isfinite(x):
            return x
        q = 10.0 ** (math.floor(math.log10(abs(x))) - _DIGITS + 1)
        n = math.ceil(x / q - 1e-9) if up else math.floor(x / q + 1e-9)
        return float(f"{n * q:.{_DIGITS}g}")

    a, b = rounded(new_lo, up=False), rounded(new_hi, up=True)
    return (a if a <= lo else new_lo), (b if b >= hi else new_hi)


def _warn_kept(name: str, prior: Any, values: list, why: str) -> None:
    text = (
        f"suggest_space(): parameter {name!r} is kept as {_format_prior(prior)} ({why})"
    )
    if all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values):
        lo, hi = min(values), max(values)
        text += (
            f"; the top candidates have it in [{lo:.4g}, {hi:.4g}], e.g. "
            f"uniform({lo:.4g}, {hi - lo:.4g}) would narrow it"
        )
    warnings.warn(text + ".", UserWarning, stacklevel=4)


def _format_dict(d: Mapping, indent: str) -> str:
    lines = [f"{indent}    {k!r}: {_format_prior(v)},\n" for k, v in d.items()]
    return "{\n" + "".join(lines) + indent + "}"


def _format_prior(prior: Any) -> str:
    if getattr(prior, "dist", None) is not None and hasattr(prior, "args"):
        args = [_literal(a) for a in prior.args]
        args += [f"{k}={_literal(v)}" for k, v in prior.kwds.items()]
        return f"{prior.dist.name}({', '.join(args)})"
    if isinstance(prior, (list, tuple, np.ndarray)):
        items = ", ".join(_literal(v) for v in prior)
        if isinstance(prior, tuple):
            return f"({items},)" if len(prior) == 1 else f"({items})"
        return f"[{items}]"
    return _describe(prior)


def _literal(value: Any) -> str:
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value)
