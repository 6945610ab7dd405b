"""Smoke tests of the search benchmark's shared code (benchmarks/common.py).

No peer is needed: the registry imports peers only when a searcher is built.
The multi-objective benchmark's quick run calls Optuna directly and is skipped
without it.
"""

import math
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import loguniform, norm, randint, uniform

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import bench_search
import common


def test_describe_keeps_bounds_scale_and_inclusive_integers():
    assert common.describe(loguniform(1e-3, 1e3)) == common.Dim("real", 1e-3, 1e3, True)
    assert common.describe(uniform(0.1, 0.9)) == common.Dim("real", 0.1, 1.0)
    # randint's high is exclusive in scipy, inclusive for every peer.
    assert common.describe(randint(5, 50)) == common.Dim("int", 5, 49)
    assert common.describe(["a", None]) == common.Dim("cat", values=("a", None))
    assert common.describe(np.array([1, 2])).values == (1, 2)
    with pytest.raises(TypeError, match="do not use"):
        common.describe(norm(0, 1))


@pytest.mark.parametrize("name", list(common.TASKS))
def test_every_task_space_converts(name):
    task = common.TASKS[name]
    dims = common.convert_space(
        task.make_space(), {k: lambda d: d for k in "real int cat".split()}
    )
    assert set(dims) == set(task.make_space())
    assert all(d.low <= d.high for d in dims.values())
    # Every parameter name reaches the estimator.
    task.make_estimator(0).set_params(
        **{k: v.low if v.kind != "cat" else v.values[0] for k, v in dims.items()}
    )


def test_duplicate_rate_counts_numpy_and_python_scalars_alike():
    params = [
        {"a": 1, "b": 0.5},
        {"a": np.int64(1), "b": np.float64(0.5)},
        {"a": 2, "b": 0.5},
    ]
    assert common.duplicate_rate(params, len(params)) == pytest.approx(1 / 3)
    # Proposals a cache answered without a fit are duplicates too.
    assert common.duplicate_rate(params[::2], 4) == pytest.approx(0.5)


def test_ga_population_leaves_room_for_cache_hits():
    for budget in (40, 100, 200):
        p = common.ga_population_size(budget)
        assert budget <= 7 * p < budget + 7


def test_normalisation_maps_random_to_0_and_best_to_100():
    rows = [
        dict(
            task="t",
            searcher=s,
            seed=seed,
            status="ok",
            best_cv=cv,
            test_score=cv,
            wall_time=1.0,
            overhead_ms=1.0,
            n_evaluated=4,
            duplicate_rate=0.0,
        )
        for s, seed, cv in [
            ("random", 0, 0.7),
            ("random", 1, 0.9),
            ("x", 0, 0.85),
            ("x", 1, 1.0),
        ]
    ]
    refs = bench_search.references(rows)
    assert refs["t"]["cv"] == 1.0
    summary = bench_search.summarise(rows, refs)
    assert summary["per_searcher"]["random"]["norm_cv"] == pytest.approx(0.0)
    # 0 = random's mean 0.8; 100 = the mean of each seed's best, 0.925: x was
    # the best on every seed, so it scores 100 although neither seed alone
    # reaches the best over both seeds (1.0).
    assert summary["cells"]["t", "x"]["norm_cv"] == pytest.approx(100.0)
    # With one 100 for all seeds: (0.85 - 0.8) / 0.2 = 25 and 100: mean 62.5.
    assert summary["cells"]["t", "x"]["norm_cv_pooled"] == pytest.approx(62.5)
    assert math.isnan(bench_search._normalise(0.9, 0.9, 0.9))


def test_run_one_measures_random_search():
    row = common.run_one(
        common.TASKS["ridge_poly_diabetes"], common.SEARCHERS["random"], 3, 0
    )
    assert row.status == "ok", row.error
    assert row.n_evaluated == row.n_proposed == 3
    assert 0 < row.fit_score_time < row.wall_time
    assert -1.0 < row.best_cv <= 1.0 and -1.0 < row.test_score <= 1.0
    assert row.overhead_ms > 0


def test_multiobjective_normalises_on_the_pooled_points():
    import bench_multiobjective

    points = {
        "a": np.array([[0.9, 0.01], [0.5, 0.001]]),
        "b": np.array([[0.7, 0.1]]),
    }
    norm = bench_multiobjective.normalise(points)
    # Pooled: scores 0.5-0.9 -> 0-1; log10 times -3 (fastest, 1) to -1 (0).
    np.testing.assert_allclose(norm["a"], [[1.0, 0.5], [0.0, 1.0]])
    np.testing.assert_allclose(norm["b"], [[0.5, 0.0]])


def test_multiobjective_quick_run(tmp_path):
    pytest.importorskip("optuna")
    import bench_multiobjective

    assert bench_multiobjective.main(["--quick", "--out", str(tmp_path)]) == 0
    rows, meta = bench_multiobjective.load(tmp_path / "multiobjective_quick.json")
    assert {r["method"] for r in rows} == set(bench_multiobjective.METHODS)
    for r in rows:
        assert r["status"] == "ok", (r["method"], r["error"])
        assert r["n_evaluated"] == len(r["score"]) == len(r["fit_time"]) == 6
    box = (1 - bench_multiobjective.REFERENCE) ** 2
    for group in bench_multiobjective.analyse(rows).values():
        assert all(0 < m["hv"] <= box + 1e-12 for m in group.values())
        # Some method holds each point of the pooled front.
        assert sum(m["joint"] for m in group.values()) >= 1
    report = (tmp_path / "multiobjective_quick.md").read_text()
    assert "Fit times are measured on this host in one run" in report
    assert "## Wins per pair of methods" in report
