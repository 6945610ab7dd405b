"""The HTML report: content, self-containment, and a headless-Chromium render."""

import os
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import loguniform, randint
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

import skhypertune
from skhypertune._report import SECTIONS, report

SPACE = [
    {"C": loguniform(1e-2, 1e2), "kernel": ["rbf"], "gamma": loguniform(1e-3, 1e0)},
    {"C": loguniform(1e-2, 1e2), "kernel": ["linear"]},
]


@pytest.fixture(scope="module")
def searches(tiny_classification):
    from conftest import RandomHyperSearchCV

    X, y = tiny_classification
    ours = RandomHyperSearchCV(SVC(), SPACE, n_iter=12, batch_size=4, random_state=0)
    ours.fit(X, y)
    theirs = RandomizedSearchCV(SVC(), SPACE, n_iter=12, cv=3, random_state=0)
    theirs.fit(X, y)
    return ours, theirs


@pytest.fixture(scope="module")
def held_out():
    from sklearn.datasets import make_classification

    # Same generator and features as tiny_classification, other samples.
    X, y = make_classification(
        n_samples=90, n_features=5, n_informative=3, random_state=0
    )
    return X[60:], y[60:]


@pytest.fixture(scope="module")
def page(searches, held_out, tmp_path_factory):
    ours, theirs = searches
    path = tmp_path_factory.mktemp("report") / "report.html"
    out = report(
        ours,
        path,
        compare=[theirs],
        notes={"wall time": "1.5 s"},
        held_out=held_out,
    )
    assert out == path
    return path, path.read_text(encoding="utf-8")


def _section(text, name):
    match = re.search(rf'<section id="{name}">(.*?)</section>', text, flags=re.S)
    assert match, f"section {name!r} missing"
    return match.group(1)


def test_all_sections_in_order(page):
    _, text = page
    positions = [text.index(f'<section id="{s}">') for s in SECTIONS]
    assert positions == sorted(positions)


def test_summary_names_searcher_budget_best_and_comparison(page, searches):
    ours, theirs = searches
    summary = _section(page[1], "summary")
    assert "RandomHyperSearchCV" in summary and "SVC" in summary
    assert "12 candidates evaluated of n_iter=12" in summary
    assert f"{ours.best_score_:.6g}" in summary
    for name in ours.best_params_:
        assert f"<code>{name}</code>" in summary
    assert "wall time" in summary and "1.5 s" in summary
    comparison = re.search(r'<table id="comparison">(.*?)</table>', summary, re.S)
    rows = re.findall(r"<tr><td>(.*?)</td>", comparison.group(1))
    assert rows == ["RandomHyperSearchCV", "RandomizedSearchCV"]
    assert f"{theirs.best_score_:.6g}" in comparison.group(1)


def _comparison(text):
    """Header and rows (cell texts) of the comparison table."""
    table = re.search(r'<table id="comparison">(.*?)</table>', text, re.S).group(1)
    head, body = table.split("<tbody>")
    cells = [
        re.findall(r"<td[^>]*>(.*?)</td>", r)
        for r in re.findall(r"<tr>(.*?)</tr>", body)
    ]
    return re.findall(r"<th>(.*?)</th>", head), cells


def test_comparison_has_the_held_out_score(page, searches, held_out):
    # The console of the demo prints each search's score on held-out data
    # beside its best CV score; the report's comparison has the same column.
    X_test, y_test = held_out
    head, rows = _comparison(page[1])
    assert head == [
        "searcher",
        "candidates",
        "best CV score",
        "held-out score",
        "best parameters",
    ]
    for search, row in zip(searches, rows):
        assert float(row[2]) == pytest.approx(search.best_score_, abs=1e-6)
        assert float(row[3]) == pytest.approx(search.score(X_test, y_test), abs=1e-6)
    summary = _section(page[1], "summary")
    test = searches[0].score(X_test, y_test)
    assert re.search(
        rf"<th>held-out score</th><td>{test:.6g} \(30 samples not used", summary
    )


def test_comparison_without_held_out_data_or_refit(tmp_path, searches, held_out):
    ours, theirs = searches
    text = report(ours, tmp_path / "a.html", compare=[theirs], plots=False).read_text()
    head, _ = _comparison(text)
    assert not any("held-out" in h for h in head)
    assert "held_out=(X_test, y_test)" in text
    # A search without a refitted estimator has no held-out score.
    X, y = held_out
    no_refit = GridSearchCV(SVC(), {"C": [0.1, 1.0]}, cv=2, refit=False).fit(X, y)
    text = report(
        ours, tmp_path / "b.html", compare=[no_refit], plots=False, held_out=(X, y)
    ).read_text()
    _, rows = _comparison(text)
    assert float(rows[0][3]) == pytest.approx(ours.score(X, y), abs=1e-6)
    assert rows[1][3] == "n/a"
    with pytest.raises(ValueError, match="held_out"):
        report(ours, tmp_path / "c.html", held_out=(X,))


