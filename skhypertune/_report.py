"""A self-contained HTML report of a fitted or running search.

One file, no network: inline CSS, plots as inline SVG, and a few lines of
inline JavaScript that make the leaderboard sortable. It opens in any browser
and can be attached to an email or a CI artefact as is.

The same page is drawn from a :class:`~skhypertune.callbacks.SearchState`
(the results of a search still running, as callbacks see them), with a status
line and, if asked, a meta refresh: that is what
:class:`~skhypertune.callbacks.LiveReport` rewrites after every batch. Pages
are written atomically (a temporary file, then ``os.replace``), so a browser
reloading one never reads half a page.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import html
import io
import math
import os
import re
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from numbers import Real
from pathlib import Path
from typing import Any

import numpy as np

from .callbacks import SearchState
from .pareto import _TIME_COLUMNS, objective_matrix, pareto_front, resolve_objectives

__all__ = ["report"]

#: ``id`` of each section, in page order (tests and users can link to them).
SECTIONS = ("summary", "leaderboard", "importances", "plots")
#: ``id`` of the section a multi-objective search adds after the summary.
PARETO_SECTION = "pareto"

_CSS = """
:root { --fg: #1d2733; --muted: #5b6875; --line: #d9dee4; --accent: #2d6fa3;
        --accent2: #c4622d; --bg: #ffffff; --band: #f4f6f8; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--fg); background: var(--bg); margin: 0; }
header { background: #16324f; color: #fff; padding: 18px 32px; }
header h1 { margin: 0; font-size: 22px; }
header p { margin: 4px 0 0; color: #c8d6e5; }
main { padding: 8px 32px 40px; max-width: 1200px; }
section { margin-top: 26px; }
h2 { font-size: 17px; border-bottom: 2px solid var(--line); padding-bottom: 4px; }
table { border-collapse: collapse; }
td, th { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left;
         vertical-align: top; }
th { background: var(--band); font-weight: 600; }
table.kv th { width: 180px; }
table.sortable th { cursor: pointer; user-select: none; white-space: nowrap; }
table.sortable th[aria-sort=ascending]::after { content: " \\25B2"; }
table.sortable th[aria-sort=descending]::after { content: " \\25BC"; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.best td { background: #fff6dd; }
.scroll { max-height: 520px; overflow: auto; border: 1px solid var(--line); }
.bar { display: inline-block; height: 12px; background: var(--accent);
       border-radius: 2px; vertical-align: middle; }
.bar.pair { background: var(--accent2); }
.bar.rest { background: var(--muted); }
tr.group th { background: none; color: var(--muted); font-weight: 600;
              padding-top: 10px; }
tfoot th { border-top: 2px solid var(--line); }
.muted { color: var(--muted); }
.plots { display: flex; flex-wrap: wrap; gap: 18px; }
figure { margin: 0; border: 1px solid var(--line); padding: 8px; }
figure svg { max-width: 100%; height: auto; display: block; }
figcaption { color: var(--muted); font-size: 12px; }
code { font-size: 13px; }
.status { margin: 16px 0 0; padding: 8px 12px; background: #e8f1fa;
          border-left: 4px solid var(--accent); }
.status.done { background: var(--band); border-left-color: var(--muted); }
"""

_JS = """
(function () {
  function key(cell) {
    var v = cell.getAttribute("data-v");
    if (v !== null && v !== "" && !isNaN(Number(v))) { return Number(v); }
    return cell.textContent.trim().toLowerCase();
  }
  var tables = document.querySelectorAll("table.sortable");
  Array.prototype.forEach.call(tables, function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      th.addEventListener("click", function () {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) {
          h.removeAttribute("aria-sort");
        });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        // Kept in the address, so a page that reloads itself stays sorted.
        if (window.history && window.history.replaceState) {
          window.history.replaceState(null, "", "#sort=" +
            encodeURIComponent(th.textContent) + (asc ? "" : "&desc"));
        }
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a.cells[col]), y = key(b.cells[col]);
          if (typeof x !== typeof y) { x = String(x); y = String(y); }
          var c = x < y ? -1 : (x > y ? 1 : 0);
          return asc ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
    table.setAttribute("data-ready", "1");
  });
  // A link such as report.html#sort=param opens the page sorted by a column
  // (#sort=param&desc: descending).
  var wanted = /sort=([^&]+)/.exec(window.location.hash);
  if (wanted) {
    var name = decodeURIComponent(wanted[1]);
    var desc = /&desc/.test(window.location.hash);
    Array.prototype.forEach.call(document.querySelectorAll("table.sortable th"),
      function (th) {
        if (th.textContent === name) { th.click(); if (desc) { th.click(); } }
      });
  }
})();
"""


def report(
    search: Any,
    path: str | os.PathLike = "report.html",
    *,
    title: str | None = None,
    compare: Sequence[Any] = (),
    labels: Sequence[str] | None = None,
    notes: Mapping[str, Any] | None = None,
    plots: bool = True,
    metric: str | None = None,
    held_out: tuple[Any, Any] | None = None,
    refresh: float | None = None,
) -> Path:
    """Write one self-contained HTML page describing a fitted or running search.

    The page has four sections: a summary (estimator, searcher, budget, best
    score and parameters, time, and the held-out score when ``held_out`` is
    given), a sortable leaderboard of every candidate, the hyperparameter
    importances (main effects, the strongest pairwise interactions and the
    rest, as shares of one total), and the plots (convergence, parallel
    coordinates, one-parameter slices, and the halving iterations for
    halving searches). A search fitted with ``objectives`` (it has
    ``pareto_front_``) gets a fifth, after the summary: its trade-offs, as a
    plot of the Pareto front (:func:`~skhypertune.plotting.plot_pareto`) and
    a table of the candidates on it with each objective's value, the
    refitted one marked. No external file or network resource is referenced.

    Given the :class:`~skhypertune.callbacks.SearchState` a callback receives
    instead of a fitted search, the page shows the candidates evaluated so
    far, under a status line saying how far the search is (see
    :class:`~skhypertune.callbacks.LiveReport`, which rewrites it after every
    batch).

    Parameters
    ----------
    search : fitted search or SearchState
        A skhypertune search or any scikit-learn ``BaseSearchCV``, fitted; or
        the state of a skhypertune search still running.
    path : str or path-like, default="report.html"
        Where to write the page. It is replaced atomically: the page is
        written to a temporary file beside it, then moved over it.
    title : str, default=None
        Page title; built from the searcher and estimator names when None.
    compare : sequence of fitted searches, default=()
        Other searches on the same problem, drawn in the convergence plot
        and listed in the summary (e.g. RandomizedSearchCV at equal budget).
    labels : sequence of str, default=None
        Names for ``search`` and then each of ``compare``; class names when None.
    notes : mapping, default=None
        Extra summary rows, e.g. ``{"wall time": "12.3 s"}``.
    plots : bool, default=True
        Include the plots (needs matplotlib). Without matplotlib the section
        says so and the rest of the page is written.
    metric : str, default=None
        Metric to report for multi-metric searches; their ``refit`` metric
        by default (with a callable ``refit``, the first metric among the
        ``objectives_`` of a multi-objective search).
    held_out : tuple (X_test, y_test), default=None
        Data the searches did not see. The summary and the comparison table
        then give each search's ``score(X_test, y_test)``: its refitted best
        estimator scored with the search's scoring ("n/a" for a search
        without a refitted estimator, or one still running).
    refresh : float, default=None
        Seconds after which a browser showing the page reloads it (an HTML
        meta refresh), for a page rewritten while a search runs. None: the
        page never reloads itself.

    Returns
    -------
    path : pathlib.Path
        The file written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from skhypertune import report
    >>> X, y = load_iris(return_X_y=True)
    >>> grid = GridSearchCV(DecisionTreeClassifier(random_state=0),
    ...                     {"max_depth": [1, 2, 3]}, cv=3).fit(X, y)
    >>> out = report(grid, pathlib.Path(tempfile.mkdtemp()) / "r.html", plots=False)
    >>> page = out.read_text()
    >>> all(f'id="{s}"' in page for s in ("summary", "leaderboard", "importances"))
    True
    >>> "GridSearchCV" in page and "http://" not in page
    True
    """
    target = _as_reportable(search)
    searches = [target, *compare]
    for other in compare:
        if not hasattr(other, "cv_results_"):
            raise TypeError(
                f"compare must hold fitted searches, got {type(other).__name__}."
            )
    if labels is None:
        labels = [_searcher_name(s) for s in searches]
    elif len(labels) != len(searches):
        raise ValueError(
            f"Got {len(labels)} labels for {len(searches)} searches "
            "(search and compare)."
        )
    if held_out is not None and (
        isinstance(held_out, (str, bytes)) or len(held_out) != 2
    ):
        raise ValueError("held_out must be a pair (X_test, y_test).")
    if refresh is not None and (
        isinstance(refresh, bool) or not isinstance(refresh, Real) or not refresh > 0
    ):
        raise ValueError(
            f"refresh must be a positive number of seconds or None, got {refresh!r}."
        )
    metric = _metric(target, metric)
    results = target.cv_results_
    title = title or (
        f"{_searcher_name(target)} on {_estimator_name(target.estimator)}"
    )
    body = [
        _status(target, refresh),
        _summary(target, results, metric, searches, labels, notes, held_out),
        _pareto_section(target, plots),
        _leaderboard(results, metric),
        _importance_section(*_importances(target, metric)),
        _plots_section(target, searches, labels, metric) if plots else "",
    ]
    stamp = "%Y-%m-%d %H:%M:%S" if isinstance(target, _Running) else "%Y-%m-%d %H:%M"
    generated = _dt.datetime.now().strftime(stamp)
    reload = f'<meta http-equiv="refresh" content="{refresh:g}">\n' if refresh else ""
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"{reload}<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n"
        f"<body>\n<header><h1>{_e(title)}</h1><p>skhypertune report, generated "
        f"{_e(generated)}</p></header>\n<main>\n"
        + "\n".join(b for b in body if b)
        + f"\n</main>\n<script>{_JS}</script>\n</body>\n</html>\n"
    )
    return _write_atomically(Path(path), page)


class _Running:
    """A running search as the report reads a fitted one.

    Built from a :class:`SearchState`: the search's constructor parameters
    (``estimator``, ``scoring``, ``param_distributions``...) as attributes, the
    results so far as ``cv_results_`` and ``search_history_``, and nothing a
    fit sets (no ``best_estimator_``, ``refit_time_``...). The running search
    may still hold the fitted attributes of an earlier fit (``warm_start``),
    which is why they are not read from it.
    """

    def __init__(self, state: SearchState, ended: str | None = None):
        search = state.estimator
        if not hasattr(search, "get_params") or "params" not in state.cv_results:
            raise TypeError(
                "report() needs the SearchState of a search (its estimator a "
                "search and cv_results its results so far)."
            )
        self.__dict__.update(search.get_params(deep=False))
        results = dict(state.cv_results)
        columns = getattr(search, "_history_columns", ())
        self.search_history_ = {
            k: np.asarray(results.pop(k)) for k in columns if k in results
        }
        self.cv_results_ = results
        self.state = state
        #: Why the search ended after this state, when it did not end well.
        self.ended = ended
        self.searcher = type(search).__name__
        self.n_splits_ = _n_split_columns(results) or None
        from ._search import BaseHyperSearchCV

        # The space weights the importances, as for a fitted search.
        self.space = (
            search.param_distributions
            if isinstance(search, BaseHyperSearchCV)
            else None
        )
        # A multi-objective search's front so far, as a fit would set it.
        objectives = getattr(self, "objectives", None)
        if objectives is not None:
            with contextlib.suppress(ValueError):
                self.objectives_ = resolve_objectives(
                    objectives,
                    getattr(self, "scoring", None),
                    getattr(self, "refit", True),
                    columns=list(results),
                )
                self.pareto_front_ = pareto_front(
                    objective_matrix(results, self.objectives_),
                    [o.direction for o in self.objectives_],
                )


def _as_reportable(search: Any) -> Any:
    if isinstance(search, SearchState):
        return _Running(search)
    if not hasattr(search, "cv_results_"):
        raise TypeError(
            "report() needs a fitted search (an object with cv_results_) or "
            f"the SearchState of a running one, got {type(search).__name__}."
        )
    return search


def _searcher_name(search: Any) -> str:
    return search.searcher if isinstance(search, _Running) else type(search).__name__


def _n_split_columns(results: Mapping) -> int:
    """Number of CV splits, from the ``split<i>_test_*`` columns."""
    found = {m.group(1) for k in results if (m := re.match(r"split(\d+)_test_", k))}
    return len(found)


def _status(search: Any, refresh: float | None) -> str:
    """The status line of a page drawn while the search runs ("" otherwise)."""
    if not isinstance(search, _Running):
        return ""
    state = search.state
    n_rows = len(search.cv_results_["params"])
    done = state.n_evaluated >= state.n_iter or search.ended is not None
    if search.ended is not None:
        text = (
            f"The search stopped after batch {state.batch}: {search.ended}. "
            f"{state.n_evaluated} of {state.n_iter} candidates were evaluated "
            f"({state.elapsed:.1f} s)"
        )
    elif done:
        text = f"All {state.n_evaluated} candidates of the budget evaluated"
    else:
        text = (
            f"Search running: {state.n_evaluated} of {state.n_iter} candidates "
            "evaluated"
        )
    if search.ended is None:
        text += f" after batch {state.batch} ({state.elapsed:.1f} s)"
    if math.isfinite(state.best_score):
        text += f", best score so far {_fmt(state.best_score)}"
    text += "."
    if state.n_evaluated > n_rows:
        earlier = state.n_evaluated - n_rows
        text += (
            f" {earlier} of them come from an earlier fit (warm start or "
            "checkpoint); the page lists the candidates of this fit."
        )
    if refresh:
        text += f" This page reloads itself every {refresh:g} s."
    elif not done:
        text += " A snapshot: the search may have gone on since."
    cls = "status done" if done else "status running"
    return f'<p id="status" class="{cls}">{_e(text)}</p>'


def _write_atomically(path: Path, text: str) -> Path:
    """Write ``text`` to a temporary file beside ``path``, then move it there."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        # mkstemp makes the file private (0600); give it the mode of the page
        # it replaces, or the usual 0644.
        try:
            mode = path.stat().st_mode & 0o777
        except OSError:
            mode = 0o644
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


# -- pieces -------------------------------------------------------------------
def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _metric(search: Any, metric: str | None) -> str:
    results = search.cv_results_
    if metric is not None:
        if f"mean_test_{metric}" not in results:
            raise ValueError(f"metric={metric!r} is not in the search's cv_results_.")
        return metric
    if "mean_test_score" in results:
        return "score"
    if isinstance(getattr(search, "refit", None), str):
        return search.refit
    # A multi-objective search refitted by a callable: its first metric objective.
    for objective in getattr(search, "objectives_", None) or ():
        if objective.column.startswith("mean_test_") and objective.column in results:
            return objective.column[len("mean_test_") :]
    found = sorted(k[10:] for k in results if k.startswith("mean_test_"))
    raise ValueError(f"Choose a metric for this multi-metric search: one of {found!r}.")


def _estimator_name(est: Any) -> str:
    steps = getattr(est, "steps", None)
    if steps:
        return " → ".join(type(s).__name__ for _, s in steps if s is not None)
    return type(est).__name__


def _fmt(v: Any) -> str:
    if isinstance(v, (float, np.floating)):
        return "nan" if not math.isfinite(v) else f"{v:.6g}"
    if hasattr(v, "get_params"):
        return type(v).__name__
    return str(v)


def _scores(results: Mapping, metric: str) -> np.ndarray:
    values = np.asarray(results[f"mean_test_{metric}"], dtype=float)
    return np.where(np.isfinite(values), values, np.nan)


def _best_index(search: Any, metric: str) -> int | None:
    scores = _scores(search.cv_results_, metric)
    if not np.isfinite(scores).any():
        return None
    return int(np.nanargmax(scores))


def _score_name(search: Any, metric: str) -> str:
    """Short name of what the scores measure, for column headers."""
    scoring = getattr(search, "scoring", None)
    return scoring if isinstance(scoring, str) else metric


def _held_out_score(search: Any, held_out) -> float | None:
    """``search.score(X_test, y_test)``, or None without a refitted model."""
    X, y = held_out
    try:
        return float(search.score(X, y))
    except (AttributeError, TypeError, ValueError):
        # refit=False (no best_estimator_), or an estimator without score.
        return None


def _summary(search, results, metric, searches, labels, notes, held_out) -> str:
    scores = _scores(results, metric)
    n_done = len(scores)
    n_failed = int(np.isnan(scores).sum())
    budget = getattr(search, "n_iter", None)
    n_splits = getattr(search, "n_splits_", None)
    fit_time = _total_time(results, n_splits)
    best = _best_index(search, metric)
    rows = [
        ("searcher", f"<code>{_e(_searcher_name(search))}</code>"),
        ("estimator", f"<code>{_e(_short_repr(search.estimator))}</code>"),
        ("scoring", _e(_scoring_name(search, metric))),
        ("cross-validation", _e(f"{n_splits} splits" if n_splits else "n/a")),
        (
            "budget",
            _e(
                f"{n_done} candidates evaluated"
                + (f" of n_iter={budget}" if budget is not None else "")
                + (f", {n_failed} failed" if n_failed else "")
            ),
        ),
    ]
    if best is not None:
        rows.append(("best score", f"<b>{_e(_fmt(scores[best]))}</b>"))
        params = results["params"][best]
        rows.append(
            (
                "best parameters",
                "<br>".join(
                    f"<code>{_e(k)}</code> = <code>{_e(_fmt(v))}</code>"
                    for k, v in params.items()
                )
                or "<span class=muted>(none)</span>",
            )
        )
    name = _score_name(search, metric)
    if held_out is not None:
        test = _held_out_score(search, held_out)
        rows.append(
            (
                _e(f"held-out {name}"),
                _e(
                    f"{_fmt(test)} ({len(held_out[1])} samples not used in the "
                    "search, best estimator refitted on all the search's data)"
                    if test is not None
                    else "n/a (no refitted best estimator)"
                ),
            )
        )
    rows.append(("time in CV fits", _e(f"{fit_time:.2f} s (fit + score, all folds)")))
    refit_time = getattr(search, "refit_time_", None)
    if refit_time is not None:
        rows.append(("refit time", _e(f"{refit_time:.2f} s")))
    for key, value in (notes or {}).items():
        rows.append((_e(key), _e(value)))
    table = "\n".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    parts = [
        f'<section id="summary">\n<h2>Summary</h2>\n<table class="kv">{table}</table>'
    ]
    if len(searches) > 1:
        comp = []
        for s, label in zip(searches, labels):
            m = _metric(s, None if s is not search else metric)
            sc = _scores(s.cv_results_, m)
            bi = _best_index(s, m)
            test = ""
            if held_out is not None:
                value = _held_out_score(s, held_out)
                test = _num(value) if value is not None else "<td>n/a</td>"
            comp.append(
                f"<tr><td>{_e(label)}</td><td class=num>{len(sc)}</td>"
                f"<td class=num>{_e(_fmt(sc[bi]) if bi is not None else 'n/a')}</td>"
                f"{test}<td>"
                + (
                    _e(
                        ", ".join(
                            f"{k}={_fmt(v)}"
                            for k, v in s.cv_results_["params"][bi].items()
                        )
                    )
                    if bi is not None
                    else ""
                )
                + "</td></tr>"
            )
        test_head = f"<th>held-out {_e(name)}</th>" if held_out is not None else ""
        parts.append(
            '<h3>Comparison at equal budget</h3>\n<table id="comparison">'
            "<thead><tr><th>searcher</th><th>candidates</th>"
            f"<th>best CV {_e(name)}</th>{test_head}"
            "<th>best parameters</th></tr></thead><tbody>"
            + "".join(comp)
            + "</tbody></table>"
        )
        if held_out is None:
            parts.append(
                "<p class=muted>Pass <code>held_out=(X_test, y_test)</code> to "
                "<code>report()</code> to add each search's score on held-out "
                "data.</p>"
            )
    parts.append("</section>")
    return "\n".join(parts)


def _short_repr(est: Any) -> str:
    text = repr(est)
    text = re.sub(r"\s+", " ", text)
    return text if len(text) <= 300 else text[:297] + "..."


def _scoring_name(search: Any, metric: str) -> str:
    scoring = getattr(search, "scoring", None)
    if scoring is None:
        return "the estimator's default score"
    if isinstance(scoring, str):
        return scoring
    return metric


def _total_time(results: Mapping, n_splits: int | None) -> float:
    k = n_splits or 1
    total = 0.0
    for key in ("mean_fit_time", "mean_score_time"):
        if key in results:
            total += float(np.nansum(np.asarray(results[key], dtype=float))) * k
    return total


def _param_cells(params: dict, names: list) -> list[str]:
    """Table cells of a candidate's parameters; a dash where it has none."""
    cells = []
    for n in names:
        if n in params:
            v = params[n]
            cells.append(_num(v) if _is_num(v) else f"<td>{_e(_fmt(v))}</td>")
        else:
            cells.append('<td class=muted data-v="">–</td>')
    return cells


def _leaderboard(results: Mapping, metric: str) -> str:
    params = list(results["params"])
    names = sorted({k for p in params for k in p})
    scores = _scores(results, metric)
    order = np.argsort(np.where(np.isnan(scores), np.inf, -scores), kind="stable")
    score_cols = [k for k in results if k.startswith("mean_test_")]
    extra = [c for c in ("iter", "n_resources") if c in results]
    head = (
        ["#", "rank"]
        + [k[len("mean_") :] for k in score_cols]
        + ([f"std_test_{metric}"] if f"std_test_{metric}" in results else [])
        + ["mean fit time (s)"]
        + extra
        + names
    )
    rank_key = f"rank_test_{metric}"
    rows = []
    best = order[0] if len(order) and np.isfinite(scores[order[0]]) else None
    for i in order:
        cells = [
            _num(i),
            _num(results[rank_key][i]) if rank_key in results else "<td></td>",
        ]
        cells += [_num(results[k][i]) for k in score_cols]
        if f"std_test_{metric}" in results:
            cells.append(_num(results[f"std_test_{metric}"][i]))
        cells.append(
            _num(results["mean_fit_time"][i])
            if "mean_fit_time" in results
            else "<td></td>"
        )
        cells += [_num(results[c][i]) for c in extra]
        cells += _param_cells(params[i], names)
        cls = ' class="best"' if i == best else ""
        rows.append(f"<tr{cls}>" + "".join(cells) + "</tr>")
    thead = "".join(f"<th>{_e(h)}</th>" for h in head)
    return (
        '<section id="leaderboard">\n<h2>Leaderboard</h2>\n'
        f"<p class=muted>{len(params)} candidates, best first; click a column "
        "header to sort.</p>\n"
        '<div class="scroll"><table class="sortable" id="leaderboard-table">'
        f"<thead><tr>{thead}</tr></thead><tbody>\n"
        + "\n".join(rows)
        + "\n</tbody></table></div>\n</section>"
    )


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(
        v, (bool, np.bool_)
    )


def _num(v: Any) -> str:
    if _is_num(v):
        f = float(v)
        key = repr(f) if math.isfinite(f) else ""
        return f'<td class=num data-v="{key}">{_e(_fmt(v))}</td>'
    return f"<td>{_e(_fmt(v))}</td>"


#: Pairs listed one by one in the importance table; the others share a row.
_N_PAIRS = 5


def _importances(search: Any, metric: str):
    """(main effects, pairs, error): fractions of the score's total variance."""
    from .importance import param_importances

    # The seed param_importances_ uses, so that the main effects normalised
    # here are the numbers it (and the command line) shows.
    seed = getattr(search, "random_state", None)
    seed = seed if isinstance(seed, int) else 0
    source, space = search, None
    if isinstance(search, _Running):
        source, space = search.cv_results_, search.space
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            shares = param_importances(
                source,
                metric=metric,
                param_distributions=space,
                interactions=True,
                normalize=False,
                random_state=seed,
            )
    except ValueError as exc:
        return {}, {}, str(exc)
    main = {k: v for k, v in shares.items() if isinstance(k, str)}
    pairs = {k: v for k, v in shares.items() if isinstance(k, tuple)}
    return main, pairs, None


def _percentages(values: Sequence[float], total: float = 100.0) -> list[float]:
    """``values`` (summing to 1) as percentages to 0.1 that sum to ``total``.

    Largest remainders: each is rounded down to 0.1%, and the tenths still
    missing go to those that lost most, so the column adds up as printed.
    """
    tenths = [1000 * v for v in values]
    down = [math.floor(t) for t in tenths]
    missing = round(total * 10) - sum(down)
    by_loss = sorted(range(len(values)), key=lambda i: down[i] - tenths[i])
    for i in by_loss[: max(missing, 0)]:
        down[i] += 1
    return [d / 10 for d in down]


def _importance_section(main: Mapping, pairs: Mapping, error: str | None) -> str:
    head = '<section id="importances">\n<h2>Hyperparameter importances</h2>\n'
    if error:
        return head + f"<p class=muted>Not available: {_e(error)}</p>\n</section>"
    if not main:
        return head + "<p class=muted>No hyperparameters were searched.</p>\n</section>"
    top = sorted(pairs.items(), key=lambda kv: -kv[1])[:_N_PAIRS]
    n_other = len(pairs) - len(top)
    other = float(sum(pairs.values()) - sum(v for _, v in top))
    rest = max(0.0, 1.0 - sum(main.values()) - sum(pairs.values()))
    # Rows of one total: every term's fraction of the score's variance.
    terms = [("main", k, v) for k, v in main.items()]
    terms += [("pair", k, v) for k, v in top]
    if n_other:
        terms.append(("pair", f"{n_other} other pair{'s' * (n_other > 1)}", other))
    if len(main) > 2:  # with two hyperparameters, nothing is left
        terms.append(("rest", "interactions of 3 or more hyperparameters", rest))
    shown = _percentages([v for *_, v in terms])
    main_sum = sum(main.values())
    among = (
        _percentages([v / main_sum for v in main.values()])
        if main_sum > 0
        else [100.0 / len(main)] * len(main)
    )
    groups = {
        "main": "Main effects: each hyperparameter alone",
        "pair": "Pairwise interactions: what a pair explains beyond its two "
        "main effects",
        "rest": "Higher-order interactions",
    }
    rows, seen = [], set()
    for j, ((kind, key, value), pct) in enumerate(zip(terms, shown)):
        if kind not in seen:
            seen.add(kind)
            rows.append(f'<tr class="group"><th colspan=4>{_e(groups[kind])}</th></tr>')
        name = (
            f"<code>{_e(' × '.join(key))}</code>"
            if isinstance(key, tuple)
            else f"<code>{_e(key)}</code>"
            if kind == "main"
            else _e(key)
        )
        bar = {"main": "", "pair": " pair", "rest": " rest"}[kind]
        width = max(1.0, 2.6 * pct)
        norm = f"<td class=num>{among[j]:.1f}%</td>" if kind == "main" else "<td></td>"
        rows.append(
            f'<tr class="{kind}"><td>{name}</td>'
            f'<td class=num data-v="{value!r}">{pct:.1f}%</td>'
            f'<td><span class="bar{bar}" style="width:{width:.0f}px"></span></td>'
            f"{norm}</tr>"
        )
    total = sum(shown)
    return (
        head + "<p class=muted>How much of the variance of the cross-validated "
        "score over the search space each term explains (functional ANOVA on a "
        "random-forest surrogate, Hutter et al., 2014): main effects, pairwise "
        "interactions and the higher-order rest are shares of one total and add "
        "up to 100%. The last column rescales the main effects alone to 100%, "
        "as <code>param_importances_</code> does.</p>\n"
        '<table id="importance-table"><thead><tr><th>term</th>'
        "<th>share of the variance</th><th></th>"
        "<th>share of the main effects</th></tr></thead><tbody>\n"
        + "\n".join(rows)
        + f'\n</tbody><tfoot><tr class="total"><th>total</th>'
        f"<th class=num>{total:.1f}%</th><th></th>"
        f"<th class=num>{sum(among):.1f}%</th></tr></tfoot></table>\n"
        "</section>"
    )


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    text = text[text.index("<svg") :]
    # The RDF metadata names schema URLs; drop it to keep the page free of any
    # external reference.
    return re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)


def _convergence_caption(ax) -> str:
    """What the convergence plot shows, with the y-limits it chose."""
    low, high = ax.get_ylim()
    clipped = [c.get_offsets() for c in ax.collections if c.get_gid() == "clipped"]
    y = np.concatenate([np.asarray(c)[:, 1] for c in clipped]) if clipped else []
    n_below = int(np.sum(np.isclose(y, low)))
    n_above = len(y) - n_below
    text = (
        "Best score so far against candidates evaluated. The y-axis spans the "
        f"best-so-far lines, {low:.4g} to {high:.4g}"
    )
    if n_below:
        text += (
            f"; {n_below} poorer score{'s are' if n_below > 1 else ' is'} marked "
            "by triangles on its bottom edge"
        )
    if n_above:
        text += f"; {n_above} above it on its top edge"
    return text + "."


def _figure(Figure, name, caption, figsize, draw, grid=None) -> str:
    """A ``<figure>`` of what ``draw`` draws on a new Figure's axes, as SVG.

    ``draw`` gets one Axes, or all of them for a ``grid`` (rows, columns); it
    may return how many of the grid's axes it used, the others are hidden.
    ``caption`` is a string or a function of the first Axes.
    """
    fig = Figure(figsize=figsize, layout="tight")
    axes = fig.subplots(*(grid or (1, 1)), squeeze=False).ravel()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        used = draw(axes if grid is not None else axes[0])
    for extra in axes[used:] if isinstance(used, int) else ():
        extra.set_visible(False)
    if callable(caption):
        caption = caption(axes[0])
    return (
        f'<figure id="plot-{name}">{_svg(fig)}<figcaption>{_e(caption)}'
        "</figcaption></figure>"
    )


def _plots_section(search, searches, labels, metric) -> str:
    head = '<section id="plots">\n<h2>Plots</h2>\n'
    try:
        # Figures made without pyplot: no backend switch, no global state.
        from matplotlib.figure import Figure
    except ImportError:
        return (
            head + "<p class=muted>Install matplotlib (pip install "
            '"skhypertune[plot]") to include the plots.</p>\n</section>'
        )
    from . import plotting

    figures = []

    def add(name, caption, figsize, draw, grid=None):
        figures.append(_figure(Figure, name, caption, figsize, draw, grid))

    add(
        "convergence",
        _convergence_caption,
        (6.4, 4.0),
        lambda ax: plotting.plot_convergence(
            *searches,
            ax=ax,
            labels=list(labels),
            metric=None if len(searches) > 1 else metric,
        ),
    )
    results = search.cv_results_
    names = sorted({k for p in results["params"] for k in p})
    if names:
        add(
            "parallel",
            "Each candidate as a line through its parameter values and score.",
            (7.5, 4.0),
            lambda ax: plotting.plot_parallel_coordinates(search, ax=ax, metric=metric),
        )
        ncols = min(3, len(names))
        nrows = math.ceil(len(names) / ncols)

        def slices(axes):
            plotting.plot_slices(
                search, ax=axes[: len(names)], params=names, metric=metric
            )
            return len(names)

        add(
            "slices",
            "Score against each parameter alone; the star marks the best candidate.",
            (3.2 * ncols, 2.6 * nrows),
            slices,
            grid=(nrows, ncols),
        )
    if "iter" in results and "n_resources" in results:
        add(
            "halving",
            "Candidates and resources per successive-halving iteration.",
            (6.4, 4.0),
            lambda ax: plotting.plot_halving(search, ax=ax, metric=metric),
        )
    return head + '<div class="plots">\n' + "\n".join(figures) + "\n</div>\n</section>"


# -- several objectives ------------------------------------------------------------
def _better(objective) -> str:
    better = "higher is better" if objective.direction == "max" else "lower is better"
    if objective.column in _TIME_COLUMNS:
        return f"s, {better}"
    return better


def _pareto_section(search: Any, plots: bool) -> str:
    """The front of a multi-objective search: plot and table ("" otherwise)."""
    front = getattr(search, "pareto_front_", None)
    objectives = getattr(search, "objectives_", None)
    if front is None or objectives is None:
        return ""
    front = [int(i) for i in front]
    results = search.cv_results_
    values = objective_matrix(results, objectives)
    n_failed = int(np.isnan(values).any(axis=1).sum())
    listed = ", ".join(
        f"<code>{_e(o.name)}</code> ({_e(o.column)}, "
        f"{'higher' if o.direction == 'max' else 'lower'} is better)"
        for o in objectives
    )
    best = getattr(search, "best_index_", None)
    best = int(best) if isinstance(best, (int, np.integer)) else None
    text = (
        f"The search traded off {len(objectives)} objectives: {listed}. "
        f"{len(front)} of its {len(values)} candidates"
        + (f" ({n_failed} failed)" if n_failed else "")
        + " are on the Pareto front: no other candidate is at least as good on "
        "every objective and better on one. They are listed best first along "
        f"<code>{_e(objectives[0].name)}</code>."
    )
    refit = getattr(search, "refit", None)
    if best is not None:
        if callable(refit):
            name = getattr(refit, "__name__", repr(refit))
            how = f"<code>refit={_e(name)}</code> chose it"
        else:
            metric = "score" if refit is True else refit
            how = f"<code>refit={_e(repr(refit))}</code> refits the best {_e(metric)}"
        where = (
            "highlighted below"
            if best in front
            else "not on the front: another candidate is at least as good on "
            "every objective"
        )
        text += f" The refitted model is candidate {best} ({how}), {where}."
    elif isinstance(search, _Running):
        text += " The search is running: this is the front of the candidates so far."
    else:
        text += " No model was refitted (<code>refit=False</code>)."
    parts = [
        f'<section id="{PARETO_SECTION}">\n<h2>Trade-offs (Pareto front)</h2>\n'
        f"<p class=muted>{text}</p>"
    ]
    if plots:
        parts.append(_pareto_plot(search, objectives))
    params = [results["params"][i] for i in front]
    names = sorted({k for p in params for k in p})
    head = ["#", "refitted"] + [f"{o.name} ({_better(o)})" for o in objectives] + names
    rows = []
    for i, p in zip(front, params):
        cells = [_num(i), "<td>refitted</td>" if i == best else "<td></td>"]
        cells += [_num(float(v)) for v in values[i]]
        cells += _param_cells(p, names)
        cls = ' class="best"' if i == best else ""
        rows.append(f"<tr{cls}>" + "".join(cells) + "</tr>")
    thead = "".join(f"<th>{_e(h)}</th>" for h in head)
    parts.append(
        '<div class="scroll"><table class="sortable" id="pareto-table">'
        f"<thead><tr>{thead}</tr></thead><tbody>\n"
        + "\n".join(rows)
        + "\n</tbody></table></div>\n</section>"
    )
    return "\n".join(parts)


def _pareto_plot(search: Any, objectives) -> str:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return (
            "<p class=muted>Install matplotlib (pip install "
            '"skhypertune[plot]") to include the plot of the front.</p>'
        )
    from . import plotting

    x, y = objectives[0].name, objectives[1].name
    caption = (
        f"Every candidate on {x} and {y}; the Pareto front is highlighted and "
        "joined by a step line, the star marks the refitted candidate."
    )
    if len(objectives) > 2:
        caption += (
            f" The front drawn is that of {x} and {y}; rings mark the other "
            f"candidates on the front of all {len(objectives)} objectives."
        )
    figure = _figure(
        Figure,
        "pareto",
        caption,
        (6.4, 4.0),
        lambda ax: plotting.plot_pareto(search, ax=ax),
    )
    return f'<div class="plots">\n{figure}\n</div>'
