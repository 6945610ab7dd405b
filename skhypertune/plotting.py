"""Plots of a search: convergence, importances, parallel coordinates, slices, halving.

:func:`plot_pareto` draws the trade-offs of a multi-objective search.

Every function takes a fitted search (skhypertune's or scikit-learn's) or its
``cv_results_``, draws on ``ax=`` when given (a new figure otherwise) and
returns what it drew on. matplotlib is an optional dependency: install it with
``pip install "skhypertune[plot]"``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .pareto import Objective, objective_matrix, pareto_front, resolve_objectives

__all__ = [
    "convergence_ylim",
    "plot_convergence",
    "plot_halving",
    "plot_importances",
    "plot_parallel_coordinates",
    "plot_pareto",
    "plot_slices",
]


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - exercised without matplotlib
        raise ImportError(
            "skhypertune's plots need matplotlib, which is not installed. "
            'Install the "plot" extra: pip install "skhypertune[plot]"'
        ) from exc
    return plt


def _new_ax(ax):
    if ax is not None:
        return ax
    plt = _pyplot()
    _, ax = plt.subplots(figsize=(6.4, 4.0))
    return ax


def _unpack(obj: Any, metric: str | None) -> tuple[Mapping, str, Any]:
    """(cv_results, metric, search or None) for a search or its results."""
    search = obj if hasattr(obj, "cv_results_") else None
    results = obj.cv_results_ if search is not None else obj
    if not (isinstance(results, Mapping) or hasattr(results, "columns")):
        raise TypeError(
            f"Expected a fitted search or its cv_results_, got {type(obj).__name__}."
        )
    keys = list(results.keys())
    if metric is None:
        if "mean_test_score" in keys:
            metric = "score"
        elif search is not None and isinstance(getattr(search, "refit", None), str):
            metric = search.refit
        else:
            found = sorted(k[10:] for k in keys if k.startswith("mean_test_"))
            raise ValueError(
                f"cv_results holds several metrics; choose one with metric= "
                f"(one of {found!r})."
            )
    if f"mean_test_{metric}" not in keys:
        raise ValueError(f"metric={metric!r} is not in cv_results.")
    return results, metric, search


def _scores(results: Mapping, metric: str) -> np.ndarray:
    values = np.asarray(results[f"mean_test_{metric}"], dtype=float)
    return np.where(np.isfinite(values), values, np.nan)


def _history(search: Any, results: Mapping, name: str) -> np.ndarray | None:
    """A search's own column (``batch``, ``generation``, ``bracket``), or None.

    skhypertune's searches keep these in ``search_history_``, beside a
    ``cv_results_`` with exactly scikit-learn's keys; older fits and bare
    results dicts may hold them in the results.
    """
    history = getattr(search, "search_history_", None) or {}
    if name in history:
        return np.asarray(history[name])
    if name in results.keys():
        return np.asarray(results[name])
    return None


def _metric_label(metric: str) -> str:
    return "mean test score" if metric == "score" else f"mean test {metric}"


def best_so_far(scores: Sequence[float]) -> np.ndarray:
    """Running maximum of ``scores``, ignoring NaN (NaN before the first score).

    Examples
    --------
    >>> from skhypertune.plotting import best_so_far
    >>> best_so_far([float("nan"), 0.5, 0.4, 0.7]).tolist()
    [nan, 0.5, 0.5, 0.7]
    """
    s = np.asarray(scores, dtype=float)
    filled = np.maximum.accumulate(np.where(np.isnan(s), -np.inf, s))
    return np.where(np.isfinite(filled), filled, np.nan)


def plot_convergence(
    *searches: Any,
    ax: Any = None,
    labels: Sequence[str] | None = None,
    metric: str | None = None,
    ylim: str | tuple[float, float] = "best",
) -> Any:
    """Best score so far against the number of evaluated candidates.

    Parameters
    ----------
    *searches : fitted searches or cv_results_ dicts
        One line each, on the same axes, to compare searchers.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.
    labels : list of str, default=None
        Legend entries; the searches' class names by default.
    metric : str, default=None
        Which ``mean_test_<metric>`` to plot; the refit metric of a
        multi-metric search.
    ylim : "best", "all" or (low, high), default="best"
        The y-axis limits. "best" fits the best-so-far lines: from the
        lowest of them once each search has evaluated a few candidates (see
        :func:`convergence_ylim`) to the best score, so that
        a few poor candidates do not squeeze the lines together. "all" fits
        every score. With "best" or explicit limits, the scores outside the
        axes are drawn as triangles on its edge (``gid="clipped"``) and
        counted in the legend.

    Returns
    -------
    ax : matplotlib Axes
        One line per search (the individual scores are drawn as points).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skhypertune.plotting import plot_convergence
    >>> a = {"params": [{}] * 3, "mean_test_score": [0.2, 0.5, 0.4]}
    >>> b = {"params": [{}] * 3, "mean_test_score": [0.3, 0.3, 0.6]}
    >>> ax = plot_convergence(a, b, labels=["A", "B"])
    >>> [line.get_ydata().tolist() for line in ax.get_lines()]
    [[0.2, 0.5, 0.5], [0.3, 0.3, 0.6]]
    """
    if not searches:
        raise ValueError("plot_convergence needs at least one search or cv_results_.")
    if labels is not None and len(labels) != len(searches):
        raise ValueError(f"Got {len(labels)} labels for {len(searches)} searches.")
    if not (
        (isinstance(ylim, str) and ylim in ("best", "all"))
        or (not isinstance(ylim, str) and len(ylim) == 2)
    ):
        raise ValueError(f"ylim must be 'best', 'all' or (low, high); got {ylim!r}.")
    ax = _new_ax(ax)
    drawn = []
    for i, obj in enumerate(searches):
        results, m, search = _unpack(obj, metric)
        scores = _scores(results, m)
        x = np.arange(1, len(scores) + 1)
        if labels is not None:
            label = labels[i]
        elif search is not None:
            label = type(search).__name__
        else:
            label = f"results {i + 1}"
        (line,) = ax.plot(x, best_so_far(scores), drawstyle="steps-post", label=label)
        points = ax.scatter(x, scores, s=10, alpha=0.35, color=line.get_color())
        drawn.append((x, scores, line.get_color(), points))
        metric_used = m
    ax.set_xlabel("candidates evaluated")
    ax.set_ylabel(f"best {_metric_label(metric_used)} so far")
    ax.set_title("Convergence")
    ax.grid(True, alpha=0.3)
    limits = (
        None
        if isinstance(ylim, str) and ylim == "all"
        else convergence_ylim(*(d[1] for d in drawn))
        if isinstance(ylim, str)
        else tuple(float(v) for v in ylim)
    )
    notes = _clip_to(ax, drawn, limits) if limits is not None else []
    handles, _ = ax.get_legend_handles_labels()
    ax.legend(handles=handles + notes, loc="lower right")
    return ax


#: The best-so-far value after this many candidates is the lowest shown.
_CONVERGENCE_SKIP = 3


def convergence_ylim(*scores: Sequence[float], margin: float = 0.08) -> tuple | None:
    """The y-limits :func:`plot_convergence` chooses for the best-so-far lines.

    For each sequence of scores (one search, in evaluation order) the start of
    its best-so-far curve is left out: its first 5% of candidates, and at
    least its first 3 (the value after the third is kept), where one poor
    random candidate would stretch the axis. The limits go from the lowest
    remaining point of any curve to the best score, widened by ``margin``
    times that span on each side.

    Parameters
    ----------
    *scores : sequences of float
        Each search's ``mean_test_<metric>``, NaN for failed candidates.
    margin : float, default=0.08
        Space added below and above, as a fraction of the span.

    Returns
    -------
    ylim : (low, high) or None
        None when no score is finite.

    Examples
    --------
    >>> from skhypertune.plotting import convergence_ylim
    >>> low, high = convergence_ylim([0.1, 0.2, 0.9, 0.5, 0.95, 0.5])
    >>> round(low, 3), round(high, 3)
    (0.896, 0.954)
    """
    lows, highs = [], []
    for s in scores:
        curve = best_so_far(s)
        if not np.isfinite(curve).any():
            continue
        skip = max(_CONVERGENCE_SKIP, math.ceil(0.05 * len(curve)))
        start = min(skip, len(curve)) - 1
        # NaN until the first finite score, finite after: the last is finite.
        lows.append(np.nanmin(curve[start:]))
        highs.append(np.nanmax(curve))
    if not lows:
        return None
    low, high = float(min(lows)), float(max(highs))
    span = high - low
    if span <= 0:
        # One value: a window of 1% of its size (or 0.01) around it.
        span = 0.01 * max(abs(high), 1.0)
        return low - span / 2, high + span / 2
    return low - margin * span, high + margin * span


def _clip_to(ax, drawn, limits) -> list:
    """Set the y-limits; scores beyond them become triangles on the edge."""
    from matplotlib.lines import Line2D

    low, high = limits
    ax.set_ylim(low, high)
    n_below = n_above = 0
    lowest = math.inf
    for x, scores, color, points in drawn:
        finite = np.isfinite(scores)
        below = finite & (scores < low)
        above = finite & (scores > high)
        inside = finite & ~below & ~above
        points.set_offsets(np.column_stack([x[inside], scores[inside]]))
        for mask, y, marker in ((below, low, "v"), (above, high, "^")):
            if mask.any():
                ax.scatter(
                    x[mask],
                    np.full(int(mask.sum()), y),
                    s=18,
                    marker=marker,
                    color=color,
                    alpha=0.6,
                    clip_on=False,
                    zorder=3,
                    gid="clipped",
                )
        n_below += int(below.sum())
        n_above += int(above.sum())
        if below.any():
            lowest = min(lowest, float(np.min(scores[below])))
    # Legend entries for the triangles; not added to the axes' lines.
    notes = []
    if n_below:
        notes.append(("v", f"{n_below} below {low:.3g} (lowest {lowest:.3g})"))
    if n_above:
        notes.append(("^", f"{n_above} above {high:.3g}"))
    return [
        Line2D([], [], linestyle="none", marker=mk, color="0.45", label=text)
        for mk, text in notes
    ]


def plot_importances(
    search_or_cv_results: Any,
    ax: Any = None,
    interactions: bool = False,
    *,
    max_bars: int = 15,
    metric: str | None = None,
    random_state: int | None = 0,
) -> Any:
    """Horizontal bars of the hyperparameters' importances (fANOVA shares).

    Parameters
    ----------
    search_or_cv_results : fitted search, cv_results_ or dict of importances
        A dict mapping names (or name pairs) to shares is drawn as is.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.
    interactions : bool, default=False
        Also show pairwise interactions (bars labelled ``a × b``).
    max_bars : int, default=15
        Show at most this many, the largest.
    metric : str, default=None
        Passed to :func:`skhypertune.param_importances`.
    random_state : int, default=0
        Passed to :func:`skhypertune.param_importances`.

    Returns
    -------
    ax : matplotlib Axes
        The largest share on top.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skhypertune.plotting import plot_importances
    >>> ax = plot_importances({"C": 0.7, "gamma": 0.3})
    >>> [round(float(p.get_width()), 1) for p in ax.patches]
    [0.7, 0.3]
    """
    shares = _importances(search_or_cv_results, interactions, metric, random_state)
    items = list(shares.items())[:max_bars]
    names = [" × ".join(k) if isinstance(k, tuple) else str(k) for k, _ in items]
    values = [v for _, v in items]
    ax = _new_ax(ax)
    y = np.arange(len(items))[::-1]
    colors = ["#c4622d" if isinstance(k, tuple) else "#2d6fa3" for k, _ in items]
    ax.barh(y, values, color=colors)
    ax.set_yticks(y, names)
    for yi, v in zip(y, values):
        ax.text(v, yi, f" {v:.1%}", va="center", fontsize=8)
    ax.set_xlim(0, max(values + [0.0]) * 1.18 + 1e-9)
    ax.set_xlabel("share of explained variance (fANOVA)")
    ax.set_title("Hyperparameter importances")
    return ax


def _importances(obj, interactions, metric, random_state) -> dict:
    if isinstance(obj, Mapping) and "params" not in obj:
        return dict(obj)
    if not interactions and metric is None and hasattr(obj, "param_importances_"):
        return obj.param_importances_
    from .importance import param_importances

    return param_importances(
        obj, metric=metric, interactions=interactions, random_state=random_state
    )


# -- parameter values as plot coordinates -------------------------------------
class _ParamScale:
    """Where each value of one parameter goes on a [0, 1] axis.

    ``prior`` is what the search space gave for the parameter, when known: a
    scipy.stats distribution sets the scale (log for ``loguniform``) and the
    axis spans its support, so the axis is the range searched; without one,
    numeric values spanning two decades or more go on a log scale and the
    axis spans the values evaluated.
    """

    def __init__(self, name: str, values: list, prior: Any = None):
        self.name = name
        present = [v for v in values if v is not _MISSING]
        self.numeric = bool(present) and all(
            isinstance(v, numbers.Real) and not isinstance(v, bool) for v in present
        )
        self.levels: list = []
        self.log = False
        if self.numeric:
            x = np.asarray(present, dtype=float)
            self.lo, self.hi = float(np.min(x)), float(np.max(x))
            self.integer = all(float(v).is_integer() for v in present)
            log, support = _prior_scale(prior)
            if support is not None:
                self.lo, self.hi = min(self.lo, support[0]), max(self.hi, support[1])
            if log is None:
                log = self.lo > 0 and self.hi / self.lo >= 100
            self.log = bool(log) and self.lo > 0
        else:
            for v in present:
                if not any(_same(v, w) for w in self.levels):
                    self.levels.append(v)

    def __call__(self, v: Any) -> float:
        if v is _MISSING:
            return math.nan
        if self.numeric:
            lo, hi, x = self.lo, self.hi, float(v)
            if self.log:
                lo, hi, x = math.log10(lo), math.log10(hi), math.log10(x)
            return 0.5 if hi == lo else (x - lo) / (hi - lo)
        k = len(self.levels)
        return 0.5 if k == 1 else self.index(v) / (k - 1)

    def index(self, v: Any) -> int:
        """Level index of a categorical value, -1 when inactive."""
        if v is _MISSING:
            return -1
        return next(j for j, w in enumerate(self.levels) if _same(v, w))

    def ticks(self) -> list[tuple[float, str]]:
        """(position, label) of the labelled values along the axis."""
        if not self.numeric:
            return [(self(v), _short(v)) for v in self.levels]
        return _numeric_ticks(self, self.lo, self.hi, self.log, self.integer)


def _numeric_ticks(to_axis, lo, hi, log, integer, digits=3) -> list[tuple[float, str]]:
    """Both ends of a numeric axis (``digits`` significant) and round values."""
    if hi == lo:
        return [(0.5, _tick_text(lo, log, digits))]
    from matplotlib.ticker import LogLocator, MaxNLocator

    locator = (
        LogLocator(base=10, numticks=6)
        if log
        else MaxNLocator(nbins=5, integer=integer, steps=[1, 2, 2.5, 5, 10])
    )
    ticks = [(0.0, _tick_text(lo, log, digits)), (1.0, _tick_text(hi, log, digits))]
    for v in locator.tick_values(lo, hi):
        y = to_axis(float(v))
        # Round values too close to an end would print over its label.
        if 0.06 < y < 0.94:
            ticks.append((y, _tick_text(float(v), log)))
    return sorted(ticks)


def _tick_text(v: float, log: bool, digits: int = 3) -> str:
    if log and v > 0:
        k = math.log10(v)
        if abs(k - round(k)) < 1e-9 and abs(k) > 2:
            return f"1e{round(k)}"
    if float(v).is_integer() and abs(v) < 1e6:
        return str(int(v))
    return f"{v:.{digits}g}"


def _prior_scale(prior: Any) -> tuple[bool | None, tuple[float, float] | None]:
    """(log scale?, finite support) of a scipy.stats distribution, else Nones."""
    dist = getattr(prior, "dist", None)
    if dist is None or not hasattr(prior, "support"):
        return None, None
    log = getattr(dist, "name", "") in ("loguniform", "reciprocal")
    try:
        a, b = (float(v) for v in prior.support())
    except (TypeError, ValueError):
        return log, None
    return log, ((a, b) if math.isfinite(a) and math.isfinite(b) else None)


def _priors(search: Any) -> dict:
    """Parameter name to its distribution in the search space, when it is one.

    A name set by several dicts of a list-of-dicts space keeps its
    distribution only if every dict gives the same one.
    """
    space = getattr(search, "param_distributions", None)
    if space is None:
        return {}
    dicts = [space] if isinstance(space, Mapping) else list(space)
    found: dict = {}
    for d in dicts:
        if not isinstance(d, Mapping):
            return {}
        for name, prior in d.items():
            if name in found and (
                found[name] is None
                or _describe_prior(found[name]) != _describe_prior(prior)
            ):
                found[name] = None
            else:
                found.setdefault(name, prior)
    return {k: v for k, v in found.items() if v is not None}


def _describe_prior(prior: Any) -> tuple:
    dist = getattr(prior, "dist", None)
    name = getattr(dist, "name", None)
    if name is None:
        return ("other", id(prior))
    return (name, repr(getattr(prior, "args", ())), repr(getattr(prior, "kwds", {})))


_MISSING = object()


def _same(a: Any, b: Any) -> bool:
    if a is b:
        return True
    try:
        return bool(a == b) and type(a) is type(b)
    except Exception:
        return False


def _short(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3g}"
    text = str(v)
    return text if len(text) <= 18 else text[:15] + "..."


def _param_table(results: Mapping, params: Sequence[str] | None):
    rows = list(results["params"])
    names = sorted({k for p in rows for k in p}) if params is None else list(params)
    unknown = [n for n in names if not any(n in p for p in rows)]
    if unknown:
        raise ValueError(f"Unknown parameter(s) {unknown!r} for these results.")
    columns = {n: [p.get(n, _MISSING) for p in rows] for n in names}
    return names, columns


def plot_parallel_coordinates(
    search_or_cv_results: Any,
    ax: Any = None,
    *,
    params: Sequence[str] | None = None,
    metric: str | None = None,
    cmap: str = "viridis",
) -> Any:
    """One line per candidate through its parameter values and its score.

    Each axis is labelled with values of its parameter: both ends and round
    values between them, or every category. For a fitted search whose
    ``param_distributions`` gives a parameter a scipy.stats distribution, the
    axis spans that distribution's support (the range searched) and is on a
    log scale for ``loguniform``; otherwise it spans the values evaluated,
    on a log scale when they are positive and span two decades or more. Log
    axes say "(log scale)" under the parameter's name. Categorical values are
    spread evenly along their axis. A parameter inactive for a candidate
    (conditional spaces) leaves a gap in its line. Candidates whose fits
    failed (NaN score) are left out.

    Parameters
    ----------
    search_or_cv_results : fitted search or cv_results_
        The results to draw.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.
    params : list of str, default=None
        Parameters to show, in this order; all of them by default.
    metric : str, default=None
        Which ``mean_test_<metric>`` colours the lines and forms the last axis.
    cmap : str, default="viridis"
        Colormap for the score.

    Returns
    -------
    ax : matplotlib Axes
        One line (``gid="candidate"``) per candidate with a finite score.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skhypertune.plotting import plot_parallel_coordinates
    >>> res = {"params": [{"C": 1.0, "k": "rbf"}, {"C": 10.0, "k": "linear"}],
    ...        "mean_test_score": [0.8, 0.9]}
    >>> ax = plot_parallel_coordinates(res)
    >>> len(ax.get_lines()), [t.get_text() for t in ax.get_xticklabels()]
    (2, ['C', 'k', 'mean test score'])
    """
    _pyplot()
    import matplotlib

    results, m, search = _unpack(search_or_cv_results, metric)
    names, columns = _param_table(results, params)
    scores = _scores(results, m)
    priors = _priors(search)
    scales = [_ParamScale(n, columns[n], priors.get(n)) for n in names]
    ok = np.isfinite(scores)
    lo, hi = (np.nanmin(scores), np.nanmax(scores)) if ok.any() else (0.0, 1.0)
    span = hi - lo if hi > lo else 1.0
    colormap = matplotlib.colormaps[cmap]
    ax = _new_ax(ax)
    xs = np.arange(len(names) + 1)
    order = np.argsort(np.where(ok, scores, -np.inf), kind="stable")
    for i in order:  # best candidates drawn last, on top
        if not ok[i]:
            continue
        ys = [scale(columns[n][i]) for scale, n in zip(scales, names)]
        ys.append((scores[i] - lo) / span)
        ax.plot(
            xs,
            ys,
            color=colormap((scores[i] - lo) / span),
            alpha=0.75,
            linewidth=1.2,
            gid="candidate",
        )
    ax.vlines(xs, -0.02, 1.02, colors="0.3", linewidth=0.8)
    score_ticks = _numeric_ticks(
        lambda v: (v - lo) / span, float(lo), float(hi), False, False, digits=4
    )
    for x, ticks in zip(xs, [s.ticks() for s in scales] + [score_ticks]):
        ax.hlines(
            [y for y, _ in ticks], x - 0.04, x, colors="0.3", linewidth=0.8, gid="tick"
        )
        for y, text in ticks:
            ax.text(
                x + 0.03,
                y,
                text,
                fontsize=7,
                va="center",
                color="0.2",
                gid="tick",
                # Readable over the lines.
                bbox={
                    "boxstyle": "square,pad=0.1",
                    "fc": "white",
                    "ec": "none",
                    "alpha": 0.75,
                },
            )
    axis_names = [f"{n}\n(log scale)" if s.log else n for n, s in zip(names, scales)]
    ax.set_xticks(xs, [*axis_names, _metric_label(m)])
    ax.set_yticks([])
    ax.set_xlim(-0.2, xs[-1] + 0.6)
    ax.set_ylim(-0.08, 1.08)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.set_title("Parallel coordinates (colour: score)")
    return ax


def plot_slices(
    search_or_cv_results: Any,
    ax: Any = None,
    *,
    params: Sequence[str] | None = None,
    metric: str | None = None,
    ncols: int = 3,
) -> Any:
    """Score against each parameter alone (one-parameter marginals).

    One panel per parameter: every candidate as a point, the best one as a
    star; categorical values side by side with their mean marked.

    Parameters
    ----------
    search_or_cv_results : fitted search or cv_results_
        The results to draw.
    ax : sequence of matplotlib Axes, default=None
        One Axes per parameter; a new figure with ``ncols`` columns when None.
    params : list of str, default=None
        Parameters to show; all of them by default.
    metric : str, default=None
        Which ``mean_test_<metric>`` to plot.
    ncols : int, default=3
        Columns of the new figure.

    Returns
    -------
    fig : matplotlib Figure
        Its first ``len(params)`` axes hold the panels.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skhypertune.plotting import plot_slices
    >>> res = {"params": [{"C": 1.0, "k": "rbf"}, {"C": 10.0, "k": "linear"}],
    ...        "mean_test_score": [0.8, 0.9]}
    >>> fig = plot_slices(res)
    >>> [a.get_xlabel() for a in fig.axes[:2]]
    ['C', 'k']
    """
    results, m, search = _unpack(search_or_cv_results, metric)
    names, columns = _param_table(results, params)
    scores = _scores(results, m)
    priors = _priors(search)
    if ax is None:
        plt = _pyplot()
        ncols = max(1, min(ncols, len(names)))
        nrows = max(1, math.ceil(len(names) / ncols))
        fig, grid = plt.subplots(
            nrows, ncols, figsize=(3.2 * ncols, 2.6 * nrows), squeeze=False
        )
        axes = list(grid.ravel())
        for extra in axes[len(names) :]:
            extra.set_visible(False)
    else:
        axes = list(np.ravel(np.asarray(ax, dtype=object)))
        if len(axes) < len(names):
            raise ValueError(
                f"ax holds {len(axes)} Axes but {len(names)} parameters are plotted."
            )
        fig = axes[0].figure
    finite = np.isfinite(scores)
    best = int(np.nanargmax(scores)) if finite.any() else None
    for a, name in zip(axes, names):
        col = columns[name]
        scale = _ParamScale(name, col, priors.get(name))
        active = np.array([v is not _MISSING for v in col]) & finite
        if scale.numeric:
            x = np.array([float(v) if v is not _MISSING else np.nan for v in col])
            a.scatter(x[active], scores[active], s=14, alpha=0.7, color="#2d6fa3")
            if scale.log:
                a.set_xscale("log")
        else:
            x = np.array([scale.index(v) for v in col], dtype=float)
            jitter = np.random.RandomState(0).uniform(-0.12, 0.12, size=len(x))
            a.scatter(
                x[active] + jitter[active],
                scores[active],
                s=14,
                alpha=0.7,
                color="#2d6fa3",
            )
            means = [
                np.mean(scores[active & (x == i)])
                if np.any(active & (x == i))
                else np.nan
                for i in range(len(scale.levels))
            ]
            a.plot(range(len(means)), means, "_", markersize=22, color="#c4622d")
            a.set_xticks(range(len(scale.levels)), [_short(v) for v in scale.levels])
        if best is not None and col[best] is not _MISSING:
            bx = float(col[best]) if scale.numeric else scale.index(col[best])
            a.plot([bx], [scores[best]], "*", markersize=12, color="#d4a017")
        a.set_xlabel(name)
        a.set_ylabel(_metric_label(m))
        a.grid(True, alpha=0.3)
    if ax is None:
        fig.suptitle("One-parameter slices")
        fig.tight_layout()
    return fig


def plot_halving(
    search_or_cv_results: Any, ax: Any = None, *, metric: str | None = None
) -> Any:
    """Candidates per successive-halving iteration, with their resource.

    Bars give the number of candidates evaluated in each iteration (labelled
    with the resource they got); a line on a second axis gives the best score
    reached in each iteration.

    Parameters
    ----------
    search_or_cv_results : fitted halving search or its cv_results_
        Results with ``iter`` and ``n_resources`` columns (scikit-learn's
        and skhypertune's halving searches).
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.
    metric : str, default=None
        Which ``mean_test_<metric>`` to plot.

    Returns
    -------
    ax : matplotlib Axes
        The bars' axes (the score line is on ``ax.right_ax``).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skhypertune.plotting import plot_halving
    >>> res = {"params": [{}] * 6, "iter": [0, 0, 0, 0, 1, 1],
    ...        "n_resources": [20, 20, 20, 20, 40, 40],
    ...        "mean_test_score": [0.5, 0.6, 0.7, 0.4, 0.75, 0.8]}
    >>> ax = plot_halving(res)
    >>> [float(p.get_height()) for p in ax.patches]
    [4.0, 2.0]
    """
    results, m, search = _unpack(search_or_cv_results, metric)
    keys = list(results.keys())
    if "iter" not in keys or "n_resources" not in keys:
        raise ValueError(
            "plot_halving needs the cv_results_ of a successive-halving search "
            "(with 'iter' and 'n_resources' columns)."
        )
    iters = np.asarray(results["iter"], dtype=int)
    # Hyperband runs several brackets, each with its own iterations.
    brackets = _history(search, results, "bracket")
    brackets = (
        np.zeros(len(iters), dtype=int)
        if brackets is None
        else np.asarray(brackets, dtype=int)
    )
    resources = np.asarray(results["n_resources"])
    scores = _scores(results, m)
    groups = sorted(set(zip(brackets.tolist(), iters.tolist())))
    rows = [(brackets == b) & (iters == i) for b, i in groups]
    counts = [int(r.sum()) for r in rows]
    res_of = [resources[r][0] for r in rows]
    best = [
        np.nanmax(scores[r]) if np.isfinite(scores[r]).any() else np.nan for r in rows
    ]
    resource_name = getattr(search, "resource", "n_samples") if search else "resources"
    several = len(set(brackets.tolist())) > 1
    labels = [
        (f"b{b} " if several else "") + f"iter {i}\n{r} {resource_name}"
        for (b, i), r in zip(groups, res_of)
    ]
    xs = np.arange(len(groups))
    ax = _new_ax(ax)
    ax.bar(xs, counts, color="#2d6fa3", alpha=0.85)
    for x, c in zip(xs, counts):
        ax.text(x, c, str(c), ha="center", va="bottom", fontsize=8)
    ax.set_xticks(xs, labels)
    ax.set_ylabel("candidates evaluated")
    right = ax.twinx()
    right.plot(xs, best, "o-", color="#c4622d", label="best score")
    right.set_ylabel(f"best {_metric_label(m)}")
    ax.right_ax = right
    ax.set_title("Successive halving: candidates and resources per iteration")
    return ax


# -- several objectives ---------------------------------------------------------
_TIME_COLUMNS = ("mean_fit_time", "mean_score_time", "std_fit_time", "std_score_time")


def plot_pareto(
    search: Any, ax: Any = None, *, objectives: Sequence[str] | None = None
) -> Any:
    """Every candidate on two objectives, with the Pareto front joined up.

    The first objective goes on the x-axis, the second on the y-axis; each
    axis says whether higher or lower is better, and time columns are on a
    log scale. The candidates no other candidate beats on both objectives
    (the Pareto front) are highlighted and joined by a step line, the edge of
    the region they dominate; the refitted candidate (``best_index_``) is
    marked by a star. Candidates whose fits failed are left out.

    Parameters
    ----------
    search : fitted search or cv_results_
        A search fitted with ``objectives=`` (:class:`~skhypertune.BayesSearchCV`,
        :class:`~skhypertune.EvolutionSearchCV`), which sets ``objectives_``
        and ``pareto_front_``. Any other fitted search, or a ``cv_results_``
        dict, needs ``objectives``.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.
    objectives : list of two str, or dict, default=None
        The two objectives to plot, by name (or ``cv_results_`` column). For a
        search fitted with objectives: two of ``objectives_``, the first two
        by default; with more than two, the front drawn is that of the two
        plotted, and the other members of ``pareto_front_`` are drawn as
        rings. Otherwise, two names (or a dict of two names to ``"max"`` or
        ``"min"``) as the searches' ``objectives`` takes them (see
        :func:`skhypertune.pareto.resolve_objectives`).

    Returns
    -------
    ax : matplotlib Axes
        The candidates (``gid="candidate"``), the front's points
        (``gid="front"``, best first along the x-axis) and its step line
        (``gid="front-line"``), and the refitted candidate (``gid="refit"``).

    Raises
    ------
    ValueError
        For a search fitted without objectives and no ``objectives``, or
        ``objectives`` that are not two of the search's objectives.

    See Also
    --------
    skhypertune.pareto.pareto_front : The front of any matrix of objectives.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skhypertune.plotting import plot_pareto
    >>> res = {"params": [{"k": 1}, {"k": 2}, {"k": 3}],
    ...        "mean_test_score": [0.9, 0.8, 0.7],
    ...        "mean_fit_time": [2.0, 1.0, 3.0]}
    >>> ax = plot_pareto(res, objectives=["score", "fit_time"])
    >>> ax.get_xlabel(), ax.get_ylabel(), ax.get_yscale()
    ('mean test score (higher is better)', 'fit time (s, lower is better)', 'log')
    >>> front = [c for c in ax.collections if c.get_gid() == "front"][0]
    >>> front.get_offsets().tolist()
    [[0.9, 2.0], [0.8, 1.0]]
    """
    results, chosen, fitted = _pareto_objectives(search, objectives)
    values = objective_matrix(results, chosen)
    directions = [o.direction for o in chosen]
    front = pareto_front(values, directions)
    ok = ~np.isnan(values).any(axis=1)
    ax = _new_ax(ax)
    ax.scatter(
        values[ok, 0],
        values[ok, 1],
        s=16,
        alpha=0.45,
        color="#2d6fa3",
        label=f"candidates ({int(ok.sum())})",
        gid="candidate",
    )
    if fitted is not None and len(fitted) > 2:
        others = np.setdiff1d(np.asarray(search.pareto_front_, dtype=int), front)
        if len(others):
            ax.scatter(
                values[others, 0],
                values[others, 1],
                s=44,
                facecolors="none",
                edgecolors="#c4622d",
                label=f"on the front of all {len(fitted)} objectives",
                gid="front-other",
            )
    ax.plot(
        values[front, 0],
        values[front, 1],
        drawstyle="steps-post",
        color="#c4622d",
        linewidth=1.2,
        gid="front-line",
    )
    ax.scatter(
        values[front, 0],
        values[front, 1],
        s=36,
        color="#c4622d",
        edgecolors="0.2",
        linewidths=0.6,
        zorder=3,
        label=f"Pareto front ({len(front)})",
        gid="front",
    )
    best = getattr(search, "best_index_", None)
    if isinstance(best, numbers.Integral) and 0 <= best < len(values) and ok[best]:
        ax.plot(
            [values[best, 0]],
            [values[best, 1]],
            "*",
            markersize=14,
            color="#d4a017",
            markeredgecolor="0.2",
            zorder=4,
            label="refitted (best_index_)",
            gid="refit",
        )
    for objective, column, set_label, set_scale in (
        (chosen[0], values[ok, 0], ax.set_xlabel, ax.set_xscale),
        (chosen[1], values[ok, 1], ax.set_ylabel, ax.set_yscale),
    ):
        set_label(_objective_label(objective))
        if objective.column in _TIME_COLUMNS and len(column) and np.all(column > 0):
            set_scale("log")
    ax.set_title("Pareto front")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    return ax


def _pareto_objectives(
    search: Any, objectives: Sequence[str] | None
) -> tuple[Mapping, tuple[Objective, Objective], tuple[Objective, ...] | None]:
    """(cv_results, the two objectives plotted, the search's objectives_ or None)."""
    fitted_search = hasattr(search, "cv_results_")
    results = search.cv_results_ if fitted_search else search
    if not (isinstance(results, Mapping) or hasattr(results, "columns")):
        raise TypeError(
            "plot_pareto needs a fitted search or its cv_results_, got "
            f"{type(search).__name__}."
        )
    if objectives is not None and (
        isinstance(objectives, str)
        or not isinstance(objectives, (Sequence, Mapping))
        or len(objectives) != 2
        or not all(isinstance(name, str) for name in objectives)
    ):
        raise ValueError(
            "objectives must name the two objectives to plot, e.g. "
            f"['score', 'fit_time']; got {objectives!r}."
        )
    fitted = getattr(search, "objectives_", None) if fitted_search else None
    if fitted is None:
        if objectives is None:
            what = (
                f"this {type(search).__name__} was fitted without objectives"
                if fitted_search
                else "cv_results_ do not say which objectives were searched"
            )
            raise ValueError(
                f"plot_pareto needs several objectives, and {what}. Fit a "
                "BayesSearchCV or EvolutionSearchCV with objectives=['score', "
                "'fit_time'] (or other objectives), or name two columns of "
                "cv_results_ to plot with plot_pareto(..., objectives=[...])."
            )
        chosen = resolve_objectives(
            objectives,
            getattr(search, "scoring", None),
            getattr(search, "refit", True),
            columns=list(results.keys()),
        )
        return results, (chosen[0], chosen[1]), None
    fitted = tuple(fitted)
    if objectives is None:
        return results, (fitted[0], fitted[1]), fitted
    if isinstance(objectives, Mapping):
        raise ValueError(
            "objectives: name two of the search's objectives "
            f"{[o.name for o in fitted]} in a list; their directions are those "
            f"it was fitted with, got {objectives!r}."
        )
    picked = []
    for name in objectives:
        match = [o for o in fitted if name in (o.name, o.column)]
        if not match:
            raise ValueError(
                f"objectives: {name!r} is not one of the search's objectives "
                f"{[o.name for o in fitted]} (objectives_); plot two of them."
            )
        picked.append(match[0])
    if picked[0] == picked[1]:
        raise ValueError(
            f"objectives names {picked[0].name!r} twice; plot two different objectives."
        )
    return results, (picked[0], picked[1]), fitted


def _objective_label(objective: Objective) -> str:
    """Axis label of an objective: what it is, its unit, and which way is better."""
    better = "higher is better" if objective.direction == "max" else "lower is better"
    column = objective.column
    if column in _TIME_COLUMNS:
        return f"{column.removeprefix('mean_').replace('_', ' ')} (s, {better})"
    if column.startswith("mean_test_"):
        return f"{_metric_label(column[len('mean_test_') :])} ({better})"
    return f"{column.replace('_', ' ')} ({better})"