def test_leaderboard_has_every_candidate_best_first(page, searches):
    ours, _ = searches
    board = _section(page[1], "leaderboard")
    body = board.split("<tbody>")[1]
    rows = re.findall(r"<tr( class=\"best\")?>(.*?)</tr>", body, flags=re.S)
    assert len(rows) == 12
    assert rows[0][0] and not any(r[0] for r in rows[1:])
    first_score = re.findall(r'data-v="([^"]*)"', rows[0][1])[2]
    assert float(first_score) == pytest.approx(ours.best_score_)
    # An inactive parameter (gamma of the linear kernel) is an empty cell.
    assert "–" in body
    assert 'class="sortable"' in board


def _importance_rows(section):
    """(kind, name, share as shown, exact share, share of main effects)."""
    table = re.search(r'<table id="importance-table">(.*?)</table>', section, re.S)
    body, foot = table.group(1).split("<tfoot>")
    rows = []
    for kind, cells in re.findall(r'<tr class="(main|pair|rest)">(.*?)</tr>', body):
        name = re.sub(r"<[^>]+>", "", re.search(r"<td>(.*?)</td>", cells).group(1))
        exact, shown = re.search(r'data-v="([^"]*)">([\d.]+)%', cells).groups()
        norm = re.findall(r"<td class=num>([\d.]+)%</td>", cells)
        rows.append((kind, name, float(shown), float(exact), norm))
    totals = [float(v) for v in re.findall(r"([\d.]+)%", foot)]
    return rows, totals


def test_importances_are_shares_of_one_total(page, searches):
    # Main effects, pairs and the rest as shares of one variance: the column
    # adds up to 100% as printed, where before the main effects alone did and
    # the pairs came on top.
    ours, _ = searches
    rows, totals = _importance_rows(_section(page[1], "importances"))
    kinds = [r[0] for r in rows]
    assert kinds == ["main"] * 3 + ["pair"] * 3 + ["rest"]
    shown = [r[2] for r in rows]
    assert round(sum(shown), 1) == 100.0 and totals[0] == 100.0
    assert sum(r[3] for r in rows) == pytest.approx(1.0, abs=1e-9)
    for _, _, pct, exact, _ in rows:
        assert abs(pct - 100 * exact) <= 0.1 + 1e-9
    raw = skhypertune.param_importances(
        ours, interactions=True, normalize=False, random_state=0
    )
    for kind, name, _, exact, _ in rows:
        if kind == "main":
            assert exact == pytest.approx(raw[name], rel=1e-9)
        elif kind == "pair":
            assert exact == pytest.approx(raw[tuple(name.split(" × "))], rel=1e-9)
        else:
            assert exact == pytest.approx(1 - sum(raw.values()), abs=1e-9)
    # The last column is param_importances_ (and the console's numbers).
    mains = [r for r in rows if r[0] == "main"]
    assert [r[1] for r in mains] == list(ours.param_importances_)
    for _, name, _, _, norm in mains:
        assert float(norm[0]) == pytest.approx(
            100 * ours.param_importances_[name], abs=0.1
        )
    assert round(sum(float(r[4][0]) for r in mains), 1) == 100.0
    assert totals[1] == 100.0


def test_percentages_add_up_as_printed():
    from skhypertune._report import _percentages

    # Rounded one by one, these print as 33.3 + 33.3 + 33.3 = 99.9.
    assert _percentages([1 / 3] * 3) == [33.4, 33.3, 33.3]
    shares = [0.1234, 0.2345, 0.3456, 0.2965]
    assert round(sum(_percentages(shares)), 1) == 100.0
    assert _percentages(shares) == [12.3, 23.5, 34.6, 29.6]


def test_importance_table_groups_pairs_beyond_five(tmp_path):
    from sklearn.datasets import make_regression
    from sklearn.tree import DecisionTreeRegressor

    # Four hyperparameters: six pairs, five listed, one row for the last.

    X, y = make_regression(n_samples=40, n_features=4, random_state=0)
    space = {
        "max_depth": randint(1, 8),
        "min_samples_leaf": randint(1, 10),
        "min_samples_split": randint(2, 10),
        "max_features": [0.5, 1.0],
    }
    search = RandomizedSearchCV(
        DecisionTreeRegressor(random_state=0), space, n_iter=20, cv=2, random_state=0
    ).fit(X, y)
    text = report(search, tmp_path / "p.html", plots=False).read_text()
    rows, totals = _importance_rows(_section(text, "importances"))
    names = [r[1] for r in rows if r[0] == "pair"]
    assert len(names) == 6 and names[-1] == "1 other pair"
    raw = skhypertune.param_importances(
        search, interactions=True, normalize=False, random_state=0
    )
    smallest = min(v for k, v in raw.items() if isinstance(k, tuple))
    assert rows[[r[1] for r in rows].index(names[-1])][3] == pytest.approx(smallest)
    assert round(sum(r[2] for r in rows), 1) == 100.0 == totals[0]


