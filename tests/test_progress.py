"""Progress display: plain lines off a terminal, one rewritten line on it."""

import io

import numpy as np
from scipy.stats import loguniform, uniform
from sklearn.svm import SVC

from skhypertune._progress import SearchProgress


def test_plain_lines_first_then_each_tenth():
    out = io.StringIO()
    bar = SearchProgress(100, label="S", stream=out, tty=False, min_interval=1e9)
    for n in range(1, 101):
        bar.update(n, best=n / 100, elapsed=float(n))
    bar.close()
    lines = out.getvalue().splitlines()
    assert len(lines) == 11  # the first update, then 10, 20, ..., 100
    assert lines[0].startswith("S 1/100 candidates")
    assert lines[1] == "S 10/100 candidates | best 0.1 | 10s elapsed, ~1m30s left"
    assert lines[-1].startswith("S 100/100 candidates | best 1 | 1m40s elapsed")
    assert "\r" not in out.getvalue()


def test_terminal_rewrites_one_line_and_ends_it():
    out = io.StringIO()
    bar = SearchProgress(4, label="S", stream=out, tty=True, min_interval=0, width=4)
    bar.update(1, best=float("nan"), elapsed=1.0)
    bar.update(4, best=0.5, elapsed=4.0)
    bar.close()
    text = out.getvalue()
    assert text.count("\r") == 2 and text.endswith("\n") and text.count("\n") == 1
    first, second = text.split("\r")[1:]
    assert first.startswith("S [#...] 1/4 candidates | best n/a")
    assert second.startswith("S [####] 4/4 candidates | best 0.5")


def test_terminal_updates_are_throttled():
    out = io.StringIO()
    bar = SearchProgress(1000, stream=out, tty=True, min_interval=3600)
    for n in range(1, 1000):
        bar.update(n, best=1.0, elapsed=1.0)
    assert out.getvalue().count("\r") == 1  # the first; the rest within the interval
    bar.update(1000, best=1.0, elapsed=2.0)
    assert out.getvalue().count("\r") == 2  # the final update always shows


def test_search_with_verbose_1_shows_progress_not_sklearn_lines(
    random_search_cls, tiny_classification, capsys
):
    X, y = tiny_classification
    search = random_search_cls(
        SVC(),
        {"C": loguniform(1e-2, 1e2)},
        n_iter=6,
        batch_size=2,
        verbose=1,
        random_state=0,
    )
    search.fit(X, y)
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if "candidates |" in line]
    assert [line.split(" candidates")[0] for line in lines] == [
        "RandomHyperSearchCV 2/6",
        "RandomHyperSearchCV 4/6",
        "RandomHyperSearchCV 6/6",
    ]
    best = np.nanmax(search.cv_results_["mean_test_score"])
    assert f"best {best:.5g}" in lines[-1]
    assert "Fitting" not in out
    assert search.verbose == 1  # restored after the search
    assert not hasattr(search, "_progress")


def test_search_with_verbose_2_keeps_sklearn_lines(
    random_search_cls, tiny_classification, capsys
):
    X, y = tiny_classification
    random_search_cls(
        SVC(),
        {"C": uniform(0.1, 1.0)},
        n_iter=2,
        batch_size=1,
        verbose=2,
        random_state=0,
    ).fit(X, y)
    out = capsys.readouterr().out
    assert out.count("Fitting 3 folds for each of 1 candidates") == 2
    assert "2/2 candidates" in out


def test_silent_when_verbose_0(random_search_cls, tiny_classification, capsys):
    X, y = tiny_classification
    random_search_cls(SVC(), {"C": [0.1, 1.0]}, n_iter=2, random_state=0).fit(X, y)
    assert capsys.readouterr().out == ""
