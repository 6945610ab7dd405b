"""n_jobs=2 against n_jobs=1 on the same search: speed-up and identical results.

Runs BayesSearchCV on one task of the search benchmark (by default the one
whose candidate fits take longest) twice with the same ``random_state``, once
with ``n_jobs=1`` and once with ``n_jobs=2``, and reports the wall-time ratio
and whether ``cv_results_`` (parameters and scores) are identical.

    python benchmarks/bench_parallel.py [--task NAME] [--budget 40] [--seed 0]

Writes ``benchmarks/results/parallel.md``. Run it on a quiet machine: the
speed-up is a wall-time ratio on the machine's cores. Both runs limit BLAS and
OpenMP to one thread per process (threadpoolctl), as joblib's workers do, so
that n_jobs=1 is not already using every core inside HistGradientBoosting.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import TASKS

from skhypertune import BayesSearchCV


def _slowest_task(seed: int) -> str:
    """The task whose single default fit on its training set takes longest."""
    timings = {}
    for name, task in TASKS.items():
        X, _, y, _ = task.split(seed)
        est = task.make_estimator(seed)
        with threadpool_limits(limits=1):
            t0 = time.perf_counter()
            est.fit(X, y)
            timings[name] = time.perf_counter() - t0
    return max(timings, key=timings.get)


def _run(task, n_jobs: int, budget: int, seed: int):
    X, _, y, _ = task.split(seed)
    search = BayesSearchCV(
        task.make_estimator(seed),
        task.make_space(),
        n_iter=budget,
        cv=task.cv(seed),
        scoring=task.scoring,
        n_jobs=n_jobs,
        random_state=seed,
    )
    with threadpool_limits(limits=1):
        t0 = time.perf_counter()
        search.fit(X, y)
        return search, time.perf_counter() - t0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default=None, choices=sorted(TASKS))
    parser.add_argument("--budget", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"))
    args = parser.parse_args(argv)

    name = args.task or _slowest_task(args.seed)
    task = TASKS[name]
    # Warm the process pool so its start-up is not charged to n_jobs=2.
    _run(task, 2, 2, args.seed)
    one, t1 = _run(task, 1, args.budget, args.seed)
    two, t2 = _run(task, 2, args.budget, args.seed)
    same_params = one.cv_results_["params"] == two.cv_results_["params"]
    same_scores = np.array_equal(
        one.cv_results_["mean_test_score"], two.cv_results_["mean_test_score"]
    )
    fit_time = float(
        np.sum(one.cv_results_["mean_fit_time"] + one.cv_results_["mean_score_time"])
        * one.n_splits_
    )
    rows = [
        "# n_jobs=2 against n_jobs=1 (BayesSearchCV)",
        "",
        f"Task `{name}` ({task.description}), budget {args.budget}, seed {args.seed}, "
        f"{one.n_splits_}-fold CV; {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}.",
        "",
        "| n_jobs | wall s | speed-up | fit+score s | same params | same scores |",
        "|---|---|---|---|---|---|",
        f"| 1 | {t1:.2f} | 1.00 | {fit_time:.2f} | – | – |",
        f"| 2 | {t2:.2f} | {t1 / t2:.2f} | – | {same_params} | {same_scores} |",
        "",
        f"Best CV score: {one.best_score_:.4f} (n_jobs=1), "
        f"{two.best_score_:.4f} (n_jobs=2).",
    ]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "parallel.md").write_text("\n".join(rows) + "\n")
    print("\n".join(rows))
    return 0 if same_params and same_scores else 1


if __name__ == "__main__":
    raise SystemExit(main())