def test_plots_are_inline_svg(page):
    pytest.importorskip("matplotlib")
    plots = _section(page[1], "plots")
    assert plots.count("<svg") == 3
    for name in ("convergence", "parallel", "slices"):
        assert f'id="plot-{name}"' in plots


def test_convergence_caption_gives_the_chosen_limits(page, searches):
    pytest.importorskip("matplotlib")
    from skhypertune.plotting import convergence_ylim

    scores = [s.cv_results_["mean_test_score"] for s in searches]
    low, high = convergence_ylim(*scores)
    n_below = sum(int((s < low).sum()) for s in scores)
    assert n_below > 0  # the fixture's searches have poor candidates
    caption = re.search(
        r'id="plot-convergence">.*?<figcaption>(.*?)</figcaption>', page[1], re.S
    ).group(1)
    assert f"best-so-far lines, {low:.4g} to {high:.4g}; {n_below} poorer" in caption


def test_no_external_resources(page):
    _, text = page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", text)
    assert not re.search(r"url\(\s*['\"]?(https?:|//)", text)
    assert "<link" not in text and "<script src" not in text
    assert "<!DOCTYPE svg" not in text and "<?xml" not in text


def test_grid_and_halving_searches(tmp_path, tiny_classification):
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingRandomSearchCV

    X, y = tiny_classification
    grid = GridSearchCV(
        DecisionTreeClassifier(random_state=0), {"max_depth": [1, 2, 3]}, cv=2
    ).fit(X, y)
    text = report(grid, tmp_path / "g.html", plots=False).read_text()
    assert "GridSearchCV" in text and "n_iter" not in _section(text, "summary")
    halving = HalvingRandomSearchCV(
        DecisionTreeClassifier(random_state=0),
        {"max_depth": randint(1, 6)},
        n_candidates=6,
        factor=2,
        min_resources=20,
        cv=2,
        random_state=0,
    ).fit(X, y)
    text = report(halving, tmp_path / "h.html").read_text()
    try:
        import matplotlib  # noqa: F401

        assert 'id="plot-halving"' in text
    except ImportError:
        assert "skhypertune[plot]" in text
    assert "<th>iter</th>" in text and "<th>n_resources</th>" in text


def test_multimetric_search_reports_the_refit_metric(tmp_path, tiny_classification):
    X, y = tiny_classification
    grid = GridSearchCV(
        DecisionTreeClassifier(random_state=0),
        {"max_depth": [1, 2, 3]},
        scoring=["accuracy", "f1"],
        refit="f1",
        cv=2,
    ).fit(X, y)
    text = report(grid, tmp_path / "m.html", plots=False).read_text()
    summary = _section(text, "summary")
    assert f"{grid.best_score_:.6g}" in summary
    assert "test_accuracy" in text and "test_f1" in text
    with pytest.raises(ValueError, match="auc"):
        report(grid, tmp_path / "x.html", metric="auc")


def test_without_matplotlib_the_page_says_so(monkeypatch, tmp_path, searches):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    text = report(searches[0], tmp_path / "n.html").read_text()
    assert "skhypertune[plot]" in _section(text, "plots")
    assert "<svg" not in text


def test_errors_and_the_package_level_function(tmp_path, searches):
    with pytest.raises(TypeError, match="fitted search"):
        report(SVC(), tmp_path / "x.html")
    with pytest.raises(ValueError, match="3 labels for 2"):
        report(
            searches[0],
            tmp_path / "x.html",
            compare=[searches[1]],
            labels=["a"] * 2 + ["b"],
        )
    assert skhypertune.report is report
    out = skhypertune.report(searches[0], tmp_path / "c.html", plots=False)
    assert out.exists()


# -- multi-objective searches --------------------------------------------------------
def _n_leaves(estimator, X, y):
    """A scorer measuring model size, to minimise."""
    return float(estimator.get_n_leaves())


@pytest.fixture(scope="module")
def pareto_page(tiny_classification, tmp_path_factory):
    X, y = tiny_classification
    search = skhypertune.BayesSearchCV(
        DecisionTreeClassifier(random_state=0),
        {
            "max_depth": randint(1, 12),
            "min_samples_leaf": randint(1, 20),
            "criterion": ["gini", "entropy"],
        },
        n_iter=12,
        cv=3,
        random_state=0,
        objectives=["score", "fit_time"],
    ).fit(X, y)
    path = tmp_path_factory.mktemp("pareto") / "report.html"
    return search, report(search, path, plots=False).read_text(encoding="utf-8")


