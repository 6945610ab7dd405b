"""n_jobs=2 against n_jobs=1 on the same search: speed-up and identical results.

Runs BayesSearchCV on one task of the search benchmark (by default the one
whose BayesSearchCV runs took longest there) twice with the same ``random_state``, once
with ``n_jobs=1`` and once with ``n_jobs=2``, and reports the wall-time ratio
and whether ``cv_results_`` (parameters and scores) are identical.

    python benchmarks/bench_parallel.py [--task NAME ...] [--budget 40] [--seed 0]
        [--repeats 3]

Writes ``benchmarks/results/parallel.md``. Run it on a quiet machine: the
speed-up is a wall-time ratio on the machine's cores. Both runs limit BLAS and
OpenMP to one thread per process (threadpoolctl), as joblib's workers do, so
that n_jobs=1 is not already using every core inside HistGradientBoosting.
"""

from __future__ import annotations

import argparse
import json
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
    """The task whose BayesSearchCV runs took longest in the search benchmark.

    Read from ``results/search_budget40.json`` (mean wall time over seeds);
    without it, the task whose default fit takes longest here.
    """
    raw = Path(__file__).resolve().parent / "results" / "search_budget40.json"
    if raw.exists():
        walls: dict[str, list[float]] = {}
        for r in json.loads(raw.read_text())["rows"]:
            if r["searcher"] == "bayes" and r["status"] == "ok":
                walls.setdefault(r["task"], []).append(r["wall_time"])
        if walls:
            return max(walls, key=lambda t: float(np.mean(walls[t])))
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
    parser.add_argument(
        "--task", nargs="+", default=None, choices=sorted(TASKS), dest="tasks"
    )
    parser.add_argument("--budget", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="runs of each n_jobs, alternated; the speed-up compares medians",
    )
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"))
    args = parser.parse_args(argv)

    names = args.tasks or [_slowest_task(args.seed)]
    lines, ok = [], True
    for name in names:
        task = TASKS[name]
        # Warm the process pool so its start-up is not charged to n_jobs=2.
        _run(task, 2, 2, args.seed)
        walls: dict[int, list[float]] = {1: [], 2: []}
        for _ in range(args.repeats):
            one, t1 = _run(task, 1, args.budget, args.seed)
            two, t2 = _run(task, 2, args.budget, args.seed)
            walls[1].append(t1)
            walls[2].append(t2)
        same_params = one.cv_results_["params"] == two.cv_results_["params"]
        same_scores = np.array_equal(
            one.cv_results_["mean_test_score"], two.cv_results_["mean_test_score"]
        )
        ok = ok and same_params and same_scores
        fit_time = float(
            np.sum(
                one.cv_results_["mean_fit_time"] + one.cv_results_["mean_score_time"]
            )
            * one.n_splits_
        )
        m1, m2 = float(np.median(walls[1])), float(np.median(walls[2]))
        runs = {k: ", ".join(f"{t:.2f}" for t in v) for k, v in walls.items()}
        lines.append(
            f"| {name} | {runs[1]} | {runs[2]} | {m1 / m2:.2f} | {fit_time:.2f} "
            f"| {same_params} | {same_scores} | {one.best_score_:.4f} |"
        )
    rows = [
        "# n_jobs=2 against n_jobs=1 (BayesSearchCV)",
        "",
        f"Budget {args.budget}, seed {args.seed}, default n_points, 3-fold CV; "
        f"{args.repeats} runs of each n_jobs, alternated, after a warm-up that "
        f"starts joblib's worker processes; {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}. Speed-up = "
        "median wall time with n_jobs=1 / median with n_jobs=2.",
        "",
        "| task | n_jobs=1 wall s | n_jobs=2 wall s | speed-up | fit+score s "
        "(n_jobs=1) | same params | same scores | best CV |",
        "|---|---|---|---|---|---|---|---|",
        *lines,
    ]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "parallel.md").write_text("\n".join(rows) + "\n")
    print("\n".join(rows))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