def _front_rows(text):
    """(class, cells, data-v of the cells) of each row of the front's table."""
    body = text.split('id="pareto-table"')[1].split("<tbody>")[1]
    body = body.split("</tbody>")[0]
    rows = []
    for cls, row in re.findall(r"<tr( class=\"best\")?>(.*?)</tr>", body):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
        keys = [
            m.group(1) if (m := re.search(r'data-v="([^"]*)"', c)) else None
            for c in re.findall(r"<td[^>]*>", row)
        ]
        rows.append((cls.strip(), cells, keys))
    return rows


def test_pareto_section_tables_the_front(pareto_page):
    search, text = pareto_page
    section = _section(text, "pareto")
    assert "<h2>Trade-offs (Pareto front)</h2>" in section
    # After the summary, before the leaderboard.
    assert text.index('id="summary"') < text.index('id="pareto"')
    assert text.index('id="pareto"') < text.index('id="leaderboard"')
    head = re.findall(r"<th>(.*?)</th>", section.split("<tbody>")[0])
    assert head == [
        "#",
        "refitted",
        "score (higher is better)",
        "fit_time (s, lower is better)",
        "criterion",
        "max_depth",
        "min_samples_leaf",
    ]
    rows = _front_rows(section)
    res = search.cv_results_
    # One row per member of the front, in its order, with its objectives.
    assert [int(r[1][0]) for r in rows] == list(search.pareto_front_)
    for (_, cells, keys), i in zip(rows, search.pareto_front_):
        assert float(keys[2]) == res["mean_test_score"][i]
        assert float(keys[3]) == res["mean_fit_time"][i]
        assert cells[4] == res["params"][i]["criterion"]
        assert int(cells[5]) == res["params"][i]["max_depth"]
    # refit=True refits the best score, marked on the front. (Fit times vary,
    # and so do the candidates proposed after them: a tie for the best score
    # can leave the refitted one off the front, and the page says so.)
    best = search.best_index_
    on_front = best in search.pareto_front_
    marked = [int(cells[0]) for cls, cells, _ in rows if cls == 'class="best"']
    assert marked == ([best] if on_front else [])
    assert [int(c[0]) for _, c, _ in rows if c[1] == "refitted"] == marked
    assert f"The refitted model is candidate {best}" in section
    assert "<code>refit=True</code> refits the best score" in section
    assert ("highlighted below" in section) == on_front
    n = len(search.pareto_front_)
    assert f"{n} of its 12 candidates are on the Pareto front" in section


def test_pareto_section_has_the_plot(pareto_page, monkeypatch):
    pytest.importorskip("matplotlib")
    from skhypertune import _report

    search, text = pareto_page
    assert "<svg" not in _section(text, "pareto")  # plots=False
    # The section report() writes with plots (the other plots are not drawn
    # here, to keep the test fast).
    section = _report._pareto_section(search, plots=True)
    assert section.count("<svg") == 1 and 'id="plot-pareto"' in section
    assert "the star marks the refitted candidate" in section
    assert section.index("<svg") < section.index('id="pareto-table"')
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    section = _report._pareto_section(search, plots=True)
    assert "<svg" not in section and "skhypertune[plot]" in section
    assert 'id="pareto-table"' in section


def test_no_pareto_section_without_objectives(page, tmp_path, tiny_classification):
    _, text = page
    assert 'id="pareto"' not in text and "Trade-offs" not in text
    X, y = tiny_classification
    single = skhypertune.BayesSearchCV(
        DecisionTreeClassifier(random_state=0),
        {"max_depth": randint(1, 6)},
        n_iter=4,
        cv=2,
        random_state=0,
    ).fit(X, y)
    text = report(single, tmp_path / "s.html", plots=False).read_text()
    assert 'id="pareto"' not in text and "pareto-table" not in text


def test_pareto_section_of_a_custom_objective_and_refit(tmp_path, tiny_classification):
    from skhypertune.pareto import best_within

    X, y = tiny_classification
    kwargs = dict(
        param_distributions={"max_depth": randint(1, 12)},
        n_iter=8,
        cv=2,
        random_state=0,
        scoring={"accuracy": "accuracy", "n_leaves": _n_leaves},
        objectives={"accuracy": "max", "n_leaves": "min"},
    )
    refit = best_within(0.05, cost="n_leaves", score="accuracy")
    search = skhypertune.EvolutionSearchCV(
        DecisionTreeClassifier(random_state=0), refit=refit, **kwargs
    ).fit(X, y)
    # Multi-metric with a callable refit: the metric reported is the first
    # metric objective's.
    text = report(search, tmp_path / "e.html", plots=False).read_text()
    assert "<th>scoring</th><td>accuracy</td>" in _section(text, "summary")
    assert "<th>std_test_accuracy</th>" in _section(text, "leaderboard")
    section = _section(text, "pareto")
    rows = _front_rows(section)
    res = search.cv_results_
    assert [int(r[1][0]) for r in rows] == list(search.pareto_front_)
    assert [float(r[2][3]) for r in rows] == [
        res["mean_test_n_leaves"][i] for i in search.pareto_front_
    ]
    assert "n_leaves (lower is better)" in section
    assert "refit=best_within(0.05, cost=&#x27;n_leaves&#x27;)</code> chose it" in (
        section
    )
    assert [int(c[0]) for cls, c, _ in rows if cls] == [search.best_index_]
    # Without a refitted model, no row is marked and the text says why.
    kept = skhypertune.EvolutionSearchCV(
        DecisionTreeClassifier(random_state=0), refit=False, **kwargs
    ).fit(X, y)
    section = _section(
        report(kept, tmp_path / "f.html", plots=False, metric="accuracy").read_text(),
        "pareto",
    )
    assert "No model was refitted" in section
    assert all(cls == "" and c[1] == "" for cls, c, _ in _front_rows(section))


def test_state_pages_of_a_multi_objective_search_show_the_front_so_far(tmp_path):
    from skhypertune.pareto import objective_matrix, pareto_front, resolve_objectives

    X, y = _tiny()
    pages = []

    def snapshot(state):
        path = tmp_path / f"batch{state.batch}.html"
        pages.append((state, report(state, path, plots=False).read_text()))

    skhypertune.BayesSearchCV(
        DecisionTreeClassifier(random_state=0),
        {"max_depth": randint(1, 12)},
        n_iter=6,
        n_initial_points=4,
        n_points=2,
        cv=2,
        random_state=0,
        objectives=["score", "fit_time"],
        callbacks=[snapshot],
    ).fit(X, y)
    state, text = pages[0]
    objectives = resolve_objectives(["score", "fit_time"])
    front = pareto_front(
        objective_matrix(state.cv_results, objectives),
        [o.direction for o in objectives],
    )
    section = _section(text, "pareto")
    assert [int(r[1][0]) for r in _front_rows(section)] == list(front)
    assert "the front of the candidates so far" in section


# -- pages of a running search (SearchState, LiveReport) --------------------------
def _rows(text):
    """Candidate index of each leaderboard row, in page order."""
    body = _section(text, "leaderboard").split("<tbody>")[1]
    return [int(i) for i in re.findall(r"<tr[^>]*><td[^>]*>(\d+)</td>", body)]


def _refresh(text):
    match = re.search(r'<meta http-equiv="refresh" content="([^"]+)">', text)
    return match and float(match.group(1))


def _status(text):
    match = re.search(r'<p id="status" class="([^"]+)">(.*?)</p>', text)
    return match and match.groups()


def test_report_of_a_search_state_shows_the_results_so_far(tmp_path, random_search_cls):
    X, y = _tiny()
    pages = []

    def snapshot(state):
        path = tmp_path / f"batch{state.batch}.html"
        report(state, path, refresh=2.5, plots=False)
        pages.append((state, path.read_text(encoding="utf-8")))

    search = random_search_cls(
        SVC(),
        {"C": loguniform(1e-2, 1e2)},
        n_iter=6,
        batch_size=2,
        cv=2,
        random_state=0,
        callbacks=[snapshot],
    ).fit(X, y)
    assert len(pages) == 3
    for b, (state, text) in enumerate(pages):
        assert _refresh(text) == 2.5
        assert sorted(_rows(text)) == list(range(2 * (b + 1)))
        cls, status = _status(text)
        assert f"after batch {b}" in status and "reloads itself every 2.5 s" in status
        summary = _section(text, "summary")
        assert "RandomHyperSearchCV" in summary and "2 splits" in summary
        assert f"{2 * (b + 1)} candidates evaluated of n_iter=6" in summary
        assert f"{state.best_score:.6g}" in summary
        assert "refit time" not in summary  # nothing refitted yet
        assert "batch" not in _section(text, "leaderboard")
    assert _status(pages[0][1])[0] == "status running"
    assert "2 of 6 candidates evaluated" in _status(pages[0][1])[1]
    assert _status(pages[-1][1])[0] == "status done"
    assert "All 6 candidates of the budget" in _status(pages[-1][1])[1]
    # The last state's page has the fitted search's rows and importances.
    final = report(search, tmp_path / "final.html", plots=False).read_text()
    assert _rows(final) == _rows(pages[-1][1])
    assert _section(final, "importances") == _section(pages[-1][1], "importances")
    assert _refresh(final) is None and _status(final) is None


def _tiny():
    from sklearn.datasets import make_classification

    return make_classification(
        n_samples=60, n_features=5, n_informative=3, random_state=0
    )


def test_state_pages_with_plots_and_a_snapshot_without_refresh(
    tmp_path, random_search_cls
):
    pytest.importorskip("matplotlib")
    X, y = _tiny()
    seen = {}

    def snapshot(state):
        if state.batch == 1:
            seen["text"] = report(state, tmp_path / "s.html").read_text()

    random_search_cls(
        SVC(),
        SPACE,
        n_iter=8,
        batch_size=4,
        cv=2,
        random_state=0,
        callbacks=[snapshot],
    ).fit(X, y)
    text = seen["text"]
    assert _refresh(text) is None
    assert _status(text)[0] == "status done"
    assert _section(text, "plots").count("<svg") == 3


def test_state_page_of_a_warm_started_fit_says_what_it_lists(
    tmp_path, random_search_cls
):
    X, y = _tiny()
    pages = []
    search = random_search_cls(
        SVC(),
        {"C": loguniform(1e-2, 1e2)},
        n_iter=4,
        batch_size=2,
        cv=2,
        random_state=0,
        warm_start=True,
    ).fit(X, y)
    search.set_params(
        n_iter=6,
        callbacks=[
            lambda s: pages.append(
                report(s, tmp_path / "w.html", plots=False).read_text()
            )
        ],
    ).fit(X, y)
    (text,) = pages
    assert _rows(text) == [0, 1]  # the rows of this fit
    assert "4 of them come from an earlier fit" in _status(text)[1]


def test_report_rejects_other_objects_and_a_bad_refresh(tmp_path, searches):
    from skhypertune.callbacks import SearchState

    state = SearchState(
        estimator=None,
        n_evaluated=0,
        n_iter=1,
        batch=0,
        elapsed=0.0,
        params=(),
        scores=np.empty(0),
        best_index=None,
        best_score=float("nan"),
        best_params=None,
        cv_results={},
    )
    with pytest.raises(TypeError, match="SearchState of a search"):
        report(state, tmp_path / "x.html")
    with pytest.raises(TypeError, match="or the SearchState of a running one"):
        report({"params": []}, tmp_path / "x.html")
    for bad in (0, -1, "3", True):
        with pytest.raises(ValueError, match="refresh must be a positive number"):
            report(searches[0], tmp_path / "x.html", refresh=bad)
    assert not (tmp_path / "x.html").exists()


def test_pages_are_replaced_atomically(tmp_path, searches, monkeypatch):
    path = tmp_path / "r.html"
    path.write_text("old page")
    path.chmod(0o640)
    moves = []
    real_replace = os.replace

    def replace(src, dst):
        # The new page is complete before it takes the old one's place.
        assert Path(src).parent == tmp_path and Path(src).read_text().endswith(
            "</html>\n"
        )
        moves.append(Path(dst))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    report(searches[0], path, plots=False)
    assert moves == [path] and os.listdir(tmp_path) == ["r.html"]
    assert path.stat().st_mode & 0o777 == 0o640  # the mode of the page replaced

    def fail(src, dst):
        raise PermissionError("read-only")

    monkeypatch.setattr(os, "replace", fail)
    before = path.read_text()
    with pytest.raises(PermissionError):
        report(searches[0], path, plots=False)
    assert path.read_text() == before and os.listdir(tmp_path) == ["r.html"]
    monkeypatch.undo()
    report(searches[0], tmp_path / "new.html", plots=False)
    assert (tmp_path / "new.html").stat().st_mode & 0o777 == 0o644
    with pytest.raises(OSError):
        report(searches[0], tmp_path / "missing" / "x.html", plots=False)


# -- LiveReport ---------------------------------------------------------------------
def _live_search(random_search_cls, callbacks, **kw):
    params = dict(n_iter=6, batch_size=2, cv=2, random_state=0)
    params.update(kw)
    return random_search_cls(
        DecisionTreeClassifier(random_state=0),
        {"max_depth": randint(1, 20)},
        callbacks=callbacks,
        **params,
    )


def test_live_report_rewrites_the_page_after_every_batch(tmp_path, random_search_cls):
    from skhypertune.callbacks import LiveReport

    X, y = _tiny()
    path = tmp_path / "live.html"
    live = LiveReport(path, refresh=4, plots=False, title="tuning", notes={"who": "me"})
    seen = []

    def read(state):  # runs after LiveReport, so sees the page it just wrote
        seen.append((state.n_evaluated, path.read_text(encoding="utf-8")))

    search = _live_search(random_search_cls, [live, read]).fit(X, y)
    assert [n for n, _ in seen] == [2, 4, 6]
    for n, text in seen:
        assert sorted(_rows(text)) == list(range(n))
        assert "<title>tuning</title>" in text and "<th>who</th>" in text
    assert [_refresh(t) for _, t in seen] == [4, 4, None]  # budget spent: done
    assert live.n_written_ == 3
    out = live.finish()
    assert out == path and live.n_written_ == 4
    final = path.read_text(encoding="utf-8")
    assert _refresh(final) is None and _status(final) is None
    assert "refit time" in _section(final, "summary")
    # The final page is the fitted search's report.
    same = report(
        search, tmp_path / "same.html", plots=False, title="tuning", notes={"who": "me"}
    ).read_text(encoding="utf-8")
    stamp = re.compile(r"generated [^<]*")
    assert stamp.sub("", final) == stamp.sub("", same)
    assert _rows(final) == _rows(seen[-1][1])


def test_live_report_every_and_early_stop(tmp_path, random_search_cls):
    from skhypertune.callbacks import LiveReport

    X, y = _tiny()
    path = tmp_path / "live.html"
    batches = []
    live = LiveReport(path, every=2, plots=False)

    def record(state):
        batches.append(
            (state.batch, _refresh(path.read_text()) if path.exists() else "-")
        )
        return state.batch == 2  # stop after three batches of a budget of five

    with live:
        _live_search(random_search_cls, [live, record], n_iter=10).fit(X, y)
    # Written after the 2nd batch only; the context manager wrote the final page.
    assert batches == [(0, "-"), (1, 3.0), (2, 3.0)]
    assert live.n_written_ == 2
    assert _refresh(path.read_text()) is None and _status(path.read_text()) is None


def test_live_report_marks_a_failed_fit(tmp_path, random_search_cls):
    from skhypertune.callbacks import LiveReport

    X, y = _tiny()
    path = tmp_path / "live.html"

    def crash(state):
        if state.batch == 1:
            raise RuntimeError("simulated crash")

    with (
        pytest.raises(RuntimeError, match="simulated"),
        LiveReport(path, plots=False) as live,
    ):
        _live_search(random_search_cls, [live, crash]).fit(X, y)
    text = path.read_text()
    assert _refresh(text) is None
    cls, status = _status(text)
    assert cls == "status done"
    assert "stopped after batch 1: RuntimeError: simulated crash" in status
    assert sorted(_rows(text)) == [0, 1, 2, 3]
    # Nothing seen, nothing written; and finish() needs a search then.
    with LiveReport(tmp_path / "none.html"):
        pass
    assert not (tmp_path / "none.html").exists()
    with pytest.raises(ValueError, match="has not seen one"):
        LiveReport(tmp_path / "none.html").finish()


def test_live_report_on_a_halving_search(tmp_path):
    from skhypertune import HalvingRandomSearchCV
    from skhypertune.callbacks import LiveReport

    X, y = _tiny()
    path = tmp_path / "h.html"
    pages = []
    live = LiveReport(path, plots=False)
    HalvingRandomSearchCV(
        DecisionTreeClassifier(random_state=0),
        {"max_depth": randint(1, 6)},
        n_candidates=6,
        factor=2,
        min_resources=20,
        cv=2,
        random_state=0,
        callbacks=[live, lambda s: pages.append(path.read_text())],
    ).fit(X, y)
    assert len(pages) >= 2
    assert "<th>iter</th>" in pages[0] and "<th>n_resources</th>" in pages[0]
    assert len(_rows(pages[0])) == 6 and _refresh(pages[0]) == 3.0


def test_live_report_validates_its_parameters(tmp_path):
    import pickle

    from skhypertune.callbacks import LiveReport

    with pytest.raises(TypeError, match="path must be a file path"):
        LiveReport(3)
    with pytest.raises(ValueError, match="path must be a file path"):
        LiveReport(tmp_path)
    with pytest.raises(ValueError, match="folder .* does not exist"):
        LiveReport(tmp_path / "missing" / "r.html")
    for kwargs, error, message in [
        ({"every": 0}, ValueError, "every must be a positive integer"),
        ({"every": 1.5}, TypeError, "every must be an integer"),
        ({"refresh": 0}, ValueError, "refresh must be a positive number"),
        ({"refresh": "3"}, TypeError, "refresh must be a number"),
        ({"plots": 1}, TypeError, "plots must be True or False"),
        ({"title": 1}, TypeError, "title must be a string"),
        ({"notes": [1]}, TypeError, "notes must be a mapping"),
        ({"metric": 1}, TypeError, "metric must be a string"),
    ]:
        with pytest.raises(error, match=message):
            LiveReport(tmp_path / "r.html", **kwargs)
    live = LiveReport(str(tmp_path / "r.html"), every=2)
    live._state = object()  # what a fit leaves; not pickled with the search
    assert pickle.loads(pickle.dumps(live))._state is None
    assert live.path == tmp_path / "r.html"


# -- headless Chromium -------------------------------------------------------------
# The docs' render check knows how to find and drive headless Chromium.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "docs"))
import check_render  # noqa: E402

CHROMIUM = check_render.find_chromium()
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed"
)


def _chromium(url, tmp_path, *args):
    """Run headless Chromium; returns (stdout, every console line)."""
    profile = tmp_path / f"profile-{len(os.listdir(tmp_path))}"
    proc = check_render.run_chromium(CHROMIUM, url, list(args), profile)
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    return proc.stdout, console


@needs_chromium
def test_console_check_catches_a_broken_page(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text("<html><body><script>notDefined();</script></body></html>")
    _, console = _chromium(bad.as_uri(), tmp_path, "--dump-dom")
    assert any("notDefined" in line for line in console)


@needs_chromium
def test_report_renders_in_headless_chromium(page, tmp_path):
    path, _ = page
    dom, console = _chromium(path.as_uri(), tmp_path, "--dump-dom")
    assert console == []
    for name in SECTIONS:
        assert f'id="{name}"' in dom
    # The inline script ran to the end: it marks the sortable table ready.
    assert re.search(r'id="leaderboard-table"[^>]*data-ready="1"', dom) or re.search(
        r'data-ready="1"[^>]*id="leaderboard-table"', dom
    )
    # Sorting runs in the browser: open the page sorted by candidate index.
    dom, console = _chromium(path.as_uri() + "#sort=%23", tmp_path, "--dump-dom")
    assert console == []
    body = dom.split('id="leaderboard-table"')[1].split("<tbody>")[1]
    first_cells = re.findall(r"<tr[^>]*><td[^>]*>(\d+)</td>", body)
    assert first_cells == [str(i) for i in range(12)]
    static = page[1].split('id="leaderboard-table"')[1]
    assert re.findall(r"<tr[^>]*><td[^>]*>(\d+)</td>", static) != first_cells
    shot = tmp_path / "report.png"
    _, console = _chromium(
        path.as_uri(),
        tmp_path,
        f"--screenshot={shot}",
        "--window-size=1280,2000",
    )
    assert console == []
    assert shot.stat().st_size > 20_000
    image = pytest.importorskip("matplotlib.image").imread(shot)
    assert image.shape[:2] == (2000, 1280)
    gray = image[..., :3].mean(axis=2)
    assert gray.std() > 0.05  # not a blank page
    assert (gray < 0.9).mean() > 0.02  # text, tables and plots drawn


@needs_chromium
@pytest.mark.slow
def test_live_report_in_chromium_while_the_search_runs(tmp_path, random_search_cls):
    # The browser loads the page while the search is still fitting (held
    # after its second batch until the browser is done): the page shows the
    # first batches' rows, says the search is running and reloads itself.
    import threading

    from skhypertune.callbacks import LiveReport

    X, y = _tiny()
    path = tmp_path / "live.html"
    live = LiveReport(path, refresh=2, plots=False)
    written, browsed = threading.Event(), threading.Event()

    def hold(state):
        if state.batch == 1:
            written.set()
            assert browsed.wait(120), "the browser did not load the page"

    search = random_search_cls(
        DecisionTreeClassifier(random_state=0),
        {"max_depth": randint(1, 40)},
        n_iter=30,
        batch_size=2,
        cv=2,
        random_state=0,
        callbacks=[live, hold],
    )
    errors = []

    def fit():
        try:
            search.fit(X, y)
        except Exception as exc:  # pragma: no cover - shown by the assert
            errors.append(exc)

    worker = threading.Thread(target=fit, daemon=True)
    worker.start()
    try:
        assert written.wait(60), "no page after the second batch"
        # Dump the page before its first reload (headless Chromium waits
        # for the end of the virtual time budget, which a reload restarts).
        dom, console = _chromium(
            path.as_uri(), tmp_path, "--virtual-time-budget=1000", "--dump-dom"
        )
        fit_ended = not worker.is_alive()
    finally:
        browsed.set()
        worker.join(60)
    assert not errors and not fit_ended
    assert console == []
    assert "Search running: 4 of 30 candidates evaluated after batch 1" in dom
    assert "reloads itself every 2 s" in dom
    assert re.search(r'<meta http-equiv="refresh" content="2">', dom)
    assert sorted(_rows(dom)) == [0, 1, 2, 3]
    # The final page, once the fit is over, no longer reloads. (Opened sorted
    # by candidate, descending, as the address of a sorted page says.)
    live.finish(search)
    dom, console = _chromium(path.as_uri() + "#sort=%23&desc", tmp_path, "--dump-dom")
    assert console == [] and 'http-equiv="refresh"' not in dom
    assert 'id="status"' not in dom and _rows(dom) == list(range(29, -1, -1))
